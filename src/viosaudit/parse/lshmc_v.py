"""``lshmc -V``: the HMC version, release, service pack, build level and installed fixes.

The HMC prints two double-quoted ``name=value`` attributes whose values span several lines: a
``version=`` block, then ``base_version=``. V7 and V8 print the release as three numbers (``7.9.0``)
and indent the inner lines; V9 prints the release as one number and the service pack as the
maintenance level (``942``), with or without the indent, and V10 keeps the V9 layout (``1050``). Each
installed PTF or interim fix adds one line after the build level (``MH01454: Required fix for ...`` up
to V8, ``MH01876 - HMC V9R1 M942`` from V9). Empty output is never legitimate: every HMC prints its
version, so empty output, an ``HSCL...`` error, an unknown, repeated or reordered line or a block
cut short raise ``ParseError``.

Example::

    "version= Version: 10
     Release: 3
     Service Pack: 1050
    HMC Build level 2311140155
    MF71030 - HMC V10R3 M1050
    ","base_version=V10R3
    "

yields ``(HmcVersion(version='10', release='3', service_pack='1050', build_level='2311140155',
span=Span(1, 7), base_version='V10R3', fixes=('MF71030 - HMC V10R3 M1050',)),)``.
"""

from __future__ import annotations

import re

from viosaudit.errors import HmcError
from viosaudit.model import HmcVersion, Span
from viosaudit.parse._text import Context, numbered, require_output
from viosaudit.parse.hmc import hmc_message

COMMAND = "lshmc -V"

_OPEN = re.compile(r'^"version=\s*Version:\s*(?P<value>\d+)$')
# The labelled lines inside version=, in the order the HMC prints them; each appears at most once.
_LABELLED: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("release", re.compile(r"^\s*Release:\s*(?P<value>\d+(?:\.\d+)*)$")),
    ("service_pack", re.compile(r"^\s*Service Pack:\s*(?P<value>\d+)$")),
    ("build_level", re.compile(r"^\s*HMC Build level\s+(?P<value>\d+(?:\.\d+)*)$")),
)
_FIX = re.compile(r"^\s*(?P<value>[A-Z]{2}\d{5}\b.*)$")  # PTF numbers: MH01454, MF71030
_BASE = re.compile(r'^","base_version=(?P<value>[^"\s]*)(?P<closed>")?$')
_CLOSE = '"'


def parse(text: str, host: str = "-", command_line: str | None = None) -> tuple[HmcVersion, ...]:
    ctx = Context(COMMAND, host)
    require_output(text, ctx)
    version: str | None = None
    values: dict[str, str] = {}
    fixes: list[str] = []
    base_version: str | None = None
    first = last = 0
    seen_no, seen_line = 0, ""  # the last line read, for an error when the block is cut short
    state = "before"  # before -> version (inside version=) -> [base (inside base_version=)] -> after
    message = hmc_message([(no, line) for no, line in numbered(text) if line.strip()])
    if message is not None:
        raise HmcError(ctx.command, ctx.host, *message)
    for line_no, line in numbered(text):
        if line.strip():
            seen_no, seen_line = line_no, line
        if state == "before":
            if not line.strip():
                continue
            opened = _OPEN.match(line)
            if not opened:
                reason = 'expected the start of the version block: "version= Version: N'
                raise ctx.error(line_no, line, reason)
            version, first, state = opened.group("value"), line_no, "version"
        elif state == "version":
            based = _BASE.match(line)
            if based:
                base_version = based.group("value") or None
                state = "after" if based.group("closed") else "base"
                last = line_no
            elif line == _CLOSE:
                state, last = "after", line_no
            else:
                _version_line(line_no, line, ctx, values, fixes)
        elif state == "base":
            if line != _CLOSE:
                raise ctx.error(line_no, line, 'expected the closing " of base_version')
            state, last = "after", line_no
        elif line.strip():
            raise ctx.error(line_no, line, "unexpected text after the version block")
    if state != "after" or version is None:
        raise ctx.error(seen_no, seen_line, "the output ends inside the version block (truncated?)")
    record = HmcVersion(
        version=version,
        release=values.get("release"),
        service_pack=values.get("service_pack"),
        build_level=values.get("build_level"),
        span=Span(first, last),
        base_version=base_version,
        fixes=tuple(fixes),
    )
    return (record,)


def _version_line(line_no: int, line: str, ctx: Context, values: dict[str, str], fixes: list[str]) -> None:
    """Consume one line inside the ``version=`` value: a labelled line or a fix line, in order."""
    for index, (name, pattern) in enumerate(_LABELLED):
        found = pattern.match(line)
        if found:
            later = [later_name for later_name, _ in _LABELLED[index:]]
            if fixes or any(seen in values for seen in later):
                raise ctx.error(line_no, line, f"{name.replace('_', ' ')} repeated or out of order")
            values[name] = found.group("value")
            return
    fix = _FIX.match(line)
    if fix and "build_level" in values:
        fixes.append(fix.group("value").strip())
        return
    raise ctx.error(line_no, line, "not a Release, Service Pack, HMC Build level or fix line")
