"""Accepted risks mark findings (never hide them), reopen after expiry, and stale entries are reported."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from builders import EstateBuilder, context
from viosaudit.errors import ConfigError
from viosaudit.rules import evaluate, load_rules
from viosaudit.rules.accepted import apply_acceptances, load_acceptances
from viosaudit.rules.base import Verdict

REGISTER = """
[[acceptance]]
finding = "system_single_vios:SNB"
reason = "Branch closes in March; a patch outage costs more than the risk"
approver = "Head of Infrastructure"
decided = 2026-11-02
expires = 2027-03-31
change = "CHG0041231"

[[acceptance]]
finding = "system_single_vios:SNGONE"
reason = "System decommissioned"
approver = "CIO"
decided = 2026-01-01
expires = 2027-01-01
"""


def findings():  # type: ignore[no-untyped-def]
    b = EstateBuilder().system("B").vios("B", 1, "solo").client("B", 2, "a").vscsi("solo", "a")
    return evaluate(b.build(), context(), load_rules(("system_single_vios",)))


def register(tmp_path: Path, text: str = REGISTER) -> Path:
    path = tmp_path / "accepted.toml"
    path.write_text(text)
    return path


def test_accepted_finding_is_kept_and_marked(tmp_path: Path) -> None:
    result = apply_acceptances(findings(), load_acceptances(register(tmp_path)), date(2026, 11, 25))
    (single,) = [f for f in result.findings if f.key == "system_single_vios:SNB"]
    assert single.verdict is Verdict.FAIL
    assert single.accepted
    assert single.acceptance is not None and single.acceptance.approver == "Head of Infrastructure"
    assert [a.finding for a, _why in result.stale] == ["system_single_vios:SNGONE"]


def test_acceptance_reopens_after_expiry(tmp_path: Path) -> None:
    result = apply_acceptances(findings(), load_acceptances(register(tmp_path)), date(2027, 4, 1))
    (single,) = [f for f in result.findings if f.key == "system_single_vios:SNB"]
    assert not single.accepted and single.verdict is Verdict.FAIL
    assert single.acceptance_expired is not None and single.acceptance_expired.expires == date(2027, 3, 31)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[acceptance]]\nfinding = "x"\n', "acceptance #1: object missing required field `reason`"),
        (REGISTER.replace("expires = 2027-03-31", 'expires = "soon"'), "acceptance #1 expires: invalid RFC3339"),
        (REGISTER.replace("expires = 2027-03-31", "expires = 2027-03-31T10:00:00"), "expected `date`, got `datetime`"),
        (REGISTER.replace("expires = 2027-03-31", "expires = 2025-01-01"), "before decided"),
        (REGISTER.replace('change = "CHG0041231"', 'chnage = "CHG0041231"'), "unknown field `chnage`"),
    ],
)
def test_bad_register_names_the_entry(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_acceptances(register(tmp_path, text))
