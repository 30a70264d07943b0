"""Status as typed data, judged once: each VIOS, each managed system, each client's I/O, the estate.

* A VIOS or a managed system is ``EXPOSED`` with a FAIL finding, else ``UNKNOWN`` with an UNKNOWN
  finding or any of its data not collected or unreadable, else ``OK``: missing data never reads as OK.
* INFO findings are listed in the reports but never decide a status (a gap in our own data, a PASS).
* The estate, worst first: ``ACTION`` (a critical/high FAIL not formally accepted) > ``UNKNOWN`` when
  something that could be critical was not checked (a critical/high UNKNOWN, a VIOS whose data is
  missing, an empty estate) > ``RISK`` (any other FAIL, or an accepted critical/high FAIL) > ``UNKNOWN``
  (any other unknown, or a gap not implied by the collection mode) > ``OK``. An unknown can raise the
  status, never lower it.

Words for all of these are chosen at the edge (``render/wording.py``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from viosaudit.commands import VIOS_DATA, Command
from viosaudit.model import ClientLpar, Collected, Estate, EstateGap, ManagedSystem, Observed, PartitionKey, Vios
from viosaudit.rules.base import Finding, Severity, SubjectKind, Verdict
from viosaudit.rules.topology import ALL_KINDS, Redundancy, Topology, UnitStatus

URGENT = frozenset({Severity.CRITICAL, Severity.HIGH})


class EntityStatus(StrEnum):
    """Of one VIOS or one managed system."""

    EXPOSED = "exposed"
    UNKNOWN = "unknown"
    OK = "ok"


class OverallStatus(StrEnum):
    """Of the estate (page 1), worst first."""

    ACTION = "action"
    UNKNOWN = "unknown"
    RISK = "risk"
    OK = "ok"


class Design(StrEnum):
    """How many VIOS a managed system is configured with (running or not)."""

    NO_VIOS = "no VIOS"
    SINGLE = "single"
    DUAL = "dual"

    @classmethod
    def of(cls, vios_count: int) -> Design:
        return {0: cls.NO_VIOS, 1: cls.SINGLE}.get(vios_count, cls.DUAL)


class IoDesign(StrEnum):
    """How one client's virtual I/O is served, judged per unit (disk, NPIV ports, VLAN)."""

    NONE = "none"  # no virtual I/O recorded
    SINGLE_VIOS = "single VIOS"  # everything through one VIOS: the system has one running
    SINGLE_PATH = "single path"  # some unit through one VIOS only, or without a working path
    UNKNOWN = "unknown"  # the data to decide is missing
    DUAL = "dual"  # every unit through two running VIOS


@dataclass(frozen=True, slots=True)
class Missing:
    """VIOS data that could not be read, grouped by why (not collected, unreadable, changed)."""

    status: Collected
    commands: tuple[Command, ...]


@dataclass(frozen=True, slots=True)
class ViosState:
    vios: Vios
    status: EntityStatus
    missing: tuple[Missing, ...]
    other_gaps: bool  # gaps recorded for this VIOS beyond its own fields
    clients: tuple[ClientLpar, ...]  # the clients it serves by configuration

    @property
    def complete(self) -> bool:
        """Every datum of this VIOS was read (an unknown status then comes from a check, not data)."""
        return not self.missing and not self.other_gaps

    @property
    def all_missing(self) -> bool:
        return len(self.missing) == 1 and len(self.missing[0].commands) == len(VIOS_DATA)


@dataclass(frozen=True, slots=True)
class SystemState:
    system: ManagedSystem
    design: Design
    status: EntityStatus
    vios_count: int
    client_count: int


@dataclass(frozen=True, slots=True)
class ClientIo:
    """A client's I/O in one judgement: ``via`` names the one VIOS for SINGLE_VIOS; ``units`` holds the
    failing units (SINGLE_PATH) or the first doubtful one (UNKNOWN)."""

    client: ClientLpar
    design: IoDesign
    via: str | None = None
    units: tuple[UnitStatus, ...] = ()


def observed(vios: Vios, command: Command) -> Observed[object]:
    """The field of ``vios`` that ``command`` fills (the index names it)."""
    assert command.field is not None
    found: Observed[object] = getattr(vios, command.field)
    return found


def vios_gaps(estate: Estate, vios: Vios) -> list[EstateGap]:
    return [
        g
        for g in estate.gaps
        if (g.partition == vios.name and g.managed_system in (None, vios.managed_system))
        or (g.host == vios.name and g.partition is None)
    ]


