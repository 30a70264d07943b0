"""After the work: is the change done? ``viosaudit verify-change CHANGE --after SNAPSHOT``.

The after snapshot is judged by the same rules as any report (so "fix in force" is the APAR rule's own
verdict: a fileset level above the affected range, or an interim fix for the APAR in state S, never Q or
B), then compared with the change's before state:

* every finding the change closes passes now (its own words say why: level or interim fix);
* every client path the change touched is back: each disk, NPIV port set and VLAN is carried again by
  every VIOS that carried it before (the rules' topology, ``UnitStatus.via``);
* no finding is open on the system that was not open before.

Anything missing from the after snapshot counts against closing (unknown is never "closed").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from viosaudit import __version__
from viosaudit.assemble import build_estate
from viosaudit.changes.before import ChangeBefore, ClosesBefore, client_units
from viosaudit.changes.evidence import AFTER_DIR, copy_captures, file_version, scoped_captures, write_folder
from viosaudit.jsonable import json_bytes, to_jsonable
from viosaudit.model import Estate, PartitionKey, client_active
from viosaudit.pipeline import require_captures
from viosaudit.rules import evaluate
from viosaudit.rules.apar_match import assess
from viosaudit.rules.base import Finding, RuleContext, Verdict
from viosaudit.rules.catalogue import Catalogue
from viosaudit.rules.context import load_context
from viosaudit.rules.topology import Topology
from viosaudit.rules.wording import and_list
from viosaudit.snapshot import Snapshot, open_snapshot


@dataclass(frozen=True, slots=True)
class Check:
    """One line of the answer: what was checked, whether it holds, and the evidence for it."""

    area: str  # "fix" | "paths" | "findings"
    ok: bool
    text: str


@dataclass(frozen=True, slots=True)
class Verification:
    change_id: str
    change_key: str
    before_snapshot: str
    after_snapshot: str
    after_captured_at: str
    checks: tuple[Check, ...]
    paths_back: int  # client paths (units) carried again by every VIOS that carried them before

    @property
    def closed(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def blockers(self) -> tuple[str, ...]:
        return tuple(c.text for c in self.checks if not c.ok)

    @property
    def verdict(self) -> str:
        if self.closed:
            return f"closed, all paths back ({self.paths_back} client paths back on every VIOS that carried them)"
        return "not closed: " + "; ".join(self.blockers)

    def lines(self) -> list[str]:
        head = f"{self.change_id} ({self.change_key}): before {self.before_snapshot}, after {self.after_snapshot}"
        marks = [f"  [{'ok' if c.ok else 'NO'}] {c.area}: {c.text}" for c in self.checks]
        return [head, *marks, self.verdict]


def _not_applicable(c: ClosesBefore, serial: str, estate: Estate, catalogue: Catalogue) -> str | None:
    """Why an APAR finding that the after snapshot no longer holds is closed: the APAR rule's own check
    (``rules.apar_match.assess``) finds its VIOS outside every affected range; None when it does not
    (or the VIOS, its data or the record is missing)."""
    vios = next((v for v in estate.vioses if v.key == PartitionKey(serial, c.partition_id) and v.name == c.vios), None)
    if not c.apar or vios is None or c.apar not in catalogue:
        return None
    assessment = assess(vios, catalogue.get(c.apar))
    if assessment.verdict is not Verdict.PASS:
        return None
    return f"{c.vios}: {c.apar}: {assessment.reason}"


def _fix_checks(before: ChangeBefore, after: dict[str, Finding], estate: Estate, catalogue: Catalogue) -> list[Check]:
    checks = []
    closing = {c.key: c for c in before.closing}
    for key in before.closes:
        f = after.get(key)
        gone = _not_applicable(closing[key], before.serial, estate, catalogue) if f is None and key in closing else None
        if gone is not None:
            checks.append(Check("fix", True, gone))
        elif f is None:
            checks.append(Check("fix", False, f"{key}: not judged in the after snapshot (its VIOS or data is missing)"))
        elif f.verdict is Verdict.PASS:
            checks.append(Check("fix", True, f"{f.subject.name}: {f.title}: {f.technical}"))
        elif f.verdict is Verdict.UNKNOWN:
            checks.append(Check("fix", False, f"{f.subject.name}: cannot tell whether {key} is fixed: {f.technical}"))
        else:
            checks.append(Check("fix", False, f"{f.subject.name} still fails {key}: {f.technical}"))
    return checks


def _path_checks(before: ChangeBefore, estate: Estate, topology: Topology) -> tuple[list[Check], int]:
    clients = {c.name: c for c in estate.clients if c.key.serial == before.serial}
    checks: list[Check] = []
    back = 0
    for cb in before.clients:
        client = clients.get(cb.name)
        if client is None:
            checks.append(Check("paths", False, f"client {cb.name} is not in the after snapshot"))
            continue
        if client_active(cb.state) and not client_active(client.state):
            checks.append(
                Check("paths", False, f"client {cb.name} is {client.state or 'of unknown state'} (was {cb.state})")
            )
        now = {(u.kind, u.label): u for u in client_units(topology, client)}
        lost = []
        for u in cb.units:
            if not u.via:
                continue  # carried by no VIOS before: nothing to bring back
            after = now.get((u.kind, u.label))
            missing = [v for v in u.via if after is None or v not in after.via]
            if not missing:
                back += 1
                continue
            remaining = after.via if after is not None else ()
            if len(remaining) == 1:
                lost.append(f"client {cb.name} has one path ({after.text if after else u.label})")
            elif not remaining:
                lost.append(
                    f"client {cb.name} has no working path for {u.label} (was through {and_list(u.via)}; "
                    f"now: {after.text if after else 'not seen'})"
                )
            else:
                lost.append(f"client {cb.name}: {u.label} no longer through {and_list(missing)}")
        if lost:
            checks.extend(Check("paths", False, text) for text in dict.fromkeys(lost))
        elif any(u.via for u in cb.units):
            checks.append(
                Check(
                    "paths",
                    True,
                    f"client {cb.name}: every path back ({and_list(sorted({v for u in cb.units for v in u.via}))})",
                )
            )
    return checks, back


def _new_findings(before: ChangeBefore, findings: tuple[Finding, ...]) -> list[Check]:
    known = set(before.open_on_system) | set(before.closes)
    new = [
        f
        for f in findings
        if f.subject.serial == before.serial and f.verdict is not Verdict.PASS and f.key not in known
    ]
    if not new:
        return [Check("findings", True, f"no new finding on {before.managed_system}")]
    return [
        Check("findings", False, f"new finding on {f.subject.label}: {f.key} ({f.verdict.value}): {f.title}")
        for f in new
    ]


def judge_after(
    snapshot: Snapshot, today: date, catalogue: Path | None = None, lifecycle: Path | None = None
) -> tuple[Estate, tuple[Finding, ...], Topology, RuleContext]:
    require_captures(snapshot)
    estate = build_estate(snapshot)
    ctx = load_context(estate, today, {}, catalogue=catalogue, lifecycle=lifecycle)
    findings = tuple(evaluate(estate, ctx))
    return estate, findings, Topology(estate), ctx


def verify_change(
    before: ChangeBefore, after_dir: Path, *, today: date, catalogue: Path | None = None,
    lifecycle: Path | None = None, write_into: Path | None = None,
) -> Verification:  # fmt: skip
    """Judge ``after_dir`` against ``before``; with ``write_into`` (the change's evidence folder) also
    write the after half (``after/``, with its own manifest)."""
    snapshot = open_snapshot(after_dir)
    estate, findings, topology, ctx = judge_after(snapshot, today, catalogue, lifecycle)
    by_key = {f.key: f for f in findings}
    paths, back = _path_checks(before, estate, topology)
    checks = (*_fix_checks(before, by_key, estate, ctx.catalogue), *paths, *_new_findings(before, findings))
    result = Verification(
        change_id=before.change_id,
        change_key=before.change_key,
        before_snapshot=before.snapshot_id,
        after_snapshot=estate.snapshot_id,
        after_captured_at=estate.captured_at,
        checks=checks,
        paths_back=back,
    )
    if write_into is not None:
        hosts = {v.name for v in before.vios}
        cited = {ref.capture for key in before.closes if (f := by_key.get(key)) for ref in f.evidence}
        files: dict[str, bytes] = {
            "verification.json": json_bytes(
                {**to_jsonable(result), "closed": result.closed, "verdict": result.verdict}
            ),
            "verification.txt": ("\n".join(result.lines()) + "\n").encode("utf-8"),
            "findings.json": json_bytes(to_jsonable([f for f in findings if f.subject.serial == before.serial])),
        }
        entries = copy_captures(files, snapshot, scoped_captures(snapshot, before.managed_system, hosts, cited), "")
        files["captures.json"] = json_bytes(entries)
        files["versions.json"] = json_bytes(
            {
                "tool": f"viosaudit {__version__}",
                "catalogue": file_version(ctx.catalogue.path),
                "lifecycle": file_version(ctx.lifecycle.path),
                "snapshot_id": estate.snapshot_id,
                "captured_at": estate.captured_at,
                "judged_as_of": today.isoformat(),
            }
        )
        write_folder(write_into / AFTER_DIR, files)
    return result
