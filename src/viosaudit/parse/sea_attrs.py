"""``sea_attrs``: the failover attributes of each Shared Ethernet Adapter on a VIOS (run as root).

The command loops over ``lsdev -Cc adapter -t sea -F name`` and prints ``lsattr -El entN -a ha_mode
-a ctl_chan -a pvid_adapter -a virt_adapters -F 'attribute value'`` with each line prefixed by the
SEA's name. lsattr aligns the value column with blanks; an attribute with no value (``ctl_chan`` of a
SEA without a control channel) prints its name alone. Lines are grouped by SEA, in order of first
appearance; ``virt_adapters`` is a comma-separated list.

Empty output is legitimate: a VIOS without a SEA (the parser returns an empty tuple). An lsattr error
(``ent8 lsattr: 0514-528 ...``, an attribute this level does not have), an unknown attribute, an
attribute listed twice for one SEA or a line of another shape raise ``ParseError``.

Example::

    ent8 ha_mode        auto
    ent8 ctl_chan       ent7
    ent8 pvid_adapter   ent4

yields ``SeaAttributes(sea='ent8', ha_mode='auto', ctl_chan='ent7', pvid_adapter='ent4',
virt_adapters=(), span=Span(1, 3))``.
"""

from __future__ import annotations

import re

from viosaudit.model import SeaAttributes, Span
from viosaudit.parse._text import Context, numbered

COMMAND = "sea_attrs (lsattr -El entN of each SEA)"
ATTRIBUTES = ("ha_mode", "ctl_chan", "pvid_adapter", "virt_adapters")

_LINE = re.compile(r"^(?P<sea>[A-Za-z][\w.-]*)\s+(?P<attr>[a-z_]+)(\s+(?P<value>\S+))?$")
_ERROR = re.compile(r"^\S+\s+(/usr/sbin/)?lsattr:")


def parse(text: str, host: str = "-") -> tuple[SeaAttributes, ...]:
    ctx = Context(COMMAND, host)
    order: list[str] = []
    values: dict[str, dict[str, str | None]] = {}
    spans: dict[str, tuple[int, int]] = {}
    for line_no, line in numbered(text):
        if not line.strip():
            continue
        if _ERROR.match(line):
            raise ctx.error(line_no, line, "lsattr printed an error instead of the SEA attributes")
        m = _LINE.match(line)
        if not m:
            raise ctx.error(line_no, line, "not a '<sea> <attribute> <value>' line")
        sea, attr = m["sea"], m["attr"]
        if attr not in ATTRIBUTES:
            raise ctx.error(line_no, line, f"unexpected attribute {attr!r} (expected one of {', '.join(ATTRIBUTES)})")
        if sea not in values:
            order.append(sea)
            values[sea] = {}
            spans[sea] = (line_no, line_no)
        if attr in values[sea]:
            raise ctx.error(line_no, line, f"{sea} lists {attr} twice")
        values[sea][attr] = m["value"]
        spans[sea] = (spans[sea][0], line_no)
    records = []
    for sea in order:
        got = values[sea]
        adapters = got.get("virt_adapters")
        records.append(
            SeaAttributes(
                sea=sea,
                ha_mode=got.get("ha_mode"),
                ctl_chan=got.get("ctl_chan"),
                pvid_adapter=got.get("pvid_adapter"),
                virt_adapters=tuple(a for a in adapters.split(",") if a) if adapters else (),
                span=Span(*spans[sea]),
            )
        )
    return tuple(records)
