"""system_single_vios: a managed system whose clients depend on one running VIOS.

Counted on the VIOS that are running (state from ``lssyscfg -r lpar``): a second VIOS that is Not
Activated, in Error or Open Firmware serves nobody, so its system is single-VIOS in fact, and the
finding names it. A VIOS whose state is unknown makes the verdict unknown, never a pass.
"""

from __future__ import annotations

from collections.abc import Iterator

from viosaudit.model import Estate, ManagedSystem, Vios
from viosaudit.rules.base import Finding, RuleContext, RuleMeta, Severity, Subject, SubjectKind, Verdict
from viosaudit.rules.wording import maintenance_phrase, names, plural, services_phrase


def system_single_vios(estate: Estate, ctx: RuleContext, meta: RuleMeta) -> Iterator[Finding]:
    topo = ctx.topo
    for system in estate.systems:
        subject = Subject(SubjectKind.SYSTEM, system.name, system.name, system.serial)
        key = f"{meta.id}:{system.serial}"
        if not topo.partitions_read(system.serial):
            yield Finding(
                key=key,
                rule_id=meta.id,
                title=f"{system.name}: VIOS and clients unknown (partition list not collected)",
                verdict=Verdict.UNKNOWN,
                severity=meta.severity,
                subject=subject,
                technical=f"lssyscfg -r lpar of {system.name} (serial {system.serial}) was not read, so its "
                "VIOS, their states and its clients are unknown; every verdict about them is missing.",
                business="Cannot tell how this server's partitions are protected until its partition list "
                "is collected.",
                remediation="Collect lssyscfg -r lpar for this system on its HMC and re-run.",
                evidence=(system.source,),
                references=meta.references,
            )
            continue
        vioses = topo.vioses_by_serial.get(system.serial, [])
        clients = topo.clients_by_serial.get(system.serial, [])
        if not clients or not vioses:
            continue  # nothing served, or no VIOS at all (dedicated I/O): not this rule's question
        running, stopped, unknown = topo.serving_vioses(system.serial)
        down = ", ".join(f"{v.name} ({v.state})" for v in sorted(stopped, key=lambda v: v.name))
        if len(running) >= 2:
            yield Finding(
                key=key,
                rule_id=meta.id,
                title=f"{system.name} has {len(running)} VIOS running",
                verdict=Verdict.PASS,
                severity=Severity.INFO,
                subject=subject,
                technical=f"VIOS running on this system: {', '.join(sorted(v.name for v in running))}."
                + (f" Not running: {down}." if down else ""),
                business="Redundant virtual I/O servers: maintenance can be rolling if every client is "
                "dual-pathed (checked separately per partition).",
                remediation="None.",
                evidence=(system.source, *(v.source for v in vioses)),
            )
            continue
        if len(running) + len(unknown) >= 2 or not running:
            yield _unknown_or_none(system, vioses, running, unknown, down, meta, key, subject)
            continue
        yield from _single(system, running[0], vioses, down, ctx, meta, key, subject)


def _single(
    system: ManagedSystem,
    vios: Vios,
    vioses: list[Vios],
    down: str,
    ctx: RuleContext,
    meta: RuleMeta,
    key: str,
    subject: Subject,
) -> Iterator[Finding]:
    topo = ctx.topo
    impact = topo.reboot_impact(vios)
    dependants = names((*impact.outage, *impact.stopped))
    affected = dependants if dependants or not impact.unknown else names(impact.unknown)
    verdict = Verdict.FAIL if dependants else Verdict.UNKNOWN if impact.unknown else Verdict.PASS
    if verdict is Verdict.PASS:
        return  # one VIOS, but no client depends on it
    where = f"{system.name} ({system.type_model or 'type unknown'}, serial {system.serial})"
    if down:
        title = f"{system.name}: only {vios.name} of its {len(vioses)} VIOS is running"
        design = f"{where} has {len(vioses)} VIOS partitions, but only {vios.name} (id {vios.key.partition_id}) "
        design += f"is running; not running: {down}"
    else:
        title = f"{system.name} is served by a single VIOS ({vios.name})"
        design = f"{where} has one VIOS partition: {vios.name} (id {vios.key.partition_id})"
    yield Finding(
        key=key,
        rule_id=meta.id,
        title=title,
        verdict=verdict,
        severity=meta.severity,
        subject=subject,
        technical=(
            f"{design}. {plural(len(affected), 'client')} depend on it for storage or network: "
            f"{', '.join(affected)}."
        ),
        business=(
            f"{meta.business_impact} {maintenance_phrase(impact, ctx.services)}"
            if verdict is Verdict.FAIL
            else maintenance_phrase(impact, ctx.services)
        ),
        remediation=meta.remediation,
        evidence=(
            system.source,
            *(v.source for v in vioses),
            *(p.source for p in topo.paths_by_vios.get(vios.key, ())),
        ),
        affected_partitions=names(impact.outage) if impact.outage else affected,
        outage=bool(impact.outage),
        references=meta.references,
        facts=(("services", services_phrase(names(impact.outage), ctx.services)),),
    )


def _unknown_or_none(
    system: ManagedSystem,
    vioses: list[Vios],
    running: list[Vios],
    unknown: list[Vios],
    down: str,
    meta: RuleMeta,
    key: str,
    subject: Subject,
) -> Finding:
    """Either the state of some VIOS is unknown (UNKNOWN), or no VIOS is running at all (FAIL)."""
    if unknown:
        states = ", ".join(f"{v.name} ({v.state or 'no state'})" for v in sorted(unknown, key=lambda v: v.name))
        return Finding(
            key=key,
            rule_id=meta.id,
            title=f"{system.name}: cannot tell how many VIOS are running",
            verdict=Verdict.UNKNOWN,
            severity=meta.severity,
            subject=subject,
            technical=f"Running: {', '.join(v.name for v in running) or 'none'}; state unknown: {states}"
            + (f"; not running: {down}" if down else "")
            + ".",
            business="Cannot confirm that this server's partitions survive the maintenance of one VIOS.",
            remediation="Check the VIOS state on the HMC (lssyscfg -r lpar) and re-run.",
            evidence=(system.source, *(v.source for v in vioses)),
            references=meta.references,
        )
    return Finding(
        key=key,
        rule_id=meta.id,
        title=f"{system.name}: no VIOS is running",
        verdict=Verdict.FAIL,
        severity=meta.severity,
        subject=subject,
        technical=f"Not running: {down}; every client using virtual I/O on {system.name} is without it.",
        business="No virtual I/O server is running on this server: its partitions that use virtual I/O cannot run.",
        remediation="Activate the VIOS partitions (and check why they are down) before anything else.",
        evidence=(system.source, *(v.source for v in vioses)),
        references=meta.references,
    )
