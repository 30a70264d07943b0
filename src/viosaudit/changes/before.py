"""The "before" state of one change, as data: what ``verify-change`` compares the after snapshot with.

Written as ``change.json`` into the change's evidence folder by ``viosaudit report``; read back through
a ``BeforeSource``. Today the source is the evidence folder (``EvidenceFolder``); the history store can
be a second source by implementing the same protocol (``load`` -> ``ChangeBefore``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from viosaudit.errors import ConfigError
from viosaudit.jsonable import to_jsonable
from viosaudit.model import ClientLpar, Vios
from viosaudit.plan import Plan, ProposedChange
from viosaudit.rules.base import Finding, Verdict
from viosaudit.rules.topology import ALL_KINDS, Topology

FORMAT = "viosaudit-change/1"
CHANGE_JSON = "change.json"


@dataclass(frozen=True, slots=True)
class UnitBefore:
    """One thing a client needs paths for (a disk, its NPIV ports, a VLAN) and the VIOS that carried it."""

    kind: str
    label: str
    state: str
    via: tuple[str, ...]  # running VIOS with a working path
    text: str


@dataclass(frozen=True, slots=True)
class ClientBefore:
    name: str
    partition_id: int
    state: str
    units: tuple[UnitBefore, ...]


@dataclass(frozen=True, slots=True)
class IfixBefore:
    label: str
    state: str


@dataclass(frozen=True, slots=True)
class ViosBefore:
    name: str
    partition_id: int
    patched: bool  # restarted by the change (else a partner that carries the I/O)
    order: int  # place in the patch order (0 for partners)
    level: str  # "" when not read
    ifixes: tuple[IfixBefore, ...] | None  # None: emgr -l not read


@dataclass(frozen=True, slots=True)
class ClosesBefore:
    """A finding the change closes, and the VIOS it is about."""

    key: str
    rule_id: str
    vios: str
    partition_id: int
    apar: str  # "" for a finding without an APAR
    title: str


@dataclass(frozen=True, slots=True)
class ChangeBefore:
    change_id: str
    change_key: str
    title: str
    snapshot_id: str
    captured_at: str
    generated_at: str
    managed_system: str
    serial: str
    vios: tuple[ViosBefore, ...]
    clients: tuple[ClientBefore, ...]
    closes: tuple[str, ...]  # keys of the findings the change closes
    open_on_system: tuple[str, ...]  # keys of every FAIL or UNKNOWN finding on the system before
    fixes: tuple[str, ...]  # the fixes to install, as worded in the plan
    closing: tuple[ClosesBefore, ...] = ()


class BeforeSource(Protocol):
    """Where a change's before state comes from (the evidence folder; later the history store)."""

    def load(self) -> ChangeBefore: ...


def _vios(v: Vios, patched: bool, order: int) -> ViosBefore:
    ifixes = tuple(IfixBefore(i.label, i.state.value) for i in v.ifixes.value or ()) if v.ifixes.ok else None
    level = str(v.level.value) if v.level.ok and v.level.value else ""
    return ViosBefore(v.name, v.key.partition_id, patched, order, level, ifixes)


def client_units(topology: Topology, client: ClientLpar) -> tuple[UnitBefore, ...]:
    """Every unit of the client, of every kind, as judged by the rules' topology."""
    return tuple(
        UnitBefore(kind.value, s.unit.label, s.state.value, tuple(s.via), s.text)
        for kind in ALL_KINDS
        for s in topology.unit_statuses(client, kind)
    )


@dataclass(frozen=True, slots=True)
class SystemIndex:
    """The estate's clients and open findings by serial, built once for all changes (at 1,000 VIOS a
    scan of 43,000 findings and 20,000 clients per change was most of the changes stage)."""

    clients: dict[str, tuple[ClientLpar, ...]]
    open_keys: dict[str, tuple[str, ...]]

    @classmethod
    def build(cls, plan: Plan, findings: tuple[Finding, ...]) -> SystemIndex:
        clients: dict[str, list[ClientLpar]] = {}
        for c in plan.estate.clients:
            clients.setdefault(c.key.serial, []).append(c)
        open_keys: dict[str, list[str]] = {}
        for f in findings:
            if f.verdict is not Verdict.PASS:
                open_keys.setdefault(f.subject.serial, []).append(f.key)
        return cls(
            {k: tuple(v) for k, v in clients.items()},
            {k: tuple(v) for k, v in open_keys.items()},
        )


