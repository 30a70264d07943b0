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
import os
import re
import secrets
import stat
import threading
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Annotated, Any

import msgspec

from viosaudit.commands import BY_ID, Role
from viosaudit.errors import SnapshotError
from viosaudit.files import FILE_MODE, private_dir, write_private
from viosaudit.sanitize import Sanitizer
from viosaudit.schema import decode_json, read_limited

FORMAT = "viosaudit-snapshot/1"
MANIFEST = "manifest.json"
JOURNAL = "manifest.journal"  # JSON lines appended while a writer runs; folded into MANIFEST by close()
FSYNC_LINES, FSYNC_SECONDS = 256, 0.5  # the journal is fsync'd after this many lines or this long
CAPTURES = "captures"
MAX_MANIFEST = 512 * 1024 * 1024  # a manifest of 20,000 captures is about 10 MB
MAX_NAME, MAX_PATH = 255, 1024  # what every POSIX file system takes

Sha256 = Annotated[str, msgspec.Meta(pattern="^[0-9a-f]{64}$")]


@dataclass(frozen=True, slots=True)
class Capture:
    """One command's raw output as collected, and where it came from.

    ``host`` is the host the output describes (an HMC, or a VIOS); ``via`` names the HMC when a VIOS
    command ran through ``viosvrcmd``. ``partition`` is the VIOS partition name on its managed system.
    ``origin`` says where an imported capture came from (the file, its lines, what was dropped); None for
    captures viosaudit took itself, and left out of the manifest then (older manifests read the same).
    ``retry`` says why the first attempt failed when the command was run a second time on a fresh channel
    (the host closed the channel before any output); None, and left out, when it ran once.
    """

    file: str
    host: str
    role: Role
    command_id: str
    command: str
    started: str
    ended: str
    exit_status: int
    sha256: Sha256
    managed_system: str | None = None
    partition: str | None = None
    via: str | None = None
    origin: str | None = None
    retry: str | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["role"] = self.role.value
        for optional in ("origin", "retry"):
            if data[optional] is None:
                del data[optional]
        return data


@dataclass(frozen=True, slots=True)
class PlanTarget:
    """One HMC, one managed system collected through an HMC, or one VIOS, and the commands planned for it.

    ``host``, ``role``, ``managed_system``, ``partition`` and ``via`` are those its captures (or gaps)
    will carry, so ``report`` can tell a planned capture that never arrived from one that did.
    """

    host: str
    role: Role
    command_ids: tuple[str, ...]
    managed_system: str | None = None
    partition: str | None = None
    via: str | None = None

    @property
    def identity(self) -> tuple[str, str, str | None, str | None, str | None]:
        return (self.host, self.role.value, self.managed_system, self.partition, self.via)

    def to_json(self) -> dict[str, Any]:
        return {
            "host": self.host,
            "role": self.role.value,
            "managed_system": self.managed_system,
            "partition": self.partition,
            "via": self.via,
            "command_ids": list(self.command_ids),
        }


def plan_targets(entries: Iterable[tuple[str, Role, str | None, str | None, str | None, str]]) -> list[PlanTarget]:
    """Plan targets for (host, role, managed system, partition, via, command id) entries, grouped per target."""
    grouped: dict[tuple[str, Role, str | None, str | None, str | None], list[str]] = {}
    for host, role, system, partition, via, command_id in entries:
        grouped.setdefault((host, role, system, partition, via), []).append(command_id)
    return [PlanTarget(h, r, tuple(ids), m, p, v) for (h, r, m, p, v), ids in grouped.items()]


