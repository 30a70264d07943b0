"""``lsmap -all``: the virtual SCSI server adapters (vhost) of a VIOS and the VTDs each one serves.

Two layouts are detected from the first non-blank line.

*Default layout*: one block per adapter, each with its own ``SVSA Physloc Client Partition ID``
header and dashed rule, the adapter row, then one ``VTD``/``Status``/``LUN``/``Backing device``/
``Physloc``/``Mirrored`` group per virtual target device. An adapter without devices prints
``NO VIRTUAL TARGET DEVICE FOUND``, alone or after ``VTD``. Older levels (before 2.2) omit ``Status``
and ``Mirrored``, and a device without a physical location (logical volume, file, optical image) has a
bare ``Physloc`` line, so only ``VTD``, ``LUN`` and ``Backing device`` are required in a group; a group
that lacks one of them (output cut mid-block) is rejected.

*Delimited layout* (``lsmap -all -fmt :``, also ``-fmt2`` and other delimiters): one line per adapter,
``svsa:physloc:clientid`` followed by ``vtd:status:lun:backing:bdphysloc:mirrored`` for each device
(IBM's field order; levels before ``Mirrored`` give five fields per device). An adapter without
devices has only its three fields; an empty field is a single space (``-fmt``) or nothing (``-fmt2``).
With ``-field`` the command line recorded with the capture names the fields (``-field svsa physloc
clientid vtd backing -fmt :``), printed in IBM's order; ``svsa``, ``physloc`` and ``clientid`` must be
among them, device values not asked for are None. Without the command line, the two-field
``vtd:backing`` selection is recognised by shape; other selections need the command line.

``lsmap -vadapter vhostN`` prints the same block for one adapter and is read the same way. A long
location code that a terminal wrapped onto the next line (``Physloc U78D3.001.WZS0AL9-P1-C`` then
``2-T1``) is joined back.

The client id is hexadecimal (``0x0000000b``), or decimal with ``-dec``; ``0x00000000`` (no client
partition) becomes ``client_partition_id=None``. Empty output is legitimate: a VIOS without any
vhost adapter (an NPIV-only VIOS, for example) prints nothing, and the parser returns an empty tuple.
Anything else unexpected (error messages, unknown keys, stray text) raises ``ParseError``.

Example::

    SVSA            Physloc                                      Client Partition ID
    --------------- -------------------------------------------- ------------------
    vhost0          U8408.E8E.78CB04W-V1-C81                     0x00000003

    VTD                   tstc1srvg
    LUN                   0x8100000000000000
    Backing device        hdisk32

yields ``VscsiMapping(server_adapter='vhost0', physloc='U8408.E8E.78CB04W-V1-C81',
client_partition_id=3, devices=(VirtualTargetDevice(vtd='tstc1srvg', status=None,
lun='0x8100000000000000', backing_device='hdisk32', physloc=None, mirrored=None,
span=Span(5, 7)),), span=Span(1, 7))``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from viosaudit.model import Span, VirtualTargetDevice, VscsiMapping
from viosaudit.parse._text import (
    Context,
    LsmapOptions,
    client_partition_id,
    lsmap_options,
    numbered,
    rejoin_wrapped,
    selected_fields,
)

COMMAND = "lsmap -all"

_HEADER = re.compile(r"^\s*SVSA\s+Physloc\s+Client\s+Partition\s+ID\s*$")
_RULE = re.compile(r"^\s*-+(\s+-+)*\s*$")
_ADAPTER = re.compile(r"^\s*(?P<svsa>[A-Za-z]\w*)\s+(?P<physloc>U[\w.\-]+)\s+(?P<cid>0[xX][0-9a-fA-F]+|\d+)\s*$")
_NO_VTD = re.compile(r"^\s*(VTD\s+)?NO VIRTUAL TARGET DEVICE FOUND\s*$")
_KEY = re.compile(r"^\s*(?P<key>VTD|Status|LUN|Backing device|Physloc|Mirrored)(?:\s+(?P<value>\S.*))?$")
_LUN = re.compile(r"^0[xX][0-9a-fA-F]+$")
_NAME = re.compile(r"^[A-Za-z]\w*$")
_PHYSLOC = re.compile(r"^U[\w.\-]+$")
_CLIENT_ID = re.compile(r"^(0[xX][0-9a-fA-F]+|\d+)$")
_DELIMITED_START = re.compile(r"^\s*[A-Za-z]\w*(?P<delim>[:,;|!@#%])")
_NAME_OR_PATH = re.compile(r"^[\w./\-]+$")
_STATUS_WORDS = {"Available", "Defined"}  # a -field vtd:backing pair never holds these

# ---------------------------------------------------------------- default layout


@dataclass(slots=True)
class _Device:
    first: int
    last: int
    values: dict[str, str | None] = field(default_factory=dict)


@dataclass(slots=True)
class _Adapter:
    first: int
    last: int
    svsa: str
    physloc: str
    client_id: int | None
    devices: list[VirtualTargetDevice] = field(default_factory=list)
    open_device: _Device | None = None
    no_devices: bool = False


FIELDS = ("svsa", "physloc", "clientid", "vtd", "status", "lun", "backing", "bdphysloc", "mirrored")
_ADAPTER_FIELDS = FIELDS[:3]
_BARE_KEYS = frozenset({"VTD", "Status", "LUN", "Physloc", "Mirrored"})


def parse(text: str, host: str = "-", command_line: str | None = None) -> tuple[VscsiMapping, ...]:
    ctx = Context(command_line or COMMAND, host)
    lines = [(no, line) for no, line in numbered(text) if line.strip()]
    if not lines:
        return ()  # no vhost adapter on this VIOS
    first_no, first_line = lines[0]
    options = lsmap_options(command_line)
    if _HEADER.match(first_line):
        return _parse_default(rejoin_wrapped(lines, _BARE_KEYS), ctx)
    if options.fields is not None:
        return _parse_selected(lines, ctx, options)
    if _DELIMITED_START.match(first_line):
        return _parse_delimited(lines, ctx)
    raise ctx.error(first_no, first_line, "neither an 'SVSA Physloc Client Partition ID' header nor -fmt")


def _parse_default(lines: list[tuple[int, str]], ctx: Context) -> tuple[VscsiMapping, ...]:
    mappings: list[VscsiMapping] = []
    adapter: _Adapter | None = None
    expect = "header"  # header -> rule -> adapter row -> body
    header_no = 0
    for line_no, line in lines:
        if _HEADER.match(line):
            if expect in {"rule", "adapter"}:
                raise ctx.error(line_no, line, "a new header before the previous adapter row")
            if adapter is not None:
                mappings.append(_close_adapter(adapter, line_no, line, ctx))
                adapter = None
            expect, header_no = "rule", line_no
            continue
        if expect == "header":
            raise ctx.error(line_no, line, "expected an 'SVSA Physloc Client Partition ID' header")
        if expect == "rule":
            if not _RULE.match(line):
                raise ctx.error(line_no, line, "expected the dashed rule under the header")
            expect = "adapter"
            continue
        if expect == "adapter":
            m = _ADAPTER.match(line)
            if not m:
                raise ctx.error(line_no, line, "expected an adapter row: vhostN, location code, client id")
            cid = client_partition_id(m["cid"], line_no, line, ctx)
            adapter = _Adapter(header_no, line_no, m["svsa"], m["physloc"], cid)
            expect = "body"
            continue
        assert adapter is not None
        _body_line(adapter, line_no, line, ctx)
    last_no, last_line = lines[-1]
    if expect != "body" or adapter is None:
        raise ctx.error(last_no, last_line, "the output ends inside a header (truncated?)")
    mappings.append(_close_adapter(adapter, last_no, last_line, ctx, at_end=True))
    return tuple(mappings)


def _body_line(adapter: _Adapter, line_no: int, line: str, ctx: Context) -> None:
    if _NO_VTD.match(line):
        if adapter.devices or adapter.open_device is not None or adapter.no_devices:
            raise ctx.error(line_no, line, "'NO VIRTUAL TARGET DEVICE FOUND' after devices were listed")
        adapter.no_devices = True
        adapter.last = line_no
        return
    m = _KEY.match(line)
    if not m:
        raise ctx.error(line_no, line, "not a VTD, Status, LUN, Backing device, Physloc or Mirrored line")
    if adapter.no_devices:
        raise ctx.error(line_no, line, "device data after 'NO VIRTUAL TARGET DEVICE FOUND'")
    key, value = m["key"], (m["value"] or "").strip() or None
    if key == "VTD":
        if value is None:
            raise ctx.error(line_no, line, "a VTD line without a device name")
        if adapter.open_device is not None:
            adapter.devices.append(_close_device(adapter.open_device, line_no, line, ctx))
        adapter.open_device = _Device(line_no, line_no, {"VTD": value})
    else:
        device = adapter.open_device
        if device is None:
            raise ctx.error(line_no, line, f"a {key!r} line before any VTD line")
        if key in device.values:
            raise ctx.error(line_no, line, f"a second {key!r} line in the same VTD")
        if key == "LUN" and (value is None or not _LUN.match(value)):
            raise ctx.error(line_no, line, "the LUN is not a hexadecimal number such as 0x8100000000000000")
        device.values[key] = value
        device.last = line_no
    adapter.last = line_no


def _close_device(device: _Device, line_no: int, line: str, ctx: Context) -> VirtualTargetDevice:
    for required in ("LUN", "Backing device"):
        if required not in device.values:
            raise ctx.error(line_no, line, f"VTD {device.values['VTD']} has no {required} line (output truncated?)")
    vtd = device.values["VTD"]
    assert vtd is not None
    return VirtualTargetDevice(
        vtd=vtd,
        status=device.values.get("Status"),
        lun=device.values["LUN"],
        backing_device=device.values["Backing device"],
        physloc=device.values.get("Physloc"),
        mirrored=device.values.get("Mirrored"),
        span=Span(device.first, device.last),
    )


def _close_adapter(adapter: _Adapter, line_no: int, line: str, ctx: Context, *, at_end: bool = False) -> VscsiMapping:
    if adapter.open_device is not None:
        adapter.devices.append(_close_device(adapter.open_device, line_no, line, ctx))
        adapter.open_device = None
    if not adapter.devices and not adapter.no_devices:
        reason = "ends" if at_end else "is followed by a new header"
        raise ctx.error(line_no, line, f"adapter {adapter.svsa} {reason} before any VTD or 'NO VIRTUAL TARGET DEVICE'")
    return VscsiMapping(
        server_adapter=adapter.svsa,
        physloc=adapter.physloc,
        client_partition_id=adapter.client_id,
        devices=tuple(adapter.devices),
        span=Span(adapter.first, adapter.last),
    )


# ---------------------------------------------------------------- delimited layout (-fmt)


def _parse_delimited(lines: list[tuple[int, str]], ctx: Context) -> tuple[VscsiMapping, ...]:
    start = _DELIMITED_START.match(lines[0][1])
    assert start is not None
    delim = start["delim"]
    sizes = {6, 5, 2}  # one field layout for the whole output
    mappings: list[VscsiMapping] = []
    for line_no, line in lines:
        fields = [f.strip() for f in line.split(delim)]
        if len(fields) < 3:
            raise ctx.error(line_no, line, f"expected at least svsa{delim}physloc{delim}clientid")
        rest = fields[3:]
        if all(not f for f in rest):
            rest = []  # an adapter without devices, possibly padded with empty fields
        fits = sizes & _group_sizes(rest)
        if not fits:
            raise ctx.error(
                line_no,
                line,
                f"{len(rest)} device fields fit no -fmt layout of this output "
                "(vtd:status:lun:backing:bdphysloc:mirrored); capture with 'lsmap -all -fmt :'",
            )
        sizes = fits
        mappings.append(_delimited_adapter(line_no, line, fields[:3], rest, max(fits), ctx))
    return tuple(mappings)


def _delimited_adapter(
    line_no: int, line: str, head: list[str], rest: list[str], size: int, ctx: Context
) -> VscsiMapping:
    svsa, physloc, cid = head
    if not _NAME.match(svsa):
        raise ctx.error(line_no, line, f"server adapter {svsa!r} is not a device name such as vhost0")
    if not _PHYSLOC.match(physloc):
        raise ctx.error(line_no, line, f"physical location {physloc!r} is not a location code (U9009...)")
    if not _CLIENT_ID.match(cid):
        raise ctx.error(line_no, line, f"client partition id {cid!r} is not a number such as 0x00000003")
    span = Span(line_no, line_no)
    devices: list[VirtualTargetDevice] = []
    for i in range(0, len(rest), size):
        group = rest[i : i + size]
        if not _NAME_OR_PATH.match(group[0]):
            raise ctx.error(line_no, line, f"VTD name {group[0]!r} is not a device name")
        if size == 2:
            group = [group[0], "", "", group[1], "", ""]
        elif size == 5:
            group = [*group, ""]
        vtd, status, lun, backing, bdphysloc, mirrored = group
        devices.append(
            VirtualTargetDevice(
                vtd=vtd,
                status=status or None,
                lun=lun or None,
                backing_device=backing or None,
                physloc=bdphysloc or None,
                mirrored=mirrored or None,
                span=span,
            )
        )
    return VscsiMapping(
        server_adapter=svsa,
        physloc=physloc,
        client_partition_id=client_partition_id(cid, line_no, line, ctx),
        devices=tuple(devices),
        span=span,
    )


def _parse_selected(lines: list[tuple[int, str]], ctx: Context, options: LsmapOptions) -> tuple[VscsiMapping, ...]:
    """``-field ... -fmt X``: the named fields in IBM's order, the device ones repeated per device."""
    order, delimiter = selected_fields(lines, ctx, options, FIELDS, _ADAPTER_FIELDS)
    device_fields = order[3:]
    if device_fields and "vtd" not in device_fields:
        raise ctx.error(lines[0][0], lines[0][1], "-field lists device fields without vtd: devices cannot be named")
    mappings = []
    for line_no, line in lines:
        values = [v.strip() for v in line.split(delimiter)]
        head, rest = values[:3], values[3:]
        if all(not v for v in rest):
            rest = []
        if len(head) < 3 or (rest and (not device_fields or len(rest) % len(device_fields))):
            raise ctx.error(
                line_no, line, f"expected {delimiter.join(_ADAPTER_FIELDS)} and then "
                f"{delimiter.join(device_fields) or 'nothing'} for each device"
            )
        devices: list[str] = []
        for i in range(0, len(rest), len(device_fields) or 1):
            group = dict(zip(device_fields, rest[i : i + len(device_fields)], strict=True))
            devices.extend(group.get(f, "") for f in FIELDS[3:])
        mappings.append(_delimited_adapter(line_no, line, head, devices, 6, ctx))
    return tuple(mappings)


def _group_sizes(rest: list[str]) -> set[int]:
    """Field counts per device this line fits: 6 (current levels), 5 (before Mirrored), 2 (vtd, backing)."""
    if not rest:
        return {6, 5, 2}
    sizes = {
        size
        for size in (6, 5)
        if len(rest) % size == 0 and all(_LUN.match(rest[i + 2]) for i in range(0, len(rest), size))
    }
    if len(rest) % 2 == 0 and not any(_LUN.match(f) or f in _STATUS_WORDS for f in rest):
        sizes.add(2)
    return sizes
