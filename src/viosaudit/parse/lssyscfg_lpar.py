"""``lssyscfg -r lpar -m SYS -F name,lpar_id,lpar_env,state,os_version``: the partitions of one system.

One line per partition, five comma-separated fields; a value holding a comma is double-quoted by the
HMC. Partition names may hold spaces and punctuation and are kept exactly as printed. ``lpar_env`` is
one of ``aixlinux``, ``os400`` or ``vioserver`` (``PartitionEnv``); any other value raises
``ParseError`` rather than guessing whether the partition is a VIOS. ``state`` is kept as printed
(``Running``, ``Not Activated``, ``Open Firmware``, ``Starting``, ``Shutting Down``, ``Error``,
``Not Available``, ``Migrating - Running``...). ``os_version`` is what RMC last reported, kept as
printed (``VIOS 3.1.4.10``, ``AIX 7.2 7200-05-04-2220``, ``Linux/Red Hat 4.18.0 8.6``, ``Unknown``);
it is None when the HMC prints nothing, as it does for partitions never activated. The field itself is
always there: a line with four fields is a truncated line and raises.

Empty output is not legitimate; ``No results were found.`` on its own is (a system with no partitions)
and yields an empty tuple. A ``--header`` line before the data is skipped. ``HSCL...`` error codes,
wrong field counts, a non-numeric or repeated partition id raise ``ParseError``.

Example::

    vios1,1,vioserver,Running,VIOS 3.1.4.10
    aix01 (prod),3,aixlinux,Running,AIX 7.2 7200-05-04-2220
    spare,9,aixlinux,Not Activated,

yields ``PartitionRecord(partition_name='vios1', partition_id=1, env=PartitionEnv.VIOS,
state='Running', os_version='VIOS 3.1.4.10', span=Span(1, 1))`` and two more (the last with
``os_version=None``).
"""

from __future__ import annotations

from viosaudit.commands import LPAR_FIELDS
from viosaudit.model import PartitionEnv, PartitionRecord, Span
from viosaudit.parse._text import (
    Context,
    hmc_data_lines,
    hmc_fields,
    int_field,
)

COMMAND = f"lssyscfg -r lpar -m SYS -F {LPAR_FIELDS}"

_ENVS = {env.value: env for env in PartitionEnv}


def parse(text: str, host: str = "-") -> tuple[PartitionRecord, ...]:
    ctx = Context(COMMAND, host)
    records: list[PartitionRecord] = []
    ids: set[int] = set()
    for line_no, line in hmc_data_lines(text, ctx, LPAR_FIELDS):
        record = _record(line_no, line, ctx)
        if record.partition_id in ids:
            raise ctx.error(line_no, line, f"partition id {record.partition_id} is listed twice")
        ids.add(record.partition_id)
        records.append(record)
    return tuple(records)


def _record(line_no: int, line: str, ctx: Context) -> PartitionRecord:
    name, lpar_id, lpar_env, state, os_version = hmc_fields(line, line_no, ctx, 5)
    if not name.strip():
        raise ctx.error(line_no, line, "the partition name is empty")
    if not lpar_id.strip().isdigit():
        raise ctx.error(line_no, line, f"lpar_id {lpar_id!r} is not a number")
    partition_id = int_field(lpar_id, line_no, line, ctx, "lpar_id")
    if partition_id < 1:
        raise ctx.error(line_no, line, f"lpar_id {partition_id} is not a partition id (1 or more)")
    env = _ENVS.get(lpar_env.strip())
    if env is None:
        known = ", ".join(sorted(_ENVS))
        raise ctx.error(line_no, line, f"lpar_env {lpar_env!r} is not one of {known}")
    if not state.strip():
        raise ctx.error(line_no, line, "the state is empty")
    return PartitionRecord(
        partition_name=name,
        partition_id=partition_id,
        env=env,
        state=state.strip(),
        os_version=os_version.strip() or None,
        span=Span(line_no, line_no),
    )
