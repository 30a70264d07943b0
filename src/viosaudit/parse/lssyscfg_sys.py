"""``lssyscfg -r sys``: the managed systems of one HMC, in any form the HMC prints (see ``parse.hmc``).

Reads ``name``, ``type_model``, ``serial_num`` and ``state`` by name, from the default ``name=value``
listing or any ``-F`` list (the collector asks ``-F name,type_model,serial_num,state``); other
attributes are ignored. ``name`` identifies the system and must be there; the others are None (and
listed in ``missing``) when the capture does not hold them. Names may hold spaces and punctuation,
and an HMC that lost its connection may show the service processor's IP address or
``Server-tttt-mmm-SNsssssss`` as the name. ``state`` is kept as printed (``Operating``, ``Standby``,
``Power Off``, ``No Connection``, ``Error - Dump in progress``, ...).

``No results were found.`` alone is legitimate (the HMC manages no system); empty output is not. HMC
messages raise ``HmcError``; a type-model not shaped ``tttt-mmm``, an empty serial number or a line
that is not a record raise ``ParseError``.

Example (``-F name,type_model,serial_num,state``)::

    Server-9009-42A-SN78ABCDE,9009-42A,78ABCDE,Operating
    9.3.206.220,9179-MHD,1003EFP,No Connection

Example (default form, HMC V7; more attributes follow and are ignored)::

    name=9131-52A-6535CCG,type_model=9131-52A,serial_num=6535CCG,ipaddr=192.168.200.10,state=Operating

yield ``ManagedSystemRecord(name='Server-9009-42A-SN78ABCDE', type_model='9009-42A', serial='78ABCDE',
state='Operating', span=Span(1, 1), missing=())`` and so on.
"""

from __future__ import annotations

import re

from viosaudit.commands import BY_ID
from viosaudit.model import ManagedSystemRecord, Span
from viosaudit.parse._text import Context
from viosaudit.parse.hmc import HmcRow, read_rows

COMMAND = BY_ID["lssyscfg_sys"].line
READS = ("name", "type_model", "serial_num", "state")
VOCABULARY = (*READS, "ipaddr", "ipv6addr", "sp_type", "type_model_serial_num", "service_lpar_id", "detailed_state")

_TYPE_MODEL = re.compile(r"^[0-9A-Z]{4}-[0-9A-Z]{3}$")
_SERIAL = re.compile(r"^[0-9A-Z]+$")


def parse(text: str, host: str = "-", command_line: str | None = None) -> tuple[ManagedSystemRecord, ...]:
    ctx = Context(command_line or COMMAND, host)
    rows = read_rows(text, ctx, command_line, canonical=COMMAND, vocabulary=VOCABULARY)
    if rows and not rows[0].has("name"):
        row = rows[0]
        raise ctx.error(row.line_no, row.line, "the listing has no name attribute: systems cannot be told apart")
    return tuple(_record(row, ctx) for row in rows)


def _record(row: HmcRow, ctx: Context) -> ManagedSystemRecord:
    name, type_model, serial, state = (row.get(a) for a in READS)
    if not (name or "").strip():
        raise ctx.error(row.line_no, row.line, "the managed system name is empty")
    assert name is not None
    if type_model is not None and not _TYPE_MODEL.match(type_model.strip()):
        raise ctx.error(row.line_no, row.line, f"type_model {type_model!r} is not shaped like 9009-42A")
    if serial is not None and not _SERIAL.match(serial.strip()):
        raise ctx.error(row.line_no, row.line, f"serial_num {serial!r} is not a serial number such as 78ABCDE")
    if state is not None and not state.strip():
        raise ctx.error(row.line_no, row.line, "the state is empty")
    return ManagedSystemRecord(
        name=name,
        type_model=type_model.strip() if type_model is not None else None,
        serial=serial.strip() if serial is not None else None,
        state=state.strip() if state is not None else None,
        span=Span(row.line_no, row.line_no),
        missing=tuple(a for a in READS if not row.has(a)),
    )
