"""Findings for machines: one JSON document (``findings.json``, ``viosaudit report --json``) and a flat CSV.

The document's shape is fixed by ``schemas/findings.schema.json`` and described in
docs/findings-schema.md; ``schema_version`` changes its major number whenever a key is removed or its
meaning changes, its minor number when a key is added. Keys never depend on the wording of the reports:
verdicts and severities are the rules' lower-case values, dates are ISO 8601.

Example::

    doc = findings_document(view, findings, snapshot)
    doc["findings"][0]["verdict"]   # "fail"
    write_csv(doc)                  # bytes, one row per finding, formula starts neutralised
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping, Sequence
from importlib import resources
from typing import Any

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
        self._cache: dict[str, list[str] | None] = {}

    def get(self, ref: SourceRef) -> list[str] | None:
        if ref.capture not in self._cache:
            capture = self._by_file.get(ref.capture)
            text: list[str] | None = None
            if capture is not None and self._snapshot is not None:
                try:
                    text = self._snapshot.read(capture).splitlines()
                except SnapshotError:
                    text = None
            self._cache[ref.capture] = text
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


def findings_document(
    view: ReportView, findings: Sequence[Finding], snapshot: Snapshot | None = None
) -> dict[str, Any]:
    """Every finding (PASS included) in report order, with its evidence lines read from ``snapshot``."""
    from viosaudit import __version__

    rows: Mapping[str, FindingRow] = {r.key: r for r in view.findings}
    order = {key: n for n, key in enumerate(rows)}
    lines = _Lines(snapshot)
    ordered = sorted(findings, key=lambda f: order.get(f.key, len(order)))
    c = view.counts
    return {
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
        "findings": [_finding(f, rows.get(f.key), lines, view) for f in ordered],
    }


def write_json(doc: Mapping[str, Any]) -> bytes:
    """The document with one finding per line: greppable, diffable, and a third the size of indented JSON."""
    head = {k: v for k, v in doc.items() if k != "findings"}
    parts = [json.dumps(head, ensure_ascii=False)[:-1], ', "findings": [\n']
    parts.append(",\n".join(json.dumps(f, ensure_ascii=False) for f in doc["findings"]))
    parts.append("\n]}\n")
    return "".join(parts).encode("utf-8")


def _flat(f: Mapping[str, Any], doc: Mapping[str, Any]) -> Iterator[object]:
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
        "snapshot_id": doc["snapshot_id"],
        "captured_at": doc["captured_at"],
    }
    for name in CSV_COLUMNS:
        value = flat[name]
        yield safe_text(value) if isinstance(value, str) else value


def write_csv(doc: Mapping[str, Any]) -> bytes:
    """One row per finding, the flat fields; every text cell neutralised as in the workbook."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for f in doc["findings"]:
        writer.writerow(list(_flat(f, doc)))
    return out.getvalue().encode("utf-8")


def machine_files(doc: Mapping[str, Any], formats: Sequence[str]) -> tuple[tuple[str, bytes], ...]:
    """(file name, bytes) for each format asked for, each once, in FORMATS order."""
    writers = {"json": write_json, "csv": write_csv}
    return tuple((FILE_NAMES[f], writers[f](doc)) for f in FORMATS if f in formats)
