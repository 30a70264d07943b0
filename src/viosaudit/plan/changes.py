"""Proposed changes: one per managed system whose VIOS fail a rule, planned from the topology once.

A change patches the failing VIOS of one system, in an order that keeps clients running where the
design allows it: on a dual-VIOS system the backup VIOS first (its SEA trunk priority says so; without
trunk adapters the higher partition id, vios2 conventionally backing up vios1), each one only after the
previous is back with every path; on a single-VIOS system the one VIOS in an agreed outage. The outage
is data: the running partitions that lose I/O (from ``Topology.reboot_impact`` and the findings that
say so), for how long, and whether the list may be incomplete. Partitions that depend on a VIOS but
are not running are kept apart: no service stops for them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from viosaudit.business import BusinessService
from viosaudit.model import ClientLpar, Estate, Level, ManagedSystem, SeaRole, Vios
from viosaudit.plan.services import Effect, ServiceEffect, service_effects
from viosaudit.plan.status import Design, EntityStatus, Judge
from viosaudit.rules.base import Finding, Severity, SubjectKind, Verdict
from viosaudit.rules.catalogue import Catalogue
from viosaudit.rules.lifecycle import Lifecycle, ReleaseLine, Support
from viosaudit.rules.topology import Topology

HOURS_PER_VIOS = 1  # install + reboot + path checks, one VIOS at a time (an estimate, shown as such)
# viosbr backup, viosupgrade onto an alternate disk, configuration restored, reboot, checks (an estimate)
HOURS_PER_UPGRADE = 3
# the first level with the viosupgrade command on the VIOS itself (IBM: VIOS 2.2.6.30); older levels are
# updated to the latest 2.2.6 fix pack first, or upgraded from the NIM master
VIOSUPGRADE_FROM = Level((2, 2, 6, 30))
ROOTVG = "rootvg"  # the VIOS's own volume group, as lspv names it


class ChangeKind(StrEnum):
    """What a change does to the VIOS: install fixes on its release line, or move it to another line."""

    PATCH = "patch"  # fix packs, interim fixes or settings (any APAR or configuration finding)
    # only lifecycle findings (the release line is out of, or leaving, IBM fix support), or every VIOS to
    # patch is out of fix support and the catalogue names no fix (level or interim fix) for its line
    UPGRADE = "upgrade"

    @property
    def hours_per_vios(self) -> int:
        """How long one VIOS takes (and its single-pathed clients are without I/O), an estimate."""
        return HOURS_PER_UPGRADE if self is ChangeKind.UPGRADE else HOURS_PER_VIOS


class OrderReason(StrEnum):
    """Why a VIOS comes at its place in the patch order."""

    BACKUP_FIRST = "backup first"  # its SEA trunk priority makes it the backup
    ASSUMED_BACKUP_FIRST = "assumed backup first"  # no trunk priority: the higher partition id
    FIRST = "first"  # it bridges no network (no SEA): the higher partition id, nothing to confirm
    AFTER_PREVIOUS = "after previous"  # once the one before is back and every path is Enabled
    ALONE = "alone"  # the only VIOS of a dual-VIOS system that needs the fix; the others carry the I/O
    ONLY_VIOS = "only VIOS"  # a single-VIOS system: its clients are stopped


@dataclass(frozen=True, slots=True)
class PatchStep:
    order: int
    vios: Vios
    reason: OrderReason
    carriers: tuple[str, ...]  # the other VIOS of the system: they carry the I/O meanwhile
    stop_before: tuple[str, ...]  # running partitions to stop or move before this VIOS restarts
    start_after: tuple[str, ...]  # and to start again once it is back
    seas: tuple[str, ...] | None  # its Shared Ethernet Adapters (lsmap -all -net, sea_attrs); None: not read
    spare_disks: tuple[str, ...] | None  # free disks for an alternate rootvg; None: not known (data missing)
    rootvg: tuple[str, ...]  # the disks of rootvg (lspv): two or more is a mirror that can be split


@dataclass(frozen=True, slots=True)
class Outage:
    partitions: tuple[str, ...]  # running partitions (or of unknown state) that lose I/O
    hours: int  # how long each is without I/O (an estimate)
    assumed: bool  # some mappings could not be read: the list may be incomplete


@dataclass(frozen=True, slots=True)
class ChangeFix:
    """What the change installs or sets: the fix of one or more APARs that the same levels and interim
    fixes close on the same VIOS, or one finding's own remediation (``apars`` empty)."""

    vios: tuple[str, ...]  # in patch order
    apars: tuple[str, ...]
    title: str  # the finding's title ("" for APARs)
    levels: tuple[Level, ...]  # VIOS levels that carry the fix on the patched release lines
    ifixes: tuple[str, ...]
    releases: tuple[str, ...]  # release lines of those VIOS
    remediation: str  # for a finding without an APAR: what the rule says to do (real names)


