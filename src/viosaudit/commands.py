"""The one index of commands viosaudit runs and parses (a leaf: data, no logic beyond matching).

Every capture in a snapshot names one of these ids. The collectors build their plan from this list,
the parsers register against these ids, and the offline ksh script runs the same command lines.
Command lines with ``{system}`` are run once per managed system; the value is quoted when filled in.

Each command also says what it feeds (``Feeds``): the assembler, the topology and the reports ask the
index which command fills a part of the model, never by id. A VIOS command names the ``Vios`` field
its records fill (``field``) and how a reader calls that data (``label``), so adding one touches this
index, its parser (``parse/``) and the model field, nothing else.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from enum import StrEnum

from viosaudit.errors import ViosauditError


class Role(StrEnum):
    HMC = "hmc"
    VIOS = "vios"


class Feeds(StrEnum):
    """The part of the model a command's records fill."""

    HMC_VERSION = "HMC version"  # recorded in the evidence, not judged
    SYSTEMS = "managed systems"
    PARTITIONS = "partitions"  # VIOS and clients with their states
    VSCSI_ADAPTERS = "virtual SCSI adapters"  # the HMC's client/server adapter pairs
    FC_ADAPTERS = "virtual FC adapters"
    ETH_ADAPTERS = "virtual ethernet adapters"  # trunk adapters (SEA) and client VLANs
    VIOS_FIELD = "VIOS data"  # one ``Vios`` field, named by ``Command.field``


@dataclass(frozen=True, slots=True)
class Command:
    """A canonical command: its id, who runs it, the exact line, and how to recognise variants of it."""

    id: str
    role: Role
    line: str
    pattern: str
    feeds: Feeds
    needs_root: bool = False
    per_system: bool = False
    field: str | None = None  # the Vios field this VIOS command fills
    label: str = ""  # the data in a reader's words: "interim fixes"

    def render(self, system: str | None = None) -> str:
        """The exact command line, with the managed system name quoted for the remote shell."""
        if self.per_system:
            if not system:
                raise ValueError(f"command {self.id} needs a managed system name")
            return self.line.replace("{system}", shlex.quote(system))
        return self.line


SYS_FIELDS = "name,type_model,serial_num,state"
LPAR_FIELDS = "name,lpar_id,lpar_env,state,os_version"
SCSI_FIELDS = "lpar_name,lpar_id,slot_num,adapter_type,remote_lpar_id,remote_lpar_name,remote_slot_num"
FC_FIELDS = SCSI_FIELDS + ",wwpns"
ETH_FIELDS = "lpar_name,lpar_id,slot_num,port_vlan_id,addl_vlan_ids,is_trunk,trunk_priority,vswitch,mac_addr"

DISK_RESERVE_LINE = (
    "for d in $(lsdev -Cc disk -F name); do for a in reserve_policy unique_id; do "
    'echo "$d $a $(lsattr -El $d -a $a -F value 2>&1)"; done; done'
)
SEA_ATTRS_LINE = (
    "for d in $(lsdev -Cc adapter -t sea -F name); do "
    "lsattr -El $d -a ha_mode -a ctl_chan -a pvid_adapter -a virt_adapters -F 'attribute value' 2>&1"
    ' | sed "s/^/$d /"; done'
)

