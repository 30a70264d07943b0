"""The history store on a real SQLite file and a real PostgreSQL server: recording, idempotence,
what changed, open-since, retention, two writers at once, schema migrations."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from history.records import finding, run, system, vios
from viosaudit.cli import EXIT_ERROR, EXIT_OK, main
from viosaudit.history import query, schema
from viosaudit.history.diff import diff_runs
from viosaudit.history.prune import cite_run, prune
from viosaudit.history.record import record_run
from viosaudit.history.store import HistoryError, open_store, resolve_url, upgrade
from viosaudit.history.summary import NO_HISTORY, summarize


def diff_of(db: str, before: int | None, after: int):  # type: ignore[no-untyped-def]
    engine = open_store(db)
    with engine.connect() as conn:
        a = query.load_run(conn, query.run_info(conn, before)) if before else None
        b = query.load_run(conn, query.run_info(conn, after))
    engine.dispose()
    return diff_runs(a, b)


def test_recording_the_same_snapshot_twice_is_a_no_op(db_url: str) -> None:
    engine = open_store(db_url)
    first = record_run(engine, run("2026-11-02", [finding("a:1")]))
    again = record_run(engine, run("2026-11-02", [finding("a:1"), finding("b:1")]))
    assert first.created and not again.created and again.run_id == first.run_id
    with engine.connect() as conn:
        assert len(query.list_runs(conn)) == 1
        assert set(query.load_run(conn, query.run_info(conn, first.run_id)).findings) == {"a:1"}


def test_new_fixed_still_open_with_open_since_and_age(db_url: str) -> None:
    engine = open_store(db_url)
    record_run(engine, run("2026-11-02", [finding("a:1"), finding("b:1"), finding("c:1", "pass")]))
    second = record_run(engine, run("2026-11-09", [finding("a:1"), finding("b:1", "pass"), finding("d:1", "unknown")]))
    d = diff_of(db_url, second.run_id - 1, second.run_id)
    assert [f.key for f in d.new] == ["d:1"]
    assert [f.key for f in d.fixed] == ["b:1"]
    assert [(s.finding.key, s.open_since, s.age_days) for s in d.still_open] == [("a:1", "2026-11-02", 7)]
    summary = summarize(engine, second.run_id, chart=False)
    assert summary.line == "Since last week: 1 new, 1 fixed, 1 still open (oldest: 7 days)"
    assert summary.open_since_by_key()["a:1"] == "2026-11-02 (7 days)"


def test_first_run_says_there_is_no_history_yet(db_url: str) -> None:
    engine = open_store(db_url)
    first = record_run(engine, run("2026-11-02", [finding("a:1")]))
    summary = summarize(engine, first.run_id)
    assert summary.line == NO_HISTORY and summary.previous == "" and summary.chart_uri == ""


def test_a_finding_fixed_then_back_is_reopened_and_its_open_since_restarts(db_url: str) -> None:
    engine = open_store(db_url)
    record_run(engine, run("2026-11-02", [finding("a:1")]))
    record_run(engine, run("2026-11-09", [finding("a:1", "pass")]))
    third = record_run(engine, run("2026-11-16", [finding("a:1"), finding("n:1")]))
    d = diff_of(db_url, third.run_id - 1, third.run_id)
    assert [f.key for f in d.reopened] == ["a:1"] and [f.key for f in d.new] == ["n:1"]
    assert d.reopened[0].first_open == "2026-11-02" and d.reopened[0].open_since == "2026-11-16"


def test_an_older_snapshot_recorded_late_fixes_the_open_since_of_later_runs(db_url: str) -> None:
    engine = open_store(db_url)
    late = record_run(engine, run("2026-11-09", [finding("a:1")]))
    record_run(engine, run("2026-11-02", [finding("a:1")]))
    d = diff_of(db_url, None, late.run_id)
    assert d.new[0].open_since == "2026-11-02"


def test_acceptances_levels_and_machines_added_and_removed(db_url: str) -> None:
    engine = open_store(db_url)
    inv1 = [system(), vios("vios1", "2.2.5.10"), vios("vios2", "2.2.5.10"), system("OLD", "SER9")]
    inv2 = [system(), vios("vios1", "2.2.6.65"), vios("vios2", "2.2.5.10"), vios("vios3", "3.1.4.10")]
    record_run(engine, run("2026-11-02", [finding("a:1", acceptance="active"), finding("b:1")], inv1))
    second = record_run(
        engine, run("2026-11-09", [finding("a:1", acceptance="expired"), finding("b:1", acceptance="active")], inv2)
    )
    d = diff_of(db_url, second.run_id - 1, second.run_id)
    assert [f.key for f in d.newly_accepted] == ["b:1"]
    assert [f.key for f in d.acceptances_expired] == ["a:1"]
    assert [(c.vios, c.before, c.after) for c in d.level_changes] == [("vios1", "2.2.5.10", "2.2.6.65")]
    assert [m.name for m in d.added] == ["vios3"] and [m.name for m in d.removed] == ["OLD"]


def test_zones_are_kept_apart_and_the_diff_covers_each_zone(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    engine = open_store(db_url)
    record_run(engine, run("2026-11-02", [finding("a:1")], zone="dc1"))
    record_run(engine, run("2026-11-09", [finding("a:1"), finding("b:1")], zone="dc1"))
    record_run(engine, run("2026-11-09", [finding("z:1")], zone="dc2"))
    assert main(["history", "diff", "--db", db_url, "--json"]) == EXIT_OK
    diffs = {d["after"]["zone"]: d for d in json.loads(capsys.readouterr().out)["diffs"]}  # all zones: test_zones
    assert [f["key"] for f in diffs["dc1"]["new"]] == ["b:1"]
    assert diffs["dc2"]["before"] is None and diffs["dc2"]["line"] == NO_HISTORY and diffs["dc2"]["zone_added"]
    assert main(["history", "list", "--db", db_url, "--zone", "dc2", "--json"]) == EXIT_OK
    assert [r["snapshot_id"] for r in json.loads(capsys.readouterr().out)] == ["snap-2026-11-09"]


def test_prune_keeps_the_runs_open_findings_and_change_evidence_need(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = open_store(db_url)
    days = ["2026-09-07", "2026-09-14", "2026-09-21", "2026-09-28", "2026-10-05", "2026-11-30"]
    ids = []
    for n, day in enumerate(days):
        found = [finding("old:1")] if n >= 1 else []  # open since the second run, still open at the end
        ids.append(record_run(engine, run(day, [*found, finding(f"w:{n}")] if n < 5 else found)).run_id)
    cite_run(engine, ids[3], "CHG1", "reports/2026-09-28/changes/CHG1")
    assert main(["history", "prune", "--keep-weeks", "4", "--dry-run", "--json", "--db", db_url]) == EXIT_OK
    assert json.loads(capsys.readouterr().out)["deleted"] == [ids[0], ids[2], ids[4]]
    result = prune(engine, keep_weeks=4)
    assert result.kept_for_open_since == (ids[1],) and result.kept_for_evidence == (ids[3],)
    assert set(result.deleted) == {ids[0], ids[2], ids[4]}
    with engine.connect() as conn:
        assert [r.id for r in query.list_runs(conn)] == [ids[1], ids[3], ids[5]]
    d = diff_of(db_url, ids[3], ids[5])
    assert d.still_open[0].open_since == "2026-09-14"


def test_two_writers_at_once_record_each_run_once(db_url: str) -> None:
    open_store(db_url).dispose()  # schema in place; then writers race on the data
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def writer(zone: str) -> None:
        try:
            engine = open_store(db_url)
            barrier.wait()
            for week in ("2026-11-02", "2026-11-09"):
                record_run(engine, run(week, [finding(f"k:{i}") for i in range(200)], zone=zone))
            engine.dispose()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(zone,)) for zone in ("dc1", "dc1", "dc2", "dc2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    engine = open_store(db_url)
    with engine.connect() as conn:
        runs = query.list_runs(conn)
        weeks = ["snap-2026-11-02", "snap-2026-11-09"]
        assert sorted((r.zone, r.snapshot_id) for r in runs) == [(z, w) for z in ("dc1", "dc2") for w in weeks]
        assert {len(query.load_run(conn, r).findings) for r in runs} == {200}


def test_concurrent_first_opens_migrate_once(db_url: str) -> None:
    errors: list[BaseException] = []

    def opener() -> None:
        try:
            open_store(db_url).dispose()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=opener) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


V1_RUN = (
    "INSERT INTO runs (zone, snapshot_id, captured_at, captured_day, judged_on, recorded_at, collector, "
    "manifest_digest, tool_version) VALUES ('default', 'v1-snap', '2026-10-05T06:00:00Z', '2026-10-05', "
    "'2026-10-05', '2026-10-05T07:00:00Z', 'old', 'abc', '0.0.9')"
)


def test_a_version_1_database_is_upgraded_in_place_and_still_answers(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = open_store(db_url, migrate=False)
    assert upgrade(engine, target=1) == 1
    with engine.begin() as conn:
        conn.execute(text(V1_RUN))
        run_id = conn.execute(text("SELECT id FROM runs")).scalar()
        conn.execute(
            text(
                "INSERT INTO run_findings (run_id, key, rule_id, title, verdict, severity, subject, managed_system, "
                "evidence_digest, acceptance, open_since_run, open_since, first_open) VALUES "
                "(:r, 'a:1', 'a', 't', 'fail', 'high', 'S', 'S', 'd', 'none', :r, '2026-10-05', '2026-10-05')"
            ),
            {"r": run_id},
        )
    engine.dispose()
    assert main(["history", "list", "--db", db_url]) == EXIT_OK  # any command upgrades an older database
    upgraded = open_store(db_url)
    with upgraded.connect() as conn:
        assert conn.execute(text("SELECT version FROM schema_version")).scalar() == schema.CURRENT
        [old] = query.list_runs(conn)
        assert old.snapshot_id == "v1-snap" and old.catalogue_version == "" and old.catalogue_records == 0
    later = record_run(upgraded, run("2026-10-12", [finding("a:1")]))
    d = diff_of(db_url, None, later.run_id)
    assert d.new[0].open_since == "2026-10-05"  # the open streak carries across the upgrade
    capsys.readouterr()


def test_a_database_from_a_newer_viosaudit_is_refused(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    engine = open_store(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE schema_version SET version = 99"))
    engine.dispose()
    with pytest.raises(HistoryError, match="schema version 99, newer than this viosaudit understands"):
        open_store(db_url)
    assert main(["history", "list", "--db", db_url]) == EXIT_ERROR
    err = capsys.readouterr().err
    assert "schema version 99" in err and "upgrade viosaudit" in err and "Traceback" not in err


def test_db_option_forms(tmp_path: Path) -> None:
    assert resolve_url(str(tmp_path / "h.sqlite")) == f"sqlite:///{tmp_path / 'h.sqlite'}"
    assert resolve_url("postgresql://u@db.example/vios") == "postgresql+psycopg://u@db.example/vios"
    with pytest.raises(HistoryError, match="only SQLite"):
        open_store("mysql://u@h/db")


def test_the_sqlite_file_is_private(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "history.sqlite"
    open_store(str(path)).dispose()
    assert path.stat().st_mode & 0o777 == 0o600 and path.parent.stat().st_mode & 0o777 == 0o700


def test_the_trend_of_an_estate_with_nothing_open_is_zeros(db_url: str) -> None:
    engine = open_store(db_url)
    record_run(engine, run("2026-11-02", [finding("a:1", "pass")]))
    second = record_run(engine, run("2026-11-09", [finding("a:1", "pass")]))
    summary = summarize(engine, second.run_id)
    assert [p.total for p in summary.trend] == [0, 0] and summary.chart_uri.startswith("data:image/svg+xml;base64,")
    assert summary.line == "Since last week: 0 new, 0 fixed, 0 still open"


def test_a_finding_that_vanished_with_its_server_is_not_fixed(db_url: str) -> None:
    """Week 2 misses server 2 (its HMC was not reached) and VIOS vios2 of server 1: their findings are
    "not judged", never "fixed"; a finding whose server and VIOS are still there and that is no longer
    reported is fixed."""
    engine = open_store(db_url)
    both = [system(), system("SYS2", "2"), vios("vios1", "3.1.4.10"), vios("vios2", "3.1.4.10")]
    first = [finding("a:1"), finding("b:2"), _on(finding("vios_x:1:1"), "SYS / vios1"),
             _on(finding("vios_x:1:2"), "SYS / vios2")]  # fmt: skip
    before = record_run(engine, run("2026-11-02", first, both))
    second = record_run(engine, run("2026-11-09", [], [system(), vios("vios1", "3.1.4.10")]))
    d = diff_of(db_url, before.run_id, second.run_id)
    assert sorted(f.key for f in d.fixed) == ["a:1", "vios_x:1:1"]
    assert sorted(f.key for f in d.unjudged) == ["b:2", "vios_x:1:2"]
    summary = summarize(engine, second.run_id, chart=False)
    assert summary.line == (
        "Since last week: 0 new, 2 fixed, 0 still open; 2 not judged this time "
        "(their server or VIOS is missing from this snapshot)"
    )
    assert {c.change for c in summary.changes if c.key in ("b:2", "vios_x:1:2")} == {"not judged"}


def _on(f, subject: str):  # type: ignore[no-untyped-def]
    from dataclasses import replace

    return replace(f, subject=subject)
