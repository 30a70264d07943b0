"""The plan stage, between rules and render: what the findings mean, as typed data.

    plan = build_plan(estate, findings, ctx)
    plan.status                    # OverallStatus.ACTION
    plan.changes[0].steps[0].vios  # the VIOS to patch first, and .reason says why
    plan.changes[0].outage         # Outage(partitions=('crm01', 'mail01'), hours=1, assumed=False)

Status of each VIOS, managed system and client (``status.py``), proposed changes with their order,
outage and fixes (``changes.py``), the services they touch (``services.py``) and the data gaps
(``gaps.py``) are computed here once, from the findings and the rules' ``Topology``. The reports map
this plan to their sections and choose the words (``render/``); nothing here is prose.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from viosaudit.business import BusinessService
from viosaudit.model import Estate
from viosaudit.plan.changes import (
    Outage,
    PatchStep,
    ProposedChange,
    outage_partitions,
    propose_changes,
    upgrade_target,
)
from viosaudit.plan.gaps import DataGap, data_gaps
from viosaudit.plan.services import Effect, ServiceEffect
from viosaudit.plan.status import (
    ClientIo,
    Design,
    EntityStatus,
    IoDesign,
    Judge,
    OverallStatus,
    SystemState,
    ViosState,
    overall_status,
)
from viosaudit.rules.base import Finding, RuleContext, SubjectKind, Verdict, worst_first
from viosaudit.rules.lifecycle import Support
from viosaudit.rules.topology import Topology

__all__ = [
    "ClientIo",
    "DataGap",
    "Design",
    "Effect",
    "EntityStatus",
    "FixSupport",
    "IoDesign",
    "Outage",
    "OverallStatus",
    "PatchStep",
    "Plan",
    "ProposedChange",
    "ServiceEffect",
    "SystemState",
    "ViosState",
    "build_plan",
]

SUPPORT_FACT = "support"  # the fact vios_lifecycle sets on its findings: a ``rules.lifecycle.Support`` value


@dataclass(frozen=True, slots=True)
class FixSupport:
    """VIOS whose release line IBM no longer ships fixes for, and those within 180 days of it."""

    ended: tuple[Finding, ...]
    ending: tuple[Finding, ...]


@dataclass(frozen=True, slots=True)
class Plan:
    estate: Estate
    findings: tuple[Finding, ...]  # every finding, worst first (``rules.base.finding_order``)
    services: Mapping[str, BusinessService]
    status: OverallStatus
    systems: tuple[SystemState, ...]  # by name
    vios: tuple[ViosState, ...]  # by managed system, then name
    clients: tuple[ClientIo, ...]  # by managed system, then name
    changes: tuple[ProposedChange, ...]  # PROP-01 first: the worst
    gaps: tuple[DataGap, ...]
    outage_partitions: tuple[str, ...]  # every partition that needs an outage to fix
    support: FixSupport
    topology: Topology  # the rules' indexes over the estate (paths per client, VIOS by key)

    @property
    def open_fails(self) -> tuple[Finding, ...]:
        """FAIL findings not formally accepted."""
        return tuple(f for f in self.findings if f.verdict is Verdict.FAIL and not f.accepted)

    @property
    def accepted(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.accepted)

    def vios_with(self, status: EntityStatus) -> tuple[ViosState, ...]:
        return tuple(v for v in self.vios if v.status is status)

    def systems_with(self, status: EntityStatus) -> tuple[SystemState, ...]:
        return tuple(s for s in self.systems if s.status is status)


def fix_support(findings: Iterable[Finding]) -> FixSupport:
    """The lifecycle findings that FAIL because support ended, or ends within 180 days (by their
    ``support`` fact), one per VIOS."""
    by_support: dict[Support, dict[str, Finding]] = {Support.OUT_OF_SERVICE: {}, Support.WITHIN_180_DAYS: {}}
    for f in findings:
        if f.verdict is not Verdict.FAIL or f.subject.kind is not SubjectKind.VIOS:
            continue
        support = _support(dict(f.facts).get(SUPPORT_FACT))
        if support in by_support:
            by_support[support].setdefault(f.subject.label, f)
    return FixSupport(
        tuple(by_support[Support.OUT_OF_SERVICE].values()), tuple(by_support[Support.WITHIN_180_DAYS].values())
    )


def _support(value: str | None) -> Support | None:
    try:
        return Support(value) if value is not None else None
    except ValueError:
        return None


def build_plan(estate: Estate, findings: Iterable[Finding], ctx: RuleContext) -> Plan:
    """Judge statuses and plan the changes for ``findings`` (every rule's, PASS included) over
    ``estate``; ``ctx`` gives the service map, the catalogue and the topology (built if missing)."""
    topology = ctx.topology if ctx.topology is not None and ctx.topology.estate is estate else Topology(estate)
    ordered = worst_first(findings)
    judge = Judge(estate, ordered, topology)
    vios = tuple(judge.vios[v.key] for v in sorted(estate.vioses, key=lambda v: (v.managed_system, v.name)))
    target = upgrade_target(ctx.lifecycle, ctx.today)
    changes = propose_changes(estate, judge, topology, ctx.services, ctx.catalogue, target)
    gaps = data_gaps(estate)
    vios_unknown = sum(1 for v in vios if v.status is EntityStatus.UNKNOWN)
    failed_gaps = any(not g.expected for g in gaps)
    return Plan(
        estate=estate,
        findings=ordered,
        services=ctx.services,
        status=overall_status(ordered, vios_unknown, failed_gaps, not estate.systems),
        systems=tuple(judge.system_state(s) for s in sorted(estate.systems, key=lambda s: s.name)),
        vios=vios,
        clients=tuple(judge.client_io(c) for c in sorted(estate.clients, key=lambda c: (c.managed_system, c.name))),
        changes=changes,
        gaps=gaps,
        outage_partitions=outage_partitions(ordered, changes),
        support=fix_support(ordered),
        topology=topology,
    )
