"""A ``ChangeRecord`` as a ServiceNow ``change_request``: JSON for the Table API, CSV for an import set.

    body = table_api(record)          # {"short_description": "...", "risk": "2", ...}
    problems = check(body)            # [] when every field fits the table (types, required, lengths)

POST the JSON to ``/api/now/table/change_request?sysparm_input_display_value=true`` (the reference
fields ``cmdb_ci`` and ``assignment_group`` carry names, not sys_ids). Field limits live in
``servicenow_fields.toml``; a text longer than its field is cut with a marker pointing to the Markdown
draft beside it, never silently by ServiceNow.
"""

from __future__ import annotations

import csv
import io
import json
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from viosaudit.records.draft import ChangeRecord
from viosaudit.render.xlsx import safe_text

TABLE = "change_request"
MORE = " [cut to fit ServiceNow: see change.md in the change's evidence folder]"


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    type: str  # string | choice | reference | datetime
    required: bool
    max_length: int | None
    choices: tuple[str, ...]


@cache
def fields() -> tuple[FieldSpec, ...]:
    """The drafted fields, in the order of the data file."""
    text = resources.files("viosaudit.records").joinpath("servicenow_fields.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)["field"]
    return tuple(
        FieldSpec(name, spec["type"], spec["required"], spec.get("max_length"), tuple(spec.get("choices", ())))
        for name, spec in data.items()
    )


def _fit(text: str, limit: int | None) -> str:
    if limit is None or len(text) <= limit:
        return text
    return text[: limit - len(MORE)].rstrip() + MORE


def table_api(record: ChangeRecord) -> dict[str, str]:
    """The request body: every drafted field as a string, cut to its field's length."""
    values = {
        "short_description": record.short_description,
        "description": record.description,
        "justification": record.justification,
        "implementation_plan": "\n".join(record.implementation_plan),
        "backout_plan": "\n".join(record.backout_plan),
        "test_plan": "\n".join(record.test_plan),
        "risk": record.risk.value,
        "impact": record.impact.value,
        "type": record.type.value,
        "category": record.category,
        "cmdb_ci": record.cmdb_ci,
        "assignment_group": record.assignment_group,
        "start_date": "",
        "end_date": "",
    }
    return {f.name: _fit(values[f.name], f.max_length) for f in fields()}


def check(body: dict[str, Any]) -> list[str]:
    """What the Table API would refuse or cut: unknown fields, non-strings, required but empty, too long,
    a value outside the choices."""
    specs = {f.name: f for f in fields()}
    problems = [f"{name}: not a {TABLE} field viosaudit drafts" for name in body if name not in specs]
    for spec in specs.values():
        value = body.get(spec.name)
        if value is None:
            problems.append(f"{spec.name}: missing")
            continue
        if not isinstance(value, str):
            problems.append(f"{spec.name}: {type(value).__name__}, expected a string")
            continue
        if spec.required and not value.strip():
            problems.append(f"{spec.name}: required, empty")
        if spec.max_length is not None and len(value) > spec.max_length:
            problems.append(f"{spec.name}: {len(value)} characters, the field holds {spec.max_length}")
        if spec.choices and value not in spec.choices:
            problems.append(f"{spec.name}: {value!r} is not one of {', '.join(spec.choices)}")
    return problems


def to_json(record: ChangeRecord) -> bytes:
    return (json.dumps(table_api(record), indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def to_csv(record: ChangeRecord) -> bytes:
    """One header row (the field names, for the import set's transform map) and one record row; text that
    a spreadsheet would evaluate is neutralised as in the workbook."""
    body = table_api(record)
    out = io.StringIO(newline="")
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(list(body))
    writer.writerow([safe_text(v) for v in body.values()])
    return out.getvalue().encode("utf-8")
