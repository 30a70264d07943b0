"""The reports' words: every status, verdict and effect turned into text here, once, and the sentences
of page 1 and of each proposed change built from the plan's data (templates hold the rest).

Page 1 speaks to management: no jargon beyond "server", "I/O server" and "virtual machine", counts
and service names instead of rule text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import Enum
from typing import Any

from viosaudit.business import Criticality
from viosaudit.model import Collected
from viosaudit.plan import ClientIo, Design, Effect, EntityStatus, IoDesign, OverallStatus, Plan, ProposedChange
from viosaudit.plan.changes import HOURS_PER_VIOS, Fix, OrderReason, PatchStep
from viosaudit.plan.status import ViosState
from viosaudit.rules.base import Acceptance, Finding, Severity, SubjectKind, Verdict
from viosaudit.rules.catalogue import CVE_ID
from viosaudit.rules.risk import Likelihood
from viosaudit.rules.wording import and_list, plural, services_phrase

PAGE1_CHANGE_LINES = 3  # per-server lines on page 1; the rest are summed up (page 1 must stay one page)
PAGE1_ACCEPTED_LINES = 3
GAPS_NOTE = (
    "Everything listed here could not be collected or read. Whatever depends on it is reported as "
    "unknown, never as compliant."
)

# Per enum type: members of different StrEnums with the same value ("unknown") are equal as keys.
WORDS: dict[type[Enum], dict[Any, str]] = {
    OverallStatus: {
        OverallStatus.ACTION: "ACTION NEEDED",
        OverallStatus.RISK: "AT RISK",
        OverallStatus.UNKNOWN: "UNKNOWN - DATA MISSING",
        OverallStatus.OK: "OK",
    },
    EntityStatus: {s: s.value for s in EntityStatus},
    Design: {Design.NO_VIOS: "no VIOS found", Design.SINGLE: "single VIOS", Design.DUAL: "dual VIOS"},
    Effect: {
        Effect.STOPPED: "outage: stopped during the fix",
        Effect.ONE_PATH: "outage: depends on the one I/O server being fixed",
        Effect.NOT_RUNNING: "no outage: not running now",
        Effect.NONE: "no outage: the second I/O server keeps it running",
    },
    Severity: {s: s.value.capitalize() for s in Severity},
    Criticality: {c: c.value for c in Criticality},
    Collected: {c: c.value for c in Collected},
    Verdict: {v: v.value.upper() for v in Verdict},
}


def words(value: Enum | bool) -> str:
    """The words for a status, a verdict, a severity, an effect; ``yes``/``no`` for a flag."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return WORDS[type(value)][value]


def finding_status(verdict: Verdict, accepted: bool) -> str:
    """FAIL, UNKNOWN, PASS, or ACCEPTED (FAIL) / ACCEPTED (UNKNOWN) for a risk formally accepted."""
    return f"ACCEPTED ({words(verdict)})" if accepted else words(verdict)


def acceptance_text(a: Acceptance) -> str:
    change = f", change {a.change}" if a.change else ""
    return f"accepted by {a.approver} on {a.decided} until {a.expires}{change}: {a.reason}"


def expired_text(a: Acceptance) -> str:
    return f"acceptance by {a.approver} expired on {a.expires}: open again"


def vios_data(state: ViosState) -> str:
    """ "complete", or what is missing by why: "not collected: interim fixes, filesets"."""
    if state.all_missing:
        return f"{words(state.missing[0].status)}: all"
    if state.missing:
        return "; ".join(f"{words(m.status)}: {', '.join(c.label for c in m.commands)}" for m in state.missing)
    return "see gaps" if state.other_gaps else "complete"


def client_io(io: ClientIo) -> str:
    """A client's redundancy in one line, e.g. "single path: vSCSI disk hdisk4 via vios1 only"."""
    if io.design is IoDesign.NONE:
        return "no virtual I/O recorded"
    if io.design is IoDesign.SINGLE_VIOS:
        return f"single VIOS: all I/O via {io.via}"
    if io.design is IoDesign.SINGLE_PATH:
        return "single path: " + "; ".join(
            f"{s.unit.label} via {s.via[0]} only" if s.via else f"{s.unit.label}: no working path" for s in io.units
        )
    if io.design is IoDesign.UNKNOWN:
        unit = io.units[0]
        return f"unknown: {unit.doubts[0] if unit.doubts else unit.text}"
    return "dual VIOS"


