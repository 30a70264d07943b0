"""Turn records, findings and views into plain JSON values (for ``viosaudit parse``, fixtures, evidence)."""

from __future__ import annotations

import dataclasses
from enum import Enum
from typing import Any

from viosaudit.model import Level


def to_jsonable(value: Any) -> Any:
    """Dataclasses become dicts (with a ``record`` type name), enums their value, levels their text."""
    if isinstance(value, Level):
        return str(value)
    if isinstance(value, Enum):
        return value.value
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
