"""Shared judgement for the per-client redundancy rules (storage, network): every disk, the NPIV ports
and every VLAN of the client must have a working path through two running VIOS."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from viosaudit.model import ClientLpar, Estate, PathKind
from viosaudit.rules.base import Finding, RuleContext, RuleMeta, Severity, Subject, SubjectKind, Verdict
from viosaudit.rules.topology import Pairing, Redundancy, Topology, UnitStatus
from viosaudit.rules.wording import services_phrase

FAILING = (Redundancy.SINGLE, Redundancy.NONE)


def client_redundancy(
    estate: Estate,
    ctx: RuleContext,
    meta: RuleMeta,
    kinds: tuple[PathKind, ...],
    words: Mapping[PathKind, str],
) -> Iterator[Finding]:
    """FAIL when any unit (disk, NPIV ports, VLAN) has one working path or none, UNKNOWN when the data
    to decide is missing, PASS when every unit has working paths through two running VIOS.

    Systems with one VIOS, or with one VIOS running and the others known to be down, are left to
    system_single_vios, so one root cause gives one finding.
    """
    topo = ctx.topo
    for client in estate.clients:
        if not _judged_per_client(topo, client.key.serial):
            continue
        statuses = [s for kind in kinds for s in topo.unit_statuses(client, kind)]
        judged = [s for s in statuses if s.state is not Redundancy.UNUSED]
        unused = [s for s in statuses if s.state is Redundancy.UNUSED]
        if not judged:
            continue  # this client does not use this kind of virtual I/O
        single = [s for s in judged if s.state in FAILING]
        doubtful = [s for s in judged if s.state is Redundancy.UNKNOWN]
        redundant = [s for s in judged if s.state is Redundancy.REDUNDANT]
        verdict = Verdict.FAIL if single else Verdict.UNKNOWN if doubtful else Verdict.PASS
        shown = {Verdict.FAIL: single, Verdict.UNKNOWN: doubtful, Verdict.PASS: redundant}[verdict]
        yield Finding(
            key=f"{meta.id}:{client.key.serial}:{client.key.partition_id}",
            rule_id=meta.id,
            title=_title(client, verdict, shown, kinds, words),
            verdict=verdict,
            severity=meta.severity if verdict is not Verdict.PASS else Severity.INFO,
            subject=Subject(
                SubjectKind.LPAR, client.name, client.managed_system, client.key.serial, client.key.partition_id
            ),
            technical=_technical(client, single + doubtful + redundant, unused),
            business=_business(client, verdict, meta, ctx),
            remediation=meta.remediation if verdict is not Verdict.PASS else "None.",
            evidence=(client.source, *(p.source for s in shown for p in s.unit.paths)),
            affected_partitions=(client.name,),
            outage=verdict is Verdict.FAIL and client.active is not False,
            references=meta.references,
        )


def _judged_per_client(topo: Topology, serial: str) -> bool:
    """Per-client redundancy is judged where two VIOS are configured and not known to be one running."""
    running, _stopped, unknown = topo.serving_vioses(serial)
    return len(topo.vioses_by_serial.get(serial, [])) >= 2 and len(running) + len(unknown) >= 2


def _title(
    client: ClientLpar,
    verdict: Verdict,
    shown: list[UnitStatus],
    kinds: tuple[PathKind, ...],
    words: Mapping[PathKind, str],
) -> str:
    what = ", ".join(words[k] for k in kinds)
    if verdict is Verdict.PASS:
        return f"{client.name}: {what} redundant across two running VIOS"
    if verdict is Verdict.UNKNOWN:
        return f"{client.name}: redundancy of {what} not confirmed"
    first = shown[0]
    where = f"through {first.via[0]} only" if first.via else "no working path"
    more = f" (+{len(shown) - 1} more)" if len(shown) > 1 else ""
    return f"{client.name}: {first.unit.label}: {where}{more}"[:150]


def _technical(client: ClientLpar, statuses: list[UnitStatus], unused: list[UnitStatus]) -> str:
    state = "" if client.active is not False else f" ({client.state}: judged on its configuration)"
    pairings = sorted({s.unit.pairing.value for s in statuses if s.unit.pairing and s.unit.pairing in _SHOWN})
    paired = f" vSCSI disks paired across VIOS by {', '.join(pairings)}." if pairings else ""
    text = f"{client.name} (id {client.key.partition_id}) on {client.managed_system}{state}: "
    text += "; ".join(s.text for s in statuses) + "." + paired
    if unused:
        text += " Not judged (carry no I/O): " + "; ".join(s.text for s in unused) + "."
    return text


_SHOWN = (Pairing.UNIQUE_ID, Pairing.PVID, Pairing.LUN_ADDRESS)


def _business(client: ClientLpar, verdict: Verdict, meta: RuleMeta, ctx: RuleContext) -> str:
    service = services_phrase([client.name], ctx.services)
    if verdict is Verdict.PASS:
        return "Keeps running while either VIOS is patched."
    if verdict is Verdict.UNKNOWN:
        return f"Cannot confirm that VIOS maintenance leaves {client.name} running (data missing). Service: {service}."
    if client.active is False:
        return (
            f"Not running now ({client.state}); once started, routine VIOS maintenance would interrupt it. "
            f"Service: {service}."
        )
    return f"{meta.business_impact} Service: {service}."
