"""ReportView -> the CAB workbook: Summary, Findings, Passed checks, Changes, Plans, Inventory, Gaps.

Each sheet is a tuple of ``Column`` and a generator of rows (``render.sheets`` streams them with
XlsxWriter in constant memory, with frame and print layout). Verdicts are coloured, dates are Excel
dates, IBM references are hyperlinks. A Changes row holds a plan summary and a link to its steps on
the Plans sheet. The CAB fills in Decision (a list), Decided by, Decision date (a date) and CAB
comment; ``viosaudit cab import`` reads those columns back by their headers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from viosaudit.errors import RenderError
from viosaudit.render.sheets import (
    FORMULA_START,
    MAX_CELL,
    Column,
    Formats,
    Link,
    Sheet,
    Value,
    date_cell,
    lines,
    parse_when,
    safe_text,
    write_sheet,
)
from viosaudit.render.view import ChangeRow, FindingRow, ReportView, ServiceImpact
from viosaudit.render.wording import words
from viosaudit.render.xlsx_history import SINCE_SHEET, open_since_cells, since_columns, since_rows

__all__ = ["CHANGE_COLUMNS", "DECISIONS", "FINDING_COLUMNS", "FORMULA_START", "MAX_CELL", "safe_text", "write_xlsx"]

DECISIONS = ("Approve", "Reject", "Defer", "Accept risk")
DECISION_FILL = "FFF2CC"  # the cells the CAB fills in
PLAN_SUMMARY_STEPS = 3  # steps of a runbook quoted on the Changes sheet before the link to the Plans sheet
PLAN_SUMMARY_CHARS = 110


def _services_text(services: Sequence[ServiceImpact]) -> str:
    return lines(
        [
            f"{s.service} ({words(s.criticality)}; {s.owner or 'owner not recorded'}): "
            f"{', '.join(s.partitions)}: {words(s.effect)}"
            for s in services
        ]
    )


# ---------------------------------------------------------------- Summary


def _summary_rows(view: ReportView) -> Iterator[tuple[Value, Value]]:
    c = view.counts
    s = view.summary
    yield ("Report", view.title)
    yield ("Overall status", words(s.status))
    yield ("In one line", s.headline)
    yield ("Servers exposed", f"{c.systems_exposed} of {c.systems}")
    yield ("I/O servers (VIOS) exposed", f"{c.vios_exposed} of {c.vios}")
    yield ("I/O servers with unknown status", f"{c.vios_unknown} of {c.vios}")
    yield ("I/O servers IBM no longer ships fixes for", f"{c.vios_out_of_support} of {c.vios}")
    yield ("I/O servers whose fix support ends within 180 days", f"{c.vios_support_ending} of {c.vios}")
    yield ("Virtual machines needing an outage to fix", f"{c.outage_partitions} of {c.clients}")
    yield (
        "Findings",
        f"{c.findings_fail} failed, {c.findings_unknown} unknown, {c.findings_pass} passed; "
        f"{c.findings_accepted} of the open ones formally accepted",
    )
    yield ("Risks formally accepted", lines(s.accepted) or "none")
    yield ("Proposed changes", len(view.changes))
    yield ("What it means for the business", lines(s.meaning))
    yield ("What we recommend", lines(s.recommendations))
    yield ("Services affected", _services_text(s.services))
    yield ("Snapshot", view.snapshot_id)
    yield ("Data captured (UTC)", parse_when(view.captured_at) or view.captured_at)
    yield ("Report generated (UTC)", parse_when(view.generated_at) or view.generated_at)


SUMMARY_COLUMNS = (Column("Item", 42), Column("Value", 110, "status"))


# ---------------------------------------------------------------- Findings

FINDING_COLUMNS = (
    Column("Key", 30),
    Column("Verdict", 12, "status"),
    Column("Severity", 10, "status"),
    Column("Title", 40),
    Column("Server", 16),
    Column("Subject", 24),
    Column("Rule", 22),
    Column("APAR", 10),
    Column("Business impact", 45),
    Column("Likelihood", 28),
    Column("Impact", 28),
    Column("Fixing it means", 34),
    Column("Risk acceptance", 40),
    Column("Acceptance expires", 12, "date"),
    Column("Technical detail", 55),
    Column("Remediation", 45),
    Column("Partitions: services (criticality, owner)", 45),
    Column("Outage to fix", 9),
    Column("Detected", 12, "date"),
    Column("Evidence (file:lines)", 40),
    Column("References", 40),
)


def _finding_row(f: FindingRow, detected: date | None) -> tuple[Value, ...]:
    services = lines(
        [f"{s.partition}: {s.service} ({words(s.criticality)}{', ' + s.owner if s.owner else ''})" for s in f.services]
    )
    first_url = f.references[0] if f.references else ""
    return (
        f.key,
        f.status,
        words(f.severity),
        f.title,
        f.managed_system,
        f.subject,
        f.rule_id,
        Link(first_url, f.apar) if f.apar and first_url else f.apar,
        f.business,
        f"{f.likelihood}: {f.likelihood_why}" if f.likelihood else "",
        f"{f.impact}: {f.impact_why}" if f.impact else "",
        f.maintenance,
        lines([f.acceptance, f.acceptance_expired]),
        date_cell(f.acceptance_expires),
        f.technical,
        f.remediation,
        services,
        words(f.outage),
        detected,
        lines(f.evidence),
        Link(first_url, lines(f.references)) if first_url.startswith("http") else lines(f.references),
    )


PASSED_COLUMNS = (
    Column("Key", 30),
    Column("Verdict", 9, "status"),
    Column("Title", 50),
    Column("Server", 16),
    Column("Subject", 24),
    Column("Rule", 22),
    Column("Detected", 12, "date"),
    Column("Evidence (file:lines)", 40),
)


def _passed_row(f: FindingRow, detected: date | None) -> tuple[Value, ...]:
    """A passed check: what was checked, where, and the evidence; its texts stay in the HTML report and zip."""
    return (f.key, f.status, f.title, f.managed_system, f.subject, f.rule_id, detected, lines(f.evidence))


# ---------------------------------------------------------------- Changes and Plans

CHANGE_COLUMNS = (
    Column("Change", 10),
    Column("Title", 34),
    Column("Business statement", 70),
    Column("Server", 16),
    Column("Design", 11),
    Column("Severity", 10, "status"),
    Column("VIOS patch order", 30),
    Column("Window needed", 34),
    Column("Outage", 8),
    Column("Outage: partitions", 20),
    Column("Not running (not interrupted)", 20),
    Column("Business services touched", 45),
    Column("Risk of doing", 45),
    Column("Risk of not doing", 45),
    Column("Implementation plan", 60),
    Column("Back-out plan", 60),
    Column("Plan steps", 16),
    Column("Findings closed", 34),
    Column("Decision", 14),
    Column("Decided by", 16),
    Column("Decision date", 14, "date"),
    Column("CAB comment", 30),
)
CAB_COLUMNS = ("Decision", "Decided by", "Decision date", "CAB comment")
DECISION_COLUMN = next(i for i, c in enumerate(CHANGE_COLUMNS, start=1) if c.header == "Decision")

PLAN_COLUMNS = (Column("Change", 10), Column("Plan", 16), Column("Step", 6), Column("What to do", 110))
PLAN_KINDS = (("implementation", "Implementation plan"), ("back-out", "Back-out plan"))
_NUMBER = re.compile(r"^\d+\.\s+")


def _plan_steps(ch: ChangeRow) -> Iterator[tuple[str, tuple[str, ...]]]:
    yield "implementation", ch.implementation_plan
    yield "back-out", ch.backout_plan


def _plan_summary(steps: tuple[str, ...], first_row: int) -> str:
    """A runbook on the Changes sheet: where its steps are on Plans, and its first steps, shortened."""
    if not steps:
        return ""
    quoted = [s if len(s) <= PLAN_SUMMARY_CHARS else s[: PLAN_SUMMARY_CHARS - 3] + "..." for s in steps]
    more = len(steps) - PLAN_SUMMARY_STEPS
    head = f"{len(steps)} steps: sheet Plans, rows {first_row}-{first_row + len(steps) - 1}"
    return lines([head, *quoted[:PLAN_SUMMARY_STEPS], f"... and {more} more" if more > 0 else ""])


def _change_rows(changes: Sequence[ChangeRow]) -> Iterator[tuple[Value, ...]]:
    plan_row = 2  # the Plans sheet's first data row (1-based, as Excel shows it)
    for ch in changes:
        first = plan_row
        summaries: list[Value] = []
        for _kind, steps in _plan_steps(ch):
            summaries.append(_plan_summary(steps, plan_row))
            plan_row += len(steps)
        # a change's steps are contiguous on Plans: one link (a link's text shows on one line)
        summaries.append(
            Link(f"internal:'Plans'!A{first}", f"Plans rows {first}-{plan_row - 1}") if plan_row > first else ""
        )
        order = lines([f"{p.order}. {p.vios} ({p.level}): {p.note}" for p in ch.patch_order])
        yield (
            ch.change_id,
            ch.title,
            ch.statement,
            ch.managed_system,
            words(ch.design),
            words(ch.severity),
            order,
            ch.window,
            words(ch.outage),
            lines(ch.outage_partitions),
            lines(ch.not_running),
            _services_text(ch.services),
            ch.risk_of_doing,
            ch.risk_of_not_doing,
            *summaries,
            lines(ch.finding_keys),
            ch.decision,
            ch.decided_by,
            date_cell(ch.decided_on) if ch.decided_on else None,
            ch.cab_comment,
        )


def _plan_rows(changes: Sequence[ChangeRow]) -> Iterator[tuple[Value, ...]]:
    for ch in changes:
        for kind, steps in _plan_steps(ch):
            for n, step in enumerate(steps, start=1):
                yield (ch.change_id, kind, n, _NUMBER.sub("", step))


def _cab_validations(ws: Any, _formats: Formats, last: int, col: dict[str, int]) -> None:
    """Decision: one of DECISIONS; Decision date: a date. Both on every change row."""
    decision = col["Decision"]
    ws.data_validation(
        1, decision, last, decision,
        {
            "validate": "list",
            "source": list(DECISIONS),
            "ignore_blank": True,
            "error_title": "Decision",
            "error_message": "Choose one of: " + ", ".join(DECISIONS),
            "input_title": "CAB decision",
            "input_message": " / ".join(DECISIONS),
        },
    )  # fmt: skip
    decided = col["Decision date"]
    ws.data_validation(
        1, decided, last, decided,
        {
            "validate": "date",
            "criteria": "between",
            "minimum": datetime(2000, 1, 1),
            "maximum": datetime(2099, 12, 31),
            "ignore_blank": True,
            "error_title": "Decision date",
            "error_message": "A date, e.g. 2026-12-01",
            "input_title": "Decision date",
            "input_message": "The date the CAB decided (YYYY-MM-DD)",
        },
    )  # fmt: skip


# ---------------------------------------------------------------- Inventory and Gaps

INVENTORY_COLUMNS = (
    Column("Kind", 9),
    Column("Server", 16),
    Column("Name", 16),
    Column("Id / serial", 11),
    Column("State", 11),
    Column("Type-model / OS", 16),
    Column("Level", 11),
    Column("Interim fixes", 24),
    Column("Data collected", 34),
    Column("Status", 10, "status"),
    Column("Design / redundancy", 30),
    Column("Paths through VIOS / clients served", 40),
    Column("Service", 20),
    Column("Owner", 22),
    Column("Criticality", 11),
)


def _inventory_rows(view: ReportView) -> Iterator[tuple[Value, ...]]:
    inv = view.inventory
    for s in inv.systems:
        yield ("server", s.name, s.name, s.serial, s.state, s.type_model, "", "", "", words(s.status), words(s.design),
               f"{s.vios_count} VIOS, {s.client_count} clients", "", "", "")  # fmt: skip
    for v in inv.vios:
        yield ("VIOS", v.managed_system, v.name, v.partition_id, v.state, "VIOS", v.level, v.ifixes, v.data,
               words(v.status), "", f"{v.clients_served} clients", "", "", "")  # fmt: skip
    for c in inv.clients:
        yield ("client", c.managed_system, c.name, c.partition_id, c.state, c.os_version or c.env, "", "", "", "",
               c.redundancy, lines(c.paths), c.service, c.owner, words(c.criticality))  # fmt: skip


GAP_COLUMNS = (
    Column("Status", 14, "status"),
    Column("Host", 16),
    Column("Server", 16),
    Column("Partition", 16),
    Column("Command id", 14),
    Column("Command", 40),
    Column("Reason", 60),
    Column("Where (file:line)", 36),
    Column("Expected (collection mode)", 12),
)


def _gap_rows(view: ReportView) -> Iterator[tuple[Value, ...]]:
    for g in view.gaps:
        yield (words(g.status), g.host, g.managed_system, g.partition, g.command_id, g.command, g.reason, g.where,
               words(g.expected))  # fmt: skip


# ---------------------------------------------------------------- the book


def sheets(view: ReportView) -> tuple[Sheet, ...]:
    """The workbook, sheet by sheet, in order. A new sheet is one more ``Sheet`` here."""
    captured = parse_when(view.captured_at)
    detected = captured.date() if captured else None
    # Findings: what the CAB works on (failed, unknown, accepted) with every column; the passed checks, most
    # rows of a large estate, on a sheet of their own with the columns that prove them
    open_rows = tuple(row for group in view.open_findings for row in group.findings)
    finding_columns: tuple[Column, ...] = FINDING_COLUMNS
    finding_rows: Iterable[Sequence[Value]] = (_finding_row(f, detected) for f in open_rows)
    history: tuple[Sheet, ...] = ()
    if view.history.kept:  # "Open since" / "Days open" on Findings, a "Since last run" sheet (render/xlsx_history)
        finding_columns = (*FINDING_COLUMNS, Column("Open since", 12, "date"), Column("Days open", 9))
        since = open_since_cells(view.history, open_rows)
        finding_rows = ((*row, *cells) for row, cells in zip(finding_rows, since, strict=True))
        history = (Sheet(SINCE_SHEET, since_columns(view.history), since_rows(view.history)),)
    return (
        Sheet("Summary", SUMMARY_COLUMNS, _summary_rows(view), auto_filter=False),
        Sheet("Findings", finding_columns, finding_rows, freeze_columns=1),
        Sheet("Passed checks", PASSED_COLUMNS, (_passed_row(f, detected) for f in view.passed_findings)),
        Sheet(
            "Changes",
            CHANGE_COLUMNS,
            _change_rows(view.changes),
            freeze_columns=1,
            finish=_cab_validations,
            fills=dict.fromkeys(CAB_COLUMNS, DECISION_FILL),
        ),
        Sheet("Plans", PLAN_COLUMNS, _plan_rows(view.changes)),
        Sheet("Inventory", INVENTORY_COLUMNS, _inventory_rows(view)),
        Sheet("Gaps", GAP_COLUMNS, _gap_rows(view)),
        *history,
    )


def write_xlsx(view: ReportView, out: Path) -> Path:
    """Write the CAB workbook to ``out`` (streamed: constant memory whatever the estate) and return it."""
    import xlsxwriter  # imported when a workbook is written: the CLI's --help stays fast

    book = xlsxwriter.Workbook(str(out), {"constant_memory": True, "tmpdir": str(out.parent)})
    created = parse_when(view.generated_at)
    book.set_properties(
        {
            "title": f"{view.title}: {view.snapshot_id}",
            "author": "viosaudit",
            "comments": "CAB workbook written by viosaudit",
            **({"created": created} if created else {}),
        }
    )
    try:
        formats = Formats(book)
        for sheet in sheets(view):
            write_sheet(book, formats, sheet)
        book.close()
    except OSError as exc:
        raise RenderError(f"cannot write workbook {out}: {exc}") from exc
    except xlsxwriter.exceptions.XlsxWriterException as exc:
        raise RenderError(f"cannot write workbook {out}: {exc}") from exc
    return out
