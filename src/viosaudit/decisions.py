"""The CAB decisions register: what the change advisory board decided about each proposed change.

``PROP-01`` numbers the changes of one run by severity; next week the same change may be ``PROP-03``.
A decision is therefore kept under the change's stable key (``change_key``): a digest of the finding
keys the change closes (each names its rule, managed-system serial, partition and APAR). The same
change next week closes the same findings and finds its decision again; a change whose scope grew (a
new APAR) is a new change and goes to the board again. The key is computed from the workbook's
"Findings closed" column alone, so ``cab import`` needs nothing but the workbook.

File format (TOML, written by ``viosaudit cab import``, read by ``viosaudit report --decisions``)::

    [[decision]]
    change     = "chg-5d41402abc4b"       # the stable key
    change_id  = "PROP-01"                # as numbered in the workbook it was decided in
    system     = "P7-BRANCH-D"
    decision   = "Approve"                # Approve | Reject | Defer | Accept risk
    decided_by = "J. Smith (CAB chair)"
    decided    = 2026-12-03
    comment    = "Window Saturday 22:00"
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import msgspec

from viosaudit.errors import ConfigError
from viosaudit.schema import PRINTABLE, convert, decode_utf8, read_limited

MAX_BYTES = 16 * 1024 * 1024
Text = Annotated[str, msgspec.Meta(min_length=1, pattern=PRINTABLE)]


class Decision(StrEnum):
    """The values of the workbook's Decision column, exactly as the CAB picks them."""

    APPROVE = "Approve"
    REJECT = "Reject"
    DEFER = "Defer"
    ACCEPT_RISK = "Accept risk"

    @property
    def past(self) -> str:
        return {"Approve": "Approved", "Reject": "Rejected", "Defer": "Deferred", "Accept risk": "Risk accepted"}[
            self.value
        ]


def change_key(finding_keys: Iterable[str]) -> str:
    """The key a change keeps from week to week: ``chg-<12 hex digits of its sorted finding keys>``."""
    digest = hashlib.sha256("\n".join(sorted(set(finding_keys))).encode("utf-8")).hexdigest()[:12]
    return f"chg-{digest}"


@dataclass(frozen=True, slots=True)
class CabDecision:
    change: str  # the stable key
    change_id: str
    system: str
    decision: Decision
    decided_by: str
    decided: date
    comment: str = ""

    @property
    def text(self) -> str:
        """'Approved by J. Smith on 2026-12-03 (PROP-01): Window Saturday 22:00'."""
        said = f": {self.comment}" if self.comment else ""
        return f"{self.decision.past} by {self.decided_by} on {self.decided.isoformat()} (as {self.change_id}){said}"


class DecisionEntry(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    change: Text
    change_id: Annotated[str, msgspec.Meta(pattern=PRINTABLE)] = ""
    system: Annotated[str, msgspec.Meta(pattern=PRINTABLE)] = ""
    decision: Decision
    decided_by: Text
    decided: date
    comment: Annotated[str, msgspec.Meta(pattern=PRINTABLE)] = ""


class DecisionsFile(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    decision: list[DecisionEntry] = msgspec.field(default_factory=list)


def load_decisions(path: Path) -> dict[str, CabDecision]:
    """Read the register: stable change key -> the latest decision recorded for it (later entries win)."""
    data = read_limited(path, MAX_BYTES, ConfigError, "a CAB decisions register")
    try:
        document = tomllib.loads(decode_utf8(data, str(path), ConfigError, "CAB decisions register"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: cannot read the CAB decisions register: {exc}") from exc
    register = convert(document, DecisionsFile, str(path), ConfigError, tables=True)
    out: dict[str, CabDecision] = {}
    for e in register.decision:
        out[e.change] = CabDecision(
            e.change, e.change_id, e.system, e.decision, e.decided_by.strip(), e.decided, e.comment.strip()
        )
    return out


def toml_string(value: str) -> str:
    """A TOML basic string (JSON's escapes are a subset TOML reads the same)."""
    return json.dumps(value, ensure_ascii=False)


def dump_decision(d: CabDecision) -> str:
    """One ``[[decision]]`` table, appended to the register as text (comments in the file survive)."""
    return (
        "\n[[decision]]\n"
        f"change     = {toml_string(d.change)}\n"
        f"change_id  = {toml_string(d.change_id)}\n"
        f"system     = {toml_string(d.system)}\n"
        f"decision   = {toml_string(d.decision.value)}\n"
        f"decided_by = {toml_string(d.decided_by)}\n"
        f"decided    = {d.decided.isoformat()}\n"
        f"comment    = {toml_string(d.comment)}\n"
    )


def decision_for(decisions: Mapping[str, CabDecision], key: str) -> CabDecision | None:
    return decisions.get(key)
