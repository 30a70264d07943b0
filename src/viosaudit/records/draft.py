"""One proposed change as a change-record draft: the typed content every ticket format is made from.

    record = draft(view.changes[0], view, assignment_group="AIX team")
    record.short_description   # "PROP-01 P7-BRANCH-D: Patch 1 VIOS on P7-BRANCH-D (IV89070, ...)"
    record.test_plan           # the checks between the two VIOS and after the change, command by command

The implementation and back-out plans are the plan stage's runbooks (``templates/runbook/``), taken as
rendered for the report; the test plan adds, per VIOS, the exact checks before the next VIOS is touched
(client paths, vSCSI and NPIV mappings, SEA state) and after the change (``viosaudit verify-change``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from viosaudit.business import Criticality
from viosaudit.render.view import ChangeRow, ClientRow, ReportView
from viosaudit.render.wording import words
from viosaudit.rules.wording import and_list


class ChangeType(StrEnum):
    NORMAL = "normal"  # goes to the CAB: a VIOS restart is never pre-approved here
    STANDARD = "standard"


class Risk(StrEnum):
    """ServiceNow's change risk choices (value = the choice stored)."""

    HIGH = "2"
    MODERATE = "3"
    LOW = "4"


class Impact(StrEnum):
    HIGH = "1"
    MEDIUM = "2"
    LOW = "3"


CATEGORY = "System Software"  # the out-of-the-box change category for operating-system level work
RISK_WORDS = {Risk.HIGH: "High", Risk.MODERATE: "Moderate", Risk.LOW: "Low"}
IMPACT_WORDS = {Impact.HIGH: "High", Impact.MEDIUM: "Medium", Impact.LOW: "Low"}


@dataclass(frozen=True, slots=True)
class Outage:
    """One business service the change interrupts, and who must agree."""

    service: str
    owner: str
    criticality: str
    partitions: tuple[str, ...]
    effect: str


@dataclass(frozen=True, slots=True)
class ChangeRecord:
    change_id: str
    change_key: str
    snapshot_id: str
    captured_at: str
    title: str
    short_description: str
    description: str
    justification: str
    implementation_plan: tuple[str, ...]
    backout_plan: tuple[str, ...]
    test_plan: tuple[str, ...]
    risk: Risk
    risk_text: str
    impact: Impact
    type: ChangeType
    category: str
    cmdb_ci: str  # the managed system
    configuration_items: tuple[str, ...]  # the managed system and every VIOS the change restarts
    assignment_group: str
    assignment_source: str  # why this group: "site default" / "owner of <service>" / "not set"
    outage: tuple[Outage, ...]
    window: str
    window_hours: int
    findings: tuple[str, ...]
    decision: str  # "" or "Approved by ... on ..."


def _risk(ch: ChangeRow) -> Risk:
    """High: a single VIOS (its clients stop); moderate: a dual system where some partition loses I/O;
    low: rolling maintenance, every client runs on the partner meanwhile."""
    if not ch.dual:
        return Risk.HIGH
    return Risk.MODERATE if ch.outage else Risk.LOW


def _impact(ch: ChangeRow) -> Impact:
    hit = [s for s in ch.services if s.effect.interrupts]
    if any(s.criticality in (Criticality.CRITICAL, Criticality.HIGH) for s in hit):
        return Impact.HIGH
    return Impact.MEDIUM if hit else Impact.LOW


def _assignment(ch: ChangeRow, default: str) -> tuple[str, str]:
    if default:
        return default, "site default (--assignment-group)"
    for s in ch.services:
        if s.owner:
            return s.owner.split(",")[0].split(" and ")[0].strip(), f"owner of {s.service} in the service map"
    return "", "not set: give --assignment-group or record owners in the service map"


def _touched(ch: ChangeRow) -> tuple[str, ...]:
    return tuple(dict.fromkeys(p for s in ch.services for p in s.partitions))


def _path_check(name: str, client: ClientRow | None) -> str:
    """The command that shows a client's disk paths, by its operating system."""
    os_name = (client.os_version if client else "").lower()
    if client is not None and client.env == "IBM i":
        return f"{name} (IBM i): STRSST > Work with disk units > Display disk path status: every path Active"
    if os_name.startswith("linux") or "linux" in os_name:
        return f"{name} (Linux): `multipath -ll`: every path `active ready running`"
    return f"{name} (AIX): `lspath -F 'name:parent:status' | grep -v Enabled` prints nothing"


