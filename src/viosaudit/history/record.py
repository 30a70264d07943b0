"""What one report run leaves in the history, and writing it: same (zone, snapshot) twice is a no-op.

A run records the snapshot (id, captured time, collector, manifest digest), the inventory at that
time (systems, VIOS with level, clients), every finding (stable key, verdict, severity, subject,
evidence digest, acceptance state), the acceptances in force, and the catalogue and tool versions.

Each finding row also carries its "open since" (the run where its current open streak began) and
its "first open" day, derived from the zone's previous run when it is recorded: the diff of any two
runs then reads two runs, never the whole history.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine, Table, and_, delete, select
from sqlalchemy.exc import IntegrityError

from viosaudit import __version__
from viosaudit.history import schema
from viosaudit.model import Estate
from viosaudit.rules.base import Acceptance, Finding, Verdict

DEFAULT_ZONE = "default"


@dataclass(frozen=True, slots=True)
class InventoryItem:
    kind: str  # system | vios | client
    name: str
    managed_system: str
    serial: str
    partition_id: int | None
    level: str | None
    state: str | None


@dataclass(frozen=True, slots=True)
class FindingItem:
    key: str
    rule_id: str
    title: str
    verdict: str
    severity: str
    subject: str
    managed_system: str
    evidence_digest: str
    acceptance: str  # none | active | expired

    @property
    def open(self) -> bool:
        return self.verdict != Verdict.PASS.value


@dataclass(frozen=True, slots=True)
class RunRecord:
    zone: str
    snapshot_id: str
    captured_at: str
    judged_on: date
    recorded_at: str
    collector: str
    manifest_digest: str
    catalogue_version: str
    catalogue_records: int
    tool_version: str
    inventory: tuple[InventoryItem, ...]
    findings: tuple[FindingItem, ...]
    acceptances: tuple[tuple[Acceptance, bool], ...]  # (acceptance, in force on judged_on)

    @property
    def captured_day(self) -> str:
        return self.captured_at[:10]


def evidence_digest(f: Finding) -> str:
    """SHA-256 of what the finding rests on (its evidence lines and technical detail)."""
    h = hashlib.sha256()
    for ref in f.evidence:
        h.update(f"{ref.host}\0{ref.command}\0{ref.capture}\0{ref.first_line}\0{ref.last_line}\n".encode())
    h.update(f.technical.encode())
    return h.hexdigest()


def _acceptance_state(f: Finding) -> str:
    if f.acceptance is not None:
        return "active"
    return "expired" if f.acceptance_expired is not None else "none"


def catalogue_version(apar_ids: Iterable[str]) -> str:
    """A short digest of the catalogue's record ids: changes when the catalogue grows."""
    ids = sorted(apar_ids)
    return hashlib.sha256("\n".join(ids).encode()).hexdigest()[:16]


def build_record(
    estate: Estate,
    findings: Sequence[Finding],
    acceptances: Sequence[Acceptance],
    *,
    zone: str,
    collector: str,
    manifest_digest: str,
    judged_on: date,
    recorded_at: str,
    apar_ids: Sequence[str],
) -> RunRecord:
    """The record of one report run (pure: everything is passed in)."""
    inventory = [InventoryItem("system", s.name, s.name, s.serial, None, None, s.state) for s in estate.systems]
    inventory += [
        InventoryItem(
            "vios", v.name, v.managed_system, v.key.serial, v.key.partition_id,
            str(v.level.value) if v.level.value is not None else None, v.state,
        )
        for v in estate.vioses
    ]  # fmt: skip
    inventory += [
        InventoryItem("client", c.name, c.managed_system, c.key.serial, c.key.partition_id, None, c.state)
        for c in estate.clients
    ]
    items = {
        f.key: FindingItem(
            key=f.key,
            rule_id=f.rule_id,
            title=f.title[:400],
            verdict=f.verdict.value,
            severity=f.severity.value,
            subject=f.subject.label[:400],
            managed_system=f.subject.managed_system,
            evidence_digest=evidence_digest(f),
            acceptance=_acceptance_state(f),
        )
        for f in findings
    }
    return RunRecord(
        zone=zone or DEFAULT_ZONE,
        snapshot_id=estate.snapshot_id,
        captured_at=estate.captured_at,
        judged_on=judged_on,
        recorded_at=recorded_at,
        collector=collector,
        manifest_digest=manifest_digest,
        catalogue_version=catalogue_version(apar_ids),
        catalogue_records=len(apar_ids),
        tool_version=__version__,
        inventory=tuple(inventory),
        findings=tuple(items[k] for k in sorted(items)),
        acceptances=tuple((a, a.active(judged_on)) for a in acceptances),
    )


@dataclass(frozen=True, slots=True)
class Recorded:
    run_id: int
    created: bool  # False: this (zone, snapshot) was already recorded; nothing written


def record_run(engine: Engine, rec: RunRecord) -> Recorded:
    """Write the run in one transaction; a second writer of the same (zone, snapshot) gets the first's id."""
    try:
        with engine.begin() as conn:
            existing = _existing(conn, rec)
            if existing is not None:
                return Recorded(existing, created=False)
            run_id = _insert(conn, rec)
            for later in _later_runs(conn, rec.zone, rec.captured_at, run_id):  # recorded out of order
                _derive(conn, rec.zone, later)
            return Recorded(run_id, created=True)
    except IntegrityError:
        with engine.connect() as conn:  # the other writer committed the same snapshot first
            existing = _existing(conn, rec)
        if existing is None:
            raise
        return Recorded(existing, created=False)


