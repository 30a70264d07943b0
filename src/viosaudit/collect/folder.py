"""Import a folder of captures kept by administrators (``viosaudit import FOLDER``) into a snapshot.

Sites often already hold the output they need: one file per host and command, saved by hand, by a
script or by an ``xdsh``/``dsh``/``ansible`` sweep. A file is taken in one of two ways:

* **by its name**, as a snapshot lays captures out: ``<host>/<command_id>.txt`` (a VIOS or HMC
  command of ``commands.py``), or ``<host>/<command_id>@<managed system>.txt`` for HMC commands run
  per system (``lssyscfg_lpar``, ``lshwres_*``);
* **by the descriptor** ``viosaudit-import.toml`` in the folder (or ``--descriptor``): one ``[[file]]``
  per file, with the command line as typed (``ioscli``, ``viosvrcmd -c "..."``, ``-m SYSTEM``,
  ``-F ...`` all read), and ``host`` unless the file carries ``host:`` prefixes.

``[[host]]`` tables give what a capture cannot tell: ``role`` (default: the command's),
``managed_system`` and, for a VIOS, ``partition`` (default: the host name)::

    [[host]]
    name = "vios1"
    managed_system = "P9-PROD-A"

    [[file]]
    path = "sweeps/ioslevel-all.txt"     # "vios1: 3.1.4.10" lines: one capture per host
    command = "ioslevel"

Each file goes through ``parse.carried.unwrap`` (host prefixes split, prompt lines and banners dropped,
each reported); the manifest entry's ``origin`` records the file, its lines and what was dropped.
A file the folder holds that neither its name nor the descriptor explains, an unknown command, a host
named twice for one command, or a host without the managed system the join needs is refused with
``SnapshotError`` before anything is written. Times are the file's modification time (the real run
time is not known). Parsing happens later, when the snapshot is read, as for any snapshot.
"""

from __future__ import annotations

import re
import shlex
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from viosaudit.commands import BY_ID, Command, Role, identify
from viosaudit.errors import SnapshotError, ViosauditError
from viosaudit.parse.carried import Part, unwrap
from viosaudit.sanitize import Sanitizer
from viosaudit.snapshot import MANIFEST, Capture, SnapshotWriter, open_snapshot

DESCRIPTOR = "viosaudit-import.toml"
_BY_NAME = re.compile(r"^(?P<host>[^/]+)/(?P<id>[a-z_]+)(?:@(?P<system>[^/]+))?\.txt$")


@dataclass(frozen=True, slots=True)
class FolderImport:
    snapshot_dir: Path
    captures: tuple[Capture, ...]
    warnings: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Host:
    role: Role | None = None
    managed_system: str | None = None
    partition: str | None = None


@dataclass(slots=True)
class _Planned:
    host: str
    command: Command
    command_line: str
    text: str
    exit_status: int
    managed_system: str | None
    partition: str | None
    origin: str
    when: str
    warnings: list[str] = field(default_factory=list)


def import_folder(folder: Path, snapshot_dir: Path, *, descriptor: Path | None = None) -> FolderImport:
    """Read every capture file of ``folder`` and add it to ``snapshot_dir`` (created if missing).

    Raises:
        SnapshotError: a file that cannot be taken (see the module docstring); nothing is written then.
    """
    desc_path = descriptor or folder / DESCRIPTOR
    data = _descriptor(desc_path) if desc_path.is_file() else {}
    hosts = {str(h.get("name", "")): _host(h, desc_path) for h in data.get("host", [])}
    listed = {str(f.get("path", "")): f for f in data.get("file", [])}
    plans: list[_Planned] = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = path.relative_to(folder).as_posix()
        if path == desc_path or relative.startswith(".") or "/." in relative or relative.startswith("README"):
            continue
        entry = listed.pop(relative, None)
        plans.extend(_plan(folder, relative, entry, hosts))
    if listed:
        raise SnapshotError(f"{desc_path}: lists {sorted(listed)}, which the folder does not hold")
    _check(plans)
    return _write(plans, snapshot_dir, folder)


