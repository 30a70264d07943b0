"""Parsers: one module per command, each a pure function ``parse(text, host) -> tuple[Record, ...]``.

``PARSERS`` maps the canonical command id (see ``viosaudit.commands``) to ``module:function`` in this
package. A parser that meets a line it cannot read raises ``ParseError`` naming the command, the host
and the line.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from viosaudit.model import Record

Parser = Callable[[str, str], tuple[Record, ...]]

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


def parser_for(command_id: str) -> Parser:
    module_name, function = PARSERS[command_id].split(":")
    module = importlib.import_module(f"viosaudit.parse.{module_name}")
    parser: Parser = getattr(module, function)
    return parser


def parse_output(command_id: str, text: str, host: str = "-") -> tuple[Record, ...]:
    """Parse one capture's text with the parser registered for its command id."""
    return parser_for(command_id)(text, host)
