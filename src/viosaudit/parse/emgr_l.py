"""``emgr -l``: the interim fixes (ifixes, efixes) installed on a VIOS (run as root via oem_setup_env).

A header ``ID STATE LABEL INSTALL TIME UPDATED BY ABSTRACT``, a rule of ``=`` runs that gives the
column positions, one line per fix, then a ``STATE codes:`` legend, which is skipped. Levels whose
emgr has no ``UPDATED BY`` column are read from their own header. The state may be starred (``*Q*``
marks a fix waiting for a reboot). ``INSTALL TIME`` (``MM/DD/YY hh:mm:ss``) becomes ISO 8601
(``2020-04-30T11:03:46``). The abstract is the rest of the line and may run past its rule; a value
in ``UPDATED BY`` is read but not kept (the model has no field for it).

``There is no efix data on this system.`` alone is legitimate: no ifix is installed, and the parser
returns an empty tuple. Empty output is not (emgr always prints something; it is most likely a lost
capture). An unknown state code, a header without fixes, a line cut short or any other text raise
``ParseError``.

Example::

    ID  STATE LABEL      INSTALL TIME      UPDATED BY ABSTRACT
    === ===== ========== ================= ========== ======================================
    1    S    IV91339m9a 01/27/17 10:54:32            Possible data corruption after LPM

yields ``Ifix(number=1, state=IfixState.STABLE, label='IV91339m9a', installed='2017-01-27T10:54:32',
abstract='Possible data corruption after LPM', span=Span(3, 3))``.
"""

from __future__ import annotations

import re
from datetime import datetime

from viosaudit.model import Ifix, IfixState, Span
from viosaudit.parse._text import Context, numbered, require_output

COMMAND = "emgr -l"
NO_FIXES = "There is no efix data on this system."

_HEADER = re.compile(r"^\s*ID\s+STATE\s+LABEL\s+INSTALL TIME\s+(UPDATED BY\s+)?ABSTRACT\s*$")
_RULE = re.compile(r"^\s*=+( +=+)+\s*$")
_FIX = re.compile(
    r"^\s*(?P<id>\d+)\s+(?P<state>\*?[A-Z]{1,2}\*?)\s+(?P<label>\S+)\s+"
    r"(?P<time>\d\d/\d\d/\d\d \d\d:\d\d:\d\d)(?P<rest>.*)$"
)
_LEGEND_TITLE = re.compile(r"^\s*STATE codes:\s*$")
_LEGEND = re.compile(r"^\s*[A-Z]{1,2} = [A-Z][A-Z +]*$")


def parse(text: str, host: str = "-") -> tuple[Ifix, ...]:
    ctx = Context(COMMAND, host)
    require_output(text, ctx)
    lines = [(no, line) for no, line in numbered(text) if line.strip()]
    first_no, first_line = lines[0]
    if first_line.strip() == NO_FIXES:
        if len(lines) > 1:
            raise ctx.error(lines[1][0], lines[1][1], f"output after {NO_FIXES!r}")
        return ()
    if not _HEADER.match(first_line):
        raise ctx.error(first_no, first_line, "expected the 'ID STATE LABEL INSTALL TIME ...' header")
    if len(lines) < 2 or not _RULE.match(lines[1][1]):
        no, line = lines[1] if len(lines) > 1 else lines[0]
        raise ctx.error(no, line, "expected the '=== =====' rule under the header")
    columns = _columns(first_line, lines[1][1])
    fixes: list[Ifix] = []
    in_legend = False
    for line_no, line in lines[2:]:
        if in_legend:
            if not _LEGEND.match(line):
                raise ctx.error(line_no, line, "not a 'X = MEANING' line of the STATE codes legend")
            continue
        if _LEGEND_TITLE.match(line):
            in_legend = True
            continue
        fixes.append(_fix(line_no, line, columns, ctx))
    if not fixes:
        last_no, last_line = lines[-1]
        raise ctx.error(last_no, last_line, "a header but no fix lines (output truncated?)")
    return tuple(fixes)


def _columns(header: str, rule: str) -> dict[str, tuple[int, int]]:
    """Column name -> (start, end) from the rule's ``=`` runs and the header text above them."""
    columns: dict[str, tuple[int, int]] = {}
    for run in re.finditer(r"=+", rule):
        columns[header[run.start() : run.end()].strip()] = (run.start(), run.end())
    return columns


def _fix(line_no: int, line: str, columns: dict[str, tuple[int, int]], ctx: Context) -> Ifix:
    m = _FIX.match(line)
    if not m:
        raise ctx.error(line_no, line, "not an 'ID STATE LABEL MM/DD/YY hh:mm:ss ABSTRACT' fix line")
    code = m["state"].strip("*")
    try:
        state = IfixState(code)
    except ValueError as exc:
        raise ctx.error(line_no, line, f"unknown emgr state code {m['state']!r}") from exc
    try:
        installed = datetime.strptime(m["time"], "%m/%d/%y %H:%M:%S").isoformat()
    except ValueError as exc:
        raise ctx.error(line_no, line, f"install time {m['time']!r} is not a valid date") from exc
    # Values wider than their column push the rest right: shift the abstract column by as much.
    shift = m.end("time") - columns.get("INSTALL TIME", (0, m.end("time")))[1]
    abstract_at = columns["ABSTRACT"][0] + shift if "ABSTRACT" in columns else m.start("rest")
    abstract_at = max(abstract_at, m.start("rest"))
    if "UPDATED BY" not in columns and line[m.start("rest") : abstract_at].strip():
        abstract_at = m.start("rest")  # no UPDATED BY column: all of it is the abstract
    return Ifix(
        number=int(m["id"]),
        state=state,
        label=m["label"],
        installed=installed,
        abstract=line[abstract_at:].strip(),
        span=Span(line_no, line_no),
    )
