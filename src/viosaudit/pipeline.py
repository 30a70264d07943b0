"""The main job, stage by stage: snapshot -> estate -> findings -> accepted risks -> plan -> view -> files.

Kept apart from the CLI so tests and benchmarks run exactly what the command runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from viosaudit.assemble import build_estate
from viosaudit.business import BusinessService, load_services
from viosaudit.errors import SnapshotError
from viosaudit.history.record import DEFAULT_ZONE
from viosaudit.history.summary import HistorySummary
from viosaudit.model import Estate, EstateGap
from viosaudit.plan import build_plan
from viosaudit.render import ReportFiles, write_reports
from viosaudit.render.viewmodel import ReportView, build_view
from viosaudit.rules import evaluate
from viosaudit.rules.accepted import Register, apply_acceptances, load_acceptances
from viosaudit.rules.base import Finding, RuleContext
from viosaudit.rules.context import load_context
from viosaudit.snapshot import Snapshot, now_iso, open_snapshot


@dataclass(frozen=True, slots=True)
class ReportJob:
    snapshot_dir: Path
    out_dir: Path
    today: date
    services_csv: Path | None = None
    accepted_toml: Path | None = None
    catalogue_toml: Path | None = None
    lifecycle_toml: Path | None = None
    generated_at: str | None = None
    history: bool = False  # record the run in the history store and show what changed (CLI: on by default)
    db: str | None = None  # --db: SQLite path or PostgreSQL URL (None: VIOSAUDIT_DB, else the user data folder)
    zone: str | None = None  # collector / network zone this snapshot belongs to (None: "default")
    history_from: Path | None = None  # folder of earlier weekly snapshots to record first


@dataclass(frozen=True, slots=True)
class ReportResult:
    estate: Estate
    findings: tuple[Finding, ...]
    register: Register
    view: ReportView
    files: ReportFiles

    @property
    def failures(self) -> tuple[EstateGap, ...]:
        """Gaps that are failures (not implied by the collection mode): they make the run partial."""
        return tuple(g for g in self.estate.gaps if not g.expected)

    @property
    def partial(self) -> bool:
        return bool(self.failures)


def require_captures(snapshot: Snapshot) -> None:
    """A snapshot without a single capture has nothing to judge: an error (exit 2, no report), never a
    report of an estate that looks empty and therefore fine."""
    manifest = snapshot.manifest
    if manifest.captures:
        return
    unfinished = manifest.plan is not None and not manifest.plan.finished
    why = "its collection never finished (killed or crashed)" if unfinished else f"{len(manifest.gaps)} gap(s) listed"
    raise SnapshotError(
        f"{snapshot.root}: the snapshot holds no captures ({why}); nothing to judge and no report written: "
        "see the gaps in its manifest.json, then collect again"
    )


def context(estate: Estate, job: ReportJob, services: dict[str, BusinessService]) -> RuleContext:
    """The rules' data for this job, read once: catalogue, lifecycle (with the site file), likelihoods."""
    return load_context(estate, job.today, services, catalogue=job.catalogue_toml, lifecycle=job.lifecycle_toml)


def judge(
    estate: Estate, job: ReportJob, services: dict[str, BusinessService], ctx: RuleContext | None = None
) -> Register:
    ctx = ctx or context(estate, job, services)
    findings = evaluate(estate, ctx)
    acceptances = load_acceptances(job.accepted_toml) if job.accepted_toml else ()
    return apply_acceptances(findings, acceptances, job.today)


def record_history(
    job: ReportJob,
    snapshot: Snapshot,
    estate: Estate,
    findings: tuple[Finding, ...],
    ctx: RuleContext,
    services: dict[str, BusinessService],
) -> HistorySummary:
    """Record this run (and ``--history-from`` weeks first), then summarise it against the last one."""
    from viosaudit.history.backfill import record_judged, record_weeks
    from viosaudit.history.store import open_store
    from viosaudit.history.summary import summarize

    zone = job.zone or DEFAULT_ZONE
    engine = open_store(job.db)
    try:
        if job.history_from is not None:
            record_weeks(engine, job.history_from, zone=zone, services=services, lifecycle=job.lifecycle_toml)
        recorded = record_judged(engine, snapshot, estate, findings, ctx, zone=zone)
        return summarize(engine, recorded.run_id)
    finally:
        engine.dispose()


def run_report(job: ReportJob) -> ReportResult:
    """Judge the snapshot and write the reports; every input is checked before anything is written."""
    snapshot = open_snapshot(job.snapshot_dir)
    require_captures(snapshot)
    services = load_services(job.services_csv) if job.services_csv else {}
    estate = build_estate(snapshot)
    ctx = context(estate, job, services)
    register = judge(estate, job, services, ctx)
    plan = build_plan(estate, register.findings, ctx)
    history = record_history(job, snapshot, estate, register.findings, ctx, services) if job.history else None
    view = build_view(plan, generated_at=job.generated_at or now_iso(), stale=register.stale, history=history)
    files = write_reports(view, snapshot, job.out_dir, findings=register.findings)
    return ReportResult(estate, register.findings, register, view, files)
