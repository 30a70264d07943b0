"""How old the snapshot is on the day judged: past ``max_age_days`` the reports say so on page 1."""

from __future__ import annotations

from datetime import date, datetime

DEFAULT_MAX_AGE_DAYS = 8


def captured_day(captured_at: str) -> date | None:
    """The day of an ISO timestamp ("2026-11-23T06:00:00Z" -> 2026-11-23); None when unreadable."""
    try:
        return datetime.fromisoformat(captured_at.strip().replace("Z", "+00:00")).date()
    except ValueError:
        try:
            return date.fromisoformat(captured_at.strip()[:10])
        except ValueError:
            return None


def age_warning(captured_at: str, today: date, max_age_days: int = DEFAULT_MAX_AGE_DAYS) -> str:
    """A sentence for page 1 and the summary when the data is older than ``max_age_days`` (or its
    capture date cannot be read); "" when it is fresh enough."""
    day = captured_day(captured_at)
    if day is None:
        return (
            f"The date the data was captured ({captured_at!r}) cannot be read: check how old it is before acting on it."
        )
    age = (today - day).days
    if age <= max_age_days:
        return ""
    return (
        f"The data is {age} days old (captured {day.isoformat()}, judged as of {today.isoformat()}; "
        f"the limit is {max_age_days} days): collect again before acting on this report."
    )
