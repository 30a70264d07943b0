"""vios_disk_reserve: a reserve on a disk that a client reaches through two VIOS blocks the second path."""

from __future__ import annotations

from builders import EstateBuilder, context
from viosaudit.model import Collected, Observed
from viosaudit.rules import evaluate, load_rules
from viosaudit.rules.base import Finding, Verdict

RULES = load_rules(("vios_disk_reserve",))


def run(builder: EstateBuilder) -> dict[str, Finding]:
    findings = evaluate(builder.build(), context(), RULES)
    return {f.subject.name: f for f in findings}


def dual(*disks: str) -> EstateBuilder:
    b = EstateBuilder().system("S1").vios("S1", 1, "v1").vios("S1", 2, "v2").client("S1", 3, "c1")
    return b.vscsi("v1", "c1", *disks).vscsi("v2", "c1", *disks)


def test_single_path_on_one_vios_fails_there_only() -> None:
    b = dual("hdisk2", "hdisk3").reserve("v1", hdisk0="single_path", hdisk2="no_reserve", hdisk3="no_reserve")
    b.reserve("v2", hdisk2="single_path", hdisk3="PR_exclusive")
    found = run(b)
    assert found["v2"].verdict is Verdict.FAIL and found["v2"].key == "vios_disk_reserve:SNS1:2"
    assert "hdisk2 single_path" in found["v2"].technical and "hdisk3 PR_exclusive" in found["v2"].technical
    assert found["v2"].affected_partitions == ("c1",)
    assert found["v1"].verdict is Verdict.PASS  # hdisk0 (its own rootvg) is not a backing disk


def test_no_reserve_and_pr_shared_pass() -> None:
    b = dual("hdisk2", "hdisk3").reserve("v1", hdisk2="no_reserve", hdisk3="PR_shared")
    found = run(b.reserve("v2", hdisk2="no_reserve", hdisk3="PR_shared"))
    assert {f.verdict for f in found.values()} == {Verdict.PASS}


def test_not_collected_is_one_unknown_per_vios_not_per_disk() -> None:
    b = dual("hdisk2", "hdisk3", "hdisk4").reserve("v1", hdisk2="no_reserve", hdisk3="no_reserve", hdisk4="no_reserve")
    b.replace_vios("v2", disk_reserve=Observed(Collected.UNREADABLE, reason="line 3 garbled"))
    findings = evaluate(b.build(), context(), RULES)
    unknown = [f for f in findings if f.verdict is Verdict.UNKNOWN]
    assert len(unknown) == 1 and unknown[0].subject.name == "v2"
    assert "cannot tell: reserve_policy not collected" in unknown[0].title


def test_unreadable_value_or_unlisted_disk_is_unknown() -> None:
    b = dual("hdisk2", "hdisk3").reserve("v1", hdisk2="no_reserve", hdisk3=None)
    found = run(b.reserve("v2", hdisk2="no_reserve"))
    assert found["v1"].verdict is Verdict.UNKNOWN and found["v2"].verdict is Verdict.UNKNOWN
    assert "not listed" in found["v2"].technical


def test_client_served_by_one_vios_is_not_judged() -> None:
    b = EstateBuilder().system("S1").vios("S1", 1, "v1").vios("S1", 2, "v2").client("S1", 3, "c1")
    b.vscsi("v1", "c1", "hdisk2").reserve("v1", hdisk2="single_path")
    assert run(b) == {}  # single-VIOS storage is lpar_single_path_storage's finding
