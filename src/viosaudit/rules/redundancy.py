"""Shared judgement for the per-client redundancy rules (storage, network): one VIOS carries it all?"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from viosaudit.model import Estate, PathKind
from viosaudit.rules.base import Finding, RuleContext, RuleMeta, Severity, Subject, SubjectKind, Verdict
from viosaudit.rules.wording import services_phrase


def client_redundancy(
    estate: Estate,
    ctx: RuleContext,
    meta: RuleMeta,
    kinds: tuple[PathKind, ...],
    words: Mapping[PathKind, str],
) -> Iterator[Finding]:
    """FAIL when a kind of I/O runs through one VIOS only, UNKNOWN when a VIOS that might also carry
    it was not collected, PASS when two VIOS carry it. Single-VIOS systems are left to
    system_single_vios, so one root cause gives one finding."""
    topo = ctx.topo
    for client in estate.clients:
        if len(topo.vioses_by_serial.get(client.key.serial, [])) < 2:
            continue
        statuses = [topo.path_status(client, kind) for kind in kinds]
        single = [f"all {words[s.kind]} through {s.via[0]} only" for s in statuses if s.state == "single"]
        doubtful = [
            f"{words[s.kind]}: data of {', '.join(s.missing)} not collected"
            for s in statuses
            if s.state == "unknown"
        ]
        redundant = [f"{words[s.kind]} through {' and '.join(s.via)}" for s in statuses if s.state == "redundant"]
        if not (single or doubtful or redundant):
            continue  # this client does not use this kind of virtual I/O
        verdict = Verdict.FAIL if single else Verdict.UNKNOWN if doubtful else Verdict.PASS
        service = services_phrase([client.name], ctx.services)
        title = {
            Verdict.FAIL: f"{client.name}: {single[0] if single else ''}",
            Verdict.UNKNOWN: f"{client.name}: redundancy of {', '.join(words[k] for k in kinds)} not confirmed",
            Verdict.PASS: f"{client.name}: {', '.join(words[k] for k in kinds)} redundant across two VIOS",
        }[verdict]
        business = {
            Verdict.FAIL: f"{meta.business_impact} Service: {service}.",
            Verdict.UNKNOWN: f"Cannot confirm that VIOS maintenance leaves {client.name} running "
            f"(data missing). Service: {service}.",
            Verdict.PASS: "Keeps running while either VIOS is patched.",
        }[verdict]
        yield Finding(
            key=f"{meta.id}:{client.key.serial}:{client.key.partition_id}",
            rule_id=meta.id,
            title=title,
            verdict=verdict,
            severity=meta.severity if verdict is not Verdict.PASS else Severity.INFO,
            subject=Subject(
                SubjectKind.LPAR, client.name, client.managed_system, client.key.serial, client.key.partition_id
            ),
            technical=f"{client.name} (id {client.key.partition_id}) on {client.managed_system}: "
            + "; ".join(single + doubtful + redundant)
            + ".",
            business=business,
            remediation=meta.remediation if verdict is not Verdict.PASS else "None.",
            evidence=(
                client.source,
                *(p.source for p in topo.paths_by_client.get(client.key, ()) if p.kind in kinds),
            ),
            affected_partitions=(client.name,),
            outage=verdict is Verdict.FAIL,
            references=meta.references,
        )
