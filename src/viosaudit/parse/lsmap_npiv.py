"""``lsmap -all -npiv``: the virtual fibre channel server adapters (vfchost) of a VIOS.

Two layouts are detected from the first non-blank line.

*Default layout*: one block per adapter: a ``Name Physloc ClntID ClntName ClntOS`` header, a dashed
rule, the adapter row, then ``Status:``, ``FC name:`` with ``FC loc code:``, ``Ports logged in:``,
``Flags:`` and ``VFC client name:`` with ``VFC client DRC:`` (lines may be indented). A port that is
``NOT_LOGGED_IN`` leaves the client name and OS, the FC port (when unmapped) and the client adapter
empty. ClntID is decimal; it is blank or 0 without a client partition (both become ``None``). Client
names may overflow their column or hold spaces: the OS is read at the header's ClntOS column when the
row lines up with it, else as the last word. ``N/A`` counts as empty.

*Delimited layout* (``lsmap -all -npiv -fmt :``): one line per adapter with IBM's twelve fields
``name:physloc:clntid:clntname:clntos:status:fc:fcphysloc:ports:flags:vfcclient:vfcclientdrc``; an
empty field is a single space (``-fmt``) or nothing (``-fmt2``).

``flags`` is the hexadecimal code both layouts share (the default layout's ``a<LOGGED_IN,STRIP_MERGE>``
and the delimited layout's ``a`` both give ``'a'``); ``flag_names`` keeps the names the default layout
prints in the angle brackets (``('LOGGED_IN', 'STRIP_MERGE')``), empty in the delimited layout, which
prints the code only. Whether the client is logged in is ``status``.

``lsmap -npiv -vadapter vfchostN`` prints the same block for one adapter and is read the same way.
With ``-field ... -fmt :`` the command line recorded with the capture names the fields (printed in
IBM's order); ``name``, ``physloc``, ``status`` and ``ports`` must be among them. A long location code
that a terminal wrapped onto the next line is joined back.

Empty output is legitimate: a VIOS without any vfchost adapter (vSCSI only) prints nothing, and the
parser returns an empty tuple. A block without its Status, FC name, Ports logged in or VFC client lines
(output cut short), unknown lines and error messages raise ``ParseError``.

Example::

    Name          Physloc                            ClntID ClntName       ClntOS
    ------------- ---------------------------------- ------ -------------- -------
    vfchost0      U8233.E8B.XXXXXXX-V1-C66                4 LPAR4          AIX

    Status:LOGGED_IN
    FC name:fcs0                    FC loc code:U78A0.001.XXXXXXX-P1-C3-T1
    Ports logged in:5
    Flags:a<LOGGED_IN,STRIP_MERGE>
    VFC client name:fcs0            VFC client DRC:U8233.E8B.XXXXXXX-V4-C30-T1

yields ``NpivMapping(server_adapter='vfchost0', physloc='U8233.E8B.XXXXXXX-V1-C66',
client_partition_id=4, client_name='LPAR4', client_os='AIX', status=NpivStatus.LOGGED_IN,
fc_port='fcs0', fc_physloc='U78A0.001.XXXXXXX-P1-C3-T1', ports_logged_in=5, flags='a',
vfc_client_name='fcs0', vfc_client_drc='U8233.E8B.XXXXXXX-V4-C30-T1', span=Span(1, 9),
flag_names=('LOGGED_IN', 'STRIP_MERGE'))``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from viosaudit.model import NpivMapping, NpivStatus, Span
from viosaudit.parse._text import (
    Context,
    LsmapOptions,
    expand_selected,
    lsmap_options,
    numbered,
    rejoin_wrapped,
    selected_fields,
)

COMMAND = "lsmap -all -npiv"

_HEADER = re.compile(r"^\s*Name\s+Physloc\s+ClntID\s+ClntName\s+ClntOS\s*$")
_RULE = re.compile(r"^\s*-+(\s+-+)*\s*$")
_ROW = re.compile(r"^\s*(?P<name>[A-Za-z]\w*)\s+(?P<physloc>U[\w.\-]+)(?:\s+(?P<cid>\d+)(?P<rest>\s.*)?)?$")
_STATUS = re.compile(r"^\s*Status:\s*(?P<v>\S*)\s*$")
_FC = re.compile(r"^\s*FC name:\s*(?P<name>\S*)\s+FC loc code:\s*(?P<loc>\S*)\s*$")
_PORTS = re.compile(r"^\s*Ports logged in:\s*(?P<v>\S*)\s*$")
_FLAGS = re.compile(r"^\s*Flags:\s*(?P<v>\S*)\s*$")
_VFC = re.compile(r"^\s*VFC client name:\s*(?P<name>\S*)\s+VFC client DRC:\s*(?P<drc>\S*)\s*$")
_FLAG_VALUE = re.compile(r"^(?P<code>[0-9a-fA-F]+)(?:<(?P<names>[A-Z_,]*)>)?$")
_NAME = re.compile(r"^[A-Za-z]\w*$")
_PHYSLOC = re.compile(r"^U[\w.\-]+$")
_DELIMITED_START = re.compile(r"^\s*[A-Za-z]\w*(?P<delim>[:,;|!@#%])")
_KEYS = {"Status": _STATUS, "FC name": _FC, "Ports logged in": _PORTS, "Flags": _FLAGS, "VFC client": _VFC}
_REQUIRED = ("Status", "FC name", "Ports logged in", "VFC client")
_FIELDS = 12
FIELDS = (
    "name", "physloc", "clntid", "clntname", "clntos", "status", "fc", "fcphysloc", "ports", "flags", "vfcclient",
    "vfcclientdrc",
)  # fmt: skip
_REQUIRED_FIELDS = ("name", "physloc", "status", "ports")


@dataclass(slots=True)
class _Block:
    first: int
    last: int
    name: str
    physloc: str
    client_id: int | None
    client_name: str | None
    client_os: str | None
    values: dict[str, re.Match[str]] = field(default_factory=dict)
    lines: dict[str, tuple[int, str]] = field(default_factory=dict)


def parse(text: str, host: str = "-", command_line: str | None = None) -> tuple[NpivMapping, ...]:
    ctx = Context(command_line or COMMAND, host)
    lines = [(no, line) for no, line in numbered(text) if line.strip()]
    if not lines:
        return ()  # no vfchost adapter on this VIOS
    first_no, first_line = lines[0]
    options = lsmap_options(command_line)
    if _HEADER.match(first_line):
        return _parse_default(rejoin_wrapped(lines, frozenset()), ctx)
    if options.fields is not None:
        return _parse_selected(lines, ctx, options)
    if _DELIMITED_START.match(first_line):
        return _parse_delimited(lines, ctx)
    raise ctx.error(first_no, first_line, "neither a 'Name Physloc ClntID ClntName ClntOS' header nor -fmt")


# ---------------------------------------------------------------- default layout


def _parse_default(lines: list[tuple[int, str]], ctx: Context) -> tuple[NpivMapping, ...]:
    mappings: list[NpivMapping] = []
    block: _Block | None = None
    expect = "header"
    header_no, header = 0, ""
    for line_no, line in lines:
        if _HEADER.match(line):
            if expect in {"rule", "row"}:
                raise ctx.error(line_no, line, "a new header before the previous adapter row")
            if block is not None:
                mappings.append(_close(block, line_no, line, ctx))
                block = None
            expect, header_no, header = "rule", line_no, line
            continue
        if expect == "header":
            raise ctx.error(line_no, line, "expected a 'Name Physloc ClntID ClntName ClntOS' header")
        if expect == "rule":
            if not _RULE.match(line):
                raise ctx.error(line_no, line, "expected the dashed rule under the header")
            expect = "row"
            continue
        if expect == "row":
            block = _row(header_no, header, line_no, line, ctx)
            expect = "body"
            continue
        assert block is not None
        _body_line(block, line_no, line, ctx)
    last_no, last_line = lines[-1]
    if expect != "body" or block is None:
        raise ctx.error(last_no, last_line, "the output ends inside a header (truncated?)")
    mappings.append(_close(block, last_no, last_line, ctx, at_end=True))
    return tuple(mappings)


def _row(header_no: int, header: str, line_no: int, line: str, ctx: Context) -> _Block:
    m = _ROW.match(line)
    if not m:
        raise ctx.error(line_no, line, "expected an adapter row: vfchostN, location code, client id, name, OS")
    cid = int(m["cid"]) if m["cid"] else None
    name, os = _name_and_os(header, line, m)
    return _Block(header_no, line_no, m["name"], m["physloc"], cid or None, name, os)


def _name_and_os(header: str, line: str, m: re.Match[str]) -> tuple[str | None, str | None]:
    """Split what follows ClntID into client name and OS, by the header's ClntOS column if it lines up."""
    rest = m["rest"]
    if rest is None or not rest.strip():
        return None, None
    start = m.start("rest")
    os_col = header.find("ClntOS")
    aligned = (
        "\t" not in line
        and "\t" not in header
        and start < os_col < len(line)
        and line[os_col - 1] == " "
        and line[os_col] != " "
    )
    if aligned:
        name, os = line[start:os_col].strip(), line[os_col:].strip()
    else:
        words = rest.split()
        if len(words) == 1:  # a lone word left of the ClntOS column is a name
            first = start + len(rest) - len(rest.lstrip())
            return (None, _value(words[0])) if first >= os_col > 0 else (_value(words[0]), None)
        name, os = rest.strip()[: -len(words[-1])].strip(), words[-1]
    return _value(name), _value(os)


