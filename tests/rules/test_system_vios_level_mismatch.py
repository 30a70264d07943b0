"""system_vios_level_mismatch: the VIOS of one system at different levels, or exposed differently."""

from __future__ import annotations

from builders import EstateBuilder, context, fileset, ifix
from viosaudit.model import Level
from viosaudit.rules import evaluate, load_rules
from viosaudit.rules.base import Finding, Severity, SubjectKind, Verdict

RULES = load_rules(("system_vios_level_mismatch",))
VSCSI = "devices.vdevice.IBM.v-scsi-host.rte"


def run(b: EstateBuilder) -> list[Finding]:
    return list(evaluate(b.build(), context(), RULES))


COMPLETE = (fileset("bos.rte", "7.2.5.200"),)  # a listing with bos.rte: every fileset record decidable


def pair(level1: str | None, level2: str | None) -> EstateBuilder:
    b = EstateBuilder().system("S")
    return b.vios("S", 1, "v1", level=level1, filesets=COMPLETE).vios("S", 2, "v2", level=level2, filesets=COMPLETE)


def test_same_level_but_exposure_unknown_on_one_vios_is_unknown_not_pass() -> None:
    b = pair("3.1.4.10", "3.1.4.10").replace_vios("v2", filesets=EstateBuilder.missing())
    (f,) = run(b)
    assert f.verdict is Verdict.UNKNOWN and "exposure not comparable" in f.title and "(v2)" in f.technical


def test_same_level_and_same_exposure_passes_at_info() -> None:
    (f,) = run(pair("3.1.4.10", "3.1.4.10"))
    assert (f.verdict, f.severity, f.key) == (Verdict.PASS, Severity.INFO, "system_vios_level_mismatch:SNS")
    assert f.subject.kind is SubjectKind.SYSTEM and "3.1.4.10" in f.technical


def test_different_levels_fail_and_name_both() -> None:
    (f,) = run(pair("3.1.4.10", "3.1.3.21"))
    assert (f.verdict, f.severity) == (Verdict.FAIL, Severity.MEDIUM)
    assert "v1 3.1.4.10" in f.technical and "v2 3.1.3.21" in f.technical
    assert len(f.evidence) == 2


def test_same_level_but_one_vios_protected_by_an_ifix_fails_on_exposure() -> None:
    exposed = (fileset(VSCSI, "6.1.9.200"),)
    b = EstateBuilder().system("S")
    b.vios("S", 1, "v1", level="2.2.5.10", filesets=exposed)
    b.vios("S", 2, "v2", level="2.2.5.10", filesets=exposed, ifixes=(ifix("IV91339s5a"),))
    (f,) = run(b)
    assert f.verdict is Verdict.FAIL
    assert "IV91339: exposed v1, not exposed v2" in f.technical


def test_a_level_not_collected_makes_the_comparison_unknown() -> None:
    (f,) = run(pair("3.1.4.10", None))
    assert f.verdict is Verdict.UNKNOWN and "Level not collected for v2" in f.technical


def test_a_single_vios_has_nothing_to_compare() -> None:
    assert run(EstateBuilder().system("S").vios("S", 1, "v1")) == []


def test_levels_are_compared_as_numbers() -> None:
    assert Level.parse("2.2.5.10") > Level.parse("2.2.5.9")
    (f,) = run(pair("2.2.5.10", "2.2.5.9"))
    assert f.verdict is Verdict.FAIL
