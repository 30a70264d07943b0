"""Who depends on which VIOS, judged per disk, per NPIV client and per VLAN, through running VIOS.

An expert does not ask "does this client have two VIOS?" but "does *each* of its disks, its fibre
channel ports and *each* of its VLANs have a working path through two VIOS that are running?". This
module answers that once per estate, as data the rules and reports share:

* a ``Unit`` is one thing a client needs two paths for: one LUN (its vSCSI paths on every VIOS, paired
  by the LUN's ``unique_id``, else its PVID, else only by LUN address), its NPIV ports taken together,
  or one VLAN on one virtual switch;
* a ``UnitStatus`` says whether the unit is redundant, single, without any working path, or unknown,
  and why: which VIOS carry it, which are down, which paths carry nothing, what data is missing;
* ``RebootImpact`` says which clients a reboot of one VIOS interrupts (running ones), which it would
  cut off but are not running, and which we cannot vouch for.

A path counts only if it carries I/O (a mapped, logged-in port; an Available VTD; a trunk adapter in
a SEA) through a VIOS whose state is Running. Missing data never counts for or against: it makes the
answer unknown.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum

from viosaudit.commands import Feeds, feeding
from viosaudit.model import (
    BackingKind,
    ClientLpar,
    Estate,
    IoPath,
    NpivMapping,
    Observed,
    PartitionKey,
    PathKind,
    Vios,
    VscsiMapping,
)

STORAGE = (PathKind.VSCSI, PathKind.NPIV)
ALL_KINDS = (*STORAGE, PathKind.NETWORK)
# The HMC view that lists each kind of virtual adapter (what the HMC knows when a VIOS is silent).
HMC_VIEW = {
    PathKind.VSCSI: feeding(Feeds.VSCSI_ADAPTERS).id,
    PathKind.NPIV: feeding(Feeds.FC_ADAPTERS).id,
    PathKind.NETWORK: feeding(Feeds.ETH_ADAPTERS).id,
}
PARTITION_LIST = feeding(Feeds.PARTITIONS).id
VIOS_VIEW = {PathKind.VSCSI: "lsmap -all", PathKind.NPIV: "lsmap -all -npiv", PathKind.NETWORK: "lshwres eth"}


class Redundancy(StrEnum):
    """How one unit (a LUN, a client's NPIV ports, a VLAN) is served."""

    REDUNDANT = "redundant"  # working paths through two or more running VIOS
    SINGLE = "single"  # working paths through one running VIOS only
    NONE = "none"  # no working path through a running VIOS
    UNKNOWN = "unknown"  # the data to decide is missing
    UNUSED = "unused"  # configured, but nothing carries I/O and nothing is down (NPIV never logged in)


class Fate(StrEnum):
    """What one VIOS reboot does to a client's I/O of one kind (worst first)."""

    LOST = "lost"  # some unit loses its last working path
    UNKNOWN = "unknown"  # some unit may: the data to decide is missing
    KEPT = "kept"  # every unit keeps a working path through another running VIOS
    UNUSED = "unused"  # this VIOS carries none of it


class Pairing(StrEnum):
    """How the vSCSI paths of one client were grouped into LUNs."""

    UNIQUE_ID = "unique_id"
    PVID = "PVID"
    LUN_ADDRESS = "LUN address only"  # identity not collected: a guess, never enough for a PASS
    SSP = "shared storage pool LU id"
    SINGLE_DEVICE = "one device"  # logical volume, file: exists on one VIOS only


@dataclass(frozen=True, slots=True)
class Unit:
    """One thing a client needs two paths for, and the paths it has (through any VIOS)."""

    kind: PathKind
    client: PartitionKey
    label: str  # "vSCSI disk hdisk4 / hdisk7", "NPIV ports", "VLAN 110 on ETHERNET0"
    paths: tuple[IoPath, ...]
    pairing: Pairing | None = None
    identity: str | None = None  # what the pairing rests on: "PVID 00f6db0a6c7aece5"


@dataclass(frozen=True, slots=True)
class UnitStatus:
    """The verdict on one unit and its reasons, in names an administrator can act on."""

    unit: Unit
    state: Redundancy
    via: tuple[str, ...]  # running VIOS with a working path
    down: tuple[str, ...] = ()  # "p8b-vios2 (Not Activated)": VIOS with a path that are not running
    idle: tuple[str, ...] = ()  # paths that carry nothing, with why
    doubts: tuple[str, ...] = ()  # why the answer may be otherwise: missing data, unknown states
    maybe: tuple[str, ...] = ()  # VIOS that may carry it, where the data to tell is missing

    @property
    def text(self) -> str:
        """'hdisk4 (PVID 00f6...): single, through vios1 only; vios2 (Not Activated)'."""
        named = f"{self.unit.label} ({self.unit.identity})" if self.unit.identity else self.unit.label
        parts = [f"{named}: {self.state.value}"]
        if self.via:
            parts.append(f"through {' and '.join(self.via)}" + (" only" if len(self.via) == 1 else ""))
        parts.extend(f"{d} is down" for d in self.down)
        parts.extend(self.idle)
        parts.extend(self.doubts)
        return "; ".join(parts)


@dataclass(frozen=True, slots=True)
class RebootImpact:
    """What rebooting one VIOS does to its clients.

    ``outage``: running clients (or clients whose state is unknown) that lose a disk, their NPIV ports
    or a VLAN. ``stopped``: clients that would lose them but are not running now (no service stops).
    ``unknown``: clients that may depend on it, where the data to decide is missing.
    """

    vios: Vios
    outage: tuple[ClientLpar, ...]
    unknown: tuple[ClientLpar, ...]
    reason: str | None
    stopped: tuple[ClientLpar, ...] = ()

    @property
    def rolling(self) -> bool:
        """True only when we know no running client is interrupted."""
        return not self.outage and not self.unknown


class Topology:
    """Indexes and per-unit judgements over an estate, built once, so rules stay linear in its size."""

    def __init__(self, estate: Estate) -> None:
        self.estate = estate
        self.vioses_by_serial: dict[str, list[Vios]] = defaultdict(list)
        self.clients_by_serial: dict[str, list[ClientLpar]] = defaultdict(list)
        self.linked: dict[tuple[PartitionKey, PathKind], set[PartitionKey]] = defaultdict(set)
        self.paths_by_vios: dict[PartitionKey, list[IoPath]] = defaultdict(list)
        self.paths_by_client: dict[PartitionKey, list[IoPath]] = defaultdict(list)
        self.vios_by_key: dict[PartitionKey, Vios] = {v.key: v for v in estate.vioses}
        self.client_by_key: dict[PartitionKey, ClientLpar] = {c.key: c for c in estate.clients}
        for v in estate.vioses:
            self.vioses_by_serial[v.key.serial].append(v)
        for c in estate.clients:
            self.clients_by_serial[c.key.serial].append(c)
        for p in estate.paths:
            self.paths_by_vios[p.vios].append(p)
            self.paths_by_client[p.client].append(p)
        self._linked_clients: dict[PartitionKey, set[PartitionKey]] = defaultdict(set)
        for link in estate.links:
            self.linked[(link.client, link.kind)].add(link.vios)
            self._linked_clients[link.vios].add(link.client)
        self._views_missing = {
            (s.serial, kind)
            for s in estate.systems
            for kind, command_id in HMC_VIEW.items()
            if (s.serial, command_id) not in estate.hmc_views
        }
        self._statuses: dict[tuple[PartitionKey, PathKind], tuple[UnitStatus, ...]] = {}
        self._impacts: dict[PartitionKey, RebootImpact] = {}

    # ------------------------------------------------------------------ what was collected

    def collected(self, vios: Vios, kind: PathKind) -> bool:
        """Whether we know what this VIOS serves: its lsmap for storage, the HMC's trunk adapters for
        networks (a SEA bridges the VLANs of its trunk adapters)."""
        if kind is PathKind.NETWORK:
            return (vios.key.serial, kind) not in self._views_missing
        return _mappings(vios, kind).ok

    def _status_word(self, vios: Vios, kind: PathKind) -> str:
        """'not collected', 'unreadable' or 'changed after collection' for a VIOS's data of one kind."""
        if kind is PathKind.NETWORK:
            return "not collected (lshwres eth)"
        return _mappings(vios, kind).status.value

    def partitions_read(self, serial: str) -> bool:
        """Whether the HMC's partition list (lssyscfg -r lpar) of this system was read."""
        return (serial, PARTITION_LIST) in self.estate.hmc_views

    def may_serve(self, client: PartitionKey, vios: Vios, kind: PathKind) -> bool:
        """Could this VIOS (whose mappings we lack) serve the client? A VIOS that is not running cannot;
        an HMC adapter of the client pointing at it or elsewhere decides; an HMC silent about the client
        decides only where another VIOS's own mappings of this kind were read and agree (see below)."""
        if vios.serving is False:
            return False  # a VIOS that is not running serves nobody, whatever its mappings
        if kind is PathKind.NETWORK or (client.serial, kind) in self._views_missing:
            return True
        linked = self.linked.get((client, kind), set())
        if linked:
            return vios.key in linked
        # The HMC is silent about this client: that is evidence only where another VIOS's own mappings
        # of this kind were read and show nothing either; it never outweighs a VIOS that shows a path.
        uses_kind = any(p.kind is kind for p in self.paths_by_client.get(client, ()))
        return uses_kind or not any(self.collected(v, kind) for v in self.vioses_by_serial.get(client.serial, []))

    def clients_of(self, vios: Vios) -> tuple[ClientLpar, ...]:
        """Clients this VIOS serves by configuration: a path in its mappings or an HMC adapter pointing at
        it, whether or not the path works now; by partition id."""
        keys = {p.client for p in self.paths_by_vios.get(vios.key, ())} | self._linked_clients.get(vios.key, set())
        return tuple(self.client_by_key[k] for k in sorted(keys) if k in self.client_by_key)

    # ------------------------------------------------------------------ units and their verdicts

    def unit_statuses(self, client: ClientLpar, kind: PathKind) -> tuple[UnitStatus, ...]:
        """Every unit of one kind of the client, judged; memoised (rules and reports share them)."""
        key = (client.key, kind)
        if key not in self._statuses:
            statuses = tuple(self._judge(client, unit) for unit in self._units(client, kind))
            self._statuses[key] = self._by_count(statuses) if kind is PathKind.VSCSI else statuses
        return self._statuses[key]

    def _missing(self, client: ClientLpar, kind: PathKind) -> tuple[Vios, ...]:
        """VIOS of the client's system whose data of this kind is missing and that might serve it."""
        return tuple(
            v
            for v in self.vioses_by_serial.get(client.key.serial, [])
            if not self.collected(v, kind) and self.may_serve(client.key, v, kind)
        )

    def _units(self, client: ClientLpar, kind: PathKind) -> list[Unit]:
        paths = [p for p in self.paths_by_client.get(client.key, ()) if p.kind is kind]
        units: list[Unit]
        if kind is PathKind.VSCSI:
            units = _lun_units(client.key, paths)
        elif kind is PathKind.NPIV:
            units = [Unit(kind, client.key, "NPIV ports", tuple(paths))] if paths else []
        else:
            by_vlan: dict[tuple[str | None, int | None], list[IoPath]] = defaultdict(list)
            for p in paths:
                by_vlan[(p.vswitch, p.vlan)].append(p)
            units = [
                Unit(kind, client.key, f"VLAN {vlan} on {vswitch or 'the default switch'}", tuple(ps))
                for (vswitch, vlan), ps in sorted(by_vlan.items(), key=lambda item: (item[0][0] or "", item[0][1] or 0))
            ]
        if not units and self._missing(client, kind):
            # nothing seen, but a VIOS whose data is missing may serve it: unknown, not "unused"
            units = [Unit(kind, client.key, _KIND_WORDS[kind], ())]
        return units

    def _judge(self, client: ClientLpar, unit: Unit) -> UnitStatus:
        via: set[str] = set()
        down: set[str] = set()
        maybe: set[str] = set()
        idle: list[str] = []
        doubts: list[str] = []
        for p in unit.paths:
            vios = self.vios_by_key.get(p.vios)
            name = vios.name if vios else f"partition {p.vios.partition_id}"
            serving = vios.serving if vios else None
            reason = p.idle or _not_logged_in(p, client)
            if reason == _UNSURE:
                maybe.add(name)
                doubts.append(f"{p.server_adapter} on {name} is not logged in; the state of {client.name} is unknown")
            elif reason:
                idle.append(f"{reason} (on {name})")
            elif serving is False:
                down.add(f"{name} ({(vios.state if vios else None) or 'no state reported'})")
            elif serving is None:
                maybe.add(name)
                doubts.append(
                    f"state of {name} unknown ({(vios.state or 'none reported') if vios else 'not listed by the HMC'})"
                )
            elif p.unconfirmed:
                maybe.add(name)
                doubts.append(p.unconfirmed)
            else:
                via.add(name)
        for v in self._missing(client, unit.kind):
            if v.name not in via:
                maybe.add(v.name)
                doubts.append(f"{VIOS_VIEW[unit.kind]} of {v.name} {self._status_word(v, unit.kind)}")
        if unit.pairing is Pairing.LUN_ADDRESS and len(via) >= 2:
            doubts.append(_BY_ADDRESS)
        return UnitStatus(
            unit,
            _state(unit, via, down, idle, doubts),
            tuple(sorted(via)),
            tuple(sorted(down)),
            tuple(idle),
            tuple(dict.fromkeys(doubts)),
            tuple(sorted(maybe - via)),
        )

    def _by_count(self, statuses: tuple[UnitStatus, ...]) -> tuple[UnitStatus, ...]:
        """Disks paired by LUN address only: a disk seen on one VIOS is single for certain only when
        that VIOS serves the client more such disks than another running VIOS does (then at least the
        difference has one path); with equal counts it may be another disk's second path: unknown."""
        guessed = [s for s in statuses if s.unit.pairing is Pairing.LUN_ADDRESS]
        counts: dict[str, int] = defaultdict(int)
        for s in guessed:
            for name in s.via:
                counts[name] += 1
        if len(counts) < 2:
            return statuses
        out = []
        for s in statuses:
            if s.unit.pairing is Pairing.LUN_ADDRESS and s.state is Redundancy.SINGLE:
                mine = counts[s.via[0]]
                others = [n for name, n in counts.items() if name != s.via[0]]
                if all(mine > n for n in others):
                    rest = ", ".join(sorted(set(counts) - {s.via[0]}))
                    note = f"{s.via[0]} serves this client more disks than {rest}: single by count"
                    s = replace(s, doubts=(*s.doubts, f"{note} (disk identity not collected)"))
                else:
                    s = replace(s, state=Redundancy.UNKNOWN, doubts=(*s.doubts, _BY_ADDRESS))
            out.append(s)
        return tuple(out)

    # ------------------------------------------------------------------ what a VIOS reboot costs

    def fate(self, client: ClientLpar, vios: Vios, kind: PathKind) -> Fate:
        """The client's I/O of one kind while ``vios`` reboots: the worst fate of its units."""
        fates = {self._unit_fate(status, vios) for status in self.unit_statuses(client, kind)}
        return next((fate for fate in _WORST_FIRST if fate in fates), Fate.UNUSED)

    def _unit_fate(self, status: UnitStatus, vios: Vios) -> Fate:
        if vios.name not in status.via and vios.name not in status.maybe:
            return Fate.UNUSED
        others = [name for name in status.via if name != vios.name]
        if others:
            sure = status.state is Redundancy.REDUNDANT or vios.name not in status.via
            return Fate.KEPT if sure else Fate.UNKNOWN
        if vios.name in status.maybe or set(status.maybe) - {vios.name}:
            return Fate.UNKNOWN
        return Fate.LOST

    def reboot_impact(self, vios: Vios) -> RebootImpact:
        """Clients interrupted by a reboot of ``vios``, those cut off but not running, and the unknown;
        memoised (every rule, the risk assessment and the change plan ask it)."""
        if vios.key not in self._impacts:
            self._impacts[vios.key] = self._reboot_impact(vios)
        return self._impacts[vios.key]

    def _reboot_impact(self, vios: Vios) -> RebootImpact:
        outage: list[ClientLpar] = []
        stopped: list[ClientLpar] = []
        unknown: list[ClientLpar] = []
        if vios.serving is not False:
            for client in self.clients_by_serial[vios.key.serial]:
                fates = {self.fate(client, vios, kind) for kind in ALL_KINDS}
                if Fate.LOST in fates:
                    (stopped if client.active is False else outage).append(client)
                elif Fate.UNKNOWN in fates:
                    unknown.append(client)
        missing = sorted(
            f"{VIOS_VIEW[kind]} of {v.name} {self._status_word(v, kind)}"
            for v in self.vioses_by_serial[vios.key.serial]
            for kind in ALL_KINDS
            if not self.collected(v, kind) and v.serving is not False
        )
        reason = ", ".join(sorted(set(missing))) if missing else None
        if unknown and reason is None:
            reason = "the state of a VIOS or client, or the identity of a disk, is not known"
        return RebootImpact(vios, tuple(outage), tuple(unknown), reason, tuple(stopped))

    def serving_vioses(self, serial: str) -> tuple[list[Vios], list[Vios], list[Vios]]:
        """The system's VIOS split into (running, not running, state unknown)."""
        vioses = self.vioses_by_serial.get(serial, [])
        return (
            [v for v in vioses if v.serving is True],
            [v for v in vioses if v.serving is False],
            [v for v in vioses if v.serving is None],
        )


_WORST_FIRST = (Fate.LOST, Fate.UNKNOWN, Fate.KEPT)


def _mappings(vios: Vios, kind: PathKind) -> Observed[tuple[VscsiMapping, ...]] | Observed[tuple[NpivMapping, ...]]:
    """The VIOS's own storage mappings of one kind: lsmap -all (vSCSI) or lsmap -all -npiv (NPIV)."""
    return vios.vscsi if kind is PathKind.VSCSI else vios.npiv


_KIND_WORDS = {PathKind.VSCSI: "vSCSI disks", PathKind.NPIV: "NPIV ports", PathKind.NETWORK: "networks"}
_UNSURE = "?"
_BY_ADDRESS = (
    "paired with the other VIOS by LUN address only: the disk identity (lspv PVID or unique_id) was not collected"
)


def _not_logged_in(path: IoPath, client: ClientLpar) -> str | None:
    """Why an NPIV path carries nothing: a port not logged in, while the client is running."""
    if path.kind is not PathKind.NPIV or path.logged_in is not False:
        return None
    if client.active is False:
        return None  # a stopped client logs in nowhere: judge its configuration
    if client.active is None:
        return _UNSURE
    return f"{path.server_adapter} -> {path.device} is NOT_LOGGED_IN"


def _state(unit: Unit, via: set[str], down: set[str], idle: list[str], doubts: list[str]) -> Redundancy:
    if len(via) >= 2:
        return Redundancy.UNKNOWN if unit.pairing is Pairing.LUN_ADDRESS else Redundancy.REDUNDANT
    if doubts:
        return Redundancy.UNKNOWN
    if via:
        return Redundancy.SINGLE
    if down or unit.kind is not PathKind.NPIV:
        return Redundancy.NONE
    return Redundancy.UNUSED if idle else Redundancy.NONE


def _lun_units(client: PartitionKey, paths: Iterable[IoPath]) -> list[Unit]:
    """Group a client's vSCSI paths into LUNs.

    Logical volumes and files exist on one VIOS: each is its own unit (single by construction). SSP
    LUs carry their id in their name. Disks are paired by ``unique_id`` when every disk path has one,
    else by PVID when every one has one, else only by their LUN address on the vhost: a guess that can
    show a missing second path (more LUNs on one VIOS than on the other) but never prove redundancy.
    """
    units: list[Unit] = []
    disks: list[IoPath] = []
    for p in paths:
        if p.backing is BackingKind.OPTICAL:
            continue
        if p.backing is BackingKind.SSP_LU and p.unique_id:
            units.append(Unit(PathKind.VSCSI, client, f"vSCSI LU {p.device}", (p,), Pairing.SSP))
        elif p.backing is not None and p.backing.single_by_construction:
            label = f"vSCSI {p.backing.value} {p.device} on one VIOS by construction"
            units.append(Unit(PathKind.VSCSI, client, label, (p,), Pairing.SINGLE_DEVICE))
        else:
            disks.append(p)
    ssp: dict[str, list[IoPath]] = defaultdict(list)
    for unit in [u for u in units if u.pairing is Pairing.SSP]:
        ssp[unit.paths[0].unique_id or ""].extend(unit.paths)
    units = [u for u in units if u.pairing is not Pairing.SSP]
    units += [Unit(PathKind.VSCSI, client, f"vSCSI LU {ps[0].device}", tuple(ps), Pairing.SSP) for ps in ssp.values()]
    if disks:
        pairing = (
            Pairing.UNIQUE_ID
            if all(p.unique_id for p in disks)
            else Pairing.PVID
            if all(p.pvid for p in disks)
            else Pairing.LUN_ADDRESS
        )
        groups: dict[str, list[IoPath]] = defaultdict(list)
        order = _vhost_order(disks)
        for p in disks:
            groups[_lun_key(p, pairing, order)].append(p)
        for ident, ps in groups.items():
            names = " / ".join(dict.fromkeys(p.device or "?" for p in ps))
            shown = {Pairing.UNIQUE_ID: "unique_id", Pairing.PVID: "PVID", Pairing.LUN_ADDRESS: "LUN"}[pairing]
            units.append(Unit(PathKind.VSCSI, client, f"vSCSI disk {names}", tuple(ps), pairing, f"{shown} {ident}"))
    return sorted(units, key=lambda u: u.label)


def _lun_key(path: IoPath, pairing: Pairing, order: dict[tuple[PartitionKey, str], int]) -> str:
    if pairing is Pairing.UNIQUE_ID:
        return path.unique_id or ""
    if pairing is Pairing.PVID:
        return path.pvid or ""
    # the guess: the same LUN address on the client's n-th vhost of each VIOS
    return f"{path.lun or path.device} on its vhost #{order[(path.vios, path.server_adapter)]}"


def _vhost_order(paths: list[IoPath]) -> dict[tuple[PartitionKey, str], int]:
    """1, 2, ... for each VIOS's vhosts serving the client, in adapter number order (vhost2 before vhost10)."""
    adapters: dict[PartitionKey, set[str]] = defaultdict(set)
    for p in paths:
        adapters[p.vios].add(p.server_adapter)
    return {
        (vios, name): n
        for vios, names in adapters.items()
        for n, name in enumerate(sorted(names, key=lambda a: (len(a), a)), start=1)
    }
