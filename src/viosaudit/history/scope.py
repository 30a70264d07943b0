"""All zones at once: which run of each zone is "now" and which is "last week", and the sum of their diffs.

Pure (run metadata and loaded runs in, dataclasses out); ``summary`` and ``commands`` query the store.

now        for each zone, its latest run captured at or before this run (``RunInfo.captured_at``)
boundary   the capture time of this zone's previous run; this zone's first run: 7 days before its
           capture day (any run captured on or before that day)
previous   for each zone, its latest run captured at or before the boundary
added      a zone with a run now and none at or before the boundary (a new collector): its open
           findings are counted apart, never as "new", so a new zone does not read as a deterioration
unchanged  a zone whose latest run is also its previous one (no run this week): compared with itself,
           so it adds its open findings to "still open" and nothing to new or fixed
The trend: for each of the last 12 ISO weeks (ending with this run's week), the latest run of each zone
captured by the end of that week (and not after this run), open findings by severity summed over zones.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from viosaudit.history.diff import RunData, RunDiff, RunInfo, diff_runs, unjudged_clause

WEEKS = 12


@dataclass(frozen=True, slots=True)
class ScopeRuns:
    """The runs an all-zones report compares: zone -> run now, zone -> run at the boundary."""

    now: dict[str, RunInfo]
    previous: dict[str, RunInfo]

    @property
    def added(self) -> tuple[str, ...]:
        return tuple(z for z in sorted(self.now) if z not in self.previous)

    @property
    def unchanged(self) -> tuple[str, ...]:
        return tuple(z for z in sorted(self.now) if z in self.previous and self.previous[z].id == self.now[z].id)

    def pairs(self) -> list[tuple[RunInfo | None, RunInfo]]:
        return [(self.previous.get(z), self.now[z]) for z in sorted(self.now)]


@dataclass(frozen=True, slots=True)
class ScopeDiff:
    """Each zone's diff (previous -> now), and the sums the page-1 line shows."""

    diffs: tuple[RunDiff, ...]  # one per zone, zone order; an added zone's has ``before`` None

    @property
    def compared(self) -> tuple[RunDiff, ...]:
        return tuple(d for d in self.diffs if d.before is not None)

    @property
    def added(self) -> tuple[RunDiff, ...]:
        return tuple(d for d in self.diffs if d.before is None)

    @property
    def new(self) -> int:
        """New findings, not counting the reopened ones (the line says "N new, R of them reopened")."""
        return sum(len(d.new) for d in self.compared)

    @property
    def reopened(self) -> int:
        return sum(len(d.reopened) for d in self.compared)

    @property
    def fixed(self) -> int:
        return sum(len(d.fixed) for d in self.compared)

    @property
    def unjudged(self) -> int:
        return sum(len(d.unjudged) for d in self.compared)

    @property
    def still_open(self) -> int:
        return sum(len(d.still_open) for d in self.compared)

    @property
    def oldest_days(self) -> int | None:
        return max((d.oldest_days for d in self.compared if d.oldest_days is not None), default=None)

    @property
    def added_open(self) -> int:
        """Open findings of the zones added: shown apart, not counted as new."""
        return sum(len(d.new) + len(d.reopened) for d in self.added)


def _latest(runs: Iterable[RunInfo], *, at: str | None = None, on_day: str | None = None) -> dict[str, RunInfo]:
    """Zone -> its latest run captured at or before ``at`` (a capture time) or on or before ``on_day``."""
    out: dict[str, RunInfo] = {}
    for r in runs:
        if (at is not None and r.captured_at > at) or (on_day is not None and r.captured_day > on_day):
            continue
        best = out.get(r.zone)
        if best is None or (r.captured_at, r.id) > (best.captured_at, best.id):
            out[r.zone] = r
    return out


