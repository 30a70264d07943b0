"""Tiny estates for rule tests: say what the system looks like, get a real Estate back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from functools import cache

from viosaudit.business import BusinessService
from viosaudit.model import (
    AdapterLink,
    BackingKind,
    ClientLpar,
    Collected,
    DiskReserve,
    Estate,
    EstateGap,
    Fileset,
    Ifix,
    IfixState,
    IoPath,
    Level,
    ManagedSystem,
    Observed,
    PartitionEnv,
    PartitionKey,
    PathKind,
    SeaAttributes,
    SeaMapping,
    SourceRef,
    Span,
    TrunkAdapter,
    Vios,
)
from viosaudit.rules.base import RuleContext
from viosaudit.rules.catalogue import Catalogue, load_catalogue
from viosaudit.rules.lifecycle import Lifecycle, load_lifecycle
from viosaudit.rules.risk import Likelihoods, load_likelihoods

TODAY = date(2026, 11, 25)
REF = SourceRef("captures/test.txt", 1, 1, "test", "test")


def ok(value):  # type: ignore[no-untyped-def]
    return Observed(Collected.OK, value, REF)


MISSING = Observed(Collected.NOT_COLLECTED, reason="not collected in this test")


def ifix(label: str, state: IfixState = IfixState.STABLE, abstract: str = "") -> Ifix:
    return Ifix(1, state, label, "11/20/26 10:00:00", abstract or f"ifix {label}", Span(3, 3))


def below(level: Level) -> Level:
    """A level just under ``level`` (7.2.4.0 -> 7.2.3.9999, 6.1.9.45 -> 6.1.9.44)."""
    p = list((*level.parts, 0, 0, 0, 0)[:4])
    for i in range(3, -1, -1):
        if p[i] > 0:
            p[i] -= 1
            return Level((*p[: i + 1], *([9999] * (3 - i))))
    raise ValueError("nothing below 0")


def above(level: Level) -> Level:
    """A level just over ``level`` (the fourth field plus one)."""
    p = list((*level.parts, 0, 0, 0, 0)[:4])
    p[3] += 1
    return Level(tuple(p))


def fileset(name: str, level: str) -> Fileset:
    return Fileset(name, name, Level.parse(level), "C", "F", name, Span(2, 2))


def reserves(**policies: str | None) -> tuple[DiskReserve, ...]:
    """``reserves(hdisk2="no_reserve")``: one disk_reserve record per disk, on consecutive lines."""
    return tuple(DiskReserve(d, p, Span(n, n)) for n, (d, p) in enumerate(policies.items(), start=1))


def sea(name: str = "ent6", ha_mode: str | None = "auto", ctl_chan: str | None = "ent5") -> SeaAttributes:
    return SeaAttributes(name, ha_mode, ctl_chan, "ent4", ("ent4",), Span(1, 4))


class EstateBuilder:
    """``b = EstateBuilder(); b.system("S1"); b.vios("S1", 1, "v1", level="3.1.4.10"); b.client(...);
    b.vscsi("v1", "c1"); b.build()``."""

    def __init__(self) -> None:
        self.systems: dict[str, ManagedSystem] = {}
        self.vioses: dict[str, Vios] = {}
        self.clients: dict[str, ClientLpar] = {}
        self.paths: list[IoPath] = []
        self.links: list[AdapterLink] = []
        self.gaps: list[EstateGap] = []

    def system(self, name: str, serial: str | None = None) -> EstateBuilder:
        self.systems[name] = ManagedSystem(name, serial or f"SN{name}", "9009-42A", "Operating", ("hmc1",), REF)
        return self

    def vios(
        self,
        system: str,
        pid: int,
        name: str,
        *,
        level: str | None = "3.1.4.10",
        ifixes: tuple[Ifix, ...] | None = (),
        filesets: tuple[Fileset, ...] | None = (),
        mappings: bool = True,
        state: str = "Running",
    ) -> EstateBuilder:
        serial = self.systems[system].serial
        self.vioses[name] = Vios(
            key=PartitionKey(serial, pid),
            name=name,
            managed_system=system,
            state=state,
            os_version=f"VIOS {level}" if level else None,
            level=ok(Level.parse(level)) if level else MISSING,
            ifixes=ok(ifixes) if ifixes is not None else MISSING,
            filesets=ok(filesets) if filesets is not None else MISSING,
            vscsi=ok(()) if mappings else MISSING,
            npiv=ok(()) if mappings else MISSING,
            network=ok(()) if mappings else MISSING,
            source=REF,
        )
        return self

    def client(self, system: str, pid: int, name: str, state: str = "Running") -> EstateBuilder:
        serial = self.systems[system].serial
        self.clients[name] = ClientLpar(
            PartitionKey(serial, pid), name, system, PartitionEnv.AIX_LINUX, state, "AIX 7.3", REF
        )
        return self

    def vscsi(self, vios: str, client: str, *disks: str) -> EstateBuilder:
        """One vSCSI path per disk; the same disk name on two VIOS is the same LUN (same unique_id)."""
        for n, disk in enumerate(disks or ("hdisk2",)):
            self._path(
                PathKind.VSCSI,
                vios,
                client,
                disk,
                backing=BackingKind.DISK,
                lun=f"0x8{n + 1}00000000000000",
                unique_id=f"uid-{disk}",
            )
        return self

    def npiv(self, vios: str, client: str, logged_in: bool = True, port: str | None = "fcs0") -> EstateBuilder:
        return self._path(
            PathKind.NPIV,
            vios,
            client,
            port,
            logged_in=logged_in,
            idle=None if port else "vfchost0 is mapped to no physical FC port",
        )

    def vlan(self, vios: str, client: str, vlan: int = 10) -> EstateBuilder:
        """The client's adapter on ``vlan``, bridged by the VIOS's trunk adapter in slot 20."""
        self.trunk(vios, vlan)
        return self._path(PathKind.NETWORK, vios, client, f"VLAN {vlan}", vlan=vlan, vswitch="ETHERNET0")

    def trunk(self, vios: str, *vlans: int, slot: int = 20, priority: int | None = None) -> EstateBuilder:
        """A trunk adapter on the VIOS carrying ``vlans`` (added to the one in ``slot`` if present)."""
        v = self.vioses[vios]
        old = next((t for t in v.trunks if t.slot == slot), None)
        prio = priority or (old.priority if old else v.key.partition_id)
        merged = TrunkAdapter(slot, tuple(dict.fromkeys((*(old.vlans if old else ()), *vlans))), "ETHERNET0", prio, REF)
        return self.replace_vios(vios, trunks=(*(t for t in v.trunks if t.slot != slot), merged))

    def link(self, kind: PathKind, vios: str, client: str) -> EstateBuilder:
        v, c = self.vioses[vios], self.clients[client]
        self.links.append(AdapterLink(kind, c.key, v.key, 10, 20, REF))
        return self

    def gap(self, system: str, command_id: str, partition: str | None = None) -> EstateBuilder:
        self.gaps.append(EstateGap("hmc1", command_id, "not collected in this test", system, partition))
        return self

    def _path(self, kind: PathKind, vios: str, client: str, device: str | None, **extra: object) -> EstateBuilder:
        v, c = self.vioses[vios], self.clients[client]
        adapter = {PathKind.VSCSI: "vhost0", PathKind.NPIV: "vfchost0", PathKind.NETWORK: "C20"}[kind]
        self.paths.append(IoPath(kind, c.key, v.key, adapter, device, adapter, REF, **extra))  # type: ignore[arg-type]
        return self

    def reserve(self, vios: str, **policies: str | None) -> EstateBuilder:
        """The disk_reserve capture of a VIOS: ``b.reserve("v1", hdisk2="single_path")``."""
        return self.replace_vios(vios, disk_reserve=ok(reserves(**policies)))

    def seas(self, vios: str, *records: SeaAttributes, slot: int = 20) -> EstateBuilder:
        """The sea_attrs capture of a VIOS (no records: a VIOS without a SEA); lsmap -all -net then lists
        the trunk adapter in ``slot`` under the first SEA."""
        pid = self.vioses[vios].key.partition_id
        net = tuple(
            SeaMapping(
                "ent4", f"U9009.42A.SN-V{pid}-C{slot}-T1", r.sea, "ent0", "Available", "U78C9.001-P1-C6-T1", Span(1, 6)
            )
            for r in records[:1]
        )
        return self.replace_vios(vios, sea=ok(records), network=ok(net))

    @staticmethod
    def missing() -> Observed[object]:
        """Data of a VIOS that was not collected."""
        return MISSING

    def replace_vios(self, name: str, **changes: object) -> EstateBuilder:
        self.vioses[name] = replace(self.vioses[name], **changes)  # type: ignore[arg-type]
        return self

    def build(self) -> Estate:
        missing = {(self.systems[g.managed_system].serial, g.command_id) for g in self.gaps if g.managed_system}
        views = {
            (s.serial, c)
            for s in self.systems.values()
            for c in ("lssyscfg_lpar", "lshwres_scsi", "lshwres_fc", "lshwres_eth")
        }
        return Estate(
            snapshot_id="test",
            captured_at="2026-11-23T06:00:00Z",
            systems=tuple(self.systems.values()),
            vioses=tuple(self.vioses.values()),
            clients=tuple(self.clients.values()),
            paths=tuple(self.paths),
            links=tuple(self.links),
            gaps=tuple(self.gaps),
            hmc_views=frozenset(views - missing),
        )


@cache
def _shipped() -> tuple[Catalogue, Lifecycle, Likelihoods]:
    """The data files shipped with viosaudit, read once for the whole test session."""
    return load_catalogue(), load_lifecycle(), load_likelihoods()


def context(
    today: date = TODAY,
    services: Mapping[str, BusinessService] | None = None,
    *,
    catalogue: Catalogue | None = None,
    lifecycle: Lifecycle | None = None,
    likelihoods: Likelihoods | None = None,
) -> RuleContext:
    """A RuleContext for tests: the shipped data unless a test hands its own (``lifecycle=EXAMPLE``).

    ``evaluate`` builds the topology of the estate it is given."""
    shipped_catalogue, shipped_lifecycle, shipped_likelihoods = _shipped()
    return RuleContext(
        today=today,
        catalogue=catalogue or shipped_catalogue,
        lifecycle=lifecycle or shipped_lifecycle,
        likelihoods=likelihoods or shipped_likelihoods,
        services=services or {},
    )
