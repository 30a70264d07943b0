"""Hand-built estates judged as an expert would (tests/estates/*/expected.toml; see its README).

Every estate is a snapshot written from real command formats, never by the sample generator; each
``[[expect]]`` names a rule, a subject and the verdict an experienced Power administrator signs.
"""

from __future__ import annotations

import shutil
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from builders import context
from viosaudit.assemble import build_estate
from viosaudit.model import Collected
from viosaudit.rules import evaluate
from viosaudit.rules.base import Finding, Verdict
from viosaudit.snapshot import open_snapshot

ESTATES = Path(__file__).parent / "estates"
NAMES = sorted(p.parent.name for p in ESTATES.glob("*/expected.toml"))


def expected(name: str) -> dict[str, Any]:
    return tomllib.loads((ESTATES / name / "expected.toml").read_text(encoding="utf-8"))


@cache
def judged(name: str, scratch: Path) -> tuple[Finding, ...]:
    """The estate's findings, after the ``[[tamper]]`` edits are made to a copy of it."""
    spec = expected(name)
    root = scratch / name
    shutil.copytree(ESTATES / name, root)
    for edit in spec.get("tamper", []):
        with (root / edit["file"]).open("a", encoding="utf-8") as handle:
            handle.write(edit["append"])
    return evaluate(build_estate(open_snapshot(root)), context(spec["today"]))


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("estates")


CASES = [(name, i) for name in NAMES for i in range(len(expected(name)["expect"]))]


def _case_id(case: tuple[str, int]) -> str:
    name, i = case
    e = expected(name)["expect"][i]
    return f"{name}:{e['rule']}:{e['subject']}:{e.get('apar', '')}:{e['verdict']}"


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_expert_expectation(case: tuple[str, int], scratch: Path) -> None:
    name, i = case
    want = expected(name)["expect"][i]
    found = [
        f
        for f in judged(name, scratch)
        if f.rule_id == want["rule"]
        and f.subject.label == want["subject"]
        and ("apar" not in want or f.apar == want["apar"])
    ]
    if want["verdict"] == "none":
        assert not found, f"{want['why']}\nunexpected: {[(f.verdict, f.title) for f in found]}"
        return
    assert len(found) == 1, f"expected one finding, found {len(found)}: {[f.title for f in found]}"
    f = found[0]
    text = f"{f.title}\n{f.technical}\n{f.business}"
    assert f.verdict is Verdict(want["verdict"]), f"{want['why']}\ngot {f.verdict}: {text}"
    for needle in want.get("says", []):
        assert needle in text, f"{want['why']}\n{needle!r} not in:\n{text}"
    for needle in want.get("never", []):
        assert needle not in text, f"{want['why']}\n{needle!r} should not be in:\n{text}"
    if "outage" in want:
        assert f.outage is want["outage"], text
    if "affected" in want:
        assert sorted(f.affected_partitions) == sorted(want["affected"]), text
    evidence = {ref.capture for ref in f.evidence}
    assert all((ESTATES / name / capture).is_file() for capture in evidence if capture.startswith("captures/"))


def test_estates_are_many_and_untouched_on_disk() -> None:
    """At least three estates and forty expectations; every committed capture matches its SHA-256."""
    assert len(NAMES) >= 3 and len(CASES) >= 40
    for name in NAMES:
        estate = build_estate(open_snapshot(ESTATES / name))
        assert not [g for g in estate.gaps if g.status is Collected.CHANGED], name


def test_a_tampered_capture_is_reported_as_changed_after_collection(scratch: Path) -> None:
    judged("fixes_and_evidence", scratch)
    estate = build_estate(open_snapshot(scratch / "fixes_and_evidence"))
    (gap,) = [g for g in estate.gaps if g.status is Collected.CHANGED]
    assert gap.command_id == "lsmap_all" and gap.partition == "fin-vios2" and "changed after collection" in gap.reason
