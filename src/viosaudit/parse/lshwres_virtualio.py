"""``lshwres -r virtualio --rsubtype scsi|fc|eth --level lpar -m SYS -F ...``: virtual adapters.

Three commands, one parser each, over the exact field lists in ``viosaudit.commands``:

* ``parse_scsi`` (``SCSI_FIELDS``) and ``parse_fc`` (``FC_FIELDS``) yield ``VirtualAdapterRecord``
  with ``kind`` ``"scsi"`` / ``"fc"``;
* ``parse_eth`` (``ETH_FIELDS``) yields ``VirtualEthernetRecord``.

One line per adapter, comma-separated; a value holding commas is double-quoted by the HMC:
``"10,20,30"`` for ``addl_vlan_ids``, ``"c0507609a1b20004,c0507609a1b20005"`` for ``wwpns``. Where the
HMC nests a list inside a quoted value it doubles the inner quotes (``\"\"\"a,b\"\"\"``); the list helpers
accept that form too. A server adapter that accepts any client prints ``any`` for ``remote_lpar_id``
and ``remote_slot_num`` and nothing for ``remote_lpar_name``: these become None. ``wwpns`` is the pair
the HMC generated for a client fc adapter (exactly two 16-hex-digit names, kept in lower case) and is
empty for server adapters. ``trunk_priority`` (1-15) is kept for trunk adapters only; ``vswitch`` is
None on systems without virtual switches (POWER5), ``mac_addr`` is twelve hex digits as printed.

Empty output is not legitimate (the HMC always prints something); ``No results were found.`` on its
own is: the system has no adapters of that kind, and the parser returns an empty tuple. A ``--header``
line before the data is skipped. ``HSCL...`` error codes (for example ``HSCLA4C0`` when the system does
not support virtual fibre channel), wrong field counts, an unknown ``adapter_type``, a malformed WWPN,
VLAN id or MAC address, and the same partition slot listed twice raise ``ParseError``.

Example (``--rsubtype fc``)::

    vios1,1,30,server,3,aix01,4,
    vios1,1,31,server,any,,any,
    aix01,3,4,client,1,vios1,30,"c0507609a1b20004,c0507609a1b20005"

yields ``VirtualAdapterRecord(kind='fc', partition_name='vios1', partition_id=1, slot=30,
adapter_type='server', remote_partition_id=3, remote_partition_name='aix01', remote_slot=4, wwpns=(),
span=Span(1, 1))``, the ``any`` adapter with ``remote_partition_id=None`` and ``remote_slot=None``, and
the client with ``wwpns=('c0507609a1b20004', 'c0507609a1b20005')``.

Example (``--rsubtype eth``)::

    vios1,1,2,1,"10,20,30",1,1,ETHERNET0,FA2AD0C7F502
    vios1,1,3,99,,0,,ETHERNET0,FA2AD0C7F503
    aix01,3,2,10,,0,,ETHERNET0,FA2AD0C7F802

yields ``VirtualEthernetRecord(partition_name='vios1', partition_id=1, slot=2, port_vlan_id=1,
addl_vlan_ids=(10, 20, 30), is_trunk=True, trunk_priority=1, vswitch='ETHERNET0',
mac_addr='FA2AD0C7F502', span=Span(1, 1))`` and two more.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

from viosaudit.commands import ETH_FIELDS, FC_FIELDS, SCSI_FIELDS
from viosaudit.model import Span, VirtualAdapterRecord, VirtualEthernetRecord
from viosaudit.parse._text import (
    Context,
    hmc_data_lines,
    hmc_fields,
    int_field,
    none_if_blank,
    optional_int,
)

R = TypeVar("R", VirtualAdapterRecord, VirtualEthernetRecord)

_LEVEL = "lshwres -r virtualio --rsubtype {kind} --level lpar -m SYS -F {fields}"
_ADAPTER_TYPES = ("client", "server")
_WWPN = re.compile(r"^[0-9a-fA-F]{16}$")
_MAC = re.compile(r"^[0-9a-fA-F]{12}$")
_DIGITS = re.compile(r"^\d+$")


def parse_scsi(text: str, host: str = "-") -> tuple[VirtualAdapterRecord, ...]:
    """Virtual SCSI adapters (server ``vhost`` side and client side) of every partition."""
    ctx = Context(_LEVEL.format(kind="scsi", fields=SCSI_FIELDS), host)
    return _parse(text, ctx, SCSI_FIELDS, lambda n, line: _adapter("scsi", n, line, ctx))


def parse_fc(text: str, host: str = "-") -> tuple[VirtualAdapterRecord, ...]:
    """Virtual fibre channel (NPIV) adapters of every partition, with the client WWPN pairs."""
    ctx = Context(_LEVEL.format(kind="fc", fields=FC_FIELDS), host)
    return _parse(text, ctx, FC_FIELDS, lambda n, line: _adapter("fc", n, line, ctx))


def parse_eth(text: str, host: str = "-") -> tuple[VirtualEthernetRecord, ...]:
    """Virtual ethernet adapters of every partition, trunk (SEA-side) adapters included."""
    ctx = Context(_LEVEL.format(kind="eth", fields=ETH_FIELDS), host)
    return _parse(text, ctx, ETH_FIELDS, lambda n, line: _ethernet(n, line, ctx))


# ---------------------------------------------------------------- the line loop shared by the three


def _parse(text: str, ctx: Context, fields: str, read: Callable[[int, str], R]) -> tuple[R, ...]:
    """Read every data line with ``read``; handle blank lines, errors, headers, 'No results'."""
    records: list[R] = []
    slots: set[tuple[int, int]] = set()
    for line_no, line in hmc_data_lines(text, ctx, fields):
        record = read(line_no, line)
        key = (record.partition_id, record.slot)
        if key in slots:
            raise ctx.error(line_no, line, f"partition {key[0]} slot {key[1]} is listed twice")
        slots.add(key)
        records.append(record)
    return tuple(records)


def _adapter(kind: str, line_no: int, line: str, ctx: Context) -> VirtualAdapterRecord:
    expected = len((FC_FIELDS if kind == "fc" else SCSI_FIELDS).split(","))
    values = hmc_fields(line, line_no, ctx, expected)
    name, lpar_id, slot_num, adapter_type, remote_id, remote_name, remote_slot = values[:7]
    adapter_type = adapter_type.strip()
    if adapter_type not in _ADAPTER_TYPES:
        raise ctx.error(line_no, line, f"adapter_type {adapter_type!r} is neither client nor server")
    wwpns: tuple[str, ...] = ()
    if kind == "fc":
        wwpns = tuple(w.lower() for w in _hmc_list(values[7]))
        bad = [w for w in wwpns if not _WWPN.match(w)]
        if bad:
            raise ctx.error(line_no, line, f"{bad[0]!r} is not a WWPN (16 hex digits)")
        if adapter_type == "client" and len(wwpns) != 2:
            raise ctx.error(line_no, line, f"a client fc adapter has a pair of WWPNs, found {len(wwpns)}")
        if adapter_type == "server" and wwpns:
            raise ctx.error(line_no, line, "a server fc adapter has no WWPNs of its own")
    return VirtualAdapterRecord(
        kind=kind,
        partition_name=_name(name, line_no, line, ctx),
        partition_id=_partition_id(lpar_id, line_no, line, ctx, "lpar_id"),
        slot=_count(slot_num, line_no, line, ctx, "slot_num"),
        adapter_type=adapter_type,
        remote_partition_id=optional_int(remote_id, line_no, line, ctx, "remote_lpar_id"),
        remote_partition_name=none_if_blank(remote_name),
        remote_slot=optional_int(remote_slot, line_no, line, ctx, "remote_slot_num"),
        wwpns=wwpns,
        span=Span(line_no, line_no),
    )


def _ethernet(line_no: int, line: str, ctx: Context) -> VirtualEthernetRecord:
    name, lpar_id, slot_num, pvid, addl, is_trunk, priority, vswitch, mac = hmc_fields(
        line, line_no, ctx, len(ETH_FIELDS.split(","))
    )
    if is_trunk.strip() not in ("0", "1"):
        raise ctx.error(line_no, line, f"is_trunk {is_trunk!r} is neither 0 nor 1")
    trunk = is_trunk.strip() == "1"
    trunk_priority = optional_int(priority, line_no, line, ctx, "trunk_priority")
    if trunk and (trunk_priority is None or not 1 <= trunk_priority <= 15):
        raise ctx.error(line_no, line, f"trunk_priority {priority!r} of a trunk adapter is not 1-15")
    if not trunk:
        if trunk_priority not in (None, 0):
            raise ctx.error(line_no, line, f"trunk_priority {priority!r} on an adapter that is not a trunk")
        trunk_priority = None
    mac_addr = none_if_blank(mac)
    if mac_addr is not None and not _MAC.match(mac_addr):
        raise ctx.error(line_no, line, f"mac_addr {mac!r} is not 12 hex digits")
    return VirtualEthernetRecord(
        partition_name=_name(name, line_no, line, ctx),
        partition_id=_partition_id(lpar_id, line_no, line, ctx, "lpar_id"),
        slot=_count(slot_num, line_no, line, ctx, "slot_num"),
        port_vlan_id=_vlan(pvid, line_no, line, ctx, "port_vlan_id"),
        addl_vlan_ids=tuple(_vlan(v, line_no, line, ctx, "addl_vlan_ids") for v in _hmc_list(addl)),
        is_trunk=trunk,
        trunk_priority=trunk_priority,
        vswitch=none_if_blank(vswitch),
        mac_addr=mac_addr,
        span=Span(line_no, line_no),
    )


# ---------------------------------------------------------------- values


def _hmc_list(value: str) -> tuple[str, ...]:
    """A comma list from one -F field: '' -> (); 'a,b' -> ('a', 'b'); the doubled-quote form too.

    ``hmc_fields`` has already removed the outer quotes; a nested list keeps one more layer
    (``"a,b"`` from ``\"\"\"a,b\"\"\"``), which is dropped here, as are quotes around single items.
    """
    text = value.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1]
    if none_if_blank(text) is None:
        return ()
    return tuple(item.strip().strip('"') for item in text.split(","))


def _name(value: str, line_no: int, line: str, ctx: Context) -> str:
    if not value.strip():
        raise ctx.error(line_no, line, "the partition name is empty")
    return value


def _count(value: str, line_no: int, line: str, ctx: Context, name: str) -> int:
    if not _DIGITS.match(value.strip()):
        raise ctx.error(line_no, line, f"{name} {value!r} is not a number")
    return int_field(value, line_no, line, ctx, name)


def _partition_id(value: str, line_no: int, line: str, ctx: Context, name: str) -> int:
    number = _count(value, line_no, line, ctx, name)
    if number < 1:
        raise ctx.error(line_no, line, f"{name} {number} is not a partition id (1 or more)")
    return number


def _vlan(value: str, line_no: int, line: str, ctx: Context, name: str) -> int:
    number = _count(value, line_no, line, ctx, name)
    if not 1 <= number <= 4094:
        raise ctx.error(line_no, line, f"{name} {number} is not a VLAN id (1-4094)")
    return number
