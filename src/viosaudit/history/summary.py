"""The history as the reports show it: the "since last week" line, the trend, the changes, open-since.

``summarize`` reads the store once for a recorded run; the result is plain data carried on the
ReportView (``view.history``) for PDF page 1 and the workbook.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, replace

from sqlalchemy import Connection, Engine

from viosaudit.history import query
from viosaudit.history.diff import Machine, RunData, RunDiff, RunInfo, diff_runs, unjudged_clause
from viosaudit.history.scope import (
    ScopeDiff,
    ScopeRuns,
    bucket_counts,
    diff_scope,
    scope_line,
    scope_runs,
    week_buckets,
)
from viosaudit.history.trend import RUNS, TrendPoint, chart_svg, series

SCOPE_ZONE = "zone"
SCOPE_ALL = "all"
SCOPES = (SCOPE_ZONE, SCOPE_ALL)
NO_HISTORY = "No history yet: this is the first recorded run; next week's report will say what changed."


@dataclass(frozen=True, slots=True)
class ChangeLine:
    """One row of the workbook's "Since last run" sheet."""

    change: str  # new | reopened | fixed | newly accepted | acceptance expired | level change | added | removed
    key: str
    subject: str
    severity: str
    detail: str
    zone: str = ""  # set with --history-scope all: the zone the change happened in


@dataclass(frozen=True, slots=True)
class OpenSince:
    key: str
    since: str
    age_days: int


@dataclass(frozen=True, slots=True)
class HistorySummary:
    """Plain data (text and numbers, no None: the view is JSON of strings and numbers)."""

    kept: bool  # False: the run was not recorded (--no-history); everything else is empty
    zone: str
    runs: int  # recorded runs of the zone up to this one
    previous: str  # the previous run's snapshot id; "" on the first run
    line: str  # page 1: "Since last week: 2 new, 1 fixed, 9 still open (oldest: 21 days)"
    new: int
    fixed: int
    still_open: int
    reopened: int
    oldest_days: int  # 0 when nothing is still open
    trend: tuple[TrendPoint, ...]
    chart_uri: str  # data:image/svg+xml;base64,...; "" below two runs
    changes: tuple[ChangeLine, ...]
    open_since: tuple[OpenSince, ...]  # this run's own findings (the workbook lists this zone's findings)
    scope: str = SCOPE_ZONE  # zone: this zone against its previous run; all: every zone (history.scope)
    zones: tuple[str, ...] = ()  # scope all: the zones covered
    zones_added: tuple[str, ...] = ()  # scope all: zones with no run at the previous boundary

    def open_since_by_key(self) -> dict[str, str]:
        """Finding key -> "2026-11-02 (21 days)", for the workbook's "Open since" column."""
        return {o.key: f"{o.since} ({o.age_days} days)" for o in self.open_since}


def since_line(d: RunDiff) -> str:
    if d.before is None:
        return NO_HISTORY
    days = d.days_between or 0
    when = "Since last week" if 5 <= days <= 9 else f"Since the last run ({d.before.captured_day})"
    oldest = f" (oldest: {d.oldest_days} days)" if d.still_open else ""
    new = len(d.new) + len(d.reopened)
    reopened = f", {len(d.reopened)} of them reopened" if d.reopened else ""
    line = f"{when}: {new} new{reopened}, {len(d.fixed)} fixed, {len(d.still_open)} still open{oldest}"
    return line + unjudged_clause(len(d.unjudged))



def _machine(m: Machine) -> str:
    return f"{m.managed_system} / {m.name}" if m.kind == "vios" else m.name


def change_lines(d: RunDiff, zone: str = "") -> tuple[ChangeLine, ...]:
    """The diff as "Since last run" rows; ``zone`` is set on each with --history-scope all."""
    out = [ChangeLine("new", f.key, f.subject, f.severity, f.title) for f in d.new]
    out += [
        ChangeLine("reopened", f.key, f.subject, f.severity, f"{f.title} (first open {f.first_open})")
        for f in d.reopened
    ]
    out += [ChangeLine("fixed", f.key, f.subject, f.severity, f.title) for f in d.fixed]
    out += [
        ChangeLine("not judged", f.key, f.subject, f.severity, f"{f.title} (server or VIOS not in this snapshot)")
        for f in d.unjudged
    ]
    out += [ChangeLine("newly accepted", f.key, f.subject, f.severity, f.title) for f in d.newly_accepted]
    out += [ChangeLine("acceptance expired", f.key, f.subject, f.severity, f.title) for f in d.acceptances_expired]
    out += [
        ChangeLine("level change", "", f"{c.managed_system} / {c.vios}", "", f"{c.before or '?'} -> {c.after or '?'}")
        for c in d.level_changes
    ]
    out += [ChangeLine("added", "", _machine(m), "", m.kind) for m in d.added]
    out += [ChangeLine("removed", "", _machine(m), "", m.kind) for m in d.removed]
    return tuple(replace(c, zone=zone) for c in out) if zone else tuple(out)


