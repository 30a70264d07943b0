"""VIOS role hook: command lines for a VIOS reached directly as padmin.

padmin logs in to a restricted Korn shell (rksh): no ``/`` in command names, no output redirection,
no ``cd``. A non-interactive SSH command does not read padmin's profile, so the command aliases
(``lsmap`` for ``ioscli lsmap``) may be missing: every command is sent as ``ioscli <command>``.
Root-only commands run through ``oem_setup_env``, which reads commands from its standard input:

* ``pipe`` (default): ``echo 'emgr -l' | ioscli oem_setup_env``; a pipe and ``echo`` are allowed in
  rksh, and the command itself is a fixed line from ``commands.py``.
* ``stdin``: run ``ioscli oem_setup_env`` and write ``emgr -l`` and ``exit`` on its standard input;
  nothing but the fixed words ``ioscli oem_setup_env`` is parsed by rksh.
* ``none``: do not run root commands (they become gaps).

Sources and trade-offs are in docs/collect.md ("Root commands on a VIOS").
"""

from __future__ import annotations

import shlex

from viosaudit.commands import Command, Role

from .plan import ROOT_DISABLED_GAP, Skip, Step, vios_commands

OEM_SETUP_ENV = "ioscli oem_setup_env"


class ViosHook:
    role = Role.VIOS

    def __init__(self, root_method: str = "pipe") -> None:
        self.root_method = root_method

    def line(self, command: Command) -> tuple[str, bytes | None]:
        """The line to send for one canonical command, and what to write on its stdin (if anything)."""
        if not command.needs_root:
            return f"ioscli {command.line}", None
        if self.root_method == "stdin":
            return OEM_SETUP_ENV, f"{command.line}\nexit\n".encode()
        return f"echo {shlex.quote(command.line)} | {OEM_SETUP_ENV}", None

    def steps(self, host: str, system: str | None, partition: str | None) -> tuple[tuple[Step, ...], tuple[Skip, ...]]:
        commands = vios_commands(root=False)
        skips: tuple[Skip, ...] = ()
        if self.root_method == "none":
            skips = tuple(Skip(c, ROOT_DISABLED_GAP) for c in vios_commands(root=True))
        else:
            commands = (*commands, *vios_commands(root=True))
        steps = []
        for command in commands:
            line, stdin = self.line(command)
            steps.append(Step(command, line, host, Role.VIOS, managed_system=system, partition=partition, stdin=stdin))
        return tuple(steps), skips
