"""What could not be collected or read, one row per host and command, for the Gaps section.

The estate's gaps (a capture missing, a command that failed, output that could not be parsed), plus
each VIOS field whose data is missing without such a gap (e.g. a test estate, an old snapshot): a
datum the rules lacked is always listed, so nothing is unknown without a reason shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from viosaudit.commands import BY_ID, VIOS_DATA
from viosaudit.model import Collected, Estate, SourceRef
from viosaudit.plan.status import observed, vios_gaps


@dataclass(frozen=True, slots=True)
class DataGap:
    status: Collected  # NOT_COLLECTED, UNREADABLE, or CHANGED (after collection)
    host: str
    managed_system: str
    partition: str
    command_id: str
    command: str  # the command line as the index has it (the id when the index does not know it)
    reason: str
    file: str | None = None
    line_no: int | None = None
    source: SourceRef | None = None  # the capture that could not be read, when there is one
    expected: bool = False  # implied by the collection mode (e.g. root-only commands through the HMC)


def data_gaps(estate: Estate) -> tuple[DataGap, ...]:
    rows: dict[tuple[str, str, str], DataGap] = {}
    for g in estate.gaps:
        key = (g.managed_system or "", g.partition or g.host, g.command_id)
        rows.setdefault(
            key,
            DataGap(
                status=g.status,
                host=g.host,
                managed_system=g.managed_system or "",
                partition=g.partition or "",
                command_id=g.command_id,
                command=BY_ID[g.command_id].line if g.command_id in BY_ID else g.command_id,
                reason=g.reason,
                file=g.file,
                line_no=g.line_no,
                expected=g.expected,
            ),
        )
    for v in estate.vioses:
        noted = {g.command_id for g in vios_gaps(estate, v)}
        for command in VIOS_DATA:
            obs = observed(v, command)
            key = (v.managed_system, v.name, command.id)
            if obs.ok or key in rows or command.id in noted:
                continue
            rows[key] = DataGap(
                status=obs.status,
                host=obs.source.host if obs.source and obs.source.host else v.name,
                managed_system=v.managed_system,
                partition=v.name,
                command_id=command.id,
                command=command.line,
                reason=obs.reason or obs.status.value,
                source=obs.source,
            )
    return tuple(sorted(rows.values(), key=lambda r: (r.managed_system, r.partition, r.host, r.command_id)))
