"""The one reader of HMC listing output (``lssyscfg``, ``lshwres``): every form, records keyed by name.

The HMC prints a listing in one of two forms, and every HMC parser reads both through ``read_rows``:

* **default** (no ``-F``): one record a line as ``name=value`` pairs separated by commas. A pair whose
  value holds commas is quoted whole (``"virtual_scsi_adapters=2/server/3/lpar3/2/0,3/server/4/lpar4/2/0"``),
  and some HMC levels print a space after a comma, also inside the quotes (``, is_trunk=1``,
  ``" addl_vlan_ids=10,11"``). The HMC prints every attribute it has for the record, in its own order;
  attributes that do not apply are left out (``trunk_priority`` of a non-trunk adapter, ``vswitch`` on
  POWER5). Source: IBM technote isg3T7000527 (``lshwres --rsubtype eth`` example), a POWER5 / HMC V7
  capture in github.com/ziutus/hmc_vios_aix (``data/20180603_1656/hmc``).
* **``-F a,b,c``** (IBM: "a delimiter separated list of attribute names"): values only, in the order
  of that list, separated by the same delimiter; a value holding the delimiter is double-quoted. The
  names come from the command line recorded with the capture, or from the ``--header`` line (the names,
  printed once before the data); ``-F`` without names prints every attribute in an order only a
  ``--header`` line tells. Source: IBM HMC manual pages (lshwres, lssyscfg: ``-F``, ``--header``).

``-m SYSTEM``, ``--filter "..."`` and the order of options make no difference to the reading. The
HMC's own messages are raised as ``HmcError`` (one of its ``HSCLxxxx`` codes, or the code-less
"An invalid attribute was entered. ..." it prints for an unknown ``-F`` name, in English or, as a
Polish HMC does, in the operator's language); ``No results were found.`` alone is an empty listing.

Example (default form, one line)::

    lpar_name=vios1,lpar_id=1,slot_num=2,state=1, is_trunk=1,trunk_priority=1,port_vlan_id=1,\
" addl_vlan_ids=10,11",vswitch=ETHERNET0

yields ``HmcRow(line_no=1, values={'lpar_name': 'vios1', 'lpar_id': '1', ..., 'addl_vlan_ids': '10,11',
'vswitch': 'ETHERNET0'}, form='default')``.
"""

from __future__ import annotations

import csv
import re
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from viosaudit.errors import HmcError
from viosaudit.parse._text import Context, numbered, require_output

NO_RESULTS = "No results were found."
DEFAULT = "default"
FIELDS = "fields"

_CODE = re.compile(r"^HSC[A-Z][0-9A-F]{4}\b")
# Messages the HMC prints without a code: an unknown -F attribute (English; the Polish text is from a
# real HMC V7 capture, github.com/ziutus/hmc_vios_aix), and the closing sentence of its input errors.
_MESSAGES = (
    re.compile(r"^An invalid attribute was entered\b"),
    re.compile(r"^Wprowadzono niepoprawny atrybut\b"),
    re.compile(r"\bPlease (check|correct) your entry and retry the command\b"),
)
_NAME = re.compile(r"^[A-Za-z0-9_]+$")  # 5250_application_capable starts with a digit
_PAIR = re.compile(r"^\s*(?P<name>[A-Za-z0-9_]+)=(?P<value>.*)$", re.DOTALL)


@dataclass(frozen=True, slots=True)
class HmcRow:
    """One record of an HMC listing: its line and its values by attribute name (as printed)."""

    line_no: int
    line: str
    values: Mapping[str, str]
    form: str  # DEFAULT or FIELDS

    def get(self, name: str) -> str | None:
        """The value as printed, or None when the output does not carry this attribute."""
        return self.values.get(name)

    def has(self, name: str) -> bool:
        return name in self.values


@dataclass(frozen=True, slots=True)
class FieldList:
    """What a command line says about its ``-F`` output: the names (if listed), delimiter, header."""

    names: tuple[str, ...] | None
    delimiter: str
    header: bool


def field_list(command_line: str | None) -> FieldList | None:
    """The ``-F`` list of an HMC command line, or None for the default (``name=value``) form.

    >>> field_list("lssyscfg -r lpar -m 'P9 A' -F name,lpar_id --header")
    FieldList(names=('name', 'lpar_id'), delimiter=',', header=True)
    """
    if command_line is None:
        return None
    try:
        argv = shlex.split(command_line)
    except ValueError:
        argv = command_line.split()
    if "-F" not in argv:
        return None
    at = argv.index("-F")
    spec = argv[at + 1] if at + 1 < len(argv) and not argv[at + 1].startswith("-") else ""
    names = tuple(n for n in re.split(r"[^A-Za-z0-9_]+", spec) if n)
    separators = {s for s in re.split(r"[A-Za-z0-9_]+", spec) if s}
    delimiter = next(iter(separators)) if len(separators) == 1 else ","
    return FieldList(names or None, delimiter, "--header" in argv)


