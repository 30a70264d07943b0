"""The main job on sample_data, end to end, read back from the real PDF, XLSX and evidence zip; and the
same job on damaged copies of the snapshot (garbled output, a missing file)."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from pypdf import PdfReader

from viosaudit.cli import EXIT_ERROR, EXIT_OK, EXIT_PARTIAL, main

ROOT = Path(__file__).parents[1]
SAMPLE = ROOT / "sample_data"


def run(snapshot: Path, out: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(
        [
            "report",
            str(snapshot),
            "--services",
            str(SAMPLE / "business_services.csv"),
            "--out",
            str(out),
            "--today",
            "2026-11-25",
        ]
    )
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def pdf_text(path: Path) -> str:
    """All the PDF's text with whitespace normalised (table cells wrap lines anywhere)."""
    return " ".join(" ".join(page.extract_text() or "" for page in PdfReader(path).pages).split())


def html_data(path: Path) -> dict[str, Any]:
    """The HTML report's data block (findings, evidence lines, servers; texts in its string table)."""
    html = path.read_text(encoding="utf-8")
    start = html.index('id="viosaudit-data">') + len('id="viosaudit-data">')
    data: dict[str, Any] = json.loads(html[start : html.index("</script>", start)])
    return data


def html_findings(path: Path) -> list[dict[str, Any]]:
    """The HTML report's findings, unpacked from its string table."""
    data = html_data(path)
    strings = data["strings"]

    def unpack(value: Any) -> Any:
        return [unpack(v) for v in value] if isinstance(value, list) else strings[value]

    return [{name: unpack(v) for name, v in zip(data["fields"], row, strict=True)} for row in data["findings"]]


def sheet_rows(path: Path, name: str) -> list[dict[str, object]]:
    sheet = openpyxl.load_workbook(path)[name]
    rows = list(sheet.iter_rows(values_only=True))
    header = [str(h) for h in rows[0]]
    return [dict(zip(header, row, strict=False)) for row in rows[1:]]


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, str, Path]:
    out = tmp_path_factory.mktemp("report")
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = main(
            [
                "report",
                str(SAMPLE / "snapshot"),
                "--services",
                str(SAMPLE / "business_services.csv"),
                "--out",
                str(out),
                "--today",
                "2026-11-25",
                "--detail",
                "--max-age-days",
                "1",  # the sample was captured on 2026-11-23: two days old
            ]
        )
    return code, buffer.getvalue(), out


def test_main_job_exits_0_and_prints_where_the_reports_went(sample_run: tuple[int, str, Path]) -> None:
    code, printed, out = sample_run
    assert code == EXIT_OK
    assert f"Reports written to {out}/" in printed
    assert "6 managed systems, 11 VIOS, 42 client partitions" in printed
    for name in ("viosaudit-report.pdf", "viosaudit-cab.xlsx", "viosaudit-evidence.zip"):
        assert (out / name).stat().st_size > 1000


def test_pdf_tells_management_the_status_counts_and_findings(sample_run: tuple[int, str, Path]) -> None:
    _code, _printed, out = sample_run
    reader = PdfReader(out / "viosaudit-report.pdf")
    page1 = reader.pages[0].extract_text() or ""
    assert "ACTION NEEDED" in page1
    assert "6 of 6" in page1 and "servers exposed" in page1  # all VIOS near or past end of fix support
    assert "What it means for the business" in page1 and "What we recommend" in page1
    assert "P7-BRANCH-D" in page1  # the single-VIOS system: fixing it is an outage
    text = pdf_text(out / "viosaudit-report-detail.pdf")  # the full listing
    for vios in ("p8b-vios1", "p8b-vios2", "p7d-vios1"):
        assert f"{vios} exposed to IV91339" in text
    assert "P7-BRANCH-D is served by a single VIOS (p7d-vios1)" in text
    assert "sap-legacy" in text
    for vios in ("p8c-vios1", "p8c-vios2"):
        assert f"{vios} interim fix installed for IV91339" in text
        assert f"{vios} exposed to IV91339" not in text


