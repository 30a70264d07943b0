"""The main job, stage by stage: snapshot -> estate -> findings -> accepted risks -> plan -> view -> files.

Kept apart from the CLI so tests and benchmarks run exactly what the command runs.
"""

from __future__ import annotations

import contextlib
import gc
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from viosaudit.assemble import build_estate
from viosaudit.business import BusinessService, load_services
from viosaudit.changes.evidence import write_change_evidence
from viosaudit.decisions import load_decisions
from viosaudit.errors import SnapshotError
from viosaudit.files import write_private
from viosaudit.history.record import DEFAULT_ZONE
from viosaudit.history.summary import HistorySummary
from viosaudit.model import Estate, EstateGap
from viosaudit.plan import build_plan
from viosaudit.render import ReportFiles, write_reports
from viosaudit.render.freshness import DEFAULT_MAX_AGE_DAYS, age_warning
from viosaudit.render.viewmodel import ReportView, build_view
from viosaudit.rules import evaluate
from viosaudit.rules.accepted import Register, apply_acceptances, load_acceptances
from viosaudit.rules.base import Finding, RuleContext
from viosaudit.rules.context import load_context
from viosaudit.rules.provenance import data_versions
from viosaudit.snapshot import Snapshot, now_iso, open_snapshot
from viosaudit.timings import recording, stage

if TYPE_CHECKING:
    from viosaudit.render.machine import FindingsDocument, Writer


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
    detail: bool = False  # also the full-listing PDF for auditors
    templates_dir: Path | None = None  # site templates and site.toml (logo, label, colours)
    max_age_days: int = DEFAULT_MAX_AGE_DAYS  # older snapshots get a warning on page 1 and in the summary
    formats: tuple[str, ...] = ()  # machine output beside the reports: "json" (findings.json), "csv"
    document: bool = False  # build the findings document (ReportResult.document), e.g. for --json
    pseudonymise: bool = False  # every output with names, serials, WWPNs, MACs, IPs replaced by tokens
    pseudonym_key: Path | None = None  # the site's key (default: viosaudit-pseudonym.key beside out_dir)
    history: bool = False  # record the run in the history store and show what changed (CLI: on by default)
    db: str | None = None  # --db: SQLite path or PostgreSQL URL (None: VIOSAUDIT_DB, else the user data folder)
    zone: str | None = None  # collector / network zone this snapshot belongs to (None: "default")
    history_scope: str = "zone"  # zone: the report's zone only; all: every zone's latest run (history.scope)
    history_from: Path | None = None  # folder of earlier weekly snapshots to record first
    decisions_toml: Path | None = None  # CAB decisions register (viosaudit cab import writes it)
    assignment_group: str = ""  # site default for the change-record drafts


@dataclass(frozen=True, slots=True)
class ReportResult:
    estate: Estate
    findings: tuple[Finding, ...]
    register: Register
    view: ReportView
    files: ReportFiles
    document: FindingsDocument | None = None  # the findings document (render.machine), when asked for
    pseudonym_map: Path | None = None  # token -> original (0600), when pseudonymised
    changes: tuple[Path, ...] = ()  # the evidence folder of each proposed change

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
        return summarize(engine, recorded.run_id, scope=job.history_scope)
    finally:
        engine.dispose()


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """The job builds millions of long-lived records and almost no reference cycles; with the default
    thresholds the collector rescanned the growing heap again and again: at 1,000 VIOS a fifth of
    parsing and half of assembling was garbage collection."""
    old = gc.get_threshold()
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*old)


def run_report(job: ReportJob) -> ReportResult:
    """Judge the snapshot and write the reports; every input is checked before anything is written.

    With ``VIOSAUDIT_TIMINGS`` set, the seconds of each stage are written there (``viosaudit.timings``)."""
    with recording(), fewer_collections():
        with stage("manifest"):
            snapshot = open_snapshot(job.snapshot_dir)
            require_captures(snapshot)
            services = load_services(job.services_csv) if job.services_csv else {}
            decisions = load_decisions(job.decisions_toml) if job.decisions_toml else {}
        estate = build_estate(snapshot)  # times "read+verify", "parse" and "assemble" itself
        with stage("rules"):
            ctx = context(estate, job, services)
            register = judge(estate, job, services, ctx)
        with stage("plan"):
            plan = build_plan(estate, register.findings, ctx)
        history = None
        if job.history:  # the real findings are recorded, before any pseudonymisation below
            with stage("history"):
                history = record_history(job, snapshot, estate, register.findings, ctx, services)
        with stage("view"):
            view = build_view(
                plan,
                generated_at=job.generated_at or now_iso(),
                stale=register.stale,
                template_dir=job.templates_dir,
                about=data_versions(ctx),
                age_warning=age_warning(estate.captured_at, job.today, job.max_age_days),
                history=history,
                decisions=decisions,
            )
        with tempfile.TemporaryDirectory(prefix="viosaudit-") as scratch:
            pseudonyms = None
            if job.pseudonymise:  # once, on the data: every output below is made from the rewritten copies
                from viosaudit.pseudonymise import KEY_NAME, load_key, pseudonymiser_for

                with stage("pseudonymise"):
                    key = load_key(job.pseudonym_key or job.out_dir.absolute().parent / KEY_NAME)
                    pseudonyms = pseudonymiser_for(estate, snapshot, key, ctx.catalogue, ctx.lifecycle)
                    snapshot = pseudonyms.snapshot_copy(snapshot, Path(scratch) / "snapshot")
                    estate, register, view = pseudonyms.rewrite((estate, register, view))
            with stage("machine"):
                document, extra = _machine_output(job, view, register.findings, snapshot)
            folders: list[tuple[Path, ...]] = []

            def change_folders() -> None:
                with stage("changes"):
                    written = write_change_evidence(
                        plan, view, snapshot, register.findings, job.out_dir, ctx,
                        assignment_group=job.assignment_group, locked=True,
                    )  # fmt: skip
                    folders.append(written)

            files = write_reports(  # times each report
                view,
                snapshot,
                job.out_dir,
                findings=register.findings,
                user_dir=job.templates_dir,
                detail=job.detail,
                extra_files=extra,
                # the change folders while the workbook is written; never for a pseudonymised report:
                # change records are for the site's own change tool
                meanwhile=None if pseudonyms is not None else change_folders,
            )
        map_path = None
        if pseudonyms is not None:
            from viosaudit.pseudonymise import MAP_NAME

            map_path = write_private(job.out_dir / MAP_NAME, pseudonyms.map_json())
        changes = folders[0] if folders else ()
    return ReportResult(estate, register.findings, register, view, files, document, map_path, changes)


def _machine_output(
    job: ReportJob, view: ReportView, findings: Sequence[Finding], snapshot: Snapshot
) -> tuple[FindingsDocument | None, tuple[tuple[str, Writer], ...]]:
    """The findings document and the machine-readable files asked for (none: nothing is built)."""
    if not (job.formats or job.document):
        return None, ()
    from viosaudit.render.machine import findings_document, machine_files

    document = findings_document(view, findings, snapshot)
    return document, machine_files(document, job.formats)
