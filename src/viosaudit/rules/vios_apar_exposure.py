"""vios_apar_exposure: each VIOS against each APAR of the catalogue, interim-fix aware."""

from __future__ import annotations

import re
from collections.abc import Iterator

from viosaudit.model import Estate, Level, Vios
from viosaudit.rules.apar_match import assess
from viosaudit.rules.base import Finding, RuleContext, RuleMeta, Severity, Subject, SubjectKind, Verdict
from viosaudit.rules.catalogue import Apar, AparType, Catalogue, Feature
from viosaudit.rules.topology import RebootImpact
from viosaudit.rules.wording import maintenance_phrase, names

SEVERITY = {
    AparType.DATA_INTEGRITY: Severity.CRITICAL,
    AparType.HIPER: Severity.HIGH,
    AparType.SECURITY: Severity.HIGH,
    AparType.AVAILABILITY: Severity.MEDIUM,
}


def vios_apar_exposure(estate: Estate, ctx: RuleContext, meta: RuleMeta) -> Iterator[Finding]:
    catalogue = ctx.catalogue
    for vios in estate.vioses:
        impact = ctx.topo.reboot_impact(vios)
        if not vios.level.ok and not vios.filesets.ok:
            yield _level_unknown(vios, catalogue, impact, ctx, meta)
            continue
        for apar in catalogue.apars:
            assessment = assess(vios, apar)
            if assessment.verdict is Verdict.PASS and not assessment.remediated_by:
                continue  # outside every affected range: nothing to say
            verdict = assessment.verdict
            technical = assessment.reason
            scope = _scope_note(vios, apar, assessment.matched)
            if verdict is not Verdict.PASS:
                technical += scope + " " + _preconditions(vios, apar)
            yield Finding(
                key=f"{meta.id}:{vios.key.serial}:{vios.key.partition_id}:{apar.id}",
                rule_id=meta.id,
                title=_title(vios, apar, verdict, by_fileset=bool(scope) and verdict is Verdict.FAIL),
                verdict=verdict,
                severity=SEVERITY.get(apar.type, meta.severity) if verdict is not Verdict.PASS else Severity.INFO,
                subject=_subject(vios),
                technical=technical,
                business=_business(apar, verdict, impact, ctx),
                remediation=_remediation(apar, vios, meta) if verdict is not Verdict.PASS else "None.",
                evidence=assessment.evidence,
                affected_partitions=names(impact.outage) if verdict is not Verdict.PASS else (),
                outage=bool(impact.outage) and verdict is not Verdict.PASS,
                # the IBM security bulletin first (the workbook links the APAR cell to the first reference)
                references=tuple(dict.fromkeys([*filter(None, [apar.bulletin]), *(url for _f, url in apar.sources)])),
                apar=apar.id,
                facts=(
                    ("apar_type", apar.type.value),
                    ("likelihood", apar.likelihood or ""),
                    ("matched", assessment.matched or ""),
                    ("remediated_by", assessment.remediated_by or ""),
                ),
            )


def _subject(vios: Vios) -> Subject:
    return Subject(SubjectKind.VIOS, vios.name, vios.managed_system, vios.key.serial, vios.key.partition_id)


def _title(vios: Vios, apar: Apar, verdict: Verdict, *, by_fileset: bool = False) -> str:
    what = {
        Verdict.FAIL: "exposed to",
        Verdict.UNKNOWN: "exposure unknown for",
        Verdict.PASS: "interim fix installed for",
    }[verdict]
    through = " (by its fileset level)" if by_fileset else ""
    return f"{vios.name} {what} {apar.id}{through}: {apar.title}"[:150]


_TITLED_FOR = re.compile(r"\bVIOS\s+(\d+\.\d+(?:\.\d+)*(?:,\s*\d+\.\d+(?:\.\d+)*)*)")


