"""Snapshot -> Estate: parse every capture, join HMC and VIOS data by managed-system serial and
partition id, and turn whatever could not be collected or read into gaps ("unknown", never "fine").
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from viosaudit.commands import COMMANDS, VIOS_DATA, Command, Feeds, Role, feeding
from viosaudit.errors import HmcError, ParseError
from viosaudit.model import (
    AdapterLink,
    BackingKind,
    ClientLpar,
    Collected,
    EstateGap,
    IoPath,
    IosLevel,
    Level,
    ManagedSystem,
    ManagedSystemRecord,
    NpivStatus,
    Observed,
    PartitionEnv,
    PartitionKey,
    PartitionRecord,
    PathKind,
    Record,
    SourceRef,
    TrunkAdapter,
    Vios,
    VirtualAdapterRecord,
    VirtualEthernetRecord,
    VirtualTargetDevice,
    VscsiMapping,
    device_available,
    virtual_slot,
)
from viosaudit.model import Estate as Estate
from viosaudit.parse import parse_output
from viosaudit.parse.hmc import hmc_message
from viosaudit.snapshot import Capture, Snapshot
from viosaudit.timings import stage

PLAN_HOST = "(collection)"
PLAN_GAP = "plan"

VIOS_COMMANDS = tuple(c.id for c in COMMANDS if c.role is Role.VIOS)
SYSTEM_COMMANDS = tuple(c.id for c in COMMANDS if c.role is Role.HMC and c.per_system)
HMC_VIEWS = SYSTEM_COMMANDS  # per-system HMC captures whose reading the rules need to know about
SYSTEMS = feeding(Feeds.SYSTEMS)
PARTITIONS = feeding(Feeds.PARTITIONS)
ETH_ADAPTERS = feeding(Feeds.ETH_ADAPTERS)
ADAPTER_LINKS = {feeding(Feeds.VSCSI_ADAPTERS).id: PathKind.VSCSI, feeding(Feeds.FC_ADAPTERS).id: PathKind.NPIV}


@dataclass(frozen=True, slots=True)
class Parsed:
    """One capture and what became of it: its records, or why there are none."""

    capture: Capture
    records: tuple[Record, ...]
    error: str | None = None
    line_no: int | None = None
    changed: bool = False  # the file no longer matches the SHA-256 the manifest recorded

    def ref(self, first: int = 1, last: int | None = None) -> SourceRef:
        return SourceRef(
            capture=self.capture.file,
            first_line=first,
            last_line=last if last is not None else first,
            host=self.capture.host,
            command=self.capture.command,
        )


def parse_snapshot(snapshot: Snapshot) -> tuple[Parsed, ...]:
    """Parse every capture; a failed command, a checksum mismatch or a ParseError is kept as an error."""
    return tuple(_parse_capture(snapshot, capture) for capture in snapshot.manifest.captures)


def _parse_capture(snapshot: Snapshot, capture: Capture) -> Parsed:
    with stage("read+verify"):
        raw, problem = snapshot.read_verified(capture)  # each file read once: hashed and parsed from memory
    if raw is None:
        changed = "SHA-256" in (problem or "")
        reason = f"changed after collection: {problem}" if changed else str(problem)
        return Parsed(capture, (), error=reason, changed=changed)
    with stage("parse"):
        return _parse_raw(capture, raw)


def _parse_raw(capture: Capture, raw: bytes) -> Parsed:
    if capture.exit_status != 0:
        return Parsed(capture, (), error=_failed(capture, raw))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line_no = raw[: exc.start].count(b"\n") + 1
        return Parsed(capture, (), error=f"output is not valid UTF-8 at byte {exc.start}", line_no=line_no)
    try:
        records = parse_output(capture.command_id, text, host=capture.host, command_line=capture.command)
    except ParseError as exc:
        located = exc.located(command=capture.command, host=capture.host)
        return Parsed(capture, (), error=str(located), line_no=exc.line_no)
    return Parsed(capture, records)


def _failed(capture: Capture, raw: bytes) -> str:
    """Why a capture with a non-zero exit status is not read; the HMC's own message when it printed one."""
    reason = f"command exited with status {capture.exit_status}"
    if capture.role is Role.HMC:
        lines = list(enumerate(raw.decode("utf-8", "replace").splitlines(), start=1))
        message = hmc_message([(no, line) for no, line in lines if line.strip()])
        if message is not None:
            return str(HmcError(capture.command, capture.host, message[0], message[1])) + f" ({reason})"
    return reason


