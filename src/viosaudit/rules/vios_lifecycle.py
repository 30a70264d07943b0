"""vios_lifecycle: a VIOS on a release line out of IBM fix support, or within 180 days of it.

Dates come from the lifecycle data (IBM's table, its wording, "estimated" kept); a line older than the
table is out of fix support with no invented date; only a line no source covers is unknown.
"""

from __future__ import annotations

from collections.abc import Iterator

from viosaudit.model import Estate
from viosaudit.rules.base import Finding, RuleContext, RuleMeta, Severity, Subject, SubjectKind, Verdict
from viosaudit.rules.lifecycle import Support, service_status

OUTCOME = {
    Support.OUT_OF_SERVICE: (Verdict.FAIL, None),
    Support.WITHIN_180_DAYS: (Verdict.FAIL, Severity.MEDIUM),  # a warning with the date: plan the upgrade
    Support.IN_SERVICE: (Verdict.PASS, Severity.INFO),
    # No source gives the date: unknown, but a gap in our data, not in the estate (info).
    Support.EOFS_UNKNOWN: (Verdict.UNKNOWN, Severity.INFO),
    Support.UNKNOWN_RELEASE: (Verdict.UNKNOWN, Severity.INFO),
}

TITLE = {
    Support.OUT_OF_SERVICE: "out of fix support since",
    Support.WITHIN_180_DAYS: "leaves fix support on",
    Support.IN_SERVICE: "in fix support",
    Support.EOFS_UNKNOWN: "end of fix support not published",
    Support.UNKNOWN_RELEASE: "release line unknown to the lifecycle data",
}

BUSINESS = {
    Verdict.PASS: "IBM still builds fixes for this release line.",
    Verdict.UNKNOWN: "When IBM stops building fixes for this release line is not recorded in the lifecycle data.",
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
                title=f"{vios.name}: fix support unknown (level not collected)",
                verdict=Verdict.UNKNOWN,
                severity=Severity.LOW,
                subject=subject,
                technical=f"ioslevel not available: {vios.level.reason}.",
                business="Cannot tell whether IBM still builds fixes for this VIOS until its level is collected.",
                remediation="Collect ioslevel from this VIOS and re-run.",
                evidence=(vios.level.source or vios.source,),
            )
            continue
        status = service_status(vios.level.value, ctx.today, lifecycle)
        verdict, severity = OUTCOME[status.status]
        title = f"{vios.name}: VIOS {status.release} {TITLE[status.status]}"
        yield Finding(
            key=key,
            rule_id=meta.id,
            title=f"{title} {status.eofs_text}" if verdict is Verdict.FAIL else title,
            verdict=verdict,
            severity=severity or meta.severity,
            subject=subject,
            technical=f"ioslevel {vios.level.value}: release line {status.release}: {status.reason}.",
            business=meta.business_impact if verdict is Verdict.FAIL else BUSINESS[verdict],
            remediation=meta.remediation if verdict is Verdict.FAIL else "None.",
            evidence=(vios.level.source or vios.source,),
            references=tuple(u for u in (status.source, *meta.references) if u),
            facts=(
                ("support", status.status.value),
                ("release", status.release),
                ("when", status.eofs_text),
                ("eofs", str(status.eofs or "")),
                ("eofs_estimated", "yes" if status.estimated else "no"),
                ("ended_before", str(status.ended_before or "")),
            ),
        )
