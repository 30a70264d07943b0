"""Findings for machines: one JSON document (``findings.json``, ``viosaudit report --json``) and a flat CSV.

The document's shape is fixed by ``schemas/findings.schema.json`` and described in
docs/findings-schema.md; ``schema_version`` changes its major number whenever a key is removed or its
meaning changes, its minor number when a key is added. Keys never depend on the wording of the reports:
verdicts and severities are the rules' lower-case values, dates are ISO 8601.

Example::

    doc = findings_document(view, findings, snapshot)
    doc.as_dict()["findings"][0]["verdict"]   # "fail"
    write_csv(doc, sys.stdout)                # one row per finding, formula starts neutralised
"""

from __future__ import annotations

import csv
import json
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from importlib import resources
from typing import Any, TextIO

from viosaudit.errors import SnapshotError
from viosaudit.model import SourceRef
from viosaudit.render.sheets import safe_text
from viosaudit.render.view import FindingRow, ReportView
from viosaudit.rules.base import Acceptance, Finding, SubjectKind
from viosaudit.snapshot import Snapshot

SCHEMA_VERSION = "1.0"
SCHEMA_ID = "https://viosaudit.invalid/schemas/findings-1.schema.json"
FORMATS = ("json", "csv")
FILE_NAMES = {"json": "findings.json", "csv": "findings.csv"}
MAX_EVIDENCE_LINES = 40  # per evidence reference; the zip holds the whole capture
CAPTURES_KEPT = 64  # captures kept split in lines while the document is written (most recently cited)

CSV_COLUMNS = (
    "key", "rule", "verdict", "status", "accepted", "severity", "managed_system", "serial", "vios", "client",
    "subject", "title", "why", "business_impact", "remediation", "apar", "references", "outage",
    "affected_partitions", "likelihood", "impact", "acceptance_approver", "acceptance_expires",
    "acceptance_in_force", "evidence", "snapshot_id", "captured_at",
)  # fmt: skip


def schema() -> dict[str, Any]:
    """The JSON Schema of the document, as shipped in the package."""
    text = resources.files("viosaudit").joinpath("schemas/findings.schema.json").read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


class _Lines:
    """The text of each capture, read once, for the evidence lines a finding cites."""

    def __init__(self, snapshot: Snapshot | None) -> None:
        self._snapshot = snapshot
        self._by_file = {c.file: c for c in snapshot.manifest.captures} if snapshot else {}
        self._cache: OrderedDict[str, list[str] | None] = OrderedDict()

    def get(self, ref: SourceRef) -> list[str] | None:
        if ref.capture in self._cache:
            self._cache.move_to_end(ref.capture)
        else:
            capture = self._by_file.get(ref.capture)
            text: list[str] | None = None
            if capture is not None and self._snapshot is not None:
                try:
                    text = self._snapshot.read(capture).splitlines()
                except SnapshotError:
                    text = None
            self._cache[ref.capture] = text
            if len(self._cache) > CAPTURES_KEPT:
                self._cache.popitem(last=False)
        lines = self._cache[ref.capture]
        if lines is None:
            return None
        first = max(ref.first_line, 1)
        return lines[first - 1 : min(ref.last_line, first + MAX_EVIDENCE_LINES - 1)]


def _acceptance(a: Acceptance | None, in_force: bool) -> dict[str, Any] | None:
    if a is None:
        return None
    return {
        "approver": a.approver,
        "reason": a.reason,
        "decided": a.decided.isoformat(),
        "expires": a.expires.isoformat(),
        "change": a.change,
        "in_force": in_force,
    }


def _finding(f: Finding, row: FindingRow | None, lines: _Lines, view: ReportView) -> dict[str, Any]:
    s = f.subject
    return {
        "key": f.key,
        "rule": f.rule_id,
        "verdict": f.verdict.value,
        "status": row.status if row else f.verdict.value.upper(),
        "accepted": f.accepted,
        "severity": f.severity.value,
        "title": f.title,
        "subject": {"kind": s.kind.value, "name": s.name, "label": s.label, "partition_id": s.partition_id},
        "managed_system": s.managed_system,
        "serial": s.serial,
        "vios": s.name if s.kind is SubjectKind.VIOS else None,
        "client": s.name if s.kind is SubjectKind.LPAR else None,
        "why": f.technical,
        "business_impact": f.business,
        "remediation": f.remediation,
        "apar": f.apar,
        "references": list(f.references),
        "outage": f.outage,
        "affected_partitions": list(f.affected_partitions),
        "risk": (
            {
                "likelihood": f.risk.likelihood,
                "likelihood_why": f.risk.likelihood_why,
                "impact": f.risk.impact,
                "impact_why": f.risk.impact_why,
                "maintenance": f.risk.maintenance,
            }
            if f.risk
            else None
        ),
        "acceptance": _acceptance(f.acceptance, True) or _acceptance(f.acceptance_expired, False),
        "facts": {name: value for name, value in f.facts},
        "evidence": [
            {
                "host": ref.host,
                "command": ref.command,
                "file": ref.capture,
                "first_line": ref.first_line,
                "last_line": ref.last_line,
                "lines": lines.get(ref),
            }
            for ref in f.evidence
        ],
        "detected": {"snapshot_id": view.snapshot_id, "captured_at": view.captured_at},
    }