def _body_line(block: _Block, line_no: int, line: str, ctx: Context) -> None:
    for key, pattern in _KEYS.items():
        m = pattern.match(line)
        if m:
            if key in block.values:
                raise ctx.error(line_no, line, f"a second {key!r} line for {block.name}")
            block.values[key] = m
            block.lines[key] = (line_no, line)
            block.last = line_no
            return
    raise ctx.error(line_no, line, "not a Status, FC name, Ports logged in, Flags or VFC client line of lsmap -npiv")


def _close(block: _Block, line_no: int, line: str, ctx: Context, *, at_end: bool = False) -> NpivMapping:
    for key in _REQUIRED:
        if key not in block.values:
            where = "ends" if at_end else "is followed by a new header"
            raise ctx.error(line_no, line, f"{block.name} {where} without its {key!r} line (truncated?)")
    v = block.values
    status_no, status_line = block.lines["Status"]
    ports_no, ports_line = block.lines["Ports logged in"]
    flags: tuple[str | None, tuple[str, ...]] = (None, ())
    if "Flags" in v:
        flags_no, flags_line = block.lines["Flags"]
        flags = _flags(v["Flags"]["v"], flags_no, flags_line, ctx)
    return NpivMapping(
        server_adapter=block.name,
        physloc=block.physloc,
        client_partition_id=block.client_id,
        client_name=block.client_name,
        client_os=block.client_os,
        status=_status(v["Status"]["v"], status_no, status_line, ctx),
        fc_port=_value(v["FC name"]["name"]),
        fc_physloc=_value(v["FC name"]["loc"]),
        ports_logged_in=_ports(v["Ports logged in"]["v"], ports_no, ports_line, ctx),
        flags=flags[0],
        vfc_client_name=_value(v["VFC client"]["name"]),
        vfc_client_drc=_value(v["VFC client"]["drc"]),
        span=Span(block.first, block.last),
        flag_names=flags[1],
    )


