"""Two recorded runs -> what changed (pure: no database here, ``query`` loads the runs).

new        open now, not open before and never open before
reopened   open now, not open before, but open at some earlier time (was fixed, back again)
fixed      open before, passes now or is no longer reported while its server (and VIOS) still is
unjudged   open before and not reported now because its server or VIOS is not in this run's inventory
           (not collected, or removed): never counted as fixed
still open open in both, with the day its open streak began and its age in days
plus acceptances newly in force or expired, VIOS level changes, systems and VIOS added or removed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from viosaudit.rules.base import Verdict


@dataclass(frozen=True, slots=True)
class RunInfo:
    id: int
    zone: str
    snapshot_id: str
    captured_at: str
    captured_day: str
    judged_on: str
    collector: str
    manifest_digest: str
    catalogue_version: str
    catalogue_records: int
    tool_version: str


@dataclass(frozen=True, slots=True)
class FindingState:
    key: str
    rule_id: str
    title: str
    verdict: str
    severity: str
    subject: str
    acceptance: str  # none | active | expired
    open_since: str | None
    first_open: str | None

    @property
    def open(self) -> bool:
        return self.verdict != Verdict.PASS.value


@dataclass(frozen=True, slots=True)
class Machine:
    kind: str  # system | vios
    name: str
    managed_system: str
    serial: str
    level: str | None

    @property
    def ident(self) -> tuple[str, str, str]:
        return (self.kind, self.serial, self.name)


@dataclass(frozen=True, slots=True)
class RunData:
    info: RunInfo
    findings: dict[str, FindingState]  # the open ones (query.load_run); passing ones may be left out
    machines: tuple[Machine, ...]  # systems and VIOS (clients are counted, not diffed)
    clients: int


@dataclass(frozen=True, slots=True)
class StillOpen:
    finding: FindingState
    open_since: str
    age_days: int


@dataclass(frozen=True, slots=True)
class LevelChange:
    vios: str
    managed_system: str
    before: str | None
    after: str | None


@dataclass(frozen=True, slots=True)
class RunDiff:
    before: RunInfo | None
    after: RunInfo
    new: tuple[FindingState, ...]
    reopened: tuple[FindingState, ...]
    fixed: tuple[FindingState, ...]  # the finding as it was when last open
    unjudged: tuple[FindingState, ...]  # open before; its server or VIOS is not in this run: not "fixed"
    still_open: tuple[StillOpen, ...]
    newly_accepted: tuple[FindingState, ...]
    acceptances_expired: tuple[FindingState, ...]
    level_changes: tuple[LevelChange, ...]
    added: tuple[Machine, ...]
    removed: tuple[Machine, ...]

    @property
    def oldest_days(self) -> int | None:
        return max((s.age_days for s in self.still_open), default=None)

    @property
    def days_between(self) -> int | None:
        if self.before is None:
            return None
        return (date.fromisoformat(self.after.captured_day) - date.fromisoformat(self.before.captured_day)).days


def _age(since: str, day: str) -> int:
    return (date.fromisoformat(day) - date.fromisoformat(since)).days


def unjudged_clause(count: int) -> str:
    """Findings that vanished with their server or VIOS: said apart, never counted as fixed."""
    if not count:
        return ""
    return f"; {count} not judged this time (their server or VIOS is missing from this snapshot)"


def _judged(after: RunData) -> Callable[[FindingState], bool]:
    """Whether ``after`` still looked at a finding's subject: its server (the key's serial) is in the
    inventory and, for a VIOS finding ("Server / VIOS"), that VIOS too. A finding that vanished with its
    server was not fixed: that server was not collected (or was removed)."""
    systems = {m.serial for m in after.machines if m.kind == "system"}
    vioses = {(m.serial, m.name) for m in after.machines if m.kind == "vios"}

    def judged(f: FindingState) -> bool:
        parts = f.key.split(":")
        serial = parts[1] if len(parts) > 1 else ""
        if serial not in systems:
            return False
        if f.rule_id.startswith("vios_"):
            return (serial, f.subject.rpartition(" / ")[2]) in vioses
        return True

    return judged


def diff_runs(before: RunData | None, after: RunData) -> RunDiff:
    """What changed from ``before`` to ``after`` (``before`` None: the first run, everything open is new)."""
    old = before.findings if before else {}
    new: list[FindingState] = []
    reopened: list[FindingState] = []
    accepted: list[FindingState] = []
    expired: list[FindingState] = []
    still: list[StillOpen] = []
    for key in sorted(after.findings):
        f = after.findings[key]
        prior = old.get(key)
        was_open = prior is not None and prior.open
        if f.open and not was_open:
            earlier = f.first_open is not None and f.open_since is not None and f.first_open < f.open_since
            (reopened if earlier else new).append(f)
        elif f.open:
            since = f.open_since or after.info.captured_day
            still.append(StillOpen(f, since, _age(since, after.info.captured_day)))
        if f.open and f.acceptance == "active" and (prior is None or prior.acceptance != "active"):
            accepted.append(f)
        if f.open and f.acceptance == "expired" and (prior is None or prior.acceptance != "expired"):
            expired.append(f)
    gone = [f for key, f in sorted(old.items()) if f.open and not (key in after.findings and after.findings[key].open)]
    judged = _judged(after)
    fixed = [f for f in gone if f.key in after.findings or judged(f)]
    unjudged = [f for f in gone if not (f.key in after.findings or judged(f))]
    before_m = {m.ident: m for m in before.machines} if before else {}
    after_m = {m.ident: m for m in after.machines}
    levels = [
        LevelChange(m.name, m.managed_system, before_m[i].level, m.level)
        for i, m in sorted(after_m.items())
        if m.kind == "vios" and i in before_m and before_m[i].level != m.level
    ]
    return RunDiff(
        before=before.info if before else None,
        after=after.info,
        new=tuple(new),
        reopened=tuple(reopened),
        fixed=tuple(fixed),
        unjudged=tuple(unjudged),
        still_open=tuple(sorted(still, key=lambda s: (-s.age_days, s.finding.key))),
        newly_accepted=tuple(accepted),
        acceptances_expired=tuple(expired),
        level_changes=tuple(levels),
        added=tuple(m for i, m in sorted(after_m.items()) if before is not None and i not in before_m),
        removed=tuple(m for i, m in sorted(before_m.items()) if i not in after_m),
    )
