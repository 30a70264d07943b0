"""The one on-disk snapshot format: raw output verbatim, one file per capture, plus a manifest.

Layout (documented in docs/snapshot-format.md)::

    <snapshot>/
      manifest.json
      captures/<host>/<command_id>[@<system>].txt      raw stdout, byte for byte

``manifest.json`` holds one entry per capture (host, role, managed system, partition, exact command,
start/end time, exit status, SHA-256 of the file) and one entry per gap (what could not be collected and
why). SSH collection, the offline ksh script and ``sample_data`` all write this layout.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from viosaudit.commands import BY_ID, Role
from viosaudit.errors import SnapshotError

FORMAT = "viosaudit-snapshot/1"
MANIFEST = "manifest.json"


@dataclass(frozen=True, slots=True)
class Capture:
    """One command's raw output as collected, and where it came from.

    ``host`` is the host the output describes (an HMC, or a VIOS); ``via`` names the HMC when a VIOS
    command ran through ``viosvrcmd``. ``partition`` is the VIOS partition name on its managed system.
    """

    file: str
    host: str
    role: Role
    command_id: str
    command: str
    started: str
    ended: str
    exit_status: int
    sha256: str
    managed_system: str | None = None
    partition: str | None = None
    via: str | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["role"] = self.role.value
        return data


@dataclass(frozen=True, slots=True)
class Gap:
    """Something that should have been collected or read and was not, with the reason.

    ``expected`` marks a gap the collection mode implies (HMC mode cannot run root-only commands) rather
    than a failure: the data is still missing (rules answer "unknown"), but the run is not "partial".
    """

    host: str
    command_id: str
    reason: str
    role: Role | None = None
    managed_system: str | None = None
    partition: str | None = None
    file: str | None = None
    line_no: int | None = None
    expected: bool = False

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["role"] = self.role.value if self.role else None
        return data


@dataclass(frozen=True, slots=True)
class Manifest:
    snapshot_id: str
    created: str
    collector: str
    captures: tuple[Capture, ...] = ()
    gaps: tuple[Gap, ...] = ()
    format: str = FORMAT
    notes: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "snapshot_id": self.snapshot_id,
            "created": self.created,
            "collector": self.collector,
            "notes": list(self.notes),
            "captures": [c.to_json() for c in self.captures],
            "gaps": [g.to_json() for g in self.gaps],
        }


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A snapshot folder opened for reading; captures are read lazily and verified against the manifest."""

    root: Path
    manifest: Manifest

    def read(self, capture: Capture) -> str:
        """The capture's text (UTF-8; undecodable bytes are replaced and reported by ``verify``)."""
        return self.read_bytes(capture).decode("utf-8", errors="replace")

    def read_bytes(self, capture: Capture) -> bytes:
        path = self.root / capture.file
        if not path.is_file():
            raise SnapshotError(f"{self.root}: capture file {capture.file} listed in the manifest is missing")
        return path.read_bytes()

    def verify(self, capture: Capture) -> str | None:
        """Return why the capture cannot be trusted, or None when its file matches its SHA-256."""
        path = self.root / capture.file
        if not path.is_file():
            return f"capture file {capture.file} is missing"
        digest = sha256_file(path)
        if digest != capture.sha256:
            return f"capture file {capture.file} does not match its SHA-256 in the manifest"
        return None


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(name: str) -> str:
    """A file-system-safe form of a host or system name (names may hold spaces and odd characters)."""
    cleaned = _UNSAFE.sub("_", name).strip("._")
    return cleaned or "_"


def capture_path(host: str, command_id: str, managed_system: str | None = None) -> str:
    suffix = f"@{safe_name(managed_system)}" if managed_system and BY_ID[command_id].per_system else ""
    return f"captures/{safe_name(host)}/{command_id}{suffix}.txt"


