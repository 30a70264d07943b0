"""The typed vocabulary of viosaudit: records parsed from command output, and the assembled estate.

Field-name glossary (one name per idea, everywhere):
    managed_system  the HMC name of a Power server (``lssyscfg -r sys`` ``name``)
    serial          its serial number (``serial_num``): the key that joins HMC and VIOS data
    partition_id    the LPAR id on its managed system (``lpar_id``; lsmap prints it as 0x...)
    partition_name  the LPAR name on the HMC (``lpar_name`` / ``name``)
    level           a dotted numeric level (VIOS ``ioslevel`` or a fileset level), a ``Level``
    span            the 1-based first and last line of the output a record was read from
    disk            an AIX disk device name on a VIOS (``hdisk4``), as lsdev and lsmap print it
    reserve_policy  the disk's SCSI reserve attribute (no_reserve, single_path, PR_exclusive, PR_shared)
    sea             a Shared Ethernet Adapter device name (``ent8``); ``ha_mode``, ``ctl_chan``,
                    ``pvid_adapter``, ``virt_adapters`` are its lsattr attribute names, kept as is
    pvid            a disk's physical volume id as ``lspv`` prints it (16 hex digits); None for "none"
    unique_id       a disk's ``unique_id`` attribute (lsattr): the LUN's identity across VIOS
    state           a partition's state as the HMC prints it (``Running``, ``Not Activated``...); what
                    it means for I/O is decided once, by ``vios_serving`` and ``client_active``

All records are frozen; collections are tuples; None means "not stated in the output". HMC records
carry ``missing``: the HMC attribute names the parser reads that the capture did not hold (an ``-F``
list without them, an older HMC that does not print them), so a rule can say "serial_num was not
collected" instead of guessing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from functools import total_ordering
from typing import Generic, TypeVar

T = TypeVar("T")

# ---------------------------------------------------------------- values


@total_ordering
@dataclass(frozen=True, slots=True)
class Level:
    """A dotted level compared numerically field by field: 2.2.5.10 > 2.2.5.9; 2.2.10.0 > 2.2.6.65.

    Missing trailing fields count as zero (3.1 == 3.1.0.0).
    """

    parts: tuple[int, ...]

    def __post_init__(self) -> None:
        if not self.parts or any(p < 0 for p in self.parts):
            raise ValueError(f"a level needs one or more non-negative fields, got {self.parts!r}")

    @classmethod
    def parse(cls, text: str) -> Level:
        cleaned = text.strip()
        if not re.fullmatch(r"\d+(\.\d+)*", cleaned):
            raise ValueError(f"not a dotted numeric level: {text!r}")
        return cls(tuple(int(p) for p in cleaned.split(".")))

    def _key(self) -> tuple[int, ...]:
        parts = list(self.parts)
        while parts and parts[-1] == 0:
            parts.pop()
        return tuple(parts)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Level) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Level):
            return NotImplemented
        return self._key() < other._key()

    def __str__(self) -> str:
        return ".".join(str(p) for p in self.parts)

    @property
    def release(self) -> str:
        """The release line, e.g. '2.2.5' for 2.2.5.10 or '3.1.0' for 3.1 (zero-padded)."""
        return ".".join(str(p) for p in (*self.parts, 0, 0, 0)[:3])


_SLOT = re.compile(r"-C(?P<slot>\d+)(?:-|$)")


def virtual_slot(location: str | None) -> int | None:
    """The virtual slot number in a location code: ``U8286.42A.21ABCDE-V3-C31-T1`` -> 31; None if none."""
    m = _SLOT.search(location or "")
    return int(m["slot"]) if m else None


@dataclass(frozen=True, slots=True)
class Span:
    """First and last line (1-based, inclusive) of the output a record was read from."""

    first: int
    last: int


# ---------------------------------------------------------------- records parsed from VIOS commands


@dataclass(frozen=True, slots=True)
class IosLevel:
    """``ioslevel``: the VIOS level."""

    level: Level
    span: Span


@dataclass(frozen=True, slots=True)
class VirtualTargetDevice:
    """One VTD in ``lsmap -all``; every field may be absent for an adapter with no devices mapped."""

    vtd: str
    status: str | None
    lun: str | None
    backing_device: str | None
    physloc: str | None
    mirrored: str | None
    span: Span


@dataclass(frozen=True, slots=True)
class VscsiMapping:
    """One virtual SCSI server adapter (vhost) in ``lsmap -all`` and the VTDs it serves.

    ``client_partition_id`` is None when lsmap prints 0x00000000 (no client configured or active).
    """

    server_adapter: str
    physloc: str
    client_partition_id: int | None
    devices: tuple[VirtualTargetDevice, ...]
    span: Span


class NpivStatus(StrEnum):
    LOGGED_IN = "LOGGED_IN"
    NOT_LOGGED_IN = "NOT_LOGGED_IN"


@dataclass(frozen=True, slots=True)
class NpivMapping:
    """One virtual fibre channel server adapter (vfchost) in ``lsmap -all -npiv``.

    ``status`` says whether the client port is logged in to the fabric (what redundancy needs);
    ``flags`` is lsmap's hexadecimal flag code (``a``) and ``flag_names`` the names the default layout
    prints with it (``Flags:a<LOGGED_IN,STRIP_MERGE>`` -> ``('LOGGED_IN', 'STRIP_MERGE')``); the ``-fmt``
    layout prints the code only, so there ``flag_names`` is empty.
    """

    server_adapter: str
    physloc: str
    client_partition_id: int | None
    client_name: str | None
    client_os: str | None
    status: NpivStatus
    fc_port: str | None
    fc_physloc: str | None
    ports_logged_in: int
    flags: str | None
    vfc_client_name: str | None
    vfc_client_drc: str | None
    span: Span
    flag_names: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SeaMapping:
    """One virtual ethernet trunk adapter in ``lsmap -all -net`` and the SEA that bridges it."""

    virtual_adapter: str
    physloc: str
    sea: str | None
    backing_device: str | None
    status: str | None
    backing_physloc: str | None
    span: Span


class IfixState(StrEnum):
    """``emgr -l`` STATE codes (IBM: S=stable, M=mounted, U=unmounted, Q=reboot required, B=broken,
    I=installing, R=removing, T=testing, P=patched, N=not patched, SP=stable+patched,
    SN=stable+not patched, QP, QN, RQ)."""

    STABLE = "S"
    MOUNTED = "M"
    UNMOUNTED = "U"
    REBOOT_REQUIRED = "Q"
    BROKEN = "B"
    INSTALLING = "I"
    REMOVING = "R"
    TESTING = "T"
    PATCHED = "P"
    NOT_PATCHED = "N"
    STABLE_PATCHED = "SP"
    STABLE_NOT_PATCHED = "SN"
    REBOOT_PATCHED = "QP"
    REBOOT_NOT_PATCHED = "QN"
    REMOVING_REBOOT = "RQ"

    @property
    def effective(self) -> bool:
        """Whether the fix is in force now (a fix awaiting reboot or broken does not protect)."""
        return self in {IfixState.STABLE, IfixState.MOUNTED, IfixState.STABLE_PATCHED, IfixState.PATCHED}


@dataclass(frozen=True, slots=True)
class Ifix:
    """One interim fix in ``emgr -l``."""

    number: int
    state: IfixState
    label: str
    installed: str | None
    abstract: str
    span: Span


@dataclass(frozen=True, slots=True)
class Fileset:
    """One fileset in ``lslpp -Lc`` (state letters: C committed, A applied, B broken, E efix locked...).

    ``efix_locked`` is lslpp's own EFIX Locked column (or state E): an interim fix holds the fileset.
    """

    package: str
    fileset: str
    level: Level
    state: str
    type: str
    description: str
    span: Span
    efix_locked: bool = False


@dataclass(frozen=True, slots=True)
class DiskReserve:
    """One disk of the ``disk_reserve`` capture (``lsattr -El hdiskN -a reserve_policy -a unique_id``).

    ``reserve_policy`` is None where lsattr printed an error instead (a disk type without the
    attribute): unknown for that disk, not "no reserve". ``unique_id`` is None where it was not
    printed (older captures read the reserve policy only) or lsattr printed an error.
    """

    disk: str
    reserve_policy: str | None
    span: Span
    unique_id: str | None = None


@dataclass(frozen=True, slots=True)
class PhysicalVolume:
    """One disk in ``lspv`` (as padmin): its PVID, volume group and state.

    ``pvid`` and ``volume_group`` are None where lspv prints ``none`` / ``None``.
    """

    disk: str
    pvid: str | None
    volume_group: str | None
    status: str | None
    span: Span


@dataclass(frozen=True, slots=True)
class SeaAttributes:
    """One Shared Ethernet Adapter of the ``sea_attrs`` capture: its failover attributes.

    Values are None where lsattr printed an empty value (``ctl_chan`` of a SEA without a control
    channel) or did not print the attribute.
    """

    sea: str
    ha_mode: str | None
    ctl_chan: str | None
    pvid_adapter: str | None
    virt_adapters: tuple[str, ...]
    span: Span


# ---------------------------------------------------------------- records parsed from HMC commands


@dataclass(frozen=True, slots=True)
class HmcVersion:
    """``lshmc -V``: the HMC release, service pack and build.

    ``fixes`` are the PTF / interim fix lines the HMC lists after the build level, as printed
    (``MH01454: Required fix for HMC V8R8.2.0 (11-05-2014)``, ``MF71030 - HMC V10R3 M1050``);
    ``base_version`` is the ``base_version=`` value (``V10R3``, ``V7R7.9.0``).
    """

    version: str
    release: str | None
    service_pack: str | None
    build_level: str | None
    span: Span
    base_version: str | None = None
    fixes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ManagedSystemRecord:
    """``lssyscfg -r sys``: one managed system.

    ``type_model``, ``serial`` and ``state`` are None when the capture does not hold them (listed in
    ``missing`` by HMC attribute name); without a serial the system cannot be joined to its VIOS data.
    """

    name: str
    type_model: str | None
    serial: str | None
    state: str | None
    span: Span
    missing: tuple[str, ...] = ()


class PartitionEnv(StrEnum):
    VIOS = "vioserver"
    AIX_LINUX = "aixlinux"
    IBM_I = "os400"


@dataclass(frozen=True, slots=True)
class PartitionRecord:
    """``lssyscfg -r lpar -m SYS``: one partition.

    ``env`` (``lpar_env``) and ``state`` are None when the capture does not hold them (see ``missing``):
    then whether the partition is a VIOS, or is running, is unknown.
    """

    partition_name: str
    partition_id: int
    env: PartitionEnv | None
    state: str | None
    os_version: str | None
    span: Span
    missing: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class VirtualAdapterRecord:
    """``lshwres -r virtualio --rsubtype scsi|fc --level lpar``: one virtual adapter of a partition.

    ``remote_partition_id`` / ``remote_slot`` are None when the HMC prints ``any`` or nothing.
    ``wwpns`` is filled for client fc adapters only. ``partition_name`` and ``adapter_type`` are None
    when the capture does not hold them (see ``missing``).
    """

    kind: str  # "scsi" or "fc"
    partition_name: str | None
    partition_id: int
    slot: int
    adapter_type: str | None  # "client" or "server"
    remote_partition_id: int | None
    remote_partition_name: str | None
    remote_slot: int | None
    wwpns: tuple[str, ...]
    span: Span
    missing: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class VirtualEthernetRecord:
    """``lshwres -r virtualio --rsubtype eth --level lpar``: one virtual ethernet adapter.

    ``partition_name``, ``port_vlan_id`` and ``is_trunk`` are None when the capture does not hold them
    (see ``missing``); ``vswitch`` is None on systems without virtual switches (POWER5).
    """

    partition_name: str | None
    partition_id: int
    slot: int
    port_vlan_id: int | None
    addl_vlan_ids: tuple[int, ...]
    is_trunk: bool | None
    trunk_priority: int | None
    vswitch: str | None
    mac_addr: str | None
    span: Span
    missing: tuple[str, ...] = ()


Record = (
    IosLevel
    | VscsiMapping
    | NpivMapping
    | SeaMapping
    | Ifix
    | Fileset
    | DiskReserve
    | PhysicalVolume
    | SeaAttributes
    | HmcVersion
    | ManagedSystemRecord
    | PartitionRecord
    | VirtualAdapterRecord
    | VirtualEthernetRecord
)


# ---------------------------------------------------------------- the assembled estate


@dataclass(frozen=True, slots=True)
class SourceRef:
    """Where a fact came from: the snapshot file and the lines in it (the evidence a finding cites)."""

    capture: str
    first_line: int
    last_line: int
    host: str = ""
    command: str = ""


@dataclass(frozen=True, slots=True, order=True)
class PartitionKey:
    """A partition's identity across HMCs and VIOS: managed system serial + partition id."""

    serial: str
    partition_id: int


