"""``viosaudit history list | diff [A] [B] | prune --keep-weeks N``, text or ``--json``."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from typing import Any

from viosaudit.history import query
from viosaudit.history.diff import RunDiff, RunInfo, diff_runs
from viosaudit.history.prune import prune
from viosaudit.history.scope import ScopeDiff, ScopeRuns, scope_line, scope_runs
from viosaudit.history.store import HistoryError, open_store
from viosaudit.history.summary import load_scope, since_line


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))


def cmd_list(args: argparse.Namespace) -> int:
    engine = open_store(args.db)
    try:
        runs = query.engine_runs(engine, args.zone)
    finally:
        engine.dispose()
    if args.json:
        _print_json([asdict(r) for r in runs])
        return 0
    if not runs:
        print("no runs recorded yet")
    for r in runs:
        print(f"{r.id:>5}  {r.zone:12} {r.captured_at:22} {r.snapshot_id}  (catalogue {r.catalogue_records} records)")
    if runs and args.zone == query.ALL_ZONES:
        latest = max(runs, key=lambda r: (r.captured_at, r.id))
        chosen = scope_runs(runs, latest)
        now = ", ".join(f"{z} #{r.id}" for z, r in sorted(chosen.now.items()))
        before = ", ".join(f"{z} #{r.id}" for z, r in sorted(chosen.previous.items())) or "none"
        print(f"all zones (`history diff`, `report --history-scope all`): now {now}; previous {before}")
    return 0


def _scope(args: argparse.Namespace) -> tuple[RunInfo, ScopeRuns, ScopeDiff]:
    """`history diff` over all zones: what `report --history-scope all` of the latest run compares."""
    engine = open_store(args.db)
    try:
        with engine.connect() as conn:
            runs = query.list_runs(conn)
            if not runs:
                raise HistoryError("no runs recorded yet: run `viosaudit report` first")
            latest = max(runs, key=lambda r: (r.captured_at, r.id))
            chosen = scope_runs(runs, latest)
            return latest, chosen, load_scope(conn, chosen)
    finally:
        engine.dispose()


def _diff_json(d: RunDiff) -> dict[str, Any]:
    return {**asdict(d), "oldest_days": d.oldest_days, "line": since_line(d)}


def cmd_diff_all(args: argparse.Namespace) -> int:
    latest, chosen, sd = _scope(args)
    boundary = chosen.previous.get(latest.zone)
    line = scope_line(sd, latest, boundary.captured_day if boundary else None)
    if args.json:
        _print_json({
            "scope": "all", "as_of": asdict(latest), "line": line, "new": sd.new, "reopened": sd.reopened,
            "fixed": sd.fixed, "unjudged": sd.unjudged, "still_open": sd.still_open, "oldest_days": sd.oldest_days,
            "zones": sorted(chosen.now), "zones_added": list(chosen.added), "zones_unchanged": list(chosen.unchanged),
            "diffs": [{**_diff_json(d), "zone_added": d.before is None} for d in sd.diffs],
        })  # fmt: skip
        return 0
    print(f"all zones as of run {latest.id} ({latest.zone}, {latest.captured_at}): {line}")
    for zone in chosen.unchanged:
        print(f"zone {zone}: no run since {chosen.now[zone].captured_day} (compared with itself)")
    _print_diffs(list(sd.diffs), all_zones=True)
    return 0


def _diffs(args: argparse.Namespace) -> list[RunDiff]:
    engine = open_store(args.db)
    try:
        with engine.connect() as conn:
            if args.a is not None:
                a = query.find_run(conn, args.a, args.zone)
                b = query.find_run(conn, args.b, args.zone) if args.b else query.latest_runs(conn, a.zone)[a.zone][-1]
                pairs: list[tuple[RunInfo | None, RunInfo]] = [(a, b)]
            else:
                latest = query.latest_runs(conn, args.zone, count=2)
                if not latest:
                    raise HistoryError("no runs recorded yet: run `viosaudit report` first")
                pairs = [(runs[-2] if len(runs) > 1 else None, runs[-1]) for runs in latest.values()]
            return [diff_runs(query.load_run(conn, a_) if a_ else None, query.load_run(conn, b_)) for a_, b_ in pairs]
    finally:
        engine.dispose()


def cmd_diff(args: argparse.Namespace) -> int:
    """Two runs (A B), one zone's last two, or (the default, --zone all) every zone as `report
    --history-scope all` sees it: its JSON is then one object with the sums and each zone's diff."""
    if args.a is None and args.zone == query.ALL_ZONES:
        return cmd_diff_all(args)
    diffs = _diffs(args)
    if args.json:
        _print_json([_diff_json(d) for d in diffs])
        return 0
    _print_diffs(diffs)
    return 0


def _print_diffs(diffs: list[RunDiff], *, all_zones: bool = False) -> None:
    """Each diff in text; ``all_zones``: a zone with no previous run is "added", its findings "open"."""
    for d in diffs:
        added = all_zones and d.before is None
        before = f"{d.before.snapshot_id} ({d.before.captured_day})" if d.before else "nothing"
        print(f"zone {d.after.zone}: {before} -> {d.after.snapshot_id} ({d.after.captured_day})")
        print(f"  {since_line(d) if not added else 'zone added: its open findings are not counted as new'}")
        first = "open" if added else "new"
        for label, items in ((first, d.new), ("reopened", d.reopened), ("fixed", d.fixed), ("unjudged", d.unjudged)):
            for f in items:
                print(f"  {label:9} {f.severity:8} {f.key}  {f.subject}")
        for s in d.still_open:
            print(f"  {'open':9} {s.finding.severity:8} {s.finding.key}  since {s.open_since} ({s.age_days} days)")
        for f in d.newly_accepted:
            print(f"  {'accepted':9} {f.key}")
        for f in d.acceptances_expired:
            print(f"  {'expired':9} {f.key}  (acceptance expired)")
        for c in d.level_changes:
            print(f"  {'level':9} {c.managed_system} / {c.vios}: {c.before} -> {c.after}")
        for m in d.added:
            print(f"  {'added':9} {m.kind} {m.managed_system} / {m.name}")
        for m in d.removed:
            print(f"  {'removed':9} {m.kind} {m.managed_system} / {m.name}")


def cmd_prune(args: argparse.Namespace) -> int:
    engine = open_store(args.db)
    try:
        result = prune(engine, args.keep_weeks, dry_run=args.dry_run)
    finally:
        engine.dispose()
    if args.json:
        _print_json(asdict(result))
        return 0
    verb = "would delete" if args.dry_run else "deleted"
    print(f"{verb} {len(result.deleted)} run(s); kept {len(result.kept_for_open_since)} for open findings' "
          f"open-since and {len(result.kept_for_evidence)} cited by change evidence")  # fmt: skip
    return 0
