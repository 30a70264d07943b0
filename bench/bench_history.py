"""History store benchmark (figures, not a test): ``.venv/bin/python bench/bench_history.py``.

52 weekly runs of a 1,000 VIOS / 20,000 LPAR estate (bench_report's generator, judged by the real
rules once) are recorded, each week with some findings fixed and others back; then the diff of the
last two runs is computed (loaded from the store and compared) and the page-1 summary with its trend.
Prints the time per run recorded, the diff time and the database size, for SQLite and PostgreSQL.
Targets: recording a run < 5 s, diff < 1 s.

All zones (``--zones N``, default 4): N more zones of ``--zone-systems`` systems each record the last
two weeks on later weekdays; then the all-zones diff (``history diff`` / ``report --history-scope
all``: every zone's latest run against its run a week before, the large zone included) and its
summary with the 12-week trend are timed.

PostgreSQL: ``--pg-url postgresql://...`` (an empty database), else a throwaway server is started
as the tests do (tests/history/pgserver.py); without PostgreSQL binaries that backend is skipped.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import zlib
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from bench_report import TODAY, generated_estate
from sqlalchemy import Engine, text

from viosaudit.history import query
from viosaudit.history.diff import diff_runs
from viosaudit.history.record import FindingItem, RunRecord, build_record, record_run
from viosaudit.history.scope import scope_runs
from viosaudit.history.store import open_store
from viosaudit.history.summary import SCOPE_ALL, load_scope, summarize
from viosaudit.rules import evaluate, load_rules
from viosaudit.rules.context import load_context

ROOT = Path(__file__).parents[1]
START = date(2025, 12, 1)


def base_record(n_systems: int) -> RunRecord:
    estate = generated_estate(n_systems)
    ctx = load_context(estate, TODAY)
    findings = evaluate(estate, ctx, load_rules())
    return build_record(
        estate, findings, (), zone="bench", collector="bench", manifest_digest="0" * 64, judged_on=TODAY,
        recorded_at="2026-11-23T07:00:00Z", apar_ids=[a.id for a in ctx.catalogue.apars],
    )  # fmt: skip


def week(base: RunRecord, n: int) -> RunRecord:
    """Week ``n``: about 1 open finding in 13 passes this week (a different set each week)."""
    day = START + timedelta(weeks=n)

    def varied(f: FindingItem) -> FindingItem:
        if f.open and zlib.crc32(f.key.encode()) % 13 == n % 13:
            return replace(f, verdict="pass")
        return f

    return replace(
        base,
        snapshot_id=f"bench-{day.isoformat()}",
        captured_at=f"{day.isoformat()}T06:00:00Z",
        judged_on=day,
        findings=tuple(varied(f) for f in base.findings),
    )


def db_size(engine: Engine, sqlite_path: Path | None) -> int:
    if sqlite_path is not None:
        return sum(p.stat().st_size for p in sqlite_path.parent.glob(sqlite_path.name + "*"))
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_database_size(current_database())")).scalar() or 0)


def run_backend(
    name: str, db: str, base: RunRecord, weeks: int, sqlite_path: Path | None, zones: tuple[RunRecord, int] | None
) -> None:
    engine = open_store(db)
    times = []
    for n in range(weeks):
        rec = week(base, n)
        start = time.perf_counter()
        record_run(engine, rec)
        times.append(time.perf_counter() - start)
    start = time.perf_counter()
    with engine.connect() as conn:
        runs = query.list_runs(conn, "bench")
        a, b = (query.load_run(conn, r) for r in runs[-2:])
    d = diff_runs(a, b)
    diff_s = time.perf_counter() - start
    start = time.perf_counter()
    summary = summarize(engine, runs[-1].id)
    summary_s = time.perf_counter() - start
    zoned = run_zones(engine, zones[0], zones[1], weeks) if zones and zones[1] else ""
    size = db_size(engine, sqlite_path)
    engine.dispose()
    print(
        f"{name:10} record: {statistics.mean(times):6.2f} s per run (max {max(times):5.2f} s, {weeks} runs); "
        f"diff of the last two: {diff_s:5.2f} s ({len(d.new)} new, {len(d.reopened)} reopened, "
        f"{len(d.fixed)} fixed, {len(d.still_open)} open); "
        f"summary + trend chart: {summary_s:5.2f} s; database: {size / 1e6:7.1f} MB"
    )
    if zoned:
        print(f"{name:10} {zoned}")
    assert summary.runs == weeks


def run_zones(engine: Engine, base: RunRecord, zones: int, weeks: int) -> str:
    """Record ``zones`` small zones in the last two weeks (zone i on weekday i + 1), time the all-zones diff."""
    for n in (weeks - 2, weeks - 1):
        for z in range(zones):
            rec = week(base, n)
            day = rec.judged_on + timedelta(days=z + 1)
            record_run(engine, replace(
                rec, zone=f"zone-{z + 1}", snapshot_id=f"bench-z{z + 1}-{day.isoformat()}",
                captured_at=f"{day.isoformat()}T06:00:00Z", judged_on=day,
            ))  # fmt: skip
    start = time.perf_counter()
    with engine.connect() as conn:
        runs = query.list_runs(conn)
        latest = max(runs, key=lambda r: (r.captured_at, r.id))
        sd = load_scope(conn, scope_runs(runs, latest))
    diff_s = time.perf_counter() - start
    start = time.perf_counter()
    summary = summarize(engine, latest.id, scope=SCOPE_ALL)
    summary_s = time.perf_counter() - start
    assert summary.zones_added == () and len(summary.zones) == zones + 1, summary.line
    return (
        f"all {zones + 1} zones diff: {diff_s:5.2f} s ({sd.new} new, {sd.fixed} fixed, {sd.still_open} open); "
        f"summary + {len(summary.trend)}-week trend: {summary_s:5.2f} s"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--systems", type=int, default=500, help="dual-VIOS systems of 40 LPARs (500: 1,000 VIOS)")
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--zones", type=int, default=4, help="small zones for the all-zones diff (0: none)")
    parser.add_argument("--zone-systems", type=int, default=25, help="dual-VIOS systems per small zone")
    parser.add_argument("--pg-url", help="an empty PostgreSQL database (default: start a throwaway server)")
    args = parser.parse_args(argv)
    base = base_record(args.systems)
    vios = sum(1 for i in base.inventory if i.kind == "vios")
    lpars = sum(1 for i in base.inventory if i.kind == "client")
    print(f"history benchmark: {vios} VIOS, {lpars} LPARs, {len(base.findings)} findings per run, {args.weeks} weeks")
    zones = (replace(base_record(args.zone_systems), zone="small"), args.zones) if args.zones else None
    backends = args.backends.split(",")
    if "sqlite" in backends:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "history.sqlite"
            run_backend("sqlite", str(path), base, args.weeks, path, zones)
    if "postgresql" in backends:
        if args.pg_url:
            run_backend("postgresql", args.pg_url, base, args.weeks, None, zones)
            return 0
        sys.path.insert(0, str(ROOT / "tests"))
        from history.pgserver import start

        try:
            server = start()
        except (FileNotFoundError, RuntimeError) as exc:
            print(f"postgresql skipped: {exc}")
            return 0
        try:
            run_backend("postgresql", server.url(), base, args.weeks, None, zones)
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
