"""HMC role hook: command lines for an HMC, ``viosvrcmd`` wrapping, and reading the inventory.

An HMC is reached as ``hscroot`` or a named user; its restricted shell splits arguments like a POSIX
shell, so managed system and partition names are quoted with ``shlex.quote`` and the ``-c`` payload
is a canonical line from ``commands.py`` (quoted too). One login covers the estate (HMC Scanner's
approach): VIOS commands go through ``viosvrcmd``, which needs RMC to the VIOS and runs them as
padmin, so root-only commands (``emgr``, ``lslpp``) cannot be collected this way.
"""

from __future__ import annotations

import shlex

from viosaudit.commands import Command, Role
from viosaudit.model import ManagedSystemRecord, PartitionEnv, PartitionRecord, vios_serving
from viosaudit.parse import lssyscfg_lpar, lssyscfg_sys

from .plan import HMC_MODE_ROOT_GAP, Skip, Step, hmc_inventory, hmc_per_system, vios_commands

# A system in these states cannot answer lssyscfg -r lpar: prefer another HMC that lists it.
UNUSABLE_STATES = ("No Connection", "Incomplete", "Failed Authentication", "Pending Authentication")


class HmcHook:
    role = Role.HMC

    def inventory(self, hmc: str) -> tuple[Step, ...]:
        return tuple(Step(c, c.render(), hmc, Role.HMC) for c in hmc_inventory())

    def per_system(self, hmc: str, system: str) -> tuple[Step, ...]:
        return tuple(Step(c, c.render(system), hmc, Role.HMC, managed_system=system) for c in hmc_per_system())

    def viosvrcmd(self, system: str, partition: str, command: Command) -> str:
        """``viosvrcmd -m SYS -p VIOS -c 'cmd'``, every value quoted for the HMC shell."""
        return f"viosvrcmd -m {shlex.quote(system)} -p {shlex.quote(partition)} -c {shlex.quote(command.line)}"

    def vios_steps(self, hmc: str, system: str, partition: str) -> tuple[tuple[Step, ...], tuple[Skip, ...]]:
        """The VIOS commands for one running VIOS, through this HMC; root-only ones become gaps."""
        steps = tuple(
            Step(
                c,
                self.viosvrcmd(system, partition, c),
                partition,
                Role.VIOS,
                managed_system=system,
                partition=partition,
                via=hmc,
            )
            for c in vios_commands(root=False)
        )
        skips = tuple(Skip(c, HMC_MODE_ROOT_GAP) for c in vios_commands(root=True))
        return steps, skips

    def systems(self, text: str, hmc: str) -> tuple[ManagedSystemRecord, ...]:
        return lssyscfg_sys.parse(text, hmc)

    def partitions(self, text: str, hmc: str) -> tuple[PartitionRecord, ...]:
        return lssyscfg_lpar.parse(text, hmc)

    @staticmethod
    def usable(system: ManagedSystemRecord) -> bool:
        return not (system.state or "").startswith(UNUSABLE_STATES)

    @staticmethod
    def running_vios(partitions: tuple[PartitionRecord, ...]) -> tuple[PartitionRecord, ...]:
        """VIOS partitions that can answer viosvrcmd now (state Running)."""
        return tuple(p for p in partitions if p.env is PartitionEnv.VIOS and vios_serving(p.state) is True)
