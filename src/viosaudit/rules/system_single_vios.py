"""system_single_vios: a managed system whose clients are all served by one VIOS."""

from __future__ import annotations

from collections.abc import Iterator

from viosaudit.model import Estate
from viosaudit.rules.base import Finding, RuleContext, RuleMeta, Severity, Subject, SubjectKind, Verdict
from viosaudit.rules.wording import maintenance_phrase, names, plural, services_phrase


def system_single_vios(estate: Estate, ctx: RuleContext, meta: RuleMeta) -> Iterator[Finding]:
    topo = ctx.topo
    for system in estate.systems:
        vioses = topo.vioses_by_serial.get(system.serial, [])
        clients = topo.clients_by_serial.get(system.serial, [])
        subject = Subject(SubjectKind.SYSTEM, system.name, system.name, system.serial)
        key = f"{meta.id}:{system.serial}"
        if not clients:
            continue
        if len(vioses) >= 2:
            yield Finding(
                key=key,
                rule_id=meta.id,
                title=f"{system.name} has {len(vioses)} VIOS",
                verdict=Verdict.PASS,
                severity=Severity.INFO,
                subject=subject,
                technical=f"VIOS on this system: {', '.join(sorted(v.name for v in vioses))}.",
                business="Redundant virtual I/O servers: maintenance can be rolling if every client is "
                "dual-pathed (checked separately per partition).",
                remediation="None.",
                evidence=(system.source, *(v.source for v in vioses)),
            )
            continue
        if not vioses:
            continue
        vios = vioses[0]
        impact = topo.reboot_impact(vios)
        affected = names(impact.outage) if impact.outage or not impact.unknown else names(impact.unknown)
        verdict = Verdict.FAIL if impact.outage else Verdict.UNKNOWN if impact.unknown else Verdict.PASS
        if verdict is Verdict.PASS:
            continue
        yield Finding(
            key=key,
            rule_id=meta.id,
            title=f"{system.name} is served by a single VIOS ({vios.name})",
            verdict=verdict,
            severity=meta.severity,
            subject=subject,
            technical=(
                f"Only one VIOS partition ({vios.name}, id {vios.key.partition_id}) on {system.name} "
                f"({system.type_model}, serial {system.serial}); {plural(len(affected), 'client')} "
                f"depend on it for storage: {', '.join(affected)}."
            ),
            business=(
                f"{meta.business_impact} {maintenance_phrase(impact, ctx.services)}"
                if verdict is Verdict.FAIL
                else f"{maintenance_phrase(impact, ctx.services)}"
            ),
            remediation=meta.remediation,
            evidence=(system.source, vios.source, *(p.source for p in topo.paths_by_vios.get(vios.key, ()))),
            affected_partitions=affected,
            outage=bool(impact.outage),
            references=meta.references,
            facts=(("services", services_phrase(affected, ctx.services)),),
        )