def test_plan(ch: ChangeRow, clients: Mapping[str, ClientRow]) -> tuple[str, ...]:
    """The checks, in order: before starting, after each VIOS (before the next is touched), at the end."""
    touched = _touched(ch)
    lines = ["Before starting, record the state to compare with:"]
    lines += [f"  - {_path_check(n, clients.get(n))}" for n in touched]
    for p in ch.patch_order:
        lines.append(
            f"On {p.vios} (padmin): `lsmap -all -npiv > /home/padmin/{p.vios}-npiv.before`, "
            f"`lsmap -all > /home/padmin/{p.vios}-vscsi.before`."
        )
    for i, p in enumerate(ch.patch_order):
        nxt = ch.patch_order[i + 1].vios if i + 1 < len(ch.patch_order) else ""
        head = f"After {p.vios} is back, before touching {nxt}:" if nxt else f"After {p.vios} is back:"
        lines.append(head)
        if ch.upgrade:
            lines.append(
                f"  - `ioslevel` on {p.vios} shows the {ch.target or 'target'} level; `viosupgrade -l -q` reports "
                "the configuration restore complete; `bootinfo -b` (oem_setup_env) names the new disk."
            )
        else:
            lines.append(
                f"  - `ioslevel` on {p.vios} shows the new level; `emgr -l` (oem_setup_env) lists each interim "
                "fix installed in state S (not Q: reboot pending, not B: broken)."
            )
        lines.append(
            f"  - `lsmap -all` on {p.vios}: every VTD `Status Available`, same mappings as {p.vios}-vscsi.before."
        )
        lines.append(f"  - `lsmap -all -npiv` on {p.vios}: every vfchost with a client shows `Status:LOGGED_IN`.")
        seas = p.seas or ()
        if seas and not ch.dual:
            for sea in seas:
                lines.append(
                    f"  - `entstat -d {sea} | grep -i -e state -e 'link status'` on {p.vios}: the SEA and "
                    "its physical link are Up (no failover partner on this system)."
                )
        elif seas:
            for sea in seas:
                lines.append(
                    f"  - `entstat -d {sea} | grep -i state` on {p.vios}: the SEA is back in its role "
                    "(BACKUP, or PRIMARY once failed back); on its partner the other role."
                )
        elif ch.dual:
            lines.append(
                f"  - `lsmap -all -net` on {p.vios} lists its SEAs; `entstat -d entX | grep -i state` on "
                "each shows it back in its role."
            )
        lines += [f"  - {_path_check(n, clients.get(n))}" for n in touched]
        if nxt:
            lines.append(f"  - Only when every check above passes, go on with {nxt}; otherwise stop and back out.")
    lines.append(
        "At the end: collect a new snapshot and run `viosaudit verify-change <this change's evidence "
        'folder> --after <new snapshot>`; it must say "closed" (fix in force, every path back, no new '
        "finding) before the change is closed."
    )
    return tuple(lines)


def draft(ch: ChangeRow, view: ReportView, *, assignment_group: str = "") -> ChangeRecord:
    """The record of one change of ``view``; ``assignment_group`` is the site default (wins when set)."""
    clients = {c.name: c for c in view.inventory.clients if c.managed_system == ch.managed_system}
    vios = tuple(p.vios for p in ch.patch_order)
    group, source = _assignment(ch, assignment_group)
    outage = tuple(
        Outage(s.service, s.owner or "owner not recorded", words(s.criticality), s.partitions, words(s.effect))
        for s in ch.services
        if s.effect.interrupts
    )
    risk, impact = _risk(ch), _impact(ch)
    levels = "; ".join(f"{p.order}. {p.vios} (level now {p.level}): {p.note}" for p in ch.patch_order)
    fixes = " ".join(f"{line}." for line in (*ch.fixes, *ch.also))
    description = "\n".join(
        [
            ch.statement,
            "",
            f"Managed system: {ch.managed_system} (serial {ch.serial}), {words(ch.design)}.",
            f"VIOS in {'upgrade' if ch.upgrade else 'patch'} order: {levels}.",
            f"Window needed: {ch.window}",
            "Outage: "
            + (
                "; ".join(f"{o.service} ({o.criticality}; {o.owner}): {and_list(o.partitions, 20)}" for o in outage)
                or "none: every client runs on the partner VIOS meanwhile."
            ),
            f"Findings closed: {', '.join(ch.finding_keys)}.",
            f"Drafted by viosaudit from snapshot {view.snapshot_id} (captured {view.captured_at}); "
            f"change key {ch.change_key}; evidence in changes/{ch.change_id}/ of the report folder.",
        ]
    )
    return ChangeRecord(
        change_id=ch.change_id,
        change_key=ch.change_key,
        snapshot_id=view.snapshot_id,
        captured_at=view.captured_at,
        title=ch.title,
        short_description=f"{ch.change_id} {ch.managed_system}: {ch.title}",
        description=description,
        justification=f"Risk of not doing: {ch.risk_of_not_doing} {fixes}".strip(),
        implementation_plan=ch.implementation_plan,
        backout_plan=ch.backout_plan,
        test_plan=test_plan(ch, clients),
        risk=risk,
        risk_text=f"{RISK_WORDS[risk]}: {ch.risk_of_doing}",
        impact=impact,
        type=ChangeType.NORMAL,
        category=CATEGORY,
        cmdb_ci=ch.managed_system,
        configuration_items=(ch.managed_system, *vios),
        assignment_group=group,
        assignment_source=source,
        outage=outage,
        window=ch.window,
        window_hours=ch.window_hours,
        findings=ch.finding_keys,
        decision=ch.decision_text,
    )
