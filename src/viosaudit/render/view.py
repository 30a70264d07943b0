"""``ReportView``: the one plain structure every output is made from (STYLE principle 12).

Frozen dataclasses of text, numbers, flags, status enums and tuples; ``to_jsonable`` turns it into the
``view.json`` of the evidence and of the snapshot test. Statuses stay enums here; templates and the
workbook turn them into words through ``render.wording.words`` (the ``words`` filter), the one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from viosaudit.business import Criticality
from viosaudit.history.summary import NOT_KEPT, HistorySummary
from viosaudit.model import Collected
from viosaudit.plan import Design, Effect, EntityStatus, OverallStatus
from viosaudit.render.wording import finding_status
from viosaudit.rules.base import Severity, SubjectKind, Verdict

if TYPE_CHECKING:
    from viosaudit.render.digest import Digest


@dataclass(frozen=True, slots=True)
class ServiceRow:
    """A client partition and the business service it carries (from the site's service map)."""

    partition: str
    service: str
    owner: str
    criticality: Criticality


@dataclass(frozen=True, slots=True)
class ServiceImpact:
    """One business service touched by a change, and what the change does to it."""

    service: str
    owner: str  # the owners, joined
    criticality: Criticality
    partitions: tuple[str, ...]
    effect: Effect


@dataclass(frozen=True, slots=True)
class Counts:
    systems: int
    vios: int
    clients: int
    systems_exposed: int
    systems_unknown: int
    vios_exposed: int
    vios_unknown: int
    outage_partitions: int
    findings_fail: int
    findings_unknown: int
    findings_pass: int
    findings_accepted: int  # FAIL or UNKNOWN findings under an acceptance in force (counted above too)
    vios_out_of_support: int  # VIOS whose release IBM no longer ships fixes for
    vios_support_ending: int  # VIOS whose fix support ends within 180 days


@dataclass(frozen=True, slots=True)
class Summary:
    """Page 1: what a manager reads. No jargon beyond "server" and "I/O server (VIOS)"."""

    status: OverallStatus
    headline: str
    meaning: tuple[str, ...]
    recommendations: tuple[str, ...]
    services: tuple[ServiceImpact, ...]
    accepted: tuple[str, ...]  # risks formally accepted (who, until when), expired and stale acceptances


@dataclass(frozen=True, slots=True)
class FindingRow:
    key: str
    rule_id: str
    title: str
    severity: Severity
    verdict: Verdict
    accepted: bool  # under an acceptance in force: shown, marked, never hidden
    subject: str
    subject_kind: SubjectKind
    managed_system: str
    technical: str
    business: str
    remediation: str
    services: tuple[ServiceRow, ...]
    outage: bool  # fixing it needs an outage of the partitions in ``services``
    evidence: tuple[str, ...]  # "file:first-last"
    apar: str
    references: tuple[str, ...]
    facts: tuple[tuple[str, str], ...]
    likelihood: str  # the rules' business risk; "" when the finding carries none (PASS)
    likelihood_why: str
    impact: str
    impact_why: str
    maintenance: str
    acceptance: str  # "accepted by ... until ...: reason" or ""
    acceptance_expired: str  # "acceptance by ... expired on ...: open again" or ""
    acceptance_expires: str = ""  # YYYY-MM-DD: end of the acceptance in force, else of the expired one

    @property
    def status(self) -> str:
        """FAIL, UNKNOWN, PASS, or ACCEPTED (FAIL) / ACCEPTED (UNKNOWN)."""
        return finding_status(self.verdict, self.accepted)


@dataclass(frozen=True, slots=True)
class FindingGroup:
    severity: Severity
    findings: tuple[FindingRow, ...]


@dataclass(frozen=True, slots=True)
class PatchStepRow:
    """One VIOS of a change in patch order, with what its runbook steps need to name."""

    order: int
    vios: str
    level: str
    note: str  # why it comes here
    carriers: tuple[str, ...]  # the VIOS that carry the I/O while it restarts
    stop_before: tuple[str, ...]
    start_after: tuple[str, ...]
    seas: tuple[str, ...]  # its Shared Ethernet Adapters, for entstat
    spare_disk: str  # a free disk for the alternate rootvg; "" when none is known
    spare_known: bool  # lspv and lsmap -all were read (so "" means: no free disk)
    rootvg: tuple[str, ...]  # the disks of rootvg: with two, a mirror to split for the copy
    sea_first: bool  # the first of several, chosen as the SEA backup: confirm its role first
    below_viosupgrade: bool = False  # its level is known and older than the first with viosupgrade


@dataclass(frozen=True, slots=True)
class ChangeRow:
    """One proposed change for the CAB: patch the VIOS of one managed system."""

    change_id: str
    title: str
    managed_system: str
    serial: str
    design: Design
    severity: Severity
    window_hours: int
    patch_order: tuple[PatchStepRow, ...]
    outage: bool
    outage_partitions: tuple[str, ...]
    not_running: tuple[str, ...]  # "name (state)": depend on a patched VIOS, not running: not interrupted
    risk_of_doing: str
    risk_of_not_doing: str
    services: tuple[ServiceImpact, ...]
    window: str
    fixes: tuple[str, ...]  # the APAR fixes to install, on which VIOS
    also: tuple[str, ...]  # what else the change sets: the remediation of each finding without an APAR
    unknown_partners: tuple[str, ...]  # partner VIOS that could not be checked
    owners: str  # the owners of the services touched, joined ("" when none recorded)
    implementation_plan: tuple[str, ...]
    backout_plan: tuple[str, ...]
    finding_keys: tuple[str, ...]
    decision: str  # "" until the CAB decides; then Approve / Reject / Defer / Accept risk (--decisions)
    statement: str = ""  # the CAB paragraph, rendered from templates/cab_statement.txt
    change_key: str = ""  # stable from week to week (``decisions.change_key``): decisions are kept under it
    decided_by: str = ""  # from the CAB decisions register (--decisions), "" when not decided
    decided_on: str = ""  # ISO date
    cab_comment: str = ""
    decision_text: str = ""  # "Approved by J. Smith on 2026-12-03 (as PROP-02): ..." or ""
    upgrade: bool = False  # an upgrade to another release line (a new installation), not a patch
    target: str = ""  # for an upgrade: "VIOS 4.1.1", or "" when the lifecycle data names no line in support

    @property
    def dual(self) -> bool:
        return self.design is Design.DUAL

    @property
    def interrupted_services(self) -> tuple[str, ...]:
        return tuple(s.service for s in self.services if s.effect.interrupts)


@dataclass(frozen=True, slots=True)
class SystemRow:
    name: str
    serial: str
    type_model: str
    state: str
    design: Design
    vios_count: int
    client_count: int
    status: EntityStatus


@dataclass(frozen=True, slots=True)
class ViosRow:
    managed_system: str
    name: str
    partition_id: int
    state: str
    level: str
    ifixes: str
    data: str  # "complete" or what is missing
    status: EntityStatus
    clients_served: int


@dataclass(frozen=True, slots=True)
class ClientRow:
    managed_system: str
    name: str
    partition_id: int
    env: str
    state: str
    os_version: str
    paths: tuple[str, ...]
    redundancy: str
    service: str
    owner: str
    criticality: Criticality


@dataclass(frozen=True, slots=True)
class Inventory:
    systems: tuple[SystemRow, ...]
    vios: tuple[ViosRow, ...]
    clients: tuple[ClientRow, ...]


@dataclass(frozen=True, slots=True)
class GapRow:
    status: Collected
    host: str
    managed_system: str
    partition: str
    command_id: str
    command: str
    reason: str
    where: str  # "file:line" for unreadable output, else ""
    expected: bool  # implied by the collection mode (e.g. offline without root)


@dataclass(frozen=True, slots=True)
class ReportView:
    title: str
    snapshot_id: str
    captured_at: str
    generated_at: str
    summary: Summary
    counts: Counts
    open_findings: tuple[FindingGroup, ...]  # FAIL and UNKNOWN, grouped by severity, worst first
    passed_findings: tuple[FindingRow, ...]
    changes: tuple[ChangeRow, ...]
    inventory: Inventory
    gaps: tuple[GapRow, ...]
    gaps_note: str
    digest: Digest  # the short PDF's capped tables (render.digest)
    about: tuple[tuple[str, str], ...] = ()  # (what, version): tool, catalogue, lifecycle data
    age_warning: str = ""  # set when the snapshot is older than the report's --max-age-days
    history: HistorySummary = NOT_KEPT  # what changed since the last recorded run, and the trend

    @property
    def findings(self) -> tuple[FindingRow, ...]:
        """Every finding row in report order (open ones by severity, then the passed ones)."""
        return (*(row for group in self.open_findings for row in group.findings), *self.passed_findings)
