"""`viosaudit run --config FILE` end to end: the real CLI collects over SSH from the fake estate playing
sample_data (strict host keys), then reports; the findings equal those of sample_data itself."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import openpyxl

from viosaudit.assemble import build_estate
from viosaudit.business import load_services
from viosaudit.cli import EXIT_OK, EXIT_PARTIAL, main
from viosaudit.pipeline import ReportJob, judge
from viosaudit.snapshot import open_snapshot

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_data"


def config_for(estate, tmp_path: Path, client_key: Path, *, hmcs: tuple[str, ...], direct: tuple[dict, ...]) -> Path:
    known_hosts = estate.write_known_hosts(tmp_path / "known_hosts")
    lines = [
        "[collect]",
        f'key_file = "{client_key}"',
        f'known_hosts = "{known_hosts}"',
        "use_agent = false",
        "connect_timeout = 10",
        "command_timeout = 30",
    ]
    for name in hmcs:
        lines += ["[[hmc]]", f'name = "{name}"', 'address = "127.0.0.1"', f"port = {estate[name].port}"]
    for vios in direct:
        lines += [
            "[[vios]]",
            f'name = "{vios["host"]}"',
            'address = "127.0.0.1"',
            f"port = {estate[vios['host']].port}",
            f'managed_system = "{vios["managed_system"]}"',
            f'partition = "{vios["partition"]}"',
        ]
    path = tmp_path / "viosaudit.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def keys_and_verdicts(snapshot: Path) -> set[tuple[str, str]]:
    job = ReportJob(snapshot, snapshot, date(2026, 11, 25))
    estate = build_estate(open_snapshot(snapshot))
    register = judge(estate, job, load_services(SAMPLE / "business_services.csv"))
    return {(f.key, f.verdict.value) for f in register.findings}


def test_run_collects_over_ssh_and_reports_the_same_findings_as_sample_data(
    make_estate, client_key, tmp_path, capsys
):
    manifest = json.loads((SAMPLE / "snapshot" / "manifest.json").read_text())
    estate = make_estate(SAMPLE / "snapshot")
    hmcs = tuple(dict.fromkeys(c["host"] for c in manifest["captures"] if c["role"] == "hmc"))
    direct = tuple({c["host"]: c for c in manifest["captures"] if c["command_id"] == "emgr_l"}.values())
    config = config_for(estate, tmp_path, client_key[1], hmcs=hmcs, direct=direct)
    snapshot, reports = tmp_path / "snapshot", tmp_path / "reports"
    code = main(
        [
            "run",
            "--config",
            str(config),
            "--output",
            str(snapshot),
            "--services",
            str(SAMPLE / "business_services.csv"),
            "--out",
            str(reports),
            "--today",
            "2026-11-25",
        ]
    )
    printed = capsys.readouterr().out
    assert code == EXIT_OK, printed
    assert f"Reports written to {reports}/" in printed
    assert keys_and_verdicts(snapshot) == keys_and_verdicts(SAMPLE / "snapshot")
    book = openpyxl.load_workbook(reports / "viosaudit-cab.xlsx")
    titles = [row[3] for row in book["Findings"].iter_rows(min_row=2, values_only=True)]
    assert "P7-BRANCH-D is served by a single VIOS (p7d-vios1)" in titles


def test_collect_with_an_unreachable_hmc_is_partial_and_says_why(make_estate, client_key, tmp_path, capsys):
    estate = make_estate(SAMPLE / "snapshot")
    config = config_for(estate, tmp_path, client_key[1], hmcs=("hmc01",), direct=())
    text = config.read_text().replace(f"port = {estate['hmc01'].port}", "port = 1", 1)
    text += '[[hmc]]\nname = "hmc02"\naddress = "127.0.0.1"\n' + f"port = {estate['hmc02'].port}\n"
    config.write_text(text)
    code = main(["collect", "--config", str(config), "--output", str(tmp_path / "snap")])
    assert code == EXIT_PARTIAL
    gaps = open_snapshot(tmp_path / "snap").manifest.gaps
    assert any(g.host == "hmc01" and "refused" in g.reason.lower() for g in gaps), [g.reason for g in gaps]
    assert open_snapshot(tmp_path / "snap").manifest.captures  # hmc02 was still collected
