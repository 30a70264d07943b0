"""Retention: ``viosaudit history prune --keep-weeks N``.

Deletes the runs captured more than N weeks before the zone's latest run, except the runs still
needed: the latest run of each zone, the run where any finding open in a zone's latest run began
its open streak ("open since"), and any run a change's evidence refers to (``evidence_refs``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Engine, delete, select

from viosaudit.history import query, schema
from viosaudit.rules.base import Verdict


@dataclass(frozen=True, slots=True)
class Pruned:
    deleted: tuple[int, ...]
    kept_for_open_since: tuple[int, ...]
    kept_for_evidence: tuple[int, ...]


def prune(engine: Engine, keep_weeks: int, *, dry_run: bool = False) -> Pruned:
    if keep_weeks < 0:
        raise ValueError("keep_weeks must be >= 0")
    with engine.begin() as conn:
        f, e = schema.findings, schema.evidence_refs
        latest = query.latest_runs(conn)
        doomed: list[int] = []
        needed_since: set[int] = set()
        for runs in latest.values():
            newest = runs[-1]
            cutoff = (date.fromisoformat(newest.captured_day) - timedelta(weeks=keep_weeks)).isoformat()
            needed_since |= {
                int(x)
                for x in conn.execute(
                    select(f.c.open_since_run).where(
                        f.c.run_id == newest.id, f.c.verdict != Verdict.PASS.value, f.c.open_since_run.is_not(None)
                    )
                ).scalars()
            }
            doomed += [
                r.id for r in query.list_runs(conn, newest.zone) if r.id != newest.id and r.captured_day < cutoff
            ]
        cited = {int(x) for x in conn.execute(select(e.c.run_id).distinct()).scalars()}
        kept_since = sorted(set(doomed) & needed_since)
        kept_cited = sorted(set(doomed) & cited - needed_since)
        deleted = sorted(set(doomed) - needed_since - cited)
        if deleted and not dry_run:
            for table in (schema.findings, schema.inventory, schema.acceptances):
                conn.execute(delete(table).where(table.c.run_id.in_(deleted)))
            conn.execute(delete(schema.runs).where(schema.runs.c.id.in_(deleted)))
    return Pruned(tuple(deleted), tuple(kept_since), tuple(kept_cited))


def cite_run(engine: Engine, run_id: int, change_id: str, reference: str) -> None:
    """Mark a run as evidence of a change (kept by ``prune``): the hook for change records."""
    with engine.begin() as conn:
        conn.execute(schema.evidence_refs.insert().values(run_id=run_id, change_id=change_id, reference=reference))
