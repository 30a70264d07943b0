"""ReportView -> the CAB workbook (openpyxl): Summary, Findings, Changes, Inventory, Gaps.

Every table sheet has a frozen, filterable header row, fixed widths and wrapped text. Every cell is
written through ``put``, which writes strings through ``safe_text``: a value that a spreadsheet would
read as a formula (it starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) gets a leading
single quote and is stored as text. Service names, owners and raw output come from outside, and a CAB
member pressing F2/Enter or exporting to CSV must never run them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from viosaudit.errors import RenderError
from viosaudit.render.view import ChangeRow, FindingRow, ReportView, ServiceImpact
from viosaudit.render.wording import words

DECISIONS = ("Approve", "Reject", "Defer", "Accept risk")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MAX_CELL = 32_767  # Excel's limit on the characters of one cell
HEADER_FILL = PatternFill("solid", fgColor="1F3A5F")
HEADER_FONT = Font(bold=True, color="FFFFFF")
DECISION_FILL = PatternFill("solid", fgColor="FFF2CC")
WRAP = Alignment(wrap_text=True, vertical="top")
LINE_HEIGHT = 15.0  # points per wrapped line, for the estimated row height
MAX_ROW_HEIGHT = 409.0  # Excel's limit

Value = str | int


@dataclass(frozen=True, slots=True)
class Column:
    header: str
    width: int


def safe_text(value: str) -> str:
    """Text a spreadsheet will never evaluate: formula-like starts get a leading ``'``.

    Characters XML cannot hold (NUL and other C0 controls from raw output) become U+FFFD; text
    longer than Excel's cell limit is cut with a visible marker.
    """
    text: str = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    if len(text) > MAX_CELL:
        marker = " [truncated: see the evidence zip]"
        text = text[: MAX_CELL - len(marker) - 1] + marker
    if text.startswith(FORMULA_START):
        text = "'" + text
    return text


def put(ws: Worksheet, row: int, column: int, value: Value) -> Cell:
    """Write one cell; the only function in this module that sets a cell value."""
    cell = ws.cell(row=row, column=column)
    if isinstance(value, Enum):
        raise RenderError(f"sheet {ws.title}: {type(value).__name__}.{value.name} written as is: use words()")
    if isinstance(value, str):
        cell.value = safe_text(value)
        cell.data_type = "s"  # a string, never a formula, whatever openpyxl would guess
    else:
        cell.value = value
    return cell


def _lines(values: Sequence[str]) -> str:
    return "\n".join(v for v in values if v)


def _services_text(services: Sequence[ServiceImpact]) -> str:
    return _lines(
        [
            f"{s.service} ({words(s.criticality)}; {s.owner or 'owner not recorded'}): "
            f"{', '.join(s.partitions)}: {words(s.effect)}"
            for s in services
        ]
    )


def _row_height(values: Sequence[Value], columns: Sequence[Column]) -> float:
    lines = 1
    for value, column in zip(values, columns, strict=False):
        if not isinstance(value, str):
            continue
        chars = max(column.width - 1, 1)
        lines = max(lines, sum(max(1, math.ceil(len(part) / chars)) for part in value.split("\n")))
    return min(MAX_ROW_HEIGHT, LINE_HEIGHT * lines)


def _table(
    ws: Worksheet,
    columns: Sequence[Column],
    rows: Sequence[Sequence[Value]],
    *,
    auto_filter: bool = True,
) -> None:
    """Header row (frozen, filterable), data rows wrapped, widths set, row heights estimated."""
    for col, column in enumerate(columns, start=1):
        cell = put(ws, 1, col, column.header)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = WRAP
        ws.column_dimensions[get_column_letter(col)].width = column.width
    for r, values in enumerate(rows, start=2):
        if len(values) != len(columns):
            raise RenderError(f"sheet {ws.title}: row {r} has {len(values)} values for {len(columns)} columns")
        for col, value in enumerate(values, start=1):
            put(ws, r, col, value).alignment = WRAP
        ws.row_dimensions[r].height = _row_height(values, columns)
    ws.freeze_panes = "A2"
    if auto_filter:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(len(rows) + 1, 2)}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"


# ---------------------------------------------------------------- sheets


def _summary(ws: Worksheet, view: ReportView) -> None:
    c = view.counts
    s = view.summary
    rows: list[tuple[Value, Value]] = [
        ("Report", view.title),
        ("Overall status", words(s.status)),
        ("In one line", s.headline),
        ("Servers exposed", f"{c.systems_exposed} of {c.systems}"),
        ("I/O servers (VIOS) exposed", f"{c.vios_exposed} of {c.vios}"),
        ("I/O servers with unknown status", f"{c.vios_unknown} of {c.vios}"),
        ("I/O servers IBM no longer ships fixes for", f"{c.vios_out_of_support} of {c.vios}"),
        ("I/O servers whose fix support ends within 180 days", f"{c.vios_support_ending} of {c.vios}"),
        ("Virtual machines needing an outage to fix", f"{c.outage_partitions} of {c.clients}"),
        (
            "Findings",
            f"{c.findings_fail} failed, {c.findings_unknown} unknown, {c.findings_pass} passed; "
            f"{c.findings_accepted} of the open ones formally accepted",
        ),
        ("Risks formally accepted", _lines(s.accepted) or "none"),
        ("Proposed changes", len(view.changes)),
        ("What it means for the business", _lines(s.meaning)),
        ("What we recommend", _lines(s.recommendations)),
        ("Services affected", _services_text(s.services)),
        ("Snapshot", view.snapshot_id),
        ("Data captured", view.captured_at),
        ("Report generated", view.generated_at),
    ]
    _table(ws, (Column("Item", 42), Column("Value", 110)), rows, auto_filter=False)
    ws.cell(row=3, column=2).font = Font(bold=True, size=14)


FINDING_COLUMNS = (
    Column("Key", 30),
    Column("Verdict", 10),
    Column("Severity", 10),
    Column("Title", 40),
    Column("Subject", 24),
    Column("Rule", 22),
    Column("APAR", 10),
    Column("Business impact", 45),
    Column("Likelihood", 28),
    Column("Impact", 28),
    Column("Fixing it means", 34),
    Column("Risk acceptance", 40),
    Column("Technical detail", 55),
    Column("Remediation", 45),
    Column("Partitions: services (criticality, owner)", 45),
    Column("Outage to fix", 9),
    Column("Evidence (file:lines)", 40),
    Column("References", 40),
)


def _finding_row(f: FindingRow) -> tuple[Value, ...]:
    services = _lines(
        [f"{s.partition}: {s.service} ({words(s.criticality)}{', ' + s.owner if s.owner else ''})" for s in f.services]
    )
    return (
        f.key,
        f.status,
        words(f.severity),
        f.title,
        f.subject,
        f.rule_id,
        f.apar,
        f.business,
        f"{f.likelihood}: {f.likelihood_why}" if f.likelihood else "",
        f"{f.impact}: {f.impact_why}" if f.impact else "",
        f.maintenance,
        _lines([f.acceptance, f.acceptance_expired]),
        f.technical,
        f.remediation,
        services,
        words(f.outage),
        _lines(f.evidence),
        _lines(f.references),
    )


CHANGE_COLUMNS = (
    Column("Change", 10),
    Column("Title", 34),
    Column("Business statement", 70),
    Column("Server", 16),
    Column("Design", 11),
    Column("Severity", 10),
    Column("VIOS patch order", 30),
    Column("Window needed", 34),
    Column("Outage", 8),
    Column("Outage: partitions", 20),
    Column("Not running (not interrupted)", 20),
    Column("Business services touched", 45),
    Column("Risk of doing", 45),
    Column("Risk of not doing", 45),
    Column("Implementation plan", 80),
    Column("Back-out plan", 70),
    Column("Findings closed", 34),
    Column("Decision", 14),
    Column("Decided by", 16),
    Column("Decision date", 14),
    Column("CAB comment", 30),
)
DECISION_COLUMN = next(i for i, c in enumerate(CHANGE_COLUMNS, start=1) if c.header == "Decision")
DECISION_DATE_COLUMN = next(i for i, c in enumerate(CHANGE_COLUMNS, start=1) if c.header == "Decision date")
DATE_FORMAT = "yyyy-mm-dd"


def _change_row(ch: ChangeRow) -> tuple[Value, ...]:
    order = _lines([f"{p.order}. {p.vios} ({p.level}): {p.note}" for p in ch.patch_order])
    return (
        ch.change_id,
        ch.title,
        ch.statement,
        ch.managed_system,
        words(ch.design),
        words(ch.severity),
        order,
        ch.window,
        words(ch.outage),
        _lines(ch.outage_partitions),
        _lines(ch.not_running),
        _services_text(ch.services),
        ch.risk_of_doing,
        ch.risk_of_not_doing,
        _lines(ch.implementation_plan),
        _lines(ch.backout_plan),
        _lines(ch.finding_keys),
        ch.decision,
        ch.decided_by,
        "",  # Decision date: written as an Excel date by _changes
        ch.cab_comment,
    )


def _changes(ws: Worksheet, view: ReportView) -> None:
    _table(ws, CHANGE_COLUMNS, [_change_row(ch) for ch in view.changes])
    last = max(len(view.changes) + 1, 2)
    letter = get_column_letter(DECISION_COLUMN)
    validation = DataValidation(
        type="list",
        formula1='"' + ",".join(DECISIONS) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Decision",
        error="Choose one of: " + ", ".join(DECISIONS),
        promptTitle="CAB decision",
        prompt=" / ".join(DECISIONS),
        showInputMessage=True,
    )
    validation.add(f"{letter}2:{letter}{last}")
    ws.add_data_validation(validation)
    dates = get_column_letter(DECISION_DATE_COLUMN)
    on_date = DataValidation(
        type="date",
        operator="greaterThan",
        formula1="DATE(2000,1,1)",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Decision date",
        error="Enter the date of the CAB decision, e.g. 2026-12-03",
    )
    on_date.add(f"{dates}2:{dates}{last}")
    ws.add_data_validation(on_date)
    for row in range(2, last + 1):
        ws.cell(row=row, column=DECISION_COLUMN).fill = DECISION_FILL
        cell = ws.cell(row=row, column=DECISION_DATE_COLUMN)
        cell.number_format = DATE_FORMAT
        if row - 2 < len(view.changes) and view.changes[row - 2].decided_on:
            cell.value = date.fromisoformat(view.changes[row - 2].decided_on)


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
    Column("Status", 10),
    Column("Design / redundancy", 30),
    Column("Paths through VIOS / clients served", 40),
    Column("Service", 20),
    Column("Owner", 22),
    Column("Criticality", 11),
)


def _inventory(ws: Worksheet, view: ReportView) -> None:
    inv = view.inventory
    rows: list[tuple[Value, ...]] = []
    for s in inv.systems:
        rows.append(
            ("server", s.name, s.name, s.serial, s.state, s.type_model, "", "", "", words(s.status), words(s.design),
             f"{s.vios_count} VIOS, {s.client_count} clients", "", "", "")
        )
    for v in inv.vios:
        rows.append(
            ("VIOS", v.managed_system, v.name, v.partition_id, v.state, "VIOS", v.level, v.ifixes, v.data,
             words(v.status), "", f"{v.clients_served} clients", "", "", "")
        )
    for c in inv.clients:
        rows.append(
            ("client", c.managed_system, c.name, c.partition_id, c.state, c.os_version or c.env, "", "", "", "",
             c.redundancy, _lines(c.paths), c.service, c.owner, words(c.criticality))
        )
    _table(ws, INVENTORY_COLUMNS, rows)


GAP_COLUMNS = (
    Column("Status", 14),
    Column("Host", 16),
    Column("Server", 16),
    Column("Partition", 16),
    Column("Command id", 14),
    Column("Command", 40),
    Column("Reason", 60),
    Column("Where (file:line)", 36),
    Column("Expected (collection mode)", 12),
)


def _gaps(ws: Worksheet, view: ReportView) -> None:
    rows = [
        (words(g.status), g.host, g.managed_system, g.partition, g.command_id, g.command, g.reason, g.where,
         words(g.expected))
        for g in view.gaps
    ]
    _table(ws, GAP_COLUMNS, rows)


def _created(generated_at: str) -> datetime | None:
    try:
        return datetime.fromisoformat(generated_at.replace("Z", "+00:00")).replace(tzinfo=None)
    except ValueError:
        return None


def write_xlsx(view: ReportView, out: Path) -> Path:
    """Write the CAB workbook to ``out`` and return it."""
    wb = Workbook()
    summary = wb.active
    assert summary is not None
    summary.title = "Summary"
    _summary(summary, view)
    _table(wb.create_sheet("Findings"), FINDING_COLUMNS, [_finding_row(f) for f in view.findings])
    _changes(wb.create_sheet("Changes"), view)
    _inventory(wb.create_sheet("Inventory"), view)
    _gaps(wb.create_sheet("Gaps"), view)
    wb.properties.creator = "viosaudit"
    wb.properties.title = f"{view.title}: {view.snapshot_id}"
    created = _created(view.generated_at)
    if created is not None:
        wb.properties.created = created
    try:
        wb.save(out)
    except OSError as exc:
        raise RenderError(f"cannot write workbook {out}: {exc}") from exc
    return out
