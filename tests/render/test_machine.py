"""The findings document (JSON, validated against the shipped JSON Schema) and the flat CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import replace

import jsonschema
import pytest

from viosaudit.render.machine import (
    CSV_COLUMNS,
    FILE_NAMES,
    SCHEMA_VERSION,
    findings_document,
    machine_files,
    schema,
    write_csv,
    write_json,
)
from viosaudit.render.view import ReportView
from viosaudit.rules.base import Finding
from viosaudit.snapshot import Snapshot

KEYS = {
    "key", "rule", "verdict", "status", "accepted", "severity", "title", "subject", "managed_system", "serial",
    "vios", "client", "why", "business_impact", "remediation", "apar", "references", "outage",
    "affected_partitions", "risk", "acceptance", "facts", "evidence", "detected",
}  # fmt: skip


@pytest.fixture(scope="module")
def doc(view: ReportView, findings: tuple[Finding, ...], snapshot: Snapshot) -> dict[str, object]:
    return findings_document(view, findings, snapshot).as_dict()


def validate(document: object) -> None:
    jsonschema.Draft202012Validator.check_schema(schema())
    jsonschema.Draft202012Validator(schema(), format_checker=jsonschema.FormatChecker()).validate(document)


def test_document_validates_against_the_shipped_schema(doc: dict[str, object]) -> None:
    validate(doc)
    assert doc["schema_version"] == SCHEMA_VERSION


def test_schema_rejects_what_it_should(doc: dict[str, object]) -> None:
    """The schema is not a rubber stamp: a wrong verdict, a missing key or an extra key fail."""
    findings = doc["findings"]
    assert isinstance(findings, list)
    for broken in (
        {**findings[0], "verdict": "ok"},
        {k: v for k, v in findings[0].items() if k != "key"},
        {**findings[0], "surprise": 1},
        {**findings[0], "severity": "Critical"},
    ):
        with pytest.raises(jsonschema.ValidationError):
            validate({**doc, "findings": [broken]})


def test_every_finding_in_report_order_with_stable_keys(
    doc: dict[str, object], view: ReportView, findings: tuple[Finding, ...]
) -> None:
    rows = doc["findings"]
    assert isinstance(rows, list)
    assert [f["key"] for f in rows] == [r.key for r in view.findings]
    assert len(rows) == len(findings)
    for f in rows:
        assert set(f) == KEYS
    by_key = {f["key"]: f for f in rows}
    for finding in findings:
        out = by_key[finding.key]
        assert out["verdict"] == finding.verdict.value and out["severity"] == finding.severity.value
        assert out["managed_system"] == finding.subject.managed_system
        kind = finding.subject.kind.value
        assert out["vios"] == (finding.subject.name if kind == "vios" else None)
        assert out["client"] == (finding.subject.name if kind == "lpar" else None)


def test_evidence_lines_are_read_from_the_snapshot(doc: dict[str, object], snapshot: Snapshot) -> None:
    captures = {c.file: snapshot.read(c).splitlines() for c in snapshot.manifest.captures}
    cited = [e for f in doc["findings"] for e in f["evidence"]]  # type: ignore[attr-defined]
    assert cited
    for e in cited:
        if e["file"] in captures:
            assert e["lines"] == captures[e["file"]][e["first_line"] - 1 : e["last_line"]], e
    assert any(e["lines"] for e in cited)


def test_acceptance_in_force_and_expired(doc: dict[str, object]) -> None:
    accepted = [f for f in doc["findings"] if f["acceptance"]]  # type: ignore[attr-defined]
    states = {f["key"]: (f["accepted"], f["acceptance"]["in_force"], f["status"]) for f in accepted}
    assert (True, True, "ACCEPTED (FAIL)") in states.values()
    assert any(not in_force and not acc for acc, in_force, _s in states.values())


def test_csv_one_row_per_finding_formulas_neutralised(
    view: ReportView, findings: tuple[Finding, ...], snapshot: Snapshot
) -> None:
    evil = (replace(findings[0], title='=HYPERLINK("http://x")', remediation="@SUM(A1)"), *findings[1:])
    out = io.StringIO(newline="")
    write_csv(findings_document(view, evil, snapshot), out)
    assert out.getvalue().count("\r\n") == 1 + len(findings)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == 1 + len(findings)
    body = [dict(zip(CSV_COLUMNS, r, strict=True)) for r in rows[1:]]
    first = next(r for r in body if r["key"] == findings[0].key)
    assert first["title"] == '\'=HYPERLINK("http://x")' and first["remediation"] == "'@SUM(A1)"
    assert not [c for r in rows[1:] for c in r if c.startswith(("=", "+", "-", "@"))]
    assert {r["verdict"] for r in body} <= {"fail", "unknown", "pass"}


def test_machine_files_by_format(view: ReportView, findings: tuple[Finding, ...]) -> None:
    document = findings_document(view, findings)
    assert [name for name, _ in machine_files(document, ("csv",))] == [FILE_NAMES["csv"]]
    assert [name for name, _ in machine_files(document, ("csv", "json", "json"))] == ["findings.json", "findings.csv"]
    assert machine_files(document, ()) == ()


def test_json_file_is_the_document_one_finding_per_line(
    view: ReportView, findings: tuple[Finding, ...], snapshot: Snapshot
) -> None:
    import json

    document = findings_document(view, findings, snapshot)
    out = io.StringIO()
    write_json(document, out)
    assert json.loads(out.getvalue()) == document.as_dict()
    assert len(out.getvalue().splitlines()) == 2 + len(findings)