def build_estate(snapshot: Snapshot) -> Estate:
    """The estate as the snapshot shows it; every capture that could not be used becomes an EstateGap."""
    parsed = parse_snapshot(snapshot)
    with stage("assemble"):
        return assemble(snapshot, parsed)


def assemble(snapshot: Snapshot, parsed: tuple[Parsed, ...]) -> Estate:
    """Join parsed captures into the estate (split from build_estate so benchmarks can time it)."""
    gaps: list[EstateGap] = [
        EstateGap(
            host=g.host,
            command_id=g.command_id,
            reason=g.reason,
            managed_system=g.managed_system,
            partition=g.partition,
            file=g.file,
            line_no=g.line_no,
            expected=g.expected,
        )
        for g in snapshot.manifest.gaps
    ]
    for p in parsed:
        if p.error:
            gaps.append(
                EstateGap(
                    host=p.capture.host,
                    command_id=p.capture.command_id,
                    reason=p.error,
                    managed_system=p.capture.managed_system,
                    partition=p.capture.partition,
                    file=p.capture.file,
                    line_no=p.line_no,
                    status=Collected.CHANGED if p.changed else Collected.UNREADABLE,
                )
            )

    systems = _systems(parsed)
    serial_of = {s.name: s.serial for s in systems}
    partitions = _partitions(parsed, serial_of)
    gaps.extend(_unidentified(parsed, serial_of))
    vios_captures = _vios_captures(parsed)
    manifest_gaps: dict[tuple[str | None, str | None], dict[str, str]] = {}  # (system, partition) -> id -> reason
    for g in snapshot.manifest.gaps:
        manifest_gaps.setdefault((g.managed_system, g.partition), {})[g.command_id] = g.reason

    vioses: list[Vios] = []
    clients: list[ClientLpar] = []
    for (serial, _pid), (record, ref, system_name) in sorted(partitions.items()):
        key = PartitionKey(serial, record.partition_id)
        if record.env is None:
            continue  # reported by _unidentified: VIOS or client is unknown
        if record.env is PartitionEnv.VIOS:
            captures = vios_captures.get((system_name, record.partition_name), {})
            gap_reasons = manifest_gaps.get((system_name, record.partition_name), {})
            vioses.append(_vios(key, record, ref, system_name, captures, gap_reasons))
        else:
            clients.append(
                ClientLpar(
                    key=key,
                    name=record.partition_name,
                    managed_system=system_name,
                    env=record.env,
                    state=record.state,
                    os_version=record.os_version,
                    source=ref,
                )
            )

    vioses = _with_trunks(parsed, systems, vioses)
    gaps.extend(_missing(parsed, systems, vioses, snapshot))
    known = {(v.managed_system, v.name) for v in vioses}
    for (system_name, partition), captures in sorted(vios_captures.items()):
        if (system_name, partition) not in known:
            first = next(iter(captures.values())).capture
            gaps.append(
                EstateGap(
                    host=first.host,
                    command_id=PARTITIONS.id,
                    reason=f"VIOS {partition} on {system_name} was captured but no HMC partition list "
                    "names it; its data cannot be joined to a managed system",
                    managed_system=system_name,
                    partition=partition,
                )
            )

    return Estate(
        snapshot_id=snapshot.manifest.snapshot_id,
        captured_at=snapshot.manifest.created,
        systems=tuple(systems),
        vioses=tuple(vioses),
        clients=tuple(clients),
        paths=tuple(_paths(vioses)) + tuple(_network_paths(parsed, systems, vioses)),
        links=tuple(_links(parsed, systems)),
        hmc_views=frozenset((serial, p.capture.command_id) for serial, p in _per_system(parsed, systems, HMC_VIEWS)),
        gaps=tuple(gaps),
    )


