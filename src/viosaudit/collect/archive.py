"""Import a capture archive written by ``viosaudit-capture.ksh`` into a snapshot (``viosaudit import``).

The archive is untrusted input: it is read member by member into memory, never extracted. Accepted
members are ``manifest.json``, ``captures/<host>/<id>.txt`` and ``captures/<host>/<id>.stderr`` for
a VIOS command id of ``commands.py`` (and the folders holding them); anything else (a path with
``..`` or ``/`` at the start, a link, a device, a file not in the command set, a capture the manifest
does not list, a SHA-256 that does not match) rejects the whole archive with ``SnapshotError``.
SHA-256 sums the script could not compute (no ``csum``) are computed here.
"""

from __future__ import annotations

import json
import lzma
import re
import tarfile
import zlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Any

from viosaudit.commands import BY_ID, Role
from viosaudit.errors import SnapshotError
from viosaudit.sanitize import Sanitizer
from viosaudit.snapshot import FORMAT, MANIFEST, Capture, Gap, SnapshotWriter, open_snapshot, sha256_bytes

SCRIPT = "viosaudit-capture.ksh"
MAX_MEMBER = 256 * 1024 * 1024
MAX_TOTAL = 1024 * 1024 * 1024
VIOS_IDS = tuple(c.id for c in BY_ID.values() if c.role is Role.VIOS)
_MEMBER = re.compile(r"^captures/(?P<host>[^/]+)/(?P<id>" + "|".join(VIOS_IDS) + r")\.(?P<kind>txt|stderr)$")
_FOLDER = re.compile(r"^captures(/[^/]+)?$")


def capture_script() -> Path:
    """The offline capture script shipped in the package (copy it to the VIOS)."""
    return Path(str(resources.files("viosaudit.collect").joinpath(SCRIPT)))


@dataclass(frozen=True, slots=True)
class ImportResult:
    snapshot_dir: Path
    captures: tuple[Capture, ...]
    gaps: tuple[Gap, ...]


def _name(member: tarfile.TarInfo, archive: Path) -> str:
    raw = member.name
    name = raw[2:] if raw.startswith("./") else raw
    name = name.rstrip("/") if member.isdir() else name
    path = PurePosixPath(name)
    if raw.startswith("/") or "\\" in raw or ".." in path.parts or name in {"", "."}:
        raise SnapshotError(f"{archive}: unsafe path {raw!r} in the archive; refusing to import it")
    return name


def _read_members(archive: Path) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    total = 0
    try:
        tar = tarfile.open(archive, "r:*")  # noqa: SIM115 - closed by the with below
    except (OSError, tarfile.TarError) as exc:
        raise SnapshotError(f"{archive}: not a readable tar archive: {exc}") from exc
    with tar:
        try:
            for member in tar:
                if member.name in {".", "./"}:
                    continue
                name = _name(member, archive)
                if member.isdir():
                    if not _FOLDER.match(name):
                        raise SnapshotError(f"{archive}: unexpected folder {name!r}; not a viosaudit capture archive")
                    continue
                if not member.isreg():
                    raise SnapshotError(f"{archive}: {name!r} is a link or special file; refusing to import it")
                if name != MANIFEST and not _MEMBER.match(name):
                    raise SnapshotError(
                        f"{archive}: {name!r} is not a capture of the viosaudit command set "
                        f"({', '.join(VIOS_IDS)}); refusing to import the archive"
                    )
                if name in files:
                    raise SnapshotError(f"{archive}: {name!r} appears twice")
                total += member.size
                if member.size > MAX_MEMBER or total > MAX_TOTAL:
                    raise SnapshotError(f"{archive}: {name!r} is too large for a capture")
                handle = tar.extractfile(member)
                if handle is None:
                    raise SnapshotError(f"{archive}: cannot read {name!r}")
                files[name] = handle.read()
                if len(files[name]) != member.size:
                    raise EOFError(f"{name!r} ends early")
        except (tarfile.TarError, EOFError, OSError, zlib.error, lzma.LZMAError) as exc:
            # a truncated .tar ends early; a truncated .tar.gz raises EOFError or zlib.error from gzip
            raise SnapshotError(
                f"{archive}: the archive is truncated or damaged ({exc or type(exc).__name__}); copy it from the "
                "VIOS again (in binary mode)"
            ) from None
    if MANIFEST not in files:
        raise SnapshotError(f"{archive}: no {MANIFEST}; was it written by {SCRIPT}?")
    return files