@dataclass(frozen=True, slots=True)
class UpgradeTarget:
    """The release line an UPGRADE moves to (the newest whose End of Fix Support is still ahead, from the
    lifecycle data) and what the APAR catalogue says of each APAR of the change on that line."""

    release: str
    eofs: date
    estimated: bool  # IBM marks the EoFS date estimated
    fixed: tuple[tuple[str, Level], ...]  # APAR and the level of the target line that carries its fix
    affected: tuple[str, ...]  # the catalogue lists the target line as affected, with no fixed level
    unknown: tuple[str, ...]  # the catalogue says nothing of the target line: check on Fix Central


@dataclass(frozen=True, slots=True)
class ProposedChange:
    change_id: str
    system: ManagedSystem
    design: Design
    severity: Severity
    steps: tuple[PatchStep, ...]  # the VIOS to patch, in order, and why
    partners: tuple[Vios, ...]  # the system's other VIOS, not patched
    unknown_partners: tuple[Vios, ...]  # partners whose state is unknown: check them before starting
    outage: Outage | None
    not_running: tuple[ClientLpar, ...]  # depend on a patched VIOS but are not running: no service stops
    services: tuple[ServiceEffect, ...]
    fixes: tuple[ChangeFix, ...]
    findings: tuple[Finding, ...]  # the VIOS findings the change closes, worst first
    likelihoods: tuple[str, ...]  # the rules' likelihood of each finding left open (risk of not doing)
    window_hours: int
    kind: ChangeKind = ChangeKind.PATCH
    target: UpgradeTarget | None = None  # for an UPGRADE: where to (None: no line in fix support known)

    @property
    def dual(self) -> bool:
        return self.design is Design.DUAL

    @property
    def owners(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(o for s in self.services for o in s.owners))