def _vios(
    key: PartitionKey,
    record: PartitionRecord,
    ref: SourceRef,
    system_name: str,
    captures: dict[str, Parsed],
    gap_reasons: dict[str, str],
) -> Vios:
    fields: dict[str, Any] = {
        c.field: _observe(captures.get(c.id), gap_reasons.get(c.id)) for c in VIOS_DATA if c.field
    }
    fields["level"] = _level(fields["level"])
    return Vios(
        key=key,
        name=record.partition_name,
        managed_system=system_name,
        state=record.state,
        os_version=record.os_version,
        source=ref,
        **fields,
    )


def _level(levels: Observed[tuple[Record, ...]]) -> Observed[Level]:
    """ioslevel prints one level: the field holds that level, not a tuple of records."""
    first = levels.value[0] if levels.ok and levels.value else None
    if isinstance(first, IosLevel):
        return Observed(levels.status, first.level, levels.source)
    return Observed(levels.status, None, levels.source, levels.reason)


def _missing(
    parsed: tuple[Parsed, ...], systems: list[ManagedSystem], vioses: list[Vios], snapshot: Snapshot
) -> list[EstateGap]:
    """A capture that should be there and is not is a "not collected" gap, never a silent pass: one the
    manifest's plan named, one the estate implies (each system's HMC views, each VIOS's commands), and
    a plan the collector never finished (killed) marks the whole snapshot incomplete."""
    out = _planned_missing(snapshot)
    have = {(p.capture.managed_system, p.capture.partition, p.capture.command_id) for p in parsed}
    have |= {(s, None, c) for (s, _p, c) in have}
    noted = {(g.managed_system, g.partition, g.command_id) for g in snapshot.manifest.gaps}
    noted |= {(g.managed_system, g.partition, g.command_id) for g in out}
    noted |= {(s, None, c) for (s, _p, c) in noted}
    wanted: list[tuple[str, str | None, str, str]] = [
        (s.name, None, c, ", ".join(s.hmcs)) for s in systems for c in SYSTEM_COMMANDS
    ]
    wanted += [(v.managed_system, v.name, c, v.name) for v in vioses for c in VIOS_COMMANDS]
    for system_name, partition, command_id, host in wanted:
        key = (system_name, partition, command_id)
        if key in have or key in noted:
            continue
        out.append(
            EstateGap(
                host=host,
                command_id=command_id,
                reason="not collected: the snapshot holds no capture of this command",
                managed_system=system_name,
                partition=partition,
            )
        )
    return out


def _planned_missing(snapshot: Snapshot) -> list[EstateGap]:
    """Gaps for the planned captures that are neither captured nor explained by a gap, and for a plan
    left unfinished (the collector was killed before it could record what it did not run)."""
    manifest = snapshot.manifest
    if manifest.plan is None:  # written before plans were recorded: judged by its captures alone
        return []
    seen = {(c.host, c.command_id, c.managed_system, c.partition) for c in manifest.captures}
    seen |= {(g.host, g.command_id, g.managed_system, g.partition) for g in manifest.gaps}
    out = [
        EstateGap(
            host=target.host,
            command_id=command_id,
            reason="not collected: planned, but the snapshot holds no capture of it and no reason why",
            managed_system=target.managed_system,
            partition=target.partition,
        )
        for target in manifest.plan.targets
        for command_id in target.command_ids
        if (target.host, command_id, target.managed_system, target.partition) not in seen
    ]
    if not manifest.plan.finished:
        out.append(
            EstateGap(
                host=PLAN_HOST,
                command_id=PLAN_GAP,
                reason="the collection never finished (killed or crashed): systems and VIOS it had not yet "
                "discovered are missing from the plan itself; collect again",
                managed_system=None,
                partition=None,
            )
        )
    return out