def _scope_note(vios: Vios, apar: Apar, matched: str | None) -> str:
    """Why a record IBM titled for another VIOS release applies here: a fileset level, not the release."""
    named = [n.strip() for group in _TITLED_FOR.findall(apar.title) for n in group.split(",")]
    fileset = (matched or "").split(" ", 1)[0]
    if not named or fileset not in {fr.fileset for fr in apar.fileset_ranges}:
        return ""  # no release in the title, or matched by VIOS level rather than by a fileset
    if not vios.level.ok or vios.level.value is None:
        return ""
    level = vios.level.value
    if any(level.parts[: len(Level.parse(n).parts)] == Level.parse(n).parts for n in named):
        return ""
    return (
        f" IBM titles this record for VIOS {', '.join(named)}; it applies to this VIOS {level} through the "
        f"fileset {fileset}, whose installed level lies in the affected range, not through its release."
    )


def _business(apar: Apar, verdict: Verdict, impact: RebootImpact, ctx: RuleContext) -> str:
    if verdict is Verdict.PASS:
        return f"Protected against {apar.id} by an interim fix; the fix must be carried into the next service pack."
    likelihood = f" IBM on likelihood: {apar.likelihood}." if apar.likelihood else ""
    return f"{apar.title} ({apar.type.value}).{likelihood} {maintenance_phrase(impact, ctx.services)}"


def _remediation(apar: Apar, vios: Vios, meta: RuleMeta) -> str:
    fix = apar.fix_for(vios.level.value.release if vios.level.ok and vios.level.value else None)
    parts = []
    if fix.levels:
        parts.append("Fixed in " + " / ".join(f"VIOS {level} or later" for level in fix.levels) + ".")
    if fix.ifixes:
        parts.append("Interim fix: " + ", ".join(fix.ifixes) + ".")
    return " ".join([*parts, meta.remediation])


def _preconditions(vios: Vios, apar: Apar) -> str:
    """Say which of IBM's preconditions are visibly in use here (never used to clear the finding)."""
    notes = []
    for feature in apar.preconditions:
        if feature is Feature.VSCSI and vios.vscsi.ok:
            mapped = sum(1 for m in vios.vscsi.value or () if m.devices)
            notes.append(f"vSCSI in use ({mapped} vhost with devices)" if mapped else "no vSCSI mappings now")
        elif feature is Feature.NPIV and vios.npiv.ok:
            mapped = len(vios.npiv.value or ())
            notes.append(f"NPIV in use ({mapped} vfchost)" if mapped else "no NPIV mappings now")
        else:
            notes.append(f"{feature.value}: not determinable from the collected data")
    if apar.client_os:
        notes.append("IBM names clients: " + ", ".join(os.value for os in apar.client_os))
    return f"Preconditions: {'; '.join(notes)}." if notes else ""


def _level_unknown(vios: Vios, catalogue: Catalogue, impact: RebootImpact, ctx: RuleContext, meta: RuleMeta) -> Finding:
    reason = vios.level.reason or vios.filesets.reason or "not collected"
    return Finding(
        key=f"{meta.id}:{vios.key.serial}:{vios.key.partition_id}:*",
        rule_id=meta.id,
        title=f"{vios.name}: APAR exposure unknown (level not collected)",
        verdict=Verdict.UNKNOWN,
        severity=meta.severity,
        subject=_subject(vios),
        technical=f"Neither ioslevel nor lslpp could be read ({reason}); exposure to the "
        f"{len(catalogue.apars)} catalogued APARs cannot be judged.",
        business="We cannot say whether this server is exposed to known defects until its data is collected. "
        + maintenance_phrase(impact, ctx.services),
        remediation="Collect ioslevel, lslpp -Lc and emgr -l from this VIOS (see the gaps) and re-run.",
        evidence=tuple(o.source for o in (vios.level, vios.filesets) if o.source) or (vios.source,),
        affected_partitions=names(impact.outage),
        outage=bool(impact.outage),
        references=meta.references,
    )