def touched_clients(plan: Plan, ch: ProposedChange, index: SystemIndex | None = None) -> tuple[ClientLpar, ...]:
    """The clients of the VIOS the change restarts, and every partition the change says it touches."""
    names = {p for s in ch.services for p in s.partitions}
    keys = {c.key for step in ch.steps for c in plan.topology.clients_of(step.vios)}
    serial = ch.system.serial
    pool = index.clients.get(serial, ()) if index is not None else plan.estate.clients
    found = [c for c in pool if c.key.serial == serial and (c.key in keys or c.name in names)]
    return tuple(sorted(found, key=lambda c: c.name))


def before_state(
    plan: Plan, ch: ProposedChange, findings: tuple[Finding, ...], *, change_key: str, title: str,
    fixes: tuple[str, ...], generated_at: str, index: SystemIndex | None = None,
) -> ChangeBefore:  # fmt: skip
    """``index`` (``SystemIndex.build`` once per plan) saves scanning the estate for every change."""
    topo = plan.topology
    vios = [_vios(s.vios, True, s.order) for s in ch.steps] + [_vios(v, False, 0) for v in ch.partners]
    clients = tuple(
        ClientBefore(c.name, c.key.partition_id, c.state or "", client_units(topo, c))
        for c in touched_clients(plan, ch, index)
    )
    serial = ch.system.serial
    if index is not None:
        open_keys = index.open_keys.get(serial, ())
    else:
        open_keys = tuple(f.key for f in findings if f.subject.serial == serial and f.verdict is not Verdict.PASS)
    return ChangeBefore(
        change_id=ch.change_id,
        change_key=change_key,
        title=title,
        snapshot_id=plan.estate.snapshot_id,
        captured_at=plan.estate.captured_at,
        generated_at=generated_at,
        managed_system=ch.system.name,
        serial=ch.system.serial,
        vios=tuple(vios),
        clients=clients,
        closes=tuple(f.key for f in ch.findings),
        open_on_system=open_keys,
        fixes=fixes,
        closing=tuple(
            ClosesBefore(f.key, f.rule_id, f.subject.name, f.subject.partition_id or 0, f.apar or "", f.title)
            for f in ch.findings
        ),
    )


def to_json(before: ChangeBefore) -> dict[str, Any]:
    data: dict[str, Any] = {"format": FORMAT}
    data.update(to_jsonable(before))
    return data


def _tuple(items: Any, where: str) -> tuple[Any, ...]:
    if not isinstance(items, list):
        raise ConfigError(f"{where}: expected a list")
    return tuple(items)


def from_json(data: Any, where: str) -> ChangeBefore:
    """A ``ChangeBefore`` from ``change.json``; a wrong or damaged file names what is wrong."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ConfigError(f"{where}: not a viosaudit change record (format {FORMAT!r} expected)")
    try:
        vios = tuple(
            ViosBefore(
                v["name"], int(v["partition_id"]), bool(v["patched"]), int(v["order"]), v["level"],
                None if v["ifixes"] is None else tuple(IfixBefore(i["label"], i["state"]) for i in v["ifixes"]),
            )
            for v in _tuple(data["vios"], f"{where}: vios")
        )  # fmt: skip
        clients = tuple(
            ClientBefore(
                c["name"], int(c["partition_id"]), c["state"],
                tuple(UnitBefore(u["kind"], u["label"], u["state"], tuple(u["via"]), u["text"]) for u in c["units"]),
            )
            for c in _tuple(data["clients"], f"{where}: clients")
        )  # fmt: skip
        return ChangeBefore(
            change_id=data["change_id"],
            change_key=data["change_key"],
            title=data["title"],
            snapshot_id=data["snapshot_id"],
            captured_at=data["captured_at"],
            generated_at=data["generated_at"],
            managed_system=data["managed_system"],
            serial=data["serial"],
            vios=vios,
            clients=clients,
            closes=_tuple(data["closes"], f"{where}: closes"),
            open_on_system=_tuple(data["open_on_system"], f"{where}: open_on_system"),
            fixes=_tuple(data["fixes"], f"{where}: fixes"),
            closing=tuple(
                ClosesBefore(c["key"], c["rule_id"], c["vios"], int(c["partition_id"]), c["apar"], c["title"])
                for c in _tuple(data["closing"], f"{where}: closing")
            ),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: damaged change record ({type(exc).__name__}: {exc})") from None


@dataclass(frozen=True, slots=True)
class EvidenceFolder:
    """The before state kept in a change's evidence folder (``reports/<date>/changes/<change id>/``)."""

    folder: Path

    def load(self) -> ChangeBefore:
        path = self.folder / CHANGE_JSON
        if not path.is_file():
            raise ConfigError(f"{self.folder}: no {CHANGE_JSON}: not a change evidence folder written by viosaudit")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read it: {exc}") from None
        return from_json(data, str(path))