def _systems(parsed: tuple[Parsed, ...]) -> list[ManagedSystem]:
    """Managed systems keyed by serial: several HMCs listing one system make one system."""
    by_serial: dict[str, tuple[ManagedSystemRecord, SourceRef]] = {}
    hmcs: dict[str, set[str]] = defaultdict(set)
    for p in sorted(_ok(parsed, SYSTEMS), key=lambda p: p.capture.host):
        for rec in p.records:
            assert isinstance(rec, ManagedSystemRecord)
            if rec.serial is None:
                continue  # reported by _unidentified: it cannot be joined
            hmcs[rec.serial].add(p.capture.host)
            by_serial.setdefault(rec.serial, (rec, p.ref(rec.span.first, rec.span.last)))
    return [
        ManagedSystem(
            name=rec.name,
            serial=serial,
            type_model=rec.type_model,
            state=rec.state,
            hmcs=tuple(sorted(hmcs[serial])),
            source=ref,
        )
        for serial, (rec, ref) in sorted(by_serial.items(), key=lambda item: item[1][0].name)
    ]


def _unidentified(parsed: tuple[Parsed, ...], serial_of: dict[str, str]) -> list[EstateGap]:
    """Records read whole but without what joins them: a system without serial_num, partitions without
    lpar_env (VIOS or client?). They are left out of the estate and said so, never guessed."""
    gaps: list[EstateGap] = []
    for p in _ok(parsed, SYSTEMS):
        for rec in p.records:
            if isinstance(rec, ManagedSystemRecord) and rec.serial is None:
                gaps.append(
                    _record_gap(p, rec.span.first, rec.name, None, f"serial_num was not collected for {rec.name}, "
                                "so its partitions and VIOS data cannot be joined to it")
                )  # fmt: skip
    for p in _ok(parsed, PARTITIONS):
        unknown = [r for r in p.records if isinstance(r, PartitionRecord) and r.env is None]
        if unknown and p.capture.managed_system in serial_of:
            names = ", ".join(r.partition_name for r in unknown)
            gaps.append(
                _record_gap(p, unknown[0].span.first, p.capture.managed_system, None, f"lpar_env was not collected, "
                            f"so whether these partitions are VIOS or clients is unknown; left out: {names}")
            )  # fmt: skip
    return gaps


def _record_gap(p: Parsed, line_no: int, system: str | None, partition: str | None, reason: str) -> EstateGap:
    return EstateGap(
        host=p.capture.host,
        command_id=p.capture.command_id,
        reason=f"{reason} (command: {p.capture.command})",
        managed_system=system,
        partition=partition,
        file=p.capture.file,
        line_no=line_no,
    )


def _partitions(
    parsed: tuple[Parsed, ...], serial_of: dict[str, str]
) -> dict[tuple[str, int], tuple[PartitionRecord, SourceRef, str]]:
    """Partitions keyed by (serial, partition id); the first HMC (by name) that lists a system wins."""
    out: dict[tuple[str, int], tuple[PartitionRecord, SourceRef, str]] = {}
    for p in sorted(_ok(parsed, PARTITIONS), key=lambda p: p.capture.host):
        system_name = p.capture.managed_system or ""
        serial = serial_of.get(system_name)
        if serial is None:
            continue
        for rec in p.records:
            assert isinstance(rec, PartitionRecord)
            entry = (rec, p.ref(rec.span.first, rec.span.last), system_name)
            out.setdefault((serial, rec.partition_id), entry)
    return out


def _vios_captures(parsed: tuple[Parsed, ...]) -> dict[tuple[str, str], dict[str, Parsed]]:
    out: dict[tuple[str, str], dict[str, Parsed]] = defaultdict(dict)
    for p in parsed:
        c = p.capture
        if c.command_id in VIOS_COMMANDS and c.managed_system and c.partition:
            out[(c.managed_system, c.partition)][c.command_id] = p
    return out


def _ok(parsed: tuple[Parsed, ...], command: Command) -> Iterable[Parsed]:
    return (p for p in parsed if p.capture.command_id == command.id and p.error is None)


