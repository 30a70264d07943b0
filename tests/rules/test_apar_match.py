"""Truth tables for every catalogue record, generated from the record's own ranges, plus examples.

For each fileset range and each VIOS level range the cases are: the affected low end, the high end,
one below the low end, one above the high end / the fixed level, a matching ifix in force, the same
ifix in state Q, ifixes not collected, and the level data not collected. The expected exposure comes
from an independent oracle (tuple comparison), not from the ranges' own ``matches``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest

from builders import above, below, ifix
from viosaudit.model import (
    Collected,
    Fileset,
    Ifix,
    IfixState,
    Level,
    Observed,
    PartitionKey,
    SourceRef,
    Span,
    Vios,
    VirtualTargetDevice,
    VscsiMapping,
)
from viosaudit.rules.apar_match import affected_text, assess, fixed_level_for, ifix_remediates, preconditions
from viosaudit.rules.base import Verdict
from viosaudit.rules.catalogue import Apar, Feature, FilesetRange, LevelRange, load_catalogue

CATALOGUE = load_catalogue()
LEVEL_REF = SourceRef("vios1/ioslevel.txt", 1, 1, "vios1", "ioslevel")
LSLPP_REF = SourceRef("vios1/lslpp.txt", 1, 900, "vios1", "lslpp -Lc")
EMGR_REF = SourceRef("vios1/emgr.txt", 1, 12, "vios1", "emgr -l")
MISSING: Observed[object] = Observed(Collected.NOT_COLLECTED, reason="command not run in this test")
UNREADABLE: Observed[object] = Observed(Collected.UNREADABLE, reason="parse error at line 3")
UNSET = object()


def make_vios(
    level: str | None = "3.1.4.10",
    filesets: dict[str, str] | None = None,
    ifixes: tuple[Ifix, ...] | None = (),
    *,
    level_obs: Observed[object] | None = None,
    vscsi: Observed[tuple[VscsiMapping, ...]] | None = None,
) -> Vios:
    lvl: Observed[Level] = (
        Observed(Collected.OK, Level.parse(level), LEVEL_REF) if level is not None else level_obs or MISSING  # type: ignore[assignment]
    )
    fs: Observed[tuple[Fileset, ...]]
    if filesets is None:
        fs = MISSING  # type: ignore[assignment]
    else:
        filesets = {"bos.rte": "7.2.5.0", **filesets}  # a complete listing always has bos.rte
        fs = Observed(
            Collected.OK,
            tuple(
                Fileset(n, n, Level.parse(v), "C", "F", n, Span(i + 1, i + 1))
                for i, (n, v) in enumerate(filesets.items())
            ),
            LSLPP_REF,
        )
    fx: Observed[tuple[Ifix, ...]] = Observed(Collected.OK, ifixes, EMGR_REF) if ifixes is not None else MISSING  # type: ignore[assignment]
    empty: Observed[tuple[object, ...]] = Observed(Collected.OK, (), LEVEL_REF)
    return Vios(
        key=PartitionKey("78ABCDE", 1),
        name="vios1",
        managed_system="sys1",
        state="Running",
        os_version=None,
        level=lvl,
        ifixes=fx,
        filesets=fs,
        vscsi=vscsi if vscsi is not None else empty,  # type: ignore[arg-type]
        npiv=empty,  # type: ignore[arg-type]
        network=empty,  # type: ignore[arg-type]
        source=LEVEL_REF,
    )




# ---------------------------------------------------------------- independent oracle and level arithmetic


def key(level: Level) -> tuple[int, ...]:
    p = list(level.parts)
    while p and p[-1] == 0:
        p.pop()
    return tuple(p)






def oracle_in(fr: FilesetRange, level: Level) -> bool:
    if fr.low is not None and key(level) < key(fr.low):
        return False
    if fr.high is None:
        return True
    return key(level) <= key(fr.high) if fr.high_inclusive else key(level) < key(fr.high)


def oracle_affected_by_filesets(apar: Apar, vios_level: Level, fileset: str, level: Level) -> bool:
    rel = ".".join(str(x) for x in (*vios_level.parts, 0, 0, 0)[:3])
    return any(
        fr.fileset == fileset and (fr.release is None or fr.release == rel) and oracle_in(fr, level)
        for fr in apar.fileset_ranges
    )


def vios_level_for(apar: Apar, fr: FilesetRange) -> Level:
    """A VIOS level under which ``fr`` applies (its release line, or an affected level range)."""
    if fr.release:
        return Level.parse(fr.release + ".10")
    if apar.level_ranges:
        return level_points(apar.level_ranges[0])[0]
    bound = fr.high or fr.low
    base = tuple(bound.parts[:2]) if bound else ()
    # A VIOS whose AIX base carries filesets at this numbering (6.1.x on VIOS 2.2, 7.3.x on 4.1...).
    return Level.parse({(6, 1): "2.2.6.65", (7, 2): "3.1.4.10", (7, 3): "4.1.0.21"}.get(base, "3.1.4.10"))


def level_points(lr: LevelRange) -> list[Level]:
    """Affected VIOS levels of a level range: its low end and its high end (or just under fixed)."""
    low = lr.low or Level.parse(lr.release + ".0")
    points = [low]
    if lr.high is not None:
        points.append(lr.high)
    elif lr.fixed is not None:
        points.append(below(lr.fixed))
    return points


def remediating_ifix(apar: Apar, state: IfixState = IfixState.STABLE) -> Ifix:
    labels = apar.remediation_labels
    return ifix(labels[0] if labels else f"{apar.id.replace('-', '')}s1a", state, f"fix for {apar.id}")


# ---------------------------------------------------------------- generated cases


@dataclass(frozen=True)
class Case:
    name: str
    apar: Apar
    vios: Vios
    verdict: Verdict
    remediated_by: str | None = None
    reason_has: str = ""


def fileset_cases(apar: Apar) -> list[Case]:
    cases: list[Case] = []
    for n, fr in enumerate(apar.fileset_ranges):
        vlevel = vios_level_for(apar, fr)
        tag = f"{apar.id}-fs{n}"
        points: list[tuple[str, Level]] = []
        if fr.low is not None and key(fr.low) > ():
            points.append(("low end", fr.low))
            points.append(("below low", below(fr.low)))
        if fr.high is not None:
            points.append(("high end", fr.high if fr.high_inclusive else below(fr.high)))
            points.append(("above high", above(fr.high) if fr.high_inclusive else fr.high))
        for what, point in points:
            exposed = oracle_affected_by_filesets(apar, vlevel, fr.fileset, point)
            vios = make_vios(str(vlevel), {fr.fileset: str(point)})
            cases.append(Case(f"{tag} {what} {point}", apar, vios, Verdict.FAIL if exposed else Verdict.PASS))
        affected = next(p for w, p in points if w in ("low end", "high end"))
        fs = {fr.fileset: str(affected)}
        assert oracle_affected_by_filesets(apar, vlevel, fr.fileset, affected)
        fix = remediating_ifix(apar)
        cases += [
            Case(f"{tag} ifix in force", apar, make_vios(str(vlevel), fs, (fix,)), Verdict.PASS, fix.label),
            Case(
                f"{tag} ifix state Q",
                apar,
                make_vios(str(vlevel), fs, (remediating_ifix(apar, IfixState.REBOOT_REQUIRED),)),
                Verdict.FAIL,
                reason_has="Q (reboot required)",
            ),
            Case(
                f"{tag} ifix broken",
                apar,
                make_vios(str(vlevel), fs, (remediating_ifix(apar, IfixState.BROKEN),)),
                Verdict.FAIL,
                reason_has="B (broken)",
            ),
            Case(
                f"{tag} unrelated ifix",
                apar,
                make_vios(str(vlevel), fs, (ifix("IJ99999s1a"),)),
                Verdict.FAIL,
                reason_has="no interim fix",
            ),
            Case(
                f"{tag} ifixes not collected",
                apar,
                make_vios(str(vlevel), fs, None),
                Verdict.UNKNOWN,
                reason_has="emgr -l",
            ),
            Case(
                f"{tag} fileset not installed",
                apar,
                make_vios(str(vlevel), {}),
                Verdict.PASS,
                reason_has="not installed",
            ),
        ]
        if not apar.level_ranges:
            cases.append(
                Case(
                    f"{tag} filesets not collected",
                    apar,
                    make_vios(str(vlevel), None),
                    Verdict.UNKNOWN,
                    reason_has="lslpp",
                )
            )
        if fr.release is not None:
            cases.append(
                Case(f"{tag} level not collected", apar, make_vios(None, fs), Verdict.UNKNOWN, reason_has="ioslevel")
            )
    return cases


def level_cases(apar: Apar) -> list[Case]:
    """Judged by ioslevel: filesets are not collected, so the level ranges decide."""
    cases: list[Case] = []
    for n, lr in enumerate(apar.level_ranges):
        tag = f"{apar.id}-lvl{n}"
        for point in level_points(lr):
            cases.append(Case(f"{tag} affected {point}", apar, make_vios(str(point), None), Verdict.FAIL))
        if lr.low is not None:
            cases.append(Case(f"{tag} below low", apar, make_vios(str(below(lr.low)), None), Verdict.PASS))
        if lr.high is not None:
            cases.append(Case(f"{tag} above high", apar, make_vios(str(above(lr.high)), None), Verdict.PASS))
        if lr.fixed is not None:
            cases.append(
                Case(f"{tag} fixed level", apar, make_vios(str(lr.fixed), None), Verdict.PASS, reason_has="fixed level")
            )
        first = str(level_points(lr)[0])
        fix = remediating_ifix(apar)
        cases += [
            Case(f"{tag} ifix in force", apar, make_vios(first, None, (fix,)), Verdict.PASS, fix.label),
            Case(
                f"{tag} ifix state Q",
                apar,
                make_vios(first, None, (remediating_ifix(apar, IfixState.REBOOT_REQUIRED),)),
                Verdict.FAIL,
                reason_has="not in force",
            ),
            Case(
                f"{tag} ifixes not collected", apar, make_vios(first, None, None), Verdict.UNKNOWN, reason_has="emgr -l"
            ),
            Case(f"{tag} level not collected", apar, make_vios(None, None), Verdict.UNKNOWN, reason_has="ioslevel"),
            Case(
                f"{tag} level unreadable",
                apar,
                make_vios(None, None, level_obs=UNREADABLE),
                Verdict.UNKNOWN,
                reason_has="unreadable",
            ),
            Case(
                f"{tag} other release line", apar, make_vios("1.5.2.6", None), Verdict.PASS, reason_has="release line"
            ),
        ]
    return cases


CASES = [c for a in CATALOGUE for c in (*fileset_cases(a), *level_cases(a))]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_truth_table(case: Case) -> None:
    result = assess(case.vios, case.apar)
    assert result.verdict is case.verdict, result.reason
    assert result.apar_id == case.apar.id
    assert result.remediated_by == case.remediated_by
    assert case.reason_has in result.reason
    if result.verdict is Verdict.FAIL:
        assert result.level_affected is True
        assert result.matched
    if result.verdict is Verdict.UNKNOWN:
        assert "not collected" in result.reason or "unreadable" in result.reason


def test_every_record_has_generated_cases() -> None:
    covered = {c.apar.id for c in CASES}
    assert covered == {a.id for a in CATALOGUE}
    assert len(CASES) > 200


# ---------------------------------------------------------------- worked examples

IV91339 = CATALOGUE.get("IV91339")


def test_iv91339_affected_with_matched_text_and_evidence() -> None:
    v = make_vios("2.2.5.10", {"devices.vdevice.IBM.v-scsi-host.rte": "6.1.9.200"})
    r = assess(v, IV91339)
    assert r.verdict is Verdict.FAIL
    assert r.matched == "devices.vdevice.IBM.v-scsi-host.rte 6.1.9.200 <= 6.1.9.200"
    assert LEVEL_REF in r.evidence and EMGR_REF in r.evidence
    # the fileset's own line is cited, not the whole lslpp listing
    fileset_line = replace(LSLPP_REF, first_line=2, last_line=2)
    assert fileset_line in r.evidence and LSLPP_REF not in r.evidence


def test_iv91339_range_belongs_to_its_release_line() -> None:
    # 6.1.9.150 is above the 2.2.4 bound (6.1.9.102) but below the 2.2.5 bound (6.1.9.200)
    assert (
        assess(make_vios("2.2.4.40", {"devices.vdevice.IBM.v-scsi-host.rte": "6.1.9.150"}), IV91339).verdict
        is Verdict.PASS
    )
    assert (
        assess(make_vios("2.2.5.10", {"devices.vdevice.IBM.v-scsi-host.rte": "6.1.9.150"}), IV91339).verdict
        is Verdict.FAIL
    )


def test_iv91339_level_unknown_but_fileset_in_some_range_is_unknown() -> None:
    r = assess(make_vios(None, {"devices.vdevice.IBM.v-scsi-host.rte": "6.1.9.100"}), IV91339)
    assert r.verdict is Verdict.UNKNOWN
    assert "ioslevel" in r.reason and r.level_affected is None


def test_iv91339_level_unknown_and_fileset_above_every_range_passes() -> None:
    r = assess(make_vios(None, {"devices.vdevice.IBM.v-scsi-host.rte": "6.1.9.300"}), IV91339)
    assert r.verdict is Verdict.PASS


def test_iv91339_vios_3_is_not_affected() -> None:
    r = assess(make_vios("3.1.4.10", {"devices.vdevice.IBM.v-scsi-host.rte": "7.2.5.200"}), IV91339)
    assert r.verdict is Verdict.PASS


def test_iv91339_filesets_not_collected_is_unknown_even_with_a_level() -> None:
    r = assess(make_vios("2.2.5.10", None), IV91339)
    assert r.verdict is Verdict.UNKNOWN
    assert "lslpp" in r.reason


def test_ifix_found_by_abstract() -> None:
    fx = ifix("custom01", IfixState.STABLE, "Ifix for apar IV91339 vscsi")
    r = assess(make_vios("2.2.5.10", {"devices.vdevice.IBM.v-scsi-host.rte": "6.1.9.200"}, (fx,)), IV91339)
    assert r.verdict is Verdict.PASS and r.remediated_by == "custom01"


def test_ifix_with_longer_number_does_not_match() -> None:
    assert not ifix_remediates(ifix("IV913390s1a"), IV91339)
    assert not ifix_remediates(ifix("XIV91339"), IV91339)
    assert ifix_remediates(ifix("iv91339s5a"), IV91339)


@pytest.mark.parametrize("state", [s for s in IfixState if s.effective])
def test_every_effective_state_remediates(state: IfixState) -> None:
    r = assess(make_vios("3.1.1.30", None, (ifix("IJ37503s5a", state),)), CATALOGUE.get("IJ37503"))
    assert r.verdict is Verdict.PASS


@pytest.mark.parametrize("state", [s for s in IfixState if not s.effective])
def test_every_other_state_does_not(state: IfixState) -> None:
    r = assess(make_vios("3.1.1.30", None, (ifix("IJ37503s5a", state),)), CATALOGUE.get("IJ37503"))
    assert r.verdict is Verdict.FAIL
    assert "not in force" in r.reason


def test_each_state_is_explained_in_its_own_words() -> None:
    def reason(state: IfixState) -> str:
        return assess(make_vios("3.1.1.30", None, (ifix("IJ37503s5a", state),)), CATALOGUE.get("IJ37503")).reason

    assert "broken, not in force" in reason(IfixState.BROKEN) and "reboot" not in reason(IfixState.BROKEN)
    assert "not in force until the VIOS is rebooted" in reason(IfixState.REBOOT_REQUIRED)
    assert "unmounted, not in force" in reason(IfixState.UNMOUNTED)


def test_one_good_copy_beats_a_broken_one() -> None:
    fixes = (ifix("IJ37503s4a", IfixState.BROKEN), ifix("IJ37503s5a", IfixState.STABLE))
    r = assess(make_vios("3.1.1.30", None, fixes), CATALOGUE.get("IJ37503"))
    assert r.verdict is Verdict.PASS and r.remediated_by == "IJ37503s5a"


def test_level_judgement_when_filesets_missing_says_so() -> None:
    r = assess(make_vios("3.1.0.50", None), CATALOGUE.get("IJ30799"))
    assert r.verdict is Verdict.FAIL
    assert "judged by ioslevel" in r.reason
    assert r.matched is not None and r.matched.startswith("ioslevel 3.1.0.50 in")
    r = assess(make_vios("3.1.0.60", None), CATALOGUE.get("IJ30799"))
    assert r.verdict is Verdict.PASS


def test_filesets_preferred_over_level() -> None:
    # the level range says 2.2.3.40 is affected, but pool.basic.rte (SSP) is not installed
    r = assess(make_vios("2.2.3.40", {"bos.rte": "6.1.9.45"}), CATALOGUE.get("IV70381"))
    assert r.verdict is Verdict.PASS and "not installed" in r.reason


def test_unreadable_ifixes_are_unknown_not_fail() -> None:
    v = make_vios("3.1.1.30", None, None)
    broken: Observed[tuple[Ifix, ...]] = Observed(Collected.UNREADABLE, reason="parse error at line 3")
    v = replace(v, ifixes=broken)
    r = assess(v, CATALOGUE.get("IJ37503"))
    assert r.verdict is Verdict.UNKNOWN and "unreadable" in r.reason and r.level_affected is True


def test_fixed_level_and_texts() -> None:
    assert fixed_level_for(CATALOGUE.get("IJ30447"), Level.parse("3.1.2.10")) == Level.parse("3.1.2.20")
    assert fixed_level_for(CATALOGUE.get("IJ30447"), Level.parse("3.1.3.10")) is None
    assert "v-scsi-host.rte <= 6.1.9.200 (VIOS 2.2.5.x)" in affected_text(IV91339)
    assert "3.1.0.x before 3.1.0.60" in affected_text(CATALOGUE.get("IJ30799"))


def test_preconditions_tri_state() -> None:
    vtd = VirtualTargetDevice("vtscsi0", "Available", "0x81", "hdisk2", None, None, Span(1, 1))
    mapping = VscsiMapping("vhost0", "U9009.001", 3, (vtd,), Span(1, 4))
    used = preconditions(make_vios(vscsi=Observed(Collected.OK, (mapping,), LEVEL_REF)), IV91339)
    assert [(p.feature, p.in_use) for p in used] == [(Feature.VSCSI, True), (Feature.LPM, None)]
    unknown = preconditions(make_vios(vscsi=MISSING), IV91339)  # type: ignore[arg-type]
    assert unknown[0].in_use is None and "not collected" in unknown[0].reason


@pytest.mark.parametrize("listing", [(), ("devices.common.IBM.fc.rte",)])
def test_incomplete_fileset_listing_cannot_prove_absence(listing: tuple[str, ...]) -> None:
    """An lslpp capture without bos.rte (empty, or cut short) must not turn 'not listed' into PASS."""
    v = make_vios("2.2.5.10", {})
    rows = tuple(Fileset(n, n, Level.parse("6.1.9.0"), "C", "F", n, Span(1, 1)) for n in listing)
    short: Observed[tuple[Fileset, ...]] = Observed(Collected.OK, rows, LSLPP_REF)
    r = assess(replace(v, filesets=short), IV91339)
    assert r.verdict is Verdict.UNKNOWN
    assert "looks incomplete" in r.reason


def test_fileset_ranges_that_cannot_apply_to_the_vios_line_need_no_lslpp() -> None:
    """Filesets not collected: IBM's release scoping, or an AIX 6.1 range on an AIX 7.x based VIOS, still
    decide; on the VIOS line the range is written for, the answer stays unknown."""
    catalogue = load_catalogue()
    iv91339, iv96553 = catalogue.get("IV91339"), catalogue.get("IV96553")
    assert iv91339 is not None and iv96553 is not None
    for level in ("3.1.4.10", "4.1.0.21", "2.2.6.65"):
        assert assess(make_vios(level, None), iv91339).verdict is Verdict.PASS, level
    for level in ("3.1.4.10", "4.1.0.21"):
        assert assess(make_vios(level, None), iv96553).verdict is Verdict.PASS, level
    assert assess(make_vios("2.2.5.10", None), iv91339).verdict is Verdict.UNKNOWN
    assert assess(make_vios("2.2.6.65", None), iv96553).verdict is Verdict.UNKNOWN