# ---------------------------------------------------------------- a proposed change


def _likelihood(word: str) -> Likelihood | None:
    try:
        return Likelihood(word)
    except ValueError:
        return None


def _likelihood_span(values: Iterable[str]) -> str:
    """ "rare to possible" over the rules' likelihood words (unknown words ignored); "" without any."""
    known = sorted({x for v in values if (x := _likelihood(v)) is not None}, key=lambda x: x.rank)
    if not known:
        return ""
    low, high = known[0].value, known[-1].value
    return low if low == high else f"{low} to {high}"


def defects_phrase(ids: Sequence[str]) -> str:
    """ "3 known IBM defects and 2 known security vulnerabilities": CVE ids are vulnerabilities."""
    cves = sum(1 for i in ids if CVE_ID.fullmatch(i.upper()))
    parts = []
    if len(ids) - cves:
        parts.append(plural(len(ids) - cves, "known IBM defect"))
    if cves:
        parts.append(plural(cves, "known security vulnerability", "known security vulnerabilities"))
    return " and ".join(parts)


def _apars(findings: Iterable[Finding]) -> list[str]:
    return list(dict.fromkeys(f.apar for f in findings if f.apar))


def change_title(ch: ProposedChange) -> str:
    apars = _apars(ch.findings)
    what = and_list(apars, limit=4) if apars else and_list([f.title for f in ch.findings], limit=2)
    return f"Patch {plural(len(ch.steps), 'VIOS', 'VIOS')} on {ch.system.name} ({what})"


def _patched(ch: ProposedChange) -> str:
    return and_list([s.vios.name for s in ch.steps], limit=4)


def window(ch: ProposedChange) -> str:
    per_vios = ch.outage.hours if ch.outage else HOURS_PER_VIOS
    if ch.dual:
        return f"About {plural(ch.window_hours, 'hour')} in a normal maintenance window, one VIOS at a time; " + (
            f"outage of about {plural(per_vios, 'hour')} for {and_list(ch.outage.partitions, limit=4)}."
            if ch.outage
            else "no service outage expected."
        )
    partitions = ch.outage.partitions if ch.outage else ()
    return (
        f"About {plural(ch.window_hours, 'hour')}, including an outage of about {plural(per_vios, 'hour')} "
        f"for {plural(len(partitions), 'partition')}" + (f" ({and_list(partitions, limit=4)})." if partitions else ".")
    )


def _interrupted(ch: ProposedChange) -> tuple[str, ...]:
    return tuple(p for s in ch.services if s.effect.interrupts for p in s.partitions)


def risk_of_doing(ch: ProposedChange, plan: Plan) -> str:
    outage = ch.outage.partitions if ch.outage else ()
    services = services_phrase(_interrupted(ch), plan.services, short=True)
    if ch.dual:
        risk = (
            "Low: each VIOS is restarted while its partner carries all disk and network traffic; "
            "the work stops if any path does not come back."
        )
        if outage:
            one = len(outage) == 1
            risk = (
                f"Medium: {and_list(outage, limit=4)}"
                + (f" ({services})" if services else "")
                + f" {'reaches' if one else 'reach'} disks or network through one VIOS only and "
                f"{'loses' if one else 'lose'} that I/O while it restarts; every other partition runs on "
                "the partner VIOS meanwhile."
            )
        if ch.unknown_partners:
            risk += (
                f" {and_list([v.name for v in ch.unknown_partners], limit=4)} could not be checked: confirm it "
                "is healthy before restarting its partner."
            )
    else:
        risk = (
            f"Planned outage of {plural(len(outage), 'partition')}"
            + (f" ({services})" if services else "")
            + " while the only VIOS is patched and restarted; if it does not come back cleanly the "
            "outage lasts until the back-out is done (about one more hour)."
        )
    if ch.outage and ch.outage.assumed:
        risk += f" The outage list may be incomplete: some mappings of {_patched(ch)} could not be read (see Gaps)."
    if ch.not_running:
        risk += f" Not running now, so not interrupted: {not_running(ch)}."
    return risk


