"""Plan -> ``ReportView``: the one view every output (PDF, workbook, evidence) is made from.

Thin on purpose: judgement lives in ``viosaudit.plan`` (status, changes, outage), words in
``render.wording`` and ``templates/``; each section of the report is mapped by its own module in
``render.sections``.

Example::

    plan = build_plan(estate, findings, ctx)
    view = build_view(plan, generated_at="2024-05-06T07:00:00Z")
    view.summary.status        # OverallStatus.ACTION ("ACTION NEEDED" in the reports)
    view.counts.vios_exposed   # 3
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from viosaudit.decisions import CabDecision
from viosaudit.history.summary import NOT_KEPT, HistorySummary
from viosaudit.plan import Plan
from viosaudit.render.digest import build_digest
from viosaudit.render.env import make_env
from viosaudit.render.sections.changes import change_rows
from viosaudit.render.sections.findings import finding_sections
from viosaudit.render.sections.gaps import gap_rows
from viosaudit.render.sections.inventory import inventory
from viosaudit.render.sections.summary import counts, summary
from viosaudit.render.view import (
    ChangeRow,
    ClientRow,
    Counts,
    FindingGroup,
    FindingRow,
    GapRow,
    Inventory,
    PatchStepRow,
    ReportView,
    ServiceImpact,
    ServiceRow,
    Summary,
    SystemRow,
    ViosRow,
)
from viosaudit.render.wording import GAPS_NOTE
from viosaudit.rules.base import Acceptance

__all__ = [
    "ChangeRow",
    "ClientRow",
    "Counts",
    "FindingGroup",
    "FindingRow",
    "GapRow",
    "Inventory",
    "PatchStepRow",
    "ReportView",
    "ServiceImpact",
    "ServiceRow",
    "Summary",
    "SystemRow",
    "ViosRow",
    "build_view",
]


def build_view(
    plan: Plan,
    *,
    generated_at: str,
    gaps_note: str | None = None,
    title: str = "VIOS estate audit",
    template_dir: Path | None = None,
    stale: Sequence[tuple[Acceptance, str]] = (),
    about: Sequence[tuple[str, str]] = (),
    age_warning: str = "",
    history: HistorySummary | None = None,
    decisions: Mapping[str, CabDecision] | None = None,
) -> ReportView:
    """Make the one view every output is rendered from.

    Args:
        plan: the plan of the estate and its findings (``viosaudit.plan.build_plan``).
        generated_at: when the report is made, as shown in the footer (passed in, never now()).
        gaps_note: a note shown above the gaps (e.g. "HMC hmc2 unreachable since Monday");
            a standard explanation when None.
        title: the report title.
        template_dir: site templates that override the packaged ones (runbooks, CAB paragraph).
        stale: acceptances that match no open finding, with why (shown beside the accepted risks).
        about: (what, version) of the tool and its data files, for the About section.
        age_warning: a sentence for page 1 when the snapshot is too old to judge by
            (``render.freshness.age_warning``); "" when fresh.
        history: the run's history summary (``viosaudit.history.summarize``); None: history not kept.
        decisions: the CAB decisions register (stable change key -> decision), shown on each change.
    """
    open_findings, passed = finding_sections(plan)
    page1 = summary(plan, stale)
    changes = change_rows(plan, make_env(template_dir), decisions)
    gaps = gap_rows(plan)
    return ReportView(
        title=title,
        snapshot_id=plan.estate.snapshot_id,
        captured_at=plan.estate.captured_at,
        generated_at=generated_at,
        summary=page1,
        counts=counts(plan),
        open_findings=open_findings,
        passed_findings=passed,
        changes=changes,
        inventory=inventory(plan, plan.topology),
        gaps=gaps,
        gaps_note=gaps_note or GAPS_NOTE,
        digest=build_digest(plan, services=page1.services, changes=changes, gaps=gaps, stale=stale),
        about=tuple(about),
        age_warning=age_warning,
        history=history or NOT_KEPT,
    )
