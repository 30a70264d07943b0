"""``disk_reserve``: each disk's SCSI reserve policy and unique id on a VIOS (as root via oem_setup_env).

The command loops over ``lsdev -Cc disk -F name`` and prints, per disk and attribute, the disk name, the
attribute name and the value of ``lsattr -El hdiskN -a <attribute> -F value`` with lsattr's standard
error merged in. AIX knows the policies ``no_reserve``, ``single_path`` (SCSI-2 reserve),
``PR_exclusive`` and ``PR_shared`` (SCSI-3 persistent reserve); other single words are kept as printed.
``unique_id`` is the LUN's identity as the storage reports it (the same on every VIOS that sees the LUN).
A disk whose type lacks an attribute prints an lsattr error (``lsattr: 0514-528 The "reserve_policy"
attribute does not exist ...``, possibly continued on indented lines): that value is None (unknown).

Captures from before unique_id was collected hold one ``<disk> <policy>`` line per disk: read too, with
``unique_id`` None.

Empty output is rejected: every VIOS has disks, so it means the command failed or the output was lost.
Any other line raises ``ParseError``.

Example::

    hdisk4 reserve_policy no_reserve
    hdisk4 unique_id 33213600507680C80801228000000000000A104214503IBMfcp
    hdisk9 reserve_policy lsattr: 0514-528 The "reserve_policy" attribute does not exist in the

yields ``DiskReserve(disk='hdisk4', reserve_policy='no_reserve', span=Span(1, 2),
unique_id='33213600507680C80801228000000000000A104214503IBMfcp')`` and ``DiskReserve(disk='hdisk9',
reserve_policy=None, span=Span(3, 3))``.
"""

from __future__ import annotations

import re
from dataclasses import replace

from viosaudit.model import DiskReserve, Span
from viosaudit.parse._text import Context, numbered, require_output

COMMAND = "disk_reserve (lsattr -El hdiskN -a reserve_policy -a unique_id)"

ATTRIBUTES = ("reserve_policy", "unique_id")
_NAME = r"(?P<disk>[A-Za-z][\w.-]*)"
_ATTRIBUTE = re.compile(rf"^{_NAME} (?P<attribute>{'|'.join(ATTRIBUTES)})(?: (?P<value>.*))?$")
_LEGACY = re.compile(rf"^{_NAME} (?P<value>[A-Za-z][\w-]*|(/usr/sbin/)?lsattr: .*)$")
_ERROR = re.compile(r"^(/usr/sbin/)?lsattr: ")


def parse(text: str, host: str = "-") -> tuple[DiskReserve, ...]:
    ctx = Context(COMMAND, host)
    require_output(text, ctx)
    disks: dict[str, DiskReserve] = {}
    seen: set[tuple[str, str]] = set()
    last: str | None = None  # the disk whose lsattr error may continue on indented lines
    for line_no, line in numbered(text):
        if not line.strip():
            last = None
            continue
        if last is not None and line[:1].isspace():
            disks[last] = replace(disks[last], span=Span(disks[last].span.first, line_no))
            continue
        last = None
        m = _ATTRIBUTE.match(line) or _LEGACY.match(line)
        if m is None:
            raise ctx.error(line_no, line, "not a '<disk> <attribute> <value>' line")
        disk = m["disk"]
        attribute = m.groupdict().get("attribute") or "reserve_policy"
        value = (m["value"] or "").strip()
        if (disk, attribute) in seen:
            raise ctx.error(line_no, line, f"{attribute} of disk {disk} listed twice")
        seen.add((disk, attribute))
        if not value:
            raise ctx.error(line_no, line, f"disk {disk} without a {attribute} value (output cut short?)")
        if _ERROR.match(value):
            value, last = "", disk
        record = disks.get(disk) or DiskReserve(disk, None, Span(line_no, line_no))
        span = Span(record.span.first, line_no)
        if attribute == "unique_id":
            record = replace(record, span=span, unique_id=value or None)
        else:
            record = replace(record, span=span, reserve_policy=value or None)
        disks[disk] = record
    return tuple(disks.values())
