"""lpar_single_path_storage: a client on a dual-VIOS system whose disks or NPIV ports use one VIOS."""

from __future__ import annotations

from collections.abc import Iterator

from viosaudit.model import Estate, PathKind
from viosaudit.rules.base import Finding, RuleContext, RuleMeta, Severity, Subject, SubjectKind, Verdict
from viosaudit.rules.topology import STORAGE
from viosaudit.rules.wording import services_phrase

KIND_WORDS = {PathKind.VSCSI: "vSCSI disks", PathKind.NPIV: "NPIV fibre channel ports"}


def lpar_single_path_storage(estate: Estate, ctx: RuleContext, meta: RuleMeta) -> Iterator[Finding]:
    topo = ctx.topo
    names = {v.key: v.name for v in estate.vioses}
    for client in estate.clients:
        vioses = topo.vioses_by_serial.get(client.key.serial, [])
        if len(vioses) < 2:
            continue  # a single-VIOS system is reported once, by system_single_vios
        single: list[str] = []
        doubtful: list[str] = []
        dual: list[str] = []
        for kind in STORAGE:
            served = topo.served_by(client.key, kind)
            uncollected = [
                v for v in vioses if not topo.collected(v, kind) and topo.may_serve(client.key, v, kind)
            ]
            via = ", ".join(sorted(names.get(k, str(k.partition_id)) for k in served))
            if len(served) >= 2:
                dual.append(f"{KIND_WORDS[kind]} through {via}")
            elif served and not uncollected:
                single.append(f"all {KIND_WORDS[kind]} through {via} only")
            elif uncollected:
                missing = ", ".join(sorted(v.name for v in uncollected))
                doubtful.append(f"{KIND_WORDS[kind]}: mappings of {missing} not collected")
        if not (single or doubtful or dual):
            continue  # no virtual storage at all (dedicated adapters, or not configured)
        verdict = Verdict.FAIL if single else Verdict.UNKNOWN if doubtful else Verdict.PASS
        subject = Subject(
            SubjectKind.LPAR, client.name, client.managed_system, client.key.serial, client.key.partition_id
        )
        parts = single + doubtful + dual
        service = services_phrase([client.name], ctx.services)
        business = {
            Verdict.FAIL: f"{meta.business_impact} Service: {service}.",
            Verdict.UNKNOWN: f"Cannot confirm that VIOS maintenance leaves {client.name} running "
            f"(data missing). Service: {service}.",
            Verdict.PASS: "Keeps running while either VIOS is patched.",
        }[verdict]
        yield Finding(
            key=f"{meta.id}:{client.key.serial}:{client.key.partition_id}",
            rule_id=meta.id,
            title=(
                f"{client.name}: {single[0]}"
                if single
                else f"{client.name}: storage redundancy cannot be confirmed"
                if doubtful
                else f"{client.name}: storage redundant across two VIOS"
            ),
            verdict=verdict,
            severity=meta.severity if verdict is not Verdict.PASS else Severity.INFO,
            subject=subject,
            technical=f"{client.name} (id {client.key.partition_id}) on {client.managed_system}: "
            + "; ".join(parts)
            + ".",
            business=business,
            remediation=meta.remediation if verdict is not Verdict.PASS else "None.",
            evidence=(client.source, *(p.source for p in topo.paths_by_client.get(client.key, ()))),
            affected_partitions=(client.name,),
            outage=verdict is Verdict.FAIL,
            references=meta.references,
        )
