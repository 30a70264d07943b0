"""Parsers: one module per command, each a pure function from captured text to typed records.

``PARSERS`` maps the canonical command id (see ``viosaudit.commands``) to ``module:function`` in this
package. ``parse_output(command_id, text, host, command_line=...)`` is the one entry point: the
command line recorded with the capture (manifest ``command``) tells a parser which form to expect
(an HMC ``-F`` list, ``lsmap -field ... -fmt :``); without it the parser reads the collector's own
form, or recognises the HMC's default ``name=value`` listing by its shape. Parsers that read no
command line (``ioslevel``, ``emgr -l``, ``lslpp -Lc``, ``disk_reserve``, ``sea_attrs``) are called
with ``(text, host)`` only. A parser that meets a line it cannot read raises ``ParseError`` naming the
command, the host and the line (``HmcError`` when the HMC printed a message instead of data).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from viosaudit.commands import unwrap_command
from viosaudit.model import Record

Parser = Callable[..., tuple[Record, ...]]

PARSERS: dict[str, str] = {
    "lshmc_v": "lshmc_v:parse",
    "lssyscfg_sys": "lssyscfg_sys:parse",
    "lssyscfg_lpar": "lssyscfg_lpar:parse",
    "lshwres_scsi": "lshwres_virtualio:parse_scsi",
    "lshwres_fc": "lshwres_virtualio:parse_fc",
    "lshwres_eth": "lshwres_virtualio:parse_eth",
    "ioslevel": "ioslevel:parse",
    "lsmap_all": "lsmap_all:parse",
    "lsmap_npiv": "lsmap_npiv:parse",
    "lsmap_net": "lsmap_net:parse",
    "emgr_l": "emgr_l:parse",
    "lslpp_lc": "lslpp_lc:parse",
    "lspv": "lspv:parse",
    "disk_reserve": "disk_reserve:parse",
    "sea_attrs": "sea_attrs:parse",
}

# Parsers whose reading depends on the command line (field lists, -field/-fmt): called with it.
READS_COMMAND_LINE = frozenset(
    {"lshmc_v", "lssyscfg_sys", "lssyscfg_lpar", "lshwres_scsi", "lshwres_fc", "lshwres_eth", "lsmap_all",
     "lsmap_npiv", "lsmap_net"}
)  # fmt: skip


def parser_for(command_id: str) -> Parser:
    module_name, function = PARSERS[command_id].split(":")
    module = importlib.import_module(f"viosaudit.parse.{module_name}")
    parser: Parser = getattr(module, function)
    return parser


def parse_output(
    command_id: str, text: str, host: str = "-", command_line: str | None = None
) -> tuple[Record, ...]:
    """Parse one capture's text with the parser registered for its command id.

    Args:
        command_id: canonical id from ``viosaudit.commands``.
        text: the captured output.
        host: the host it came from, named in errors.
        command_line: the command as run (``viosvrcmd``/``ioscli`` wrapping is removed here); None when
            not known, and then the parser reads the collector's own form or recognises the shape.
    """
    parser = parser_for(command_id)
    if command_id in READS_COMMAND_LINE:
        return parser(text, host, unwrap_command(command_line) if command_line else None)
    return parser(text, host)

