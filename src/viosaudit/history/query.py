"""Reading runs back: list them, pick one by id or snapshot, load what a diff needs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, func, select

from viosaudit.history import schema
from viosaudit.history.diff import FindingState, Machine, RunData, RunInfo
from viosaudit.history.store import HistoryError
from viosaudit.rules.base import Verdict

ALL_ZONES = "all"


def _info(row: Any) -> RunInfo:
    return RunInfo(
        id=int(row.id), zone=row.zone, snapshot_id=row.snapshot_id, captured_at=row.captured_at,
        captured_day=row.captured_day, judged_on=row.judged_on, collector=row.collector,
        manifest_digest=row.manifest_digest, catalogue_version=row.catalogue_version,
        catalogue_records=int(row.catalogue_records), tool_version=row.tool_version,
    )  # fmt: skip


def _runs_select() -> Any:
    r = schema.runs
    return select(
        r.c.id, r.c.zone, r.c.snapshot_id, r.c.captured_at, r.c.captured_day, r.c.judged_on, r.c.collector,
        r.c.manifest_digest, r.c.catalogue_version, r.c.catalogue_records, r.c.tool_version,
    )  # fmt: skip


def list_runs(conn: Connection, zone: str = ALL_ZONES) -> list[RunInfo]:
    """Runs oldest first (by captured time), of one zone or all."""
    r = schema.runs
    query = _runs_select().order_by(r.c.zone, r.c.captured_at, r.c.id)
    if zone != ALL_ZONES:
        query = query.where(r.c.zone == zone)
    return [_info(row) for row in conn.execute(query)]


def zones(conn: Connection) -> list[str]:
    return [str(z) for z in conn.execute(select(schema.runs.c.zone).distinct().order_by(schema.runs.c.zone)).scalars()]


def run_info(conn: Connection, run_id: int) -> RunInfo:
    row = conn.execute(_runs_select().where(schema.runs.c.id == run_id)).first()
    if row is None:
        raise HistoryError(f"run {run_id} is not in the history (see `viosaudit history list`)")
    return _info(row)


def find_run(conn: Connection, ref: str, zone: str = ALL_ZONES) -> RunInfo:
    """A run by id (``12``) or snapshot id; a snapshot recorded in several zones needs ``--zone``."""
    if ref.isdigit():
        return run_info(conn, int(ref))
    r = schema.runs
    query = _runs_select().where(r.c.snapshot_id == ref)
    if zone != ALL_ZONES:
        query = query.where(r.c.zone == zone)
    rows = conn.execute(query).all()
    if not rows:
        raise HistoryError(f"no recorded run of snapshot {ref!r} (see `viosaudit history list`)")
    if len(rows) > 1:
        raise HistoryError(f"snapshot {ref!r} is recorded in zones {', '.join(r_.zone for r_ in rows)}: give --zone")
    return _info(rows[0])


def previous_run(conn: Connection, info: RunInfo) -> RunInfo | None:
    r = schema.runs
    row = conn.execute(
        _runs_select()
        .where(r.c.zone == info.zone, r.c.captured_at < info.captured_at)
        .order_by(r.c.captured_at.desc(), r.c.id.desc())
        .limit(1)
    ).first()
    return _info(row) if row is not None else None


def latest_runs(conn: Connection, zone: str = ALL_ZONES, count: int = 1) -> dict[str, list[RunInfo]]:
    """The last ``count`` runs of each zone, oldest first."""
    out: dict[str, list[RunInfo]] = {}
    for run in list_runs(conn, zone):
        out.setdefault(run.zone, []).append(run)
    return {z: runs[-count:] for z, runs in out.items()}


def load_run(conn: Connection, info: RunInfo) -> RunData:
    """The run's open findings (FAIL, UNKNOWN) and machines: all that a diff compares (a finding that
    passes, or is not reported, is "not open" alike), a tenth of the rows of a large estate."""
    f = schema.findings
    rows = conn.execute(
        select(
            f.c.key, f.c.rule_id, f.c.title, f.c.verdict, f.c.severity, f.c.subject, f.c.acceptance,
            f.c.open_since, f.c.first_open,
        ).where(f.c.run_id == info.id, f.c.verdict != Verdict.PASS.value)
    )  # fmt: skip
    findings = {
        row.key: FindingState(
            row.key, row.rule_id, row.title, row.verdict, row.severity, row.subject, row.acceptance,
            row.open_since, row.first_open,
        )
        for row in rows
    }  # fmt: skip
    i = schema.inventory
    machines = tuple(
        Machine(row.kind, row.name, row.managed_system, row.serial, row.level)
        for row in conn.execute(
            select(i.c.kind, i.c.name, i.c.managed_system, i.c.serial, i.c.level).where(
                i.c.run_id == info.id, i.c.kind != "client"
            )
        )
    )
    clients = conn.execute(
        select(func.count()).select_from(i).where(i.c.run_id == info.id, i.c.kind == "client")
    ).scalar()
    return RunData(info, findings, machines, int(clients or 0))


def open_counts(conn: Connection, run_ids: list[int]) -> list[tuple[int, str, int]]:
    """(run id, severity, open findings) for each run: the trend's raw numbers."""
    if not run_ids:
        return []
    f = schema.findings
    rows = conn.execute(
        select(f.c.run_id, f.c.severity, func.count())
        .where(f.c.run_id.in_(run_ids), f.c.verdict != Verdict.PASS.value)
        .group_by(f.c.run_id, f.c.severity)
    )
    return [(int(a), str(b), int(c)) for a, b, c in rows]


def engine_runs(engine: Engine, zone: str = ALL_ZONES) -> list[RunInfo]:
    with engine.connect() as conn:
        return list_runs(conn, zone)
