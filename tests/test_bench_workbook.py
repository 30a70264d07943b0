"""bench/bench_workbook.py runs (on a tiny estate): the figures it prints are measured, never asserted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_workbook_benchmark_runs_on_a_tiny_estate() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_workbook.py"), "2"],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "4 VIOS, 80 LPARs" in done.stdout and "workbook:" in done.stdout and "findings JSON + CSV" in done.stdout