# ---------------------------------------------------------------- delimited layout (-fmt)


def _parse_delimited(lines: list[tuple[int, str]], ctx: Context) -> tuple[NpivMapping, ...]:
    start = _DELIMITED_START.match(lines[0][1])
    assert start is not None
    delim = start["delim"]
    return tuple(_delimited_line(line_no, line, delim, ctx) for line_no, line in lines)


def _parse_selected(lines: list[tuple[int, str]], ctx: Context, options: LsmapOptions) -> tuple[NpivMapping, ...]:
    """``-field ... -fmt X``: the named fields in IBM's order; fields not asked for are empty."""
    order, delimiter = selected_fields(lines, ctx, options, FIELDS, _REQUIRED_FIELDS)
    return tuple(
        _delimited_line(no, expand_selected(no, line, ctx, order, delimiter, FIELDS), delimiter, ctx, shown=line)
        for no, line in lines
    )


def _delimited_line(line_no: int, line: str, delim: str, ctx: Context, shown: str | None = None) -> NpivMapping:
    fields = [f.strip() for f in line.split(delim)]
    line = shown if shown is not None else line
    if len(fields) != _FIELDS:
        raise ctx.error(
            line_no,
            line,
            f"expected {_FIELDS} fields (name{delim}physloc{delim}clntid{delim}...{delim}vfcclientdrc), "
            f"found {len(fields)}; capture with 'lsmap -all -npiv -fmt :'",
        )
    name, physloc, cid, cname, cos, status, fc, fcloc, ports, flags, vfc, drc = fields
    if not _NAME.match(name):
        raise ctx.error(line_no, line, f"adapter name {name!r} is not a device name such as vfchost0")
    if not _PHYSLOC.match(physloc):
        raise ctx.error(line_no, line, f"physical location {physloc!r} is not a location code (U9009...)")
    if cid and not cid.isdigit():
        raise ctx.error(line_no, line, f"client partition id {cid!r} is not a number")
    return NpivMapping(
        server_adapter=name,
        physloc=physloc,
        client_partition_id=(int(cid) or None) if cid else None,
        client_name=_value(cname),
        client_os=_value(cos),
        status=_status(status, line_no, line, ctx),
        fc_port=_value(fc),
        fc_physloc=_value(fcloc),
        ports_logged_in=_ports(ports, line_no, line, ctx),
        flags=_flags(flags, line_no, line, ctx)[0] if flags else None,
        vfc_client_name=_value(vfc),
        vfc_client_drc=_value(drc),
        span=Span(line_no, line_no),
    )


# ---------------------------------------------------------------- values


def _value(text: str) -> str | None:
    stripped = text.strip()
    return None if stripped in {"", "N/A"} else stripped


def _status(text: str, line_no: int, line: str, ctx: Context) -> NpivStatus:
    try:
        return NpivStatus(text)
    except ValueError as exc:
        raise ctx.error(line_no, line, f"status {text!r} is neither LOGGED_IN nor NOT_LOGGED_IN") from exc


def _ports(text: str, line_no: int, line: str, ctx: Context) -> int:
    if not text.isdigit():
        raise ctx.error(line_no, line, f"ports logged in {text!r} is not a number")
    return int(text)


def _flags(text: str, line_no: int, line: str, ctx: Context) -> tuple[str, tuple[str, ...]]:
    """``a<LOGGED_IN,STRIP_MERGE>`` -> ('a', ('LOGGED_IN', 'STRIP_MERGE')); ``a`` -> ('a', ())."""
    m = _FLAG_VALUE.match(text)
    if not m:
        raise ctx.error(line_no, line, f"flags {text!r} are not shaped like a<LOGGED_IN,STRIP_MERGE>")
    return m["code"].lower(), tuple(n for n in (m["names"] or "").split(",") if n)
