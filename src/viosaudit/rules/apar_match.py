"""Is one VIOS exposed to one catalogue APAR? Level and fileset ranges first, then interim fixes.

The answer is an ``Assessment`` whose verdict follows principle 7: data that is missing or
unreadable gives UNKNOWN with the reason, never PASS.

Decision order:

1. Exposure by level. With filesets collected, the record's fileset ranges decide (they are what
   IBM's APAR text and FLRT compare; ``ioslevel`` alone misses single-fileset updates). Without
   filesets, the record's VIOS level ranges decide if it has any; otherwise UNKNOWN.
2. If affected: an interim fix in force (``emgr -l`` state S/M/P/SP) whose label is one the record
   names, or whose label or abstract carries the APAR id, remediates -> PASS. A matching ifix that
   is not in force (Q reboot required, B broken, U unmounted ...) does not -> FAIL, saying so.
3. Affected level and ifixes NOT collected -> UNKNOWN, not FAIL. Why: the verdict must state what
   the evidence shows. The level is proven affected, the remediation is not proven absent, and a FAIL
   would put "exposed" into the change-ticket evidence for a VIOS that may carry the ifix. The
   Assessment keeps ``level_affected=True`` so the rule can rank this UNKNOWN with the FAILs and ask
   for ``emgr -l``; either way it is never a PASS, which is the error that matters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from viosaudit.model import Fileset, Ifix, IfixState, Level, Observed, SourceRef, Vios
from viosaudit.rules.base import Verdict
from viosaudit.rules.catalogue import Apar, Feature, FilesetRange, LevelRange, in_release

STATE_WORDS = {
    IfixState.STABLE: "S (stable)",
    IfixState.MOUNTED: "M (mounted)",
    IfixState.UNMOUNTED: "U (unmounted)",
    IfixState.REBOOT_REQUIRED: "Q (reboot required)",
    IfixState.BROKEN: "B (broken)",
    IfixState.INSTALLING: "I (installing)",
    IfixState.REMOVING: "R (removing)",
    IfixState.TESTING: "T (testing)",
    IfixState.PATCHED: "P (patched)",
    IfixState.NOT_PATCHED: "N (not patched)",
    IfixState.STABLE_PATCHED: "SP (stable, patched)",
    IfixState.STABLE_NOT_PATCHED: "SN (stable, not patched)",
    IfixState.REBOOT_PATCHED: "QP (reboot required, patched)",
    IfixState.REBOOT_NOT_PATCHED: "QN (reboot required, not patched)",
    IfixState.REMOVING_REBOOT: "RQ (removal needs reboot)",
}


# Why an interim fix in this state does not protect, in the words an administrator acts on.
NOT_IN_FORCE = {
    IfixState.REBOOT_REQUIRED: "installed, not in force until the VIOS is rebooted",
    IfixState.REBOOT_PATCHED: "installed, not in force until the VIOS is rebooted",
    IfixState.REBOOT_NOT_PATCHED: "installed, not in force until the VIOS is rebooted",
    IfixState.BROKEN: "broken, not in force (emgr could not complete it: remove it and install it again)",
    IfixState.UNMOUNTED: "unmounted, not in force",
    IfixState.INSTALLING: "still being installed, not in force",
    IfixState.REMOVING: "being removed, not in force",
    IfixState.REMOVING_REBOOT: "removed, awaiting a reboot: not in force",
    IfixState.TESTING: "tested only, not committed: not in force",
    IfixState.NOT_PATCHED: "its files are not patched: not in force",
    IfixState.STABLE_NOT_PATCHED: "its files are not patched: not in force",
}


@dataclass(frozen=True, slots=True)
class Assessment:
    """One VIOS against one APAR.

    ``matched`` names the range that matched (``"ioslevel 2.2.5.10 in 2.2.5.0-2.2.5.20"``);
    ``remediated_by`` the ifix label that makes an affected VIOS safe; ``level_affected`` is True
    when the level or fileset lies in an affected range (also for an UNKNOWN caused by missing ifix
    data), False when it does not, None when the level data itself was missing.
    """

    apar_id: str
    verdict: Verdict
    reason: str
    evidence: tuple[SourceRef, ...]
    matched: str | None = None
    remediated_by: str | None = None
    level_affected: bool | None = None


@dataclass(frozen=True, slots=True)
class _Exposure:
    affected: bool | None
    reason: str
    matched: str | None
    evidence: tuple[SourceRef, ...]


def _missing(obs: Observed[Any], what: str, command: str) -> str:
    why = f": {obs.reason}" if obs.reason else ""
    return f"{what} ({command}) {obs.status.value}{why}"


def _refs(*observed: Observed[Any]) -> tuple[SourceRef, ...]:
    return tuple(o.source for o in observed if o.source is not None)


def _level(vios: Vios) -> Level | None:
    return vios.level.value if vios.level.ok else None


def _filesets(vios: Vios) -> tuple[Fileset, ...] | None:
    return vios.filesets.value if vios.filesets.ok and vios.filesets.value is not None else None


CORE_FILESET = "bos.rte"  # on every AIX and VIOS: a listing without it is not a complete lslpp -Lc


def _by_filesets(vios: Vios, apar: Apar, filesets: tuple[Fileset, ...]) -> _Exposure:
    installed = {fs.fileset: fs.level for fs in filesets}
    lines = {fs.fileset: fs.span for fs in filesets}
    level = _level(vios)
    complete = CORE_FILESET in installed
    definite: list[str] = []
    matched_filesets: list[str] = []
    possible: list[str] = []
    outside: list[str] = []
    absent: list[str] = []
    for fr in apar.fileset_ranges:
        have = installed.get(fr.fileset)
        if have is None:
            absent.append(fr.fileset)
            outside.append(f"{fr.fileset} not installed")
            continue
        if not fr.matches(have):
            outside.append(f"{fr.fileset} {have} outside {fr.describe()}")
            continue
        if fr.release is None:
            definite.append(fr.explain(have))
            matched_filesets.append(fr.fileset)
        elif level is None:
            possible.append(f"{fr.explain(have)} (IBM's range for VIOS {fr.release}.x)")
        elif in_release(level, fr.release):
            definite.append(fr.explain(have))
            matched_filesets.append(fr.fileset)
        else:
            outside.append(f"{fr.fileset} {have}: range applies to VIOS {fr.release}.x, this VIOS is {level}")
    used_level = any(fr.release for fr in apar.fileset_ranges)
    evidence = _refs(vios.filesets, vios.level) if used_level else _refs(vios.filesets)
    if definite:
        # cite the matching fileset's own line, not the whole listing
        line = lines.get(matched_filesets[0])
        src = vios.filesets.source
        if line is not None and src is not None:
            exact = SourceRef(src.capture, line.first, line.last, src.host, src.command)
            evidence = (exact, *(e for e in evidence if e != src))
        return _Exposure(True, f"affected: {definite[0]}", definite[0], evidence)
    if possible:
        return _Exposure(
            None,
            f"{possible[0]}, but {_missing(vios.level, 'the VIOS level', 'ioslevel')}, so it cannot be told "
            "whether that range applies",
            possible[0],
            evidence,
        )
    if absent and not complete:
        return _Exposure(
            None,
            f"{', '.join(dict.fromkeys(absent))} not listed, but the fileset listing (lslpp -Lc) has no "
            f"{CORE_FILESET} ({len(installed)} filesets), so it looks incomplete: not installed cannot be concluded",
            None,
            evidence,
        )
    return _Exposure(False, "not affected: " + "; ".join(dict.fromkeys(outside)), None, evidence)


def _by_level(apar: Apar, level: Level) -> tuple[bool, str, str | None]:
    line = level.release
    for lr in apar.level_ranges:
        if lr.release != line:
            continue
        if lr.contains(level):
            return True, f"affected: ioslevel {level} in {lr.describe()}", f"ioslevel {level} in {lr.describe()}"
        if lr.fixed is not None and level >= lr.fixed:
            return False, f"not affected: ioslevel {level} is at or after the fixed level {lr.fixed}", None
        return False, f"not affected: ioslevel {level} outside {lr.describe()}", None
    lines = ", ".join(lr.release for lr in apar.level_ranges)
    return False, f"not affected: ioslevel {level} is on release line {line}; affected lines: {lines}", None


def _exposure(vios: Vios, apar: Apar) -> _Exposure:
    filesets = _filesets(vios)
    if apar.fileset_ranges and filesets is not None:
        return _by_filesets(vios, apar, filesets)
    if apar.level_ranges:
        level = _level(vios)
        if level is None:
            what = _missing(vios.level, "the VIOS level", "ioslevel")
            extra = ""
            if apar.fileset_ranges:
                extra = f" and {_missing(vios.filesets, 'filesets', 'lslpp')}"
            return _Exposure(None, f"{what}{extra}: cannot tell whether {apar.id} applies", None, _refs(vios.level))
        affected, reason, matched = _by_level(apar, level)
        if apar.fileset_ranges:
            reason += f" (judged by ioslevel: {_missing(vios.filesets, 'filesets', 'lslpp')})"
        return _Exposure(affected, reason, matched, _refs(vios.level))
    what = _missing(vios.filesets, "filesets", "lslpp")
    level = _level(vios)
    if level is not None and apar.fileset_ranges:
        reasons = [_outside_line(fr, level) for fr in apar.fileset_ranges]
        if all(reasons):
            text = "; ".join(dict.fromkeys(r for r in reasons if r))
            return _Exposure(False, f"not affected: {text} ({what})", None, _refs(vios.level))
    return _Exposure(
        None,
        f"{what}: {apar.id} is defined by fileset levels ({affected_text(apar)}), so exposure cannot be told",
        None,
        _refs(vios.level),
    )


# The AIX base of each VIOS version line: VIOS 2.2 runs on AIX 6.1, 3.1 on AIX 7.2, 4.1 on AIX 7.3, and
# its base filesets carry that AIX level (6.1.9.x, 7.2.x, 7.3.x). IBM: VIOS 3.1 and 4.1 release notes.
VIOS_AIX_BASE: dict[tuple[int, ...], tuple[int, ...]] = {(2, 2): (6, 1), (3, 1): (7, 2), (4, 1): (7, 3)}


def _outside_line(fr: FilesetRange, level: Level) -> str | None:
    """Why a fileset range cannot apply to a VIOS at ``level`` without reading its filesets, or None.

    Two safe cases only: IBM scoped the range to another release line; or the range is in AIX-base
    numbering (its upper bound is 6.1.x, 7.2.x...) below the AIX base this VIOS line runs on, so every
    base fileset of this VIOS is above it.
    """
    if fr.release is not None:
        if in_release(level, fr.release):
            return None
        return f"IBM's range is for VIOS {fr.release}.x, this VIOS is {level}"
    base = VIOS_AIX_BASE.get((level.parts[0], level.parts[1]) if len(level.parts) > 1 else (level.parts[0], 0))
    if base is None or fr.high is None or tuple(fr.high.parts[:2]) not in VIOS_AIX_BASE.values():
        return None
    if tuple(fr.high.parts[:2]) < base:
        return f"{fr.fileset} range ({fr.describe()}) is below AIX {base[0]}.{base[1]}, the base of VIOS {level}"
    return None


def _token(apar_id: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![A-Za-z0-9]){re.escape(apar_id)}(?![0-9])", re.IGNORECASE)


def ifix_remediates(ifix: Ifix, apar: Apar) -> bool:
    """Whether an installed ifix is one that fixes ``apar`` (named label, or the id in label/abstract)."""
    labels = {label.upper() for label in apar.remediation_labels}
    if ifix.label.upper() in labels:
        return True
    return any(_token(i).search(ifix.label) or _token(i).search(ifix.abstract) for i in apar.remediation_ids)


def _by_ifixes(vios: Vios, apar: Apar, exposure: _Exposure) -> Assessment:
    if not vios.ifixes.ok or vios.ifixes.value is None:
        what = _missing(vios.ifixes, "interim fixes", "emgr -l")
        return Assessment(
            apar.id,
            Verdict.UNKNOWN,
            f"{exposure.reason}; {what}: cannot tell whether an interim fix for {apar.id} is installed",
            exposure.evidence,
            matched=exposure.matched,
            level_affected=True,
        )
    evidence = exposure.evidence + _refs(vios.ifixes)
    candidates = [fx for fx in vios.ifixes.value if ifix_remediates(fx, apar)]
    in_force = [fx for fx in candidates if fx.state.effective]
    if in_force:
        fx = in_force[0]
        return Assessment(
            apar.id,
            Verdict.PASS,
            f"{exposure.reason}; interim fix {fx.label} installed, state {STATE_WORDS[fx.state]}: remediated",
            evidence,
            matched=exposure.matched,
            remediated_by=fx.label,
            level_affected=True,
        )
    if candidates:
        fx = candidates[0]
        return Assessment(
            apar.id,
            Verdict.FAIL,
            f"{exposure.reason}; interim fix {fx.label} is present but in state {STATE_WORDS[fx.state]}: "
            f"{NOT_IN_FORCE.get(fx.state, 'not in force')}",
            evidence,
            matched=exposure.matched,
            level_affected=True,
        )
    count = len(vios.ifixes.value)
    return Assessment(
        apar.id,
        Verdict.FAIL,
        f"{exposure.reason}; no interim fix for {apar.id} installed (emgr -l lists {count} fix(es), "
        f"none named {', '.join(apar.remediation_labels) or apar.id})",
        evidence,
        matched=exposure.matched,
        level_affected=True,
    )


def assess(vios: Vios, apar: Apar) -> Assessment:
    """Judge one VIOS against one APAR record (see the module docstring for the order of checks)."""
    exposure = _exposure(vios, apar)
    if exposure.affected is None:
        return Assessment(
            apar.id,
            Verdict.UNKNOWN,
            exposure.reason,
            exposure.evidence,
            matched=exposure.matched,
            level_affected=None,
        )
    if not exposure.affected:
        return Assessment(apar.id, Verdict.PASS, exposure.reason, exposure.evidence, level_affected=False)
    return _by_ifixes(vios, apar, exposure)


# ---------------------------------------------------------------- helpers for rules and reports


def affected_text(apar: Apar) -> str:
    """Plain description of who is affected, e.g. for a finding: 'VIOS 3.1.0 before 3.1.0.60; ...'."""
    parts: list[str] = []
    for lr in apar.level_ranges:
        parts.append(f"VIOS {_level_range_text(lr)}")
    for fr in apar.fileset_ranges:
        parts.append(fr.describe())
    return "; ".join(parts) if parts else "no ranges"


def _level_range_text(lr: LevelRange) -> str:
    if lr.high is not None:
        text = f"{lr.low or lr.release + '.0'}-{lr.high}"
    elif lr.fixed is not None:
        text = f"{lr.release}.x before {lr.fixed}"
    else:
        text = f"{lr.release}.x (no fixed level published)"
    return text + (f" (fixed in {lr.fixed})" if lr.fixed is not None and lr.high is not None else "")


def fixed_level_for(apar: Apar, level: Level) -> Level | None:
    """The VIOS level that fixes ``apar`` on the release line of ``level``, when IBM published one."""
    for lr in apar.level_ranges:
        if in_release(level, lr.release):
            return lr.fixed
    return None


@dataclass(frozen=True, slots=True)
class Precondition:
    """Whether one feature an APAR needs is in use on the VIOS: True, False, or None (not known)."""

    feature: Feature
    in_use: bool | None
    reason: str


def preconditions(vios: Vios, apar: Apar) -> tuple[Precondition, ...]:
    """The state of each feature IBM names for ``apar``; a missing capture gives None, never False.

    LPM and SSP use are not collected by viosaudit yet, so they are always None.
    """
    out: list[Precondition] = []
    for feature in apar.preconditions:
        if feature is Feature.VSCSI:
            obs_v = vios.vscsi
            if obs_v.ok and obs_v.value is not None:
                used = any(m.devices for m in obs_v.value)
                out.append(Precondition(feature, used, f"lsmap -all: {'VTDs mapped' if used else 'no VTDs'}"))
            else:
                out.append(Precondition(feature, None, _missing(obs_v, "vSCSI mappings", "lsmap -all")))
        elif feature is Feature.NPIV:
            obs_n = vios.npiv
            if obs_n.ok and obs_n.value is not None:
                used = any(m.fc_port for m in obs_n.value)
                text = "vfchost mapped" if used else "none mapped"
                out.append(Precondition(feature, used, f"lsmap -all -npiv: {text}"))
            else:
                out.append(Precondition(feature, None, _missing(obs_n, "NPIV mappings", "lsmap -all -npiv")))
        elif feature is Feature.SEA:
            obs_s = vios.network
            if obs_s.ok and obs_s.value is not None:
                used = any(m.sea for m in obs_s.value)
                out.append(Precondition(feature, used, f"lsmap -all -net: {'SEA present' if used else 'no SEA'}"))
            else:
                out.append(Precondition(feature, None, _missing(obs_s, "SEA mappings", "lsmap -all -net")))
        else:
            out.append(Precondition(feature, None, f"{feature.value} use is not collected by viosaudit"))
    return tuple(out)
