"""Gaps section: what could not be collected or read, and where."""

from __future__ import annotations

from viosaudit.plan import Plan
from viosaudit.render.sections.findings import evidence_ref
from viosaudit.render.view import GapRow


def gap_rows(plan: Plan) -> tuple[GapRow, ...]:
    rows = []
    for g in plan.gaps:
        if g.source is not None:
            where = evidence_ref(g.source)
        elif g.file and g.line_no:
            where = f"{g.file}:{g.line_no}"
        else:
            where = g.file or ""
        rows.append(
            GapRow(
                g.status, g.host, g.managed_system, g.partition, g.command_id, g.command, g.reason, where, g.expected
            )
        )
    return tuple(rows)