def _descriptor(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SnapshotError(f"{path}: not a readable import descriptor: {exc}") from exc


def _host(table: dict[str, Any], where: Path) -> _Host:
    role = table.get("role")
    try:
        return _Host(Role(role) if role else None, table.get("managed_system"), table.get("partition"))
    except ValueError as exc:
        raise SnapshotError(f"{where}: host {table.get('name')!r}: role {role!r} is neither hmc nor vios") from exc


def _plan(folder: Path, relative: str, entry: dict[str, Any] | None, hosts: dict[str, _Host]) -> list[_Planned]:
    """What one file becomes: one capture, or one per host it carries."""
    named = _BY_NAME.match(relative)
    if entry is None and (named is None or named["id"] not in BY_ID):
        raise SnapshotError(
            f"{folder / relative}: not a capture by its name (<host>/<command_id>.txt, command ids: "
            f"{', '.join(BY_ID)}) and not listed in {DESCRIPTOR}"
        )
    path = folder / relative
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line_no = raw[: exc.start].count(b"\n") + 1
        raise SnapshotError(f"{path}, line {line_no}: byte {exc.start} is not UTF-8; expected command output") from exc
    try:
        carried = unwrap(text)
    except ViosauditError as exc:
        raise SnapshotError(f"{path}, {exc}") from exc
    when = datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    dropped = [f"line {d.line_no} ({d.why}) {d.line!r}" for d in carried.dropped]
    plans = []
    for part in carried.parts:
        command_line = _command_line(entry, named, part, path)
        try:
            command = identify(command_line)
        except ViosauditError as exc:
            raise SnapshotError(f"{path}: {exc}") from exc
        host = part.host or (entry or {}).get("host") or (named["host"] if named else None)
        if not host:
            raise SnapshotError(f"{path}: which host? give host = \"...\" in its [[file]] entry")
        info = hosts.get(host, _Host())
        if info.role is not None and info.role is not command.role:
            raise SnapshotError(f"{path}: {command.id} is a {command.role.value} command but {host} is a {info.role}")
        system = (entry or {}).get("managed_system") or (named["system"] if named else None)
        system = system or _option(command_line, "-m") or info.managed_system
        partition = info.partition or host if command.role is Role.VIOS else None
        lines = f" lines {part.line_numbers[0]}-{part.line_numbers[-1]}" if part.host and part.line_numbers else ""
        origin = f"imported from {relative}{lines}"
        if part.host:
            origin += f" (prefix '{part.host}' removed)"
        first = part is carried.parts[0]  # lines dropped from the file are told once, with its first capture
        if first and carried.dropped:
            origin += "; dropped " + ", ".join(f"line {d.line_no} ({d.why})" for d in carried.dropped)
        warnings = [f"{relative}: dropped {d}" for d in dropped] if first else []
        plans.append(
            _Planned(host, command, command_line, part.text, part.exit_status or 0, system, partition, origin, when,
                     warnings)
        )  # fmt: skip
    return plans


def _command_line(entry: dict[str, Any] | None, named: re.Match[str] | None, part: Part, path: Path) -> str:
    if entry is not None and entry.get("command"):
        return str(entry["command"])
    if part.command:
        return part.command
    if named is not None and named["id"] in BY_ID:
        return BY_ID[named["id"]].line
    raise SnapshotError(f"{path}: which command printed it? give command = \"...\" in its [[file]] entry")


def _option(command_line: str, flag: str) -> str | None:
    """The value of ``-m SYSTEM`` (or another flag) in a command line, unwrapped from viosvrcmd."""
    try:
        argv = shlex.split(command_line)
    except ValueError:
        return None
    if argv and argv[0] == "viosvrcmd":
        return None  # -m of viosvrcmd names the VIOS's system: taken from [[host]] instead
    value = argv[argv.index(flag) + 1] if flag in argv[:-1] else None
    return None if value == "{system}" else value  # the canonical line's placeholder names no system


def _check(plans: list[_Planned]) -> None:
    seen: dict[tuple[str, str, str | None], str] = {}
    for plan in plans:
        key = (plan.host, plan.command.id, plan.managed_system if plan.command.per_system else None)
        if key in seen:
            raise SnapshotError(f"{plan.origin} and {seen[key]} both hold {plan.command.id} of {plan.host}")
        seen[key] = plan.origin
        if plan.command.per_system and not plan.managed_system:
            raise SnapshotError(f"{plan.origin}: {plan.command.id} runs per managed system; name it with -m, "
                                "<host>/<command_id>@<system>.txt or managed_system")  # fmt: skip
        if plan.command.role is Role.VIOS and not plan.managed_system:
            hint = f'[[host]] name = "{plan.host}", managed_system = "..."'
            raise SnapshotError(f"{plan.origin}: VIOS {plan.host} needs its managed system to be joined to the HMC's "
                                f"view: add {hint}")  # fmt: skip


def _write(plans: list[_Planned], snapshot_dir: Path, folder: Path) -> FolderImport:
    if (snapshot_dir / MANIFEST).is_file():
        existing = open_snapshot(snapshot_dir).manifest
        have = {(c.host, c.command_id, c.managed_system) for c in existing.captures}
        clash = [p for p in plans if (p.host, p.command.id, p.managed_system) in have]
        if clash:
            raise SnapshotError(f"{snapshot_dir}: already holds {clash[0].command.id} of {clash[0].host}; "
                                "import into a new snapshot folder")  # fmt: skip
        sink = SnapshotWriter(snapshot_dir, sanitizer=Sanitizer(), existing=existing)
    else:
        sink = SnapshotWriter(snapshot_dir, sanitizer=Sanitizer(), collector=f"viosaudit import (folder {folder.name})")
    captures: list[Capture] = []
    warnings: list[str] = []
    with sink:
        _add_all(sink, plans, captures, warnings)
    return FolderImport(snapshot_dir, tuple(captures), tuple(warnings))


def _add_all(sink: SnapshotWriter, plans: list[_Planned], captures: list[Capture], warnings: list[str]) -> None:
    for plan in plans:
        captures.append(
            sink.add_capture(
                host=plan.host,
                role=plan.command.role,
                command_id=plan.command.id,
                command=plan.command_line,
                output=plan.text.encode("utf-8"),
                started=plan.when,
                ended=plan.when,
                exit_status=plan.exit_status,
                managed_system=plan.managed_system,
                partition=plan.partition,
                origin=plan.origin,
            )
        )
        for warning in plan.warnings:
            sink.note(warning)
            warnings.append(warning)
