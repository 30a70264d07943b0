"""``lsmap -all -net``: the virtual ethernet trunk adapters (SVEA) of a VIOS and the SEA bridging each.

Two layouts are detected from the first non-blank line.

*Default layout*: one block per adapter: an ``SVEA Physloc`` header, a dashed rule, the adapter row,
then ``SEA``, ``Backing device``, ``Status`` and ``Physloc`` lines (the backing device's location; bare
for an EtherChannel). An adapter no SEA uses prints ``SEA  NO SHARED ETHERNET ADAPTER FOUND``. Older
levels omit ``Status``; a block with an SEA but without its ``Backing device`` or ``Physloc`` line
(output cut short) is rejected.

*Delimited layout* (``lsmap -all -net -fmt :``): one line per adapter with IBM's six fields
``svea:physloc:sea:backing:status:bdphysloc``; an adapter without SEA may print only its first two.
An empty field is a single space (``-fmt``) or nothing (``-fmt2``). With ``-field ... -fmt :`` the
command line recorded with the capture names the fields (printed in IBM's order); ``svea`` and
``physloc`` must be among them. ``lsmap -net -vadapter entN`` prints the same block for one adapter. A
long location code that a terminal wrapped onto the next line (``Physloc U78D3.001.WZS0AL9-P1-C`` then
``2-T1``) is joined back.

Empty output is legitimate: a VIOS without any virtual ethernet trunk adapter (network through SR-IOV
or vNIC only) prints nothing, and the parser returns an empty tuple. Unknown lines, error messages and
stray text raise ``ParseError``.

Example::

    SVEA   Physloc
    ------ --------------------------------------------
    ent4   U8408.E8E.78CB04W-V1-C2-T1

    SEA                   ent5
    Backing device        ent1
    Status                Available
    Physloc               U78C7.001.KIC2632-P1-C11-T2

yields ``SeaMapping(virtual_adapter='ent4', physloc='U8408.E8E.78CB04W-V1-C2-T1', sea='ent5',
backing_device='ent1', status='Available', backing_physloc='U78C7.001.KIC2632-P1-C11-T2',
span=Span(1, 8))``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from viosaudit.model import SeaMapping, Span
from viosaudit.parse._text import (
    Context,
    LsmapOptions,
    expand_selected,
    lsmap_options,
    numbered,
    rejoin_wrapped,
    selected_fields,
)

COMMAND = "lsmap -all -net"

_HEADER = re.compile(r"^\s*SVEA\s+Physloc\s*$")
_RULE = re.compile(r"^\s*-+(\s+-+)*\s*$")
_ROW = re.compile(r"^\s*(?P<svea>[A-Za-z]\w*)\s+(?P<physloc>U[\w.\-]+)\s*$")
_NO_SEA = re.compile(r"^\s*SEA\s+NO SHARED ETHERNET ADAPTER FOUND\s*$")
_KEY = re.compile(r"^\s*(?P<key>SEA|Backing device|Status|Physloc)(?:\s+(?P<value>\S.*))?$")
_NAME = re.compile(r"^[A-Za-z]\w*$")
_PHYSLOC = re.compile(r"^U[\w.\-]+$")
_DELIMITED_START = re.compile(r"^\s*[A-Za-z]\w*(?P<delim>[:,;|!@#%])")


@dataclass(slots=True)
class _Block:
    first: int
    last: int
    svea: str
    physloc: str
    no_sea: bool = False
    values: dict[str, str | None] = field(default_factory=dict)


FIELDS = ("svea", "physloc", "sea", "backing", "status", "bdphysloc")
_BARE_KEYS = frozenset({"SEA", "Status", "Physloc"})


def parse(text: str, host: str = "-", command_line: str | None = None) -> tuple[SeaMapping, ...]:
    ctx = Context(command_line or COMMAND, host)
    lines = [(no, line) for no, line in numbered(text) if line.strip()]
    if not lines:
        return ()  # no virtual ethernet trunk adapter on this VIOS
    first_no, first_line = lines[0]
    options = lsmap_options(command_line)
    if _HEADER.match(first_line):
        return _parse_default(rejoin_wrapped(lines, _BARE_KEYS), ctx)
    if options.fields is not None:
        return _parse_selected(lines, ctx, options)
    if _DELIMITED_START.match(first_line):
        return tuple(_delimited_line(no, line, _delimiter(first_line), ctx) for no, line in lines)
    raise ctx.error(first_no, first_line, "neither an 'SVEA Physloc' header nor -fmt data")


# ---------------------------------------------------------------- default layout


def _parse_default(lines: list[tuple[int, str]], ctx: Context) -> tuple[SeaMapping, ...]:
    mappings: list[SeaMapping] = []
    block: _Block | None = None
    expect = "header"
    header_no = 0
    for line_no, line in lines:
        if _HEADER.match(line):
            if expect in {"rule", "row"}:
                raise ctx.error(line_no, line, "a new header before the previous adapter row")
            if block is not None:
                mappings.append(_close(block, line_no, line, ctx))
                block = None
            expect, header_no = "rule", line_no
            continue
        if expect == "header":
            raise ctx.error(line_no, line, "expected an 'SVEA Physloc' header")
        if expect == "rule":
            if not _RULE.match(line):
                raise ctx.error(line_no, line, "expected the dashed rule under the header")
            expect = "row"
            continue
        if expect == "row":
            m = _ROW.match(line)
            if not m:
                raise ctx.error(line_no, line, "expected an adapter row: entN and its location code")
            block = _Block(header_no, line_no, m["svea"], m["physloc"])
            expect = "body"
            continue
        assert block is not None
        _body_line(block, line_no, line, ctx)
    last_no, last_line = lines[-1]
    if expect != "body" or block is None:
        raise ctx.error(last_no, last_line, "the output ends inside a header (truncated?)")
    mappings.append(_close(block, last_no, last_line, ctx, at_end=True))
    return tuple(mappings)


def _body_line(block: _Block, line_no: int, line: str, ctx: Context) -> None:
    if _NO_SEA.match(line):
        if block.values or block.no_sea:
            raise ctx.error(line_no, line, "'NO SHARED ETHERNET ADAPTER FOUND' after SEA data")
        block.no_sea = True
        block.last = line_no
        return
    m = _KEY.match(line)
    if not m:
        raise ctx.error(line_no, line, "not an SEA, Backing device, Status or Physloc line")
    if block.no_sea:
        raise ctx.error(line_no, line, "SEA data after 'NO SHARED ETHERNET ADAPTER FOUND'")
    key, value = m["key"], (m["value"] or "").strip() or None
    if key != "SEA" and "SEA" not in block.values:
        raise ctx.error(line_no, line, f"a {key!r} line before the SEA line")
    if key in block.values:
        raise ctx.error(line_no, line, f"a second {key!r} line for {block.svea}")
    if key == "SEA" and value is None:
        raise ctx.error(line_no, line, "an SEA line without an adapter name")
    block.values[key] = value
    block.last = line_no


def _close(block: _Block, line_no: int, line: str, ctx: Context, *, at_end: bool = False) -> SeaMapping:
    where = "ends" if at_end else "is followed by a new header"
    if not block.no_sea:
        if "SEA" not in block.values:
            raise ctx.error(line_no, line, f"{block.svea} {where} without its SEA line (truncated?)")
        for key in ("Backing device", "Physloc"):
            if key not in block.values:
                raise ctx.error(line_no, line, f"{block.svea} {where} without its {key!r} line (truncated?)")
    return SeaMapping(
        virtual_adapter=block.svea,
        physloc=block.physloc,
        sea=block.values.get("SEA"),
        backing_device=block.values.get("Backing device"),
        status=block.values.get("Status"),
        backing_physloc=block.values.get("Physloc"),
        span=Span(block.first, block.last),
    )


# ---------------------------------------------------------------- delimited layout (-fmt)


def _delimiter(first_line: str) -> str:
    start = _DELIMITED_START.match(first_line)
    assert start is not None
    return start["delim"]


def _parse_selected(lines: list[tuple[int, str]], ctx: Context, options: LsmapOptions) -> tuple[SeaMapping, ...]:
    """``-field ... -fmt X``: the named fields in IBM's order; fields not asked for are empty."""
    order, delimiter = selected_fields(lines, ctx, options, FIELDS, ("svea", "physloc"))
    return tuple(
        _delimited_line(no, expand_selected(no, line, ctx, order, delimiter, FIELDS), delimiter, ctx, shown=line)
        for no, line in lines
    )


