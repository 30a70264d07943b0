"""A ``ChangeRecord`` as Markdown: the same record for Jira, Remedy or an e-mail, nothing cut.

Sections (``SECTIONS``, in this order) are the headings a CAB reviewer looks for; a test checks each.
"""

from __future__ import annotations

from viosaudit.records.draft import IMPACT_WORDS, ChangeRecord
from viosaudit.rules.wording import and_list

SECTIONS = (
    "Summary",
    "Configuration items",
    "Justification",
    "Risk and impact",
    "Outage: services and owners",
    "Expected duration",
    "Implementation plan",
    "Test plan",
    "Back-out plan",
    "Findings closed",
    "CAB decision",
)


def _escape(text: str) -> str:
    """Plain text that Markdown shows as written (no stray emphasis, links or HTML)."""
    out = []
    for ch in text:
        out.append("\\" + ch if ch in "\\*_[]<>#|" else ch)
    return "".join(out)


def _steps(lines: tuple[str, ...]) -> list[str]:
    """Plan lines kept as written: they carry their numbers ("1. ...", an ordered list) and `commands`."""
    return list(lines) or ["(none)"]


def _checks(lines: tuple[str, ...]) -> list[str]:
    """Test-plan lines as a list: each heading line an item, its indented checks nested under it."""
    return [f"    - {line.strip()[2:]}" if line.startswith("  - ") else f"- {line}" for line in lines]


def to_markdown(record: ChangeRecord) -> str:
    r = record
    lines = [
        f"# {r.change_id}: {_escape(r.title)}",
        "",
        "## Summary",
        "",
        f"- Short description: {_escape(r.short_description)}",
        f"- Type: {r.type.value}; category: {r.category}",
        f"- Assignment group: {_escape(r.assignment_group) or 'not set'} ({r.assignment_source})",
        f"- Change key: `{r.change_key}` (stable from week to week; CAB decisions are kept under it)",
        f"- Snapshot: {r.snapshot_id} (captured {r.captured_at})",
        "",
        *[_escape(line) if line else "" for line in r.description.split("\n")],
        "",
        "## Configuration items",
        "",
        *[f"- {_escape(ci)}" for ci in r.configuration_items],
        "",
        "## Justification",
        "",
        _escape(r.justification),
        "",
        "## Risk and impact",
        "",
        f"- Risk of doing: {_escape(r.risk_text)}",
        f"- Impact: {IMPACT_WORDS[r.impact]}",
        "",
        "## Outage: services and owners",
        "",
    ]
    if r.outage:
        lines += ["| Service | Criticality | Owner | Partitions | Effect |", "|---|---|---|---|---|"]
        lines += [
            f"| {_escape(o.service)} | {o.criticality} | {_escape(o.owner)} | {_escape(and_list(o.partitions, 20))} "
            f"| {o.effect} |"
            for o in r.outage
        ]
    else:
        lines.append("No service is interrupted: every client runs on the partner VIOS while one restarts.")
    lines += [
        "",
        "## Expected duration",
        "",
        f"{_escape(r.window)} ({r.window_hours} hour{'s' if r.window_hours != 1 else ''} of work in total.)",
        "",
        "## Implementation plan",
        "",
        *_steps(r.implementation_plan),
        "",
        "## Test plan",
        "",
        *_checks(r.test_plan),
        "",
        "## Back-out plan",
        "",
        *_steps(r.backout_plan),
        "",
        "## Findings closed",
        "",
        *[f"- `{key}`" for key in r.findings],
        "",
        "## CAB decision",
        "",
        _escape(r.decision) if r.decision else "Not decided yet (Approve / Reject / Defer / Accept risk).",
        "",
    ]
    return "\n".join(lines)