def import_archive(
    archive: Path,
    snapshot_dir: Path,
    *,
    managed_system: str | None = None,
    partition: str | None = None,
) -> ImportResult:
    """Validate ``archive`` and add its captures to ``snapshot_dir`` (created if missing).

    Args:
        archive: the tar (optionally compressed) written by ``viosaudit-capture.ksh``.
        snapshot_dir: the snapshot to add to; a new one is created when it has no manifest.
        managed_system: the VIOS's managed system, when the script was not given ``-m``.
        partition: the VIOS partition name, overriding what the script read from ``uname -L``.

    Raises:
        SnapshotError: the archive is unsafe, incomplete, altered, or already in the snapshot.
    """
    files = _read_members(archive)
    try:
        data = json.loads(files[MANIFEST].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SnapshotError(f"{archive}: {MANIFEST} is not valid JSON: {exc}") from exc
    except RecursionError:
        raise SnapshotError(f"{archive}: {MANIFEST} is nested too deeply to be a viosaudit manifest") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise SnapshotError(f"{archive}: {MANIFEST} format is not {FORMAT!r}")
    entries = data.get("captures")
    if not isinstance(entries, list) or not entries:
        raise SnapshotError(f"{archive}: {MANIFEST} lists no captures")
    notes = data.get("notes") or []
    if not isinstance(notes, list) or not all(isinstance(n, str) for n in notes):
        raise SnapshotError(f"{archive}: {MANIFEST} notes: expected a list of text lines")

    checked = [_check(entry, files, archive, managed_system, partition) for entry in entries]
    listed = {entry["file"] for entry in checked}
    unlisted = sorted(n for n in files if n.endswith(".txt") and n not in listed)
    if unlisted:
        raise SnapshotError(f"{archive}: capture file(s) {unlisted} are not in its manifest")

    if (snapshot_dir / MANIFEST).is_file():
        existing = open_snapshot(snapshot_dir).manifest
        have = {(c.host, c.command_id, c.managed_system) for c in existing.captures}
        clash = [e for e in checked if (e["host"], e["command_id"], e["managed_system"]) in have]
        if clash:
            raise SnapshotError(
                f"{snapshot_dir}: already holds {clash[0]['command_id']} of {clash[0]['host']}; "
                "import into a new snapshot folder"
            )
        sink = SnapshotWriter(snapshot_dir, sanitizer=Sanitizer(), existing=existing)
    else:
        sink = SnapshotWriter(
            snapshot_dir,
            sanitizer=Sanitizer(),
            snapshot_id=str(data.get("snapshot_id") or snapshot_dir.name),
            created=str(data.get("created") or ""),
            collector=f"viosaudit import ({data.get('collector', SCRIPT)})",
        )
    with sink:
        for note in notes:
            sink.note(f"{archive.name}: {note}")
        captures: list[Capture] = []
        gaps: list[Gap] = []
        for entry in checked:
            capture = sink.add_capture(
                host=entry["host"],
                role=Role.VIOS,
                command_id=entry["command_id"],
                command=entry["command"],
                output=files[entry["file"]],
                started=entry["started"],
                ended=entry["ended"],
                exit_status=entry["exit_status"],
                managed_system=entry["managed_system"],
                partition=entry["partition"],
            )
            captures.append(capture)
            if entry["exit_status"] != 0:
                stderr = files.get(entry["file"][: -len(".txt")] + ".stderr", b"")
                detail = next((ln.strip() for ln in stderr.decode("utf-8", "replace").splitlines() if ln.strip()), "")
                gap = Gap(
                    host=entry["host"],
                    command_id=entry["command_id"],
                    reason=f"exited with status {entry['exit_status']}: {detail or 'no message'} "
                    f"(output kept in {capture.file})",
                    role=Role.VIOS,
                    managed_system=entry["managed_system"],
                    partition=entry["partition"],
                    file=capture.file,
                )
                sink.add_gap(gap)
                gaps.append(gap)
    return ImportResult(snapshot_dir=snapshot_dir, captures=tuple(captures), gaps=tuple(gaps))


def _check(
    entry: Any, files: dict[str, bytes], archive: Path, system: str | None, partition: str | None
) -> dict[str, Any]:
    if not isinstance(entry, dict):
        raise SnapshotError(f"{archive}: a manifest capture entry is not an object: {entry!r}")
    file = str(entry.get("file", ""))
    match = _MEMBER.match(file)
    if not match or match.group("kind") != "txt":
        raise SnapshotError(f"{archive}: manifest names {file!r}, which is not a capture file of the command set")
    command_id = str(entry.get("command_id", ""))
    if command_id != match.group("id"):
        raise SnapshotError(f"{archive}: {file!r} is listed as command {command_id!r}")
    if file not in files:
        raise SnapshotError(f"{archive}: manifest lists {file!r}, which is not in the archive")
    digest = sha256_bytes(files[file])
    claimed = str(entry.get("sha256") or "")
    if claimed and claimed.lower() != digest:
        raise SnapshotError(
            f"{archive}: {file!r} does not match its SHA-256 in the manifest; the archive is damaged or altered"
        )
    try:
        exit_status = int(entry.get("exit_status"))  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise SnapshotError(f"{archive}: {file!r} has no valid exit_status") from exc
    host = str(entry.get("host") or "")
    if not host:
        raise SnapshotError(f"{archive}: {file!r} names no host")
    return {
        "file": file,
        "host": host,
        "command_id": command_id,
        "command": str(entry.get("command") or BY_ID[command_id].line),
        "started": str(entry.get("started") or ""),
        "ended": str(entry.get("ended") or ""),
        "exit_status": exit_status,
        "managed_system": system or _optional_text(entry.get("managed_system"), "managed_system", file, archive),
        "partition": partition or _optional_text(entry.get("partition"), "partition", file, archive),
    }


def _optional_text(value: Any, name: str, file: str, archive: Path) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise SnapshotError(f"{archive}: {file!r}: {name} must be text, not {type(value).__name__}")
    return value