class _Planner:
    def __init__(
        self,
        estate: Estate,
        judge: Judge,
        topology: Topology,
        services: Mapping[str, BusinessService],
        catalogue: Catalogue,
        target: ReleaseLine | None = None,
    ) -> None:
        self.estate = estate
        self.judge = judge
        self.topo = topology
        self.services = services
        self.catalogue = catalogue
        self.target = target

    def dependants(self, vios: Vios) -> tuple[tuple[str, ...], bool]:
        """Clients that lose some I/O while ``vios`` reboots (the certain ones and those that may, where
        mappings could not be read: then the answer is assumed)."""
        impact = self.topo.reboot_impact(vios)
        return tuple(c.name for c in (*impact.outage, *impact.unknown)), bool(impact.unknown)

    def change(self, system: ManagedSystem) -> ProposedChange | None:
        vioses = self.estate.vios_of(system.serial)
        by_vios = self.judge.by_vios
        to_patch = [
            v for v in vioses if any(f.verdict is Verdict.FAIL and not f.accepted for f in by_vios.get(v.key, []))
        ]
        if not to_patch:
            return None
        to_patch.sort(key=lambda v: (-(v.trunk_priority or 0), -v.key.partition_id))
        design = Design.of(len(vioses))
        fails = [f for f in self.judge.by_serial[system.serial] if f.verdict is Verdict.FAIL]
        outage = [p for f in fails if f.outage for p in f.affected_partitions]
        assumed = False
        depends: dict[str, tuple[str, ...]] = {}
        if design is Design.DUAL:
            for vios in to_patch:
                clients, maybe = self.dependants(vios)
                depends[vios.name] = clients
                outage.extend(clients)
                assumed = assumed or (maybe and bool(clients))
            not_running = [c for v in to_patch for c in self.topo.reboot_impact(v).stopped]
        else:
            clients, assumed = self.dependants(to_patch[0])
            served = self.judge.vios[to_patch[0].key].clients
            outage.extend([c.name for c in served if c.active is not False] if served else clients)
            not_running = [c for c in served if c.active is False]
        out = tuple(dict.fromkeys(outage))
        stopped = tuple({c.name: c for c in not_running if c.name not in out}.values())
        closing = tuple(
            f
            for f in fails
            if f.subject.kind is SubjectKind.VIOS and f.subject.serial == system.serial and not f.accepted
        )
        partners = tuple(v for v in vioses if v not in to_patch)
        touched = [c.name for v in to_patch for c in self.judge.vios[v.key].clients]
        touched += [p for f in fails for p in f.affected_partitions]
        touched += out
        hit = Effect.STOPPED if design is not Design.DUAL else Effect.ONE_PATH
        effect_of = {name: Effect.NOT_RUNNING for name in (c.name for c in stopped)}
        effect_of.update({name: hit for name in out})
        kind = self._kind(closing, to_patch)
        per_vios = kind.hours_per_vios
        hours = per_vios * len(to_patch)
        return ProposedChange(
            change_id="",
            system=system,
            design=design,
            severity=min(closing, key=lambda f: f.severity.rank).severity,
            steps=self._steps(design, to_patch, partners, depends, out),
            partners=partners,
            unknown_partners=tuple(v for v in partners if self.judge.vios[v.key].status is EntityStatus.UNKNOWN),
            outage=Outage(out, per_vios, assumed) if out else None,
            not_running=stopped,
            services=service_effects(self.services, touched, effect_of),
            fixes=self._fixes(closing, to_patch),
            findings=closing,
            likelihoods=tuple(f.risk.likelihood for f in closing if f.risk),
            window_hours=hours if design is Design.DUAL else hours + 1,
            kind=kind,
            target=self._target(closing) if kind is ChangeKind.UPGRADE else None,
        )

    def _kind(self, closing: tuple[Finding, ...], to_patch: list[Vios]) -> ChangeKind:
        """UPGRADE when every closing finding is a lifecycle one, or when every VIOS to patch is on a line
        out of fix support and no APAR of the change has a catalogued fix (level or interim fix) for that
        line: there is nothing to install in place. Any in-place fix keeps it a PATCH."""
        if all(_support(f) for f in closing):
            return ChangeKind.UPGRADE
        for vios in to_patch:
            mine = [f for f in closing if _on(f, vios)]
            if not any(_support(f) == Support.OUT_OF_SERVICE for f in mine):
                return ChangeKind.PATCH
            release = vios.level.value.release if vios.level.ok and vios.level.value else None
            for f in mine:
                if f.apar and f.apar in self.catalogue:
                    fix = self.catalogue.get(f.apar).fix_for(release)
                    if fix.levels or fix.ifixes:
                        return ChangeKind.PATCH
        return ChangeKind.UPGRADE

    def _target(self, closing: tuple[Finding, ...]) -> UpgradeTarget | None:
        """The target line and, per APAR, whether the catalogue (the record or a sibling, one APAR per
        line) gives a fixed level on it, lists it as affected without one, or says nothing."""
        line = self.target
        if line is None or line.eofs is None:
            return None
        fixed: list[tuple[str, Level]] = []
        affected: list[str] = []
        unknown: list[str] = []
        for apar_id in dict.fromkeys(f.apar for f in closing if f.apar):
            family = self.catalogue.family(apar_id) if apar_id in self.catalogue else ()
            ranges = [r for a in family for r in a.level_ranges if r.release == line.line]
            levels = [r.fixed for r in ranges if r.fixed is not None]
            if levels:
                fixed.append((apar_id, max(levels)))
            elif ranges or any(fr.release == line.line for a in family for fr in a.fileset_ranges):
                affected.append(apar_id)
            else:
                unknown.append(apar_id)
        return UpgradeTarget(line.line, line.eofs, line.eofs_estimated, tuple(fixed), tuple(affected), tuple(unknown))

    def _steps(
        self,
        design: Design,
        to_patch: list[Vios],
        partners: tuple[Vios, ...],
        depends: dict[str, tuple[str, ...]],
        outage: tuple[str, ...],
    ) -> tuple[PatchStep, ...]:
        """Each VIOS in order; on a dual system a partition that depends on one VIOS is stopped just
        before that VIOS restarts and started right after (those no VIOS is named for: around all)."""
        attributed = {c for names in depends.values() for c in names if c in outage}
        rest = tuple(c for c in outage if c not in attributed)
        steps = []
        for i, vios in enumerate(to_patch):
            mine = tuple(c for c in depends.get(vios.name, ()) if c in outage)
            first, last = i == 0, i == len(to_patch) - 1
            if design is not Design.DUAL:
                reason = OrderReason.ONLY_VIOS
            elif len(to_patch) == 1:
                reason = OrderReason.ALONE
            elif not first:
                reason = OrderReason.AFTER_PREVIOUS
            elif vios.sea_role is SeaRole.BACKUP:
                reason = OrderReason.BACKUP_FIRST
            elif _seas(vios) == () and not vios.trunks:
                reason = OrderReason.FIRST
            else:
                reason = OrderReason.ASSUMED_BACKUP_FIRST
            dual = design is Design.DUAL
            steps.append(
                PatchStep(
                    order=i + 1,
                    vios=vios,
                    reason=reason,
                    carriers=tuple(v.name for v in (*partners, *to_patch) if v.key != vios.key),
                    stop_before=((rest if first else ()) + mine) if dual else (),
                    start_after=(mine + (rest if last else ())) if dual else (),
                    seas=_seas(vios),
                    spare_disks=self._spare_disks(vios),
                    rootvg=tuple(pv.disk for pv in vios.pvs.value or () if pv.volume_group == ROOTVG),
                )
            )
        return tuple(steps)

    def _spare_disks(self, vios: Vios) -> tuple[str, ...] | None:
        """Disks free for an alternate rootvg copy: in no volume group (lspv) and backing no client disk
        (lsmap -all), as ``lspv -free`` would list them; None when either was not read."""
        if not vios.pvs.ok or not vios.vscsi.ok:
            return None
        backing = {d.backing_device for m in vios.vscsi.value or () for d in m.devices if d.backing_device}
        backing |= {p.device for p in self.topo.paths_by_vios.get(vios.key, ()) if p.device}
        return tuple(pv.disk for pv in vios.pvs.value or () if pv.volume_group is None and pv.disk not in backing)

    def _fixes(self, closing: tuple[Finding, ...], to_patch: list[Vios]) -> tuple[ChangeFix, ...]:
        """APARs grouped by what fixes them on which VIOS (one line for six APARs with no known fix), then
        each finding without an APAR with its rule's remediation."""
        order = {(v.key.serial, v.key.partition_id): v for v in to_patch}
        by_apar: dict[str, list[Vios]] = {}
        for f in closing:
            if f.apar:
                vios = order.get((f.subject.serial, f.subject.partition_id or -1))
                by_apar.setdefault(f.apar, [])
                if vios is not None and vios not in by_apar[f.apar]:
                    by_apar[f.apar].append(vios)
        groups: dict[tuple[tuple[str, ...], tuple[Level, ...], tuple[str, ...], tuple[str, ...]], list[str]] = {}
        for apar_id, vioses in by_apar.items():
            vioses.sort(key=to_patch.index)
            releases = tuple(dict.fromkeys(v.level.value.release for v in vioses if v.level.ok and v.level.value))
            record = self.catalogue.get(apar_id) if apar_id in self.catalogue else None
            levels: tuple[Level, ...] = ()
            ifixes: tuple[str, ...] = ()
            for release in releases or (None,):
                fix = record.fix_for(release) if record is not None else None
                if fix is not None:
                    levels = tuple(dict.fromkeys((*levels, *fix.levels)))
                    ifixes = tuple(dict.fromkeys((*ifixes, *fix.ifixes)))
            key = (tuple(v.name for v in vioses), levels, ifixes, releases)
            groups.setdefault(key, []).append(apar_id)
        fixes = []
        for (names, levels, ifixes, releases), apars in groups.items():
            fixes.append(ChangeFix(names, tuple(apars), "", levels, ifixes, releases, ""))
        for f in closing:
            if not f.apar:
                fixes.append(ChangeFix((f.subject.name,), (), f.title, (), (), (), f.remediation))
        return tuple(fixes)


