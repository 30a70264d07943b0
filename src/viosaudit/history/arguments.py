"""The ``viosaudit history`` arguments; the actions themselves (``commands``) are imported only when
run, so ``viosaudit --help`` does not load SQLAlchemy."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any


def _lazy(name: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        from viosaudit.history import commands

        result: int = getattr(commands, name)(args)
        return result

    return run


def add_parser(sub: Any) -> None:
    """``history`` and its actions, added to the main parser's subparsers."""
    p = sub.add_parser("history", help="the recorded runs: list, what changed (diff), retention (prune)")
    actions = p.add_subparsers(dest="history_action", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", help="SQLite file or postgresql:// URL (default: $VIOSAUDIT_DB, else user data folder)")
    common.add_argument("--json", action="store_true", help="print JSON")
    common.add_argument("--zone", default="all", help="one collector zone (default: all)")
    q = actions.add_parser("list", parents=[common], help="the recorded runs, oldest first")
    q.set_defaults(func=_lazy("cmd_list"))
    q = actions.add_parser(
        "diff", parents=[common], help="what changed between two runs (default: each zone's last two)"
    )
    q.add_argument("a", nargs="?", help="run id or snapshot id (default: each zone's previous run)")
    q.add_argument("b", nargs="?", help="run id or snapshot id (default: the zone's latest run)")
    q.set_defaults(func=_lazy("cmd_diff"))
    q = actions.add_parser("prune", parents=[common], help="delete old runs, keeping what open findings need")
    q.add_argument("--keep-weeks", type=int, required=True, help="keep runs of the last N weeks of each zone")
    q.add_argument("--dry-run", action="store_true", help="say what would be deleted, delete nothing")
    q.set_defaults(func=_lazy("cmd_prune"))
