"""``viosaudit report --json`` for pipelines and ``--format csv`` beside the reports, on sample_data."""

from __future__ import annotations

import csv
import io
import json
import stat
from pathlib import Path

import jsonschema
import pytest

from viosaudit.cli import EXIT_OK, main
from viosaudit.render.machine import CSV_COLUMNS, schema

SAMPLE = Path(__file__).parents[1] / "sample_data"


def test_json_on_stdout_summary_on_stderr_csv_in_the_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    args = ["report", str(SAMPLE / "snapshot"), "--services", str(SAMPLE / "business_services.csv"),
            "--out", str(out), "--today", "2026-11-25", "--json", "--format", "csv"]  # fmt: skip
    code = main(args)
    captured = capsys.readouterr()
    assert code == EXIT_OK
    doc = json.loads(captured.out)  # stdout is the document and nothing else
    jsonschema.Draft202012Validator(schema(), format_checker=jsonschema.FormatChecker()).validate(doc)
    assert "Reports written to" in captured.err and "Reports written to" not in captured.out
    verdicts = {(f["vios"], f["apar"]): f["verdict"] for f in doc["findings"] if f["rule"] == "vios_apar_exposure"}
    assert verdicts[("p8b-vios1", "IV91339")] == "fail" and verdicts[("p8c-vios1", "IV91339")] == "pass"
    counts = doc["counts"]
    verdict_list = [f["verdict"] for f in doc["findings"]]
    assert (counts["fail"], counts["unknown"], counts["pass"]) == tuple(
        verdict_list.count(v) for v in ("fail", "unknown", "pass")
    )
    assert not (out / "findings.json").exists()  # --json alone writes no file
    path = out / "findings.csv"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert tuple(rows[0]) == CSV_COLUMNS and len(rows) == 1 + len(doc["findings"])
