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


SHIPPED = load_lifecycle()


def test_shipped_file_is_valid_and_holds_ibms_table() -> None:
    assert validate_lifecycle() == []
    rows = {r.line: (r.ga, r.eofs, r.eofs_estimated, r.eofs_wording) for r in SHIPPED.releases}
    assert rows["3.1.2"] == ("2020-11", date(2023, 11, 30), False, "30-Nov-23")
    assert rows["3.1.3"] == ("2021-09", date(2024, 9, 30), False, "30-Sept-24")
    assert rows["3.1.4"] == ("2022-12", date(2026, 4, 30), True, "30 April 2026 (estimated)")
    assert rows["4.1.0"] == ("2023-11", date(2026, 11, 30), True, "30 November 2026 (estimated)")
    assert rows["4.1.1"] == ("2024-12", date(2027, 12, 31), True, "31 December 2027 (estimated)")
    assert rows["4.1.2"][1] is None  # GA from a secondary source only; no EoFS published
    assert SHIPPED.policy_source is not None and SHIPPED.policy_source.startswith("https://")
    for rel in SHIPPED.releases:
        assert rel.source("line") is not None
        assert rel.eofs is None or rel.source("eofs") is not None


@pytest.mark.parametrize(
    ("level", "status", "when"),
    [
        ("4.1.0.21", Support.OUT_OF_SERVICE, "2026-11-30 (IBM estimate)"),  # the day after IBM's estimate
        ("3.1.4.10", Support.OUT_OF_SERVICE, "2026-04-30 (IBM estimate)"),
        ("3.1.3.40", Support.OUT_OF_SERVICE, "2024-09-30"),
        ("2.2.6.65", Support.OUT_OF_SERVICE, "before 2023-11-30"),
        ("2.2.4.23", Support.OUT_OF_SERVICE, "before 2023-11-30"),
        ("3.1.0.60", Support.OUT_OF_SERVICE, "before 2023-11-30"),
        ("3.1.1.50", Support.OUT_OF_SERVICE, "before 2023-11-30"),
        ("4.1.1.0", Support.IN_SERVICE, "2027-12-31 (IBM estimate)"),
        ("4.1.2.0", Support.EOFS_UNKNOWN, ""),
        ("5.1.0.0", Support.UNKNOWN_RELEASE, ""),
    ],
)
def test_shipped_dates_on_2026_12_01(level: str, status: Support, when: str) -> None:
    got = service_status(Level.parse(level), date(2026, 12, 1), SHIPPED)
    assert (got.status, got.eofs_text) == (status, when), got.reason
    if when.startswith("before"):
        assert "exact date not published" in got.reason and got.eofs is None


def test_4_1_0_is_within_180_days_on_its_estimated_eofs_day() -> None:
    got = service_status(Level.parse("4.1.0.21"), date(2026, 11, 30), SHIPPED)
    assert got.status is Support.WITHIN_180_DAYS and "estimate" in got.reason and "30 November 2026" in got.reason


def test_site_file_adds_and_overrides_lines(tmp_path: Path) -> None:
    site = tmp_path / "site.toml"
    site.write_text(
        'schema = 2\n[[release]]\nline = "4.1.2"\neofs = 2028-12-31\nsources.line = "https://site.example/x"\n'
        'sources.eofs = "https://site.example/x"\n[[release]]\nline = "4.1.0"\neofs = 2027-12-31\n'
        'sources.line = "https://site.example/x"\nsources.eofs = "https://site.example/x"\n'
    )
    merged = load_lifecycle(site=site)
    assert service_status(Level.parse("4.1.2.0"), date(2026, 12, 1), merged).status is Support.IN_SERVICE
    got = service_status(Level.parse("4.1.0.21"), date(2026, 12, 1), merged)
    assert got.status is Support.IN_SERVICE and not got.estimated and got.source == "https://site.example/x"
    assert service_status(Level.parse("2.2.6.65"), date(2026, 12, 1), merged).ended_before == date(2023, 11, 30)