@dataclass(frozen=True, slots=True)
class ManagedSystem:
    """A managed system; ``type_model`` and ``state`` are None when the HMC capture did not hold them."""

    name: str
    serial: str
    type_model: str | None
    state: str | None
    hmcs: tuple[str, ...]
    source: SourceRef


class Collected(StrEnum):
    """Whether a piece of data could be read: the rules answer "unknown" for anything not OK."""

    OK = "ok"
    NOT_COLLECTED = "not collected"
    UNREADABLE = "unreadable"
    CHANGED = "changed after collection"  # the file no longer matches its SHA-256 in the manifest


# ---------------------------------------------------------------- partition states

# HMC partition states (lssyscfg -r lpar ``state``), lower case. A VIOS serves I/O only while Running;
# a client's service stops with its I/O while it is running, starting or shutting down. Anything else
# (``Unknown``, a state this list does not know, no state at all) is neither: "unknown", never assumed.
VIOS_SERVING_STATES = frozenset({"running"})
CLIENT_ACTIVE_STATES = frozenset(
    {"running", "starting", "shutting down", "migrating - running", "suspending", "resuming"}
)
STOPPED_STATES = frozenset(
    {
        "not activated",
        "not available",
        "error",
        "open firmware",
        "hardware discovery",
        "suspended",
        "migrating - not activated",
        "failed",
    }
)


