"""Property: removing one capture never turns a verdict into PASS or FAIL: it stays or becomes UNKNOWN.

A verdict that rests on data must not be reached without it. Removing a capture may make a finding
UNKNOWN, or drop findings whose subject the snapshot no longer shows at all (then an UNKNOWN finding
or a gap names what is missing); it may never produce a PASS or FAIL that was not there before.
Run over the sample snapshot and every hand-built estate (tests/estates).
"""

from __future__ import annotations

import tomllib
from dataclasses import replace
from datetime import date
from functools import cache
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from builders import context
from viosaudit.assemble import build_estate
from viosaudit.model import Estate
from viosaudit.rules import evaluate
from viosaudit.rules.base import Finding, Verdict
from viosaudit.snapshot import Snapshot, open_snapshot

HERE = Path(__file__).parent
ROOTS = {
    "sample": (HERE.parent / "sample_data" / "snapshot", date(2026, 12, 1)),
    **{
        p.parent.name: (p.parent, tomllib.loads(p.read_text())["today"])
        for p in sorted((HERE / "estates").glob("*/expected.toml"))
    },
}


@cache
def snapshot(name: str) -> Snapshot:
    return open_snapshot(ROOTS[name][0])


def judge(snap: Snapshot, name: str) -> tuple[Estate, dict[str, Finding]]:
    estate = build_estate(snap)
    findings = evaluate(estate, context(ROOTS[name][1]))
    return estate, {f.key: f for f in findings}


@cache
def baseline(name: str) -> dict[str, Finding]:
    return judge(snapshot(name), name)[1]


def without(name: str, index: int) -> Snapshot:
    snap = snapshot(name)
    captures = snap.manifest.captures
    return replace(snap, manifest=replace(snap.manifest, captures=captures[:index] + captures[index + 1 :]))


def problems(name: str, index: int) -> list[str]:
    """Every way removing capture ``index`` broke the property (empty: it held)."""
    removed = snapshot(name).manifest.captures[index]
    estate, after = judge(without(name, index), name)
    unknown_systems = {f.subject.serial for f in after.values() if f.verdict is Verdict.UNKNOWN}
    known_systems = {s.serial for s in estate.systems}
    out = []
    for key, before in baseline(name).items():
        now = after.get(key)
        if now is None:
            serial = before.subject.serial
            if serial in unknown_systems or serial not in known_systems:
                continue  # the system is now unknown as a whole, or gone (its listing was removed: a gap)
            out.append(f"{key}: {before.verdict.value} vanished")
        elif now.verdict not in (before.verdict, Verdict.UNKNOWN):
            out.append(f"{key}: {before.verdict.value} became {now.verdict.value}")
    for key, now in after.items():
        if key not in baseline(name) and now.verdict is not Verdict.UNKNOWN:
            out.append(f"{key}: new {now.verdict.value}")
    return [f"without {removed.file}: {p}" for p in out]


CASES = st.sampled_from(sorted(ROOTS)).flatmap(
    lambda name: st.tuples(st.just(name), st.integers(0, len(snapshot(name).manifest.captures) - 1))
)


@settings(max_examples=120, deadline=None, derandomize=True)
@given(CASES)
def test_removing_a_capture_only_ever_makes_verdicts_unknown(case: tuple[str, int]) -> None:
    assert problems(*case) == []


def test_removing_the_partition_list_makes_the_system_unknown_not_silent() -> None:
    captures = snapshot("sample").manifest.captures
    index = next(
        i for i, c in enumerate(captures) if c.command_id == "lssyscfg_lpar" and c.managed_system == "P7-BRANCH-D"
    )
    _estate, after = judge(without("sample", index), "sample")
    system = next(f for f in after.values() if f.rule_id == "system_single_vios" and f.subject.name == "P7-BRANCH-D")
    assert system.verdict is Verdict.UNKNOWN and "partition list not collected" in system.title
