"""The workbook's history parts, as plain rows for any writer: the "Since last run" sheet and the
"Open since" column of Findings. Kept apart from the sheet writer so either can change alone."""

from __future__ import annotations

from collections.abc import Sequence

from viosaudit.history.summary import HistorySummary
from viosaudit.render.view import FindingRow

SINCE_SHEET = "Since last run"
SINCE_COLUMNS: tuple[tuple[str, int], ...] = (
    ("Change", 18),
    ("Finding key", 34),
    ("Subject", 30),
    ("Severity", 10),
    ("Detail", 70),
)
OPEN_SINCE_COLUMN = ("Open since", 20)


def since_rows(history: HistorySummary) -> list[tuple[str, ...]]:
    """One row per change since the previous run (new, reopened, fixed, acceptances, levels, machines);
    the first run gets one row that says there is no history yet."""
    if not history.previous:
        return [("no history yet", "", "", "", history.line)]
    head = ("summary", "", "", "", f"{history.line} (previous run: {history.previous})")
    return [head, *((c.change, c.key, c.subject, c.severity, c.detail) for c in history.changes)]


def open_since_cells(history: HistorySummary, findings: Sequence[FindingRow]) -> list[str]:
    """The "Open since" cell of each finding row, in order: "2026-11-02 (21 days)", "" when it passes."""
    by_key = history.open_since_by_key()
    return [by_key.get(f.key, "") for f in findings]