@dataclass(frozen=True, slots=True)
class Plan:
    """What a collection set out to capture, written before its first command and grown by discovery.

    ``finished`` is set once every planned command has a capture or a gap: a plan left unfinished means
    the collector was killed or crashed, and the snapshot can never be complete.
    """

    finished: bool = False
    targets: tuple[PlanTarget, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"finished": self.finished, "targets": [t.to_json() for t in self.targets]}


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
    plan: Plan | None = None  # None: written before plans were recorded (judged by its captures alone)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "format": self.format,
            "snapshot_id": self.snapshot_id,
            "created": self.created,
            "collector": self.collector,
            "notes": list(self.notes),
        }
        if self.plan is not None:
            data["plan"] = self.plan.to_json()
        data["captures"] = [c.to_json() for c in self.captures]
        data["gaps"] = [g.to_json() for g in self.gaps]
        return data


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A snapshot folder opened for reading; captures are read lazily and verified against the manifest."""

    root: Path
    manifest: Manifest

    def read(self, capture: Capture) -> str:
        """The capture's text (UTF-8; undecodable bytes are replaced and reported by ``verify``)."""
        return self.read_bytes(capture).decode("utf-8", errors="replace")

    def path(self, capture: Capture) -> Path:
        """The capture's file, checked again to lie inside the snapshot folder (no link out of it)."""
        return inside(self.root, capture.file, "capture file")

    def read_bytes(self, capture: Capture) -> bytes:
        path = self.path(capture)
        try:
            if not path.is_file():
                raise SnapshotError(f"{self.root}: capture file {capture.file} listed in the manifest is missing")
            return path.read_bytes()
        except OSError as exc:
            raise SnapshotError(f"{self.root}: cannot read capture file {capture.file}: {exc.strerror}") from None

    def read_verified(self, capture: Capture) -> tuple[bytes | None, str | None]:
        """The capture's bytes, read once and checked against its SHA-256: ``(data, None)``, or
        ``(None, why)`` when the file is missing, unreadable or changed (what ``verify`` says)."""
        path = self.path(capture)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None, f"capture file {capture.file} is missing"
        except IsADirectoryError:
            return None, f"capture file {capture.file} is missing"
        except OSError as exc:
            return None, f"capture file {capture.file} cannot be read: {exc.strerror}"
        if sha256_bytes(data) != capture.sha256:
            return None, f"capture file {capture.file} does not match its SHA-256 in the manifest"
        return data, None

    def verify(self, capture: Capture) -> str | None:
        """Return why the capture cannot be trusted, or None when its file matches its SHA-256."""
        path = self.path(capture)
        try:
            if not path.is_file():
                return f"capture file {capture.file} is missing"
            digest = sha256_file(path)
        except OSError as exc:
            return f"capture file {capture.file} cannot be read: {exc.strerror}"
        if digest != capture.sha256:
            return f"capture file {capture.file} does not match its SHA-256 in the manifest"
        return None


def relative_path(name: str) -> PurePosixPath | None:
    """``name`` as a plain relative path under ``captures/``, or None when it is anything else
    (absolute, ``..``, backslashes, NUL, empty parts, longer than a file system takes)."""
    path = PurePosixPath(name)
    if not name or "\\" in name or "\x00" in name or path.is_absolute() or ".." in path.parts:
        return None
    if len(name) > MAX_PATH or any(len(part.encode()) > MAX_NAME for part in path.parts):
        return None
    if len(path.parts) < 2 or path.parts[0] != CAPTURES or name != str(path):
        return None
    return path


def inside(root: Path, name: str, what: str) -> Path:
    """``root/name``, refused unless it is a capture path that resolves inside ``root`` (symlinks too)."""
    if relative_path(name) is None:
        raise SnapshotError(
            f"{root}: {what} {name!r} is not a path inside the snapshot (captures/<host>/<file>); "
            "refusing the snapshot: it was altered or not written by viosaudit"
        )
    path = root / name
    if not _link_below(root, name):
        return path  # a plain relative path with no symbolic link below root stays inside root
    if not path.resolve().is_relative_to(root.resolve()):
        raise SnapshotError(
            f"{root}: {what} {name!r} leads outside the snapshot folder (a symbolic link?); refusing the snapshot"
        )
    return path


def _link_below(root: Path, name: str) -> bool:
    """Whether a part of ``name`` under ``root`` is a symbolic link (then it is resolved and checked).
    Three lstat calls for captures/<host>/<file>, where resolving both paths took a dozen per capture."""
    probe = str(root)
    for part in name.split("/"):
        probe = f"{probe}/{part}"
        try:
            if stat.S_ISLNK(os.lstat(probe).st_mode):
                return True
        except OSError:
            return False  # missing: nothing to follow; reading it says it is missing
    return False


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
    for optional in ("origin", "retry"):
        if data[optional] is None:
            del data[optional]
    return data


_CAPTURE_FIELDS = tuple(f.name for f in fields(Capture))


