"""``--pseudonymise`` on sample_data: no original name, serial, WWPN, MAC or IP address in any output file.

The originals come from the unpseudonymised model (the estate, the snapshot manifest and the parsed HMC
records), never from a hand list; every output is read back for real (PDF text with pypdf, every
workbook cell with openpyxl, JSON, CSV, every member of the evidence zip, the HTML report if written).
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import stat
import zipfile
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader

from viosaudit.assemble import build_estate, parse_snapshot
from viosaudit.cli import EXIT_OK, main
from viosaudit.model import VirtualAdapterRecord, VirtualEthernetRecord
from viosaudit.pseudonymise import (
    IPV4,
    KEY_NAME,
    MAP_NAME,
    Pseudonymiser,
    estate_names,
    known_levels,
    load_key,
    pseudonymiser_for,
)
from viosaudit.render import DETAIL_NAME, EVIDENCE_NAME, HTML_NAME, PDF_NAME, XLSX_NAME
from viosaudit.snapshot import MANIFEST, open_snapshot

ROOT = Path(__file__).parents[1]
SAMPLE = ROOT / "sample_data"
ARGS = ["--services", str(SAMPLE / "business_services.csv"), "--today", "2026-11-25", "--format", "json",
        "--format", "csv"]  # fmt: skip


def originals() -> dict[str, str]:
    """original -> what it is, gathered from the model of the sample snapshot."""
    snapshot = open_snapshot(SAMPLE / "snapshot")
    estate = build_estate(snapshot)
    found = {name: kind for kind, name in estate_names(estate)}
    manifest = json.loads((snapshot.root / MANIFEST).read_text(encoding="utf-8"))
    for capture in manifest["captures"]:
        for key in ("host", "via", "managed_system", "partition"):
            if capture.get(key):
                found.setdefault(capture[key], key)
    for parsed in parse_snapshot(snapshot):
        for record in parsed.records:
            if isinstance(record, VirtualAdapterRecord):
                found |= dict.fromkeys(record.wwpns, "wwpn")
            elif isinstance(record, VirtualEthernetRecord) and record.mac_addr:
                found[record.mac_addr] = "mac"
    text = " ".join(p.read_text(encoding="utf-8", errors="replace") for p in (SAMPLE / "snapshot").rglob("*.txt"))
    levels = known_levels(estate)
    found |= {ip: "ip" for ip in IPV4.findall(text) if ip not in levels}
    return found


def pdf_text(data: bytes) -> str:
    return " ".join((page.extract_text() or "") for page in PdfReader(io.BytesIO(data)).pages)


def xlsx_text(data: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(data))
    cells = [str(c.value) for ws in book for row in ws.iter_rows() for c in row if c.value is not None]
    links = [c.hyperlink.target or "" for ws in book for row in ws.iter_rows() for c in row if c.hyperlink]
    return "\n".join([*book.sheetnames, *cells, *links])


def readable(name: str, data: bytes) -> str:
    if name.endswith(".pdf"):
        return pdf_text(data)
    if name.endswith(".xlsx"):
        return xlsx_text(data)
    if name.endswith(".zip"):
        with zipfile.ZipFile(io.BytesIO(data)) as bundle:
            return "\n".join(f"{n}\n{readable(n, bundle.read(n))}" for n in bundle.namelist())
    return data.decode("utf-8", errors="replace")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, str, str, Path]:
    out = tmp_path_factory.mktemp("pseudo") / "report"
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main(["report", str(SAMPLE / "snapshot"), "--out", str(out), "--pseudonymise", "--detail", *ARGS])
    return code, stdout.getvalue(), stderr.getvalue(), out


def test_originals_are_gathered_from_the_model() -> None:
    found = originals()
    kinds = set(found.values())
    assert {"system", "serial", "vios", "partition", "hmc", "wwpn", "mac"} <= kinds, kinds
    assert len(found) > 100


def test_no_original_in_any_output(run: tuple[int, str, str, Path]) -> None:
    code, stdout, stderr, out = run
    assert code == EXIT_OK
    files = sorted(p for p in out.iterdir() if p.is_file() and p.name not in (MAP_NAME, ".viosaudit.lock"))
    assert {p.name for p in files} >= {PDF_NAME, DETAIL_NAME, HTML_NAME, XLSX_NAME, EVIDENCE_NAME,
                                       "findings.json", "findings.csv"}  # fmt: skip
    texts = {p.name: readable(p.name, p.read_bytes()) for p in files}
    texts["stdout"] = stdout
    texts["stderr"] = stderr.replace(str(out), "OUT")
    squeezed = {f"{k} (no whitespace)": re.sub(r"\s+", "", v) for k, v in texts.items() if k.endswith(".pdf")}
    leaks = []
    for original, kind in originals().items():
        pattern = re.compile(rf"(?<![A-Za-z0-9]){re.escape(original)}(?![A-Za-z0-9])", re.I)
        leaks += [f"{kind} {original!r} in {where}" for where, text in (texts | squeezed).items()
                  if pattern.search(text)]  # fmt: skip
    assert not leaks, leaks[:20]
    assert "IV91339" in texts[DETAIL_NAME] and "6.1.9.200" in texts[EVIDENCE_NAME]  # APARs and levels kept


def test_same_verdicts_levels_and_ifixes(run: tuple[int, str, str, Path], tmp_path: Path) -> None:
    """The rules judged the real data: verdict counts and levels are those of the plain run."""
    _code, _stdout, _stderr, out = run
    plain = tmp_path / "plain"
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["report", str(SAMPLE / "snapshot"), "--out", str(plain), *ARGS]) == EXIT_OK
    masked, real = (json.loads((d / "findings.json").read_text(encoding="utf-8")) for d in (out, plain))
    leak = readable(XLSX_NAME, (plain / XLSX_NAME).read_bytes()) + (plain / HTML_NAME).read_text(encoding="utf-8")
    assert all(
        re.search(rf"(?<![A-Za-z0-9]){re.escape(o)}(?![A-Za-z0-9])", leak, re.I) for o in ("P8-PROD-B", "p8b-vios1")
    )
    assert masked["counts"] == real["counts"]
    assert [(f["rule"], f["verdict"], f["severity"], f["apar"]) for f in masked["findings"]] == [
        (f["rule"], f["verdict"], f["severity"], f["apar"]) for f in real["findings"]
    ]
    matched = [f["facts"].get("matched") for f in real["findings"]]
    assert any(matched) and matched == [f["facts"].get("matched") for f in masked["findings"]]  # levels kept


def test_map_is_private_and_tokens_are_stable(run: tuple[int, str, str, Path], tmp_path: Path) -> None:
    _code, _stdout, _stderr, out = run
    mapping = out / MAP_NAME
    assert stat.S_IMODE(mapping.stat().st_mode) == 0o600
    assert stat.S_IMODE((out.parent / KEY_NAME).stat().st_mode) == 0o600
    tokens = json.loads(mapping.read_text(encoding="utf-8"))["tokens"]
    assert {t["original"] for t in tokens.values()} >= {"P8-PROD-B", "p8b-vios1", "hmc01"}
    with zipfile.ZipFile(out / "viosaudit-evidence.zip") as bundle:
        assert not [n for n in bundle.namelist() if "pseudonym" in n]
    # the same key (kept beside the report folders) gives the same tokens in the next run
    snapshot = open_snapshot(SAMPLE / "snapshot")
    fresh = pseudonymiser_for(build_estate(snapshot), snapshot, load_key(out.parent / KEY_NAME))
    again = json.loads(fresh.map_json())["tokens"]
    assert len(again) > 50 and {t: again[t] for t in again} == {t: tokens[t] for t in again}


def test_text_rules() -> None:
    names = [("system", "P8-PROD-B"), ("vios", "p8b-vios1"), ("vios", "p8b-vios10"),
             ("host", "hmc01.bank.example.com"), ("partition", "db 01")]  # fmt: skip
    p = Pseudonymiser(b"k" * 32, names, keep={"7.2.5.200"})
    text = (
        "p8b-vios1 p8b-vios10 P8B-VIOS1.bank.example.com viosbr -file p8b-vios1-pre-change U8286.P8-PROD-B-V1 "
        "10.1.2.3 7.2.5.200 c05076000aaa0001 C0:50:76:00:0A:AA:00:02 9E2B7C41010A 00f9a100cc5a9d92 db 01 p8b_vios1"
    )
    masked = p.text(text)
    for original in ("p8b-vios1 ", "p8b-vios10", "P8-PROD-B", "10.1.2.3", "c05076000aaa0001", "0A:AA:00:02",
                     "9E2B7C41010A", "db 01", "bank.example.com"):  # fmt: skip
        assert original.lower() not in masked.lower(), (original, masked)
    assert "7.2.5.200" in masked and "00f9a100cc5a9d92" in masked and "p8b_vios1" in masked  # levels, PVIDs kept
    assert "-pre-change" in masked and masked == p.text(text)
    assert p.text("p8b-vios1") == p.text("P8B-VIOS1")  # one token per name, whatever the case
