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
        [
            ("old", "3.1.3.21"),
            ("new", "4.1.0.21"),
            ("nodate", "4.1.1.10"),
            ("unlisted", "5.1.0.0"),
            ("blind", None),
            ("ancient", "2.2.6.65"),
        ],
        start=1,
    ):
        b.vios("S", pid, name, level=level)
    ctx = context(today, lifecycle=EXAMPLE)
    return {f.subject.name: (f.verdict, f.severity) for f in evaluate(b.build(), ctx, RULES)}


def test_verdict_per_service_status() -> None:
    found = verdicts(date(2026, 11, 25))
    assert found["old"] == (Verdict.FAIL, Severity.HIGH)  # EoFS 2024-06-30 passed
    assert found["new"] == (Verdict.PASS, Severity.INFO)  # EoFS 2027-06-30, 217 days away
    assert found["nodate"] == (Verdict.UNKNOWN, Severity.INFO)  # line listed, date not recorded
    assert found["unlisted"] == (Verdict.UNKNOWN, Severity.INFO)  # line not in the data
    assert found["ancient"] == (Verdict.FAIL, Severity.HIGH)  # older than every listed line: ended before
    assert found["blind"] == (Verdict.UNKNOWN, Severity.LOW)  # ioslevel not collected


def test_within_180_days_of_eofs_is_a_medium_failure() -> None:
    assert verdicts(date(2027, 2, 1))["new"] == (Verdict.FAIL, Severity.MEDIUM)
    assert verdicts(date(2027, 7, 1))["new"] == (Verdict.FAIL, Severity.HIGH)


def test_findings_carry_the_support_status_date_and_ibms_estimate() -> None:
    b = EstateBuilder().system("S").vios("S", 1, "v1", level="4.1.0.21").vios("S", 2, "v2", level="2.2.6.65")
    found = {
        f.subject.name: f for f in evaluate(b.build(), context(date(2027, 7, 1), lifecycle=EXAMPLE), RULES)
    }
    new = dict(found["v1"].facts)
    assert new["support"] == "out-of-service" and new["eofs"] == "2027-06-30" and new["eofs_estimated"] == "yes"
    assert found["v1"].title == "v1: VIOS 4.1.0 out of fix support since 2027-06-30 (IBM estimate)"
    assert "30 June 2027 (estimated)" in found["v1"].technical
    old = dict(found["v2"].facts)
    assert old["support"] == "out-of-service" and old["eofs"] == "" and old["ended_before"] == "2024-06-30"
    assert "since before 2024-06-30" in found["v2"].title
