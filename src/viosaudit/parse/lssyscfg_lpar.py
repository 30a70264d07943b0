"""``lssyscfg -r lpar -m SYS``: the partitions of one system, in any form the HMC prints (``parse.hmc``).

Reads ``name``, ``lpar_id``, ``lpar_env``, ``state`` and ``os_version`` by name, from the default
``name=value`` listing or any ``-F`` list (the collector asks ``-F name,lpar_id,lpar_env,state,
os_version``); other attributes are ignored, ``-m``/``--filter`` variants read the same. ``name`` and
``lpar_id`` identify a partition and must be there; ``lpar_env`` and ``state`` are None (and listed in
``missing``) when the capture does not hold them. Partition names are kept exactly as printed.
``lpar_env`` is ``aixlinux``, ``os400`` or ``vioserver``; any other value raises rather than guessing
whether the partition is a VIOS. ``state`` is kept as printed (``Running``, ``Not Activated``,
``Open Firmware``, ``Migrating - Running``...). ``os_version`` is what RMC last reported, kept as
printed, including ``Unknown`` and its translations (``Nieznane`` on a Polish HMC V7); it is None when
the HMC prints nothing, as it does for partitions never activated.

``No results were found.`` alone is legitimate (a system with no partitions); empty output is not.
HMC messages raise ``HmcError``; a non-numeric or repeated partition id and lines that are not
records raise ``ParseError``.

Example (``-F name,lpar_id,lpar_env,state,os_version``)::

    vios1,1,vioserver,Running,VIOS 3.1.4.10
    spare,9,aixlinux,Not Activated,

Example (default form, POWER5 on HMC V7, attributes after ``os_version`` cut here)::

    name=vios2,lpar_id=3,lpar_env=vioserver,state=Running,resource_config=1,os_version=Nieznane,...

yield ``PartitionRecord(partition_name='vios1', partition_id=1, env=PartitionEnv.VIOS, state='Running',
os_version='VIOS 3.1.4.10', span=Span(1, 1), missing=())`` and so on.
"""

from __future__ import annotations

from viosaudit.commands import BY_ID
from viosaudit.model import PartitionEnv, PartitionRecord, Span
from viosaudit.parse._text import Context
from viosaudit.parse.hmc import HmcRow, read_rows

COMMAND = BY_ID["lssyscfg_lpar"].line.replace("{system}", "SYS")
READS = ("name", "lpar_id", "lpar_env", "state", "os_version")
VOCABULARY = (
    *READS,
    "resource_config",
    "logical_serial_num",
    "default_profile",
    "curr_profile",
    "work_group_id",
    "rmc_state",
    "rmc_ipaddr",
    "rmc_ipaddr_v6",
    "lpar_keylock",
    "auto_start",
    "boot_mode",
    "uuid",
)
_IDENTITY = ("name", "lpar_id")
_ENVS = {env.value: env for env in PartitionEnv}


def parse(text: str, host: str = "-", command_line: str | None = None) -> tuple[PartitionRecord, ...]:
    ctx = Context(command_line or COMMAND, host)
    rows = read_rows(text, ctx, command_line, canonical=COMMAND, vocabulary=VOCABULARY)
    records: list[PartitionRecord] = []
    ids: set[int] = set()
    for row in rows:
        record = _record(row, ctx)
        if record.partition_id in ids:
            raise ctx.error(row.line_no, row.line, f"partition id {record.partition_id} is listed twice")
        ids.add(record.partition_id)
        records.append(record)
    return tuple(records)


def _record(row: HmcRow, ctx: Context) -> PartitionRecord:
    for needed in _IDENTITY:
        if not row.has(needed):
            raise ctx.error(row.line_no, row.line, f"no {needed} attribute: the partition cannot be identified")
    name, lpar_id, lpar_env, state, os_version = (row.get(a) or "" for a in READS)
    if not name.strip():
        raise ctx.error(row.line_no, row.line, "the partition name is empty")
    if not lpar_id.strip().isdigit() or int(lpar_id) < 1:
        raise ctx.error(row.line_no, row.line, f"lpar_id {lpar_id!r} is not a partition id (1 or more)")
    env = None
    if row.has("lpar_env"):
        env = _ENVS.get(lpar_env.strip())
        if env is None:
            raise ctx.error(row.line_no, row.line, f"lpar_env {lpar_env!r} is not one of {', '.join(sorted(_ENVS))}")
    if row.has("state") and not state.strip():
        raise ctx.error(row.line_no, row.line, "the state is empty")
    return PartitionRecord(
        partition_name=name,
        partition_id=int(lpar_id),
        env=env,
        state=state.strip() or None,
        os_version=os_version.strip() or None,
        span=Span(row.line_no, row.line_no),
        missing=tuple(a for a in READS if not row.has(a)),
    )
