"""Turn records, findings and views into plain JSON values (for ``viosaudit parse``, fixtures, evidence)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import date
from enum import Enum
from typing import Any

import msgspec

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


def json_bytes(value: Any) -> bytes:
    """Plain JSON values as UTF-8 indented by 2, with a final newline: byte for byte what
    ``json.dumps(value, indent=2, ensure_ascii=False)`` writes, by msgspec's C encoder (the standard
    library's indenting encoder is pure Python: seconds at 1,000 VIOS); the standard library for what
    msgspec refuses (an integer beyond 64 bits)."""
    try:
        return msgspec.json.format(msgspec.json.encode(value), indent=2) + b"\n"
    except (TypeError, ValueError, msgspec.EncodeError):
        return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def json_chunks(value: Any, levels: int = 4, depth: int = 0) -> Iterator[bytes]:
    """``to_jsonable(value)`` as JSON indented by 2, a piece at a time: byte for byte what formatting the
    whole would give, without ever holding the whole (a 1,000-VIOS view is over 100 MB of JSON).

    Dataclasses and sequences are opened ``levels`` deep; below that each value is encoded whole."""
    kind = type(value)
    pad = b"\n" + b"  " * (depth + 1)
    if levels > 0 and (kind is list or kind is tuple) and value:
        yield b"["
        for i, item in enumerate(value):
            yield b"," + pad if i else pad
            yield from json_chunks(item, levels - 1, depth + 1)
        yield b"\n" + b"  " * depth + b"]"
        return
    names = _FIELDS.get(kind, ())
    if names == ():
        names = _FIELDS[kind] = _field_names(kind)
    if levels > 0 and names is not None:
        yield b"{" + pad + b'"record": ' + msgspec.json.encode(kind.__name__)
        for name in names:
            yield b"," + pad + msgspec.json.encode(name) + b": "
            yield from json_chunks(getattr(value, name), levels - 1, depth + 1)
        yield b"\n" + b"  " * depth + b"}"
        return
    text = json_bytes(to_jsonable(value))[:-1]
    yield text.replace(b"\n", b"\n" + b"  " * depth) if depth else text