# Device states as lsmap prints them (``Status Available``), lower case; anything else carries nothing.
AVAILABLE_STATES = frozenset({"available"})


class SeaRole(StrEnum):
    """The role SEA failover gives a VIOS, from its trunk adapters' priority (1 = primary)."""

    PRIMARY = "primary"
    BACKUP = "backup"


def vios_serving(state: str | None) -> bool | None:
    """Whether a VIOS in this state serves its clients now: True, False, or None (state unknown)."""
    word = (state or "").strip().lower()
    if word in VIOS_SERVING_STATES:
        return True
    if word in STOPPED_STATES or word in CLIENT_ACTIVE_STATES:
        return False  # starting, shutting down, migrating: not carrying I/O it can be relied on for
    return None


def device_available(status: str | None) -> bool:
    """Whether a VIOS device (a VTD, a SEA) that lsmap lists carries I/O: its status is Available, or
    lsmap printed none (older levels omit it)."""
    return not status or status.strip().lower() in AVAILABLE_STATES


def client_active(state: str | None) -> bool | None:
    """Whether a client in this state would be interrupted by losing its I/O: True, False, or None."""
    word = (state or "").strip().lower()
    if word in CLIENT_ACTIVE_STATES:
        return True
    if word in STOPPED_STATES:
        return False
    return None


