"""All zones at once (--history-scope all, `history diff --zone all`), on a SQLite file and a real
PostgreSQL server: two zones recorded on different days of interleaved weeks, a zone added later."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader

from history.records import finding, run
from viosaudit.cli import EXIT_OK, main
from viosaudit.history.record import record_run
from viosaudit.history.scope import scope_runs, week_buckets
from viosaudit.history.store import open_store
from viosaudit.history.summary import SCOPE_ALL, summarize

ROOT = Path(__file__).parents[2]
SAMPLE = ROOT / "sample_data"
LINE = (
    "Since last week, all 3 zones: 2 new, 2 fixed, 2 still open (oldest: 14 days); "
    "zone dc3 added (3 open findings, not counted as new)"
)


def record_estate(db: str) -> dict[str, int]:
    """dc1 collects on Mondays, dc2 on Wednesdays; dc3 starts on Thursday 2026-11-12."""
    engine = open_store(db)
    ids = {}
    weeks = {
        ("dc1", "2026-11-02"): [finding("a:1")],
        ("dc2", "2026-11-04"): [finding("x:1"), finding("y:1", severity="critical")],
        ("dc1", "2026-11-09"): [finding("a:1"), finding("b:1")],
        ("dc2", "2026-11-11"): [finding("x:1"), finding("z:1", severity="medium")],
        ("dc3", "2026-11-12"): [finding("p:1"), finding("q:1"), finding("r:1", severity="low")],
        ("dc1", "2026-11-16"): [finding("a:1"), finding("c:1")],
    }
    for (zone, day), found in weeks.items():
        ids[f"{zone} {day}"] = record_run(engine, run(day, found, zone=zone)).run_id
    engine.dispose()
    return ids


def cli_json(*args: str) -> object:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert main([*args, "--json"]) == EXIT_OK
    return json.loads(buffer.getvalue())


def test_the_line_sums_each_zones_week_and_a_new_zone_is_added_not_new(db_url: str) -> None:
    ids = record_estate(db_url)
    engine = open_store(db_url)
    summary = summarize(engine, ids["dc1 2026-11-16"], chart=False, scope=SCOPE_ALL)
    assert summary.line == LINE
    assert (summary.new, summary.fixed, summary.still_open, summary.oldest_days) == (2, 2, 2, 14)
    assert summary.zones == ("dc1", "dc2", "dc3") and summary.zones_added == ("dc3",)
    assert summary.previous == "dc1: snap-2026-11-09, dc2: snap-2026-11-04"
    changes = {(c.zone, c.change, c.key) for c in summary.changes}
    assert changes == {
        ("dc1", "new", "c:1"), ("dc1", "fixed", "b:1"), ("dc2", "new", "z:1"), ("dc2", "fixed", "y:1"),
        ("dc3", "zone added", ""),
    }  # fmt: skip
    assert not any(c.key in {"p:1", "q:1", "r:1"} for c in summary.changes)
    # the workbook's Open since column lists this report's own findings only (dc1's)
    assert {o.key for o in summary.open_since} == {"a:1", "c:1"}
    # the zone scope is unchanged: dc1 against its own previous run
    own = summarize(engine, ids["dc1 2026-11-16"], chart=False)
    assert own.line == "Since last week: 1 new, 1 fixed, 1 still open (oldest: 14 days)" and own.scope == "zone"
    engine.dispose()


def test_the_trend_sums_the_latest_run_of_each_zone_per_iso_week(db_url: str) -> None:
    ids = record_estate(db_url)
    engine = open_store(db_url)
    summary = summarize(engine, ids["dc1 2026-11-16"], scope=SCOPE_ALL)
    engine.dispose()
    points = [(p.snapshot_id, p.day, p.critical, p.high, p.medium, p.low, p.total) for p in summary.trend]
    assert points == [
        ("2026-W45", "2026-11-08", 1, 2, 0, 0, 3),  # dc1 11-02 (a) + dc2 11-04 (x, y)
        ("2026-W46", "2026-11-15", 0, 5, 1, 1, 7),  # dc1 11-09 (a, b) + dc2 11-11 (x, z) + dc3 11-12 (p, q, r)
        ("2026-W47", "2026-11-16", 0, 5, 1, 1, 7),  # dc1 11-16 (a, c) + dc2 and dc3 as the week before
    ]
    assert summary.chart_uri.startswith("data:image/svg+xml;base64,")


def test_the_first_run_of_a_zone_joins_as_added_and_a_first_estate_has_no_history(db_url: str) -> None:
    engine = open_store(db_url)
    first = record_run(engine, run("2026-11-02", [finding("a:1")], zone="dc1")).run_id
    alone = summarize(engine, first, chart=False, scope=SCOPE_ALL)
    assert alone.line.startswith("No history yet for all zones (1 zone)") and alone.previous == ""
    record_run(engine, run("2026-11-09", [finding("a:1")], zone="dc1"))
    joined = record_run(engine, run("2026-11-10", [finding("n:1"), finding("m:1")], zone="dc2")).run_id
    summary = summarize(engine, joined, chart=False, scope=SCOPE_ALL)
    engine.dispose()
    assert summary.line == (
        "Since last week, all 2 zones: 0 new, 0 fixed, 1 still open (oldest: 7 days); "
        "zone dc2 added (2 open findings, not counted as new)"
    )
    assert summary.zones_added == ("dc2",) and summary.new == 0


def test_history_diff_of_all_zones_agrees_with_the_report(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    record_estate(db_url)
    assert main(["history", "diff", "--db", db_url]) == EXIT_OK
    text = capsys.readouterr().out
    assert f"all zones as of run 6 (dc1, 2026-11-16T06:00:00Z): {LINE}" in text
    assert "zone dc3: nothing -> snap-2026-11-12" in text and "  open      high     p:1" in text
    out = cli_json("history", "diff", "--db", db_url)
    assert isinstance(out, dict)
    assert out["scope"] == "all" and out["line"] == LINE and out["as_of"]["zone"] == "dc1"
    assert (out["new"], out["fixed"], out["still_open"], out["oldest_days"]) == (2, 2, 2, 14)
    assert out["zones"] == ["dc1", "dc2", "dc3"] and out["zones_added"] == ["dc3"] and out["zones_unchanged"] == []
    by_zone = {d["after"]["zone"]: d for d in out["diffs"]}
    assert [f["key"] for f in by_zone["dc2"]["new"]] == ["z:1"] and by_zone["dc3"]["zone_added"]
    assert by_zone["dc2"]["before"]["snapshot_id"] == "snap-2026-11-04"
    # one zone (or two runs) is still a list of diffs, as before
    [dc2] = cli_json("history", "diff", "--db", db_url, "--zone", "dc2")  # type: ignore[misc]
    assert dc2["before"]["captured_day"] == "2026-11-04" and dc2["after"]["captured_day"] == "2026-11-11"
    # dc2 collects again on Wednesday: the week is now dc2's, and dc3 (first run after dc2's previous) is added
    engine = open_store(db_url)
    record_run(engine, run("2026-11-18", [finding("z:1", severity="medium")], zone="dc2"))
    engine.dispose()
    out = cli_json("history", "diff", "--db", db_url)
    assert isinstance(out, dict)
    assert out["line"] == (
        "Since last week, all 3 zones: 1 new, 2 fixed, 2 still open (oldest: 14 days); "
        "zone dc3 added (3 open findings, not counted as new)"
    )
    # a week on, only dc2 collected: dc1 and dc3 are compared with themselves (still open, nothing new)
    engine = open_store(db_url)
    record_run(engine, run("2026-11-25", [finding("z:1", severity="medium")], zone="dc2"))
    engine.dispose()
    out = cli_json("history", "diff", "--db", db_url)
    assert isinstance(out, dict)
    assert out["line"] == "Since last week, all 3 zones: 0 new, 0 fixed, 6 still open (oldest: 14 days)"
    assert out["zones_unchanged"] == ["dc1", "dc3"] and out["zones_added"] == []
    capsys.readouterr()
    assert main(["history", "list", "--db", db_url]) == EXIT_OK
    listed = capsys.readouterr().out
    assert "now dc1 #6, dc2 #8, dc3 #5; previous dc1 #6, dc2 #7, dc3 #5" in listed


def test_scope_runs_pick_each_zones_latest_by_the_boundary() -> None:
    """Pure: the previous run of each zone is its latest at or before this zone's previous run."""
    from viosaudit.history.diff import RunInfo

    def info(i: int, zone: str, day: str) -> RunInfo:
        return RunInfo(i, zone, f"s{i}", f"{day}T06:00:00Z", day, day, "t", "", "c", 1, "0")

    runs = [info(1, "a", "2026-11-02"), info(2, "b", "2026-11-03"), info(3, "a", "2026-11-09"),
            info(4, "b", "2026-11-09"), info(5, "b", "2026-11-10")]  # fmt: skip
    chosen = scope_runs(runs, runs[2])
    assert {z: r.id for z, r in chosen.now.items()} == {"a": 3, "b": 4}  # b's run of the next day is not "now"
    assert {z: r.id for z, r in chosen.previous.items()} == {"a": 1}  # b's 11-03 run is after a's 11-02
    first_b = scope_runs(runs, runs[1])
    assert first_b.added == ("a", "b") and first_b.previous == {}  # nothing a week before b's first run
    assert [b.label for b in week_buckets(runs, runs[4], weeks=3)] == ["2026-W45", "2026-W46"]


