"""The history benchmark runs (tiny size): it must not rot between the times someone measures."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).parents[2] / "bench"


def test_the_history_benchmark_runs_at_a_tiny_size(capsys: pytest.CaptureFixture[str]) -> None:
    sys.path.insert(0, str(BENCH))
    try:
        import bench_history
    finally:
        sys.path.remove(str(BENCH))
    args = ["--systems", "3", "--weeks", "3", "--backends", "sqlite", "--zones", "2", "--zone-systems", "2"]
    assert bench_history.main(args) == 0
    out = capsys.readouterr().out
    assert "6 VIOS, 120 LPARs" in out
    assert "sqlite     record:" in out and "diff of the last two" in out and "database:" in out
    assert "sqlite     all 3 zones diff:" in out and "3-week trend" in out
