"""Synthetic estates written as snapshot folders, for the fake SSH server to play.

``write_estate`` writes plausible output for every command of ``commands.py``: HMC inventory that
the real parsers read (the collector discovers systems and VIOS from it), and VIOS output taken
from the parser fixtures' shapes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from viosaudit.commands import BY_ID, COMMANDS, Role
from viosaudit.snapshot import SnapshotWriter

LSHMC_V = b""""version= Version: 10
 Release: 3
 Service Pack: 1050
HMC Build level 2312070307
MF71030 - HMC V10R3 M1050
","base_version=V10R3
"
"""

LSMAP_ALL = """SVSA            Physloc                                      Client Partition ID
--------------- -------------------------------------------- ------------------
vhost0          U9009.42A.{serial}-V{vid}-C11                     0x00000003

VTD                   lpar3_rootvg
Status                Available
LUN                   0x8100000000000000
Backing device        hdisk4
Physloc               U78D3.001.WZS0AL9-P1-C8-T1-W500507680B215660-L0
Mirrored              false

"""

LSMAP_NPIV = """Name          Physloc                            ClntID ClntName       ClntOS
------------- ---------------------------------- ------ -------------- -------
vfchost0      U9009.42A.{serial}-V{vid}-C22                3 aix01          AIX

Status:LOGGED_IN
FC name:fcs0                    FC loc code:U78C7.001.KIC2632-P1-C8-T1
Ports logged in:3
Flags:a<LOGGED_IN,STRIP_MERGE>
VFC client name:fcs0            VFC client DRC:U9009.42A.{serial}-V3-C4

"""

LSMAP_NET = """SVEA   Physloc
------ --------------------------------------------
ent4   U9009.42A.{serial}-V{vid}-C2-T1

SEA                   ent6
Backing device        ent0
Status                Available
Physloc               U78D3.001.WZS0AL9-P1-C2-T1

"""

EMGR_L = b"There is no efix data on this system.\n"

LSLPP_LC = (
    b"#Package Name:Fileset:Level:State:PTF Id:Fix State:Type:Description:Destination Dir.:Uninstaller:"
    b"Message Catalog:Message Set:Message Number:Parent:Automatic:EFIX Locked:Install Path:Build Date\n"
    b"devices.vdevice.IBM.v-scsi-host:devices.vdevice.IBM.v-scsi-host.rte:6.1.9.200: : :C: "
    b":Virtual SCSI Server Support: : : : : : :0:0:/:\n"
)

DISK_RESERVE = b"hdisk0 single_path\nhdisk1 single_path\nhdisk4 no_reserve\n"
LSPV = (
    b"NAME             PVID                                 VG               STATUS\n"
    b"hdisk0           00f6db0a6c7aece5                     rootvg           active\n"
    b"hdisk4           none                                 None\n"
)

SEA_ATTRS = b"ent6 ha_mode        auto\nent6 ctl_chan       ent5\nent6 pvid_adapter   ent4\nent6 virt_adapters  ent4\n"


@dataclass
class System:
    name: str
    serial: str
    vios: tuple[str, ...] = ("vios1", "vios2")
    clients: tuple[str, ...] = ("aix01",)
    type_model: str = "9009-42A"
    state: str = "Operating"
    vios_state: str = "Running"


@dataclass
class Estate:
    hmcs: dict[str, tuple[str, ...]]  # HMC -> names of the systems it lists
    systems: dict[str, System] = field(default_factory=dict)


VIOS_IDS = frozenset(c.id for c in COMMANDS if c.role is Role.VIOS)
PADMIN_IDS = frozenset(c.id for c in COMMANDS if c.role is Role.VIOS and not c.needs_root)


def _add(sink: SnapshotWriter, host: str, role: Role, command_id: str, output: bytes, **where: str | None) -> None:
    command = BY_ID[command_id]
    sink.add_capture(
        host=host,
        role=role,
        command_id=command_id,
        command=command.render(where.get("managed_system")) if command.per_system else command.line,
        output=output,
        started="2025-06-02T08:00:00Z",
        ended="2025-06-02T08:00:01Z",
        **where,
    )


def quote(value: str) -> str:
    return f'"{value}"' if "," in value or '"' in value else value


def write_estate(root: Path, estate: Estate) -> Path:
    """Write the estate as a snapshot folder (the fake server's script) and return ``root``."""
    sink = SnapshotWriter(root, snapshot_id="estate", collector="tests")
    for hmc, names in estate.hmcs.items():
        _add(sink, hmc, Role.HMC, "lshmc_v", LSHMC_V)
        lines = "".join(
            f"{quote(s.name)},{s.type_model},{s.serial},{s.state}\n" for s in (estate.systems[n] for n in names)
        )
        _add(sink, hmc, Role.HMC, "lssyscfg_sys", lines.encode() or b"No results were found.\n")
        for name in names:
            system = estate.systems[name]
            lpars = [
                f"{quote(v)},{i + 1},vioserver,{system.vios_state},VIOS 3.1.4.10" for i, v in enumerate(system.vios)
            ]
            lpars += [
                f"{quote(c)},{len(system.vios) + i + 1},aixlinux,Running,AIX 7.2 7200-05-04-2220"
                for i, c in enumerate(system.clients)
            ]
            _add(sink, hmc, Role.HMC, "lssyscfg_lpar", ("\n".join(lpars) + "\n").encode(), managed_system=name)
            for command_id in ("lshwres_scsi", "lshwres_fc", "lshwres_eth"):
                _add(sink, hmc, Role.HMC, command_id, b"No results were found.\n", managed_system=name)
    placed: set[tuple[str, str]] = set()
    for names in estate.hmcs.values():
        for name in names:
            system = estate.systems[name]
            for index, vios in enumerate(system.vios):
                if (name, vios) in placed:
                    continue
                placed.add((name, vios))
                where = {"managed_system": name, "partition": vios}
                fill = {"serial": system.serial, "vid": index + 1}
                _add(sink, vios, Role.VIOS, "ioslevel", b"3.1.4.10\n", **where)
                _add(sink, vios, Role.VIOS, "lsmap_all", LSMAP_ALL.format(**fill).encode(), **where)
                _add(sink, vios, Role.VIOS, "lsmap_npiv", LSMAP_NPIV.format(**fill).encode(), **where)
                _add(sink, vios, Role.VIOS, "lsmap_net", LSMAP_NET.format(**fill).encode(), **where)
                _add(sink, vios, Role.VIOS, "lspv", LSPV, **where)
                _add(sink, vios, Role.VIOS, "emgr_l", EMGR_L, **where)
                _add(sink, vios, Role.VIOS, "lslpp_lc", LSLPP_LC, **where)
                _add(sink, vios, Role.VIOS, "disk_reserve", DISK_RESERVE, **where)
                _add(sink, vios, Role.VIOS, "sea_attrs", SEA_ATTRS, **where)
    sink.close()
    return root


def simple_estate(systems: int = 2, hmcs: int = 1, vios_per_system: int = 2) -> Estate:
    """``hmcs`` HMCs sharing ``systems`` systems round-robin, VIOS named uniquely per system."""
    estate = Estate(hmcs={f"hmc{h + 1}": () for h in range(hmcs)})
    for index in range(systems):
        name = f"P9-{index + 1:03d}"
        vios = tuple(f"vios{index + 1:03d}{chr(ord('a') + v)}" for v in range(vios_per_system))
        estate.systems[name] = System(name, f"78A{index:04d}", vios=vios)
        hmc = f"hmc{index % hmcs + 1}"
        estate.hmcs[hmc] = (*estate.hmcs[hmc], name)
    return estate