def _observe(parsed: Parsed | None, gap_reason: str | None) -> Observed[tuple[Record, ...]]:
    if parsed is None:
        reason = gap_reason or "no capture of this command in the snapshot"
        return Observed(Collected.NOT_COLLECTED, reason=reason)
    whole = parsed.ref(1, max(1, _line_count(parsed)))
    if parsed.error:
        status = Collected.CHANGED if parsed.changed else Collected.UNREADABLE
        return Observed(status, source=whole, reason=parsed.error)
    return Observed(Collected.OK, parsed.records, whole)


def _line_count(parsed: Parsed) -> int:
    spans = [r.span.last for r in parsed.records if hasattr(r, "span")]
    return max(spans, default=1)


def _paths(vioses: list[Vios]) -> list[IoPath]:
    """Storage paths from what each VIOS says it serves (lsmap), one per backing device and per vfchost:
    the ground truth for redundancy, with what pairs a disk with the same LUN on another VIOS."""
    paths: list[IoPath] = []
    for vios in vioses:
        disks = _disk_identities(vios)
        for m in vios.vscsi.value or ():
            if m.client_partition_id is None:
                continue
            client = PartitionKey(vios.key.serial, m.client_partition_id)
            for vtd in m.devices:
                if vtd.backing_device:
                    paths.append(_vscsi_path(vios, m, vtd, client, disks))
        for n in vios.npiv.value or ():
            if n.client_partition_id is None:
                continue
            slot = virtual_slot(n.vfc_client_drc)
            port = f"client adapter C{slot}" if slot is not None else "client adapter"
            if n.vfc_client_name:
                port += f" ({n.vfc_client_name})"
            paths.append(
                IoPath(
                    kind=PathKind.NPIV,
                    client=PartitionKey(vios.key.serial, n.client_partition_id),
                    vios=vios.key,
                    server_adapter=n.server_adapter,
                    device=n.fc_port,
                    detail=f"{port}: {n.server_adapter} -> {n.fc_port or 'no FC port'} ({n.status.value})",
                    source=_span_ref(vios.npiv.source, n.span.first, n.span.last),
                    idle=None if n.fc_port else f"{n.server_adapter} is mapped to no physical FC port",
                    client_slot=slot,
                    logged_in=n.status is NpivStatus.LOGGED_IN,
                )
            )
    return paths


@dataclass(frozen=True, slots=True)
class _Disks:
    """What a VIOS knows about its disks: names (lspv or disk_reserve), PVIDs and unique ids."""

    names: frozenset[str] | None  # None: neither lspv nor disk_reserve was read
    pvid: dict[str, str]
    unique_id: dict[str, str]


def _disk_identities(vios: Vios) -> _Disks:
    pvs = (vios.pvs.value or ()) if vios.pvs.ok else ()
    attrs = (vios.disk_reserve.value or ()) if vios.disk_reserve.ok else ()
    names = frozenset({pv.disk for pv in pvs} | {d.disk for d in attrs})
    return _Disks(
        names if vios.pvs.ok or vios.disk_reserve.ok else None,
        {pv.disk: pv.pvid for pv in pvs if pv.pvid},
        {d.disk: d.unique_id for d in attrs if d.unique_id},
    )


_SSP_LU = re.compile(r"^.+\.(?P<udid>[0-9a-fA-F]{32})$")
_HDISK = re.compile(r"^hdisk\d+$")
_OPTICAL = re.compile(r"^(cd|rmt)\d+$")