COMMANDS: tuple[Command, ...] = (
    Command("lshmc_v", Role.HMC, "lshmc -V", r"lshmc\s+-V\b", Feeds.HMC_VERSION),
    Command("lssyscfg_sys", Role.HMC, f"lssyscfg -r sys -F {SYS_FIELDS}", r"lssyscfg\s+-r\s+sys\b", Feeds.SYSTEMS),
    Command(
        "lssyscfg_lpar",
        Role.HMC,
        f"lssyscfg -r lpar -m {{system}} -F {LPAR_FIELDS}",
        r"lssyscfg\s+-r\s+lpar\b",
        Feeds.PARTITIONS,
        per_system=True,
    ),
    Command(
        "lshwres_scsi",
        Role.HMC,
        f"lshwres -r virtualio --rsubtype scsi --level lpar -m {{system}} -F {SCSI_FIELDS}",
        r"lshwres\s+.*--rsubtype\s+scsi\b",
        Feeds.VSCSI_ADAPTERS,
        per_system=True,
    ),
    Command(
        "lshwres_fc",
        Role.HMC,
        f"lshwres -r virtualio --rsubtype fc --level lpar -m {{system}} -F {FC_FIELDS}",
        r"lshwres\s+.*--rsubtype\s+fc\b",
        Feeds.FC_ADAPTERS,
        per_system=True,
    ),
    Command(
        "lshwres_eth",
        Role.HMC,
        f"lshwres -r virtualio --rsubtype eth --level lpar -m {{system}} -F {ETH_FIELDS}",
        r"lshwres\s+.*--rsubtype\s+eth\b",
        Feeds.ETH_ADAPTERS,
        per_system=True,
    ),
    Command("ioslevel", Role.VIOS, "ioslevel", r"^ioslevel\b", Feeds.VIOS_FIELD, field="level", label="level"),
    Command(
        "lsmap_all",
        Role.VIOS,
        "lsmap -all",
        r"^lsmap\b(?!.*\s-(npiv|net)\b)",
        Feeds.VIOS_FIELD,
        field="vscsi",
        label="vSCSI mappings",
    ),
    Command(
        "lsmap_npiv",
        Role.VIOS,
        "lsmap -all -npiv",
        r"^lsmap\b.*\s-npiv\b",
        Feeds.VIOS_FIELD,
        field="npiv",
        label="NPIV mappings",
    ),
    Command(
        "lsmap_net",
        Role.VIOS,
        "lsmap -all -net",
        r"^lsmap\b.*\s-net\b",
        Feeds.VIOS_FIELD,
        field="network",
        label="network mappings",
    ),
    # Each hdisk's PVID: with unique_id (disk_reserve, as root) what tells that hdisk4 on one VIOS and
    # hdisk7 on the other are the same LUN, so that redundancy is judged per disk.
    Command("lspv", Role.VIOS, "lspv", r"^lspv\s*$", Feeds.VIOS_FIELD, field="pvs", label="disks (PVIDs)"),
    # emgr prints "There is no efix data on this system." on stderr: merged, or a VIOS without interim
    # fixes would leave an empty capture that reads as "unreadable" instead of "no ifixes".
    Command(
        "emgr_l",
        Role.VIOS,
        "emgr -l 2>&1",
        r"^(/usr/sbin/)?emgr\s+-l\b",
        Feeds.VIOS_FIELD,
        needs_root=True,
        field="ifixes",
        label="interim fixes",
    ),
    Command(
        "lslpp_lc",
        Role.VIOS,
        "lslpp -Lc",
        r"^(/usr/bin/)?lslpp\s+-L\w*c",
        Feeds.VIOS_FIELD,
        needs_root=True,
        field="filesets",
        label="filesets",
    ),
    # Two lines per disk, "hdisk4 reserve_policy no_reserve" and "hdisk4 unique_id 3321360050...".
    # lsattr's stderr is merged into the line, so a disk without the attribute reads
    # "hdisk9 reserve_policy lsattr: 0514-528 ..." (unknown for that disk) instead of vanishing.
    Command(
        "disk_reserve",
        Role.VIOS,
        DISK_RESERVE_LINE,
        r"\blsattr\b.*-a\s+reserve_policy\b|\blsdev\s+-Cc\s+disk\b.*\breserve_policy\b",
        Feeds.VIOS_FIELD,
        needs_root=True,
        field="disk_reserve",
        label="disk reserve policies",
    ),
    # "ent8 ha_mode auto", "ent8 ctl_chan ent7", ...: each SEA's failover attributes, prefixed by its
    # name. Empty output is a VIOS without a SEA; an lsattr error lands in the capture (2>&1).
    Command(
        "sea_attrs",
        Role.VIOS,
        SEA_ATTRS_LINE,
        r"\blsdev\s+-Cc\s+adapter\s+-t\s+sea\b",
        Feeds.VIOS_FIELD,
        needs_root=True,
        field="sea",
        label="SEA attributes",
    ),
)

BY_ID: dict[str, Command] = {c.id: c for c in COMMANDS}
VIOS_DATA: tuple[Command, ...] = tuple(c for c in COMMANDS if c.feeds is Feeds.VIOS_FIELD)


def feeding(feeds: Feeds) -> Command:
    """The one command that fills this part of the model (VIOS fields: see ``VIOS_DATA``)."""
    found = [c for c in COMMANDS if c.feeds is feeds]
    if len(found) != 1:
        raise ValueError(f"{len(found)} commands feed {feeds.value}; ask VIOS_DATA for VIOS fields")
    return found[0]

_IOSCLI = re.compile(r"^(\S*/)?ioscli\s+")
_VIOSVRCMD = re.compile(r"""^viosvrcmd\b.*?\s-c\s+(?P<q>["'])(?P<inner>.*)(?P=q)\s*$""")


def unwrap_command(command_line: str) -> str:
    """The command itself, as the host ran it: without ``viosvrcmd ... -c "..."`` or an ``ioscli`` prefix.

    >>> unwrap_command("viosvrcmd -m 'Sys 1' -p vios1 -c 'ioscli lsmap -all -npiv'")
    'lsmap -all -npiv'
    """
    line = command_line.strip()
    try:
        argv = shlex.split(line)
    except ValueError:
        argv = []
    if argv and argv[0].rsplit("/", 1)[-1] == "viosvrcmd" and "-c" in argv[:-1]:
        line = argv[argv.index("-c") + 1].strip()
    else:
        wrapped = _VIOSVRCMD.match(line)
        if wrapped:
            line = wrapped.group("inner").strip()
    return _IOSCLI.sub("", line)


def identify(command_line: str) -> Command:
    """Map a command line as typed (or wrapped in viosvrcmd) to its canonical command.

    >>> identify('viosvrcmd -m "Sys 1" -p vios1 -c "lsmap -all -npiv"').id
    'lsmap_npiv'
    """
    line = unwrap_command(command_line)
    for command in COMMANDS:
        if re.search(command.pattern, line):
            return command
    known = ", ".join(c.line.replace("{system}", "SYS") for c in COMMANDS)
    raise ViosauditError(f"unknown command {command_line!r}; viosaudit reads these: {known}")