@dataclass(frozen=True, slots=True)
class FindingsDocument:
    """The document, made finding by finding as it is written: at 40,000 findings it is never whole in
    memory. ``as_dict()`` builds it whole (for tests and small estates)."""

    head: dict[str, Any]
    view: ReportView
    ordered: tuple[Finding, ...]  # in report order
    snapshot: Snapshot | None

    def items(self) -> Iterator[dict[str, Any]]:
        rows: Mapping[str, FindingRow] = {r.key: r for r in self.view.findings}
        lines = _Lines(self.snapshot)
        for f in self.ordered:
            yield _finding(f, rows.get(f.key), lines, self.view)

    def as_dict(self) -> dict[str, Any]:
        return {**self.head, "findings": list(self.items())}


def findings_document(
    view: ReportView, findings: Sequence[Finding], snapshot: Snapshot | None = None
) -> FindingsDocument:
    """Every finding (PASS included) in report order, with its evidence lines read from ``snapshot``."""
    from viosaudit import __version__

    order = {row.key: n for n, row in enumerate(view.findings)}
    ordered = tuple(sorted(findings, key=lambda f: order.get(f.key, len(order))))
    c = view.counts
    head = {
        "$schema": SCHEMA_ID,
        "schema_version": SCHEMA_VERSION,
        "generator": {"tool": "viosaudit", "version": __version__},
        "snapshot_id": view.snapshot_id,
        "captured_at": view.captured_at,
        "generated_at": view.generated_at,
        "counts": {
            "fail": c.findings_fail,
            "unknown": c.findings_unknown,
            "pass": c.findings_pass,
            "accepted": c.findings_accepted,
        },
    }
    return FindingsDocument(head, view, ordered, snapshot)


def write_json(doc: FindingsDocument, out: TextIO) -> None:
    """The document with one finding per line: greppable, diffable, a third the size of indented JSON,
    and written as it is made."""
    out.write(json.dumps(doc.head, ensure_ascii=False)[:-1] + ', "findings": [')
    separator = "\n"
    for finding in doc.items():
        out.write(separator + json.dumps(finding, ensure_ascii=False))
        separator = ",\n"
    out.write("\n]}\n")


def _flat(f: Mapping[str, Any], head: Mapping[str, Any]) -> Iterator[object]:
    acceptance = f["acceptance"] or {}
    risk = f["risk"] or {}
    flat = {
        **{k: f[k] for k in ("key", "rule", "verdict", "status", "severity", "managed_system", "serial", "title")},
        "accepted": "yes" if f["accepted"] else "no",
        "vios": f["vios"] or "",
        "client": f["client"] or "",
        "subject": f["subject"]["label"],
        "why": f["why"],
        "business_impact": f["business_impact"],
        "remediation": f["remediation"],
        "apar": f["apar"] or "",
        "references": " ".join(f["references"]),
        "outage": "yes" if f["outage"] else "no",
        "affected_partitions": " ".join(f["affected_partitions"]),
        "likelihood": risk.get("likelihood", ""),
        "impact": risk.get("impact", ""),
        "acceptance_approver": acceptance.get("approver", ""),
        "acceptance_expires": acceptance.get("expires", ""),
        "acceptance_in_force": "" if not acceptance else "yes" if acceptance["in_force"] else "no",
        "evidence": " ".join(f"{e['file']}:{e['first_line']}-{e['last_line']}" for e in f["evidence"]),
        "snapshot_id": head["snapshot_id"],
        "captured_at": head["captured_at"],
    }
    for name in CSV_COLUMNS:
        value = flat[name]
        yield safe_text(value) if isinstance(value, str) else value


def write_csv(doc: FindingsDocument, out: TextIO) -> None:
    """One row per finding, the flat fields; every text cell neutralised as in the workbook. ``out`` is
    opened with ``newline=""`` (rows end in CRLF)."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for f in doc.items():
        writer.writerow(list(_flat(f, doc.head)))


Writer = Callable[[TextIO], None]


def machine_files(doc: FindingsDocument, formats: Sequence[str]) -> tuple[tuple[str, Writer], ...]:
    """(file name, writer) for each format asked for, each once, in FORMATS order."""
    writers: dict[str, Callable[[FindingsDocument, TextIO], None]] = {"json": write_json, "csv": write_csv}
    return tuple((FILE_NAMES[f], partial(writers[f], doc)) for f in FORMATS if f in formats)