def _json_list(name: str, entries: list[str], last: bool = False) -> str:
    end = "\n" if last else ",\n"
    if not entries:
        return f'  "{name}": []{end}'
    return f'  "{name}": [\n    ' + ",\n    ".join(entries) + f"\n  ]{end}"


class SnapshotWriter:
    """Writes captures, gaps and notes (from many threads at once) into one snapshot folder.

    Everything passes the sanitizer before it is written. Each addition is one JSON line appended to
    ``manifest.journal`` (named by ``manifest.json``); ``add_capture`` returns only once its line is
    written (one write serves every thread waiting at that moment), so a run killed at any point loses
    nothing it had finished, and a large estate costs linear time. The journal is fsync'd in groups
    (every ``FSYNC_LINES`` lines or ``FSYNC_SECONDS``, and at the end): a power cut loses at most the
    last group, and a capture file cut short by one fails its SHA-256 check.
    ``close()`` folds everything into ``manifest.json`` once (temporary file + rename) and removes
    the journal; a reader of a snapshot whose writer died reads the manifest plus the journal as is.
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
        durable: bool = True,
    ) -> None:
        self.root = root
        self.sanitizer = sanitizer or Sanitizer()
        self.durable = durable
        private_dir(root)
        base = existing or Manifest(
            snapshot_id=snapshot_id or root.name, created=created or now_iso(), collector=collector
        )
        self._head = base
        self._captures: dict[str, Capture] = {c.file: c for c in base.captures}
        self._capture_json: dict[str, str] = {c.file: _entry(_capture_json(c)) for c in base.captures}
        self._gaps: list[Gap] = list(base.gaps)
        self._gap_json: list[str] = [_entry(g.to_json()) for g in base.gaps]
        self._notes: list[str] = list(base.notes)
        self._plan: dict[tuple[str, str, str | None, str | None, str | None], PlanTarget] | None = (
            None if base.plan is None else {t.identity: t for t in base.plan.targets}
        )
        self._plan_finished = base.plan.finished if base.plan is not None else False
        self._plan_json: dict[tuple[str, str, str | None, str | None, str | None], str] = {
            t.identity: _entry(t.to_json()) for t in (base.plan.targets if base.plan is not None else ())
        }
        self._owners: dict[str, tuple[str, str | None, str | None]] = {}
        self._folders: set[str] = set()
        for c in base.captures:
            folder = c.file.rsplit("/", 1)[0]
            self._owners.setdefault(
                folder, (c.role.value, c.managed_system if c.role is Role.VIOS else None, c.partition)
            )
        self._lock = threading.Lock()
        self._written = threading.Condition(self._lock)  # callers wait here for their line to be on disk
        self._lines: list[str] = []  # journal lines not yet written
        self._queued = 0  # number of journal lines queued so far
        self._flushed = 0  # number of journal lines written
        self._unsynced = 0  # lines written since the last fsync
        self._synced_at = time.monotonic()
        self._flushing = False  # one thread writes at a time; the others wait for its fsync
        self._error: OSError | None = None
        self._closed = False
        self._journal_id = secrets.token_hex(8)
        # The manifest names its journal before the journal exists: a journal left by an earlier writer
        # (whose content ``existing`` already holds) carries another id and is never read again.
        try:
            write_private(root / MANIFEST, self._manifest_text(self._journal_id).encode("utf-8"))
            self._fd = os.open(
                root / JOURNAL, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND | os.O_CLOEXEC, FILE_MODE
            )
            os.fchmod(self._fd, FILE_MODE)
        except OSError as exc:
            raise SnapshotError(f"{root}: cannot write {MANIFEST}: {exc.strerror or exc}") from None
        with self._lock:
            seq = self._queue(json.dumps({"journal": self._journal_id}))
        self._wait(seq)

    def __enter__(self) -> SnapshotWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

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
        retry: str | None = None,
    ) -> Capture:
        """Write one capture (sanitized) and list it; returns once the journal on disk lists it."""
        if command_id not in BY_ID:
            raise SnapshotError(f"unknown command id {command_id!r}")
        data, masked = self.sanitizer.data(output)
        with self._lock:
            self._check_open()
            relative, claimed = self._claim(host, role, command_id, managed_system, partition)
        path = self.root / relative
        folder = relative.rsplit("/", 1)[0]
        if folder not in self._folders:
            private_dir(path.parent)
            self._folders.add(folder)
        write_private(path, data)
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
            retry=self.sanitizer.text(retry) if retry is not None else None,
        )
        entry = _entry(_capture_json(capture))
        with self._lock:
            if claimed is not None and claimed not in self._notes:
                self._add_note(claimed)
            self._captures.pop(relative, None)
            self._captures[relative] = capture
            self._capture_json.pop(relative, None)
            self._capture_json[relative] = entry
            seq = self._queue('{"capture": ' + entry + "}")
            if masked:
                seq = self._add_note(f"{relative}: {masked} secret(s) masked before writing")
        self._wait(seq)
        return capture

    def add_gap(self, gap: Gap) -> None:
        gap = replace(gap, reason=self.sanitizer.text(gap.reason))
        entry = _entry(gap.to_json())
        with self._lock:
            self._check_open()
            self._gaps.append(gap)
            self._gap_json.append(entry)
            seq = self._queue('{"gap": ' + entry + "}")
        self._wait(seq)

    def note(self, text: str) -> None:
        with self._lock:
            self._check_open()
            seq = self._add_note(self.sanitizer.text(text))
        self._wait(seq)

    def plan(self, targets: Iterable[PlanTarget]) -> None:
        """Record planned commands; returns once the journal on disk lists them (call it before running
        them). A target already planned gains the new command ids."""
        with self._lock:
            self._check_open()
            plan = self._plan if self._plan is not None else {}
            self._plan = plan
            changed: list[str] = []
            for target in targets:
                known = plan.get(target.identity)
                if known is not None:
                    ids = known.command_ids + tuple(c for c in target.command_ids if c not in known.command_ids)
                    target = replace(known, command_ids=ids)
                plan[target.identity] = target
                self._plan_json[target.identity] = _entry(target.to_json())
                changed.append(self._plan_json[target.identity])
            seq = self._queue('{"plan": [' + ", ".join(changed) + "]}")
        self._wait(seq)

    def finish_plan(self) -> None:
        """Mark the plan finished: every planned command now has a capture or a gap."""
        with self._lock:
            self._check_open()
            if self._plan is None:
                self._plan = {}
            self._plan_finished = True
            seq = self._queue('{"plan_finished": true}')
        self._wait(seq)

    def close(self) -> None:
        """Fold the journal into ``manifest.json`` (one write) and remove it; safe to call twice."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            seq = self._queued
        try:
            self._wait(seq)
            if self.durable and self._unsynced:
                self._sync()
            with self._lock:
                text = self._manifest_text(None)
            write_private(self.root / MANIFEST, text.encode("utf-8"))
            (self.root / JOURNAL).unlink(missing_ok=True)
        except OSError as exc:
            raise SnapshotError(f"{self.root}: cannot write {MANIFEST}: {exc.strerror or exc}") from None
        finally:
            os.close(self._fd)

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
                plan=self._current_plan(),
            )

    def _current_plan(self) -> Plan | None:
        if self._plan is None:
            return None
        return Plan(finished=self._plan_finished, targets=tuple(self._plan.values()))

    # ------------------------------------------------------------------ internals

    def _check_open(self) -> None:
        """(lock held) Nothing may be added once the journal is folded: it would be lost."""
        if self._closed:
            raise SnapshotError(f"{self.root}: the snapshot writer is closed; nothing more can be added")

    def _add_note(self, text: str) -> int:
        """(lock held) Record a note; returns its journal sequence number."""
        self._notes.append(text)
        return self._queue(json.dumps({"note": text}, ensure_ascii=False))

    def _queue(self, line: str) -> int:
        """(lock held) Queue one journal line; returns the count the journal must reach to hold it."""
        self._lines.append(line + "\n")
        self._queued += 1
        return self._queued

    def _claim(
        self, host: str, role: Role, command_id: str, system: str | None, partition: str | None
    ) -> tuple[str, str | None]:
        """The capture's file: the standard path, unless another host already owns that folder
        (two VIOS both named ``vios1`` on different systems): then ``<host>@<system>``, and a note."""
        identity = (role.value, system if role is Role.VIOS else None, partition)
        folder = f"captures/{safe_name(host)}"
        owner = self._owners.setdefault(folder, identity)
        if owner == identity:
            return capture_path(host, command_id, system), None
        alternative = safe_name(f"{host}@{system or 'unknown-system'}")
        folder = f"captures/{alternative}"
        if self._owners.setdefault(folder, identity) != identity:
            raise SnapshotError(f"two hosts named {host!r} on {system!r}: cannot tell their captures apart")
        note = f"host {host} on {system}: captures kept in {folder}/ (another host of the same name exists)"
        return capture_path(alternative, command_id, system), (note if note not in self._notes else None)

    def _wait(self, seq: int) -> None:
        """Return once the journal holds ``seq`` lines. The first waiting thread writes every queued
        line and fsyncs once; threads that queued meanwhile wait for that write (group commit)."""
        with self._lock:
            while self._flushed < seq and self._error is None:
                if self._flushing:
                    self._written.wait()
                    continue
                self._flushing = True
                lines, self._lines = self._lines, []
                target = self._queued
                self._lock.release()
                error: OSError | None = None
                try:
                    _write_all(self._fd, "".join(lines).encode("utf-8"))
                    self._unsynced += len(lines)
                    if self.durable and (
                        self._unsynced >= FSYNC_LINES or time.monotonic() - self._synced_at >= FSYNC_SECONDS
                    ):
                        self._sync()
                except OSError as exc:
                    error = exc
                finally:
                    self._lock.acquire()
                    self._flushing = False
                if error is not None:
                    self._error = error
                else:
                    self._flushed = target
                self._written.notify_all()
            if self._error is not None:
                raise SnapshotError(f"{self.root}: cannot write {JOURNAL}: {self._error.strerror or self._error}")

    def _sync(self) -> None:
        """(the writing thread) fsync the journal: what it lists survives a power cut."""
        os.fsync(self._fd)
        self._unsynced = 0
        self._synced_at = time.monotonic()

    def _manifest_text(self, journal: str | None) -> str:
        """(lock held, or before any thread) The whole manifest, one entry per line, as the C encoder
        writes it; ``journal`` names the live journal (None once everything is folded in)."""
        head = self._head
        notes = _json_list("notes", [json.dumps(n) for n in self._notes])
        entries = list(self._capture_json.values())
        gaps = _json_list("gaps", self._gap_json, last=True)
        plan = None if self._plan is None else (self._plan_finished, list(self._plan_json.values()))
        captures = '  "captures": [\n    ' + ",\n    ".join(entries) + "\n  ],\n" if entries else '  "captures": [],\n'
        live = f'  "journal": {json.dumps(journal)},\n' if journal is not None else ""
        return (
            "{\n"
            f'  "format": {json.dumps(head.format or FORMAT)},\n'
            f'  "snapshot_id": {json.dumps(head.snapshot_id)},\n'
            f'  "created": {json.dumps(head.created)},\n'
            f'  "collector": {json.dumps(head.collector)},\n'
            + live
            + notes
            + _plan_json(plan)
            + captures
            + gaps
            + "}\n"
        )


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _plan_json(plan: tuple[bool, list[str]] | None) -> str:
    """The manifest's plan object from (finished, each target's JSON entry, written once per change)."""
    if plan is None:
        return ""
    finished, entries = plan
    targets = _json_list("targets", entries, last=True)
    targets = targets.replace("\n  ", "\n    ").replace('  "targets"', '    "targets"', 1)
    return f'  "plan": {{\n    "finished": {json.dumps(finished)},\n' + targets + "  },\n"


