"""The change-ticket evidence: one zip an auditor can verify months later.

Contents::

    README.txt                      what is here and how to check it
    snapshot/manifest.json          the snapshot manifest, byte for byte
    snapshot/captures/<host>/...    every raw capture listed in it, byte for byte
    findings.json                   every finding (PASS included), as ``to_jsonable`` writes them; when
                                    the caller has no Finding objects, the report's finding rows, marked so
    view.json                       the report view the PDF and the workbook were made from
    changes/<change id>.txt         each proposed change: implementation and back-out plan
    reports/...                     the PDF and workbook, when given
    evidence-manifest.json          per file: SHA-256 and size; per capture: its times, exit status and
                                    whether its bytes still match the SHA-256 in the snapshot manifest
    MANIFEST.sha256                 ``sha256sum -c MANIFEST.sha256`` checks every other file

Entries carry the report's ``generated_at`` as their time, so the same inputs give the same zip.
"""

from __future__ import annotations

import hashlib
import itertools
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from viosaudit.errors import RenderError, SnapshotError
from viosaudit.jsonable import json_bytes, json_chunks, to_jsonable
from viosaudit.render.env import make_env
from viosaudit.render.view import ReportView
from viosaudit.rules.base import Finding
from viosaudit.snapshot import JOURNAL, MANIFEST, Snapshot

FORMAT = "viosaudit-evidence/1"
EVIDENCE_MANIFEST = "evidence-manifest.json"
SHA_MANIFEST = "MANIFEST.sha256"
SNAPSHOT_DIR = "snapshot"
PLAN_TEMPLATE = "change_plan.txt"
ROWS_ONLY = (
    "findings.json holds the report's finding rows, not the rule findings themselves "
    "(write_reports was called without findings=)"
)

README = """viosaudit evidence for snapshot {snapshot_id}
Data captured {captured_at}; evidence packed {generated_at}.

snapshot/        the raw output of every command, exactly as collected, and the snapshot manifest
                 (host, command line, start and end time, exit status and SHA-256 of each capture)
findings.json    every finding of every rule, PASS and UNKNOWN included
view.json        the data the PDF report and the CAB workbook were made from
changes/         the drafted implementation and back-out plan of each proposed change
evidence-manifest.json   SHA-256 and size of every file here; for each capture, whether it still
                 matches the SHA-256 recorded when it was collected
MANIFEST.sha256  check every file:  unzip this archive, then run  sha256sum -c MANIFEST.sha256

Problems found while packing: {problems}
"""


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _safe_member(name: str) -> str:
    """A capture path from the manifest, refused if it could escape the snapshot folder."""
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or "\\" in name or not path.parts:
        raise RenderError(f"snapshot manifest lists an unsafe capture path {name!r}; refusing to pack it")
    return str(path)


def _zip_time(generated_at: str) -> tuple[int, int, int, int, int, int]:
    try:
        when = datetime.fromisoformat(generated_at.replace("Z", "+00:00"))
    except ValueError:
        return (1980, 1, 1, 0, 0, 0)
    if when.year < 1980:
        return (1980, 1, 1, 0, 0, 0)
    return (when.year, when.month, when.day, when.hour, when.minute, when.second)


COMPRESS_LEVEL = 1  # deflate's fastest: raw text still shrinks about 5x, at a third of the default's time
BLOCK = 1 << 20


class _Packer:
    def __init__(self, archive: zipfile.ZipFile, date_time: tuple[int, int, int, int, int, int]) -> None:
        self.archive = archive
        self.date_time = date_time
        self.files: list[dict[str, Any]] = []

    def add(self, name: str, data: bytes, source: str) -> str:
        info = zipfile.ZipInfo(name, date_time=self.date_time)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o600 << 16  # unpacked, the evidence stays private to its reader
        self.archive.writestr(info, data, compresslevel=COMPRESS_LEVEL)
        digest = _sha256(data)
        self.files.append({"path": name, "sha256": digest, "bytes": len(data), "source": source})
        return digest

    def add_json(self, name: str, value: Any, source: str) -> str:
        """Add ``value`` as indented JSON, encoded piece by piece (``jsonable.json_chunks``): a
        1,000-VIOS view or findings list is never whole in memory."""
        return self._stream(name, _blocks(itertools.chain(json_chunks(value), (b"\n",))), source)

    def add_file(self, name: str, path: Path, source: str) -> str:
        """Add a file from disk block by block (a large PDF is never whole in memory)."""
        with path.open("rb") as source_file:
            return self._stream(name, iter(lambda: source_file.read(BLOCK), b""), source)

    def _stream(self, name: str, blocks: Iterable[bytes], source: str) -> str:
        """One member written block by block, deflated and hashed as it goes."""
        info = zipfile.ZipInfo(name, date_time=self.date_time)
        info.compress_type = zipfile.ZIP_DEFLATED
        info._compresslevel = COMPRESS_LEVEL  # type: ignore[attr-defined]  # what open(info, "w") deflates with
        info.external_attr = 0o600 << 16
        digest = hashlib.sha256()
        size = 0
        with self.archive.open(info, "w", force_zip64=True) as member:  # ZIP64 headers: size not known up front
            for block in blocks:
                member.write(block)
                digest.update(block)
                size += len(block)
        self.files.append({"path": name, "sha256": digest.hexdigest(), "bytes": size, "source": source})
        return digest.hexdigest()