def test_old_snapshot_is_flagged_on_page1_and_in_the_summary(sample_run: tuple[int, str, Path]) -> None:
    _code, printed, out = sample_run
    warning = "The data is 2 days old (captured 2026-11-23, judged as of 2026-11-25; the limit is 1 days)"
    assert f"WARNING: {warning}" in printed
    page1 = " ".join((PdfReader(out / "viosaudit-report.pdf").pages[0].extract_text() or "").split())
    assert warning in page1


def test_short_pdf_is_at_most_six_pages_pdfa_with_metadata(sample_run: tuple[int, str, Path]) -> None:
    _code, _printed, out = sample_run
    reader = PdfReader(out / "viosaudit-report.pdf")
    assert 2 <= len(reader.pages) <= 6
    meta = reader.metadata
    assert meta is not None
    assert meta.title == "VIOS estate audit: sample-2026-11-23"
    assert meta.author == "viosaudit"
    assert meta.subject and "management summary" in meta.subject and "sample-2026-11-23" in meta.subject
    xmp = reader.xmp_metadata
    assert xmp is not None and (xmp.pdfaid_part, xmp.pdfaid_conformance) == ("3", "B")  # PDF/A-3b
    text = pdf_text(out / "viosaudit-report.pdf")
    for heading in ("Business services affected", "Proposed changes", "Top open risks", "Gaps: not collected"):
        assert heading in text
    assert "IV91339" in text and "3 VIOS" in text  # one row per APAR with its VIOS count
    assert "p8b-vios1 exposed to IV91339" not in text  # not one row per VIOS
    assert "Back-out plan" not in text  # the runbooks are in the detail PDF and the workbook
    assert "and 14 more: see the HTML report" in text  # 24 services, capped at 10


def test_detail_pdf_carries_every_finding(sample_run: tuple[int, str, Path]) -> None:
    _code, _printed, out = sample_run
    with zipfile.ZipFile(out / "viosaudit-evidence.zip") as z:
        findings = json.loads(z.read("findings.json"))
    text = "".join(pdf_text(out / "viosaudit-report-detail.pdf").split())
    assert len(findings) > 100
    missing = [f["title"] for f in findings if "".join(f["title"].split()) not in text]
    assert missing == []


def test_xlsx_findings_and_inventory(sample_run: tuple[int, str, Path]) -> None:
    _code, _printed, out = sample_run
    path = out / "viosaudit-cab.xlsx"
    book = openpyxl.load_workbook(path)
    assert {"Findings", "Inventory"} <= set(book.sheetnames)
    for name in ("Findings", "Inventory"):
        assert book[name].freeze_panes is not None and book[name].auto_filter.ref
    findings = sheet_rows(path, "Findings")
    by_title = {str(r["Title"]): r for r in findings}
    iv91339 = {t: r for t, r in by_title.items() if "IV91339" in t}
    exposed = sorted(t.split()[0] for t, r in iv91339.items() if r["Verdict"] == "FAIL")
    assert exposed == ["p7d-vios1", "p8b-vios1", "p8b-vios2"]
    assert not [t for t, r in iv91339.items() if r["Verdict"] == "PASS"]  # passed checks have a sheet of their own
    passed = {str(r["Title"]): r for r in sheet_rows(path, "Passed checks")}
    protected = sorted(t.split()[0] for t, r in passed.items() if "IV91339" in t and r["Verdict"] == "PASS")
    assert protected == ["p8c-vios1", "p8c-vios2"]
    single = by_title["P7-BRANCH-D is served by a single VIOS (p7d-vios1)"]
    assert single["Verdict"] == "FAIL" and single["Outage to fix"] == "yes"
    changes = {str(r["Server"]): r for r in sheet_rows(path, "Changes")}
    assert set(changes) == {"P7-BRANCH-D", "P8-DEV-C", "P8-PROD-B", "E980-CORE-E", "P9-PROD-A", "P10-NEW-F"}
    branch = str(changes["P7-BRANCH-D"]["Business statement"])
    assert "a single I/O server" in branch and "Branch teller" in branch
    assert "No business service is interrupted" in str(changes["P8-PROD-B"]["Business statement"])
    assert changes["P8-PROD-B"]["Decision"] is None  # the CAB decides


