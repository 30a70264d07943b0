"""system_single_vios: a managed system whose clients depend on one running VIOS."""

from __future__ import annotations

from builders import EstateBuilder, context
from viosaudit.business import BusinessService, Criticality
from viosaudit.rules import evaluate, load_rules
from viosaudit.rules.base import Finding, Severity, SubjectKind, Verdict

RULES = load_rules(("system_single_vios",))
SERVICES = {"pay": BusinessService("pay", "Payments", "Finance IT", Criticality.CRITICAL)}


def run(b: EstateBuilder) -> list[Finding]:
    return list(evaluate(b.build(), context(services=SERVICES), RULES))


def one(b: EstateBuilder) -> Finding:
    (finding,) = run(b)
    return finding


def test_one_vios_serving_running_clients_fails_with_their_outage() -> None:
    b = EstateBuilder().system("B").vios("B", 1, "solo").client("B", 2, "pay").client("B", 3, "dev")
    b.vscsi("solo", "pay").npiv("solo", "dev")
    f = one(b)
    assert (f.verdict, f.severity, f.key) == (Verdict.FAIL, Severity.HIGH, "system_single_vios:SNB")
    assert f.subject.kind is SubjectKind.SYSTEM and f.subject.name == "B"
    assert f.title == "B is served by a single VIOS (solo)"
    assert f.outage and f.affected_partitions == ("dev", "pay")
    assert "2 clients depend on it for storage or network: dev, pay" in f.technical
    assert dict(f.facts)["services"].startswith("Payments (critical)")
    assert "Patching solo needs an outage of 2 partitions" in f.business


def test_second_vios_not_running_makes_the_system_single_vios_in_fact() -> None:
    b = EstateBuilder().system("B").vios("B", 1, "v1").vios("B", 2, "v2", state="Not Activated")
    b.client("B", 3, "pay").vscsi("v1", "pay").vscsi("v2", "pay")
    f = one(b)
    assert f.verdict is Verdict.FAIL and f.outage
    assert f.title == "B: only v1 of its 2 VIOS is running"
    assert "not running: v2 (Not Activated)" in f.technical


def test_clients_that_are_not_running_still_depend_on_the_one_vios_but_stop_nothing() -> None:
    b = EstateBuilder().system("B").vios("B", 1, "solo").client("B", 2, "old", state="Not Activated")
    b.vscsi("solo", "old")
    f = one(b)
    assert f.verdict is Verdict.FAIL and not f.outage
    assert f.affected_partitions == ("old",)
    assert "Not running now, so not interrupted" in f.business


def test_two_running_vios_pass_at_info() -> None:
    b = EstateBuilder().system("S").vios("S", 1, "v1").vios("S", 2, "v2").client("S", 3, "pay").vscsi("v1", "pay")
    f = one(b)
    assert (f.verdict, f.severity, f.title) == (Verdict.PASS, Severity.INFO, "S has 2 VIOS running")


def test_a_vios_of_unknown_state_makes_the_count_unknown() -> None:
    b = EstateBuilder().system("S").vios("S", 1, "v1").vios("S", 2, "v2", state="Unknown")
    b.client("S", 3, "pay").vscsi("v1", "pay")
    f = one(b)
    assert f.verdict is Verdict.UNKNOWN and "state unknown: v2 (Unknown)" in f.technical


def test_no_vios_running_fails() -> None:
    b = EstateBuilder().system("S").vios("S", 1, "v1", state="Error").vios("S", 2, "v2", state="Not Activated")
    b.client("S", 3, "pay").vscsi("v1", "pay")
    f = one(b)
    assert f.verdict is Verdict.FAIL and f.title == "S: no VIOS is running"


def test_partition_list_not_read_is_unknown_never_a_pass() -> None:
    b = EstateBuilder().system("S").vios("S", 1, "v1").client("S", 2, "pay").vscsi("v1", "pay")
    b.gap("S", "lssyscfg_lpar")
    f = one(b)
    assert f.verdict is Verdict.UNKNOWN and "partition list not collected" in f.title


def test_no_finding_without_clients_or_without_vios() -> None:
    assert run(EstateBuilder().system("S").vios("S", 1, "v1")) == []
    assert run(EstateBuilder().system("S").client("S", 2, "pay")) == []


def test_one_vios_that_serves_nobody_is_not_a_finding() -> None:
    b = EstateBuilder().system("S").vios("S", 1, "v1").client("S", 2, "pay")  # pay has dedicated I/O
    assert run(b) == []
