"""Estate + findings + service map -> ``ReportView``: the one plain structure every output is made from.

The PDF templates and the XLSX writer see only a ``ReportView`` (frozen dataclasses of str, int and
tuples; ``to_jsonable`` turns it into JSON for ``view.json`` and the snapshot test). All judgement that
the outputs share lives here, once:

* the overall status, worst first: ``ACTION NEEDED`` (a critical/high FAIL) > ``UNKNOWN - DATA MISSING``
  when something that could be critical was not checked (a critical/high UNKNOWN, a VIOS whose data is
  missing, an empty estate) > ``AT RISK`` (any other FAIL, or a critical/high FAIL whose risk was formally
  accepted) > ``UNKNOWN - DATA MISSING`` (any other unknown, or a gap not implied by the collection
  mode) > ``OK``. An unknown can raise the status, never lower it; an accepted UNKNOWN stays unknown;
* INFO findings are listed but never decide a status (of the estate, a system or a VIOS);
* accepted findings stay in every list, marked ``ACCEPTED (FAIL)`` with who, why and until when, and
  propose no change (page 1 lists them);
* per-VIOS and per-system status ``exposed`` / ``unknown`` / ``ok``; a VIOS with any data not collected
  or unreadable is ``unknown`` unless a FAIL already makes it ``exposed``, never ``ok``;
* one proposed change per managed system with a VIOS that FAILs a rule (the VIOS needs patching): with
  two or more VIOS a rolling change, backup VIOS first; with one VIOS an outage of its clients.

Example::

    view = build_view(estate, findings, services, generated_at="2024-05-06T07:00:00Z")
    view.summary.status        # 'ACTION NEEDED'
    view.counts.vios_exposed   # 3
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from jinja2 import TemplateError

from viosaudit.business import UNMAPPED, BusinessService, Criticality
from viosaudit.commands import BY_ID
from viosaudit.errors import RenderError
from viosaudit.model import (
    ClientLpar,
    Estate,
    EstateGap,
    ManagedSystem,
    Observed,
    PartitionEnv,
    PartitionKey,
    SourceRef,
    Vios,
)
from viosaudit.render.env import make_env
from viosaudit.rules.base import Acceptance, Finding, Severity, SubjectKind, Verdict
from viosaudit.rules.topology import ALL_KINDS, Redundancy, Topology
from viosaudit.rules.wording import plural

# ---------------------------------------------------------------- vocabulary shown in every output

STATUS_ACTION = "ACTION NEEDED"
STATUS_RISK = "AT RISK"
STATUS_UNKNOWN = "UNKNOWN - DATA MISSING"
STATUS_OK = "OK"
STATUS_CODES = {STATUS_ACTION: "action", STATUS_RISK: "risk", STATUS_UNKNOWN: "unknown", STATUS_OK: "ok"}

EXPOSED = "exposed"
UNKNOWN = "unknown"
OK = "ok"

VERDICT_ORDER = {Verdict.FAIL: 0, Verdict.UNKNOWN: 1, Verdict.PASS: 2}
SEVERITY_LABEL = {s: s.value.capitalize() for s in Severity}
URGENT = frozenset({Severity.CRITICAL, Severity.HIGH})

DEFAULT_GAPS_NOTE = (
    "Everything listed here could not be collected or read. Whatever depends on it is reported as "
    "unknown, never as compliant."
)

# Observed fields of a Vios, the command that fills each, and how to name it to a reader.
VIOS_DATA: tuple[tuple[str, str, str], ...] = (
    ("level", "ioslevel", "level"),
    ("ifixes", "emgr_l", "interim fixes"),
    ("filesets", "lslpp_lc", "filesets"),
    ("vscsi", "lsmap_all", "vSCSI mappings"),
    ("npiv", "lsmap_npiv", "NPIV mappings"),
    ("network", "lsmap_net", "network mappings"),
    ("pvs", "lspv", "disk PVIDs"),
    ("disk_reserve", "disk_reserve", "disk reserve policies"),
    ("sea", "sea_attrs", "SEA attributes"),
)

# What a change does to a service, in words a manager reads on page 1.
IMPACT_STOPPED = "outage: stopped during the fix"
IMPACT_ONE_PATH = "outage: depends on the one I/O server being fixed"
IMPACT_NONE = "no outage: the second I/O server keeps it running"

PAGE1_CHANGE_LINES = 3  # per-server lines on page 1; the rest are summed up (page 1 must stay one page)
PAGE1_ACCEPTED_LINES = 3
LIKELIHOOD_ORDER = ("rare", "unlikely", "possible", "likely", "certain")  # Risk.likelihood words

STATEMENT_TEMPLATE = "cab_statement.txt"
HOURS_PER_VIOS = 1  # install + reboot + path checks, one VIOS at a time (an estimate shown as such)


# ---------------------------------------------------------------- the view


@dataclass(frozen=True, slots=True)
class ServiceRow:
    """A client partition and the business service it carries (from the site's service map)."""

    partition: str
    service: str
    owner: str
    criticality: str


@dataclass(frozen=True, slots=True)
class ServiceImpact:
    """One business service touched by a change or a finding, and what happens to it."""

    service: str
    owner: str
    criticality: str
    partitions: tuple[str, ...]
    impact: str


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


@dataclass(frozen=True, slots=True)
class Summary:
    """Page 1: what a manager reads. No jargon beyond "server" and "I/O server (VIOS)"."""

    status: str
    status_code: str  # action | risk | unknown | ok: for styling only
    headline: str
    meaning: tuple[str, ...]
    recommendations: tuple[str, ...]
    services: tuple[ServiceImpact, ...]
    accepted: tuple[str, ...]  # risks formally accepted (who, until when), and acceptances that expired


@dataclass(frozen=True, slots=True)
class FindingRow:
    key: str
    rule_id: str
    title: str
    severity: str
    verdict: str
    subject: str
    subject_kind: str
    managed_system: str
    technical: str
    business: str
    remediation: str
    services: tuple[ServiceRow, ...]
    outage: str  # "yes" | "no"
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


@dataclass(frozen=True, slots=True)
class FindingGroup:
    severity: str
    findings: tuple[FindingRow, ...]


@dataclass(frozen=True, slots=True)
class PatchStep:
    order: int
    vios: str
    level: str
    note: str


@dataclass(frozen=True, slots=True)
class ChangeRow:
    """One proposed change for the CAB: patch the VIOS of one managed system."""

    change_id: str
    title: str
    managed_system: str
    serial: str
    design: str  # "dual VIOS" | "single VIOS"
    severity: str
    window_hours: int
    patch_order: tuple[PatchStep, ...]
    outage: str  # "yes" | "no"
    outage_partitions: tuple[str, ...]
    risk_of_doing: str
    risk_of_not_doing: str
    services: tuple[ServiceImpact, ...]
    window: str
    implementation_plan: tuple[str, ...]
    backout_plan: tuple[str, ...]
    finding_keys: tuple[str, ...]
    decision: str  # always "": the CAB fills it in
    statement: str = ""  # the CAB paragraph, rendered from templates/cab_statement.txt

    @property
    def interrupted_services(self) -> tuple[str, ...]:
        return tuple(s.service for s in self.services if s.impact.startswith("outage"))


@dataclass(frozen=True, slots=True)
class SystemRow:
    name: str
    serial: str
    type_model: str
    state: str
    design: str
    vios_count: int
    client_count: int
    status: str


@dataclass(frozen=True, slots=True)
class ViosRow:
    managed_system: str
    name: str
    partition_id: int
    state: str
    level: str
    ifixes: str
    data: str  # "complete" or what is missing
    status: str
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
    criticality: str


@dataclass(frozen=True, slots=True)
class Inventory:
    systems: tuple[SystemRow, ...]
    vios: tuple[ViosRow, ...]
    clients: tuple[ClientRow, ...]


@dataclass(frozen=True, slots=True)
class GapRow:
    status: str  # "not collected" | "unreadable" | "changed after collection"
    host: str
    managed_system: str
    partition: str
    command_id: str
    command: str
    reason: str
    where: str  # "file:line" for unreadable output, else ""
    expected: str  # "yes" when the collection mode implies it (e.g. offline without root), else "no"


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

    @property
    def findings(self) -> tuple[FindingRow, ...]:
        """Every finding row in report order (open ones by severity, then the passed ones)."""
        return (*(row for group in self.open_findings for row in group.findings), *self.passed_findings)


# ---------------------------------------------------------------- small helpers


def _names(items: Sequence[str], limit: int = 4) -> str:
    """ "A", "A and B", "A, B and C", "A, B, C, D and 2 more"."""
    items = list(dict.fromkeys(items))
    if len(items) > limit:
        shown, rest = items[:limit], len(items) - limit
        return f"{', '.join(shown)} and {rest} more"
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def evidence_ref(ref: SourceRef) -> str:
    return f"{ref.capture}:{ref.first_line}-{ref.last_line}"


_CRIT_ORDER = {c.value: c.weight for c in Criticality}


def _service_sort_key(impact: ServiceImpact) -> tuple[int, str]:
    return (-_CRIT_ORDER.get(impact.criticality, 2), impact.service.lower())


def _service(services: Mapping[str, BusinessService], partition: str) -> BusinessService:
    return services.get(partition) or BusinessService(partition, UNMAPPED, "", Criticality.UNKNOWN)


def _impacts(
    services: Mapping[str, BusinessService], partitions: Iterable[str], impact_of: Mapping[str, str]
) -> tuple[ServiceImpact, ...]:
    """Group partitions by business service; a service's impact is its worst partition's impact."""
    by_service: dict[str, list[str]] = defaultdict(list)
    for name in dict.fromkeys(partitions):
        by_service[_service(services, name).service].append(name)
    rows = []
    for service, names in by_service.items():
        first = _service(services, names[0])
        impacts = [impact_of.get(n, "") for n in names]
        impact = next((i for i in impacts if i.startswith("outage")), impacts[0])
        owners = _names([o for o in (_service(services, n).owner for n in names) if o], limit=3)
        rows.append(ServiceImpact(service, owners, first.criticality.value, tuple(names), impact))
    return tuple(sorted(rows, key=_service_sort_key))


# ---------------------------------------------------------------- the builder


@dataclass(frozen=True, slots=True)
class _Dependency:
    """Which clients lose I/O when one VIOS reboots, and whether that is known or assumed."""

    clients: tuple[str, ...]
    assumed: bool


class _Builder:
    def __init__(
        self,
        estate: Estate,
        findings: Sequence[Finding],
        services: Mapping[str, BusinessService],
    ) -> None:
        self.estate = estate
        self.services = services
        self.findings = sorted(
            findings,
            key=lambda f: (VERDICT_ORDER[f.verdict], f.severity.rank, f.subject.label, f.key),
        )
        self.vios_by_key: dict[PartitionKey, Vios] = {v.key: v for v in estate.vioses}
        self.vios_by_name: dict[tuple[str, str], Vios] = {(v.managed_system, v.name): v for v in estate.vioses}
        self.client_by_key: dict[PartitionKey, ClientLpar] = {c.key: c for c in estate.clients}
        self.topo = Topology(estate)
        self.clients_by_vios: dict[PartitionKey, set[PartitionKey]] = defaultdict(set)
        for path in estate.paths:
            self.clients_by_vios[path.vios].add(path.client)
        for link in estate.links:
            self.clients_by_vios[link.vios].add(link.client)
        self.by_vios: dict[PartitionKey, list[Finding]] = defaultdict(list)
        self.by_serial: dict[str, list[Finding]] = defaultdict(list)
        for f in self.findings:
            if f.severity is Severity.INFO:
                continue  # shown in the reports, but never decides a status (e.g. a gap in our own data)
            self.by_serial[f.subject.serial].append(f)
            if f.subject.kind is SubjectKind.VIOS:
                vios = self._vios_of_subject(f)
                if vios is not None:
                    self.by_vios[vios.key].append(f)

    # -- lookups

    def _vios_of_subject(self, f: Finding) -> Vios | None:
        s = f.subject
        if s.partition_id is not None:
            found = self.vios_by_key.get(PartitionKey(s.serial, s.partition_id))
            if found is not None:
                return found
        return self.vios_by_name.get((s.managed_system, s.name))

    def _vios_gaps(self, vios: Vios) -> list[EstateGap]:
        return [
            g
            for g in self.estate.gaps
            if (g.partition == vios.name and g.managed_system in (None, vios.managed_system))
            or (g.host == vios.name and g.partition is None)
        ]

    def missing_data(self, vios: Vios) -> list[str]:
        """What could not be read for this VIOS, by status: ['not collected: level, filesets', ...]."""
        by_status: dict[str, list[str]] = defaultdict(list)
        for attr, _command, label in VIOS_DATA:
            obs: Observed[object] = getattr(vios, attr)
            if not obs.ok:
                by_status[obs.status.value].append(label)
        if len(by_status) == 1 and len(next(iter(by_status.values()))) == len(VIOS_DATA):
            return [f"{next(iter(by_status))}: all"]
        out = [f"{status}: {', '.join(labels)}" for status, labels in by_status.items()]
        if not out and self._vios_gaps(vios):
            out.append("see gaps")
        return out

    def vios_status(self, vios: Vios) -> str:
        found = self.by_vios.get(vios.key, [])
        if any(f.verdict is Verdict.FAIL for f in found):
            return EXPOSED
        if any(f.verdict is Verdict.UNKNOWN for f in found) or self.missing_data(vios):
            return UNKNOWN
        return OK

    def system_status(self, system: ManagedSystem) -> str:
        found = self.by_serial.get(system.serial, [])
        if any(f.verdict is Verdict.FAIL for f in found):
            return EXPOSED
        if (
            any(f.verdict is Verdict.UNKNOWN for f in found)
            or any(self.vios_status(v) == UNKNOWN for v in self.estate.vios_of(system.serial))
            or any(g.managed_system == system.name and g.partition is None for g in self.estate.gaps)
        ):
            return UNKNOWN
        return OK

    def vios_name(self, key: PartitionKey) -> str:
        vios = self.vios_by_key.get(key)
        return vios.name if vios else f"partition {key.partition_id}"

    def dependants(self, vios: Vios) -> _Dependency:
        """Clients that lose some I/O while this VIOS reboots (the rules' topology): the certain ones,
        plus those that may, where mappings could not be read (then the answer is marked assumed)."""
        impact = self.topo.reboot_impact(vios)
        return _Dependency(tuple(c.name for c in (*impact.outage, *impact.unknown)), assumed=bool(impact.unknown))

    def served_by(self, vios: Vios) -> tuple[str, ...]:
        keys = self.clients_by_vios.get(vios.key, set())
        return tuple(self.client_by_key[k].name for k in sorted(keys) if k in self.client_by_key)

    # -- sections

    def finding_row(self, f: Finding) -> FindingRow:
        return FindingRow(
            key=f.key,
            rule_id=f.rule_id,
            title=f.title,
            severity=SEVERITY_LABEL[f.severity],
            verdict=f.status,
            subject=f.subject.label,
            subject_kind=f.subject.kind.value,
            managed_system=f.subject.managed_system,
            technical=f.technical,
            business=f.business,
            remediation=f.remediation,
            services=tuple(
                ServiceRow(p, s.service, s.owner, s.criticality.value)
                for p in f.affected_partitions
                for s in [_service(self.services, p)]
            ),
            outage="yes" if f.outage else "no",
            evidence=tuple(evidence_ref(r) for r in f.evidence),
            apar=f.apar or "",
            references=f.references,
            facts=f.facts,
            likelihood=f.risk.likelihood if f.risk else "",
            likelihood_why=f.risk.likelihood_why if f.risk else "",
            impact=f.risk.impact if f.risk else "",
            impact_why=f.risk.impact_why if f.risk else "",
            maintenance=f.risk.maintenance if f.risk else "",
            acceptance=acceptance_text(f.acceptance) if f.acceptance else "",
            acceptance_expired=(
                f"acceptance by {f.acceptance_expired.approver} expired on {f.acceptance_expired.expires}: open again"
                if f.acceptance_expired
                else ""
            ),
        )

    def finding_sections(self) -> tuple[tuple[FindingGroup, ...], tuple[FindingRow, ...]]:
        groups = []
        for severity in Severity:
            rows = tuple(
                self.finding_row(f) for f in self.findings if f.severity is severity and f.verdict is not Verdict.PASS
            )
            if rows:
                groups.append(FindingGroup(SEVERITY_LABEL[severity], rows))
        passed = tuple(self.finding_row(f) for f in self.findings if f.verdict is Verdict.PASS)
        return tuple(groups), passed

    def outage_partitions(self) -> tuple[str, ...]:
        names: list[str] = []
        for f in self.findings:
            if f.verdict is Verdict.FAIL and f.outage:
                names.extend(f.affected_partitions)
        for change in self._change_inputs():
            names.extend(change[3])
        return tuple(dict.fromkeys(names))

    def _change_inputs(self) -> list[tuple[ManagedSystem, list[Vios], list[Finding], tuple[str, ...], bool]]:
        """(system, VIOS to patch in order, its FAIL findings, outage partitions, outage assumed)."""
        out = []
        for system in sorted(self.estate.systems, key=lambda s: s.name):
            to_patch = [
                v
                for v in self.estate.vios_of(system.serial)
                if any(f.verdict is Verdict.FAIL and not f.accepted for f in self.by_vios.get(v.key, []))
            ]
            if not to_patch:
                continue
            all_vios = self.estate.vios_of(system.serial)
            # The backup VIOS first: the one whose SEA trunk priority is higher (the HMC's view); without
            # trunk adapters, the higher partition id (vios2 conventionally backs up vios1).
            to_patch.sort(key=lambda v: (-(v.trunk_priority or 0), -v.key.partition_id))
            fails = [f for f in self.by_serial[system.serial] if f.verdict is Verdict.FAIL]
            outage: list[str] = [p for f in fails if f.outage for p in f.affected_partitions]
            assumed = False
            if len(all_vios) >= 2:
                for vios in to_patch:
                    dep = self.dependants(vios)
                    outage.extend(dep.clients)
                    assumed = assumed or (dep.assumed and bool(dep.clients))
            else:
                dep = self.dependants(to_patch[0])
                served = self.served_by(to_patch[0])
                outage.extend(served if served else dep.clients)
                assumed = dep.assumed
            out.append((system, to_patch, fails, tuple(dict.fromkeys(outage)), assumed))
        return out

    def changes(self) -> tuple[ChangeRow, ...]:
        rows = []
        inputs = sorted(
            self._change_inputs(),
            key=lambda c: (min(f.severity.rank for f in c[2]), c[0].name),
        )
        for number, (system, to_patch, fails, outage, assumed) in enumerate(inputs, start=1):
            rows.append(self._change(f"PROP-{number:02d}", system, to_patch, fails, outage, assumed))
        return tuple(rows)

    def _change(
        self,
        change_id: str,
        system: ManagedSystem,
        to_patch: list[Vios],
        fails: list[Finding],
        outage: tuple[str, ...],
        assumed: bool,
    ) -> ChangeRow:
        all_vios = self.estate.vios_of(system.serial)
        dual = len(all_vios) >= 2
        names = [v.name for v in to_patch]
        partners = [v for v in all_vios if v not in to_patch]
        # The change closes the VIOS findings; the system and partition findings only shape its outage.
        vios_fails = [
            f
            for f in fails
            if f.subject.kind is SubjectKind.VIOS and f.subject.serial == system.serial and not f.accepted
        ]
        worst = min(vios_fails, key=lambda f: f.severity.rank).severity
        apars = list(dict.fromkeys(f.apar for f in vios_fails if f.apar))
        what = _names(apars) if apars else _names([f.title for f in vios_fails], limit=2)
        remediations = list(dict.fromkeys(f.remediation for f in vios_fails if f.remediation))
        unknown_partners = [v.name for v in partners if self.vios_status(v) == UNKNOWN]

        touched: list[str] = []
        for vios in to_patch:
            touched.extend(self.served_by(vios))
        touched.extend(p for f in fails for p in f.affected_partitions)
        touched.extend(outage)
        outage_impact = IMPACT_STOPPED if not dual else IMPACT_ONE_PATH
        impact_of = {name: (outage_impact if name in outage else IMPACT_NONE) for name in touched}
        services = _impacts(self.services, touched, impact_of)
        outage_services = _services_phrase([s for s in services if s.impact.startswith("outage")])

        steps = []
        for order, vios in enumerate(to_patch, start=1):
            level = str(vios.level.value) if vios.level.ok and vios.level.value else vios.level.status.value
            if dual and order == 1:
                note = (
                    f"first: backup VIOS (SEA trunk priority {vios.trunk_priority}); confirm the SEA is BACKUP"
                    if vios.sea_role == "backup"
                    else "first: assumed backup VIOS (higher partition id); confirm the SEA is BACKUP"
                )
            elif dual:
                note = "after the first is back and every client path is Enabled again"
            else:
                note = "only VIOS: its clients are stopped for the change"
            steps.append(PatchStep(order, vios.name, level, note))

        n_hours = HOURS_PER_VIOS * len(to_patch)
        if dual:
            window = f"About {plural(n_hours, 'hour')} in a normal maintenance window, one VIOS at a time; " + (
                f"outage of about {plural(HOURS_PER_VIOS, 'hour')} for {_names(list(outage))}."
                if outage
                else "no service outage expected."
            )
        else:
            window = (
                f"About {plural(n_hours + 1, 'hour')}, including an outage of about "
                f"{plural(HOURS_PER_VIOS, 'hour')} for {plural(len(outage), 'partition')}"
                + (f" ({_names(list(outage))})." if outage else ".")
            )

        if dual:
            risk = (
                "Low: each VIOS is restarted while its partner carries all disk and network traffic; "
                "the work stops if any path does not come back."
            )
            if outage:
                one = len(outage) == 1
                risk = (
                    f"Medium: {_names(list(outage))}"
                    + (f" ({outage_services})" if outage_services else "")
                    + f" {'reaches' if one else 'reach'} disks or network through one VIOS only and "
                    f"{'loses' if one else 'lose'} that I/O while it restarts; every other partition runs on "
                    "the partner VIOS meanwhile."
                )
            if unknown_partners:
                risk += (
                    f" {_names(unknown_partners)} could not be checked: confirm it is healthy "
                    "before restarting its partner."
                )
        else:
            risk = (
                f"Planned outage of {plural(len(outage), 'partition')}"
                + (f" ({outage_services})" if outage_services else "")
                + " while the only VIOS is patched and restarted; if it does not come back cleanly the "
                "outage lasts until the back-out is done (about one more hour)."
            )
        if assumed:
            risk += (
                f" The outage list may be incomplete: some mappings of {_names(names)} could not be read (see Gaps)."
            )

        risk_not = self._risk_not_doing(vios_fails, names)

        plan = self._plan(dual, to_patch, partners, outage, remediations, services)
        backout = self._backout(dual, to_patch, partners, outage)
        design = "dual VIOS" if dual else "single VIOS"
        return ChangeRow(
            change_id=change_id,
            title=f"Patch {plural(len(names), 'VIOS', 'VIOS')} on {system.name} ({what})",
            managed_system=system.name,
            serial=system.serial,
            design=design,
            severity=SEVERITY_LABEL[worst],
            window_hours=n_hours if dual else n_hours + 1,
            patch_order=tuple(steps),
            outage="yes" if outage else "no",
            outage_partitions=outage,
            risk_of_doing=risk,
            risk_of_not_doing=risk_not,
            services=services,
            window=window,
            implementation_plan=plan,
            backout_plan=backout,
            finding_keys=tuple(f.key for f in vios_fails),
            decision="",
        )

    def _risk_not_doing(self, vios_fails: list[Finding], names: list[str]) -> str:
        """Worst severity, what stays open and how likely, and the worst finding's business impact."""
        worst = min(vios_fails, key=lambda f: f.severity.rank)
        apars = list(dict.fromkeys(f.apar for f in vios_fails if f.apar))
        if apars:
            stay = "stays" if len(apars) == 1 else "stay"
            defects = f"{_defects_phrase(apars)} ({_names(apars, limit=5)})"
            what = f"{defects} {stay} open on {_names(names)}."
        else:
            stay = "stays" if len(vios_fails) == 1 else "stay"
            what = f"{plural(len(vios_fails), 'finding')} {stay} open on {_names(names)}."
        span = _most((f.risk.likelihood for f in vios_fails if f.risk), LIKELIHOOD_ORDER)
        likely = ""
        if span:
            low, high = span
            likely = f" Estimated likelihood: {low}" + (f" to {high}." if high != low else ".")
        impact = _first_sentence(worst.business)
        return f"{SEVERITY_LABEL[worst.severity]}. {what}{likely}" + (f" Worst: {impact}" if impact else "")

    def _plan(
        self,
        dual: bool,
        to_patch: list[Vios],
        partners: list[Vios],
        outage: tuple[str, ...],
        remediations: list[str],
        services: tuple[ServiceImpact, ...],
    ) -> tuple[str, ...]:
        fix = " / ".join(remediations) or "install the fix named in the findings"
        names = [v.name for v in to_patch]
        steps = [f"Fix to install: {fix}"]
        unknown = [v.name for v in partners if self.vios_status(v) == UNKNOWN]
        if unknown:
            steps.append(
                f"Re-collect the data of {_names(unknown)} (it could not be checked) and confirm it is running "
                "and healthy before starting."
            )
        steps.append(
            f"Back up each VIOS to patch ({_names(names)}): `viosbr -backup -file <vios>-pre-change`, and "
            "make an alternate rootvg copy on a spare disk (`alt_root_vg -target hdiskN`) to boot from if needed."
        )
        if dual:
            partner_names = _names([v.name for v in all_other(to_patch, partners, to_patch[0])])
            steps.append(
                f"Confirm {names[0]} is the backup: `entstat -all <SEA> | grep -i state` shows BACKUP on "
                f"{names[0]} and PRIMARY on {partner_names}; if not, start with the VIOS that is BACKUP."
            )
            steps.append(
                "Verify paths before: on every client all disk paths Enabled (AIX `lspath`, Linux "
                "`multipath -ll`, IBM i path status), NPIV ports LOGGED_IN through the partner "
                "(`lsmap -all -npiv`), SEA failover ready."
            )
            # Stop a single-pathed client just before the VIOS it depends on restarts, restart it after.
            depends = {v.key: [c for c in self.dependants(v).clients if c in outage] for v in to_patch}
            attributed = {c for names_ in depends.values() for c in names_}
            unattributed = [c for c in outage if c not in attributed]
            for i, vios in enumerate(to_patch):
                stop = (unattributed if i == 0 else []) + depends[vios.key]
                if stop:
                    steps.append(
                        f"Stop or move {_names(stop, limit=20)} as agreed with the service owners "
                        f"(some of {'its' if len(stop) == 1 else 'their'} I/O runs through {vios.name} only)."
                    )
                other = _names([v.name for v in all_other(to_patch, partners, vios)]) or "its partner"
                steps.append(
                    f"Patch {vios.name}: install the fix, then `shutdown -restart`; {other} carries all I/O meanwhile."
                )
                steps.append(
                    f"After {vios.name} is back: `ioslevel`, `emgr -l` shows the fix, `lsmap -all` / "
                    "`lsmap -all -npiv` mappings unchanged, SEA back in its role; on every client all "
                    "paths Enabled again."
                    + (" Do not continue until every path is back." if i < len(to_patch) - 1 else "")
                )
                if depends[vios.key]:
                    steps.append(f"Start {_names(depends[vios.key], limit=20)} again; owners confirm their services.")
        else:
            owners = _names([s.owner for s in services if s.owner]) or "the service owners"
            steps.append(f"Agree the outage with {owners}; application teams stop their applications.")
            steps.append(f"Shut down the client partitions cleanly: {_names(list(outage), limit=20)}.")
            vios = to_patch[0]
            steps.append(f"Patch {vios.name}: install the fix, then `shutdown -restart`.")
            steps.append(
                f"After {vios.name} is back: `ioslevel`, `emgr -l` shows the fix, `lsmap -all` mappings "
                "unchanged; start the clients, check their disks and paths, owners confirm the services."
            )
        steps.append("Re-run viosaudit and attach the new evidence zip to the change (the after state).")
        return tuple(f"{n}. {text}" for n, text in enumerate(steps, start=1))

    def _backout(
        self, dual: bool, to_patch: list[Vios], partners: list[Vios], outage: tuple[str, ...]
    ) -> tuple[str, ...]:
        steps = ["Before any restart: if a path check fails, stop here; nothing has been changed yet."]
        for vios in to_patch:
            carrier = _names([v.name for v in all_other(to_patch, partners, vios)])
            steps.append(
                f"If {vios.name} does not come back cleanly or its mappings differ: boot it from the "
                "alternate rootvg copy (`bootlist -m normal hdiskN`, `shutdown -restart`) or remove the fix "
                "(`emgr -r -L <label>`) and restart; restore mappings with `viosbr -restore -file "
                "<vios>-pre-change` if needed."
                + (f" Clients keep running on {carrier} meanwhile." if dual and carrier else "")
            )
        if dual and len(to_patch) > 1:
            steps.append(f"Do not patch {to_patch[-1].name} until {to_patch[0].name} is healthy again.")
        if outage:
            steps.append(f"Restart {_names(list(outage), limit=20)} and have the owners confirm their services.")
        return tuple(f"{n}. {text}" for n, text in enumerate(steps, start=1))

    def inventory(self) -> Inventory:
        systems = []
        for s in sorted(self.estate.systems, key=lambda s: s.name):
            vioses = self.estate.vios_of(s.serial)
            design = {0: "no VIOS found", 1: "single VIOS"}.get(len(vioses), "dual VIOS")
            systems.append(
                SystemRow(
                    name=s.name,
                    serial=s.serial,
                    type_model=s.type_model or "unknown",
                    state=s.state or "unknown",
                    design=design,
                    vios_count=len(vioses),
                    client_count=len(self.estate.clients_of(s.serial)),
                    status=self.system_status(s),
                )
            )
        vios_rows = []
        for v in sorted(self.estate.vioses, key=lambda v: (v.managed_system, v.name)):
            level = str(v.level.value) if v.level.ok and v.level.value is not None else v.level.status.value
            if v.ifixes.ok:
                ifixes = ", ".join(f"{i.label} ({i.state.value})" for i in v.ifixes.value or ()) or "none"
            else:
                ifixes = v.ifixes.status.value
            missing = self.missing_data(v)
            vios_rows.append(
                ViosRow(
                    managed_system=v.managed_system,
                    name=v.name,
                    partition_id=v.key.partition_id,
                    state=v.state or "unknown",
                    level=level,
                    ifixes=ifixes,
                    data="complete" if not missing else "; ".join(missing),
                    status=self.vios_status(v),
                    clients_served=len(self.served_by(v)),
                )
            )
        client_rows = []
        for c in sorted(self.estate.clients, key=lambda c: (c.managed_system, c.name)):
            service = _service(self.services, c.name)
            client_rows.append(
                ClientRow(
                    managed_system=c.managed_system,
                    name=c.name,
                    partition_id=c.key.partition_id,
                    env={PartitionEnv.AIX_LINUX: "AIX/Linux", PartitionEnv.IBM_I: "IBM i"}.get(c.env, c.env.value),
                    state=c.state or "unknown",
                    os_version=c.os_version or "",
                    paths=self._path_texts(c),
                    redundancy=self._redundancy(c),
                    service=service.service,
                    owner=service.owner,
                    criticality=service.criticality.value,
                )
            )
        return Inventory(tuple(systems), tuple(vios_rows), tuple(client_rows))

    def _path_texts(self, client: ClientLpar) -> tuple[str, ...]:
        """One line per VIOS: "vios1: vscsi vhost0 (hdisk2, hdisk3); npiv vfchost1 (fcs0); network C10 (VLAN 10)"."""
        by_vios: dict[PartitionKey, dict[str, dict[str, list[str]]]] = defaultdict(
            lambda: defaultdict(lambda: defaultdict(list))
        )
        paths = self.topo.paths_by_client.get(client.key, ())
        for p in sorted(paths, key=lambda p: (p.vios, p.kind.value, p.server_adapter)):
            devices = by_vios[p.vios][p.kind.value][p.server_adapter]
            if p.device:
                devices.append(p.device)
        return tuple(
            f"{self.vios_name(vios)}: "
            + "; ".join(
                f"{kind} "
                + ", ".join(
                    f"{adapter} ({', '.join(devices)})" if devices else adapter for adapter, devices in adapters.items()
                )
                for kind, adapters in kinds.items()
            )
            for vios, kinds in by_vios.items()
        )

    def _redundancy(self, client: ClientLpar) -> str:
        statuses = [
            s for kind in ALL_KINDS for s in self.topo.unit_statuses(client, kind) if s.state is not Redundancy.UNUSED
        ]
        if not statuses:
            return "no virtual I/O recorded"
        running, _down, _unknown = self.topo.serving_vioses(client.key.serial)
        all_vios = {name for s in statuses for name in s.via}
        if len(running) < 2 and len(all_vios) == 1:
            return f"single VIOS: all I/O via {next(iter(all_vios))}"
        failing = [s for s in statuses if s.state in (Redundancy.SINGLE, Redundancy.NONE)]
        if failing:
            return "single path: " + "; ".join(
                f"{s.unit.label} via {s.via[0]} only" if s.via else f"{s.unit.label}: no working path" for s in failing
            )
        unknown = [s for s in statuses if s.state is Redundancy.UNKNOWN]
        if unknown:
            return f"unknown: {unknown[0].doubts[0] if unknown[0].doubts else unknown[0].text}"
        if len(all_vios) == 1:
            return f"single VIOS: all I/O via {next(iter(all_vios))}"
        return "dual VIOS"

    def gaps(self) -> tuple[GapRow, ...]:
        rows: dict[tuple[str, str, str], GapRow] = {}
        for g in self.estate.gaps:
            where = f"{g.file}:{g.line_no}" if g.file and g.line_no else (g.file or "")
            key = (g.managed_system or "", g.partition or g.host, g.command_id)
            rows.setdefault(
                key,
                GapRow(
                    status=g.status.value,
                    host=g.host,
                    managed_system=g.managed_system or "",
                    partition=g.partition or "",
                    command_id=g.command_id,
                    command=BY_ID[g.command_id].line if g.command_id in BY_ID else g.command_id,
                    reason=g.reason,
                    where=where,
                    expected="yes" if g.expected else "no",
                ),
            )
        for v in self.estate.vioses:
            for attr, command_id, _label in VIOS_DATA:
                obs: Observed[object] = getattr(v, attr)
                key = (v.managed_system, v.name, command_id)
                if obs.ok or key in rows or any(g.command_id == command_id for g in self._vios_gaps(v)):
                    continue
                source = obs.source
                rows[key] = GapRow(
                    status=obs.status.value,
                    host=(source.host if source and source.host else v.name),
                    managed_system=v.managed_system,
                    partition=v.name,
                    command_id=command_id,
                    command=BY_ID[command_id].line,
                    reason=obs.reason or obs.status.value,
                    where=evidence_ref(source) if source else "",
                    expected="no",
                )
        return tuple(sorted(rows.values(), key=lambda r: (r.managed_system, r.partition, r.host, r.command_id)))


def _first_sentence(text: str, limit: int = 200) -> str:
    """The first sentence of a rule's text, cut at ``limit`` characters."""
    text = " ".join(text.split())
    end = text.find(". ")
    first = text if end < 0 else text[: end + 1]
    return first if len(first) <= limit else first[: limit - 1].rstrip() + "…"


def acceptance_text(a: Acceptance) -> str:
    change = f", change {a.change}" if a.change else ""
    return f"accepted by {a.approver} on {a.decided} until {a.expires}{change}: {a.reason}"


def all_other(to_patch: list[Vios], partners: list[Vios], vios: Vios) -> list[Vios]:
    """The VIOS that carry I/O while ``vios`` restarts: every VIOS of the system but it."""
    return [v for v in (*partners, *to_patch) if v.key != vios.key]


# ---------------------------------------------------------------- summary (page 1)


def _overall_status(findings: Sequence[Finding], vios_unknown: int, any_gap: bool, empty: bool) -> str:
    fails = [f for f in findings if f.verdict is Verdict.FAIL and f.severity is not Severity.INFO]
    unknowns = [f for f in findings if f.verdict is Verdict.UNKNOWN and f.severity is not Severity.INFO]
    if any(f.severity in URGENT and not f.accepted for f in fails):
        return STATUS_ACTION
    if any(f.severity in URGENT for f in unknowns) or vios_unknown or empty:
        return STATUS_UNKNOWN
    if fails:
        return STATUS_RISK
    if unknowns or any_gap:
        return STATUS_UNKNOWN
    return STATUS_OK


def _most(values: Iterable[str], order: Sequence[str]) -> tuple[str, str] | None:
    """The least and the most of ``values`` in ``order`` (unknown words ignored), or None."""
    known = sorted({v for v in values if v in order}, key=order.index)
    return (known[0], known[-1]) if known else None


def _defects_phrase(ids: Sequence[str]) -> str:
    """ "3 known IBM defects and 2 security vulnerabilities": CVE ids are vulnerabilities, APARs defects."""
    cves = sum(1 for i in ids if i.upper().startswith("CVE-"))
    parts = []
    if len(ids) - cves:
        parts.append(plural(len(ids) - cves, "known IBM defect"))
    if cves:
        parts.append(plural(cves, "known security vulnerability", "known security vulnerabilities"))
    return " and ".join(parts)


def _services_phrase(rows: Sequence[ServiceImpact], limit: int = 3) -> str:
    """ "Payments, CRM and 2 more, and 1 virtual machine with no service recorded"."""
    named = [r.service for r in rows if r.service != UNMAPPED]
    unmapped = sum(len(r.partitions) for r in rows if r.service == UNMAPPED)
    parts = named[:limit]
    if len(named) > limit:
        parts.append(f"{len(named) - limit} more")
    if unmapped:
        parts.append(f"{plural(unmapped, 'virtual machine')} with no service recorded")
    return _names(parts, limit=limit + 2)


def _stopped(change: ChangeRow) -> list[ServiceImpact]:
    return [s for s in change.services if s.impact.startswith("outage")]


def _headline(status: str, b: _Builder, counts: Counts, fails: list[Finding], accepted: list[Finding]) -> str:
    worst = SEVERITY_LABEL[min(fails, key=lambda f: f.severity.rank).severity].lower() if fails else ""
    open_systems = len({f.subject.serial for f in fails})  # servers with open (not accepted) failures
    has = "has" if open_systems == 1 else "have"
    if status == STATUS_ACTION:
        headline = (
            f"{open_systems} of {plural(counts.systems, 'server')} {has} problems rated {worst} that need fixing."
        )
    elif status == STATUS_RISK and not fails:
        headline = (
            f"Nothing needs action now; {plural(len(accepted), 'risk')} formally accepted "
            f"{'remains' if len(accepted) == 1 else 'remain'} (see below)."
        )
    elif status == STATUS_RISK:
        headline = f"{open_systems} of {plural(counts.systems, 'server')} {has} {worst}-rated problems to plan for."
    elif status == STATUS_UNKNOWN and not b.estate.systems:
        headline = "No server data was collected: nothing could be checked."
    elif status == STATUS_UNKNOWN:
        headline = (
            f"{counts.vios_unknown} of {plural(counts.vios, 'I/O server')} could not be fully checked: "
            "their state is unknown, not safe."
            if counts.vios_unknown
            else "Part of the data could not be collected: the result is incomplete, not safe."
        )
    else:
        headline = (
            f"All {plural(counts.vios, 'I/O server')} on {plural(counts.systems, 'server')} were checked: "
            "no known exposure."
        )
    if status in (STATUS_ACTION, STATUS_RISK) and counts.vios_unknown:
        headline += f" {plural(counts.vios_unknown, 'I/O server')} could not be fully checked."
    return headline


def _meaning(
    fails: list[Finding],
    changes: tuple[ChangeRow, ...],
    unknown_vios: list[str],
    undecided_vios: list[str],
    status: str,
    gaps: bool,
) -> list[str]:
    """Page 1, "what it means": built from counts and the service map, never from rule text (jargon)."""
    lines: list[str] = []
    defects = [f for f in fails if f.apar]
    if defects:
        ids = sorted({f.apar for f in defects if f.apar})
        n_apar = len(ids)
        n_vios = len({(f.subject.serial, f.subject.name) for f in defects if f.subject.kind is SubjectKind.VIOS})
        n_sys = len({f.subject.serial for f in defects})
        sev = SEVERITY_LABEL[min(defects, key=lambda f: f.severity.rank).severity].lower()
        rated = f"rated {sev}" if n_apar == 1 else f"the worst rated {sev}"
        what = f"{_defects_phrase(ids)}, {rated}, "
        where = f"{plural(n_vios, 'I/O server')} on {plural(n_sys, 'server')}" if n_vios else plural(n_sys, "server")
        line = what + f"{'affects' if n_apar == 1 else 'affect'} {where}."
        span = _most((f.risk.likelihood for f in defects if f.risk), LIKELIHOOD_ORDER)
        if span:
            low, high = span
            line += f" Estimated likelihood of being hit: {low}" + (f" to {high}." if high != low else ".")
        lines.append(line)
    others = [f for f in fails if not f.apar]
    if others:
        sev = SEVERITY_LABEL[min(others, key=lambda f: f.severity.rank).severity].lower()
        rated = f"rated {sev}" if len(others) == 1 else f"the worst rated {sev}"
        lines.append(f"{plural(len(others), 'other open problem')}, {rated}; details in the Findings section.")
    rolling = [c for c in changes if c.outage == "no"]
    if rolling:
        one = len(rolling) == 1
        lines.append(
            f"{_names([c.managed_system for c in rolling], limit=3)} can be fixed with no interruption: "
            f"{'it has' if one else 'they have'} two I/O servers, fixed one at a time."
        )
    disruptive = [c for c in changes if c.outage == "yes"]
    for c in disruptive[:PAGE1_CHANGE_LINES]:
        why = (
            "it has a single I/O server"
            if c.design == "single VIOS"
            else (
                f"{plural(len(c.outage_partitions), 'virtual machine')} "
                f"{'depends' if len(c.outage_partitions) == 1 else 'depend'} on one I/O server only"
            )
        )
        lines.append(f"Fixing {c.managed_system} interrupts {_services_phrase(_stopped(c))} ({why}).")
    if len(disruptive) > PAGE1_CHANGE_LINES:
        rest = disruptive[PAGE1_CHANGE_LINES:]
        lines.append(
            f"Fixing {plural(len(rest), 'more server')} ({_names([c.managed_system for c in rest], limit=3)}) "
            "also interrupts services; details in Proposed changes."
        )
    if unknown_vios:
        lines.append(
            f"{plural(len(unknown_vios), 'I/O server')} ({_names(unknown_vios, limit=3)}) could not be "
            "checked because data is missing: treat as exposed until checked."
        )
    if undecided_vios:
        lines.append(
            f"For {plural(len(undecided_vios), 'I/O server')} ({_names(undecided_vios, limit=3)}) some checks "
            "could not decide (e.g. a support date is not known): treat as at risk; details in Findings."
        )
    if not lines and status == STATUS_OK:
        lines.append("No known exposure was found; no business service is at risk from the checked issues.")
    elif not lines and gaps:
        lines.append("Some data could not be collected, so part of the estate was not checked.")
    return lines


def _recommend(
    changes: tuple[ChangeRow, ...], accepted: list[Finding], unknown_vios: list[str], n_gaps: int
) -> list[str]:
    lines: list[str] = []
    if changes:
        lines.append(
            f"Approve the {plural(len(changes), 'proposed change')} at the next change board "
            "(workbook viosaudit-cab.xlsx, sheet Changes)."
        )
    disruptive = [c for c in changes if c.outage == "yes"]
    for c in disruptive[:PAGE1_CHANGE_LINES]:
        stopped = _stopped(c)
        owners = _names([s.owner for s in stopped if s.owner], limit=3) or "the service owners"
        hours = plural(c.window_hours, "hour")
        if c.design == "dual VIOS":
            lines.append(
                f"{c.managed_system}: fix one I/O server at a time (about {hours}); agree a short interruption "
                f"of {_services_phrase(stopped)} with {owners}."
            )
        else:
            lines.append(
                f"{c.managed_system}: agree a window of about {hours} with {owners}; "
                f"{_services_phrase(stopped)} will be down for about {plural(HOURS_PER_VIOS, 'hour')}."
            )
    if len(disruptive) > PAGE1_CHANGE_LINES:
        lines.append(
            f"Agree windows for {plural(len(disruptive) - PAGE1_CHANGE_LINES, 'more server')} with their "
            "service owners: see Proposed changes."
        )
    rolling = [c for c in changes if c.outage == "no"]
    if rolling:
        lines.append(
            f"{_names([c.managed_system for c in rolling], limit=3)}: fix in a normal maintenance window, "
            f"one I/O server at a time, no outage (about {plural(HOURS_PER_VIOS, 'hour')} per I/O server)."
        )
    longer_term = [
        c.managed_system
        for c in changes
        if c.design == "single VIOS"
        # not when a system-level risk of that server (e.g. "only one VIOS") was formally accepted
        and not any(f.subject.kind is SubjectKind.SYSTEM and f.subject.serial == c.serial for f in accepted)
    ]
    if longer_term:
        lines.append(
            f"Longer term: add a second I/O server to {_names(longer_term, limit=3)} so future fixes need no outage."
        )
    if unknown_vios:
        names = [u.split(" / ")[-1] for u in unknown_vios]
        lines.append(
            f"Restore data collection from {_names(names, limit=3)} and re-run the audit: until then, "
            f"treat {'it' if len(names) == 1 else 'them'} as exposed."
        )
    elif n_gaps:
        lines.append(f"Restore data collection ({plural(n_gaps, 'item')} missing, see Gaps) and re-run the audit.")
    if not lines:
        lines.append("No action needed this week; keep the weekly check running.")
    return lines


def _accepted_lines(b: _Builder, accepted: list[Finding]) -> list[str]:
    """Risks formally accepted, in the business words of the finding, with who decided and until when."""
    lines = [
        f"{f.subject.label}: {f.business or f.title} Accepted by {f.acceptance.approver} until "
        f"{f.acceptance.expires}{', change ' + f.acceptance.change if f.acceptance.change else ''} "
        f"({f.acceptance.reason})."
        for f in accepted
        if f.acceptance
    ]
    lines.extend(
        f"{f.subject.label}: {f.business or f.title} The acceptance by {f.acceptance_expired.approver} "
        f"expired on {f.acceptance_expired.expires}: the risk is open again."
        for f in b.findings
        if f.acceptance_expired and not f.accepted
    )
    if len(lines) > PAGE1_ACCEPTED_LINES:
        more = len(lines) - PAGE1_ACCEPTED_LINES + 1
        lines = [*lines[: PAGE1_ACCEPTED_LINES - 1], f"and {more} more: see Findings."]
    return lines


def _page1_services(changes: tuple[ChangeRow, ...]) -> tuple[ServiceImpact, ...]:
    """Services touched by the changes, one row each: interrupted ones first, then by criticality."""
    merged: dict[str, ServiceImpact] = {}
    for i in (i for c in changes for i in c.services):
        prev = merged.get(i.service)
        if prev is None:
            merged[i.service] = i
            continue
        merged[i.service] = ServiceImpact(
            i.service,
            _names(list(dict.fromkeys(o for o in (*prev.owner.split(", "), i.owner) if o)), limit=3),
            prev.criticality,
            tuple(dict.fromkeys((*prev.partitions, *i.partitions))),
            prev.impact if prev.impact.startswith("outage") else i.impact,
        )
    return tuple(
        sorted(
            merged.values(),
            key=lambda i: (not i.impact.startswith("outage"), i.service == UNMAPPED, *_service_sort_key(i)),
        )
    )


def _stale_lines(stale: Sequence[tuple[Acceptance, str]]) -> list[str]:
    """Acceptances that no longer match an open finding: to be retired or corrected, never silently."""
    return [f"Acceptance of {a.finding} by {a.approver} (until {a.expires}) is stale: {why}." for a, why in stale]


def _summary(
    b: _Builder,
    counts: Counts,
    changes: tuple[ChangeRow, ...],
    inventory: Inventory,
    gaps: tuple[GapRow, ...],
    stale: Sequence[tuple[Acceptance, str]] = (),
) -> Summary:
    failures = any(g.expected == "no" for g in gaps)
    status = _overall_status(b.findings, counts.vios_unknown, failures, not b.estate.systems)
    fails = [f for f in b.findings if f.verdict is Verdict.FAIL and not f.accepted]
    accepted = [f for f in b.findings if f.accepted]
    unknown = [v for v in inventory.vios if v.status == UNKNOWN]
    # data missing (not collected / unreadable) versus collected but a check could not decide
    unknown_vios = [f"{v.managed_system} / {v.name}" for v in unknown if v.data != "complete"]
    undecided_vios = [f"{v.managed_system} / {v.name}" for v in unknown if v.data == "complete"]
    return Summary(
        status=status,
        status_code=STATUS_CODES[status],
        headline=_headline(status, b, counts, fails, accepted),
        meaning=tuple(_meaning(fails, changes, unknown_vios, undecided_vios, status, bool(gaps))),
        recommendations=tuple(_recommend(changes, accepted, unknown_vios, len(gaps))),
        services=_page1_services(changes),
        accepted=tuple(_accepted_lines(b, accepted)) + tuple(_stale_lines(stale)),
    )


# ---------------------------------------------------------------- entry point


def _statement(change: ChangeRow, template_dir: Path | None) -> str:
    """The CAB paragraph for a change, from templates/cab_statement.txt (sites may override it)."""
    try:
        text = make_env(template_dir).get_template(STATEMENT_TEMPLATE).render(ch=change)
    except TemplateError as exc:
        raise RenderError(f"cannot render {STATEMENT_TEMPLATE}: {exc}") from exc
    return " ".join(text.split())


def build_view(
    estate: Estate,
    findings: Sequence[Finding],
    services: Mapping[str, BusinessService],
    *,
    generated_at: str,
    gaps_note: str | None = None,
    title: str = "VIOS estate audit",
    template_dir: Path | None = None,
    stale: Sequence[tuple[Acceptance, str]] = (),
) -> ReportView:
    """Make the one view every output is rendered from.

    Args:
        estate: the assembled estate (with its gaps).
        findings: every finding of every rule, PASS included.
        services: the site's service map, partition name -> BusinessService.
        generated_at: when the report is made, as shown in the footer (passed in, never now()).
        gaps_note: a note shown above the gaps (e.g. "HMC hmc2 unreachable since Monday");
            a standard explanation when None.
        title: the report title.
        template_dir: site templates that override the packaged ones (e.g. cab_statement.txt).
        stale: acceptances that match no open finding, with why (shown beside the accepted risks).
    """
    b = _Builder(estate, findings, services)
    open_findings, passed = b.finding_sections()
    changes = tuple(replace(c, statement=_statement(c, template_dir)) for c in b.changes())
    inventory = b.inventory()
    gaps = b.gaps()
    fails = [f for f in b.findings if f.verdict is Verdict.FAIL]
    counts = Counts(
        systems=len(estate.systems),
        vios=len(estate.vioses),
        clients=len(estate.clients),
        systems_exposed=sum(1 for s in inventory.systems if s.status == EXPOSED),
        systems_unknown=sum(1 for s in inventory.systems if s.status == UNKNOWN),
        vios_exposed=sum(1 for v in inventory.vios if v.status == EXPOSED),
        vios_unknown=sum(1 for v in inventory.vios if v.status == UNKNOWN),
        outage_partitions=len(b.outage_partitions()),
        findings_fail=len(fails),
        findings_unknown=sum(1 for f in b.findings if f.verdict is Verdict.UNKNOWN),
        findings_pass=len(passed),
        findings_accepted=sum(1 for f in b.findings if f.accepted),
    )
    return ReportView(
        title=title,
        snapshot_id=estate.snapshot_id,
        captured_at=estate.captured_at,
        generated_at=generated_at,
        summary=_summary(b, counts, changes, inventory, gaps, stale),
        counts=counts,
        open_findings=open_findings,
        passed_findings=passed,
        changes=changes,
        inventory=inventory,
        gaps=gaps,
        gaps_note=gaps_note or DEFAULT_GAPS_NOTE,
    )
