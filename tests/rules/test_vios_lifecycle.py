"""vios_lifecycle with example lifecycle data (tests/rules/data/lifecycle.toml: example dates, not IBM's)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from builders import EstateBuilder, context
from viosaudit.rules import evaluate, load_rules
from viosaudit.rules.base import Severity, Verdict
from viosaudit.rules.lifecycle import load_lifecycle

EXAMPLE = load_lifecycle(Path(__file__).parent / "data" / "lifecycle.toml")
RULES = load_rules(("vios_lifecycle",))


def verdicts(today: date) -> dict[str, tuple[Verdict, Severity]]:
    b = EstateBuilder().system("S")
    for pid, (name, level) in enumerate(
        [("old", "3.1.3.21"), ("new", "4.1.0.21"), ("nodate", "4.1.1.10"), ("unlisted", "2.2.6.65"), ("blind", None)],
        start=1,
    ):
        b.vios("S", pid, name, level=level)
    ctx = context(today, lifecycle=EXAMPLE)
    return {f.subject.name: (f.verdict, f.severity) for f in evaluate(b.build(), ctx, RULES)}


def test_verdict_per_service_status() -> None:
    found = verdicts(date(2026, 11, 25))
    assert found["old"] == (Verdict.FAIL, Severity.HIGH)  # EoSPS 2024-06-30 passed
    assert found["new"] == (Verdict.PASS, Severity.INFO)  # EoSPS 2027-06-30, 217 days away
    assert found["nodate"] == (Verdict.UNKNOWN, Severity.INFO)  # line listed, date not recorded
    assert found["unlisted"] == (Verdict.UNKNOWN, Severity.INFO)  # line not in the data
    assert found["blind"] == (Verdict.UNKNOWN, Severity.LOW)  # ioslevel not collected


def test_within_180_days_of_eosps_is_a_medium_failure() -> None:
    assert verdicts(date(2027, 2, 1))["new"] == (Verdict.FAIL, Severity.MEDIUM)
    assert verdicts(date(2027, 7, 1))["new"] == (Verdict.FAIL, Severity.HIGH)