def _vscsi_path(
    vios: Vios, m: VscsiMapping, vtd: VirtualTargetDevice, client: PartitionKey, disks: _Disks
) -> IoPath:
    device = vtd.backing_device or ""
    backing, unconfirmed = _backing_kind(vtd, device, disks)
    ssp = _SSP_LU.match(device)
    unique_id = f"ssp:{ssp['udid'].lower()}" if backing is BackingKind.SSP_LU and ssp else disks.unique_id.get(device)
    idle = None
    if not device_available(vtd.status):
        idle = f"{vtd.vtd} is {vtd.status}, not Available"
    return IoPath(
        kind=PathKind.VSCSI,
        client=client,
        vios=vios.key,
        server_adapter=m.server_adapter,
        device=device,
        detail=f"{m.server_adapter} ({m.physloc}) {vtd.vtd} LUN {vtd.lun or '?'}: {device} ({backing.value})",
        source=_span_ref(vios.vscsi.source, vtd.span.first, vtd.span.last),
        idle=idle,
        unconfirmed=unconfirmed,
        backing=backing,
        lun=vtd.lun,
        unique_id=unique_id,
        pvid=disks.pvid.get(device) if backing is BackingKind.DISK else None,
    )


def _backing_kind(vtd: VirtualTargetDevice, device: str, disks: _Disks) -> tuple[BackingKind, str | None]:
    """What backs a VTD, and why that is not certain (None when it is).

    lspv (or disk_reserve) lists every disk of the VIOS: a backing device it does not list is a logical
    volume. Without either, a name like ``hdisk5`` or a LUN location code still says "disk"; anything
    else is probably a logical volume, but only probably.
    """
    if vtd.vtd.startswith(("vtopt", "vttape")) or _OPTICAL.match(device):
        return BackingKind.OPTICAL, None
    if device.startswith("/"):
        return BackingKind.FILE, None
    if _SSP_LU.match(device) and not vtd.physloc:
        return BackingKind.SSP_LU, None
    if _HDISK.match(device) or (disks.names is not None and device in disks.names):
        return BackingKind.DISK, None
    if disks.names is not None:
        return BackingKind.LOGICAL_VOLUME, None
    if vtd.physloc:
        return BackingKind.DISK, None
    return BackingKind.LOGICAL_VOLUME, f"{device} is probably a logical volume (lspv not collected to confirm)"


def _per_system(
    parsed: tuple[Parsed, ...], systems: list[ManagedSystem], command_ids: tuple[str, ...]
) -> Iterator[tuple[str, Parsed]]:
    """(serial, capture) for each system and HMC command: the first HMC (by name) whose copy was read.

    Several HMCs may list one system; it counts once, and a failed copy on one HMC does not hide a good
    copy on another.
    """
    serial_of = {s.name: s.serial for s in systems}
    chosen: dict[tuple[str, str], Parsed] = {}
    for p in sorted(parsed, key=lambda p: p.capture.host):
        c = p.capture
        if c.command_id in command_ids and p.error is None and c.managed_system in serial_of:
            chosen.setdefault((c.managed_system, c.command_id), p)
    for (system_name, _command_id), p in chosen.items():
        yield serial_of[system_name], p


def _network_paths(
    parsed: tuple[Parsed, ...], systems: list[ManagedSystem], vioses: list[Vios]
) -> list[IoPath]:
    """Client VLANs bridged to the outside by a VIOS trunk adapter, one path per VLAN and trunk.

    From ``lshwres --rsubtype eth``: a client adapter's VLANs on a virtual switch reach the network
    through each VIOS whose trunk adapter carries that VLAN on the same switch. The VIOS's own
    ``lsmap -all -net`` says whether that trunk adapter belongs to a SEA (one that does not bridges
    nothing); where it was not read, the path is unconfirmed.
    """
    by_key = {v.key: v for v in vioses}
    paths: list[IoPath] = []
    for serial, p in _per_system(parsed, systems, (ETH_ADAPTERS.id,)):
        records = [r for r in p.records if isinstance(r, VirtualEthernetRecord)]
        trunks: dict[tuple[str | None, int], list[VirtualEthernetRecord]] = defaultdict(list)
        for r in records:
            if r.is_trunk and PartitionKey(serial, r.partition_id) in by_key:
                for vlan in _vlans(r):
                    trunks[(r.vswitch, vlan)].append(r)
        for r in records:
            if PartitionKey(serial, r.partition_id) in by_key:
                continue
            for vlan in _vlans(r):
                for t in trunks.get((r.vswitch, vlan), []):
                    vios = by_key[PartitionKey(serial, t.partition_id)]
                    idle, unconfirmed = _bridging(vios, t.slot)
                    paths.append(
                        IoPath(
                            kind=PathKind.NETWORK,
                            client=PartitionKey(serial, r.partition_id),
                            vios=vios.key,
                            server_adapter=f"C{t.slot}",
                            device=f"VLAN {vlan}",
                            detail=f"VLAN {vlan} on {r.vswitch or 'default switch'} bridged by trunk adapter "
                            f"slot {t.slot} (priority {t.trunk_priority})",
                            source=p.ref(r.span.first, r.span.last),
                            idle=idle,
                            unconfirmed=unconfirmed,
                            vlan=vlan,
                            vswitch=r.vswitch,
                        )
                    )
    return paths


