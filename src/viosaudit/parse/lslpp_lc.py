"""``lslpp -Lc`` (also ``-Lcq``): installed software, one colon-separated line per fileset.

The header (absent with ``-q``) names the columns ``#Package Name:Fileset:Level:State:PTF Id:Fix State:
Type:Description:Destination Dir.:Uninstaller:Message Catalog:Message Set:Message Number:Parent:
Automatic:EFIX Locked:Install Path:Build Date``; without a header these eighteen are assumed. AIX 5.x
prints fourteen (up to ``Parent``) and ends each line with a colon; that form is read from its header. The state
letter is in ``Fix State`` (``State`` is blank on current levels): A applied, B broken, C committed,
E EFIX locked, O obsolete, ? inconsistent. ``Type`` is blank for a base-level installp fileset, F for
an update, P/C/T for product/component/feature, E for an interim fix, R for an RPM package.

The columns after ``Description`` are read from the right, so a description holding a colon stays
whole. RPM packages (type R) are skipped on purpose: their levels (``5.1.4-2``) are not VRMF levels,
their build date holds colons, and the APAR and fileset checks concern installp filesets only.
``efix_locked`` is True when the EFIX Locked column is 1 or the state is E.

Empty output is not legitimate (every VIOS has filesets; it is a lost capture). Error lines such as
``lslpp: 0504-132 ...``, lines with too few fields, unknown state or type letters and levels that are
not dotted numbers raise ``ParseError``.

Example (``lslpp -Lcq``, so no header; long lines continue after ``\\``)::

    devices.vdevice.IBM.v-scsi-host.rte:devices.vdevice.IBM.v-scsi-host.rte:6.1.9.200: : :C:F:\
Virtual SCSI Host Support: : : : : : :0:0:/:1642
    bos:bos.rte.libc:6.1.9.200: : :E:F:libc Library: : : : : : :0:1:/:1642
    bash:bash-5.1.4-2:5.1.4-2: : :C:R:The GNU Bourne Again shell: :/bin/rpm -e bash: : : : :0: :(none):\
Fri Aug 13 04:33:12 EDT 2021

yields ``Fileset(package='devices.vdevice.IBM.v-scsi-host.rte', fileset='devices.vdevice.IBM.v-scsi-host.rte',
level=Level((6, 1, 9, 200)), state='C', type='F', description='Virtual SCSI Host Support', span=Span(1, 1),
efix_locked=False)``, then ``Fileset(package='bos', fileset='bos.rte.libc', ..., state='E', ...,
span=Span(2, 2), efix_locked=True)``; the RPM is skipped.
"""

from __future__ import annotations

import re

from viosaudit.model import Fileset, Level, Span
from viosaudit.parse._text import Context, numbered, require_output

COMMAND = "lslpp -Lc"

COLUMNS = (
    "Package Name",
    "Fileset",
    "Level",
    "State",
    "PTF Id",
    "Fix State",
    "Type",
    "Description",
    "Destination Dir.",
    "Uninstaller",
    "Message Catalog",
    "Message Set",
    "Message Number",
    "Parent",
    "Automatic",
    "EFIX Locked",
    "Install Path",
    "Build Date",
)
_LEADING = COLUMNS[:8]  # up to Description: always these, in this order
_STATES = {"A", "B", "C", "E", "O", "?"}
_TYPES = {"", "F", "P", "C", "T", "E", "R"}
_RPM = "R"
_LEVEL = re.compile(r"^\d+(\.\d+)+$")
_FILESET = re.compile(r"^[A-Za-z0-9][\w.+\-]*$")


def parse(text: str, host: str = "-") -> tuple[Fileset, ...]:
    ctx = Context(COMMAND, host)
    require_output(text, ctx)
    columns: tuple[str, ...] = COLUMNS
    seen_header = seen_data = False
    records: list[Fileset] = []
    last_no, last_line = 0, ""
    for line_no, line in numbered(text):
        if not line.strip():
            continue
        last_no, last_line = line_no, line
        if line.startswith("#"):
            if seen_header or seen_data:
                raise ctx.error(line_no, line, "a '#' header line after the first line")
            columns = _header(line_no, line, ctx)
            seen_header = True
            continue
        seen_data = True
        record = _record(line_no, line, columns, ctx)
        if record is not None:
            records.append(record)
    if not seen_data:
        raise ctx.error(last_no, last_line, "a header but no fileset lines (output truncated?)")
    return tuple(records)


def _header(line_no: int, line: str, ctx: Context) -> tuple[str, ...]:
    names = tuple(name.strip() for name in line[1:].split(":"))
    if names[: len(_LEADING)] != _LEADING:
        raise ctx.error(line_no, line, f"the header does not start with {':'.join(_LEADING)}")
    return names


def _record(line_no: int, line: str, columns: tuple[str, ...], ctx: Context) -> Fileset | None:
    fields = line.split(":")
    if columns[-1] == "Parent" and len(fields) == len(columns) + 1 and fields[-1] == "":
        fields.pop()  # AIX 5.x: fourteen columns, each line ending in a colon
    trailing = len(columns) - len(_LEADING)  # columns after Description, read from the right
    if len(fields) < len(_LEADING):
        raise ctx.error(line_no, line, f"expected {len(columns)} colon-separated fields, found {len(fields)}")
    package, fileset, level_text, state_col, _ptf, fix_state, kind = (f.strip() for f in fields[:7])
    if kind not in _TYPES:
        raise ctx.error(line_no, line, f"unknown type {kind!r} (expected blank, F, P, C, T, E or R)")
    if kind == _RPM:
        return None  # RPM packages: not installp filesets, see the module docstring
    if len(fields) < len(columns):
        raise ctx.error(line_no, line, f"expected {len(columns)} colon-separated fields, found {len(fields)}")
    tail = dict(zip(columns[len(_LEADING) :], fields[len(fields) - trailing :], strict=True))
    description = ":".join(fields[7 : len(fields) - trailing]).strip()
    if not _FILESET.match(package) or not _FILESET.match(fileset):
        raise ctx.error(line_no, line, f"package {package!r} or fileset {fileset!r} is not a fileset name")
    if not _LEVEL.match(level_text):
        raise ctx.error(line_no, line, f"level {level_text!r} is not a dotted level such as 7.2.4.1")
    state = fix_state or state_col
    if state not in _STATES:
        raise ctx.error(line_no, line, f"unknown state {state!r} (expected A, B, C, E, O or ?)")
    locked = tail.get("EFIX Locked", "").strip()
    if locked not in {"", "0", "1"}:
        raise ctx.error(line_no, line, f"EFIX Locked {locked!r} is neither 0 nor 1")
    return Fileset(
        package=package,
        fileset=fileset,
        level=Level.parse(level_text),
        state=state,
        type=kind,
        description=description,
        span=Span(line_no, line_no),
        efix_locked=locked == "1" or state == "E",
    )
