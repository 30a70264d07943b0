"""The main job, stage by stage: snapshot -> estate -> findings -> accepted risks -> plan -> view -> files.

Kept apart from the CLI so tests and benchmarks run exactly what the command runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from viosaudit.assemble import build_estate
from viosaudit.business import BusinessService, load_services
from viosaudit.changes.evidence import write_change_evidence
from viosaudit.decisions import load_decisions
from viosaudit.errors import SnapshotError
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
    decisions_toml: Path | None = None  # CAB decisions register (viosaudit cab import writes it)
    assignment_group: str = ""  # site default for the change-record drafts


@dataclass(frozen=True, slots=True)
class ReportResult:
    estate: Estate
    findings: tuple[Finding, ...]
    register: Register
    view: ReportView
    files: ReportFiles
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


def run_report(job: ReportJob) -> ReportResult:
    """Judge the snapshot and write the reports; every input is checked before anything is written."""
    snapshot = open_snapshot(job.snapshot_dir)
    require_captures(snapshot)
    services = load_services(job.services_csv) if job.services_csv else {}
    decisions = load_decisions(job.decisions_toml) if job.decisions_toml else {}
    estate = build_estate(snapshot)
    ctx = context(estate, job, services)
    register = judge(estate, job, services, ctx)
    plan = build_plan(estate, register.findings, ctx)
    view = build_view(plan, generated_at=job.generated_at or now_iso(), stale=register.stale, decisions=decisions)
    files = write_reports(view, snapshot, job.out_dir, findings=register.findings)
    changes = write_change_evidence(
        plan, view, snapshot, register.findings, job.out_dir, ctx, assignment_group=job.assignment_group
    )
    return ReportResult(estate, register.findings, register, view, files, changes)