def _blocks(pieces: Iterable[bytes]) -> Iterator[bytes]:
    """Small pieces gathered into blocks of about ``BLOCK`` bytes (deflate and hash per block, not per piece)."""
    block = bytearray()
    for piece in pieces:
        block += piece
        if len(block) >= BLOCK:
            yield bytes(block)
            block.clear()
    yield bytes(block)


def _captures(packer: _Packer, snapshot: Snapshot) -> tuple[list[dict[str, Any]], list[str]]:
    entries: list[dict[str, Any]] = []
    problems: list[str] = []
    for capture in snapshot.manifest.captures:
        member = f"{SNAPSHOT_DIR}/{_safe_member(capture.file)}"
        entry: dict[str, Any] = {
            "file": member,
            "host": capture.host,
            "command": capture.command,
            "command_id": capture.command_id,
            "managed_system": capture.managed_system,
            "partition": capture.partition,
            "via": capture.via,
            "started": capture.started,
            "ended": capture.ended,
            "exit_status": capture.exit_status,
            "sha256_at_collection": capture.sha256,
        }
        try:
            data = snapshot.read_bytes(capture)
        except SnapshotError as exc:
            entry.update(sha256_in_zip=None, matches_collection=False, problem=str(exc))
            problems.append(str(exc))
            entries.append(entry)
            continue
        digest = packer.add(member, data, f"capture {capture.host}: {capture.command}")
        matches = digest == capture.sha256
        entry.update(sha256_in_zip=digest, matches_collection=matches, problem=None)
        if not matches:
            entry["problem"] = f"{capture.file} no longer matches the SHA-256 recorded at collection"
            problems.append(entry["problem"])
        entries.append(entry)
    return entries, problems


def write_evidence(
    view: ReportView,
    snapshot: Snapshot,
    findings: Sequence[Finding] | None,
    out: Path,
    *,
    attachments: Sequence[Path] = (),
    late_attachments: Callable[[], Sequence[Path]] | None = None,
    user_dir: Path | None = None,
) -> Path:
    """Write the evidence zip to ``out`` and return it.

    A capture that is missing or no longer matches its collection SHA-256 is recorded as a problem in
    ``evidence-manifest.json`` and ``README.txt`` (the evidence says so), not silently dropped.

    ``late_attachments``: called once everything else is packed, for reports still being written
    elsewhere (the workbook in a forked child): the zip is written meanwhile, not after.
    """
    date_time = _zip_time(view.generated_at)
    plan = make_env(user_dir).get_template(PLAN_TEMPLATE)
    try:
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            packer = _Packer(archive, date_time)
            manifest_path = snapshot.root / MANIFEST
            manifest_bytes = (
                manifest_path.read_bytes() if manifest_path.is_file() else json_bytes(snapshot.manifest.to_json())
            )
            packer.add(f"{SNAPSHOT_DIR}/{MANIFEST}", manifest_bytes, "snapshot manifest")
            journal = snapshot.root / JOURNAL
            if journal.is_file():  # a collector that died before folding: the manifest is both files
                packer.add_file(f"{SNAPSHOT_DIR}/{JOURNAL}", journal, "snapshot manifest journal (not folded)")
            captures, problems = _captures(packer, snapshot)
            if findings is not None:
                packer.add_json("findings.json", list(findings), "findings of every rule")
            else:
                problems.append(ROWS_ONLY)
                rows = {"source": "report view", "note": ROWS_ONLY, "findings": to_jsonable(list(view.findings))}
                packer.add("findings.json", json_bytes(rows), "finding rows of the report view")
            packer.add_json("view.json", view, "report view-model")
            for ch in view.changes:
                text = plan.render(view=view, ch=ch)
                packer.add(f"changes/{ch.change_id}.txt", text.encode("utf-8"), f"plan of {ch.change_id}")
            for path in (*attachments, *(late_attachments() if late_attachments else ())):
                packer.add_file(f"reports/{path.name}", path, "report")
            readme = README.format(
                snapshot_id=view.snapshot_id,
                captured_at=view.captured_at,
                generated_at=view.generated_at,
                problems="\n  - " + "\n  - ".join(problems) if problems else "none",
            )
            packer.add("README.txt", readme.encode("utf-8"), "explanation")
            evidence_manifest = {
                "format": FORMAT,
                "snapshot_id": view.snapshot_id,
                "captured_at": view.captured_at,
                "generated_at": view.generated_at,
                "files": list(packer.files),
                "captures": captures,
                "gaps": [g.to_json() for g in snapshot.manifest.gaps],
                "problems": problems,
            }
            packer.add(EVIDENCE_MANIFEST, json_bytes(evidence_manifest), "this evidence's manifest")
            lines = "".join(f"{f['sha256']}  {f['path']}\n" for f in packer.files)
            packer.add(SHA_MANIFEST, lines.encode("utf-8"), "sha256sum list")
    except OSError as exc:
        raise RenderError(f"cannot write evidence zip {out}: {exc}") from exc
    return out