@pytest.fixture(scope="module")
def zones_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The README's main job (sample weeks, zone "default") beside two more zones, --history-scope all."""
    tmp = tmp_path_factory.mktemp("zones-report")
    db = str(tmp / "history.sqlite")
    engine = open_store(db)
    record_run(engine, run("2026-11-10", [finding("x:1"), finding("y:1")], zone="dc2"))
    record_run(engine, run("2026-11-18", [finding("x:1"), finding("z:1")], zone="dc2"))
    record_run(engine, run("2026-11-20", [finding("p:1"), finding("q:1")], zone="dc3"))
    engine.dispose()
    args = ["report", str(SAMPLE / "snapshot"), "--services", str(SAMPLE / "business_services.csv")]
    args += ["--out", str(tmp / "out"), "--today", "2026-11-23", "--db", db, "--history-scope", "all"]
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert main([*args, "--history-from", str(SAMPLE / "weeks")]) == EXIT_OK
    return tmp / "out", buffer.getvalue()


SAMPLE_LINE = (
    "Since last week, all 3 zones: 1 new, 11 fixed, 62 still open (oldest: 21 days); "
    "zone dc3 added (2 open findings, not counted as new)"
)


def test_the_report_with_all_zones_names_the_scope_on_page_1(zones_report: tuple[Path, str]) -> None:
    out, printed = zones_report
    text = " ".join((PdfReader(out / "viosaudit-report.pdf").pages[0].extract_text() or "").split())
    assert SAMPLE_LINE in text
    assert f"History (all zones, 7 runs): {SAMPLE_LINE}" in printed
    # the trend table under the chart: one column per ISO week, each zone's latest run summed
    assert "Open findings 11-08 11-15 11-22 11-23" in text and "All 56 66 75 65" in text


def test_the_since_last_run_sheet_has_a_zone_column(zones_report: tuple[Path, str]) -> None:
    book = openpyxl.load_workbook(zones_report[0] / "viosaudit-cab.xlsx", read_only=True)
    rows = [tuple(c or "" for c in r) for r in book["Since last run"].iter_rows(values_only=True)]
    assert rows[0][:3] == ("Zone", "Change", "Finding key")
    assert rows[1][:2] == ("all", "summary") and SAMPLE_LINE in str(rows[1][5])
    assert ("dc2", "new", "z:1") in {r[:3] for r in rows}
    assert ("dc3", "zone added") in {r[:2] for r in rows}
    assert sum(1 for r in rows if r[:2] == ("default", "fixed")) == 10
