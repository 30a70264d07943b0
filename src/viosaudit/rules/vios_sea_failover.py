"""vios_sea_failover: a Shared Ethernet Adapter without failover where a partner VIOS bridges the same VLANs.

Judged per SEA, on the VLANs it bridges. A SEA's VLANs are those of its trunk adapters (HMC ``lshwres
eth``), and its trunk adapters are the virtual adapters ``lsmap -all -net`` lists under it (by slot);
without that listing, a VIOS with one SEA bridges all its trunk adapters, and one with several SEAs
cannot be told apart (unknown). A partner is another VIOS of the same system whose trunk adapters
carry one of those VLANs on the same virtual switch: a SEA bridging VLAN 300 alone has no partner
because the other VIOS bridges other VLANs.

``ha_mode=auto``, ``sharing`` or ``standby`` is a failover (or load-sharing) pair: PASS, provided it
has a control channel, or the VIOS is at 2.2.3.0 or later, where IBM's SEA simplification lets the
pair find each other over the reserved VLAN 4095 without one (IBM also requires system firmware 7.8,
which is not collected here). ``ha_mode=disabled`` (or no ha_mode) next to a partner is a FAIL: the
VLANs have two bridges that do not coordinate, no failover. No partner: no finding (system_single_vios
and lpar_single_path_network cover a VLAN bridged once). Where the attributes were not collected,
UNKNOWN only for a VIOS with SEA trunk adapters on the HMC. The affected clients are those with an
adapter on the SEA's VLANs, not every client of the system.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from viosaudit.model import Estate, Level, PathKind, SeaAttributes, SourceRef, Vios, virtual_slot
from viosaudit.rules.base import Finding, RuleContext, RuleMeta, Severity, Subject, SubjectKind, Verdict
from viosaudit.rules.topology import Topology
from viosaudit.rules.wording import services_phrase

HA_MODES = frozenset({"auto", "sharing", "standby"})
NO_CONTROL_CHANNEL_FROM = Level.parse("2.2.3.0")  # IBM: SEA simplification, VIOS 2.2.3.0 and later

VlanKey = tuple[str | None, int]  # (virtual switch, VLAN id)


@dataclass(frozen=True, slots=True)
class _Sea:
    """One SEA with the trunk slots and VLANs it bridges (None: cannot be told from the data)."""

    attrs: SeaAttributes
    slots: frozenset[int] | None
    vlans: frozenset[VlanKey] | None


def vios_sea_failover(estate: Estate, ctx: RuleContext, meta: RuleMeta) -> Iterator[Finding]:
    topo = ctx.topo
    names = {c.key: c.name for c in estate.clients}
    for vios in estate.vioses:
        subject = Subject(SubjectKind.VIOS, vios.name, vios.managed_system, vios.key.serial, vios.key.partition_id)
        key = f"{meta.id}:{vios.key.serial}:{vios.key.partition_id}"
        network = [p for p in topo.paths_by_vios.get(vios.key, ()) if p.kind is PathKind.NETWORK]
        trunks_known = topo.collected(vios, PathKind.NETWORK)
        if not vios.sea.ok:
            if trunks_known and not vios.trunks:
                continue
            clients = sorted({names[p.client] for p in network if p.client in names})
            yield Finding(
                key=key,
                rule_id=meta.id,
                title=f"{vios.name}: cannot tell: SEA failover attributes not collected",
                verdict=Verdict.UNKNOWN,
                severity=meta.severity,
                subject=subject,
                technical=(
                    f"The HMC shows SEA trunk adapters on {vios.name} (priority {vios.trunk_priority}); "
                    if trunks_known
                    else f"The HMC's virtual ethernet adapters of {vios.managed_system} were not read; "
                )
                + f"its SEA attributes (ha_mode, ctl_chan) are {vios.sea.status.value}: "
                f"{vios.sea.reason or 'no reason recorded'}.",
                business="Cannot confirm that the network of these partitions survives maintenance of this VIOS "
                f"(data missing). Service: {services_phrase(clients, ctx.services)}.",
                remediation="Collect the sea_attrs command on this VIOS (reach it directly as padmin, or run "
                "the offline capture script as root).",
                evidence=(vios.sea.source,) if vios.sea.source else (vios.source,),
                affected_partitions=tuple(clients),
                references=meta.references,
            )
            continue
        fails: list[str] = []
        unknown: list[str] = []
        passes: list[str] = []
        alone: list[str] = []
        judged: list[_Sea] = []
        by_verdict: dict[Verdict, list[_Sea]] = {Verdict.FAIL: [], Verdict.UNKNOWN: [], Verdict.PASS: []}
        failing: list[str] = []  # the SEAs to change
        for sea in _seas(vios, trunks_known):
            partners = _partners(vios, sea, topo)
            verdict, text = _judge(vios, sea, partners)
            if verdict is None:
                alone.append(text)  # no partner bridging these VLANs: nothing to fail over to
                continue
            judged.append(sea)
            by_verdict[verdict].append(sea)
            {Verdict.FAIL: fails, Verdict.UNKNOWN: unknown, Verdict.PASS: passes}[verdict].append(text)
            if verdict is Verdict.FAIL:
                failing.append(sea.attrs.sea)
        if not judged:
            continue
        verdict = Verdict.FAIL if fails else Verdict.UNKNOWN if unknown else Verdict.PASS
        clients = sorted(  # only the clients on the VLANs of the SEAs that decide the verdict
            {
                names[p.client]
                for p in network
                if p.client in names and any(_carries(sea, p.vswitch, p.vlan) for sea in by_verdict[verdict])
            }
        )
        yield Finding(
            key=key,
            rule_id=meta.id,
            title={
                Verdict.FAIL: f"{vios.name}: SEA without failover",
                Verdict.UNKNOWN: f"{vios.name}: SEA failover not confirmed",
                Verdict.PASS: f"{vios.name}: SEA failover configured",
            }[verdict],
            verdict=verdict,
            severity=meta.severity if verdict is not Verdict.PASS else Severity.INFO,
            subject=subject,
            technical=f"On {vios.name}: " + "; ".join(fails + unknown + passes + alone) + ".",
            business={
                Verdict.FAIL: f"{meta.business_impact} Service: {services_phrase(clients, ctx.services)}.",
                Verdict.UNKNOWN: "Cannot confirm that the network of these partitions survives maintenance of "
                "this VIOS.",
                Verdict.PASS: "The partner VIOS takes over the bridged VLANs while this one is maintained.",
            }[verdict],
            remediation=_remediation(vios, failing, meta) if verdict is not Verdict.PASS else "None.",
            evidence=tuple(_ref(vios, s.attrs) for s in judged)
            + tuple(t.source for t in vios.trunks if any(s.slots and t.slot in s.slots for s in judged)),
            affected_partitions=tuple(clients) if verdict is not Verdict.PASS else (),
            references=meta.references,
        )


def _remediation(vios: Vios, failing: list[str], meta: RuleMeta) -> str:
    """The rule's remediation, led by the commands for the SEAs of this VIOS that fail."""
    if not failing:
        return meta.remediation
    change = ", ".join(f"`chdev -dev {sea} -attr ha_mode=auto`" for sea in failing)
    check = ", ".join(f"`entstat -all {sea} | grep -i state`" for sea in failing)
    return f"On {vios.name}: {change}; check with {check}. {meta.remediation}"