class SnapshotWriter:
    """Writes captures as they arrive and rewrites the manifest after each, so an interrupted run loses
    nothing that finished: what is on disk is always listed, and what is missing is a gap."""

    def __init__(
        self,
        root: Path,
        *,
        snapshot_id: str | None = None,
        collector: str = "viosaudit",
        created: str | None = None,
    ) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self._manifest = Manifest(
            snapshot_id=snapshot_id or root.name, created=created or now_iso(), collector=collector
        )
        self._flush()

    @property
    def manifest(self) -> Manifest:
        return self._manifest

    def add(
        self,
        *,
        host: str,
        role: Role,
        command_id: str,
        command: str,
        output: bytes,
        started: str,
        ended: str,
        exit_status: int = 0,
        managed_system: str | None = None,
        partition: str | None = None,
        via: str | None = None,
    ) -> Capture:
        relative = capture_path(host, command_id, managed_system)
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        tmp.write_bytes(output)
        tmp.replace(path)
        capture = Capture(
            file=relative,
            host=host,
            role=role,
            command_id=command_id,
            command=command,
            started=started,
            ended=ended,
            exit_status=exit_status,
            sha256=sha256_bytes(output),
            managed_system=managed_system,
            partition=partition,
            via=via,
        )
        kept = tuple(c for c in self._manifest.captures if c.file != relative)
        self._manifest = replace(self._manifest, captures=(*kept, capture))
        self._flush()
        return capture

    def gap(self, gap: Gap) -> None:
        self._manifest = replace(self._manifest, gaps=(*self._manifest.gaps, gap))
        self._flush()

    def note(self, text: str) -> None:
        self._manifest = replace(self._manifest, notes=(*self._manifest.notes, text))
        self._flush()

    def _flush(self) -> None:
        tmp = self.root / (MANIFEST + ".part")
        tmp.write_text(json.dumps(self._manifest.to_json(), indent=2) + "\n", encoding="utf-8")
        tmp.replace(self.root / MANIFEST)


def _capture_from_json(data: dict[str, Any], where: str) -> Capture:
    try:
        return Capture(
            file=str(data["file"]),
            host=str(data["host"]),
            role=Role(data["role"]),
            command_id=str(data["command_id"]),
            command=str(data["command"]),
            started=str(data["started"]),
            ended=str(data["ended"]),
            exit_status=int(data["exit_status"]),
            sha256=str(data["sha256"]),
            managed_system=data.get("managed_system"),
            partition=data.get("partition"),
            via=data.get("via"),
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise SnapshotError(f"{where}: invalid capture entry ({exc!r}): {data}") from exc


def _gap_from_json(data: dict[str, Any], where: str) -> Gap:
    try:
        return Gap(
            host=str(data["host"]),
            command_id=str(data["command_id"]),
            reason=str(data["reason"]),
            role=Role(data["role"]) if data.get("role") else None,
            managed_system=data.get("managed_system"),
            partition=data.get("partition"),
            file=data.get("file"),
            line_no=data.get("line_no"),
            expected=bool(data.get("expected", False)),
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise SnapshotError(f"{where}: invalid gap entry ({exc!r}): {data}") from exc


def open_snapshot(root: Path) -> Snapshot:
    """Open a snapshot folder; raises SnapshotError with the path when it is not one."""
    path = root / MANIFEST
    if not path.is_file():
        raise SnapshotError(f"{root}: no {MANIFEST}; is this a viosaudit snapshot folder?")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise SnapshotError(f"{path}: cannot read manifest: {exc}") from exc
    if data.get("format") != FORMAT:
        raise SnapshotError(f"{path}: format {data.get('format')!r} is not {FORMAT!r}")
    unknown = {c.get("command_id") for c in data.get("captures", [])} - set(BY_ID)
    if unknown:
        raise SnapshotError(f"{path}: unknown command ids {sorted(map(str, unknown))}")
    manifest = Manifest(
        snapshot_id=str(data.get("snapshot_id") or root.name),
        created=str(data.get("created", "")),
        collector=str(data.get("collector", "")),
        notes=tuple(str(n) for n in data.get("notes", [])),
        captures=tuple(_capture_from_json(c, str(path)) for c in data.get("captures", [])),
        gaps=tuple(_gap_from_json(g, str(path)) for g in data.get("gaps", [])),
    )
    return Snapshot(root=root, manifest=manifest)


def build_manifest_for_folder(
    root: Path, entries: Iterable[dict[str, Any]], *, snapshot_id: str, created: str, collector: str
) -> Manifest:
    """Build (and write) a manifest for capture files already on disk, hashing each one."""
    captures = []
    for entry in entries:
        path = root / entry["file"]
        captures.append(_capture_from_json({**entry, "sha256": sha256_file(path)}, str(path)))
    manifest = Manifest(snapshot_id=snapshot_id, created=created, collector=collector, captures=tuple(captures))
    (root / MANIFEST).write_text(json.dumps(manifest.to_json(), indent=2) + "\n", encoding="utf-8")
    return manifest
