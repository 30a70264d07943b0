"""Findings section: open findings grouped by severity (worst first), then the passed ones."""

from __future__ import annotations

from collections.abc import Mapping

from viosaudit.business import BusinessService, service_of
from viosaudit.model import SourceRef
from viosaudit.plan import Plan
from viosaudit.render.view import FindingGroup, FindingRow, ServiceRow
from viosaudit.render.wording import acceptance_text, expired_text
from viosaudit.rules.base import Finding, Severity, Verdict


def evidence_ref(ref: SourceRef) -> str:
    return f"{ref.capture}:{ref.first_line}-{ref.last_line}"


def _expires(f: Finding) -> str:
    acceptance = f.acceptance or f.acceptance_expired
    return acceptance.expires.isoformat() if acceptance else ""


def finding_row(f: Finding, services: Mapping[str, BusinessService]) -> FindingRow:
    return FindingRow(
        key=f.key,
        rule_id=f.rule_id,
        title=f.title,
        severity=f.severity,
        verdict=f.verdict,
        accepted=f.accepted,
        subject=f.subject.label,
        subject_kind=f.subject.kind,
        managed_system=f.subject.managed_system,
        technical=f.technical,
        business=f.business,
        remediation=f.remediation,
        services=tuple(
            ServiceRow(p, s.service, s.owner, s.criticality)
            for p in f.affected_partitions
            for s in [service_of(services, p)]
        ),
        outage=f.outage,
        evidence=tuple(evidence_ref(r) for r in f.evidence),
        apar=f.apar or "",
        references=f.references,
        facts=f.facts,
        likelihood=f.risk.likelihood if f.risk else "",
        likelihood_why=f.risk.likelihood_why if f.risk else "",
        impact=f.risk.impact if f.risk else "",
        impact_why=f.risk.impact_why if f.risk else "",
        maintenance=f.risk.maintenance if f.risk else "",
        acceptance=acceptance_text(f.acceptance) if f.acceptance else "",
        acceptance_expired=expired_text(f.acceptance_expired) if f.acceptance_expired else "",
        acceptance_expires=_expires(f),
    )


def finding_sections(plan: Plan) -> tuple[tuple[FindingGroup, ...], tuple[FindingRow, ...]]:
    """(open findings by severity, passed findings), each in the plan's one order."""
    groups = []
    for severity in Severity:
        rows = tuple(
            finding_row(f, plan.services)
            for f in plan.findings
            if f.severity is severity and f.verdict is not Verdict.PASS
        )
        if rows:
            groups.append(FindingGroup(severity, rows))
    passed = tuple(finding_row(f, plan.services) for f in plan.findings if f.verdict is Verdict.PASS)
    return tuple(groups), passed
