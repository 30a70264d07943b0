"""Proposed changes section: each ``ProposedChange`` as a CAB row, with its runbook rendered from the
partials in ``templates/runbook/`` (sites may override them) and its CAB paragraph."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from jinja2 import Environment, TemplateError

from viosaudit.decisions import CabDecision, change_key
from viosaudit.errors import RenderError
from viosaudit.plan import Plan, ProposedChange
from viosaudit.plan.changes import VIOSUPGRADE_FROM, ChangeKind, OrderReason, PatchStep
from viosaudit.plan.services import ServiceEffect
from viosaudit.render.view import ChangeRow, PatchStepRow, ServiceImpact
from viosaudit.render.wording import (
    change_title,
    fix_text,
    risk_of_doing,
    risk_of_not_doing,
    step_note,
    target_name,
    upgrade_text,
    window,
    words,
)
from viosaudit.rules.wording import and_list

STATEMENT = "cab_statement.txt"
RUNBOOK = {True: "runbook/rolling.txt", False: "runbook/outage.txt"}  # by dual
BACKOUT = "runbook/backout.txt"
SEA_FIRST = (OrderReason.BACKUP_FIRST, OrderReason.ASSUMED_BACKUP_FIRST)


def service_impacts(effects: tuple[ServiceEffect, ...]) -> tuple[ServiceImpact, ...]:
    return tuple(
        ServiceImpact(s.service, and_list(s.owners, limit=3), s.criticality, s.partitions, s.effect) for s in effects
    )


def _step(step: PatchStep) -> PatchStepRow:
    level = step.vios.level
    spare = step.spare_disks
    return PatchStepRow(
        order=step.order,
        vios=step.vios.name,
        level=str(level.value) if level.ok and level.value else words(level.status),
        note=step_note(step),
        carriers=step.carriers,
        stop_before=step.stop_before,
        start_after=step.start_after,
        seas=step.seas or (),
        spare_disk=spare[0] if spare else "",
        spare_known=spare is not None,
        rootvg=step.rootvg,
        sea_first=step.reason in SEA_FIRST,
        below_viosupgrade=bool(level.ok and level.value and level.value < VIOSUPGRADE_FROM),
    )


def change_row(ch: ProposedChange, plan: Plan) -> ChangeRow:
    upgrade = ch.kind is ChangeKind.UPGRADE
    # an upgrade's own target line says what the lifecycle findings' remediation says
    lifecycle = {f.title for f in ch.findings if "support" in dict(f.facts)}
    return ChangeRow(
        change_id=ch.change_id,
        title=change_title(ch),
        managed_system=ch.system.name,
        serial=ch.system.serial,
        design=ch.design,
        severity=ch.severity,
        window_hours=ch.window_hours,
        patch_order=tuple(_step(s) for s in ch.steps),
        outage=ch.outage is not None,
        outage_partitions=ch.outage.partitions if ch.outage else (),
        not_running=tuple(f"{c.name} ({c.state})" for c in ch.not_running),
        risk_of_doing=risk_of_doing(ch, plan),
        risk_of_not_doing=risk_of_not_doing(ch),
        services=service_impacts(ch.services),
        window=window(ch),
        fixes=(upgrade_text(ch),) if upgrade else tuple(fix_text(f) for f in ch.fixes if f.apars),
        also=tuple(fix_text(f) for f in ch.fixes if not f.apars and not (upgrade and f.title in lifecycle)),
        unknown_partners=tuple(v.name for v in ch.unknown_partners),
        owners=and_list(ch.owners, limit=4),
        implementation_plan=(),
        backout_plan=(),
        finding_keys=tuple(f.key for f in ch.findings),
        decision="",
        change_key=change_key(f.key for f in ch.findings),
        upgrade=upgrade,
        target=target_name(ch.target),
    )


def decided(row: ChangeRow, decisions: Mapping[str, CabDecision]) -> ChangeRow:
    """The row with the CAB's recorded decision on its change (by stable key), if any."""
    d = decisions.get(row.change_key)
    if d is None:
        return row
    return replace(
        row,
        decision=d.decision.value,
        decided_by=d.decided_by,
        decided_on=d.decided.isoformat(),
        cab_comment=d.comment,
        decision_text=d.text,
    )


def _render(env: Environment, name: str, row: ChangeRow) -> str:
    try:
        return env.get_template(name).render(ch=row)
    except TemplateError as exc:
        raise RenderError(f"cannot render {name}: {exc}; check the site templates") from exc


def numbered_steps(text: str) -> tuple[str, ...]:
    """A runbook partial's output: one step per non-empty line, numbered."""
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return tuple(f"{n}. {line}" for n, line in enumerate((line for line in lines if line), start=1))


def change_rows(
    plan: Plan, env: Environment, decisions: Mapping[str, CabDecision] | None = None
) -> tuple[ChangeRow, ...]:
    rows = []
    for ch in plan.changes:
        row = decided(change_row(ch, plan), decisions or {})
        row = replace(
            row,
            implementation_plan=numbered_steps(_render(env, RUNBOOK[row.dual], row)),
            backout_plan=numbered_steps(_render(env, BACKOUT, row)),
        )
        rows.append(replace(row, statement=" ".join(_render(env, STATEMENT, row).split())))
    return tuple(rows)
