"""Words for the plan's enums and small facts: every status, verdict, severity and effect becomes text
here, once (templates use it as the ``words`` filter, the workbook calls it)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import Enum
from typing import Any

from viosaudit.business import Criticality
from viosaudit.model import Collected
from viosaudit.plan import ClientIo, Design, Effect, EntityStatus, IoDesign, OverallStatus, ProposedChange
from viosaudit.plan.status import ViosState
from viosaudit.rules.base import Acceptance, Severity, Verdict
from viosaudit.rules.catalogue import CVE_ID
from viosaudit.rules.risk import Likelihood
from viosaudit.rules.wording import plural

GAPS_NOTE = (
    "Everything listed here could not be collected or read. Whatever depends on it is reported as "
    "unknown, never as compliant."
)

# Per enum type: members of different StrEnums with the same value ("unknown") are equal as keys.
WORDS: dict[type[Enum], dict[Any, str]] = {
    OverallStatus: {
        OverallStatus.ACTION: "ACTION NEEDED",
        OverallStatus.RISK: "AT RISK",
        OverallStatus.UNKNOWN: "UNKNOWN - DATA MISSING",
        OverallStatus.OK: "OK",
    },
    EntityStatus: {s: s.value for s in EntityStatus},
    Design: {Design.NO_VIOS: "no VIOS found", Design.SINGLE: "single VIOS", Design.DUAL: "dual VIOS"},
    Effect: {
        Effect.STOPPED: "outage: stopped during the fix",
        Effect.ONE_PATH: "outage: depends on the one I/O server being fixed",
        Effect.NOT_RUNNING: "no outage: not running now",
        Effect.NONE: "no outage: the second I/O server keeps it running",
    },
    Severity: {s: s.value.capitalize() for s in Severity},
    Criticality: {c: c.value for c in Criticality},
    Collected: {c: c.value for c in Collected},
    Verdict: {v: v.value.upper() for v in Verdict},
}


def words(value: Enum | bool) -> str:
    """The words for a status, a verdict, a severity, an effect; ``yes``/``no`` for a flag."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return WORDS[type(value)][value]


def finding_status(verdict: Verdict, accepted: bool) -> str:
    """FAIL, UNKNOWN, PASS, or ACCEPTED (FAIL) / ACCEPTED (UNKNOWN) for a risk formally accepted."""
    return f"ACCEPTED ({words(verdict)})" if accepted else words(verdict)


def acceptance_text(a: Acceptance) -> str:
    change = f", change {a.change}" if a.change else ""
    return f"accepted by {a.approver} on {a.decided} until {a.expires}{change}: {a.reason}"


def expired_text(a: Acceptance) -> str:
    return f"acceptance by {a.approver} expired on {a.expires}: open again"


def vios_data(state: ViosState) -> str:
    """ "complete", or what is missing by why: "not collected: interim fixes, filesets"."""
    if state.all_missing:
        return f"{words(state.missing[0].status)}: all"
    if state.missing:
        return "; ".join(f"{words(m.status)}: {', '.join(c.label for c in m.commands)}" for m in state.missing)
    return "see gaps" if state.other_gaps else "complete"


def client_io(io: ClientIo) -> str:
    """A client's redundancy in one line, e.g. "single path: vSCSI disk hdisk4 via vios1 only"."""
    if io.design is IoDesign.NONE:
        return "no virtual I/O recorded"
    if io.design is IoDesign.SINGLE_VIOS:
        return f"single VIOS: all I/O via {io.via}"
    if io.design is IoDesign.SINGLE_PATH:
        return "single path: " + "; ".join(
            f"{s.unit.label} via {s.via[0]} only" if s.via else f"{s.unit.label}: no working path" for s in io.units
        )
    if io.design is IoDesign.UNKNOWN:
        unit = io.units[0]
        return f"unknown: {unit.doubts[0] if unit.doubts else unit.text}"
    return "dual VIOS"


def _likelihood(word: str) -> Likelihood | None:
    try:
        return Likelihood(word)
    except ValueError:
        return None


def likelihood_span(values: Iterable[str]) -> str:
    """ "rare to possible" over the rules' likelihood words (unknown words ignored); "" without any."""
    known = sorted({x for v in values if (x := _likelihood(v)) is not None}, key=lambda x: x.rank)
    if not known:
        return ""
    low, high = known[0].value, known[-1].value
    return low if low == high else f"{low} to {high}"


def defects_phrase(ids: Sequence[str]) -> str:
    """ "3 known IBM defects and 2 known security vulnerabilities": CVE ids are vulnerabilities."""
    cves = sum(1 for i in ids if CVE_ID.fullmatch(i.upper()))
    parts = []
    if len(ids) - cves:
        parts.append(plural(len(ids) - cves, "known IBM defect"))
    if cves:
        parts.append(plural(cves, "known security vulnerability", "known security vulnerabilities"))
    return " and ".join(parts)


def interrupted(ch: ProposedChange) -> tuple[str, ...]:
    return tuple(p for s in ch.services if s.effect.interrupts for p in s.partitions)
