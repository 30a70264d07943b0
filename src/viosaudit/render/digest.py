"""The short management PDF's pages after page 1: the estate folded into a few capped tables.

One row per APAR or rule (not per VIOS), one line per change, gaps counted by command and reason.
Every table holds at most its cap and says how many rows it left out: the report stays at most six
pages at any estate size, and the rest is in the HTML report and the workbook.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from viosaudit.model import Collected
from viosaudit.plan import Plan
from viosaudit.render.view import ChangeRow, GapRow, ServiceImpact
from viosaudit.rules import load_rules
from viosaudit.rules.base import Acceptance, Finding, Severity, SubjectKind, Verdict

CAP_SERVICES = 10
CAP_CHANGES = 14
CAP_RISKS = 16
CAP_ACCEPTED = 10
CAP_GAPS = 10
CAP_NAMES = 3  # systems named in one row, then "+N"

T = TypeVar("T")

NOUN = {
    SubjectKind.VIOS: ("VIOS", "VIOS"),
    SubjectKind.LPAR: ("client partition", "client partitions"),
    SubjectKind.SYSTEM: ("server", "servers"),
}


@dataclass(frozen=True, slots=True)
class RiskGroup:
    """Every open finding of one APAR (or of one rule without an APAR), across the estate."""

    key: str  # the APAR id, else the rule id
    rule_id: str
    title: str
    severity: Severity
    failed: int
    unknown: int
    subjects: int  # distinct VIOS, partitions or servers
    noun: tuple[str, str]  # what the subjects are, one and many: ("client partition", "client partitions")
    systems: tuple[str, ...]  # the first CAP_NAMES servers, by name
    systems_total: int
    outage: int  # findings among them that need an outage to fix


@dataclass(frozen=True, slots=True)
class AcceptedRow:
    subject: str
    what: str
    approver: str
    until: str
    state: str  # "accepted", "expired: open again", "stale"


@dataclass(frozen=True, slots=True)
class GapGroup:
    status: Collected
    command: str
    reason: str  # the first host's reason
    expected: bool
    hosts: tuple[str, ...]  # the first CAP_NAMES hosts
    hosts_total: int


@dataclass(frozen=True, slots=True)
class Capped(Generic[T]):
    """The first rows of a table and how many were left out."""

    rows: tuple[T, ...]
    more: int = 0

    @property
    def total(self) -> int:
        return len(self.rows) + self.more


def capped(rows: Sequence[T], cap: int) -> Capped[T]:
    return Capped(tuple(rows[:cap]), max(0, len(rows) - cap))


@dataclass(frozen=True, slots=True)
class Digest:
    services: Capped[ServiceImpact]
    changes: Capped[ChangeRow]
    risks: Capped[RiskGroup]
    accepted: Capped[AcceptedRow]
    gaps: Capped[GapGroup]
    gaps_total: int  # gap rows (one per host and command)


EMPTY = Digest(Capped(()), Capped(()), Capped(()), Capped(()), Capped(()), 0)


def group_title(f: Finding, rule_titles: dict[str, str]) -> str:
    """An APAR group is titled by its finding's title without the VIOS name ("Exposed to IV91339: ...");
    a rule group by the rule's title."""
    if f.apar:
        rest = f.title.removeprefix(f.subject.name).lstrip(" :")
        return rest[:1].upper() + rest[1:]
    return rule_titles.get(f.rule_id, f.title)


def risk_groups(findings: Sequence[Finding]) -> list[RiskGroup]:
    """Open findings (FAIL or UNKNOWN, not accepted) folded per APAR / rule, worst first."""
    titles = {rule.meta.id: rule.meta.title for rule in load_rules()}
    groups: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        if f.verdict is not Verdict.PASS and not f.accepted:
            groups.setdefault((f.rule_id, f.apar or ""), []).append(f)
    out = []
    for (rule_id, apar), members in groups.items():
        first = min(members, key=lambda f: f.severity.rank)
        systems = sorted({f.subject.managed_system for f in members})
        out.append(
            RiskGroup(
                key=apar or rule_id,
                rule_id=rule_id,
                title=group_title(first, titles),
                severity=first.severity,
                failed=sum(f.verdict is Verdict.FAIL for f in members),
                unknown=sum(f.verdict is Verdict.UNKNOWN for f in members),
                subjects=len({f.subject.label for f in members}),
                noun=NOUN[first.subject.kind],
                systems=tuple(systems[:CAP_NAMES]),
                systems_total=len(systems),
                outage=sum(f.outage for f in members),
            )
        )
    out.sort(key=lambda g: (g.severity.rank, -g.failed, -(g.failed + g.unknown), g.key))
    return out


def accepted_rows(plan: Plan, stale: Sequence[tuple[Acceptance, str]]) -> list[AcceptedRow]:
    rows = [
        AcceptedRow(f.subject.label, f.title, f.acceptance.approver, f.acceptance.expires.isoformat(), "accepted")
        for f in plan.accepted
        if f.acceptance
    ]
    rows += [
        AcceptedRow(
            f.subject.label,
            f.title,
            f.acceptance_expired.approver,
            f.acceptance_expired.expires.isoformat(),
            "expired: open again",
        )
        for f in plan.findings
        if f.acceptance_expired and not f.accepted
    ]
    rows += [AcceptedRow(a.finding, why, a.approver, a.expires.isoformat(), "stale") for a, why in stale]
    return rows


def gap_groups(gaps: Sequence[GapRow]) -> list[GapGroup]:
    """Gaps per (status, command, expected): failures first, then the ones the collection mode implies."""
    groups: dict[tuple[Collected, str, bool], list[GapRow]] = {}
    for g in gaps:
        groups.setdefault((g.status, g.command, g.expected), []).append(g)
    out = [
        GapGroup(status, command, rows[0].reason, expected, tuple(r.host for r in rows[:CAP_NAMES]), len(rows))
        for (status, command, expected), rows in groups.items()
    ]
    out.sort(key=lambda g: (g.expected, -g.hosts_total, g.command))
    return out


def build_digest(
    plan: Plan,
    *,
    services: Sequence[ServiceImpact],
    changes: Sequence[ChangeRow],
    gaps: Sequence[GapRow],
    stale: Sequence[tuple[Acceptance, str]] = (),
) -> Digest:
    return Digest(
        services=capped(services, CAP_SERVICES),
        changes=capped(changes, CAP_CHANGES),
        risks=capped(risk_groups(plan.findings), CAP_RISKS),
        accepted=capped(accepted_rows(plan, stale), CAP_ACCEPTED),
        gaps=capped(gap_groups(gaps), CAP_GAPS),
        gaps_total=len(gaps),
    )