def missing_data(estate: Estate, vios: Vios) -> tuple[tuple[Missing, ...], bool]:
    """(what could not be read, by status; whether other gaps name this VIOS)."""
    by_status: dict[Collected, list[Command]] = defaultdict(list)
    for command in VIOS_DATA:
        obs = observed(vios, command)
        if not obs.ok:
            by_status[obs.status].append(command)
    missing = tuple(Missing(status, tuple(commands)) for status, commands in by_status.items())
    return missing, not missing and bool(vios_gaps(estate, vios))


class Judge:
    """Statuses over one estate and its findings; built once per report."""

    def __init__(self, estate: Estate, findings: Sequence[Finding], topology: Topology) -> None:
        self.estate = estate
        self.topo = topology
        vios_by_key = {v.key: v for v in estate.vioses}
        vios_by_name = {(v.managed_system, v.name): v for v in estate.vioses}
        self.by_vios: dict[PartitionKey, list[Finding]] = defaultdict(list)
        self.by_serial: dict[str, list[Finding]] = defaultdict(list)
        for f in findings:
            if f.severity is Severity.INFO:
                continue  # shown in the reports, but never decides a status (e.g. a gap in our own data)
            self.by_serial[f.subject.serial].append(f)
            if f.subject.kind is SubjectKind.VIOS:
                s = f.subject
                vios = vios_by_key.get(PartitionKey(s.serial, s.partition_id)) if s.partition_id is not None else None
                vios = vios or vios_by_name.get((s.managed_system, s.name))
                if vios is not None:
                    self.by_vios[vios.key].append(f)
        self.vios = {v.key: self._vios_state(v) for v in estate.vioses}

    def _vios_state(self, vios: Vios) -> ViosState:
        missing, other = missing_data(self.estate, vios)
        found = self.by_vios.get(vios.key, [])
        if any(f.verdict is Verdict.FAIL for f in found):
            status = EntityStatus.EXPOSED
        elif any(f.verdict is Verdict.UNKNOWN for f in found) or missing or other:
            status = EntityStatus.UNKNOWN
        else:
            status = EntityStatus.OK
        return ViosState(vios, status, missing, other, self.topo.clients_of(vios))

    def system_state(self, system: ManagedSystem) -> SystemState:
        vioses = self.estate.vios_of(system.serial)
        found = self.by_serial.get(system.serial, [])
        if any(f.verdict is Verdict.FAIL for f in found):
            status = EntityStatus.EXPOSED
        elif (
            any(f.verdict is Verdict.UNKNOWN for f in found)
            or any(self.vios[v.key].status is EntityStatus.UNKNOWN for v in vioses)
            or any(g.managed_system == system.name and g.partition is None for g in self.estate.gaps)
        ):
            status = EntityStatus.UNKNOWN
        else:
            status = EntityStatus.OK
        clients = len(self.estate.clients_of(system.serial))
        return SystemState(system, Design.of(len(vioses)), status, len(vioses), clients)

    def client_io(self, client: ClientLpar) -> ClientIo:
        statuses = [
            s for kind in ALL_KINDS for s in self.topo.unit_statuses(client, kind) if s.state is not Redundancy.UNUSED
        ]
        if not statuses:
            return ClientIo(client, IoDesign.NONE)
        running, _down, _unknown = self.topo.serving_vioses(client.key.serial)
        all_vios = {name for s in statuses for name in s.via}
        if len(running) < 2 and len(all_vios) == 1:
            return ClientIo(client, IoDesign.SINGLE_VIOS, next(iter(all_vios)))
        failing = tuple(s for s in statuses if s.state in (Redundancy.SINGLE, Redundancy.NONE))
        if failing:
            return ClientIo(client, IoDesign.SINGLE_PATH, units=failing)
        unknown = [s for s in statuses if s.state is Redundancy.UNKNOWN]
        if unknown:
            return ClientIo(client, IoDesign.UNKNOWN, units=(unknown[0],))
        if len(all_vios) == 1:
            return ClientIo(client, IoDesign.SINGLE_VIOS, next(iter(all_vios)))
        return ClientIo(client, IoDesign.DUAL)


def overall_status(findings: Iterable[Finding], vios_unknown: int, failed_gaps: bool, empty: bool) -> OverallStatus:
    judged = [f for f in findings if f.severity is not Severity.INFO]
    fails = [f for f in judged if f.verdict is Verdict.FAIL]
    unknowns = [f for f in judged if f.verdict is Verdict.UNKNOWN]
    if any(f.severity in URGENT and not f.accepted for f in fails):
        return OverallStatus.ACTION
    if any(f.severity in URGENT for f in unknowns) or vios_unknown or empty:
        return OverallStatus.UNKNOWN
    if fails:
        return OverallStatus.RISK
    if unknowns or failed_gaps:
        return OverallStatus.UNKNOWN
    return OverallStatus.OK
