"""``disk_reserve``: the SCSI reserve policy of every disk on a VIOS (run as root via oem_setup_env).

The command loops over ``lsdev -Cc disk -F name`` and prints, per disk, its name and the value of
``lsattr -El hdiskN -a reserve_policy -F value`` with lsattr's standard error merged in. AIX knows
``no_reserve``, ``single_path`` (SCSI-2 reserve), ``PR_exclusive`` and ``PR_shared`` (SCSI-3
persistent reserve); other single words are kept as printed. A disk whose type has no such attribute
prints an lsattr error (``lsattr: 0514-528 The "reserve_policy" attribute does not exist ...``,
possibly continued on indented lines): that disk is kept with ``reserve_policy=None`` (unknown).

Empty output is rejected: every VIOS has disks, so it means the command failed or the output was lost.
A line that is neither ``<disk> <policy>`` nor ``<disk> lsattr: ...`` (or its continuation) raises
``ParseError``.

Example::

    hdisk0 single_path
    hdisk4 no_reserve
    hdisk9 lsattr: 0514-528 The "reserve_policy" attribute does not exist in the predefined

yields ``DiskReserve(disk='hdisk0', reserve_policy='single_path', span=Span(1, 1))``,
``DiskReserve(disk='hdisk4', reserve_policy='no_reserve', span=Span(2, 2))`` and
``DiskReserve(disk='hdisk9', reserve_policy=None, span=Span(3, 3))``.
"""

from __future__ import annotations

import re

from viosaudit.model import DiskReserve, Span
from viosaudit.parse._text import Context, numbered, require_output

COMMAND = "disk_reserve (lsattr -El hdiskN -a reserve_policy)"

_POLICY = re.compile(r"^(?P<disk>[A-Za-z][\w.-]*) (?P<policy>[A-Za-z][\w-]*)$")
_ERROR = re.compile(r"^(?P<disk>[A-Za-z][\w.-]*) (/usr/sbin/)?lsattr: ")
_NO_VALUE = re.compile(r"^(?P<disk>[A-Za-z][\w.-]*)$")


def parse(text: str, host: str = "-") -> tuple[DiskReserve, ...]:
    ctx = Context(COMMAND, host)
    require_output(text, ctx)
    records: list[DiskReserve] = []
    seen: set[str] = set()
    in_error = False
    for line_no, line in numbered(text):
        if not line.strip():
            in_error = False
            continue
        if in_error and line[:1].isspace():
            last = records[-1]
            records[-1] = DiskReserve(last.disk, None, Span(last.span.first, line_no))
            continue
        in_error = False
        error = _ERROR.match(line)
        m = _POLICY.match(line)
        if error:
            disk, policy = error["disk"], None
            in_error = True
        elif m:
            disk, policy = m["disk"], m["policy"]
        elif _NO_VALUE.match(line):
            raise ctx.error(line_no, line, "a disk name without a reserve_policy value (output cut short?)")
        else:
            raise ctx.error(line_no, line, "not a '<disk> <reserve_policy>' line")
        if disk in seen:
            raise ctx.error(line_no, line, f"disk {disk} listed twice")
        seen.add(disk)
        records.append(DiskReserve(disk, policy, Span(line_no, line_no)))
    return tuple(records)
