"""The indexes the change evidence is built with select exactly what the per-change scans select, and
the msgspec-encoded JSON is byte for byte the stdlib's (the folders' manifests and verify depend on it)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from viosaudit.assemble import build_estate
from viosaudit.business import load_services
from viosaudit.changes.before import SystemIndex, before_state, to_json
from viosaudit.changes.evidence import CaptureIndex, scoped_captures
from viosaudit.jsonable import json_bytes
from viosaudit.plan import build_plan
from viosaudit.rules import evaluate
from viosaudit.rules.context import load_context
from viosaudit.snapshot import open_snapshot

ROOT = Path(__file__).parents[2]
SAMPLE = ROOT / "sample_data" / "snapshot"
SERVICES = ROOT / "sample_data" / "business_services.csv"


def _stdlib(value: Any) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def test_indexed_before_state_and_captures_match_the_scans() -> None:
    snapshot = open_snapshot(SAMPLE)
    estate = build_estate(snapshot)
    ctx = load_context(estate, date(2026, 12, 1), load_services(SERVICES))
    findings = evaluate(estate, ctx)
    plan = build_plan(estate, findings, ctx)
    assert plan.changes
    systems, captures = SystemIndex.build(plan, findings), CaptureIndex.build(snapshot)
    for ch in plan.changes:
        scanned = before_state(plan, ch, findings, change_key="k", title="t", fixes=("f",), generated_at="g")
        indexed = before_state(
            plan, ch, findings, change_key="k", title="t", fixes=("f",), generated_at="g", index=systems
        )
        assert indexed == scanned
        assert scanned.open_on_system and scanned.clients
        assert json_bytes(to_json(indexed)) == _stdlib(to_json(scanned))
        hosts = {s.vios.name for s in ch.steps} | {v.name for v in ch.partners}
        cited = {ref.capture for f in ch.findings for ref in f.evidence}
        plain = scoped_captures(snapshot, ch.system.name, hosts, cited)
        assert plain and scoped_captures(snapshot, ch.system.name, hosts, cited, captures) == plain


def test_json_bytes_is_the_stdlib_indented_encoding() -> None:
    value = {
        "text": 'a\x00\x1f\n\t"\\/ é \u2028 <&>',
        "empty": [],
        "none": {},
        "nested": [[], {"n": None, "t": True, "i": -3}, [1, [2]]],
    }
    assert json_bytes(value) == _stdlib(value)
