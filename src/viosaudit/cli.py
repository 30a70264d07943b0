"""The command line: a thin layer that wires the stages together.

Exit status: 0 complete; 1 partial (some hosts or commands not collected or unreadable: see the gaps);
2 usage or input error (bad arguments, unreadable snapshot or data file).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from viosaudit.commands import identify
from viosaudit.errors import ParseError, ViosauditError
from viosaudit.jsonable import to_jsonable
from viosaudit.parse import parse_output

EXIT_OK = 0
EXIT_PARTIAL = 1
EXIT_ERROR = 2


def _cmd_parse(args: argparse.Namespace) -> int:
    command = identify(args.command)
    text = Path(args.file).read_bytes().decode("utf-8", errors="replace")
    try:
        records = parse_output(command.id, text, host=args.host)
    except ParseError as exc:
        print(f"error: {Path(args.file)}: {exc}", file=sys.stderr)
        return EXIT_ERROR
    print(json.dumps(to_jsonable(records), indent=2))
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="viosaudit", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="action", required=True)
    p = sub.add_parser("parse", help="print the records parsed from one captured output as JSON")
    p.add_argument("--command", required=True, help='the command line that produced FILE, e.g. "lsmap -all"')
    p.add_argument("--host", default="-", help="host name to show in error messages")
    p.add_argument("file", help="captured output")
    p.set_defaults(func=_cmd_parse)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        result: int = args.func(args)
        return result
    except ViosauditError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
