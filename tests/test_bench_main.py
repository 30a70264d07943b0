"""The end-to-end benchmark runs (at its smallest size): it generates a snapshot, runs the main job in
its own process and prints every stage. Figures are printed, never asserted against a clock."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

BENCH = Path(__file__).parents[1] / "bench" / "bench_main.py"


def test_bench_main_runs_the_main_job_at_the_smallest_size(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("bench_main", BENCH)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    sys.modules["bench_main"] = bench
    spec.loader.exec_module(bench)
    assert bench.main(["--sizes", "1", "--json", str(tmp_path / "figures.json"), "--keep", str(tmp_path / "w")]) == 0
    (row,) = json.loads((tmp_path / "figures.json").read_text())
    assert row["vios"] == 2 and row["clients"] == 40 and row["exit"] in (0, 1)
    assert {"read+verify", "parse", "assemble", "rules", "plan", "pdf", "workbook", "evidence", "total"} <= set(
        row["stages"]
    )
    assert row["pdf_pages"] >= 1 and row["peak_rss_mib"] > 0 and row["snapshot_bytes"] > 0
    assert {"viosaudit-report.pdf", "viosaudit-cab.xlsx", "viosaudit-evidence.zip"} <= set(row["files"])
    out = capsys.readouterr().out
    assert "| read+verify (s) |" in out and "2 VIOS / 40 LPARs" in out and "floor without PDF and workbook" in out
