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
from typing import Annotated

import msgspec

from viosaudit.errors import ConfigError
from viosaudit.rules.base import Acceptance, Finding, Verdict
from viosaudit.schema import PRINTABLE, convert, decode_utf8, read_limited

Text = Annotated[str, msgspec.Meta(min_length=1, pattern=PRINTABLE)]
MAX_BYTES = 16 * 1024 * 1024


class AcceptanceEntry(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """One ``[[acceptance]]``: dates are TOML dates (``2027-03-31``), not date-times."""

    finding: Text
    reason: Text
    approver: Text
    decided: date
    expires: date
    change: Annotated[str, msgspec.Meta(pattern=PRINTABLE)] = ""


class RegisterFile(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The register file: ``[[acceptance]]`` tables and nothing else."""

    acceptance: list[AcceptanceEntry] = msgspec.field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Register:
    """The outcome of applying the register: marked findings and acceptances that matched nothing open."""

    findings: tuple[Finding, ...]
    stale: tuple[tuple[Acceptance, str], ...]


def load_acceptances(path: Path) -> tuple[Acceptance, ...]:
    """Read the register, checked against ``AcceptanceEntry``; a bad entry names the file and field."""
    data = read_limited(path, MAX_BYTES, ConfigError, "an accepted-risk register")
    try:
        document = tomllib.loads(decode_utf8(data, str(path), ConfigError, "accepted-risk register"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: cannot read the accepted-risk register: {exc}") from exc
    register = convert(document, RegisterFile, str(path), ConfigError, tables=True)
    out = []
    for number, entry in enumerate(register.acceptance, start=1):
        where = f"{path}: acceptance #{number}"
        if entry.expires < entry.decided:
            raise ConfigError(f"{where}: expires {entry.expires} is before decided {entry.decided}")
        if not entry.approver.strip() or not entry.reason.strip():
            raise ConfigError(f"{where}: an acceptance needs an approver and a reason")
        out.append(
            Acceptance(
                finding=entry.finding,
                reason=entry.reason.strip(),
                approver=entry.approver.strip(),
                decided=entry.decided,
                expires=entry.expires,
                change=entry.change.strip(),
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
