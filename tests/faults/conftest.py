"""The fault suite's shared parts: the collection fixtures (real SSH server on loopback), a small
planned estate snapshot, and the invariants every case must keep.

Every case asserts four things: the exit status, the message (one line, no traceback), that no
verdict became PASS because of the fault, and that nothing already captured was lost.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import shutil
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest

COLLECT = Path(__file__).parents[1] / "collect"
sys.path.insert(0, str(COLLECT))

from estate import simple_estate, write_estate  # noqa: E402

from viosaudit.assemble import build_estate  # noqa: E402
from viosaudit.cli import main  # noqa: E402
from viosaudit.jsonable import to_jsonable  # noqa: E402
from viosaudit.pipeline import ReportJob, judge  # noqa: E402
from viosaudit.render import EVIDENCE_NAME, HTML_NAME, PDF_NAME, XLSX_NAME  # noqa: E402
from viosaudit.rules import load_rules  # noqa: E402
from viosaudit.snapshot import SnapshotWriter, open_snapshot, plan_targets  # noqa: E402

_spec = importlib.util.spec_from_file_location("collect_fixtures", COLLECT / "conftest.py")
assert _spec is not None and _spec.loader is not None
_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_fixtures)
client_key = _fixtures.client_key
make_estate = _fixtures.make_estate
settings_for = _fixtures.settings_for

TODAY = "2026-11-25"
REPORTS = (PDF_NAME, HTML_NAME, XLSX_NAME, EVIDENCE_NAME)
READS = {rule.meta.id: set(rule.meta.reads) for rule in load_rules()}


@dataclass(frozen=True)
class Case:
    """One fault: how to make it, what to run, and what must come out (``message`` is a regex)."""

    name: str
    setup: Callable[..., Any]
    exit: int
    message: str
    argv: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.name


def plan_everything(root: Path) -> Path:
    """Give a snapshot written without a plan the plan a collector would have written, finished."""
    captures = open_snapshot(root).manifest.captures
    writer = SnapshotWriter(root, existing=open_snapshot(root).manifest)
    writer.plan(plan_targets((c.host, c.role, c.managed_system, c.partition, c.via, c.command_id) for c in captures))
    writer.finish_plan()
    writer.close()
    return root


@pytest.fixture(scope="session")
def clean_snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two HMCs, two systems, four VIOS: small, complete (exit 0), with a finished plan."""
    return plan_everything(write_estate(tmp_path_factory.mktemp("clean") / "snapshot", simple_estate(2, hmcs=2)))


@pytest.fixture(scope="session")
def baseline(clean_snapshot: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """finding key -> verdict of the clean snapshot, from the evidence the real CLI wrote."""
    out = tmp_path_factory.mktemp("baseline")
    assert main(["report", str(clean_snapshot), "--out", str(out), "--today", TODAY]) == 0
    return {f["key"]: f["verdict"] for f in findings_of(out)}


def findings_of(out: Path) -> list[dict[str, Any]]:
    with zipfile.ZipFile(out / EVIDENCE_NAME) as z:
        return list(json.loads(z.read("findings.json")))


def gaps_of(out: Path) -> list[dict[str, Any]]:
    with zipfile.ZipFile(out / EVIDENCE_NAME) as z:
        return list(json.loads(z.read("view.json"))["gaps"])


def tree(root: Path) -> dict[str, str]:
    """Every file below ``root`` (links by target) and its SHA-256: "nothing lost" compares these."""
    out: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        name = str(path.relative_to(root))
        if path.is_symlink():
            out[name] = "-> " + str(path.readlink())
        elif path.is_file():
            out[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def copy_snapshot(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, symlinks=True)
    return target


def check_message(case: Case, code: int, out: str, err: str) -> None:
    assert code == case.exit, f"{case.name}: exit {code}, expected {case.exit}\n{out}\n{err}"
    assert "Traceback" not in err + out and "internal error" not in err, err
    if case.exit == 2:
        lines = [line for line in err.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert re.search(case.message, out + err), f"{case.name}: {case.message!r} not in\n{out}{err}"


def check_reports(case: Case, out_dir: Path, baseline: dict[str, str]) -> None:
    """Exit 2: no report of this run. Otherwise the reports' findings and gaps keep ``check_verdicts``."""
    if case.exit == 2:
        assert not any((out_dir / name).exists() for name in REPORTS), sorted(p.name for p in out_dir.glob("*"))
        return
    check_verdicts(case, findings_of(out_dir), gaps_of(out_dir), baseline)


def judged(root: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(findings, gaps) of a snapshot, judged as ``report`` judges it but without writing reports."""
    estate = build_estate(open_snapshot(root))
    job = ReportJob(snapshot_dir=root, out_dir=root, today=date.fromisoformat(TODAY))
    findings = to_jsonable(list(judge(estate, job, {}).findings))
    gaps = [
        {**to_jsonable(g), "partition": g.partition or "", "managed_system": g.managed_system or "",
         "expected": "yes" if g.expected else "no"}
        for g in estate.gaps
    ]  # fmt: skip
    return findings, gaps


def check_verdicts(
    case: Case, findings: list[dict[str, Any]], gaps: list[dict[str, Any]], baseline: dict[str, str]
) -> None:
    """No PASS the clean run did not have, and no PASS on a VIOS (or a system whose partition list is)
    behind a gap, from a rule that reads the missing command."""
    if "gap" in case.extra:
        rows = [f"{g['host']} {g['command_id']}: {g['reason']}" for g in gaps]
        assert any(re.search(case.extra["gap"], row) for row in rows), rows
    new_pass = [f["key"] for f in findings if f["verdict"] == "pass" and baseline.get(f["key"]) != "pass"]
    assert not new_pass, f"{case.name}: verdicts became PASS: {new_pass}"
    for gap in gaps:
        if gap["expected"] == "yes":
            continue
        for f in findings:
            subject = f["subject"]
            on_vios = bool(gap["partition"]) and subject["name"] == gap["partition"]
            on_system = gap["command_id"] == "lssyscfg_lpar" and subject["managed_system"] == gap["managed_system"]
            if (on_vios or on_system) and gap["command_id"] in READS[f["rule_id"]]:
                assert f["verdict"] != "pass", f"{case.name}: {f['key']} PASS despite gap {gap}"


def check_nothing_lost(root: Path) -> None:
    """Every listed capture is on disk and matches its SHA-256; every planned command has a capture or
    a gap; no capture file is on disk without its manifest entry."""
    snapshot = open_snapshot(root)
    manifest = snapshot.manifest
    for capture in manifest.captures:
        assert snapshot.verify(capture) is None, capture.file
    listed = {c.file for c in manifest.captures}
    on_disk = {str(p.relative_to(root)) for p in (root / "captures").rglob("*.txt")}
    assert on_disk == listed, on_disk ^ listed
    if manifest.plan is not None and manifest.plan.finished:
        done = {(c.host, c.command_id, c.managed_system, c.partition) for c in manifest.captures}
        done |= {(g.host, g.command_id, g.managed_system, g.partition) for g in manifest.gaps}
        for target in manifest.plan.targets:
            for command_id in target.command_ids:
                assert (target.host, command_id, target.managed_system, target.partition) in done, (target, command_id)
