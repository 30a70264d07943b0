"""vios_disk_reserve: a vSCSI disk served to one client through two VIOS, reserved by one of them.

With MPIO across two VIOS the same LUN is open on both; a SCSI-2 reserve (``single_path``) or an
exclusive persistent reserve (``PR_exclusive``) held by one VIOS makes I/O through the other fail
with a reservation conflict, so the second path that dual VIOS promises is not there. IBM: to use an
MPIO configuration at the client, none of the virtual SCSI devices on the VIOS can reserve the disk;
set ``reserve_policy`` to ``no_reserve`` (``PR_shared`` is IBM's other accepted value, for LPM with
SCSI-3 persistent reserve support). One finding per VIOS: a missing capture would otherwise give a
finding per disk.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from viosaudit.model import BackingKind, DiskReserve, Estate, IoPath, PathKind, SourceRef, Vios
from viosaudit.rules.base import Finding, RuleContext, RuleMeta, Severity, Subject, SubjectKind, Verdict
from viosaudit.rules.topology import Topology
from viosaudit.rules.wording import services_phrase

BLOCKING = frozenset({"single_path", "PR_exclusive"})
SHAREABLE = frozenset({"no_reserve", "PR_shared"})


def vios_disk_reserve(estate: Estate, ctx: RuleContext, meta: RuleMeta) -> Iterator[Finding]:
    topo = ctx.topo
    clients = {c.key: c for c in estate.clients}
    shared, single_devices = _multipath_disks(estate, topo)
    for vios in estate.vioses:
        # the client disks this VIOS serves whose LUN another VIOS serves to the same client too (MPIO)
        paths = [p for p in topo.paths_by_vios.get(vios.key, ()) if p in shared]
        if not paths:
            continue
        served = {q.client for q in paths}
        skipped = sorted(
            {
                f"{p.device} ({p.backing.value if p.backing else '?'})"
                for p in single_devices
                if p.vios == vios.key and p.client in served
            }
        )
        not_judged = f" Not judged: {', '.join(skipped)}: no reserve policy." if skipped else ""
        subject = Subject(SubjectKind.VIOS, vios.name, vios.managed_system, vios.key.serial, vios.key.partition_id)
        key = f"{meta.id}:{vios.key.serial}:{vios.key.partition_id}"
        client_names = sorted({clients[p.client].name for p in paths})
        lsmap = tuple(p.source for p in paths)
        if not vios.disk_reserve.ok:
            yield Finding(
                key=key,
                rule_id=meta.id,
                title=f"{vios.name}: cannot tell: reserve_policy not collected",
                verdict=Verdict.UNKNOWN,
                severity=meta.severity,
                subject=subject,
                technical=f"reserve_policy of the disks {vios.name} serves to dual-VIOS clients "
                f"({', '.join(client_names)}) is {vios.disk_reserve.status.value}: "
                f"{vios.disk_reserve.reason or 'no reason recorded'}.{not_judged}",
                business="Cannot confirm that the second VIOS path of these partitions' disks works "
                f"(data missing). Service: {services_phrase(client_names, ctx.services)}.",
                remediation="Collect the disk_reserve command on this VIOS (reach it directly as padmin, "
                "or run the offline capture script as root).",
                evidence=((vios.disk_reserve.source,) if vios.disk_reserve.source else ()) + lsmap,
                affected_partitions=tuple(client_names),
                references=meta.references,
            )
            continue
        policies = {d.disk: d for d in vios.disk_reserve.value or ()}
        blocked: dict[str, list[str]] = defaultdict(list)  # client -> "hdisk7 single_path"
        doubtful: list[str] = []
        checked: list[DiskReserve] = []
        reserved: list[str] = []  # the disks to change
        for p in paths:
            name = clients[p.client].name
            disk = p.device or ""
            record = policies.get(disk)
            if record is None:
                doubtful.append(f"{disk} ({name}): not listed by lsdev -Cc disk")
                continue
            checked.append(record)
            if record.reserve_policy in BLOCKING:
                blocked[name].append(f"{disk} {record.reserve_policy}")
                reserved.append(disk)
            elif record.reserve_policy not in SHAREABLE:
                doubtful.append(f"{disk} ({name}): reserve_policy {record.reserve_policy or 'unreadable'}")
        evidence = tuple(_line(vios, d) for d in checked) + lsmap
        remediation = meta.remediation
        if blocked:
            verdict = Verdict.FAIL
            affected = sorted(blocked)
            count = sum(len(v) for v in blocked.values())
            title = f"{vios.name}: {count} backing disk(s) of dual-VIOS clients hold a SCSI reserve"
            technical = (
                f"On {vios.name}: "
                + "; ".join(f"{c}: {', '.join(blocked[c])}" for c in affected)
                + ". These disks are also served through another VIOS (MPIO at the client); the reserve "
                "held by one VIOS blocks I/O through the other, so failover to the second path fails."
                + (f" Also unknown: {'; '.join(doubtful)}." if doubtful else "")
                + not_judged
            )
            business = f"{meta.business_impact} Service: {services_phrase(affected, ctx.services)}."
            disks = sorted(set(reserved), key=_natural)
            commands = ", ".join(f"`chdev -dev {d} -attr reserve_policy=no_reserve -perm`" for d in disks)
            remediation = f"On {vios.name}: {commands}. {meta.remediation}"
        elif doubtful:
            verdict = Verdict.UNKNOWN
            affected = client_names
            title = f"{vios.name}: reserve_policy of some backing disks unknown"
            technical = f"On {vios.name}: {'; '.join(doubtful)}.{not_judged}"
            business = "Cannot confirm that the second VIOS path of these partitions' disks works (data missing)."
        else:
            verdict = Verdict.PASS
            affected = client_names
            title = f"{vios.name}: backing disks of dual-VIOS clients carry no blocking reserve"
            technical = (
                f"{len(checked)} backing disk(s) served by {vios.name} to {', '.join(client_names)}: "
                f"reserve_policy {', '.join(sorted({d.reserve_policy or '' for d in checked}))}.{not_judged}"
            )
            business = "Either VIOS can carry these disks while the other is maintained."
        yield Finding(
            key=key,
            rule_id=meta.id,
            title=title,
            verdict=verdict,
            severity=meta.severity if verdict is not Verdict.PASS else Severity.INFO,
            subject=subject,
            technical=technical,
            business=business,
            remediation=remediation if verdict is not Verdict.PASS else "None.",
            evidence=evidence,
            affected_partitions=tuple(affected),
            references=meta.references,
        )


def _multipath_disks(estate: Estate, topo: Topology) -> tuple[set[IoPath], set[IoPath]]:
    """(hdisk paths whose LUN reaches the client through two or more VIOS, logical volume / file paths)."""
    shared: set[IoPath] = set()
    single: set[IoPath] = set()
    for client in estate.clients:
        for status in topo.unit_statuses(client, PathKind.VSCSI):
            paths = status.unit.paths
            if any(p.backing is not None and p.backing.single_by_construction for p in paths):
                single.update(paths)
            elif len({p.vios for p in paths}) >= 2:
                shared.update(p for p in paths if p.backing is BackingKind.DISK)
    return shared, single


def _natural(disk: str) -> tuple[str, int]:
    """hdisk2 before hdisk10."""
    head = disk.rstrip("0123456789")
    return (head, int(disk[len(head) :] or 0))


def _line(vios: Vios, record: DiskReserve) -> SourceRef:
    src = vios.disk_reserve.source
    assert src is not None
    return SourceRef(src.capture, record.span.first, record.span.last, src.host, src.command)
