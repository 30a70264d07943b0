"""Page 1, for management: the headline, what it means for the business, what we recommend, and the
risks formally accepted. Counts and service names only: no rule text, fix numbers or jargon."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from viosaudit.plan import EntityStatus, OverallStatus, Plan, ProposedChange
from viosaudit.plan.status import ViosState
from viosaudit.render.wording.words import defects_phrase, interrupted, likelihood_span, words
from viosaudit.rules.base import Acceptance, Finding, SubjectKind
from viosaudit.rules.wording import and_list, plural, services_phrase

PAGE1_CHANGE_LINES = 3  # per-server lines on page 1; the rest are summed up (page 1 must stay one page)
PAGE1_ACCEPTED_LINES = 3


def headline(plan: Plan) -> str:
    fails = plan.open_fails
    systems = len(plan.systems)
    vios, vios_unknown = len(plan.vios), len(plan.vios_with(EntityStatus.UNKNOWN))
    worst = words(min(fails, key=lambda f: f.severity.rank).severity).lower() if fails else ""
    open_systems = len({f.subject.serial for f in fails})  # servers with open (not accepted) failures
    has = "has" if open_systems == 1 else "have"
    status = plan.status
    if status is OverallStatus.ACTION:
        text = f"{open_systems} of {plural(systems, 'server')} {has} problems rated {worst} that need fixing."
    elif status is OverallStatus.RISK and not fails:
        accepted = len(plan.accepted)
        text = (
            f"Nothing needs action now; {plural(accepted, 'risk')} formally accepted "
            f"{'remains' if accepted == 1 else 'remain'} (see below)."
        )
    elif status is OverallStatus.RISK:
        text = f"{open_systems} of {plural(systems, 'server')} {has} {worst}-rated problems to plan for."
    elif status is OverallStatus.UNKNOWN and not plan.systems:
        text = "No server data was collected: nothing could be checked."
    elif status is OverallStatus.UNKNOWN:
        text = (
            f"{vios_unknown} of {plural(vios, 'I/O server')} could not be fully checked: "
            "their state is unknown, not safe."
            if vios_unknown
            else "Part of the data could not be collected: the result is incomplete, not safe."
        )
    else:
        text = f"All {plural(vios, 'I/O server')} on {plural(systems, 'server')} were checked: no known exposure."
    if status in (OverallStatus.ACTION, OverallStatus.RISK) and vios_unknown:
        text += f" {plural(vios_unknown, 'I/O server')} could not be fully checked."
    return text


def _rated(findings: Sequence[Finding], one: bool) -> str:
    sev = words(min(findings, key=lambda f: f.severity.rank).severity).lower()
    return f"rated {sev}" if one else f"the worst rated {sev}"


def _labels(states: Iterable[ViosState]) -> list[str]:
    return [f"{s.vios.managed_system} / {s.vios.name}" for s in states]


def meaning(plan: Plan) -> list[str]:
    """ "What it means": built from counts and the service map, never from rule text (jargon)."""
    lines: list[str] = []
    fails = plan.open_fails
    defects = [f for f in fails if f.apar]
    if defects:
        ids = sorted({f.apar for f in defects if f.apar})
        n_vios = len({(f.subject.serial, f.subject.name) for f in defects if f.subject.kind is SubjectKind.VIOS})
        n_sys = len({f.subject.serial for f in defects})
        rated = _rated(defects, len(ids) == 1)
        where = f"{plural(n_vios, 'I/O server')} on {plural(n_sys, 'server')}" if n_vios else plural(n_sys, "server")
        line = f"{defects_phrase(ids)}, {rated}, {'affects' if len(ids) == 1 else 'affect'} {where}."
        span = likelihood_span(f.risk.likelihood for f in defects if f.risk)
        if span:
            line += f" Estimated likelihood of being hit: {span}."
        lines.append(line)
    others = [f for f in fails if not f.apar]
    if others:
        lines.append(
            f"{plural(len(others), 'other open problem')}, {_rated(others, len(others) == 1)}; "
            "details in the Findings section."
        )
    rolling = [c for c in plan.changes if c.outage is None]
    if rolling:
        one = len(rolling) == 1
        lines.append(
            f"{and_list([c.system.name for c in rolling], limit=3)} can be fixed with no interruption: "
            f"{'it has' if one else 'they have'} two I/O servers, fixed one at a time."
        )
    disruptive = [c for c in plan.changes if c.outage is not None]
    for c in disruptive[:PAGE1_CHANGE_LINES]:
        n = len(c.outage.partitions) if c.outage else 0
        why = (
            f"{plural(n, 'virtual machine')} {'depends' if n == 1 else 'depend'} on one I/O server only"
            if c.dual
            else "it has a single I/O server"
        )
        lines.append(
            f"Fixing {c.system.name} interrupts {services_phrase(interrupted(c), plan.services, short=True)} ({why})."
        )
    if len(disruptive) > PAGE1_CHANGE_LINES:
        rest = disruptive[PAGE1_CHANGE_LINES:]
        lines.append(
            f"Fixing {plural(len(rest), 'more server')} ({and_list([c.system.name for c in rest], limit=3)}) "
            "also interrupts services; details in Proposed changes."
        )
    lines += _support_lines(plan)
    unknown = [v for v in plan.vios_with(EntityStatus.UNKNOWN) if not v.complete]
    undecided = [v for v in plan.vios_with(EntityStatus.UNKNOWN) if v.complete]
    if unknown:
        lines.append(
            f"{plural(len(unknown), 'I/O server')} ({and_list(_labels(unknown), limit=3)}) could not be "
            "checked because data is missing: treat as exposed until checked."
        )
    if undecided:
        lines.append(
            f"For {plural(len(undecided), 'I/O server')} ({and_list(_labels(undecided), limit=3)}) some checks "
            "could not decide (e.g. a support date is not known): treat as at risk; details in Findings."
        )
    if not lines and plan.status is OverallStatus.OK:
        lines.append("No known exposure was found; no business service is at risk from the checked issues.")
    elif not lines and plan.gaps:
        lines.append("Some data could not be collected, so part of the estate was not checked.")
    return lines


def _support_lines(plan: Plan) -> list[str]:
    """I/O servers IBM no longer ships fixes for, and those whose fix support ends within 180 days."""
    lines = []
    ended, ending = plan.support.ended, plan.support.ending
    if ended:
        one = len(ended) == 1
        lines.append(
            f"{plural(len(ended), 'I/O server')} ({and_list([f.subject.label for f in ended], limit=3)}) "
            f"{'runs' if one else 'run'} a version IBM no longer ships fixes for: any new defect stays open."
        )
    if ending:
        lines.append(
            f"Warning: IBM's fixes for {plural(len(ending), 'I/O server')} "
            f"({and_list([f.subject.label for f in ending], limit=3)}) end within 180 days: plan the upgrade."
        )
    return lines


def recommendations(plan: Plan) -> list[str]:
    lines: list[str] = []
    changes = plan.changes
    if changes:
        lines.append(
            f"Approve the {plural(len(changes), 'proposed change')} at the next change board "
            "(workbook viosaudit-cab.xlsx, sheet Changes)."
        )
    disruptive = [c for c in changes if c.outage is not None]
    for c in disruptive[:PAGE1_CHANGE_LINES]:
        stopped = [s for s in c.services if s.effect.interrupts]
        owners = and_list([o for s in stopped for o in s.owners], limit=3) or "the service owners"
        hours = plural(c.window_hours, "hour")
        services = services_phrase(interrupted(c), plan.services, short=True)
        if c.dual:
            lines.append(
                f"{c.system.name}: fix one I/O server at a time (about {hours}); agree a short interruption "
                f"of {services} with {owners}."
            )
        else:
            per_vios = plural(c.outage.hours if c.outage else c.kind.hours_per_vios, "hour")
            lines.append(
                f"{c.system.name}: agree a window of about {hours} with {owners}; "
                f"{services} will be down for about {per_vios}."
            )
    if len(disruptive) > PAGE1_CHANGE_LINES:
        lines.append(
            f"Agree windows for {plural(len(disruptive) - PAGE1_CHANGE_LINES, 'more server')} with their "
            "service owners: see Proposed changes."
        )
    rolling = [c for c in changes if c.outage is None]
    if rolling:
        lines.append(
            f"{and_list([c.system.name for c in rolling], limit=3)}: fix in a normal maintenance window, "
            f"one I/O server at a time, no outage (about {_per_server(rolling)} per I/O server)."
        )
    accepted_systems = {f.subject.serial for f in plan.accepted if f.subject.kind is SubjectKind.SYSTEM}
    # not when a system-level risk of that server (e.g. "only one VIOS") was formally accepted
    longer_term = [c.system.name for c in changes if not c.dual and c.system.serial not in accepted_systems]
    if longer_term:
        lines.append(
            f"Longer term: add a second I/O server to {and_list(longer_term, limit=3)} so future fixes need no outage."
        )
    if plan.support.ended:
        lines.append("Plan the upgrade of the I/O servers IBM no longer ships fixes for to a supported version.")
    unknown = [v.vios.name for v in plan.vios_with(EntityStatus.UNKNOWN) if not v.complete]
    if unknown:
        lines.append(
            f"Restore data collection from {and_list(unknown, limit=3)} and re-run the audit: until then, "
            f"treat {'it' if len(unknown) == 1 else 'them'} as exposed."
        )
    elif plan.gaps:
        lines.append(
            f"Restore data collection ({plural(len(plan.gaps), 'item')} missing, see Gaps) and re-run the audit."
        )
    if not lines:
        lines.append("No action needed this week; keep the weekly check running.")
    return lines


def accepted_lines(plan: Plan, stale: Sequence[tuple[Acceptance, str]] = ()) -> list[str]:
    """Risks formally accepted, in the business words of the finding, with who decided and until when;
    acceptances that expired; then stale acceptances (to be retired or corrected, never silently)."""
    lines = [
        f"{f.subject.label}: {f.business or f.title} Accepted by {f.acceptance.approver} until "
        f"{f.acceptance.expires}{', change ' + f.acceptance.change if f.acceptance.change else ''} "
        f"({f.acceptance.reason})."
        for f in plan.accepted
        if f.acceptance
    ]
    lines.extend(
        f"{f.subject.label}: {f.business or f.title} The acceptance by {f.acceptance_expired.approver} "
        f"expired on {f.acceptance_expired.expires}: the risk is open again."
        for f in plan.findings
        if f.acceptance_expired and not f.accepted
    )
    if len(lines) > PAGE1_ACCEPTED_LINES:
        more = len(lines) - PAGE1_ACCEPTED_LINES + 1
        lines = [*lines[: PAGE1_ACCEPTED_LINES - 1], f"and {more} more: see Findings."]
    lines.extend(f"Acceptance of {a.finding} by {a.approver} (until {a.expires}) is stale: {why}." for a, why in stale)
    return lines


def _per_server(changes: list[ProposedChange]) -> str:
    """'1 hour', or '1 to 3 hours' when patches and upgrades are mixed."""
    hours = sorted({c.kind.hours_per_vios for c in changes})
    return plural(hours[0], "hour") if len(hours) == 1 else f"{hours[0]} to {plural(hours[-1], 'hour')}"
