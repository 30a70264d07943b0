"""Render for real (PDF, XLSX, evidence zip) and read the files back."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from openpyxl import load_workbook  # type: ignore[import-untyped]
from pypdf import PdfReader
from render_case import GENERATED_AT, INJECTION, IV_TITLE, RAW, SNAPSHOT_ID, build_snapshot

from viosaudit.errors import RenderError
from viosaudit.jsonable import to_jsonable
from viosaudit.render import ReportFiles, render_html, write_reports
from viosaudit.render.evidence import write_evidence
from viosaudit.render.view import ReportView
from viosaudit.render.xlsx import DECISIONS, safe_text
from viosaudit.rules.base import Finding
from viosaudit.snapshot import Snapshot, open_snapshot

PAGE1_JARGON = ("APAR", "IV91339", "LPAR", "ifix", "vSCSI", "NPIV", "LPM", "SEA", "fileset", "rule")


@pytest.fixture(scope="module")
def files(
    view: ReportView, snapshot: Snapshot, findings: tuple[Finding, ...], tmp_path_factory: pytest.TempPathFactory
) -> ReportFiles:
    return write_reports(view, snapshot, tmp_path_factory.mktemp("out") / "2024-05-06", findings=findings)


@pytest.fixture(scope="module")
def pages(files: ReportFiles) -> list[str]:
    return [page.extract_text() for page in PdfReader(files.pdf).pages]


def test_file_names(files: ReportFiles) -> None:
    assert [files.pdf.name, files.xlsx.name, files.evidence.name] == [
        "viosaudit-report.pdf", "viosaudit-cab.xlsx", "viosaudit-evidence.zip"
    ]


# ---------------------------------------------------------------- PDF


def test_pdf_page1_is_the_management_summary(pages: list[str]) -> None:
    page1 = " ".join(pages[0].split())
    for text in ("ACTION NEEDED", "What it means for the business", "What we recommend",
                 "servers exposed", "I/O servers (VIOS)", "unknown status", "Risks formally accepted",
                 "Head of Infrastructure", "2024-12-31"):
        assert text in page1
    for count in ("2 of 3", "3 of 5", "1 of 5", "3 of 6"):
        assert count in page1
    assert "Page 1 of" in page1 and SNAPSHOT_ID in page1 and "2024-05-06 07:30 UTC" in page1


def test_pdf_page1_has_no_jargon(pages: list[str]) -> None:
    found = [word for word in PAGE1_JARGON if word.lower() in pages[0].lower()]
    assert found == []


def test_pdf_has_findings_changes_inventory_gaps(pages: list[str]) -> None:
    text = " ".join(" ".join(pages[1:]).split())  # table cells wrap: compare with single spaces
    for expected in (IV_TITLE, "Cannot tell whether vios_c2 is exposed to IV91339", "IV91339: interim fix installed",
                     "Client disks reachable through one VIOS only", "Proposed changes", "PROP-01", "PROP-02",
                     "Risk of not doing", "Back-out plan", "Inventory", "Gaps", "not collected", "unknown",
                     "unreadable", "client <none> skipped", "ACCEPTED (FAIL)", "Likelihood rare",
                     "acceptance by CIO expired on 2024-03-31"):
        assert expected in text, expected
    order = ["Findings 5 failed", "Proposed changes One change", "Inventory Servers", "Gaps: not collected"]
    assert [text.index(heading) for heading in order] == sorted(text.index(heading) for heading in order)


def test_html_is_escaped(view: ReportView) -> None:
    html = render_html(replace(view, title="<script>alert(1)</script>"))
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert "client &lt;none&gt; skipped" in html


def test_site_templates_override_packaged_ones(view: ReportView, tmp_path: Path) -> None:
    (tmp_path / "about.html").write_text("<p>ACME branding {{ view.snapshot_id }}</p>", encoding="utf-8")
    assert f"ACME branding {SNAPSHOT_ID}" in render_html(view, user_dir=tmp_path)


def test_undefined_in_a_template_is_an_error(view: ReportView, tmp_path: Path) -> None:
    (tmp_path / "about.html").write_text("{{ view.no_such_field }}", encoding="utf-8")
    with pytest.raises(RenderError, match="no_such_field"):
        render_html(view, user_dir=tmp_path)


# ---------------------------------------------------------------- XLSX


def test_xlsx_sheets_frozen_filtered(files: ReportFiles) -> None:
    wb = load_workbook(files.xlsx)
    assert wb.sheetnames == ["Summary", "Findings", "Changes", "Inventory", "Gaps"]
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2", ws.title
    for name in ("Findings", "Changes", "Inventory", "Gaps"):
        assert wb[name].auto_filter.ref, name
    assert wb["Summary"]["B3"].value == "ACTION NEEDED"
    assert wb["Findings"].max_row == 1 + 7
    assert wb["Inventory"].max_row == 1 + 3 + 5 + 6


def test_xlsx_changes_for_the_cab(files: ReportFiles) -> None:
    ws = load_workbook(files.xlsx)["Changes"]
    headers = [c.value for c in ws[1]]
    for h in ("Risk of doing", "Risk of not doing", "Business services touched", "Window needed",
              "Implementation plan", "Back-out plan", "Decision"):
        assert h in headers
    col = headers.index("Decision") + 1
    assert ws.max_row == 3
    assert [ws.cell(row=r, column=col).value for r in (2, 3)] == [None, None]
    letter = ws.cell(row=2, column=col).column_letter
    validations = [v for v in ws.data_validations.dataValidation if v.type == "list"]
    assert len(validations) == 1  # besides the Decision date's date validation
    dv = validations[0]
    assert dv.type == "list" and dv.formula1 == '"' + ",".join(DECISIONS) + '"'
    assert f"{letter}2:{letter}3" in str(dv.sqref)
    assert "Accept risk" in dv.formula1


def test_xlsx_neutralises_formula_injection(files: ReportFiles) -> None:
    wb = load_workbook(files.xlsx)
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    owner = next(c for c in wb["Inventory"].iter_rows() if c[2].value == "mail01")[13]
    assert owner.value == "'" + INJECTION and owner.data_type == "s"
    assert not [c for c in cells if isinstance(c.value, str) and c.value.startswith(("=", "+", "-", "@"))]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_safe_text_prefixes_formula_starts(start: str) -> None:
    assert safe_text(start + "1+1") == "'" + start + "1+1"


def test_safe_text_leaves_plain_text_and_strips_control_characters() -> None:
    assert safe_text("vios_a1") == "vios_a1"
    assert safe_text("a\x00b") == "a\ufffdb"
    assert len(safe_text("x" * 40_000)) <= 32_767


# ---------------------------------------------------------------- evidence zip


def test_zip_holds_raw_bytes_and_reports(files: ReportFiles, snapshot: Snapshot) -> None:
    with zipfile.ZipFile(files.evidence) as z:
        names = set(z.namelist())
        for capture in snapshot.manifest.captures:
            assert z.read(f"snapshot/{capture.file}") == (snapshot.root / capture.file).read_bytes()
        assert {raw for _h, _c, _s, raw in RAW} == {
            z.read(f"snapshot/{c.file}") for c in snapshot.manifest.captures
        }
        assert z.read("snapshot/manifest.json") == (snapshot.root / "manifest.json").read_bytes()
        assert {"findings.json", "view.json", "README.txt", "evidence-manifest.json", "MANIFEST.sha256",
                "changes/PROP-01.txt", "changes/PROP-02.txt", "reports/viosaudit-report.pdf",
                "reports/viosaudit-cab.xlsx"} <= names
        plan = z.read("changes/PROP-02.txt").decode()
        assert "Implementation plan:" in plan and "Back-out plan:" in plan and "vios_a2" in plan


def test_zip_findings_and_view_json(files: ReportFiles, view: ReportView, findings: tuple[Finding, ...]) -> None:
    with zipfile.ZipFile(files.evidence) as z:
        expected = json.loads(json.dumps(to_jsonable(list(findings)), default=str))  # dates as ISO text
        assert json.loads(z.read("findings.json")) == expected
        assert json.loads(z.read("findings.json"))[3]["acceptance"]["expires"] == "2024-12-31"
        assert json.loads(z.read("view.json")) == to_jsonable(view)


def test_zip_every_sha256_matches(files: ReportFiles) -> None:
    with zipfile.ZipFile(files.evidence) as z:
        names = set(z.namelist())
        listed = {}
        for line in z.read("MANIFEST.sha256").decode().splitlines():
            digest, name = line.split("  ", 1)
            listed[name] = digest
        assert set(listed) == names - {"MANIFEST.sha256"}
        for name, digest in listed.items():
            assert hashlib.sha256(z.read(name)).hexdigest() == digest, name
        manifest = json.loads(z.read("evidence-manifest.json"))
        assert {f["path"] for f in manifest["files"]} == names - {"MANIFEST.sha256", "evidence-manifest.json"}
        for entry in manifest["files"]:
            assert hashlib.sha256(z.read(entry["path"])).hexdigest() == entry["sha256"]
        assert manifest["problems"] == []
        assert all(c["matches_collection"] for c in manifest["captures"])


def test_zip_is_reproducible(view: ReportView, snapshot: Snapshot, findings: tuple[Finding, ...],
                             tmp_path: Path) -> None:
    a = write_evidence(view, snapshot, findings, tmp_path / "a.zip")
    b = write_evidence(view, snapshot, findings, tmp_path / "b.zip")
    assert a.read_bytes() == b.read_bytes()
    with zipfile.ZipFile(a) as z:
        assert z.getinfo("findings.json").date_time == (2024, 5, 6, 7, 30, 0)


def test_zip_records_a_tampered_capture(view: ReportView, findings: tuple[Finding, ...], tmp_path: Path) -> None:

    snap = build_snapshot(tmp_path / SNAPSHOT_ID)
    target = snap.manifest.captures[1]
    (snap.root / target.file).write_bytes(b"9.9.9.9\n")
    out = write_evidence(view, open_snapshot(snap.root), findings, tmp_path / "e.zip")
    with zipfile.ZipFile(out) as z:
        manifest = json.loads(z.read("evidence-manifest.json"))
        assert z.read(f"snapshot/{target.file}") == b"9.9.9.9\n"
        assert "no longer matches" in z.read("README.txt").decode()
    bad = [c for c in manifest["captures"] if not c["matches_collection"]]
    assert [c["file"] for c in bad] == [f"snapshot/{target.file}"]
    assert len(manifest["problems"]) == 1


def test_zip_without_findings_says_so(view: ReportView, snapshot: Snapshot, tmp_path: Path) -> None:
    out = write_evidence(view, snapshot, None, tmp_path / "e.zip")
    with zipfile.ZipFile(out) as z:
        data = json.loads(z.read("findings.json"))
        assert data["source"] == "report view" and len(data["findings"]) == 7
        assert "without findings=" in z.read("README.txt").decode()


def test_write_reports_refuses_another_snapshot(view: ReportView, snapshot: Snapshot,
                                                findings: tuple[Finding, ...], tmp_path: Path) -> None:
    with pytest.raises(RenderError, match="same snapshot"):
        write_reports(replace(view, snapshot_id="other"), snapshot, tmp_path, findings=findings)


def test_pdf_bytes_are_a_pdf(files: ReportFiles) -> None:
    assert io.BytesIO(files.pdf.read_bytes()).read(5) == b"%PDF-"
    assert GENERATED_AT