def _seas(vios: Vios, trunks_known: bool) -> list[_Sea]:
    """Each SEA of the VIOS with its trunk slots (lsmap -all -net, else the only SEA takes them all) and
    the VLANs they carry (unknown without the HMC's virtual ethernet view)."""
    records = list(vios.sea.value or ())
    by_slot = {t.slot: t for t in vios.trunks}
    out = []
    for attrs in records:
        slots: frozenset[int] | None
        if vios.network.ok:
            slots = frozenset(
                s for m in vios.network.value or () if m.sea == attrs.sea and (s := virtual_slot(m.physloc)) is not None
            )
        elif len(records) == 1:
            slots = frozenset(by_slot)
        else:
            slots = None
        vlans = (
            None
            if slots is None or not trunks_known
            else frozenset((by_slot[s].vswitch, vlan) for s in slots if s in by_slot for vlan in by_slot[s].vlans)
        )
        out.append(_Sea(attrs, slots, vlans))
    return out


def _partners(vios: Vios, sea: _Sea, topo: Topology) -> list[str] | None:
    """Other VIOS of the system whose trunk adapters carry one of this SEA's VLANs (None: unknown)."""
    if sea.vlans is None:
        return None
    out = []
    for other in topo.vioses_by_serial.get(vios.key.serial, []):
        if other.key == vios.key:
            continue
        theirs = {(t.vswitch, vlan) for t in other.trunks for vlan in t.vlans}
        shared = sorted(vlan for _switch, vlan in sea.vlans & theirs)
        if shared:
            out.append(f"{other.name} (VLAN {', '.join(map(str, shared))})")
    return sorted(out)


def _judge(vios: Vios, sea: _Sea, partners: list[str] | None) -> tuple[Verdict | None, str]:
    attrs = sea.attrs
    mode = attrs.ha_mode or "missing"
    if mode not in HA_MODES:
        if partners is None:
            return Verdict.UNKNOWN, (
                f"{attrs.sea} ha_mode={mode}; the VLANs it bridges cannot be told (lsmap -all -net or the "
                "HMC's virtual ethernet view not collected), so whether another VIOS bridges them is unknown"
            )
        if not partners:
            vlans = ", ".join(str(v) for v in sorted(vlan for _switch, vlan in sea.vlans or ())) or "none"
            return None, f"{attrs.sea} ha_mode={mode} bridges VLAN {vlans}, which no other VIOS bridges (no partner)"
        return Verdict.FAIL, f"{attrs.sea} ha_mode={mode} while {', '.join(partners)} bridges the same VLANs"
    if attrs.ctl_chan:
        return Verdict.PASS, f"{attrs.sea} ha_mode={mode}, control channel {attrs.ctl_chan}"
    if not vios.level.ok or vios.level.value is None:
        return Verdict.UNKNOWN, f"{attrs.sea} ha_mode={mode} without control channel; VIOS level unknown"
    if vios.level.value >= NO_CONTROL_CHANNEL_FROM:
        return Verdict.PASS, (
            f"{attrs.sea} ha_mode={mode} without control channel (partner discovery over VLAN 4095, "
            f"VIOS {vios.level.value} >= 2.2.3.0; also needs system firmware 7.8 or later, not checked)"
        )
    return Verdict.FAIL, (
        f"{attrs.sea} ha_mode={mode} without control channel on VIOS {vios.level.value} "
        "(below 2.2.3.0 a control channel is required)"
    )


def _carries(sea: _Sea, vswitch: str | None, vlan: int | None) -> bool:
    return sea.vlans is None or (vlan is not None and (vswitch, vlan) in sea.vlans)


def _ref(vios: Vios, sea: SeaAttributes) -> SourceRef:
    src = vios.sea.source
    assert src is not None
    return SourceRef(src.capture, sea.span.first, sea.span.last, src.host, src.command)
