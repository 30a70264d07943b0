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
import threading
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from viosaudit.commands import BY_ID, Role
from viosaudit.errors import SnapshotError
from viosaudit.sanitize import Sanitizer

FORMAT = "viosaudit-snapshot/1"
MANIFEST = "manifest.json"


@dataclass(frozen=True, slots=True)
class Capture:
    """One command's raw output as collected, and where it came from.

    ``host`` is the host the output describes (an HMC, or a VIOS); ``via`` names the HMC when a VIOS
    command ran through ``viosvrcmd``. ``partition`` is the VIOS partition name on its managed system.
    ``origin`` says where an imported capture came from (the file, its lines, what was dropped); None for
    captures viosaudit took itself, and left out of the manifest then (older manifests read the same).
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
    origin: str | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["role"] = self.role.value
        if self.origin is None:
            del data["origin"]
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


def _entry(data: dict[str, Any]) -> str:
    """One manifest list entry on one line: readable (one capture per line) and written by the C
    JSON encoder (``indent`` would select the pure-Python one, the largest CPU cost of a big run)."""
    return json.dumps(data, ensure_ascii=False)


def _capture_json(capture: Capture) -> dict[str, Any]:
    """``Capture.to_json()`` without ``dataclasses.asdict``'s deep copies (same keys, same order)."""
    data = {name: getattr(capture, name) for name in _CAPTURE_FIELDS}
    data["role"] = capture.role.value
    if capture.origin is None:
        del data["origin"]
    return data


_CAPTURE_FIELDS = tuple(f.name for f in fields(Capture))


def _json_list(name: str, entries: list[str], last: bool = False) -> str:
    end = "\n" if last else ",\n"
    if not entries:
        return f'  "{name}": []{end}'
    return f'  "{name}": [\n    ' + ",\n    ".join(entries) + f"\n  ]{end}"


