"""Turn records, findings and views into plain JSON values (for ``viosaudit parse``, fixtures, evidence)."""

from __future__ import annotations

import dataclasses
from datetime import date
from enum import Enum
from typing import Any

from viosaudit.model import Level

_PLAIN = frozenset({str, int, float, bool, type(None)})
_FIELDS: dict[type, tuple[str, ...] | None] = {}  # per type: its dataclass field names, or None


def to_jsonable(value: Any) -> Any:
    """Dataclasses become dicts (with a ``record`` type name); enums, levels and dates their text.

    The answer depends on the value's type alone, so what to do is decided once per type, and plain
    values are passed through without a call (a 1,000 VIOS view holds a million values)."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is list or kind is tuple:
        return [v if type(v) in _PLAIN else to_jsonable(v) for v in value]
    names = _FIELDS.get(kind, ())
    if names == ():
        names = _FIELDS[kind] = _field_names(kind)
    if names is not None:
        out: dict[str, Any] = {"record": kind.__name__}
        for name in names:
            v = getattr(value, name)
            out[name] = v if type(v) in _PLAIN else to_jsonable(v)
        return out
    return _other(value)


def _field_names(kind: type) -> tuple[str, ...] | None:
    if issubclass(kind, Level | Enum | date) or not dataclasses.is_dataclass(kind):
        return None
    return tuple(f.name for f in dataclasses.fields(kind))


def _other(value: Any) -> Any:
    if isinstance(value, Level):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    return value
