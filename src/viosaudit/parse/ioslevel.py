"""``ioslevel``: the VIOS level, one line.

Example::

    $ ioslevel
    3.1.4.10

yields ``(IosLevel(level=Level((3, 1, 4, 10)), span=Span(1, 1)),)``.
"""

from __future__ import annotations

from viosaudit.model import IosLevel, Level, Span
from viosaudit.parse._text import Context, numbered, require_output

COMMAND = "ioslevel"


def parse(text: str, host: str = "-") -> tuple[IosLevel, ...]:
    ctx = Context(COMMAND, host)
    require_output(text, ctx)
    found: IosLevel | None = None
    for line_no, line in numbered(text):
        if not line.strip():
            continue
        if found is not None:
            raise ctx.error(line_no, line, "more than one level printed")
        try:
            level = Level.parse(line)
        except ValueError as exc:
            raise ctx.error(line_no, line, "not a VIOS level such as 3.1.4.10") from exc
        if len(level.parts) != 4:
            raise ctx.error(line_no, line, "a VIOS level has four fields, such as 3.1.4.10")
        found = IosLevel(level=level, span=Span(line_no, line_no))
    assert found is not None
    return (found,)