def _bridging(vios: Vios, slot: int) -> tuple[str | None, str | None]:
    """(idle, unconfirmed) for a trunk adapter in ``slot``: is it the virtual side of a SEA?"""
    if not vios.network.ok:
        why = f"lsmap -all -net of {vios.name} {vios.network.status.value}"
        return None, f"{why}: its trunk adapter in slot {slot} is not confirmed to belong to a SEA"
    for m in vios.network.value or ():
        if virtual_slot(m.physloc) == slot:
            if not m.sea:
                return f"trunk adapter {m.virtual_adapter} (slot {slot}) is in no SEA", None
            if not device_available(m.status):
                return f"SEA {m.sea} is {m.status}, not Available", None
            return None, None
    return f"lsmap -all -net of {vios.name} lists no adapter in slot {slot}", None


def _vlans(r: VirtualEthernetRecord) -> tuple[int, ...]:
    """The VLANs an adapter carries, once each (its port VLAN id is unknown when the capture lacks it)."""
    return tuple(dict.fromkeys(v for v in (r.port_vlan_id, *r.addl_vlan_ids) if v is not None))


def _with_trunks(parsed: tuple[Parsed, ...], systems: list[ManagedSystem], vioses: list[Vios]) -> list[Vios]:
    """Each VIOS's trunk adapters, from the owning HMC's lshwres eth (a SEA's virtual side)."""
    trunks: dict[PartitionKey, list[TrunkAdapter]] = defaultdict(list)
    for serial, p in _per_system(parsed, systems, (ETH_ADAPTERS.id,)):
        for r in p.records:
            if isinstance(r, VirtualEthernetRecord) and r.is_trunk:
                trunks[PartitionKey(serial, r.partition_id)].append(
                    TrunkAdapter(
                        slot=r.slot,
                        vlans=_vlans(r),
                        vswitch=r.vswitch,
                        priority=r.trunk_priority,
                        source=p.ref(r.span.first, r.span.last),
                    )
                )
    return [replace(v, trunks=tuple(trunks.get(v.key, ()))) for v in vioses]


def _span_ref(src: SourceRef | None, first: int, last: int) -> SourceRef:
    assert src is not None
    return SourceRef(src.capture, first, last, src.host, src.command)


def _links(parsed: tuple[Parsed, ...], systems: list[ManagedSystem]) -> list[AdapterLink]:
    """Client adapters and the VIOS they point at, as the HMC profile shows them."""
    links: list[AdapterLink] = []
    for serial, p in _per_system(parsed, systems, tuple(ADAPTER_LINKS)):
        for rec in p.records:
            if not isinstance(rec, VirtualAdapterRecord) or rec.adapter_type != "client":
                continue
            if rec.remote_partition_id is None:
                continue
            links.append(
                AdapterLink(
                    kind=ADAPTER_LINKS[p.capture.command_id],
                    client=PartitionKey(serial, rec.partition_id),
                    vios=PartitionKey(serial, rec.remote_partition_id),
                    client_slot=rec.slot,
                    vios_slot=rec.remote_slot,
                    source=p.ref(rec.span.first, rec.span.last),
                )
            )
    return links
