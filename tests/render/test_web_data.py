"""The HTML report's data block at size: open findings carry their evidence lines, passed checks are a
compact row, the block is compact JSON that cannot close its <script>, and the script's view of it
(string table unpacked) matches the report view."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from viosaudit.render.view import ReportView
from viosaudit.render.web import FIELDS, MAX_EVIDENCE_REFS, PASSED_NOTE, data_json, finding_record, render_web
from viosaudit.rules.base import Verdict
from viosaudit.snapshot import Snapshot


def _block(html: str) -> dict[str, Any]:
    start = html.index('id="viosaudit-data">') + len('id="viosaudit-data">')
    data: dict[str, Any] = json.loads(html[start : html.index("</script>", start)])
    return data


def _unpack(data: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    strings = data["strings"]

    def unpack(value: Any) -> Any:
        return [unpack(v) for v in value] if isinstance(value, list) else strings[value]

    rows = [{name: unpack(v) for name, v in zip(data["fields"], row, strict=True)} for row in data["findings"]]
    evidence = {strings[ref]: [strings[i] for i in lines] for ref, lines in data["evidence"]}
    return rows, evidence


def test_open_findings_carry_evidence_and_passed_checks_are_compact(view: ReportView, snapshot: Snapshot) -> None:
    html = render_web(view, snapshot)
    data = _block(html)
    assert data["fields"] == list(FIELDS)
    rows, evidence = _unpack(data)
    by_key = {r["k"]: r for r in rows}
    assert set(by_key) == {f.key for f in view.findings}
    passed = [f for f in view.findings if f.verdict is Verdict.PASS and not f.accepted]
    opened = [f for f in view.findings if f.verdict is not Verdict.PASS or f.accepted]
    assert passed and opened
    files = {c.file for c in snapshot.manifest.captures}
    shown = 0
    for f in passed:
        row = by_key[f.key]
        assert row["e"] == [] and row["x"] == "" and row["n"] == PASSED_NOTE and row["t"] == f.title
    for f in opened:
        row = by_key[f.key]
        assert row["n"] == "" and row["e"] == list(f.evidence[:MAX_EVIDENCE_REFS])
        held = [r for r in f.evidence[:MAX_EVIDENCE_REFS] if r.rsplit(":", 1)[0] in files]
        assert all(ref in evidence for ref in held)  # every cited capture the snapshot holds is there
        shown += len(held)
    assert shown
    assert any("6.1.9.200" in line for lines in evidence.values() for line in lines)
    block = html[html.index('id="viosaudit-data">') :]
    assert '\n  "' not in block.split("</script>")[0]  # not pretty-printed


def test_references_beyond_the_cap_are_counted(view: ReportView) -> None:
    f = next(f for f in view.findings if f.verdict is not Verdict.PASS and f.evidence)
    many = tuple(f"captures/h/c{i}.txt:1-2" for i in range(MAX_EVIDENCE_REFS + 3))
    record = dict(zip(FIELDS, finding_record(replace(f, evidence=many)), strict=True))
    assert record["e"] == [*many[:MAX_EVIDENCE_REFS], "... 3 more references in the evidence zip"]


def test_data_block_cannot_close_its_script() -> None:
    text = "</script><script>alert(1)</script> & 'x' <!--"
    raw = str(data_json({"strings": [text]}))
    assert "<" not in raw and ">" not in raw and "&" not in raw and "'" not in raw
    assert json.loads(raw) == {"strings": [text]}