@dataclass(frozen=True, slots=True)
class Observed(Generic[T]):
    """A value read from one capture, or the reason it is missing (never a silent default)."""

    status: Collected
    value: T | None = None
    source: SourceRef | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is Collected.OK


@dataclass(frozen=True, slots=True)
class TrunkAdapter:
    """A VIOS virtual ethernet trunk adapter (HMC ``lshwres eth``): the VLANs a SEA built on it bridges.

    ``vlans`` holds the port VLAN id first, then the tagged ones; ``priority`` 1 is the primary SEA of
    a failover pair.
    """

    slot: int
    vlans: tuple[int, ...]
    vswitch: str | None
    priority: int | None
    source: SourceRef


@dataclass(frozen=True, slots=True)
class Vios:
    """A VIOS; ``state`` is None when the HMC capture did not hold it (unknown whether running)."""

    key: PartitionKey
    name: str
    managed_system: str
    state: str | None
    os_version: str | None
    level: Observed[Level]
    ifixes: Observed[tuple[Ifix, ...]]
    filesets: Observed[tuple[Fileset, ...]]
    vscsi: Observed[tuple[VscsiMapping, ...]]
    npiv: Observed[tuple[NpivMapping, ...]]
    network: Observed[tuple[SeaMapping, ...]]
    source: SourceRef
    trunks: tuple[TrunkAdapter, ...] = ()
    disk_reserve: Observed[tuple[DiskReserve, ...]] = field(
        default_factory=lambda: Observed(Collected.NOT_COLLECTED, reason="not collected")
    )
    sea: Observed[tuple[SeaAttributes, ...]] = field(
        default_factory=lambda: Observed(Collected.NOT_COLLECTED, reason="not collected")
    )
    pvs: Observed[tuple[PhysicalVolume, ...]] = field(
        default_factory=lambda: Observed(Collected.NOT_COLLECTED, reason="not collected")
    )

    @property
    def serving(self) -> bool | None:
        """Whether this VIOS serves its clients now (state Running); None when its state is unknown."""
        return vios_serving(self.state)

    @property
    def trunk_priority(self) -> int | None:
        """The lowest SEA trunk priority of this VIOS (1 = primary SEA); None without trunk adapters."""
        return min((t.priority for t in self.trunks if t.priority is not None), default=None)

    @property
    def sea_role(self) -> SeaRole | None:
        """PRIMARY (trunk priority 1) or BACKUP (higher), as SEA failover elects them; None if unknown."""
        if self.trunk_priority is None:
            return None
        return SeaRole.PRIMARY if self.trunk_priority == 1 else SeaRole.BACKUP

    def fileset_level(self, name: str) -> Level | None:
        if not self.filesets.ok or self.filesets.value is None:
            return None
        for fs in self.filesets.value:
            if fs.fileset == name:
                return fs.level
        return None