def _delimited_line(line_no: int, line: str, delim: str, ctx: Context, shown: str | None = None) -> SeaMapping:
    fields = [f.strip() for f in line.split(delim)]
    line = shown if shown is not None else line
    if len(fields) == 2:
        fields += [""] * 4  # an adapter without SEA
    if len(fields) != 6:
        raise ctx.error(
            line_no,
            line,
            f"expected 6 fields (svea{delim}physloc{delim}sea{delim}backing{delim}status{delim}bdphysloc), "
            f"found {len(fields)}; capture with 'lsmap -all -net -fmt :'",
        )
    svea, physloc, sea, backing, status, bdphysloc = fields
    if not _NAME.match(svea):
        raise ctx.error(line_no, line, f"adapter name {svea!r} is not a device name such as ent4")
    if not _PHYSLOC.match(physloc):
        raise ctx.error(line_no, line, f"physical location {physloc!r} is not a location code (U9009...)")
    if sea and not _NAME.match(sea):
        raise ctx.error(line_no, line, f"SEA {sea!r} is not a device name such as ent5")
    if not sea and (backing or status or bdphysloc):
        raise ctx.error(line_no, line, "backing device data without an SEA")
    return SeaMapping(
        virtual_adapter=svea,
        physloc=physloc,
        sea=sea or None,
        backing_device=backing or None,
        status=status or None,
        backing_physloc=bdphysloc or None,
        span=Span(line_no, line_no),
    )
