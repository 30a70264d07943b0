"""Recording judged runs: the one call the report pipeline makes, and earlier weeks recorded first.

``--history-from FOLDER``: every ``FOLDER/<week>/snapshot`` (oldest first) is judged as of its own
capture day, with ``FOLDER/<week>/catalogue.toml`` and ``accepted.toml`` when present, and recorded;
a week already recorded is skipped (idempotent). No report is written for those weeks.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, select

from viosaudit.assemble import build_estate
from viosaudit.business import BusinessService
from viosaudit.errors import SnapshotError
from viosaudit.history import schema
from viosaudit.history.record import Recorded, build_record, record_run
from viosaudit.model import Estate
from viosaudit.rules import evaluate
from viosaudit.rules.accepted import apply_acceptances, load_acceptances
from viosaudit.rules.base import Acceptance, Finding, RuleContext
from viosaudit.rules.context import load_context
from viosaudit.snapshot import MANIFEST, Snapshot, now_iso, open_snapshot


def manifest_digest(snapshot: Snapshot) -> str:
    return hashlib.sha256((snapshot.root / MANIFEST).read_bytes()).hexdigest()


def acceptances_of(findings: Sequence[Finding]) -> tuple[Acceptance, ...]:
    """The acceptances that touched this run's findings (in force or expired), once each."""
    seen: dict[str, Acceptance] = {}
    for f in findings:
        for a in (f.acceptance, f.acceptance_expired):
            if a is not None:
                seen.setdefault(a.finding, a)
    return tuple(seen[k] for k in sorted(seen))


def record_judged(
    engine: Engine,
    snapshot: Snapshot,
    estate: Estate,
    findings: Sequence[Finding],
    ctx: RuleContext,
    *,
    zone: str,
    recorded_at: str | None = None,
) -> Recorded:
    rec = build_record(
        estate,
        findings,
        acceptances_of(findings),
        zone=zone,
        collector=snapshot.manifest.collector,
        manifest_digest=manifest_digest(snapshot),
        judged_on=ctx.today,
        recorded_at=recorded_at or now_iso(),
        apar_ids=[a.id for a in ctx.catalogue.apars],
    )
    return record_run(engine, rec)


def recorded_id(engine: Engine, zone: str, snapshot_id: str) -> int | None:
    r = schema.runs
    with engine.connect() as conn:
        value = conn.execute(select(r.c.id).where(r.c.zone == zone, r.c.snapshot_id == snapshot_id)).scalar()
    return int(value) if value is not None else None


def week_folders(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise SnapshotError(f"--history-from {folder}: not a folder of weekly snapshots")
    weeks = sorted(p for p in folder.iterdir() if (p / "snapshot" / MANIFEST).is_file())
    if not weeks:
        raise SnapshotError(f"--history-from {folder}: no <week>/snapshot/{MANIFEST} in it")
    return weeks


def record_weeks(
    engine: Engine,
    folder: Path,
    *,
    zone: str,
    services: Mapping[str, BusinessService],
    lifecycle: Path | None = None,
) -> list[Recorded]:
    """Judge and record each week of ``folder`` (oldest first); weeks already recorded are skipped."""
    out = []
    for week in week_folders(folder):
        snapshot = open_snapshot(week / "snapshot")
        known = recorded_id(engine, zone, snapshot.manifest.snapshot_id)
        if known is not None:
            out.append(Recorded(known, created=False))
            continue
        estate = build_estate(snapshot)
        catalogue = week / "catalogue.toml"
        accepted = week / "accepted.toml"
        today = date.fromisoformat(estate.captured_at[:10])
        ctx = load_context(
            estate, today, services, catalogue=catalogue if catalogue.is_file() else None, lifecycle=lifecycle
        )
        findings = evaluate(estate, ctx)
        register = apply_acceptances(findings, load_acceptances(accepted) if accepted.is_file() else (), today)
        out.append(record_judged(engine, snapshot, estate, register.findings, ctx, zone=zone))
    return out