@dataclass(frozen=True, slots=True)
class ClientLpar:
    """A client partition; ``state`` is None when the HMC capture did not hold it."""

    key: PartitionKey
    name: str
    managed_system: str
    env: PartitionEnv
    state: str | None
    os_version: str | None
    source: SourceRef

    @property
    def active(self) -> bool | None:
        """Whether losing its I/O would interrupt this client now; None when its state is unknown."""
        return client_active(self.state)


class PathKind(StrEnum):
    VSCSI = "vscsi"
    NPIV = "npiv"
    NETWORK = "network"


class BackingKind(StrEnum):
    """What backs a vSCSI target device; a logical volume or a file exists on one VIOS only."""

    DISK = "disk"
    SSP_LU = "shared storage pool LU"
    LOGICAL_VOLUME = "logical volume"
    FILE = "file"
    OPTICAL = "optical or tape"

    @property
    def single_by_construction(self) -> bool:
        return self in {BackingKind.LOGICAL_VOLUME, BackingKind.FILE}


@dataclass(frozen=True, slots=True)
class IoPath:
    """One way a client reaches one device through one VIOS: the grain redundancy is judged at.

    vSCSI: one backing device on a vhost (``device`` ``hdisk5``, ``rootvg_c1``), with what pairs it
    with the same LUN on another VIOS (``unique_id``, ``pvid``, the ``lun`` address on the vhost).
    NPIV: one vfchost and its physical port (``device`` ``fcs0``, None when unmapped), for the client
    adapter in ``client_slot``; ``logged_in`` as lsmap shows it (a stopped client logs in nowhere).
    Network: one VLAN (``vlan`` on ``vswitch``) bridged by one trunk adapter.

    ``idle`` says why the path carries no I/O (a vfchost without a port, a port not logged in, a trunk
    adapter in no SEA); ``unconfirmed`` why it may not (the data to confirm it was not collected).
    Both None: the path carries I/O.
    """

    kind: PathKind
    client: PartitionKey
    vios: PartitionKey
    server_adapter: str
    device: str | None
    detail: str
    source: SourceRef
    idle: str | None = None
    unconfirmed: str | None = None
    backing: BackingKind | None = None
    lun: str | None = None
    unique_id: str | None = None
    pvid: str | None = None
    client_slot: int | None = None
    logged_in: bool | None = None
    vlan: int | None = None
    vswitch: str | None = None


@dataclass(frozen=True, slots=True)
class AdapterLink:
    """A client virtual SCSI / FC adapter and the VIOS it points at, as the HMC profile shows it.

    This is configuration, not proof of disks: the VIOS lsmap says what is really served. Rules use it
    to know which clients depend on a VIOS whose own data could not be collected.
    """

    kind: PathKind
    client: PartitionKey
    vios: PartitionKey
    client_slot: int
    vios_slot: int | None
    source: SourceRef


@dataclass(frozen=True, slots=True)
class Estate:
    """Everything known about the estate at one snapshot, with what could not be known (gaps)."""

    snapshot_id: str
    captured_at: str
    systems: tuple[ManagedSystem, ...]
    vioses: tuple[Vios, ...]
    clients: tuple[ClientLpar, ...]
    paths: tuple[IoPath, ...]
    links: tuple[AdapterLink, ...] = field(default=())
    gaps: tuple[EstateGap, ...] = field(default=())
    hmc_views: frozenset[tuple[str, str]] = field(default=frozenset())  # (serial, command id) read from an HMC

    def vios_of(self, serial: str) -> tuple[Vios, ...]:
        return tuple(v for v in self.vioses if v.key.serial == serial)

    def clients_of(self, serial: str) -> tuple[ClientLpar, ...]:
        return tuple(c for c in self.clients if c.key.serial == serial)

    def paths_of(self, client: PartitionKey) -> tuple[IoPath, ...]:
        return tuple(p for p in self.paths if p.client == client)


@dataclass(frozen=True, slots=True)
class EstateGap:
    """A gap in what we know, tied to the entity it affects, shown as "not collected"/"unknown"."""

    host: str
    command_id: str
    reason: str
    managed_system: str | None
    partition: str | None
    file: str | None = None
    line_no: int | None = None
    expected: bool = False
    status: Collected = Collected.NOT_COLLECTED  # UNREADABLE: output that could not be read; CHANGED: tampered