class SnapshotWriter:
    """Writes captures, gaps and notes (from many threads at once) into one snapshot folder.

    Everything passes the sanitizer before it is written. ``add_capture`` returns only once a manifest
    listing the new capture is on disk, and one manifest write serves every thread waiting for it
    (group commit): an interrupted or killed run loses nothing it had finished, and a large estate is
    written in linear time. The manifest on disk is always complete JSON (temporary file + rename).
    """

    def __init__(
        self,
        root: Path,
        *,
        sanitizer: Sanitizer | None = None,
        snapshot_id: str | None = None,
        collector: str = "viosaudit",
        created: str | None = None,
        existing: Manifest | None = None,
    ) -> None:
        self.root = root
        self.sanitizer = sanitizer or Sanitizer()
        root.mkdir(parents=True, exist_ok=True)
        base = existing or Manifest(
            snapshot_id=snapshot_id or root.name, created=created or now_iso(), collector=collector
        )
        self._head = base
        self._captures: dict[str, Capture] = {c.file: c for c in base.captures}
        self._capture_json: dict[str, str] = {c.file: _entry(_capture_json(c)) for c in base.captures}
        self._gaps: list[Gap] = list(base.gaps)
        self._gap_json: list[str] = [_entry(g.to_json()) for g in base.gaps]
        self._notes: list[str] = list(base.notes)
        self._owners: dict[str, tuple[str, str | None, str | None]] = {}
        self._folders: set[str] = set()
        for c in base.captures:
            folder = c.file.rsplit("/", 1)[0]
            self._owners.setdefault(
                folder, (c.role.value, c.managed_system if c.role is Role.VIOS else None, c.partition)
            )
        self._lock = threading.Lock()
        self._dirty = threading.Condition(self._lock)  # the writer thread waits here for work
        self._written = threading.Condition(self._lock)  # callers wait here for their entry to be on disk
        self._flusher: threading.Thread | None = None
        self._error: OSError | None = None
        self._version = 0
        self._flushed = 0
        self._flush(force=True)

    # ------------------------------------------------------------------ adding

    def add_capture(
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
        origin: str | None = None,
    ) -> Capture:
        """Write one capture (sanitized) and list it; returns once the manifest on disk lists it."""
        if command_id not in BY_ID:
            raise SnapshotError(f"unknown command id {command_id!r}")
        data, masked = self.sanitizer.data(output)
        with self._lock:
            relative = self._claim(host, role, command_id, managed_system, partition)
        path = self.root / relative
        folder = relative.rsplit("/", 1)[0]
        if folder not in self._folders:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._folders.add(folder)
        tmp = path.with_name(path.name + ".part")
        tmp.write_bytes(data)
        tmp.replace(path)
        capture = Capture(
            file=relative,
            host=host,
            role=role,
            command_id=command_id,
            command=self.sanitizer.text(command),
            started=started,
            ended=ended,
            exit_status=exit_status,
            sha256=sha256_bytes(data),
            managed_system=managed_system,
            partition=partition,
            via=via,
            origin=self.sanitizer.text(origin) if origin is not None else None,
        )
        entry = _entry(_capture_json(capture))
        with self._lock:
            self._captures.pop(relative, None)
            self._captures[relative] = capture
            self._capture_json.pop(relative, None)
            self._capture_json[relative] = entry
            if masked:
                self._notes.append(f"{relative}: {masked} secret(s) masked before writing")
            self._version += 1
            version = self._version
        self._flush(version)
        return capture

    def add_gap(self, gap: Gap) -> None:
        gap = replace(gap, reason=self.sanitizer.text(gap.reason))
        with self._lock:
            self._gaps.append(gap)
            self._gap_json.append(_entry(gap.to_json()))
            self._version += 1
            version = self._version
        self._flush(version)

    def note(self, text: str) -> None:
        with self._lock:
            self._notes.append(self.sanitizer.text(text))
            self._version += 1
            version = self._version
        self._flush(version)

    @property
    def manifest(self) -> Manifest:
        with self._lock:
            return Manifest(
                snapshot_id=self._head.snapshot_id,
                created=self._head.created,
                collector=self._head.collector,
                captures=tuple(self._captures.values()),
                gaps=tuple(self._gaps),
                notes=tuple(self._notes),
                format=self._head.format,
            )

    # ------------------------------------------------------------------ internals

    def _claim(self, host: str, role: Role, command_id: str, system: str | None, partition: str | None) -> str:
        """The capture's file: the standard path, unless another host already owns that folder
        (two VIOS both named ``vios1`` on different systems): then ``<host>@<system>``."""
        identity = (role.value, system if role is Role.VIOS else None, partition)
        folder = f"captures/{safe_name(host)}"
        owner = self._owners.setdefault(folder, identity)
        if owner == identity:
            return capture_path(host, command_id, system)
        alternative = safe_name(f"{host}@{system or 'unknown-system'}")
        folder = f"captures/{alternative}"
        if self._owners.setdefault(folder, identity) != identity:
            raise SnapshotError(f"two hosts named {host!r} on {system!r}: cannot tell their captures apart")
        note = f"host {host} on {system}: captures kept in {folder}/ (another host of the same name exists)"
        if note not in self._notes:
            self._notes.append(note)
        return capture_path(alternative, command_id, system)

    def _flush(self, version: int = 0, *, force: bool = False) -> None:
        """Return once a manifest holding entry ``version`` is on disk (``force``: write one now)."""
        with self._lock:
            if force:
                self._version += 1
                version = self._version
            if self._flusher is None:
                self._flusher = threading.Thread(target=self._flush_loop, name="manifest-writer", daemon=True)
                self._flusher.start()
            self._dirty.notify()
            while self._flushed < version and self._error is None:
                self._written.wait()
            if self._error is not None:
                raise SnapshotError(f"{self.root}: cannot write {MANIFEST}: {self._error}")

    def _flush_loop(self) -> None:
        """Write the manifest whenever something was added: one write serves every waiting thread."""
        while True:
            with self._lock:
                while self._flushed >= self._version:
                    self._dirty.wait()
                current = self._version
                notes = _json_list("notes", [json.dumps(n) for n in self._notes])
                entries = list(self._capture_json.values())
                gaps = _json_list("gaps", self._gap_json, last=True)
                head = self._head
            captures = (
                '  "captures": [\n    ' + ",\n    ".join(entries) + "\n  ],\n" if entries else '  "captures": [],\n'
            )
            text = (
                "{\n"
                f'  "format": {json.dumps(head.format or FORMAT)},\n'
                f'  "snapshot_id": {json.dumps(head.snapshot_id)},\n'
                f'  "created": {json.dumps(head.created)},\n'
                f'  "collector": {json.dumps(head.collector)},\n' + notes + captures + gaps + "}\n"
            )
            try:
                tmp = self.root / (MANIFEST + ".part")
                tmp.write_bytes(text.encode("utf-8"))
                tmp.replace(self.root / MANIFEST)
            except OSError as exc:
                with self._lock:
                    self._error = exc
                    self._written.notify_all()
                return
            with self._lock:
                self._flushed = current
                self._written.notify_all()


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
            origin=data.get("origin"),
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
