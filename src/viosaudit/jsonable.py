"""Turn records, findings and views into plain JSON values (for ``viosaudit parse``, fixtures, evidence)."""

from __future__ import annotations

import dataclasses
from datetime import date
from enum import Enum
from typing import Any

from viosaudit.model import Level


def to_jsonable(value: Any) -> Any:
    """Dataclasses become dicts (with a ``record`` type name); enums, levels and dates their text."""
    if isinstance(value, Level):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {"record": type(value).__name__}
        for f in dataclasses.fields(value):
            out[f.name] = to_jsonable(getattr(value, f.name))
        return out
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    return value