class _ManifestDoc(msgspec.Struct):
    """manifest.json as declared in docs/snapshot-format.md (unknown keys are ignored: newer writers)."""

    format: str
    snapshot_id: str = ""
    created: str = ""
    collector: str = ""
    notes: tuple[str, ...] = ()
    plan: Plan | None = None
    captures: tuple[Capture, ...] = ()
    gaps: tuple[Gap, ...] = ()
    journal: str | None = None  # the id of a live journal (its writer has not folded it in yet)


class _JournalLine(msgspec.Struct, forbid_unknown_fields=True):
    """One line of manifest.journal: exactly one of these is set."""

    journal: str | None = None
    capture: Capture | None = None
    gap: Gap | None = None
    note: str | None = None
    plan: tuple[PlanTarget, ...] | None = None
    plan_finished: bool | None = None


def _apply_journal(doc: _ManifestDoc, root: Path) -> _ManifestDoc:
    """The manifest with its live journal applied, as the writer applied each line. A last line without
    its newline was being written when the writer died, was never acknowledged, and is left out."""
    path = root / JOURNAL
    if doc.journal is None or not path.is_file():
        return doc
    data = read_limited(path, MAX_MANIFEST, SnapshotError, "a viosaudit manifest journal")
    lines = data.split(b"\n")[:-1]  # the part after the last newline is unfinished (or empty)
    if not lines:
        return doc
    header = decode_json(lines[0], _JournalLine, f"{path}, line 1", SnapshotError)
    if header.journal != doc.journal:
        return doc  # left by an earlier writer; the manifest already holds what it said
    captures = {c.file: c for c in doc.captures}
    gaps, notes = list(doc.gaps), list(doc.notes)
    plan = None if doc.plan is None else {t.identity: t for t in doc.plan.targets}
    finished = doc.plan.finished if doc.plan is not None else False
    for number, raw in enumerate(lines[1:], start=2):
        line = decode_json(raw, _JournalLine, f"{path}, line {number}", SnapshotError)
        if line.capture is not None:
            captures.pop(line.capture.file, None)
            captures[line.capture.file] = line.capture
        elif line.gap is not None:
            gaps.append(line.gap)
        elif line.note is not None:
            notes.append(line.note)
        elif line.plan is not None:
            plan = {} if plan is None else plan
            for target in line.plan:
                plan[target.identity] = target
        elif line.plan_finished:
            plan = {} if plan is None else plan
            finished = True
    return msgspec.structs.replace(
        doc,
        captures=tuple(captures.values()),
        gaps=tuple(gaps),
        notes=tuple(notes),
        plan=None if plan is None else Plan(finished=finished, targets=tuple(plan.values())),
        journal=None,
    )