def _chart_uri(trend: tuple[TrendPoint, ...], chart: bool) -> str:
    if chart and len(trend) >= 2:
        return "data:image/svg+xml;base64," + base64.b64encode(chart_svg(trend).encode()).decode("ascii")
    return ""


def _open_since(d: RunDiff) -> tuple[OpenSince, ...]:
    return tuple(OpenSince(s.finding.key, s.open_since, s.age_days) for s in d.still_open) + tuple(
        OpenSince(f.key, d.after.captured_day, 0) for f in (*d.new, *d.reopened)
    )


def summarize(engine: Engine, run_id: int, *, chart: bool = True, scope: str = SCOPE_ZONE) -> HistorySummary:
    """The history summary of a recorded run against the zone's previous run, with the trend;
    ``scope`` all: every zone's latest run against its run of the week before (``history.scope``)."""
    if scope == SCOPE_ALL:
        return summarize_all(engine, run_id, chart=chart)
    with engine.connect() as conn:
        after_info = query.run_info(conn, run_id)
        before_info = query.previous_run(conn, after_info)
        after = query.load_run(conn, after_info)
        before = query.load_run(conn, before_info) if before_info else None
        zone_runs = [r for r in query.list_runs(conn, after_info.zone) if r.captured_at <= after_info.captured_at]
        last = zone_runs[-RUNS:]
        counts = query.open_counts(conn, [r.id for r in last])
    d = diff_runs(before, after)
    trend = series([(r.id, r.captured_day, r.snapshot_id) for r in last], counts)
    uri = _chart_uri(trend, chart)
    return HistorySummary(
        kept=True,
        zone=after_info.zone,
        runs=len(zone_runs),
        previous=before_info.snapshot_id if before_info else "",
        line=since_line(d),
        new=len(d.new),
        fixed=len(d.fixed),
        still_open=len(d.still_open),
        reopened=len(d.reopened),
        oldest_days=d.oldest_days or 0,
        trend=trend,
        chart_uri=uri,
        changes=change_lines(d) if d.before is not None else (),
        open_since=_open_since(d),
    )


def load_scope(conn: Connection, runs: ScopeRuns) -> ScopeDiff:
    """Load each zone's previous and current run (once each) and diff them."""
    loaded: dict[int, RunData] = {}

    def load(info: RunInfo) -> RunData:
        if info.id not in loaded:
            loaded[info.id] = query.load_run(conn, info)
        return loaded[info.id]

    return diff_scope([(load(a) if a else None, load(b)) for a, b in runs.pairs()])


def scope_changes(sd: ScopeDiff) -> tuple[ChangeLine, ...]:
    out: list[ChangeLine] = []
    for d in sd.diffs:
        if d.before is None:
            n = len(d.new) + len(d.reopened)
            detail = f"first run {d.after.captured_day}: {n} open findings, not counted as new"
            out.append(ChangeLine("zone added", "", d.after.zone, "", detail, d.after.zone))
        else:
            out += change_lines(d, d.after.zone)
    return tuple(out)


def summarize_all(engine: Engine, run_id: int, *, chart: bool = True) -> HistorySummary:
    """--history-scope all: every zone's latest run as of this run against its run as of the previous
    boundary, summed; the trend sums each zone's latest run per ISO week over the last 12 weeks."""
    with engine.connect() as conn:
        this = query.run_info(conn, run_id)
        runs = query.list_runs(conn)
        chosen = scope_runs(runs, this)
        sd = load_scope(conn, chosen)
        buckets = week_buckets(runs, this)
        counts = query.open_counts(conn, sorted({r.id for b in buckets for r in b.runs}))
    trend = series([(i, b.day, b.label) for i, b in enumerate(buckets)], bucket_counts(buckets, counts))
    boundary = chosen.previous.get(this.zone)
    own = next(d for d in sd.diffs if d.after.zone == this.zone)
    return HistorySummary(
        kept=True,
        zone=this.zone,
        runs=sum(1 for r in runs if r.captured_at <= this.captured_at),
        previous=", ".join(f"{d.before.zone}: {d.before.snapshot_id}" for d in sd.compared if d.before),
        line=scope_line(sd, this, boundary.captured_day if boundary else None),
        new=sd.new,
        fixed=sd.fixed,
        still_open=sd.still_open,
        reopened=sd.reopened,
        oldest_days=sd.oldest_days or 0,
        trend=trend,
        chart_uri=_chart_uri(trend, chart),
        changes=scope_changes(sd) if sd.compared else (),
        open_since=_open_since(own),
        scope=SCOPE_ALL,
        zones=tuple(sorted(chosen.now)),
        zones_added=tuple(d.after.zone for d in sd.added),
    )


NOT_KEPT = HistorySummary(
    kept=False, zone="", runs=0, previous="", line="", new=0, fixed=0, still_open=0, reopened=0, oldest_days=0,
    trend=(), chart_uri="", changes=(), open_since=(),
)  # fmt: skip
