"""Shared helpers for the parsers: numbered lines, blank markers, lsmap client ids, one way to fail.

HMC listings have their own reader, ``parse.hmc``.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass

from viosaudit.errors import ParseError


@dataclass(frozen=True, slots=True)
class Context:
    """Who and what we are parsing, so every error names the command and the host."""

    command: str
    host: str = "-"

    def error(self, line_no: int, line: str, reason: str) -> ParseError:
        return ParseError(self.command, self.host, line_no, line, reason)


def numbered(text: str) -> Iterator[tuple[int, str]]:
    """Lines with their 1-based numbers, trailing whitespace and CR removed."""
    for index, line in enumerate(text.splitlines(), start=1):
        yield index, line.rstrip()  # CR and LF are whitespace: rstrip() takes them too


def none_if_blank(value: str, *blank: str) -> str | None:
    """None for the HMC's empty markers ('', 'none', 'null', plus any given)."""
    stripped = value.strip()
    if stripped == "" or stripped.lower() in {"none", "null", *blank}:
        return None
    return stripped


def client_partition_id(value: str, line_no: int, line: str, ctx: Context) -> int | None:
    """lsmap's hex client id: '0x00000003' -> 3; '0x00000000' (no client) -> None."""
    text = value.strip()
    try:
        number = int(text, 16) if text.lower().startswith("0x") else int(text)
    except ValueError as exc:
        raise ctx.error(line_no, line, f"client partition id {value!r} is not a number") from exc
    return number or None


def require_output(text: str, ctx: Context) -> None:
    """An empty capture is not 'nothing to report': most commands always print something."""
    if not text.strip():
        raise ctx.error(0, "", "the output is empty (command failed or output was lost)")


@dataclass(frozen=True, slots=True)
class LsmapOptions:
    """What an ``lsmap`` command line says about its output: ``-field`` names and ``-fmt`` delimiter."""

    fields: tuple[str, ...] | None
    delimiter: str | None


def lsmap_options(command_line: str | None) -> LsmapOptions:
    """``lsmap ... -field svsa physloc vtd -fmt :`` -> (('svsa', 'physloc', 'vtd'), ':').

    The field names are lower-cased; IBM's lsmap accepts them in any case and prints them in its own order.
    """
    if not command_line:
        return LsmapOptions(None, None)
    try:
        argv = shlex.split(command_line)
    except ValueError:
        argv = command_line.split()
    fields: list[str] | None = None
    delimiter = None
    for index, arg in enumerate(argv):
        if arg == "-field":
            fields = []
            for name in argv[index + 1 :]:
                if name.startswith("-"):
                    break
                fields.extend(n.lower() for n in name.replace(",", " ").split())
        elif arg in ("-fmt", "-fmt2") and index + 1 < len(argv):
            delimiter = argv[index + 1]
    return LsmapOptions(tuple(fields) if fields is not None else None, delimiter)


_CONTINUATION = re.compile(r"^\s*[\w.\-]*\w[\w.\-]*\s*$")
_LOCATION_END = re.compile(r"\bU\w{4}\.[\w.\-]*$")


def rejoin_wrapped(lines: list[tuple[int, str]], bare_keys: frozenset[str]) -> list[tuple[int, str]]:
    """Undo a terminal's wrapping of long location codes: a line holding only the rest of a code
    (``2-T1`` after ``Physloc U78D3.001.WZS0AL9-P1-C``) is joined to the line it continues.

    Only a single word of location-code characters that is not one of the layout's bare keys
    (``Physloc``, ``Status``...) continues a line, and only a line that ends in a location code; the
    joined line keeps the first line's number.
    """
    out: list[tuple[int, str]] = []
    for line_no, line in lines:
        stripped = line.strip()
        if (
            out
            and _CONTINUATION.match(line)
            and stripped not in bare_keys
            and _LOCATION_END.search(out[-1][1])
        ):
            out[-1] = (out[-1][0], out[-1][1] + stripped)
            continue
        out.append((line_no, line))
    return out


_DELIMITER = re.compile(r"^\s*[A-Za-z]\w*(?P<delim>[:,;|!@#%])")


def selected_fields(
    lines: list[tuple[int, str]],
    ctx: Context,
    options: LsmapOptions,
    known: tuple[str, ...],
    required: tuple[str, ...],
) -> tuple[tuple[str, ...], str]:
    """Check an ``lsmap -field ... -fmt X`` selection; return the fields in IBM's order and the delimiter.

    lsmap prints the selected fields in its own (``known``) order whatever order they were typed in.
    """
    first_no, first_line = lines[0]
    selected = options.fields or ()
    unknown = [f for f in selected if f not in known]
    if unknown:
        raise ctx.error(first_no, first_line, f"-field {unknown[0]!r} is not one of {', '.join(known)}")
    absent = [f for f in required if f not in selected]
    if absent:
        raise ctx.error(first_no, first_line, f"-field lacks {', '.join(absent)}, which identify an adapter")
    delimiter = options.delimiter
    if delimiter is None:
        start = _DELIMITER.match(first_line)
        if start is None:
            raise ctx.error(first_no, first_line, "-field output without -fmt: capture with -fmt :")
        delimiter = start["delim"]
    return tuple(f for f in known if f in selected), delimiter


def expand_selected(
    line_no: int, line: str, ctx: Context, order: tuple[str, ...], delimiter: str, known: tuple[str, ...]
) -> str:
    """One ``-field`` line as the full ``-fmt`` line (every ``known`` field, those not asked for empty)."""
    values = [v.strip() for v in line.split(delimiter)]
    if len(values) != len(order):
        raise ctx.error(line_no, line, f"expected {len(order)} fields ({delimiter.join(order)}), found {len(values)}")
    by_name = dict(zip(order, values, strict=True))
    return delimiter.join(by_name.get(f, "") for f in known)
