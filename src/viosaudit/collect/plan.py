"""The command plan: which commands each role runs, read from the one index in ``commands.py``.

A ``Step`` is one command line to send to one host and where its capture belongs in the snapshot.
The role hooks (``hmc.py``, ``vios.py``) turn a canonical ``Command`` into the exact line a host
needs (``viosvrcmd`` wrapping, ``ioscli`` prefix, ``oem_setup_env`` for root commands); nothing here
builds a remote command from unquoted input.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from viosaudit.commands import COMMANDS, Command, Role
from viosaudit.snapshot import PlanTarget, plan_targets

HMC_MODE_ROOT_GAP = "root-only command not available through viosvrcmd (HMC mode)"
ROOT_DISABLED_GAP = "root-only command not collected: root_method = none in the configuration"


@dataclass(frozen=True, slots=True)
class Step:
    """One command to send to one host; ``host``/``role``/... describe the capture it produces."""

    command: Command
    line: str
    host: str
    role: Role
    managed_system: str | None = None
    partition: str | None = None
    via: str | None = None
    stdin: bytes | None = None


@dataclass(frozen=True, slots=True)
class Skip:
    """A command that this route cannot run: it becomes a gap with this reason."""

    command: Command
    reason: str


def hmc_inventory() -> tuple[Command, ...]:
    """HMC commands run once per HMC (``lshmc -V``, ``lssyscfg -r sys``)."""
    return tuple(c for c in COMMANDS if c.role is Role.HMC and not c.per_system)


def hmc_per_system() -> tuple[Command, ...]:
    """HMC commands run once per managed system (``lssyscfg -r lpar``, ``lshwres`` scsi/fc/eth)."""
    return tuple(c for c in COMMANDS if c.role is Role.HMC and c.per_system)


def vios_commands(*, root: bool) -> tuple[Command, ...]:
    """VIOS commands; ``root=True`` gives the root-only ones (emgr, lslpp, disk_reserve, sea_attrs)."""
    return tuple(c for c in COMMANDS if c.role is Role.VIOS and c.needs_root is root)


def step_targets(steps: Iterable[Step]) -> list[PlanTarget]:
    """The manifest's plan entries for ``steps``: one target per host, system and partition."""
    return plan_targets((s.host, s.role, s.managed_system, s.partition, s.via, s.command.id) for s in steps)