def _existing(conn: Connection, rec: RunRecord) -> int | None:
    r = schema.runs
    found = conn.execute(select(r.c.id).where(and_(r.c.zone == rec.zone, r.c.snapshot_id == rec.snapshot_id)))
    value = found.scalar()
    return int(value) if value is not None else None


def bulk_insert(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Many rows at once: PostgreSQL's COPY (in this transaction), elsewhere one executemany."""
    if not rows:
        return
    if conn.dialect.name != "postgresql":
        conn.execute(table.insert(), rows)
        return
    columns = list(rows[0])
    driver = conn.connection.driver_connection
    assert driver is not None
    names = ", ".join(f'"{c}"' for c in columns)
    with driver.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([row[c] for c in columns])


def _insert(conn: Connection, rec: RunRecord) -> int:
    result = conn.execute(
        schema.runs.insert().values(
            zone=rec.zone,
            snapshot_id=rec.snapshot_id,
            captured_at=rec.captured_at,
            captured_day=rec.captured_day,
            judged_on=rec.judged_on.isoformat(),
            recorded_at=rec.recorded_at,
            collector=rec.collector,
            manifest_digest=rec.manifest_digest,
            tool_version=rec.tool_version,
            catalogue_version=rec.catalogue_version,
            catalogue_records=rec.catalogue_records,
        )
    )
    pk = result.inserted_primary_key
    assert pk is not None
    run_id = int(pk[0])
    if rec.inventory:
        bulk_insert(
            conn,
            schema.inventory,
            [
                {
                    "run_id": run_id, "kind": i.kind, "name": i.name, "managed_system": i.managed_system,
                    "serial": i.serial, "partition_id": i.partition_id, "level": i.level, "state": i.state,
                }
                for i in rec.inventory
            ],
        )  # fmt: skip
    before = _before(conn, rec.zone, rec.captured_at, run_id)
    day = rec.captured_day
    if rec.findings:
        bulk_insert(
            conn,
            schema.findings,
            [
                {
                    "run_id": run_id, "key": f.key, "rule_id": f.rule_id, "title": f.title, "verdict": f.verdict,
                    "severity": f.severity, "subject": f.subject, "managed_system": f.managed_system,
                    "evidence_digest": f.evidence_digest, "acceptance": f.acceptance,
                    **dict(zip(("open_since_run", "open_since", "first_open"),
                               derived(before, f.key, f.open, run_id, day), strict=True)),
                }
                for f in rec.findings
            ],
        )  # fmt: skip
    if rec.acceptances:
        bulk_insert(
            conn,
            schema.acceptances,
            [
                {
                    "run_id": run_id, "finding": a.finding, "approver": a.approver, "decided": a.decided.isoformat(),
                    "expires": a.expires.isoformat(), "change": a.change, "active": active,
                }
                for a, active in rec.acceptances
            ],
        )  # fmt: skip
    return run_id


def _run_row(conn: Connection, run_id: int) -> tuple[str, str]:
    r = schema.runs
    row = conn.execute(select(r.c.captured_at, r.c.captured_day).where(r.c.id == run_id)).one()
    return str(row.captured_at), str(row.captured_day)


def _previous_run(conn: Connection, zone: str, captured_at: str, run_id: int) -> int | None:
    r = schema.runs
    value = conn.execute(
        select(r.c.id)
        .where(r.c.zone == zone, r.c.id != run_id, r.c.captured_at < captured_at)
        .order_by(r.c.captured_at.desc(), r.c.id.desc())
        .limit(1)
    ).scalar()
    return int(value) if value is not None else None


def _later_runs(conn: Connection, zone: str, captured_at: str, run_id: int) -> list[int]:
    r = schema.runs
    rows = conn.execute(
        select(r.c.id)
        .where(r.c.zone == zone, r.c.id != run_id, r.c.captured_at > captured_at)
        .order_by(r.c.captured_at)
    )
    return [int(x) for x in rows.scalars()]


Before = dict[str, tuple[bool, int | None, str | None, str | None]]


def _before(conn: Connection, zone: str, captured_at: str, run_id: int) -> Before:
    """The zone's previous run's findings: key -> (open, open_since_run, open_since, first_open)."""
    previous = _previous_run(conn, zone, captured_at, run_id)
    if previous is None:
        return {}
    f = schema.findings
    rows = conn.execute(
        select(f.c.key, f.c.verdict, f.c.open_since_run, f.c.open_since, f.c.first_open).where(f.c.run_id == previous)
    )
    return {
        row.key: (row.verdict != Verdict.PASS.value, row.open_since_run, row.open_since, row.first_open) for row in rows
    }


def derived(
    before: Before, key: str, is_open: bool, run_id: int, day: str
) -> tuple[int | None, str | None, str | None]:
    """(open_since_run, open_since, first_open) of one finding, given the previous run's row."""
    was_open, since_run, since, first = before.get(key, (False, None, None, None))
    if not is_open:
        return None, None, first
    if not (was_open and since_run is not None):
        since_run, since = run_id, day
    return since_run, since, first or day


def _derive(conn: Connection, zone: str, run_id: int) -> None:
    """Re-derive open_since / first_open of a run recorded before an older one arrived: its rows are
    read, deleted and written again in bulk (no per-row update)."""
    captured_at, day = _run_row(conn, run_id)
    before = _before(conn, zone, captured_at, run_id)
    f = schema.findings
    rows = [dict(row._mapping) for row in conn.execute(select(f).where(f.c.run_id == run_id))]
    for row in rows:
        osr, os_, fo = derived(before, row["key"], row["verdict"] != Verdict.PASS.value, run_id, day)
        row.update(open_since_run=osr, open_since=os_, first_open=fo)
    conn.execute(delete(f).where(f.c.run_id == run_id))
    bulk_insert(conn, f, rows)
