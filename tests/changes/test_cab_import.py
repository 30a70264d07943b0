"""CAB decisions read back: a workbook edited with openpyxl -> cab import -> next week's report shows them."""

from __future__ import annotations

import shutil
import tomllib
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from viosaudit.cli import main
from viosaudit.decisions import load_decisions
from viosaudit.rules.accepted import load_acceptances

ROOT = Path(__file__).parents[2]
SAMPLE = ROOT / "sample_data" / "snapshot"
SERVICES = ROOT / "sample_data" / "business_services.csv"


def _columns(ws) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {c.value: c.column for c in ws[1] if c.value}


def _edit(src: Path, dst: Path, rows: dict[str, dict[str, object]]) -> Path:
    """Fill in decision cells by change id, as a CAB secretary would (the header names, not positions)."""
    shutil.copy(src, dst)
    wb = load_workbook(dst)
    ws = wb["Changes"]
    cols = _columns(ws)
    for row in range(2, ws.max_row + 1):
        values = rows.get(ws.cell(row=row, column=cols["Change"]).value, {})
        for header, value in values.items():
            ws.cell(row=row, column=cols[header]).value = value
    wb.save(dst)
    return dst


def test_workbook_has_a_real_date_column_with_validation(reported: Path) -> None:
    ws = load_workbook(reported / "viosaudit-cab.xlsx")["Changes"]
    col = _columns(ws)["Decision date"]
    letter = ws.cell(row=1, column=col).column_letter
    rules = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    dv = rules[f"{letter}2:{letter}{ws.max_row}"]
    assert dv.type == "date" and dv.showErrorMessage
    assert ws.cell(row=2, column=col).number_format == "yyyy-mm-dd"


def test_cab_import_round_trip(reported: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    workbook = _edit(
        reported / "viosaudit-cab.xlsx",
        tmp_path / "cab.xlsx",
        {
            "PROP-02": {"Decision": "Approve", "Decided by": "J. Smith (CAB chair)",
                        "Decision date": datetime(2026, 12, 3), "CAB comment": "Window Saturday 22:00"},
            "PROP-04": {"Decision": "Accept risk", "Decided by": "Head of Infrastructure",
                        "Decision date": "2026-12-03", "CAB comment": "Core frame replaced in Q1"},
            "PROP-05": {"Decision": "Defer", "Decided by": "J. Smith (CAB chair)", "Decision date": date(2026, 12, 3)},
        },
    )  # fmt: skip
    accepted, decisions = tmp_path / "accepted.toml", tmp_path / "decisions.toml"
    args = ["cab", "import", str(workbook), "--accepted", str(accepted), "--decisions", str(decisions)]
    assert main([*args, "--default-expiry-days", "90"]) == 0
    assert "3 decision(s), 6 acceptance(s) read" in capsys.readouterr().out
    assert accepted.stat().st_mode & 0o777 == 0o600 and decisions.stat().st_mode & 0o777 == 0o600
    register = load_decisions(decisions)
    assert sorted(d.decision.value for d in register.values()) == ["Accept risk", "Approve", "Defer"]
    acceptances = load_acceptances(accepted)
    assert {a.finding for a in acceptances} >= {
        "vios_lifecycle:7848E2X:1",
        "vios_apar_exposure:7848E2X:2:CVE-2022-0778",
    }
    assert all(a.approver == "Head of Infrastructure" and a.expires == date(2027, 3, 3) for a in acceptances)
    assert all(a.reason == "Core frame replaced in Q1" for a in acceptances)

    assert main(args) == 0  # importing the same workbook again adds nothing
    assert "0 decision(s) added" in capsys.readouterr().out
    assert len(load_acceptances(accepted)) == 6 and len(tomllib.loads(decisions.read_text())["decision"]) == 3

    # next week's report shows them
    out = tmp_path / "next"
    assert main(["report", str(SAMPLE), "--services", str(SERVICES), "--today", "2026-12-08", "--out", str(out),
                 "--accepted", str(accepted), "--decisions", str(decisions)]) == 0  # fmt: skip
    ws = load_workbook(out / "viosaudit-cab.xlsx")["Changes"]
    cols = _columns(ws)
    rows = {ws.cell(row=r, column=1).value: r for r in range(2, ws.max_row + 1)}
    titles = {ws.cell(row=r, column=cols["Server"]).value: r for r in rows.values()}
    assert "E980-CORE-E" not in titles  # its findings are accepted: no change proposed
    approved = titles["P8-DEV-C"]
    assert ws.cell(row=approved, column=cols["Decision"]).value == "Approve"
    assert ws.cell(row=approved, column=cols["Decided by"]).value == "J. Smith (CAB chair)"
    assert ws.cell(row=approved, column=cols["Decision date"]).value == datetime(2026, 12, 3)
    assert ws.cell(row=titles["P10-NEW-F"], column=cols["Decision"]).value == "Defer"
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(out / "viosaudit-report.pdf").pages)
    assert "Approved by J. Smith (CAB chair) on 2026-12-03" in text
    assert "Head of Infrastructure" in text  # the accepted risks, with who accepted them
    md = next(p for p in (out / "changes").glob("*/record/change.md") if "P8-DEV-C" in p.read_text())
    assert "Approved by J. Smith (CAB chair) on 2026-12-03 (as PROP-02): Window Saturday 22:00" in md.read_text()


def test_bad_values_are_refused_row_by_row(reported: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    workbook = _edit(
        reported / "viosaudit-cab.xlsx",
        tmp_path / "cab.xlsx",
        {
            "PROP-01": {"Decision": "Approve", "Decided by": "J. Smith", "Decision date": date(2026, 12, 3)},
            "PROP-02": {"Decision": "Aprove", "Decided by": "J. Smith", "Decision date": date(2026, 12, 3)},
            "PROP-03": {"Decision": "Approve", "Decision date": "03/12/2026"},
            "PROP-04": {"Decided by": "J. Smith"},
        },
    )
    ws = load_workbook(workbook)["Changes"]
    cols = _columns(ws)
    letter = {h: ws.cell(row=1, column=c).column_letter for h, c in cols.items()}
    accepted, decisions = tmp_path / "accepted.toml", tmp_path / "decisions.toml"
    args = ["cab", "import", str(workbook), "--accepted", str(accepted), "--decisions", str(decisions)]
    assert main(args) == 2
    err = capsys.readouterr().err
    d, by, on = letter["Decision"], letter["Decided by"], letter["Decision date"]
    assert f"Changes!{d}3: 'Aprove' is not one of 'Approve', 'Reject', 'Defer', 'Accept risk'" in err
    assert f"Changes!{by}4: who decided is missing" in err
    assert f"Changes!{on}4: '03/12/2026' is not a date" in err
    assert f"Changes!{d}5: no decision, but Changes!{by}5 is filled in" in err
    assert "Changes!" + d + "2" not in err  # the good row is not blamed
    assert not accepted.exists() and not decisions.exists()  # nothing written


def test_not_a_workbook_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "cab.xlsx"
    bad.write_text("not a workbook")
    assert main(["cab", "import", str(bad), "--accepted", str(tmp_path / "a"), "--decisions", str(tmp_path / "d")]) == 2
    assert "cannot read it as an Excel workbook" in capsys.readouterr().err
