"""CAB decisions read back from the workbook: ``viosaudit cab import viosaudit-cab.xlsx``.

Columns are found by their header name, not their position (the workbook may be re-ordered or gain
columns): on the Changes sheet "Change", "Decision", "Decided by", "Decision date", "CAB comment",
"Findings closed" (and "Title"); on the Findings sheet, when it carries a "Decision" column, "Key" and
the same decision columns. An optional "Expires" column gives an acceptance's expiry.

* "Accept risk" becomes one ``[[acceptance]]`` per finding in the accepted-risks file (approver = decided
  by, reason = the CAB comment or the change's title, expiry = the Expires cell or the decision date plus
  ``default_expiry_days``), and is recorded in the decisions register too;
* "Approve", "Reject", "Defer" are recorded in the CAB decisions register (``viosaudit.decisions``) that
  ``viosaudit report --decisions`` reads.

Every row is checked first; one bad cell refuses the whole import (nothing written) and each problem
names its cell ("Changes!S4: 'Aprove' is not one of ..."). Both files are checked by their own loaders
before they replace the old ones (whole, 0600).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from viosaudit.decisions import CabDecision, Decision, change_key, dump_decision, load_decisions, toml_string
from viosaudit.errors import ConfigError
from viosaudit.files import write_private
from viosaudit.rules.accepted import load_acceptances
from viosaudit.rules.base import Acceptance

CHANGES = "Changes"
FINDINGS = "Findings"
DECISION, DECIDED_BY, DECISION_DATE, COMMENT, EXPIRES = (
    "Decision",
    "Decided by",
    "Decision date",
    "CAB comment",
    "Expires",
)


class CabImportError(ConfigError):
    """The workbook holds bad values; ``problems`` lists each with its cell."""

    def __init__(self, path: Path, problems: Sequence[str]) -> None:
        super().__init__(f"{path}: {len(problems)} problem(s), nothing imported:\n" + "\n".join(problems))
        self.problems = tuple(problems)


@dataclass(frozen=True, slots=True)
class CabImport:
    decisions: tuple[CabDecision, ...]
    acceptances: tuple[Acceptance, ...]
    skipped: int = 0  # rows without any decision


@dataclass
class _Sheet:
    ws: Worksheet
    columns: dict[str, int] = field(default_factory=dict)

    def cell(self, row: int, header: str) -> tuple[Any, str]:
        col = self.columns[header]
        return self.ws.cell(row=row, column=col).value, f"{self.ws.title}!{get_column_letter(col)}{row}"


def _sheet(ws: Worksheet) -> _Sheet:
    sheet = _Sheet(ws)
    for col in range(1, (ws.max_column or 0) + 1):
        value = ws.cell(row=1, column=col).value
        if isinstance(value, str) and value.strip():
            sheet.columns.setdefault(value.strip(), col)
    return sheet


def _text(value: Any) -> str:
    if value is None:
        return ""
    text = str(value).strip()
    return text[1:] if text.startswith("'") else text  # the workbook's formula guard


def _date(value: Any, ref: str, problems: list[str]) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    try:
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        pass
    problems.append(f"{ref}: {text!r} is not a date; enter it as an Excel date or as YYYY-MM-DD")
    return None


def _decision(value: Any, ref: str, problems: list[str]) -> Decision | None:
    text = _text(value)
    for d in Decision:
        if text.lower() == d.value.lower():
            return d
    problems.append(f"{ref}: {text!r} is not one of {', '.join(repr(d.value) for d in Decision)}")
    return None


@dataclass(frozen=True, slots=True)
class _Row:
    decision: Decision
    by: str
    on: date
    comment: str
    expires: date | None


def _row(sheet: _Sheet, row: int, problems: list[str]) -> _Row | None:
    """The decision cells of one row; None when the row holds no decision at all."""
    value, ref = sheet.cell(row, DECISION)
    by, by_ref = sheet.cell(row, DECIDED_BY) if DECIDED_BY in sheet.columns else (None, "")
    on, on_ref = sheet.cell(row, DECISION_DATE) if DECISION_DATE in sheet.columns else (None, "")
    comment = _text(sheet.cell(row, COMMENT)[0]) if COMMENT in sheet.columns else ""
    if not _text(value):
        if _text(by) or on not in (None, ""):
            problems.append(f"{ref}: no decision, but {by_ref or on_ref} is filled in; choose a decision or clear it")
        return None
    before = len(problems)
    decision = _decision(value, ref, problems)
    if not _text(by):
        problems.append(f"{by_ref or ref}: who decided is missing (Decided by)")
    when = _date(on, on_ref, problems) if on not in (None, "") else None
    if on in (None, ""):
        problems.append(f"{on_ref or ref}: the decision date is missing (Decision date)")
    expires = None
    if EXPIRES in sheet.columns:
        cell, exp_ref = sheet.cell(row, EXPIRES)
        expires = _date(cell, exp_ref, problems) if cell not in (None, "") else None
        if expires and when and expires <= when:
            problems.append(f"{exp_ref}: expiry {expires} is not after the decision date {when}")
    if len(problems) > before or decision is None or when is None:
        return None
    return _Row(decision, _text(by), when, " ".join(comment.split()), expires)


def _acceptance(finding: str, r: _Row, reason: str, key: str, days: int) -> Acceptance:
    return Acceptance(
        finding=finding,
        reason=r.comment or reason,
        approver=r.by,
        decided=r.on,
        expires=r.expires or r.on + timedelta(days=days),
        change=key,
    )


def read_cab(path: Path, *, default_expiry_days: int) -> CabImport:
    """Every decision in the workbook, or ``CabImportError`` listing every bad cell."""
    try:
        wb = load_workbook(path, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise ConfigError(f"{path}: cannot read it as an Excel workbook ({type(exc).__name__}: {exc})") from None
    if CHANGES not in wb.sheetnames:
        raise ConfigError(f"{path}: no {CHANGES!r} sheet: not a viosaudit CAB workbook")
    problems: list[str] = []
    decisions: list[CabDecision] = []
    acceptances: list[Acceptance] = []
    skipped = 0
    changes = _sheet(wb[CHANGES])
    missing = [
        h for h in ("Change", DECISION, DECIDED_BY, DECISION_DATE, "Findings closed") if h not in changes.columns
    ]
    if missing:
        raise ConfigError(f"{path}: sheet {CHANGES!r} has no column {', '.join(map(repr, missing))} (row 1 headers)")
    for row in range(2, (changes.ws.max_row or 1) + 1):
        change_id, _id_ref = changes.cell(row, "Change")
        if not _text(change_id):
            continue
        r = _row(changes, row, problems)
        if r is None:
            skipped += 1
            continue
        keys_cell, keys_ref = changes.cell(row, "Findings closed")
        keys = tuple(k.strip() for k in _text(keys_cell).splitlines() if k.strip())
        if not keys:
            problems.append(f"{keys_ref}: no finding keys: the change cannot be identified from week to week")
            continue
        title = _text(changes.cell(row, "Title")[0]) if "Title" in changes.columns else ""
        key = change_key(keys)
        system = _text(changes.cell(row, "Server")[0]) if "Server" in changes.columns else ""
        decisions.append(CabDecision(key, _text(change_id), system, r.decision, r.by, r.on, r.comment))
        if r.decision is Decision.ACCEPT_RISK:
            reason = f"CAB accepted the risk of not doing {_text(change_id)}" + (f" ({title})" if title else "")
            acceptances.extend(_acceptance(k, r, reason, key, default_expiry_days) for k in keys)
    if FINDINGS in wb.sheetnames:
        findings = _sheet(wb[FINDINGS])
        if DECISION in findings.columns and "Key" in findings.columns:
            for row in range(2, (findings.ws.max_row or 1) + 1):
                finding, _ = findings.cell(row, "Key")
                if not _text(finding):
                    continue
                r = _row(findings, row, problems)
                if r is None:
                    continue
                if r.decision is not Decision.ACCEPT_RISK:
                    ref = findings.cell(row, DECISION)[1]
                    problems.append(
                        f"{ref}: {r.decision.value!r} applies to a change; a finding takes 'Accept risk' only"
                    )
                    continue
                acceptances.append(
                    _acceptance(
                        _text(finding), r, f"CAB accepted the risk of {_text(finding)}", "", default_expiry_days
                    )
                )
    if problems:
        raise CabImportError(path, problems)
    return CabImport(tuple(decisions), tuple(acceptances), skipped)


def dump_acceptance(a: Acceptance) -> str:
    return (
        "\n[[acceptance]]\n"
        f"finding  = {toml_string(a.finding)}\n"
        f"reason   = {toml_string(a.reason)}\n"
        f"approver = {toml_string(a.approver)}\n"
        f"decided  = {a.decided.isoformat()}\n"
        f"expires  = {a.expires.isoformat()}\n"
        f"change   = {toml_string(a.change)}\n"
    )


@dataclass(frozen=True, slots=True)
class Written:
    decisions: int  # new entries appended
    acceptances: int
    unchanged: int  # already recorded: not appended again


def _old(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def _what(d: CabDecision | None) -> tuple[object, ...] | None:
    return None if d is None else (d.decision, d.decided_by, d.decided)


def apply_import(found: CabImport, *, accepted: Path, decisions: Path) -> Written:
    """Append what is new to both files; each is checked by its loader before it replaces the old one."""
    have_d = load_decisions(decisions) if decisions.is_file() else {}
    have_a = {(a.finding, a.approver, a.decided) for a in (load_acceptances(accepted) if accepted.is_file() else ())}
    new_d = [d for d in found.decisions if _what(have_d.get(d.change)) != _what(d)]
    new_a = [a for a in found.acceptances if (a.finding, a.approver, a.decided) not in have_a]
    unchanged = len(found.decisions) - len(new_d) + len(found.acceptances) - len(new_a)
    staged: list[tuple[Path, Path]] = []
    try:
        if new_d:
            text = _old(decisions) or "# CAB decisions, written by `viosaudit cab import` (docs/change-records.md)\n"
            tmp = write_private(
                decisions.with_name(f".{decisions.name}.import.part"),
                (text + "".join(map(dump_decision, new_d))).encode(),
            )
            load_decisions(tmp)
            staged.append((tmp, decisions))
        if new_a:
            text = (
                _old(accepted)
                or "# Accepted risks (docs/change-records.md); `viosaudit cab import` appends CAB decisions\n"
            )
            tmp = write_private(
                accepted.with_name(f".{accepted.name}.import.part"),
                (text + "".join(map(dump_acceptance, new_a))).encode(),
            )
            load_acceptances(tmp)
            staged.append((tmp, accepted))
        for tmp, final in staged:
            tmp.replace(final)
    finally:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
    return Written(len(new_d), len(new_a), unchanged)
