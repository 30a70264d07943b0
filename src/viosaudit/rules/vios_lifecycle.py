"""vios_lifecycle: VIOS release line out of service-pack support, or within 180 days of it."""

from __future__ import annotations

from collections.abc import Iterator

from viosaudit.model import Estate
from viosaudit.rules.base import Finding, RuleContext, RuleMeta, Severity, Subject, SubjectKind, Verdict
from viosaudit.rules.lifecycle import Support, service_status

OUTCOME = {
    Support.OUT_OF_SERVICE: (Verdict.FAIL, None),
    Support.WITHIN_180_DAYS: (Verdict.FAIL, Severity.MEDIUM),
    Support.IN_SERVICE: (Verdict.PASS, Severity.INFO),
    # Our lifecycle data lacks the date: unknown, but a gap in our data, not in the estate (info).
    Support.EOSPS_UNKNOWN: (Verdict.UNKNOWN, Severity.INFO),
    Support.UNKNOWN_RELEASE: (Verdict.UNKNOWN, Severity.INFO),
}


def vios_lifecycle(estate: Estate, ctx: RuleContext, meta: RuleMeta) -> Iterator[Finding]:
    lifecycle = ctx.lifecycle
    for vios in estate.vioses:
        subject = Subject(SubjectKind.VIOS, vios.name, vios.managed_system, vios.key.serial, vios.key.partition_id)
        key = f"{meta.id}:{vios.key.serial}:{vios.key.partition_id}"
        if not vios.level.ok or vios.level.value is None:
            yield Finding(
                key=key,
                rule_id=meta.id,
                title=f"{vios.name}: service status unknown (level not collected)",
                verdict=Verdict.UNKNOWN,
                severity=Severity.LOW,
                subject=subject,
                technical=f"ioslevel not available: {vios.level.reason}.",
                business="Cannot tell whether IBM still ships fixes for this VIOS until its level is collected.",
                remediation="Collect ioslevel from this VIOS and re-run.",
                evidence=(vios.level.source or vios.source,),
            )
            continue
        status = service_status(vios.level.value, ctx.today, lifecycle)
        verdict, severity = OUTCOME[status.status]
        eosps = f" (EoSPS {status.eosps})" if status.eosps else ""
        yield Finding(
            key=key,
            rule_id=meta.id,
            title=f"{vios.name}: VIOS {status.release} {status.status.value.replace('-', ' ')}{eosps}",
            verdict=verdict,
            severity=severity or meta.severity,
            subject=subject,
            technical=f"ioslevel {vios.level.value}: release line {status.release}: {status.reason}.",
            business=meta.business_impact
            if verdict is Verdict.FAIL
            else "IBM still ships fixes for this release line."
            if verdict is Verdict.PASS
            else "The end-of-support date of this release line is not recorded in viosaudit's lifecycle data.",
            remediation=meta.remediation if verdict is Verdict.FAIL else "None.",
            evidence=(vios.level.source or vios.source,),
            references=tuple(u for u in (status.source, *meta.references) if u),
        )
