"""``lssyscfg -r sys -F name,type_model,serial_num,state``: the managed systems of one HMC.

One line per managed system, fields separated by commas; a name holding a comma is double-quoted by
the HMC (``"Prod, room 2"``). Names may hold spaces and punctuation, and an HMC that lost its
connection may show the service processor's IP address or ``Server-tttt-mmm-SNsssssss`` as the name.
``state`` is kept as the HMC prints it (``Operating``, ``Standby``, ``Power Off``, ``No Connection``,
``Error - Dump in progress``, ``Pending Authentication - Password Updates Required``...).

Empty output is not legitimate (the command always prints something); ``No results were found.`` on
its own is: the HMC manages no system, and the parser returns an empty tuple. A ``--header`` line
(the field names) before the data is skipped. ``HSCL...`` error codes, a wrong number of fields, a
type-model not shaped ``tttt-mmm`` or an empty serial number raise ``ParseError``.

Example::

    Server-9009-42A-SN78ABCDE,9009-42A,78ABCDE,Operating
    P9 Prod 2,9009-42A,78ABCDF,Power Off
    9.3.206.220,9179-MHD,1003EFP,No Connection

yields ``ManagedSystemRecord(name='Server-9009-42A-SN78ABCDE', type_model='9009-42A',
serial='78ABCDE', state='Operating', span=Span(1, 1))`` and two more.
"""

from __future__ import annotations

import re

from viosaudit.commands import SYS_FIELDS
from viosaudit.model import ManagedSystemRecord, Span
from viosaudit.parse._text import Context, hmc_data_lines, hmc_fields

COMMAND = f"lssyscfg -r sys -F {SYS_FIELDS}"

_TYPE_MODEL = re.compile(r"^[0-9A-Z]{4}-[0-9A-Z]{3}$")
_SERIAL = re.compile(r"^[0-9A-Z]+$")


def parse(text: str, host: str = "-") -> tuple[ManagedSystemRecord, ...]:
    ctx = Context(COMMAND, host)
    return tuple(_record(line_no, line, ctx) for line_no, line in hmc_data_lines(text, ctx, SYS_FIELDS))


def _record(line_no: int, line: str, ctx: Context) -> ManagedSystemRecord:
    name, type_model, serial, state = hmc_fields(line, line_no, ctx, 4)
    if not name.strip():
        raise ctx.error(line_no, line, "the managed system name is empty")
    if not _TYPE_MODEL.match(type_model.strip()):
        raise ctx.error(line_no, line, f"type_model {type_model!r} is not shaped like 9009-42A")
    if not _SERIAL.match(serial.strip()):
        raise ctx.error(line_no, line, f"serial_num {serial!r} is not a serial number such as 78ABCDE")
    if not state.strip():
        raise ctx.error(line_no, line, "the state is empty")
    return ManagedSystemRecord(
        name=name,
        type_model=type_model.strip(),
        serial=serial.strip(),
        state=state.strip(),
        span=Span(line_no, line_no),
    )