# Placeholders a runbook must never print instead of a real name: <vios>, <label>, hdiskN, entN, fcsN ...
PLACEHOLDER = re.compile(r"<[A-Za-z][\w -]*>|\b(?:hdisk|ent|vhost|vfchost|fcs|vscsi|rmt|cd)[NMX]\b")


def test_placeholder_pattern_finds_what_it_is_for() -> None:
    found = PLACEHOLDER.findall("viosbr -backup -file <vios>-pre-change; alt_root_vg -target hdiskN; entstat entN")
    assert found == ["<vios>", "hdiskN", "entN"]
    assert not PLACEHOLDER.findall("alt_root_vg -target hdisk9; chdev -dev ent8; lsmap -all -npiv")


def test_reports_name_real_vios_disks_and_adapters_never_placeholders(sample_run: tuple[int, str, Path]) -> None:
    """The rendered PDF text, every workbook cell and the change plans of the evidence name real things."""
    _code, printed, out = sample_run
    texts = {
        "pdf": pdf_text(out / "viosaudit-report.pdf"),
        "detail pdf": pdf_text(out / "viosaudit-report-detail.pdf"),
        "html": "\n".join(str(f) for f in html_findings(out / "viosaudit-report.html")),  # not the raw evidence
        "summary": printed,
    }
    book = openpyxl.load_workbook(out / "viosaudit-cab.xlsx")
    texts |= {f"xlsx {ws.title}!{c.coordinate}": str(c.value) for ws in book for row in ws.iter_rows() for c in row
              if c.value is not None}  # fmt: skip
    with zipfile.ZipFile(out / "viosaudit-evidence.zip") as bundle:
        texts |= {n: bundle.read(n).decode() for n in bundle.namelist() if n.startswith("changes/")}
    found = {where: PLACEHOLDER.findall(text) for where, text in texts.items() if PLACEHOLDER.search(text)}
    assert not found, found
    plans = " ".join(v for k, v in texts.items() if k.startswith("changes/"))
    assert "`viosbr -backup -file p8b-vios2-pre-upgrade`" in plans and "`entstat -all ent6 | grep -i state`" in plans


def test_evidence_zip_hashes_match_and_hold_raw_output(sample_run: tuple[int, str, Path]) -> None:
    _code, _printed, out = sample_run
    with zipfile.ZipFile(out / "viosaudit-evidence.zip") as bundle:
        names = set(bundle.namelist())
        manifest = json.loads(bundle.read("evidence-manifest.json"))
        listed = {entry["path"]: entry["sha256"] for entry in manifest["files"]}
        assert listed, "evidence manifest lists no files"
        for path, digest in listed.items():
            assert hashlib.sha256(bundle.read(path)).hexdigest() == digest, path
        raw = next(n for n in names if n.endswith("p8b-vios1/lslpp_lc.txt"))
        original = SAMPLE / "snapshot" / "captures" / "p8b-vios1" / "lslpp_lc.txt"
        assert bundle.read(raw) == original.read_bytes()
        assert any(n.endswith("findings.json") for n in names)


def damaged_copy(tmp_path: Path) -> Path:
    snapshot = tmp_path / "snapshot"
    shutil.copytree(SAMPLE / "snapshot", snapshot)
    return snapshot


def garble(snapshot: Path, relative: str, text: str) -> None:
    """Damage a capture as a host would have sent it (the manifest hash is of what it sent)."""
    capture = snapshot / relative
    capture.write_text(text)
    manifest = json.loads((snapshot / "manifest.json").read_text())
    for entry in manifest["captures"]:
        if entry["file"] == relative:
            entry["sha256"] = hashlib.sha256(capture.read_bytes()).hexdigest()
    (snapshot / "manifest.json").write_text(json.dumps(manifest))


