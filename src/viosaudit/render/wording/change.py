"""The sentences of one proposed change: its title, window, risks, patch-order notes and fixes."""

from __future__ import annotations

from collections.abc import Iterable

from viosaudit.plan import Plan, ProposedChange
from viosaudit.plan.changes import ChangeFix, ChangeKind, OrderReason, PatchStep, UpgradeTarget
from viosaudit.render.wording.words import defects_phrase, interrupted, likelihood_span, words
from viosaudit.rules.base import Finding
from viosaudit.rules.lifecycle import Support
from viosaudit.rules.wording import and_list, plural, services_phrase


def _apars(findings: Iterable[Finding]) -> list[str]:
    return list(dict.fromkeys(f.apar for f in findings if f.apar))


def change_title(ch: ProposedChange) -> str:
    vioses = plural(len(ch.steps), "VIOS", "VIOS")
    if ch.kind is ChangeKind.UPGRADE:
        phrases = [_support_phrase(dict(f.facts)) for f in ch.findings if _lifecycle(f)]
        why = and_list(list(dict.fromkeys(phrases)), limit=2)
        apars = _apars(ch.findings)
        closes = f"; closes {and_list(apars, limit=3)}" if apars else ""
        return f"Upgrade {vioses} on {ch.system.name} to a release line in IBM fix support ({why}{closes})"
    apars = _apars(ch.findings)
    what = and_list(apars, limit=4) if apars else and_list([f.title for f in ch.findings], limit=2)
    return f"Patch {vioses} on {ch.system.name} ({what})"


def _lifecycle(f: Finding) -> bool:
    return "support" in dict(f.facts)


def target_name(target: UpgradeTarget | None) -> str:
    """'VIOS 4.1.1', or '' when the lifecycle data names no line in fix support."""
    return f"VIOS {target.release}" if target else ""


def upgrade_text(ch: ProposedChange) -> str:
    """Where an upgrade goes (the newest line in IBM fix support) and what the catalogue says of each APAR
    on that line: closed from a level, listed as affected, or not said (then: check on Fix Central)."""
    names = _patched(ch)
    t = ch.target
    if t is None:
        return (
            f"Upgrade {names} to a release line in IBM fix support: the lifecycle data names none whose End of "
            "Fix Support is ahead; choose one from IBM's VIOS lifecycle page and check its fixes on Fix Central"
        )
    until = f"{t.eofs}" + (", IBM estimate" if t.estimated else "")
    text = (
        f"Upgrade {names} to VIOS {t.release} (in fix support until {until}), the newest release line in fix "
        f"support in the lifecycle data, at that line's current level"
    )
    if t.fixed:
        text += "; its current level closes " + and_list([f"{a} (fixed from VIOS {lv})" for a, lv in t.fixed])
    if t.affected:
        text += (
            f"; the catalogue lists VIOS {t.release} as affected by {and_list(t.affected)} with no fixed level: "
            "check on Fix Central which level or interim fix closes " + ("it" if len(t.affected) == 1 else "them")
        )
    if t.unknown:
        them = "it" if len(t.unknown) == 1 else "them"
        text += (
            f"; the catalogue does not say which VIOS {t.release} level closes {and_list(t.unknown)}: check on "
            f"Fix Central that the level installed carries {them}"
        )
    return text


def _support_phrase(facts: dict[str, str]) -> str:
    """'VIOS 3.1.4 out of fix support since 2026-04-30 (IBM estimate)', from a lifecycle finding's facts."""
    leaving = facts.get("support") == Support.WITHIN_180_DAYS
    state = "leaves fix support on" if leaving else "out of fix support since"
    return f"VIOS {facts.get('release', '?')} {state} {facts.get('when', '')}".strip()


def _patched(ch: ProposedChange) -> str:
    return and_list([s.vios.name for s in ch.steps], limit=4)


def window(ch: ProposedChange) -> str:
    per_vios = ch.outage.hours if ch.outage else ch.kind.hours_per_vios
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


def risk_of_doing(ch: ProposedChange, plan: Plan) -> str:
    outage = ch.outage.partitions if ch.outage else ()
    services = services_phrase(interrupted(ch), plan.services, short=True)
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
            + f" while the only VIOS is {'upgraded' if ch.kind is ChangeKind.UPGRADE else 'patched'} and restarted; "
            "if it does not come back cleanly the "
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
    span = likelihood_span(ch.likelihoods)
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


def fix_text(fix: ChangeFix) -> str:
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
