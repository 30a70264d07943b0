"""Declared schemas for every file a user or a host hands us, checked by msgspec, one error type out.

Each input reader (the snapshot manifest, the services CSV, the accepted-risk register, the collection
configuration) declares its shape as typed classes and calls ``decode_json`` or ``convert`` here, so a
file of the wrong shape is refused with one line naming the file, the field and what was expected,
never a traceback. ``error`` says which ``ViosauditError`` subclass the caller wants.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import msgspec

from viosaudit.errors import ViosauditError

T = TypeVar("T")

# Text fields hold no control characters (a NUL or an escape sequence in a name is not a name).
PRINTABLE = "^[^\x00-\x08\x0b-\x1f\x7f]*$"

_AT = re.compile(r"^(?P<message>.*?)(?: - at `(?P<path>[^`]*)`)?$", re.DOTALL)
_BYTE = re.compile(r"\(byte (?P<offset>\d+)\)")


def field_path(path: str, *, tables: bool = False) -> str:
    """``$.captures[3].file`` -> ``captures[3].file``; with ``tables`` (TOML arrays of tables, counted
    from 1 as a reader counts them) ``$.acceptance[1].decided`` -> ``acceptance #2 decided``."""
    text = path[2:] if path.startswith("$.") else path.lstrip("$")
    if tables:
        text = re.sub(r"\[(\d+)\]\.?", lambda m: f" #{int(m.group(1)) + 1} ", text).strip()
    return text


def explain(
    exc: msgspec.MsgspecError, *, tables: bool = False, choices: Mapping[str, Iterable[str]] | None = None
) -> tuple[str, str]:
    """(where, what) of a msgspec error: the field path (may be empty) and the message.

    ``choices`` (field name -> allowed values) completes msgspec's "invalid enum value" with what is allowed.
    """
    match = _AT.match(str(exc))
    assert match is not None  # the pattern matches any text
    message = match.group("message")
    message = message[:1].lower() + message[1:]
    field = field_path(match.group("path") or "", tables=tables)
    allowed = (choices or {}).get(re.split(r"[ .]", field)[-1])
    if allowed is not None and message.startswith("invalid enum value"):
        message += f"; expected one of {', '.join(allowed)}"
    elif message.startswith("expected `date`"):
        message += " (a date such as 2027-03-31, without a time of day)"
    return field, message


def convert(
    value: Any,
    kind: type[T],
    where: str,
    error: type[ViosauditError],
    *,
    tables: bool = False,
    choices: Mapping[str, Iterable[str]] | None = None,
) -> T:
    """``value`` (parsed TOML, a CSV row...) checked against ``kind``; else ``error("where: field: ...")``."""
    try:
        return msgspec.convert(value, kind)
    except msgspec.ValidationError as exc:
        field, message = explain(exc, tables=tables, choices=choices)
        raise error(f"{where}: {field + ': ' if field else ''}{message}") from None


def decode_json(data: bytes, kind: type[T], where: str, error: type[ViosauditError]) -> T:
    """JSON ``data`` checked against ``kind``; malformed JSON names its line, a wrong shape its field."""
    try:
        return msgspec.json.decode(data, type=kind)
    except msgspec.ValidationError as exc:
        field, message = explain(exc)
        raise error(f"{where}: {field + ': ' if field else ''}{message}") from None
    except msgspec.DecodeError as exc:
        found = _BYTE.search(str(exc))
        line = f", line {line_of(data, int(found.group('offset')) if found else len(data))}"
        raise error(f"{where}{line}: not valid JSON ({exc})") from None
    except RecursionError:
        raise error(f"{where}: JSON nested too deeply to be a viosaudit file") from None


def decode_utf8(data: bytes, where: str, error: type[ViosauditError], what: str) -> str:
    """Text of a UTF-8 file (a BOM is dropped); otherwise ``error`` naming the line of the first bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = line_of(data, exc.start)
        bad = data[exc.start]
        raise error(f"{where}, line {line}: byte 0x{bad:02x} is not UTF-8; save the {what} as UTF-8 text") from None


def line_of(data: bytes, offset: int) -> int:
    """The 1-based line holding byte ``offset``."""
    return data[:offset].count(b"\n") + 1


def read_limited(path: Path, limit: int, error: type[ViosauditError], what: str) -> bytes:
    """The bytes of an input file no larger than ``limit`` (a huge file is refused, not loaded)."""
    try:
        if path.stat().st_size > limit:
            raise error(f"{path}: larger than {limit >> 20} MiB; not {what}")
        return path.read_bytes()
    except OSError as exc:
        raise error(f"{path}: cannot read {what}: {exc.strerror or exc}") from None
