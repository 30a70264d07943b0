"""The CAB workbook read back with openpyxl: sheets, frames, colours, links, dates, plans, CAB columns."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook  # type: ignore[import-untyped]
from openpyxl.workbook.workbook import Workbook  # type: ignore[import-untyped]
from render_case import ACCEPTED, EXPIRED

from viosaudit.render.sheets import LINE_HEIGHT, MAX_LINES, STATUS_COLOURS, Column, Formats, Sheet, write_sheet
from viosaudit.render.view import ReportView
from viosaudit.render.xlsx import DECISIONS, write_xlsx

SHEETS = ["Summary", "Findings", "Passed checks", "Changes", "Plans", "Inventory", "Gaps"]


@pytest.fixture(scope="module")
def book(view: ReportView, tmp_path_factory: pytest.TempPathFactory) -> Workbook:
    return load_workbook(write_xlsx(view, tmp_path_factory.mktemp("xlsx") / "cab.xlsx"))


def rows(book: Workbook, name: str) -> list[dict[str, object]]:
    values = list(book[name].iter_rows(values_only=True))
    header = [str(h) for h in values[0]]
    return [dict(zip(header, row, strict=True)) for row in values[1:]]


def column(book: Workbook, name: str, header: str) -> int:
    return [c.value for c in book[name][1]].index(header) + 1


def test_sheets_frozen_filtered(book: Workbook, view: ReportView) -> None:
    assert book.sheetnames == SHEETS
    for ws in book.worksheets:
        expected = "B2" if ws.title in ("Findings", "Changes") else "A2"  # Findings: the key column stays in view
        assert ws.freeze_panes == expected, ws.title
    for name in SHEETS[1:]:
        assert book[name].auto_filter.ref, name
    assert book["Summary"]["B3"].value == "ACTION NEEDED"
    open_rows = [f for f in view.findings if f.status != "PASS"]
    assert book["Findings"].max_row == 1 + len(open_rows) and len(open_rows) == 6
    assert book["Inventory"].max_row == 1 + 3 + 5 + 6
    assert [r["Key"] for r in rows(book, "Findings")] == [f.key for f in open_rows]
    # the passed checks on their own sheet, with what proves them
    passed = rows(book, "Passed checks")
    assert [r["Key"] for r in passed] == [f.key for f in view.passed_findings] and passed
    assert all(r["Verdict"] == "PASS" and r["Evidence (file:lines)"] for r in passed)


def test_verdicts_and_severities_coloured(book: Workbook) -> None:
    ws = book["Findings"]
    verdict, severity = column(book, "Findings", "Verdict"), column(book, "Findings", "Severity")
    seen = set()
    for r in range(2, ws.max_row + 1):
        for col in (verdict, severity):
            cell = ws.cell(row=r, column=col)
            assert cell.fill.fgColor.rgb[-6:] == STATUS_COLOURS[cell.value][0], (cell.coordinate, cell.value)
            seen.add(cell.value)
    assert {"FAIL", "UNKNOWN", "ACCEPTED (FAIL)"} <= seen
    passed = book["Passed checks"].cell(row=2, column=column(book, "Passed checks", "Verdict"))
    assert passed.value == "PASS" and passed.fill.fgColor.rgb[-6:] == STATUS_COLOURS["PASS"][0]
    assert book["Summary"]["B3"].fill.fgColor.rgb[-6:] == STATUS_COLOURS["ACTION NEEDED"][0]


def test_apar_and_references_are_hyperlinks(book: Workbook, view: ReportView) -> None:
    ws = book["Findings"]
    apar, refs = column(book, "Findings", "APAR"), column(book, "Findings", "References")
    shown = [f for f in view.findings if f.status != "PASS"]  # the Findings sheet's rows
    linked = [f for f in shown if f.apar and f.references]
    assert linked
    for r, f in enumerate(shown, start=2):
        cell = ws.cell(row=r, column=apar)
        if f in linked:
            assert cell.value == f.apar and cell.hyperlink.target == f.references[0]
        if f.references and f.references[0].startswith("http"):
            assert ws.cell(row=r, column=refs).hyperlink.target == f.references[0]


def test_dates_are_excel_dates(book: Workbook, view: ReportView) -> None:
    summary = {r["Item"]: r["Value"] for r in rows(book, "Summary")}
    assert summary["Data captured (UTC)"] == datetime.fromisoformat(view.captured_at.replace("Z", ""))
    assert isinstance(summary["Report generated (UTC)"], datetime)
    findings = {str(r["Key"]): r for r in rows(book, "Findings")}
    assert all(isinstance(r["Detected"], datetime) for r in findings.values())
    assert findings[ACCEPTED.finding]["Acceptance expires"] == datetime(2024, 12, 31)
    assert findings[EXPIRED.finding]["Acceptance expires"] == datetime(2024, 3, 31)
    cell = book["Findings"].cell(row=2, column=column(book, "Findings", "Detected"))
    assert cell.is_date and cell.number_format == "yyyy-mm-dd"


def test_changes_for_the_cab(book: Workbook, view: ReportView) -> None:
    ws = book["Changes"]
    headers = [c.value for c in ws[1]]
    for h in (
        "Risk of doing",
        "Risk of not doing",
        "Business services touched",
        "Window needed",
        "Implementation plan",
        "Back-out plan",
        "Decision",
        "Decided by",
        "Decision date",
        "CAB comment",
    ):
        assert h in headers
    assert ws.max_row == 1 + len(view.changes) == 3
    cab = [headers.index(h) + 1 for h in ("Decision", "Decided by", "Decision date", "CAB comment")]
    for col in cab:
        assert [ws.cell(row=r, column=col).value for r in (2, 3)] == [None, None]
        assert ws.cell(row=2, column=col).fill.fgColor.rgb[-6:] == "FFF2CC"
    by_type = {dv.type: dv for dv in ws.data_validations.dataValidation}
    assert set(by_type) == {"list", "date"}
    decision, when = by_type["list"], by_type["date"]
    assert decision.formula1 == '"' + ",".join(DECISIONS) + '"'
    letter = ws.cell(row=2, column=cab[0]).column_letter
    assert f"{letter}2:{letter}3" in str(decision.sqref)
    letter = ws.cell(row=2, column=cab[2]).column_letter
    assert f"{letter}2:{letter}3" in str(when.sqref)
    assert when.operator in (None, "between") and when.formula1 == "36526"  # from 2000-01-01 (Excel's serial)
    assert ws.cell(row=2, column=cab[2]).number_format == "yyyy-mm-dd"


def test_plans_one_row_per_step_linked_from_changes(book: Workbook, view: ReportView) -> None:
    plans = rows(book, "Plans")
    expected = [
        (ch.change_id, kind, n, step.split(". ", 1)[1])
        for ch in view.changes
        for kind, steps in (("implementation", ch.implementation_plan), ("back-out", ch.backout_plan))
        for n, step in enumerate(steps, start=1)
    ]
    assert [(r["Change"], r["Plan"], r["Step"], r["What to do"]) for r in plans] == expected
    ws = book["Changes"]
    col = column(book, "Changes", "Implementation plan")
    steps = len(view.changes[0].implementation_plan)
    backout = len(view.changes[0].backout_plan)
    assert ws.cell(row=2, column=col).value.startswith(f"{steps} steps: sheet Plans, rows 2-{1 + steps}\n1. ")
    assert f"{backout} steps: sheet Plans, rows {2 + steps}-" in ws.cell(row=2, column=col + 1).value
    link = ws.cell(row=2, column=column(book, "Changes", "Plan steps"))
    assert link.hyperlink.location == "'Plans'!A2" and link.value == f"Plans rows 2-{1 + steps + backout}"
    second = ws.cell(row=3, column=column(book, "Changes", "Plan steps"))
    assert second.hyperlink.location == f"'Plans'!A{2 + steps + backout}"


def test_no_row_taller_than_the_cap(book: Workbook) -> None:
    for ws in book.worksheets:
        heights = [d.height for d in ws.row_dimensions.values() if d.height]
        assert heights and max(heights) <= LINE_HEIGHT * MAX_LINES, ws.title


def test_print_layout_on_every_sheet(book: Workbook) -> None:
    for ws in book.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.page_setup.fitToWidth in (1, None) and ws.page_setup.fitToHeight == 0, ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.print_title_rows in ("1:1", "$1:$1"), ws.title
        assert ws.print_area, ws.title
        assert "&A" in str(ws.oddHeader.left.text) and "&P" in str(ws.oddFooter.right.text), ws.title


def test_rows_may_be_a_generator_streamed_once(tmp_path: Path) -> None:
    """A sheet's rows are consumed once, in order: a generator of 5,000 rows is written whole."""
    import xlsxwriter

    consumed = []

    def generate():  # type: ignore[no-untyped-def]
        for n in range(5_000):
            consumed.append(n)
            yield (f"row {n}", n)

    out = tmp_path / "big.xlsx"
    wb = xlsxwriter.Workbook(str(out), {"constant_memory": True})
    write_sheet(wb, Formats(wb), Sheet("Big", (Column("Text", 10), Column("N", 6)), generate()))
    wb.close()
    ws = load_workbook(out, read_only=True)["Big"]
    values = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(consumed) == len(values) == 5_000
    assert values[-1] == ("row 4999", 4999)
