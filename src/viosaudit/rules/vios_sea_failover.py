"""vios_sea_failover: a Shared Ethernet Adapter without failover where a partner VIOS bridges the same VLANs.

Reads each SEA's ``ha_mode`` and ``ctl_chan`` (``sea_attrs``, as root). ``ha_mode=auto``, ``sharing``
or ``standby`` is a failover (or load-sharing) pair: PASS, provided it has a control channel, or the
VIOS is at 2.2.3.0 or later, where IBM's SEA simplification lets the pair find each other over the
reserved VLAN 4095 without one (IBM also requires system firmware 7.8, which is not collected here).
``ha_mode=disabled`` on a dual-VIOS system whose other VIOS bridges the same client VLANs (HMC trunk
adapters) is a FAIL: the VLAN has two bridges that do not coordinate, no failover. A single VIOS has
no partner: no finding here (system_single_vios covers it). Where the attributes were not collected,
UNKNOWN only for a VIOS with SEA trunk adapters on the HMC.
"""

from __future__ import annotations

from collections.abc import Iterator

from viosaudit.model import Estate, Level, PathKind, SeaAttributes, SourceRef, Vios
from viosaudit.rules.base import Finding, RuleContext, RuleMeta, Severity, Subject, SubjectKind, Verdict
from viosaudit.rules.topology import Topology
from viosaudit.rules.wording import services_phrase

HA_MODES = frozenset({"auto", "sharing", "standby"})
NO_CONTROL_CHANNEL_FROM = Level.parse("2.2.3.0")  # IBM: SEA simplification, VIOS 2.2.3.0 and later


def vios_sea_failover(estate: Estate, ctx: RuleContext, meta: RuleMeta) -> Iterator[Finding]:
    topo = ctx.topo
    names = {c.key: c.name for c in estate.clients}
    for vios in estate.vioses:
        subject = Subject(SubjectKind.VIOS, vios.name, vios.managed_system, vios.key.serial, vios.key.partition_id)
        key = f"{meta.id}:{vios.key.serial}:{vios.key.partition_id}"
        network = [p for p in topo.paths_by_vios.get(vios.key, ()) if p.kind is PathKind.NETWORK]
        clients = sorted({names[p.client] for p in network if p.client in names})
        if not vios.sea.ok:
            if vios.trunk_priority is None:
                continue
            yield Finding(
                key=key,
                rule_id=meta.id,
                title=f"{vios.name}: cannot tell: SEA failover attributes not collected",
                verdict=Verdict.UNKNOWN,
                severity=meta.severity,
                subject=subject,
                technical=f"The HMC shows SEA trunk adapters on {vios.name} (priority {vios.trunk_priority}); "
                f"its SEA attributes (ha_mode, ctl_chan) are {vios.sea.status.value}: "
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
        partners = _partners(vios, topo)
        fails: list[str] = []
        unknown: list[str] = []
        passes: list[str] = []
        judged: list[SeaAttributes] = []
        for sea in vios.sea.value or ():
            mode = sea.ha_mode or "missing"
            if mode not in HA_MODES:
                if partners:
                    judged.append(sea)
                    fails.append(
                        f"{sea.sea} ha_mode={mode} while {', '.join(partners)} bridges the same VLANs"
                    )
                continue  # no partner bridging these VLANs: nothing to fail over to
            judged.append(sea)
            if sea.ctl_chan:
                passes.append(f"{sea.sea} ha_mode={mode}, control channel {sea.ctl_chan}")
            elif not vios.level.ok or vios.level.value is None:
                unknown.append(f"{sea.sea} ha_mode={mode} without control channel; VIOS level unknown")
            elif vios.level.value >= NO_CONTROL_CHANNEL_FROM:
                passes.append(
                    f"{sea.sea} ha_mode={mode} without control channel (partner discovery over VLAN 4095, "
                    f"VIOS {vios.level.value} >= 2.2.3.0; also needs system firmware 7.8 or later, not checked)"
                )
            else:
                fails.append(
                    f"{sea.sea} ha_mode={mode} without control channel on VIOS {vios.level.value} "
                    "(below 2.2.3.0 a control channel is required)"
                )
        if not judged:
            continue
        verdict = Verdict.FAIL if fails else Verdict.UNKNOWN if unknown else Verdict.PASS
        title = {
            Verdict.FAIL: f"{vios.name}: SEA without failover",
            Verdict.UNKNOWN: f"{vios.name}: SEA failover not confirmed",
            Verdict.PASS: f"{vios.name}: SEA failover configured",
        }[verdict]
        business = {
            Verdict.FAIL: f"{meta.business_impact} Service: {services_phrase(clients, ctx.services)}.",
            Verdict.UNKNOWN: "Cannot confirm that the network of these partitions survives maintenance of this VIOS.",
            Verdict.PASS: "The partner VIOS takes over the bridged VLANs while this one is maintained.",
        }[verdict]
        yield Finding(
            key=key,
            rule_id=meta.id,
            title=title,
            verdict=verdict,
            severity=meta.severity if verdict is not Verdict.PASS else Severity.INFO,
            subject=subject,
            technical=f"On {vios.name}: " + "; ".join(fails + unknown + passes) + ".",
            business=business,
            remediation=meta.remediation if verdict is not Verdict.PASS else "None.",
            evidence=tuple(_ref(vios, s) for s in judged) + tuple(p.source for p in network[:1]),
            affected_partitions=tuple(clients) if verdict is not Verdict.PASS else (),
            references=meta.references,
        )


def _partners(vios: Vios, topo: Topology) -> list[str]:
    """Other VIOS of the same system whose trunk adapters bridge a client VLAN this VIOS bridges too."""
    mine = {(p.client, p.devices) for p in topo.paths_by_vios.get(vios.key, ()) if p.kind is PathKind.NETWORK}
    out = []
    for other in topo.vioses_by_serial.get(vios.key.serial, []):
        if other.key == vios.key:
            continue
        theirs = {(p.client, p.devices) for p in topo.paths_by_vios.get(other.key, ()) if p.kind is PathKind.NETWORK}
        if mine & theirs:
            out.append(other.name)
    return sorted(out)


def _ref(vios: Vios, sea: SeaAttributes) -> SourceRef:
    src = vios.sea.source
    assert src is not None
    return SourceRef(src.capture, sea.span.first, sea.span.last, src.host, src.command)
