"""system_vios_level_mismatch: the VIOS of one system at different levels, or one exposed and one not."""

from __future__ import annotations

from collections.abc import Iterator

from viosaudit.model import Estate
from viosaudit.rules.apar_match import assess
from viosaudit.rules.base import Finding, RuleContext, RuleMeta, Severity, Subject, SubjectKind, Verdict


def system_vios_level_mismatch(estate: Estate, ctx: RuleContext, meta: RuleMeta) -> Iterator[Finding]:
    catalogue = ctx.catalogue
    for system in estate.systems:
        vioses = sorted(ctx.topo.vioses_by_serial.get(system.serial, []), key=lambda v: v.name)
        if len(vioses) < 2:
            continue
        subject = Subject(SubjectKind.SYSTEM, system.name, system.name, system.serial)
        evidence = tuple(v.level.source or v.source for v in vioses)
        unknown = [v.name for v in vioses if not v.level.ok]
        levels = {v.name: str(v.level.value) for v in vioses if v.level.ok}
        differing = []
        undecided = []
        for apar in catalogue.apars:
            verdicts = {v.name: assess(v, apar).verdict for v in vioses}
            exposed = sorted(n for n, verdict in verdicts.items() if verdict is Verdict.FAIL)
            clear = sorted(n for n, verdict in verdicts.items() if verdict is Verdict.PASS)
            unknown_for = sorted(n for n, verdict in verdicts.items() if verdict is Verdict.UNKNOWN)
            if exposed and clear:
                differing.append(f"{apar.id}: exposed {', '.join(exposed)}, not exposed {', '.join(clear)}")
            elif unknown_for:
                undecided.append(f"{apar.id} ({', '.join(unknown_for)})")
        level_text = ", ".join(f"{name} {level}" for name, level in levels.items())
        if len(set(levels.values())) > 1 or differing:
            verdict = Verdict.FAIL
            technical = f"Levels: {level_text}." + (f" Exposure differs: {'; '.join(differing)}." if differing else "")
            title = (
                f"{system.name}: VIOS at different levels"
                if len(set(levels.values())) > 1
                else (f"{system.name}: VIOS exposed differently to {len(differing)} APAR(s)")
            )
        elif unknown:
            verdict = Verdict.UNKNOWN
            technical = f"Level not collected for {', '.join(unknown)}; known: {level_text or 'none'}."
            title = f"{system.name}: VIOS levels cannot be compared"
        elif undecided:
            verdict = Verdict.UNKNOWN
            technical = (
                f"All VIOS at {next(iter(levels.values()))}, but APAR exposure is unknown for "
                f"{'; '.join(undecided[:5])}{' and more' if len(undecided) > 5 else ''}: whether the VIOS "
                "carry the same fixes cannot be compared."
            )
            title = f"{system.name}: VIOS at the same level, exposure not comparable"
        else:
            verdict = Verdict.PASS
            technical = f"All VIOS at {next(iter(levels.values()))} with the same APAR exposure."
            title = f"{system.name}: VIOS at the same level"
        yield Finding(
            key=f"{meta.id}:{system.serial}",
            rule_id=meta.id,
            title=title,
            verdict=verdict,
            severity=meta.severity if verdict is not Verdict.PASS else Severity.INFO,
            subject=subject,
            technical=technical,
            business=meta.business_impact
            if verdict is Verdict.FAIL
            else (
                "Cannot tell whether the VIOS were maintained together (data missing)."
                if verdict is Verdict.UNKNOWN
                else "The VIOS were maintained together."
            ),
            remediation=meta.remediation if verdict is not Verdict.PASS else "None.",
            evidence=evidence,
            references=meta.references,
        )
