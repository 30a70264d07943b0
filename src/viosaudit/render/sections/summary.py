"""Page 1: the overall status, the counts in the tiles, and the management summary's lines."""

from __future__ import annotations

from collections.abc import Sequence

from viosaudit.plan import EntityStatus, Plan
from viosaudit.plan.services import merged
from viosaudit.render.sections.changes import service_impacts
from viosaudit.render.view import Counts, Summary
from viosaudit.render.wording import accepted_lines, headline, meaning, recommendations
from viosaudit.rules.base import Acceptance, Verdict


def counts(plan: Plan) -> Counts:
    estate = plan.estate
    return Counts(
        systems=len(estate.systems),
        vios=len(estate.vioses),
        clients=len(estate.clients),
        systems_exposed=len(plan.systems_with(EntityStatus.EXPOSED)),
        systems_unknown=len(plan.systems_with(EntityStatus.UNKNOWN)),
        vios_exposed=len(plan.vios_with(EntityStatus.EXPOSED)),
        vios_unknown=len(plan.vios_with(EntityStatus.UNKNOWN)),
        outage_partitions=len(plan.outage_partitions),
        findings_fail=sum(1 for f in plan.findings if f.verdict is Verdict.FAIL),
        findings_unknown=sum(1 for f in plan.findings if f.verdict is Verdict.UNKNOWN),
        findings_pass=sum(1 for f in plan.findings if f.verdict is Verdict.PASS),
        findings_accepted=len(plan.accepted),
        vios_out_of_support=len(plan.support.ended),
        vios_support_ending=len(plan.support.ending),
    )


def summary(plan: Plan, stale: Sequence[tuple[Acceptance, str]] = ()) -> Summary:
    return Summary(
        status=plan.status,
        headline=headline(plan),
        meaning=tuple(meaning(plan)),
        recommendations=tuple(recommendations(plan)),
        services=service_impacts(merged(s for c in plan.changes for s in c.services)),
        accepted=tuple(accepted_lines(plan, stale)),
    )