def scope_runs(runs: list[RunInfo], this: RunInfo) -> ScopeRuns:
    """Now and previous runs of every zone for a report of ``this`` run (``runs``: every recorded run)."""
    now = _latest(runs, at=this.captured_at)
    now[this.zone] = this
    own = [r for r in runs if r.zone == this.zone and r.captured_at < this.captured_at]
    if own:
        boundary = max(own, key=lambda r: (r.captured_at, r.id))
        previous = _latest((r for r in runs if r.id != this.id), at=boundary.captured_at)
        previous[this.zone] = boundary
    else:
        day = (date.fromisoformat(this.captured_day) - timedelta(days=7)).isoformat()
        previous = _latest((r for r in runs if r.id != this.id), on_day=day)
        previous.pop(this.zone, None)
    return ScopeRuns(now, {z: r for z, r in previous.items() if z in now})


def diff_scope(pairs: list[tuple[RunData | None, RunData]]) -> ScopeDiff:
    """Each zone's (previous, now) loaded runs -> their diffs (``diff.diff_runs``, unchanged)."""
    return ScopeDiff(tuple(diff_runs(before, after) for before, after in pairs))


def scope_line(sd: ScopeDiff, this: RunInfo, boundary_day: str | None) -> str:
    """ "Since last week, all 3 zones: 2 new, 1 fixed, 9 still open (oldest: 21 days); zone dc3 added
    (4 open findings, not counted as new)". ``boundary_day``: the capture day of this zone's previous run."""
    zones = len(sd.diffs)
    scope = f"all {zones} zones" if zones != 1 else "all zones (1 zone)"
    if not sd.compared:
        return f"No history yet for {scope}: the first recorded runs; next week's report will say what changed."
    days = (date.fromisoformat(this.captured_day) - date.fromisoformat(boundary_day)).days if boundary_day else 7
    when = "Since last week" if 5 <= days <= 9 else f"Since the last runs ({boundary_day})"
    oldest = f" (oldest: {sd.oldest_days} days)" if sd.still_open else ""
    reopened = f", {sd.reopened} of them reopened" if sd.reopened else ""
    counts = f"{sd.new + sd.reopened} new{reopened}, {sd.fixed} fixed, {sd.still_open} still open{oldest}"
    line = f"{when}, {scope}: {counts}{unjudged_clause(sd.unjudged)}"
    for d in sd.added:
        n = len(d.new) + len(d.reopened)
        line += f"; zone {d.after.zone} added ({n} open finding{'s' if n != 1 else ''}, not counted as new)"
    return line


@dataclass(frozen=True, slots=True)
class WeekBucket:
    label: str  # ISO week, "2026-W45"
    day: str  # the week's last day counted: its Sunday, or this run's day for this run's week
    runs: tuple[RunInfo, ...]  # the latest run of each zone by then


def week_buckets(runs: list[RunInfo], this: RunInfo, weeks: int = WEEKS) -> list[WeekBucket]:
    """The trend's weeks, oldest first: the last ``weeks`` ISO weeks up to this run's, those with a run."""
    today = date.fromisoformat(this.captured_day)
    monday = today - timedelta(days=today.weekday())
    known = [r for r in runs if r.captured_at <= this.captured_at and r.id != this.id] + [this]
    out: list[WeekBucket] = []
    for back in range(weeks - 1, -1, -1):
        start = monday - timedelta(weeks=back)
        end = min(start + timedelta(days=6), today)
        latest = _latest(known, on_day=end.isoformat())
        if latest:
            year, week, _ = start.isocalendar()
            out.append(WeekBucket(f"{year}-W{week:02d}", end.isoformat(), tuple(latest[z] for z in sorted(latest))))
    return out


def bucket_counts(buckets: list[WeekBucket], counts: list[tuple[int, str, int]]) -> list[tuple[int, str, int]]:
    """(run id, severity, open) -> (bucket index, severity, open), a run counted in every bucket it stands for."""
    by_run: dict[int, list[tuple[str, int]]] = {}
    for run, severity, n in counts:
        by_run.setdefault(run, []).append((severity, n))
    return [(i, sev, n) for i, b in enumerate(buckets) for r in b.runs for sev, n in by_run.get(r.id, [])]
