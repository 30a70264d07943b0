"""End to end on sample_data: report -> evidence for a change -> an after snapshot -> verify-change.

The after snapshots are the sample captures edited as the estate would print them after the work
(ioslevel, lslpp -Lc, lsmap -all) and resealed; they are judged by the same rules as any report.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest

from viosaudit.cli import main
from viosaudit.retention import is_closed

TODAY = "2026-12-01"


def _upgraded_lslpp(text: str) -> str:
    """p7d-vios1 reinstalled at VIOS 4.1.1 (AIX 7.3): every 6.1.9 fileset now at 7.3.1.0."""
    return re.sub(r":6\.1\.9\.\d+:", ":7.3.1.0:", text)


UPGRADE_P7D = {"p7d-vios1/ioslevel.txt": lambda _: "4.1.1.10\n", "p7d-vios1/lslpp_lc.txt": _upgraded_lslpp}
UPGRADE_P10F = {f"{v}/ioslevel.txt": (lambda _: "4.1.1.10\n") for v in ("p10f-vios1", "p10f-vios2")}


def _first_vtd_defined(text: str) -> str:
    return text.replace("Status                Available", "Status                Defined", 1)


def verify(change: Path, after: Path, *extra: str) -> int:
    return main(["verify-change", str(change), "--after", str(after), "--today", TODAY, *extra])


def test_fix_applied_single_vios_change_is_closed(
    make_after: Any, reported: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    change = reported / "changes" / "PROP-01"
    before = json.loads((change / "change.json").read_text(encoding="utf-8"))
    assert before["managed_system"] == "P7-BRANCH-D" and [v["name"] for v in before["vios"]] == ["p7d-vios1"]
    assert (change / "captures" / "p7d-vios1" / "emgr_l.txt").read_bytes() == (
        Path(__file__).parents[2] / "sample_data/snapshot/captures/p7d-vios1/emgr_l.txt"
    ).read_bytes()
    capsys.readouterr()
    assert verify(change, make_after(tmp_path / "after", UPGRADE_P7D)) == 0
    out = capsys.readouterr().out
    assert "closed, all paths back" in out and "not closed" not in out
    assert "IV91339: not affected: devices.vdevice.IBM.v-scsi-host.rte 7.3.1.0 outside" in out
    assert "client br-teller01: every path back (p7d-vios1)" in out
    after = json.loads((change / "after" / "verification.json").read_text(encoding="utf-8"))
    assert after["closed"] is True and after["after_snapshot"] == "after-2026-12-08"
    assert (change / "after" / "captures" / "p7d-vios1" / "ioslevel.txt").read_text() == "4.1.1.10\n"
    assert main(["evidence", "verify", str(change)]) == 0
    assert "after/MANIFEST.sha256" in capsys.readouterr().out
    assert is_closed(change)  # weekly retention may now let this report folder go


def test_vtd_left_defined_on_single_vios_is_not_closed(
    make_after: Any, reported: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edits = {**UPGRADE_P7D, "p7d-vios1/lsmap_all.txt": _first_vtd_defined}
    capsys.readouterr()
    assert verify(reported / "changes" / "PROP-01", make_after(tmp_path / "after", edits), "--no-write") == 1
    out = capsys.readouterr().out
    verdict = out.strip().splitlines()[-1]
    assert verdict.startswith("not closed: client br-file01 has no working path for vSCSI disk hdisk2")
    assert "vtscsi0 is Defined" in verdict


def test_path_left_defined_on_dual_vios_says_one_path(
    make_after: Any, reported: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    change = reported / "changes" / "PROP-05"
    capsys.readouterr()
    assert verify(change, make_after(tmp_path / "ok", UPGRADE_P10F), "--no-write") == 0
    assert capsys.readouterr().out.strip().endswith("client paths back on every VIOS that carried them)")
    edits = {**UPGRADE_P10F, "p10f-vios1/lsmap_all.txt": _first_vtd_defined}
    assert verify(change, make_after(tmp_path / "bad", edits), "--no-write") == 1
    verdict = capsys.readouterr().out.strip().splitlines()[-1]
    assert verdict.startswith("not closed: client ocp-mst01 has one path (vSCSI disk hdisk2")
    assert "through p10f-vios2 only" in verdict
    assert "new finding on P10-NEW-F / ocp-mst01: lpar_single_path_storage:7875D1F:3" in verdict


def test_fix_not_applied_is_not_closed(
    make_after: Any, reported: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert verify(reported / "changes" / "PROP-01", make_after(tmp_path / "after", {}), "--no-write") == 1
    verdict = capsys.readouterr().out.strip().splitlines()[-1]
    assert verdict.startswith("not closed: p7d-vios1 still fails vios_apar_exposure:06A4C2P:1:IV89070")


def test_evidence_verify_says_what_changed(reported: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    change = shutil.copytree(reported / "changes" / "PROP-02", tmp_path / "PROP-02")
    capsys.readouterr()
    assert main(["evidence", "verify", str(change)]) == 0
    (change / "captures" / "p8c-vios1" / "ioslevel.txt").write_text("3.1.4.10\n")
    (change / "record" / "servicenow.json").unlink()
    (change / "notes.txt").write_text("added later\n")
    assert main(["evidence", "verify", str(change)]) == 1
    out = capsys.readouterr().out
    assert "changed: captures/p8c-vios1/ioslevel.txt" in out
    assert "missing: record/servicenow.json" in out
    assert "added:   notes.txt" in out
    assert main(["evidence", "verify", str(tmp_path / "nothing-here")]) == 2


def test_evidence_verify_checks_the_report_zip(
    reported: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    zipped = reported / "viosaudit-evidence.zip"
    assert main(["evidence", "verify", str(zipped)]) == 0
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(zipped) as src, zipfile.ZipFile(tampered, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info, b"edited\n" if info.filename == "findings.json" else data)
    capsys.readouterr()
    assert main(["evidence", "verify", str(tampered)]) == 1
    assert "changed: findings.json" in capsys.readouterr().out
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 not really")
    assert main(["evidence", "verify", str(tmp_path / "broken.zip")]) == 2


def test_change_folder_is_private_and_scoped(reported: Path) -> None:
    change = reported / "changes" / "PROP-01"
    assert change.stat().st_mode & 0o777 == 0o700
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in change.rglob("*") if p.is_file())
    hosts = {p.name for p in (change / "captures").iterdir()}
    assert hosts == {"hmc02", "p7d-vios1"}  # only its VIOS and its system's HMC views
    assert all("P7-BRANCH-D" in p.name for p in (change / "captures" / "hmc02").iterdir())
    entries = json.loads((change / "captures.json").read_text(encoding="utf-8"))
    assert entries and all(e["matches_collection"] for e in entries)
    versions = json.loads((change / "versions.json").read_text(encoding="utf-8"))
    assert versions["snapshot_id"] == "sample-2026-11-23" and versions["tool"].startswith("viosaudit ")
    assert versions["catalogue"]["sha256"] and len(versions["catalogue"]["sha256"]) == 64


def test_report_rerun_keeps_the_after_half_of_the_same_change(
    make_after: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = Path(__file__).parents[2] / "sample_data"
    out = tmp_path / "report"
    args = ["report", str(root / "snapshot"), "--services", str(root / "business_services.csv"), "--today", TODAY]
    assert main([*args, "--out", str(out)]) == 0
    (out / "changes" / "PROP-09").mkdir()  # left by an earlier run that proposed more changes
    assert verify(out / "changes" / "PROP-05", make_after(tmp_path / "after", UPGRADE_P10F)) == 0
    assert main([*args, "--out", str(out)]) == 0
    assert (out / "changes" / "PROP-05" / "after" / "verification.json").is_file()
    assert not (out / "changes" / "PROP-09").exists()
    capsys.readouterr()
    assert main(["evidence", "verify", str(out / "changes" / "PROP-05")]) == 0
