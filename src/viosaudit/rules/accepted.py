"""The accepted-risk register: management may decide that a patch outage is the bigger risk.

The decision is recorded, not used to hide anything: an accepted finding stays in every report, marked
with who accepted it and until when; after expiry it reopens by itself; an acceptance that matches no
open finding is reported as stale (fixed, renamed, or a typo).

File format (TOML)::

    [[acceptance]]
    finding  = "system_single_vios:21ABCDE"     # a finding key, as printed in the reports
    reason   = "Branch closes in March; no budget for a second VIOS"
    approver = "Head of Infrastructure"
    decided  = 2026-11-02
    expires  = 2027-03-31
    change   = "CHG0041231"
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from viosaudit.errors import ConfigError
from viosaudit.rules.base import Acceptance, Finding, Verdict

FIELDS = {"finding", "reason", "approver", "decided", "expires", "change"}
REQUIRED = FIELDS - {"change"}


@dataclass(frozen=True, slots=True)
class Register:
    """The outcome of applying the register: marked findings and acceptances that matched nothing open."""

    findings: tuple[Finding, ...]
    stale: tuple[tuple[Acceptance, str], ...]


def load_acceptances(path: Path) -> tuple[Acceptance, ...]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the accepted-risk register: {exc}") from exc
    entries: list[dict[str, Any]] = data.get("acceptance", [])
    out = []
    for number, entry in enumerate(entries, start=1):
        where = f"{path}: acceptance #{number}"
        unknown, missing = set(entry) - FIELDS, REQUIRED - set(entry)
        if unknown or missing:
            raise ConfigError(f"{where}: unknown fields {sorted(unknown)}, missing fields {sorted(missing)}")
        for name in ("decided", "expires"):
            if not isinstance(entry[name], date):
                raise ConfigError(f"{where}: {name} must be a TOML date such as 2027-03-31")
        if entry["expires"] < entry["decided"]:
            raise ConfigError(f"{where}: expires {entry['expires']} is before decided {entry['decided']}")
        if not str(entry["approver"]).strip() or not str(entry["reason"]).strip():
            raise ConfigError(f"{where}: an acceptance needs an approver and a reason")
        out.append(
            Acceptance(
                finding=str(entry["finding"]),
                reason=str(entry["reason"]).strip(),
                approver=str(entry["approver"]).strip(),
                decided=entry["decided"],
                expires=entry["expires"],
                change=str(entry.get("change", "")).strip(),
            )
        )
    return tuple(out)


def apply_acceptances(findings: tuple[Finding, ...], acceptances: tuple[Acceptance, ...], today: date) -> Register:
    """Mark open findings covered by an acceptance in force; expired ones reopen and say so."""
    by_key = {a.finding: a for a in acceptances}
    keys = {f.key: f for f in findings}
    marked = []
    for f in findings:
        a = by_key.get(f.key)
        if a is None or f.verdict is Verdict.PASS:
            marked.append(f)
        elif a.active(today):
            marked.append(replace(f, acceptance=a))
        else:
            marked.append(replace(f, acceptance_expired=a))
    stale = []
    for a in acceptances:
        found = keys.get(a.finding)
        if found is None:
            stale.append((a, "matches no finding in this snapshot (fixed, renamed or mistyped key)"))
        elif found.verdict is Verdict.PASS:
            stale.append((a, "the finding now passes: the acceptance can be retired"))
    return Register(tuple(marked), tuple(stale))