def test_invalid_site_file_is_refused_with_its_name(tmp_path: Path) -> None:
    site = tmp_path / "site.toml"
    site.write_text('[[release]]\nline = "4.1.2"\neofs = 2028-12-31T10:00:00\nsources.line = "https://x.y"\n')
    with pytest.raises(CatalogueError, match=r"site\.toml"):
        load_lifecycle(site=site)


@pytest.mark.parametrize(
    ("level", "today", "status"),
    [
        ("3.1.4.10", date(2025, 1, 1), Support.IN_SERVICE),
        ("3.1.4.10", date(2025, 8, 4), Support.WITHIN_180_DAYS),  # 180 days before 2026-01-31
        ("3.1.4.10", date(2025, 8, 3), Support.IN_SERVICE),  # 181 days before
        ("3.1.4.10", date(2026, 1, 31), Support.WITHIN_180_DAYS),  # the EoFS day itself is still served
        ("3.1.4.10", date(2026, 2, 1), Support.OUT_OF_SERVICE),
        ("3.1.3.21", date(2025, 1, 1), Support.OUT_OF_SERVICE),
        ("4.1.0.21", date(2025, 1, 1), Support.IN_SERVICE),
        ("4.1.1.0", date(2025, 1, 1), Support.EOFS_UNKNOWN),
        ("2.2.6.65", date(2025, 1, 1), Support.OUT_OF_SERVICE),  # below [older].below: ended before
        ("4.2", date(2025, 1, 1), Support.UNKNOWN_RELEASE),  # 4.2.0 is not in the example file
    ],
)
def test_status(level: str, today: date, status: Support) -> None:
    got = service_status(Level.parse(level), today, EXAMPLE)
    assert got.status is status, got.reason
    if status in (Support.UNKNOWN_RELEASE, Support.EOFS_UNKNOWN):
        assert got.eofs is None and got.source is None
    else:
        assert (got.eofs or got.ended_before) is not None and got.source == "https://example.invalid/test"


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)))
def test_status_is_monotonic_in_time(today: date) -> None:
    order = [Support.IN_SERVICE, Support.WITHIN_180_DAYS, Support.OUT_OF_SERVICE]
    now = service_status(Level.parse("3.1.4.10"), today, EXAMPLE).status
    later = service_status(Level.parse("3.1.4.10"), date(2100, 1, 2), EXAMPLE).status
    assert order.index(now) <= order.index(later)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('schema = 2\n[[release]]\nline = "3.1.4"\n', "field line: value has no source"),
        ('schema = 2\n[[release]]\nline = "3.1"\nsources.line = "https://x.y"\n', "release line like"),
        ('schema = 1\n[[release]]\nline = "3.1.4"\nsources.line = "https://x.y"\n', "unsupported schema"),
        (
            '[[release]]\nline = "3.1.4"\nga = "Nov-20"\nsources.line = "https://x.y"\nsources.ga = "https://x.y"\n',
            "month",
        ),
        ('[older]\nbelow = "3.1.2"\n', "field older.ended_before: missing"),
        (
            '[[release]]\nline = "3.1.4"\neofs = "soon"\nsources.line = "https://x.y"\nsources.eofs = "https://x.y"\n',
            "TOML date",
        ),
        (
            '[[release]]\nline = "3.1.4"\neofs = 2026-01-31\nsources.line = "https://x.y"\n',
            "field eofs: value has no source",
        ),
        ('[[release]]\nline = "3.1.4"\ncolour = 1\nsources.line = "https://x.y"\n', "field colour: unknown key"),
        (
            '[[release]]\nline = "3.1.4"\nsources.line = "https://x.y"\n[[release]]\nline = "3.1.4"\nsources.line = "https://x.y"\n',
            "duplicate",
        ),
        ('[[release]]\nline = "3.1.4"\nsources.line = "https://x.y"\nsources.eofs = "https://x.y"\n', "sources.eofs"),
        ("release = [", "not valid TOML"),
    ],
)
def test_invalid_lifecycle(text: str, needle: str) -> None:
    with pytest.raises(CatalogueError, match=r"life\.toml") as err:
        loads_lifecycle(text, "life.toml")
    assert needle in str(err.value)
