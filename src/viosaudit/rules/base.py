"""What every rule produces: a Finding with a verdict, its subject, the why, the business impact
and the evidence lines it rests on."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING

from viosaudit.business import BusinessService
from viosaudit.model import SourceRef

if TYPE_CHECKING:
    from viosaudit.rules.catalogue import Catalogue
    from viosaudit.rules.lifecycle import Lifecycle
    from viosaudit.rules.risk import Likelihoods
    from viosaudit.rules.topology import Topology


class Verdict(StrEnum):
    """FAIL: the risk is present. UNKNOWN: we could not tell (never treated as a pass). PASS: checked."""

    FAIL = "fail"
    UNKNOWN = "unknown"
    PASS = "pass"

    @property
    def rank(self) -> int:
        """Worst first: FAIL 0, UNKNOWN 1, PASS 2."""
        return _VERDICT_RANK[self]


_VERDICT_RANK = {Verdict.FAIL: 0, Verdict.UNKNOWN: 1, Verdict.PASS: 2}


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self.value]


_SEVERITY_RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}  # sorted on for every finding


class SubjectKind(StrEnum):
    SYSTEM = "system"
    VIOS = "vios"
    LPAR = "lpar"


@dataclass(frozen=True, slots=True)
class Subject:
    """What a finding is about; ``managed_system`` is always set so findings group by server."""

    kind: SubjectKind
    name: str
    managed_system: str
    serial: str
    partition_id: int | None = None

    @property
    def label(self) -> str:
        if self.kind is SubjectKind.SYSTEM:
            return self.managed_system
        return f"{self.managed_system} / {self.name}"


@dataclass(frozen=True, slots=True)
class Risk:
    """The business view of a finding: how likely, how bad (by the services involved), what fixing costs."""

    likelihood: str
    likelihood_why: str
    impact: str
    impact_why: str
    maintenance: str


@dataclass(frozen=True, slots=True)
class Acceptance:
    """A formal decision to live with a finding for a while (who, why, until when, which change)."""

    finding: str
    reason: str
    approver: str
    decided: date
    expires: date
    change: str = ""

    def active(self, today: date) -> bool:
        return today <= self.expires


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule's answer for one subject.

    ``key`` is stable across snapshots (rule id + subject identity + e.g. APAR id) so history and
    accepted risks can refer to it. ``affected_partitions`` lists the client LPAR names whose service
    the finding touches (an outage list when ``outage`` is true).
    """

    key: str
    rule_id: str
    title: str
    verdict: Verdict
    severity: Severity
    subject: Subject
    technical: str
    business: str
    remediation: str
    evidence: tuple[SourceRef, ...] = ()
    affected_partitions: tuple[str, ...] = ()
    outage: bool = False
    references: tuple[str, ...] = ()
    apar: str | None = None
    facts: tuple[tuple[str, str], ...] = field(default=())
    risk: Risk | None = None
    acceptance: Acceptance | None = None
    acceptance_expired: Acceptance | None = None

    @property
    def accepted(self) -> bool:
        """A failing or unknown finding covered by an acceptance in force: shown, marked, not hidden."""
        return self.acceptance is not None



@dataclass(frozen=True, slots=True)
class RuleMeta:
    """A rule's declared metadata, read from ``<rule_id>.toml`` beside its module."""

    id: str
    title: str
    severity: Severity
    rationale: str
    business_impact: str
    remediation: str
    reads: tuple[str, ...]
    references: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RuleContext:
    """Everything a rule may consult besides the estate; passed in, never imported or loaded (STYLE 9).

    The data files (APAR catalogue, lifecycle, likelihoods) are read once per run, before the rules, by
    ``viosaudit.rules.context.load_context``; a rule never opens a file or keeps a module-level cache,
    so a test hands it exactly the data it means.
    """

    today: date
    catalogue: Catalogue
    lifecycle: Lifecycle
    likelihoods: Likelihoods
    services: Mapping[str, BusinessService] = field(default_factory=dict)
    topology: Topology | None = None

    @property
    def topo(self) -> Topology:
        if self.topology is None:
            raise RuntimeError("run rules through viosaudit.rules.evaluate(), which builds the topology")
        return self.topology


def finding_order(f: Finding) -> tuple[int, int, str, str]:
    """The one order of findings in every output: worst verdict, then worst severity, subject, key."""
    return (f.verdict.rank, f.severity.rank, f.subject.label, f.key)


def worst_first(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    return tuple(sorted(findings, key=finding_order))
