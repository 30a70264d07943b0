"""Shared helpers for the parsers: numbered lines, HMC ``-F`` field splitting, one way to fail."""

from __future__ import annotations

import csv
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
        yield index, line.rstrip("\r\n").rstrip()


def hmc_fields(line: str, line_no: int, ctx: Context, expected: int) -> list[str]:
    """Split one HMC ``-F a,b,c`` line; values holding commas are double-quoted by the HMC."""
    try:
        fields = next(csv.reader([line], skipinitialspace=False, strict=True))
    except (csv.Error, StopIteration) as exc:
        raise ctx.error(line_no, line, f"malformed comma-separated fields ({exc})") from exc
    if len(fields) != expected:
        raise ctx.error(line_no, line, f"expected {expected} comma-separated fields, found {len(fields)}")
    return fields


def none_if_blank(value: str, *blank: str) -> str | None:
    """None for the HMC's empty markers ('', 'none', 'null', plus any given)."""
    stripped = value.strip()
    if stripped == "" or stripped.lower() in {"none", "null", *blank}:
        return None
    return stripped


def int_field(value: str, line_no: int, line: str, ctx: Context, name: str) -> int:
    try:
        return int(value.strip())
    except ValueError as exc:
        raise ctx.error(line_no, line, f"{name} {value!r} is not a number") from exc


def optional_int(value: str, line_no: int, line: str, ctx: Context, name: str) -> int | None:
    """An integer, or None where the HMC prints nothing, 'any', 'none' or 'null'."""
    if none_if_blank(value, "any") is None:
        return None
    return int_field(value, line_no, line, ctx, name)


def client_partition_id(value: str, line_no: int, line: str, ctx: Context) -> int | None:
    """lsmap's hex client id: '0x00000003' -> 3; '0x00000000' (no client) -> None."""
    text = value.strip()
    try:
        number = int(text, 16) if text.lower().startswith("0x") else int(text)
    except ValueError as exc:
        raise ctx.error(line_no, line, f"client partition id {value!r} is not a number") from exc
    return number or None


def hmc_error_line(line: str) -> bool:
    """HMC commands print 'HSCL....' / 'HSCE....' error codes instead of data on failure."""
    head = line.strip()[:4]
    return head in {"HSCL", "HSCE", "HSCA"}


NO_RESULTS = "No results were found."


def hmc_data_lines(text: str, ctx: Context, fields: str) -> Iterator[tuple[int, str]]:
    """The data lines of HMC ``-F`` output, numbered; blank lines, one leading ``--header`` line and a
    lone "No results were found." (nothing to list) are skipped; HSCL errors and anything after
    "No results" raise."""
    require_output(text, ctx)
    no_results = header = data = False
    last_no, last_line = 0, ""
    for line_no, line in numbered(text):
        stripped = line.strip()
        if not stripped:
            continue
        if hmc_error_line(line):
            raise ctx.error(line_no, line, "the HMC printed an error instead of data")
        if no_results:
            raise ctx.error(line_no, line, f"output after {NO_RESULTS!r}")
        first = not data and not header
        last_no, last_line = line_no, line
        if stripped == NO_RESULTS:
            if not first:
                raise ctx.error(line_no, line, f"{NO_RESULTS!r} among data lines")
            no_results = True
        elif stripped == fields and first:
            header = True  # printed by --header
        else:
            data = True
            yield line_no, line
    if not data and not no_results:
        raise ctx.error(last_no, last_line, "a header line but no data (output truncated?)")


def require_output(text: str, ctx: Context) -> None:
    """An empty capture is not 'nothing to report': most commands always print something."""
    if not text.strip():
        raise ctx.error(0, "", "the output is empty (command failed or output was lost)")
