"""The one-screen summary the main job prints: status, counts, what needs doing, where the files are."""

from __future__ import annotations

from typing import TextIO

from viosaudit.history.summary import SCOPE_ALL
from viosaudit.pipeline import ReportResult
from viosaudit.render.wording import words

MAX_ROWS = 12


def print_summary(result: ReportResult, out: TextIO) -> None:
    view = result.view
    c = view.counts
    w = out.write
    w(f"viosaudit  snapshot {view.snapshot_id}  (captured {view.captured_at})\n")
    w(f"Status: {words(view.summary.status)}  {view.summary.headline}\n")
    if view.age_warning:
        w(f"WARNING: {view.age_warning}\n")
    w(f"Estate: {c.systems} managed systems, {c.vios} VIOS, {c.clients} client partitions\n")
    w(
        f"Exposed: {c.systems_exposed} systems, {c.vios_exposed} VIOS;  unknown: {c.vios_unknown} VIOS;  "
        f"partitions needing an outage to patch: {c.outage_partitions}\n"
    )
    if c.vios_out_of_support or c.vios_support_ending:
        w(
            f"Fix support: {c.vios_out_of_support} VIOS out of IBM fix support;  "
            f"warning: {c.vios_support_ending} VIOS within 180 days of its end\n"
        )
    if view.history.kept:
        scope = "all zones" if view.history.scope == SCOPE_ALL else view.history.zone
        w(f"History ({scope}, {view.history.runs} runs): {view.history.line}\n")
    rows = [row for group in view.open_findings for row in group.findings]
    w(f"\nOpen findings: {len(rows)}\n")
    for row in rows[:MAX_ROWS]:
        w(f"  {row.status:18} {words(row.severity):8} {row.subject:32} {row.title}\n")
    if len(rows) > MAX_ROWS:
        w(f"  ... and {len(rows) - MAX_ROWS} more in the reports\n")
    for acceptance, why in result.register.stale:
        w(f"Stale acceptance {acceptance.finding} ({acceptance.approver}): {why}\n")
    failures = result.failures
    expected = len(result.estate.gaps) - len(failures)
    w(f"\nGaps: {len(failures)} collection or parse failures, {expected} implied by the collection mode\n")
    for gap in failures[:MAX_ROWS]:
        where = f" ({gap.file}:{gap.line_no})" if gap.file and gap.line_no else f" ({gap.file})" if gap.file else ""
        w(f"  {gap.host} {gap.command_id}{where}: {gap.reason}\n")
    w(f"\nReports written to {result.files.pdf.parent}/\n")
    for path in result.files.written:
        w(f"  {path.name}\n")
    if result.changes:
        w(f"  changes/: evidence and ticket drafts of {', '.join(p.name for p in result.changes)}\n")
    if result.partial:
        w("Run is PARTIAL (exit status 1): entities behind the gaps are shown as unknown.\n")
