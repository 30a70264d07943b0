"""``lspv`` (as padmin, or as root on AIX): every disk with its PVID, volume group and state.

padmin's ``lspv`` prints a ``NAME PVID VG STATUS`` header; root's prints none. Columns are separated by
blanks. The PVID is 16 hex digits or ``none`` (a disk never given one, typical of a LUN the VIOS only
passes to a client); the volume group is a name or ``None``; the state (``active``, ``concurrent``,
``locked``) is blank for a disk in no active volume group. Both ``none`` and ``None`` become None.

Empty output is rejected (every VIOS has a rootvg disk); a line that is not ``<disk> <pvid> [<vg>
[<state>]]``, a malformed PVID and a disk listed twice raise ``ParseError``.

Example::

    NAME             PVID                                 VG               STATUS
    hdisk0           00f6db0a6c7aece5                     rootvg           active
    hdisk4           none                                 None

yields ``PhysicalVolume(disk='hdisk0', pvid='00f6db0a6c7aece5', volume_group='rootvg', status='active',
span=Span(2, 2))`` and ``PhysicalVolume(disk='hdisk4', pvid=None, volume_group=None, status=None,
span=Span(3, 3))``.
"""

from __future__ import annotations

import re

from viosaudit.model import PhysicalVolume, Span
from viosaudit.parse._text import Context, numbered, require_output

COMMAND = "lspv"

_HEADER = re.compile(r"^NAME\s+PVID\s+VG\s+STATUS$")
_PVID = re.compile(r"^[0-9a-fA-F]{16}$")
_DISK = re.compile(r"^[A-Za-z][\w.-]*$")


def parse(text: str, host: str = "-") -> tuple[PhysicalVolume, ...]:
    ctx = Context(COMMAND, host)
    require_output(text, ctx)
    records: list[PhysicalVolume] = []
    seen: set[str] = set()
    for line_no, line in numbered(text):
        stripped = line.strip()
        if not stripped:
            continue
        if not records and _HEADER.match(stripped):
            continue
        fields = stripped.split()
        if len(fields) < 2 or len(fields) > 4 or not _DISK.match(fields[0]):
            raise ctx.error(line_no, line, "not a '<disk> <pvid> [<volume group> [<state>]]' line")
        disk, pvid = fields[0], fields[1]
        if pvid.lower() != "none" and not _PVID.match(pvid):
            raise ctx.error(line_no, line, f"PVID {pvid!r} is neither 16 hex digits nor 'none'")
        if disk in seen:
            raise ctx.error(line_no, line, f"disk {disk} listed twice")
        seen.add(disk)
        vg = fields[2] if len(fields) > 2 else None
        records.append(
            PhysicalVolume(
                disk=disk,
                pvid=None if pvid.lower() == "none" else pvid.lower(),
                volume_group=None if vg is None or vg == "None" else vg,
                status=fields[3] if len(fields) > 3 else None,
                span=Span(line_no, line_no),
            )
        )
    return tuple(records)