def test_garbled_output_names_file_host_command_line_and_the_rest_is_still_judged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    snapshot = damaged_copy(tmp_path)
    garble(snapshot, "captures/p8b-vios2/ioslevel.txt", "ioslevel: 0403-006 Execute permission denied.\n")
    code, printed, _err = run(snapshot, tmp_path / "out", capsys)
    assert code == EXIT_PARTIAL
    gap_line = next(line for line in printed.splitlines() if "p8b-vios2 ioslevel" in line)
    assert "captures/p8b-vios2/ioslevel.txt:1" in gap_line and "'ioslevel'" in gap_line
    assert "line 1" in gap_line and "Execute permission denied" in gap_line
    text = "\n".join(f["t"] for f in html_findings(tmp_path / "out" / "viosaudit-report.html"))  # every finding
    assert "p8b-vios1 exposed to IV91339" in text  # the other hosts are still judged
    # IV91339's fileset ranges are per release line: without ioslevel it cannot be decided
    assert "p8b-vios2 exposure unknown for IV91339" in text
    assert "p8b-vios2 exposed to IV91339" not in text


def test_vios_with_unreadable_output_is_unknown_in_every_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    snapshot = damaged_copy(tmp_path)
    garble(snapshot, "captures/p9a-vios2/ioslevel.txt", "3.1.4.\n")  # cut short
    code, printed, _err = run(snapshot, tmp_path / "out", capsys)
    assert code == EXIT_PARTIAL
    assert "p9a-vios2 ioslevel (captures/p9a-vios2/ioslevel.txt:1)" in printed
    out = tmp_path / "out"
    inventory = sheet_rows(out / "viosaudit-cab.xlsx", "Inventory")
    row = next(r for r in inventory if r["Name"] == "p9a-vios2")
    assert row["Status"] == "unknown" and "unreadable" in str(row["Data collected"])
    gaps = sheet_rows(out / "viosaudit-cab.xlsx", "Gaps")
    assert any(g["Host"] == "p9a-vios2" and g["Status"] == "unreadable" for g in gaps)
    text = pdf_text(out / "viosaudit-report.pdf")
    assert "p9a-vios2" in text and "could not be checked" in text
    with zipfile.ZipFile(out / "viosaudit-evidence.zip") as bundle:
        view = json.loads(bundle.read(next(n for n in bundle.namelist() if n.endswith("view.json"))))
    (vios,) = [v for v in view["inventory"]["vios"] if v["name"] == "p9a-vios2"]
    assert vios["status"] == "unknown"


