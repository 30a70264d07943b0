"""Lifecycle: service status by release line, with unknowns that are never 'in service'."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from viosaudit.errors import CatalogueError
from viosaudit.model import Level
from viosaudit.rules.lifecycle import Support, load_lifecycle, loads_lifecycle, service_status, validate_lifecycle

EXAMPLE = load_lifecycle(Path(__file__).parent / "data" / "lifecycle.toml")  # example dates, not IBM's


def test_shipped_file_is_valid_and_names_the_release_lines() -> None:
    assert validate_lifecycle() == []
    shipped = load_lifecycle()
    lines = [r.line for r in shipped.releases]
    assert {"2.2.4", "2.2.5", "2.2.6", "3.1.0", "3.1.1", "3.1.2", "3.1.3", "3.1.4", "4.1.0"} <= set(lines)
    assert shipped.policy_source is not None and shipped.policy_source.startswith("https://")
    for rel in shipped.releases:
        assert rel.source("line") is not None
        if rel.eosps is not None:
            assert rel.source("eosps") is not None


def test_shipped_lines_without_dates_are_never_in_service() -> None:
    status, eosps, *_ = service_status(Level.parse("3.1.4.10"), date(2020, 1, 1))
    assert status is Support.EOSPS_UNKNOWN and eosps is None


@pytest.mark.parametrize(
    ("level", "today", "status"),
    [
        ("3.1.4.10", date(2025, 1, 1), Support.IN_SERVICE),
        ("3.1.4.10", date(2025, 8, 4), Support.WITHIN_180_DAYS),  # 180 days before 2026-01-31
        ("3.1.4.10", date(2025, 8, 3), Support.IN_SERVICE),  # 181 days before
        ("3.1.4.10", date(2026, 1, 31), Support.WITHIN_180_DAYS),  # the EoSPS day itself is still served
        ("3.1.4.10", date(2026, 2, 1), Support.OUT_OF_SERVICE),
        ("3.1.3.21", date(2025, 1, 1), Support.OUT_OF_SERVICE),
        ("4.1.0.21", date(2025, 1, 1), Support.IN_SERVICE),
        ("4.1.1.0", date(2025, 1, 1), Support.EOSPS_UNKNOWN),
        ("2.2.6.65", date(2025, 1, 1), Support.UNKNOWN_RELEASE),
        ("3.1", date(2025, 1, 1), Support.UNKNOWN_RELEASE),  # 3.1.0 is not in the example file
    ],
)
def test_status(level: str, today: date, status: Support) -> None:
    got = service_status(Level.parse(level), today, EXAMPLE)
    assert got.status is status, got.reason
    if status in (Support.UNKNOWN_RELEASE, Support.EOSPS_UNKNOWN):
        assert got.eosps is None
    else:
        assert got.eosps is not None and got.source == "https://example.invalid/test"


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)))
def test_status_is_monotonic_in_time(today: date) -> None:
    order = [Support.IN_SERVICE, Support.WITHIN_180_DAYS, Support.OUT_OF_SERVICE]
    now = service_status(Level.parse("3.1.4.10"), today, EXAMPLE).status
    later = service_status(Level.parse("3.1.4.10"), date(2100, 1, 2), EXAMPLE).status
    assert order.index(now) <= order.index(later)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('schema = 1\n[[release]]\nline = "3.1.4"\n', "field line: value has no source"),
        ('schema = 1\n[[release]]\nline = "3.1"\nsources.line = "https://x.y"\n', "release line like"),
        (
            '[[release]]\nline = "3.1.4"\neosps = "soon"\nsources.line = "https://x.y"\nsources.eosps = "https://x.y"\n',
            "TOML date",
        ),
        (
            '[[release]]\nline = "3.1.4"\neosps = 2026-01-31\nsources.line = "https://x.y"\n',
            "field eosps: value has no source",
        ),
        ('[[release]]\nline = "3.1.4"\ncolour = 1\nsources.line = "https://x.y"\n', "field colour: unknown key"),
        (
            '[[release]]\nline = "3.1.4"\nsources.line = "https://x.y"\n[[release]]\nline = "3.1.4"\nsources.line = "https://x.y"\n',
            "duplicate",
        ),
        ('[[release]]\nline = "3.1.4"\nsources.line = "https://x.y"\nsources.eosps = "https://x.y"\n', "sources.eosps"),
        ("release = [", "not valid TOML"),
    ],
)
def test_invalid_lifecycle(text: str, needle: str) -> None:
    with pytest.raises(CatalogueError, match=r"life\.toml") as err:
        loads_lifecycle(text, "life.toml")
    assert needle in str(err.value)