def read_rows(
    text: str,
    ctx: Context,
    command_line: str | None,
    *,
    canonical: str,
    vocabulary: Iterable[str],
) -> tuple[HmcRow, ...]:
    """Every record of an HMC listing, in either form, keyed by attribute name.

    Args:
        text: the captured output.
        ctx: command and host, for errors.
        command_line: the command line recorded with the capture; None means "not known", and then the
            form is recognised from the text (``name=value`` pairs, else the ``canonical`` ``-F`` line).
        canonical: the command line viosaudit's own collector runs (``commands.py``).
        vocabulary: the attribute names this command can print, to recognise a ``--header`` line when
            the command line is not known.

    Raises:
        HmcError: the HMC printed one of its messages instead of data.
        ParseError: a line that is neither data, header, nor a recognised HMC message.
    """
    require_output(text, ctx)
    lines = [(no, line) for no, line in numbered(text) if line.strip()]
    _raise_hmc_message(lines, ctx)
    _first_no, first_line = lines[0]
    if first_line.strip() == NO_RESULTS:
        if len(lines) > 1:
            raise ctx.error(lines[1][0], lines[1][1], f"output after {NO_RESULTS!r}")
        return ()
    spec = field_list(command_line)
    if command_line is None and _is_pairs(first_line):
        spec = None
    elif command_line is None:
        spec = field_list(canonical)
    if spec is None:
        return tuple(_pairs_row(no, line, ctx) for no, line in lines)
    return _field_rows(lines, ctx, spec, command_line is None, frozenset(vocabulary))


def hmc_message(lines: list[tuple[int, str]]) -> tuple[int, str] | None:
    """The line number and text of an HMC message (code or known sentence) in these lines, if any."""
    for index, (line_no, line) in enumerate(lines):
        stripped = line.strip()
        if _CODE.match(stripped) or any(p.search(stripped) for p in _MESSAGES):
            return line_no, " ".join(text.strip() for _, text in lines[index:])
    return None


def hmc_error_line(line: str) -> bool:
    """Whether a line is an HMC message (``HSCL....`` code or a known sentence) rather than data."""
    return hmc_message([(1, line)]) is not None


def _raise_hmc_message(lines: list[tuple[int, str]], ctx: Context) -> None:
    found = hmc_message(lines)
    if found is not None:
        raise HmcError(ctx.command, ctx.host, found[0], found[1])


# ---------------------------------------------------------------- default form


def _plain(line: str) -> bool:
    """A line the csv module would split exactly as ``str.split`` plus dropping spaces after each
    delimiter: no quote, NUL or line break in it (most HMC lines; splitting them is several times faster)."""
    return bool(line) and '"' not in line and "\x00" not in line and "\r" not in line and "\n" not in line


def _split(line: str, line_no: int, ctx: Context, delimiter: str = ",") -> list[str]:
    if _plain(line):
        return [field.lstrip(" ") for field in line.split(delimiter)]
    try:
        return next(csv.reader([line], delimiter=delimiter, skipinitialspace=True, strict=True))
    except (csv.Error, StopIteration) as exc:
        raise ctx.error(line_no, line, f"malformed {delimiter!r}-separated fields ({exc})") from exc


def _is_pairs(line: str) -> bool:
    if _plain(line):
        fields = [field.lstrip(" ") for field in line.split(",")]
    else:
        try:
            fields = next(csv.reader([line], skipinitialspace=True, strict=True))
        except (csv.Error, StopIteration):
            return False
    return bool(fields) and all(_PAIR.match(f) for f in fields)


def _pairs_row(line_no: int, line: str, ctx: Context) -> HmcRow:
    values: dict[str, str] = {}
    for field in _split(line, line_no, ctx):
        pair = _PAIR.match(field)
        if pair is None:
            raise ctx.error(line_no, line, f"{field!r} is not a name=value pair of the HMC's default listing")
        name = pair["name"]
        if name in values:
            raise ctx.error(line_no, line, f"attribute {name} appears twice in one record")
        values[name] = pair["value"]
    return HmcRow(line_no, line, values, DEFAULT)


# ---------------------------------------------------------------- -F form


def _field_rows(
    lines: list[tuple[int, str]], ctx: Context, spec: FieldList, guessed: bool, vocabulary: frozenset[str]
) -> tuple[HmcRow, ...]:
    names = spec.names
    first_no, first_line = lines[0]
    header = [f.strip() for f in _split(first_line, first_no, ctx, spec.delimiter)]
    looks = all(_NAME.match(h) for h in header)
    if spec.header and not looks:
        raise ctx.error(first_no, first_line, "expected the --header line of attribute names")
    # Without --header on the command line, a line of names is still taken as a header when it is the
    # -F list itself, or (command line not known) names this command prints.
    is_header = looks and (spec.header or tuple(header) == names or (guessed and set(header) <= vocabulary))
    if is_header:
        if names is not None and not guessed and tuple(header) != names:
            raise ctx.error(first_no, first_line, f"the header names {header} but -F lists {list(names)}")
        names = tuple(header)
        lines = lines[1:]
        if not lines:
            raise ctx.error(first_no, first_line, "a header line but no data (output truncated?)")
    if names is None:
        raise ctx.error(
            first_no,
            first_line,
            "-F without attribute names prints every attribute in an order only --header tells; "
            "capture with -F and the names, or add --header",
        )
    rows = []
    for line_no, line in lines:
        if line.strip() == NO_RESULTS:
            raise ctx.error(line_no, line, f"{NO_RESULTS!r} among data lines")
        values = _split(line, line_no, ctx, spec.delimiter)
        if len(names) == 1 and len(values) != 1:
            values = [line]  # one attribute: the whole line is its value, delimiters and all
        if len(values) != len(names):
            raise ctx.error(
                line_no, line, f"expected {len(names)} {spec.delimiter!r}-separated values ({','.join(names)}), "
                f"found {len(values)}"
            )
        rows.append(HmcRow(line_no, line, dict(zip(names, values, strict=True)), FIELDS))
    return tuple(rows)
