"""``lshwres -r virtualio --rsubtype scsi|fc|eth --level lpar -m SYS``: virtual adapters, any form.

Three commands, one parser each, reading attributes by name through ``parse.hmc`` from the default
``name=value`` listing or any ``-F`` list (the collector asks the lists in ``viosaudit.commands``):

* ``parse_scsi`` and ``parse_fc`` read ``lpar_name``, ``lpar_id``, ``slot_num``, ``adapter_type``,
  ``remote_lpar_id``, ``remote_lpar_name``, ``remote_slot_num`` (and ``wwpns`` for fc) into
  ``VirtualAdapterRecord`` with ``kind`` ``"scsi"`` / ``"fc"``;
* ``parse_eth`` reads ``lpar_name``, ``lpar_id``, ``slot_num``, ``port_vlan_id``, ``addl_vlan_ids``,
  ``is_trunk``, ``trunk_priority``, ``vswitch``, ``mac_addr`` into ``VirtualEthernetRecord``.

``lpar_id`` and ``slot_num`` identify an adapter and must be there; any other attribute the capture
does not hold is None and listed in ``missing``, except where it has no meaning for the adapter
(``trunk_priority`` of a non-trunk adapter, ``wwpns`` of a server fc adapter) or where the default
listing leaves it out because the HMC has none (``vswitch`` on POWER5, ``wwpns`` of an adapter without
them, ``remote_lpar_name`` of an ``any`` adapter, ``trunk_priority``).

A list value is quoted by the HMC: ``"10,20,30"`` for ``addl_vlan_ids``, ``"c0507609a1b20004,
c0507609a1b20005"`` for ``wwpns`` (a quoted pair in the default form); where the HMC nests a list inside
a quoted value it doubles the inner quotes (``\"\"\"a,b\"\"\"``), accepted too. A server adapter that
accepts any client prints ``any`` for ``remote_lpar_id`` and ``remote_slot_num`` and nothing for
``remote_lpar_name``: these become None. ``wwpns`` is the pair the HMC generated for a client fc
adapter (two 16-hex-digit names, kept in lower case). ``trunk_priority`` (1-15) is kept for trunk
adapters only; ``mac_addr`` is twelve hex digits as printed.

``No results were found.`` alone is legitimate (no adapters of that kind); empty output is not. HMC
messages (``HSCLA4C0`` when the system does not support virtual fibre channel) raise ``HmcError``;
an unknown ``adapter_type``, a malformed WWPN, VLAN id or MAC address, and the same partition slot
listed twice raise ``ParseError``.

Example (``--rsubtype fc -F lpar_name,lpar_id,slot_num,adapter_type,remote_lpar_id,remote_lpar_name,
remote_slot_num,wwpns``)::

    vios1,1,30,server,3,aix01,4,
    vios1,1,31,server,any,,any,
    aix01,3,4,client,1,vios1,30,"c0507609a1b20004,c0507609a1b20005"

yields ``VirtualAdapterRecord(kind='fc', partition_name='vios1', partition_id=1, slot=30,
adapter_type='server', remote_partition_id=3, remote_partition_name='aix01', remote_slot=4, wwpns=(),
span=Span(1, 1), missing=())``, the ``any`` adapter with ``remote_partition_id=None`` and
``remote_slot=None``, and the client with ``wwpns=('c0507609a1b20004', 'c0507609a1b20005')``.

Example (``--rsubtype eth``, default form as in IBM technote isg3T7000527)::

    lpar_name=p72vio1,lpar_id=1,slot_num=2,state=1,is_required=0, is_trunk=1,trunk_priority=1,\
ieee_virtual_eth=1, port_vlan_id=1,vswitch=ETHERNET0," addl_vlan_ids=10,11",mac_addr=761FA3934802

yields ``VirtualEthernetRecord(partition_name='p72vio1', partition_id=1, slot=2, port_vlan_id=1,
addl_vlan_ids=(10, 11), is_trunk=True, trunk_priority=1, vswitch='ETHERNET0', mac_addr='761FA3934802',
span=Span(1, 1), missing=())``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

from viosaudit.commands import BY_ID
from viosaudit.model import Span, VirtualAdapterRecord, VirtualEthernetRecord
from viosaudit.parse._text import Context, none_if_blank
from viosaudit.parse.hmc import DEFAULT, HmcRow, read_rows

R = TypeVar("R", VirtualAdapterRecord, VirtualEthernetRecord)

SCSI_READS = (
    "lpar_name",
    "lpar_id",
    "slot_num",
    "adapter_type",
    "remote_lpar_id",
    "remote_lpar_name",
    "remote_slot_num",
)
FC_READS = (*SCSI_READS, "wwpns")
ETH_READS = (
    "lpar_name",
    "lpar_id",
    "slot_num",
    "port_vlan_id",
    "addl_vlan_ids",
    "is_trunk",
    "trunk_priority",
    "vswitch",
    "mac_addr",
)
_COMMON = ("state", "is_required", "drc_name", "lpar_uuid", "uuid")
VOCABULARY = {
    "scsi": (*SCSI_READS, *_COMMON, "backing_devices"),
    "fc": (*FC_READS, *_COMMON, "topology", "operating_mode"),
    "eth": (*ETH_READS, *_COMMON, "ieee_virtual_eth", "allowed_os_mac_addrs", "qos_priority", "vswitch_id"),
}
_IDENTITY = ("lpar_id", "slot_num")
_ADAPTER_TYPES = ("client", "server")
_WWPN = re.compile(r"^[0-9a-fA-F]{16}$")
_MAC = re.compile(r"^[0-9a-fA-F]{12}$")
_DIGITS = re.compile(r"^\d+$")


def _command(kind: str) -> str:
    return BY_ID[f"lshwres_{kind}"].line.replace("{system}", "SYS")


def parse_scsi(text: str, host: str = "-", command_line: str | None = None) -> tuple[VirtualAdapterRecord, ...]:
    """Virtual SCSI adapters (server ``vhost`` side and client side) of every partition."""
    return _parse(text, host, command_line, "scsi", lambda row, ctx: _adapter("scsi", row, ctx))


def parse_fc(text: str, host: str = "-", command_line: str | None = None) -> tuple[VirtualAdapterRecord, ...]:
    """Virtual fibre channel (NPIV) adapters of every partition, with the client WWPN pairs."""
    return _parse(text, host, command_line, "fc", lambda row, ctx: _adapter("fc", row, ctx))


def parse_eth(text: str, host: str = "-", command_line: str | None = None) -> tuple[VirtualEthernetRecord, ...]:
    """Virtual ethernet adapters of every partition, trunk (SEA-side) adapters included."""
    return _parse(text, host, command_line, "eth", _ethernet)


# ---------------------------------------------------------------- the row loop shared by the three


def _parse(
    text: str, host: str, command_line: str | None, kind: str, read: Callable[[HmcRow, Context], R]
) -> tuple[R, ...]:
    """Read every record with ``read``; the same partition slot twice is an error."""
    canonical = _command(kind)
    ctx = Context(command_line or canonical, host)
    records: list[R] = []
    slots: set[tuple[int, int]] = set()
    for row in read_rows(text, ctx, command_line, canonical=canonical, vocabulary=VOCABULARY[kind]):
        for needed in _IDENTITY:
            if not row.has(needed):
                raise ctx.error(row.line_no, row.line, f"no {needed} attribute: the adapter cannot be identified")
        record = read(row, ctx)
        key = (record.partition_id, record.slot)
        if key in slots:
            raise ctx.error(row.line_no, row.line, f"partition {key[0]} slot {key[1]} is listed twice")
        slots.add(key)
        records.append(record)
    return tuple(records)


def _missing(row: HmcRow, reads: tuple[str, ...], moot: set[str], unprinted: set[str]) -> tuple[str, ...]:
    """Attributes read but absent, less ``moot`` ones (no meaning for this adapter) and, in the default
    listing, ``unprinted`` ones (the HMC prints every attribute it has, so absent means 'has none')."""
    skip = moot | (unprinted if row.form == DEFAULT else set())
    return tuple(a for a in reads if not row.has(a) and a not in skip)


def _adapter(kind: str, row: HmcRow, ctx: Context) -> VirtualAdapterRecord:
    n, line = row.line_no, row.line
    adapter_type = row.get("adapter_type")
    if adapter_type is not None and adapter_type.strip() not in _ADAPTER_TYPES:
        raise ctx.error(n, line, f"adapter_type {adapter_type!r} is neither client nor server")
    adapter_type = adapter_type.strip() if adapter_type is not None else None
    wwpns: tuple[str, ...] = ()
    if kind == "fc" and row.has("wwpns"):
        wwpns = tuple(w.lower() for w in _hmc_list(row.get("wwpns") or ""))
        bad = [w for w in wwpns if not _WWPN.match(w)]
        if bad:
            raise ctx.error(n, line, f"{bad[0]!r} is not a WWPN (16 hex digits)")
        if adapter_type == "client" and len(wwpns) != 2:
            raise ctx.error(n, line, f"a client fc adapter has a pair of WWPNs, found {len(wwpns)}")
        if adapter_type == "server" and wwpns:
            raise ctx.error(n, line, "a server fc adapter has no WWPNs of its own")
    reads = FC_READS if kind == "fc" else SCSI_READS
    moot = {"wwpns"} if adapter_type == "server" else set()
    return VirtualAdapterRecord(
        kind=kind,
        partition_name=_name(row, ctx),
        partition_id=_partition_id(row.get("lpar_id") or "", row, ctx, "lpar_id"),
        slot=_count(row.get("slot_num") or "", row, ctx, "slot_num"),
        adapter_type=adapter_type,
        remote_partition_id=_optional_int(row, ctx, "remote_lpar_id"),
        remote_partition_name=none_if_blank(row.get("remote_lpar_name") or ""),
        remote_slot=_optional_int(row, ctx, "remote_slot_num"),
        wwpns=wwpns,
        span=Span(n, n),
        missing=_missing(row, reads, moot, {"remote_lpar_name", "wwpns"}),
    )


def _ethernet(row: HmcRow, ctx: Context) -> VirtualEthernetRecord:
    n, line = row.line_no, row.line
    trunk: bool | None = None
    if row.has("is_trunk"):
        is_trunk = (row.get("is_trunk") or "").strip()
        if is_trunk not in ("0", "1"):
            raise ctx.error(n, line, f"is_trunk {is_trunk!r} is neither 0 nor 1")
        trunk = is_trunk == "1"
    trunk_priority = _optional_int(row, ctx, "trunk_priority")
    if trunk and (trunk_priority is None or not 1 <= trunk_priority <= 15) and row.has("trunk_priority"):
        raise ctx.error(n, line, f"trunk_priority {row.get('trunk_priority')!r} of a trunk adapter is not 1-15")
    if trunk is False:
        if trunk_priority not in (None, 0):
            raise ctx.error(n, line, f"trunk_priority {trunk_priority!r} on an adapter that is not a trunk")
        trunk_priority = None
    mac_addr = none_if_blank(row.get("mac_addr") or "")
    if mac_addr is not None and not _MAC.match(mac_addr):
        raise ctx.error(n, line, f"mac_addr {mac_addr!r} is not 12 hex digits")
    pvid = row.get("port_vlan_id")
    moot = {"trunk_priority"} if trunk is False else set()
    return VirtualEthernetRecord(
        partition_name=_name(row, ctx),
        partition_id=_partition_id(row.get("lpar_id") or "", row, ctx, "lpar_id"),
        slot=_count(row.get("slot_num") or "", row, ctx, "slot_num"),
        port_vlan_id=_vlan(pvid, row, ctx, "port_vlan_id") if pvid is not None else None,
        addl_vlan_ids=tuple(_vlan(v, row, ctx, "addl_vlan_ids") for v in _hmc_list(row.get("addl_vlan_ids") or "")),
        is_trunk=trunk,
        trunk_priority=trunk_priority,
        vswitch=none_if_blank(row.get("vswitch") or ""),
        mac_addr=mac_addr,
        span=Span(n, n),
        missing=_missing(row, ETH_READS, moot, {"vswitch", "trunk_priority"}),
    )


# ---------------------------------------------------------------- values


def _hmc_list(value: str) -> tuple[str, ...]:
    """A comma list from one value: '' -> (); 'a,b' -> ('a', 'b'); the doubled-quote form too.

    The reader has already removed the outer quotes; a nested list keeps one more layer
    (``"a,b"`` from ``\"\"\"a,b\"\"\"``), which is dropped here, as are quotes around single items.
    """
    text = value.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1]
    if none_if_blank(text) is None:
        return ()
    return tuple(item.strip().strip('"') for item in text.split(","))


def _name(row: HmcRow, ctx: Context) -> str | None:
    value = row.get("lpar_name")
    if value is not None and not value.strip():
        raise ctx.error(row.line_no, row.line, "the partition name is empty")
    return value


def _count(value: str, row: HmcRow, ctx: Context, name: str) -> int:
    if not _DIGITS.match(value.strip()):
        raise ctx.error(row.line_no, row.line, f"{name} {value!r} is not a number")
    return int(value.strip())


def _optional_int(row: HmcRow, ctx: Context, name: str) -> int | None:
    """An integer, or None where the HMC prints nothing, 'any', 'none' or 'null' (or not at all)."""
    value = row.get(name) or ""
    if none_if_blank(value, "any") is None:
        return None
    return _count(value, row, ctx, name)


def _partition_id(value: str, row: HmcRow, ctx: Context, name: str) -> int:
    number = _count(value, row, ctx, name)
    if number < 1:
        raise ctx.error(row.line_no, row.line, f"{name} {number} is not a partition id (1 or more)")
    return number


def _vlan(value: str, row: HmcRow, ctx: Context, name: str) -> int:
    number = _count(value, row, ctx, name)
    if not 1 <= number <= 4094:
        raise ctx.error(row.line_no, row.line, f"{name} {number} is not a VLAN id (1-4094)")
    return number