def test_missing_capture_file_is_a_not_collected_gap_not_a_pass(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    snapshot = damaged_copy(tmp_path)
    (snapshot / "captures" / "p7d-vios1" / "emgr_l.txt").unlink()
    code, printed, _err = run(snapshot, tmp_path / "out", capsys)
    assert code == EXIT_PARTIAL
    assert "p7d-vios1 emgr_l" in printed and "missing" in printed
    findings = sheet_rows(tmp_path / "out" / "viosaudit-cab.xlsx", "Findings")
    iv = next(r for r in findings if str(r["Title"]).startswith("p7d-vios1") and "IV91339" in str(r["Title"]))
    assert iv["Verdict"] == "UNKNOWN"


def test_not_a_snapshot_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(tmp_path, tmp_path / "out", capsys)
    assert code == EXIT_ERROR
    assert "no manifest.json" in err


def test_accepted_risk_is_shown_with_approver_and_stale_acceptance_is_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    register = tmp_path / "accepted.toml"
    register.write_text(
        """
[[acceptance]]
finding = "system_single_vios:06A4C2P"
reason = "Branch closes in March 2027; a second VIOS is not worth buying"
approver = "Head of Branch IT"
decided = 2026-11-02
expires = 2027-03-31
change = "CHG0041231"

[[acceptance]]
finding = "system_single_vios:NOSUCH1"
reason = "Decommissioned"
approver = "CIO"
decided = 2026-01-01
expires = 2027-01-01
"""
    )
    out = tmp_path / "out"
    args = ["report", str(SAMPLE / "snapshot"), "--services", str(SAMPLE / "business_services.csv")]
    code = main([*args, "--accepted", str(register), "--out", str(out), "--today", "2026-11-25"])
    printed = capsys.readouterr().out
    assert code == EXIT_OK
    assert "Stale acceptance system_single_vios:NOSUCH1" in printed
    findings = {str(r["Key"]): r for r in sheet_rows(out / "viosaudit-cab.xlsx", "Findings")}
    accepted = findings["system_single_vios:06A4C2P"]
    assert accepted["Verdict"] == "ACCEPTED (FAIL)"
    assert "Head of Branch IT" in str(accepted["Risk acceptance"]) and "2027-03-31" in str(accepted["Risk acceptance"])
    text = pdf_text(out / "viosaudit-report.pdf")
    assert "Head of Branch IT" in text and "is stale" in text


def test_every_open_finding_cites_snapshot_lines_that_exist(sample_run: tuple[int, str, Path]) -> None:
    _code, _printed, out = sample_run
    rows = sheet_rows(out / "viosaudit-cab.xlsx", "Findings")
    open_rows = [r for r in rows if r["Verdict"] in ("FAIL", "UNKNOWN")]
    assert open_rows
    for row in open_rows:
        refs = str(row["Evidence (file:lines)"] or "").split()
        assert refs, f"{row['Key']} cites no evidence"
        for ref in refs:
            file, _, lines = ref.rstrip(",").rpartition(":")
            path = SAMPLE / "snapshot" / file
            assert path.is_file(), f"{row['Key']}: {ref}"
            first, _, last = lines.partition("-")
            count = len(path.read_text().splitlines())
            assert 1 <= int(first) <= int(last or first) <= max(count, 1), f"{row['Key']}: {ref} ({count} lines)"


def every_finding(path: Path) -> dict[str, dict[str, object]]:
    """Key -> row of the workbook's Findings and Passed checks sheets together."""
    return {str(r["Key"]): r for name in ("Findings", "Passed checks") for r in sheet_rows(path, name)}


def test_expert_expectations_on_the_sample_estate(sample_run: tuple[int, str, Path]) -> None:
    _code, _printed, out = sample_run
    rows = every_finding(out / "viosaudit-cab.xlsx")
    verdict = {key: row["Verdict"] for key, row in rows.items()}
    # sap-legacy (E980, id 8): all disks through e980-vios1 although the system has two VIOS
    assert verdict["lpar_single_path_storage:7848E2X:8"] == "FAIL"
    # the E980 is listed by both HMCs and counted once
    assert sum(1 for k in verdict if k.startswith("system_single_vios:7848E2X")) == 1
    # healthy dual-VIOS P9: no open finding about redundancy
    assert not [k for k, v in verdict.items() if ":7841F2A" in k and "single" in k and v != "PASS"]
    # HMC-mode VIOS (no emgr / lslpp): exposure to fileset-defined APARs is unknown, never clear
    p10 = [r for k, r in rows.items() if k.startswith("vios_apar_exposure:7875D1F:1:CVE")]
    assert p10 and all(r["Verdict"] == "UNKNOWN" for r in p10)
    assert all("not collected" in str(r["Technical detail"]) for r in p10)
    # IV91339 does not apply to VIOS 3.1 / 4.1 / 2.2.6, even where lslpp was not collected
    assert not [k for k in verdict if k.endswith(":IV91339") and (":7841F2A:" in k or ":7875D1F:" in k)]


def test_reserve_policy_and_sea_failover_on_the_sample_estate(sample_run: tuple[int, str, Path]) -> None:
    _code, _printed, out = sample_run
    rows = every_finding(out / "viosaudit-cab.xlsx")
    # p8b-vios2 kept single_path on two data disks of web-db01, also served through p8b-vios1
    reserve = rows["vios_disk_reserve:21ABCDE:2"]
    assert reserve["Verdict"] == "FAIL" and "p8b-vios2" in str(reserve["Title"])
    assert "hdisk7 single_path" in str(reserve["Technical detail"]) and "web-db01" in str(reserve["Technical detail"])
    assert rows["vios_disk_reserve:21ABCDE:1"]["Verdict"] == "PASS"
    # HMC-mode VIOS: reserve policy and SEA attributes are unknown, never clear
    assert rows["vios_disk_reserve:7875D1F:1"]["Verdict"] == "UNKNOWN"
    assert rows["vios_sea_failover:7875D1F:1"]["Verdict"] == "UNKNOWN"
    # dual-VIOS SEAs with ha_mode=auto and a control channel pass; the single P7 VIOS has no partner
    assert rows["vios_sea_failover:21ABCDE:1"]["Verdict"] == "PASS"
    assert not [k for k in rows if k.startswith("vios_sea_failover:06A4C2P")]