def _on(finding: Finding, vios: Vios) -> bool:
    return finding.subject.serial == vios.key.serial and finding.subject.partition_id == vios.key.partition_id


def upgrade_target(lifecycle: Lifecycle, today: date) -> ReleaseLine | None:
    """The newest release line whose End of Fix Support is still ahead on ``today`` (None: none is)."""
    ahead = [r for r in lifecycle.releases if r.eofs is not None and r.eofs > today]
    return max(ahead, key=lambda r: Level.parse(r.line), default=None)


def _support(finding: Finding) -> str | None:
    """The fix-support status a lifecycle finding carries (its ``support`` fact); None for others."""
    return dict(finding.facts).get("support")


def _seas(vios: Vios) -> tuple[str, ...] | None:
    """The SEAs of a VIOS, from lsmap -all -net and the sea_attrs capture; None when neither was read."""
    if not vios.network.ok and not vios.sea.ok:
        return None
    seas = [m.sea for m in vios.network.value or () if m.sea] if vios.network.ok else []
    seas += [s.sea for s in vios.sea.value or ()] if vios.sea.ok else []
    return tuple(dict.fromkeys(seas))


def propose_changes(
    estate: Estate,
    judge: Judge,
    topology: Topology,
    services: Mapping[str, BusinessService],
    catalogue: Catalogue,
    target: ReleaseLine | None = None,
) -> tuple[ProposedChange, ...]:
    """One change per managed system with a VIOS that fails a rule (not formally accepted), worst
    first, then by system name; numbered PROP-01, PROP-02, ... ``target`` is the release line an
    upgrade moves to (``upgrade_target``)."""
    planner = _Planner(estate, judge, topology, services, catalogue, target)
    found = [c for s in sorted(estate.systems, key=lambda s: s.name) if (c := planner.change(s)) is not None]
    found.sort(key=lambda c: (min(f.severity.rank for f in c.findings), c.system.name))
    return tuple(replace(c, change_id=f"PROP-{n:02d}") for n, c in enumerate(found, start=1))


def outage_partitions(findings: Sequence[Finding], changes: Sequence[ProposedChange]) -> tuple[str, ...]:
    """Every partition that needs an outage to fix: from the FAIL findings that say so, and the changes."""
    names = [p for f in findings if f.verdict is Verdict.FAIL and f.outage for p in f.affected_partitions]
    names += [p for c in changes if c.outage for p in c.outage.partitions]
    return tuple(dict.fromkeys(names))
