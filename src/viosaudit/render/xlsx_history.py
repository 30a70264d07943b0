"""The workbook's history parts, as plain rows for any writer: the "Since last run" sheet and the
"Open since" column of Findings. Kept apart from the sheet writer so either can change alone."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from viosaudit.history.summary import SCOPE_ALL, HistorySummary
from viosaudit.render.sheets import Column
from viosaudit.render.view import FindingRow

SINCE_SHEET = "Since last run"
SINCE_COLUMNS: tuple[tuple[str, int], ...] = (
    ("Change", 18),
    ("Finding key", 34),
    ("Subject", 30),
    ("Severity", 10),
    ("Detail", 70),
)


ZONE_COLUMN = ("Zone", 14)


def since_columns(history: HistorySummary) -> list[Column]:
    """The sheet's columns: with --history-scope all, a first "Zone" column (the zone of each change)."""
    columns = (ZONE_COLUMN, *SINCE_COLUMNS) if history.scope == SCOPE_ALL else SINCE_COLUMNS
    return [Column(h, w) for h, w in columns]


def since_rows(history: HistorySummary) -> list[tuple[str, ...]]:
    """One row per change since the previous run (new, reopened, fixed, acceptances, levels, machines,
    and with --history-scope all zones added); the first run gets one row that says there is no history yet."""
    every = history.scope == SCOPE_ALL
    lead: tuple[str, ...] = ("all",) if every else ()
    if not history.previous:
        return [(*lead, "no history yet", "", "", "", history.line)]
    runs = "previous runs" if every else "previous run"
    head = (*lead, "summary", "", "", "", f"{history.line} ({runs}: {history.previous})")
    rows = [((c.zone,) if every else ()) + (c.change, c.key, c.subject, c.severity, c.detail) for c in history.changes]
    return [head, *rows]


def open_since_cells(history: HistorySummary, findings: Sequence[FindingRow]) -> list[tuple[date | None, int | None]]:
    """The "Open since" date and "Days open" of each finding row, in order; empty for a finding that passes."""
    by_key = {o.key: o for o in history.open_since}
    cells: list[tuple[date | None, int | None]] = []
    for f in findings:
        o = by_key.get(f.key)
        cells.append((date.fromisoformat(o.since), o.age_days) if o else (None, None))
    return cells