def not_running(ch: ProposedChange) -> str:
    return and_list([f"{c.name} ({c.state})" for c in ch.not_running], limit=6)


def _first_sentence(text: str, limit: int = 200) -> str:
    """The first sentence of a rule's text, cut at ``limit`` characters."""
    text = " ".join(text.split())
    end = text.find(". ")
    first = text if end < 0 else text[: end + 1]
    return first if len(first) <= limit else first[: limit - 1].rstrip() + "…"


def risk_of_not_doing(ch: ProposedChange) -> str:
    """Worst severity, what stays open and how likely, and the worst finding's business impact."""
    worst = min(ch.findings, key=lambda f: f.severity.rank)
    apars = _apars(ch.findings)
    names = _patched(ch)
    if apars:
        stay = "stays" if len(apars) == 1 else "stay"
        what = f"{defects_phrase(apars)} ({and_list(apars, limit=5)}) {stay} open on {names}."
    else:
        stay = "stays" if len(ch.findings) == 1 else "stay"
        what = f"{plural(len(ch.findings), 'finding')} {stay} open on {names}."
    span = _likelihood_span(ch.likelihoods)
    likely = f" Estimated likelihood: {span}." if span else ""
    impact = _first_sentence(worst.business)
    return f"{words(worst.severity)}. {what}{likely}" + (f" Worst: {impact}" if impact else "")


def step_note(step: PatchStep) -> str:
    """Why this VIOS comes at its place in the order."""
    if step.reason is OrderReason.BACKUP_FIRST:
        return f"first: backup VIOS (SEA trunk priority {step.vios.trunk_priority}); confirm the SEA is BACKUP"
    if step.reason is OrderReason.ASSUMED_BACKUP_FIRST:
        return "first: assumed backup VIOS (higher partition id); confirm the SEA is BACKUP"
    if step.reason is OrderReason.FIRST:
        return "first: higher partition id (it bridges no network: no SEA role to confirm)"
    if step.reason is OrderReason.AFTER_PREVIOUS:
        previous = "the first" if step.order == 2 else "the previous one"
        return f"after {previous} is back and every client path is Enabled again"
    if step.reason is OrderReason.ALONE:
        return f"the only VIOS to patch here: {and_list(step.carriers, limit=4)} carries all I/O while it restarts"
    return "only VIOS: its clients are stopped for the change"


def fix_text(fix: Fix) -> str:
    """What to install for some APARs, or what to set for one finding, and on which VIOS."""
    where = and_list(fix.vios)
    if not fix.apars:
        return f"{fix.title}: {' '.join(fix.remediation.split()).rstrip('.')}"
    ids = and_list(fix.apars)
    options = [f"VIOS {level} or later" for level in fix.levels]
    if fix.ifixes:
        options.append(f"interim fix {and_list(fix.ifixes)}")
    if options:
        return f"{ids} on {where}: {' or '.join(options)}"
    one = len(fix.apars) == 1
    lines = and_list([f"VIOS {r}" for r in fix.releases]) or "this release"
    what = "fix or service pack that carries it" if one else "fixes or service pack that carry them"
    return f"{ids} on {where}: the interim {what} (the catalogue names none for {lines}: see IBM Fix Central)"


# ---------------------------------------------------------------- page 1


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
        span = _likelihood_span(f.risk.likelihood for f in defects if f.risk)
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
            f"Fixing {c.system.name} interrupts {services_phrase(_interrupted(c), plan.services, short=True)} ({why})."
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
        services = services_phrase(_interrupted(c), plan.services, short=True)
        if c.dual:
            lines.append(
                f"{c.system.name}: fix one I/O server at a time (about {hours}); agree a short interruption "
                f"of {services} with {owners}."
            )
        else:
            per_vios = plural(c.outage.hours if c.outage else HOURS_PER_VIOS, "hour")
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
            f"one I/O server at a time, no outage (about {plural(HOURS_PER_VIOS, 'hour')} per I/O server)."
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