def read_manifest(path: Path, root: Path) -> Manifest:
    """Parse and check one manifest file (and its journal when its writer did not fold it in): shape
    (schema), command ids, and every path inside ``root``."""
    data = read_limited(path, MAX_MANIFEST, SnapshotError, "a viosaudit manifest")
    doc = decode_json(data, _ManifestDoc, str(path), SnapshotError)
    if doc.format != FORMAT:
        raise SnapshotError(f"{path}: format {doc.format!r} is not {FORMAT!r}")
    doc = _apply_journal(doc, root)
    planned = [(f"plan.targets[{i}]", t.command_ids) for i, t in enumerate(doc.plan.targets)] if doc.plan else []
    listed = [(f"captures[{i}]", (c.command_id,)) for i, c in enumerate(doc.captures)]
    for where, ids in planned + listed:
        unknown = [c for c in ids if c not in BY_ID]
        if unknown:
            raise SnapshotError(f"{path}: {where}: unknown command id(s) {unknown}; known: {sorted(BY_ID)}")
    for index, capture in enumerate(doc.captures):
        inside(root, capture.file, f"captures[{index}].file")
    for index, gap in enumerate(doc.gaps):
        if gap.file is not None and relative_path(gap.file) is None:
            inside(root, gap.file, f"gaps[{index}].file")
    return Manifest(
        snapshot_id=doc.snapshot_id or root.name,
        created=doc.created,
        collector=doc.collector,
        captures=doc.captures,
        gaps=doc.gaps,
        notes=doc.notes,
        format=doc.format,
        plan=doc.plan,
    )


def open_snapshot(root: Path) -> Snapshot:
    """Open a snapshot folder; raises SnapshotError with the path when it is not one, or when its
    manifest is malformed or names a file outside the folder."""
    path = root / MANIFEST
    if not path.is_file():
        raise SnapshotError(f"{root}: no {MANIFEST}; is this a viosaudit snapshot folder?")
    if path.is_symlink() and not path.resolve().is_relative_to(root.resolve()):
        raise SnapshotError(f"{path}: a symbolic link out of the snapshot folder; refusing the snapshot")
    return Snapshot(root=root, manifest=read_manifest(path, root))
