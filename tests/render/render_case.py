"""The render tests' case: a small hand-made estate, its findings and its snapshot on disk.

Three servers: P9-PROD-A (dual VIOS, both exposed to IV91339, batch01 single-pathed through vios_a1),
P8-BRANCH-B (one VIOS, exposed: fixing it is an outage of crm01 and mail01; its network mapping output is
unreadable), P10-DR-C (vios_c1 has the ifix: PASS; vios_c2 was not collected: UNKNOWN). The owner of
mail01's service is a formula-injection string.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from builders import context
from viosaudit.business import BusinessService, Criticality
from viosaudit.commands import BY_ID, Role
from viosaudit.model import (
    AdapterLink,
    BackingKind,
    ClientLpar,
    Collected,
    Estate,
    EstateGap,
    Fileset,
    Ifix,
    IfixState,
    IoPath,
    Level,
    ManagedSystem,
    Observed,
    PartitionEnv,
    PartitionKey,
    PathKind,
    PhysicalVolume,
    SourceRef,
    Span,
    Vios,
)
from viosaudit.plan import Plan, build_plan
from viosaudit.render.view import ReportView
from viosaudit.render.viewmodel import build_view
from viosaudit.rules.base import Acceptance, Finding, Risk, Severity, Subject, SubjectKind, Verdict
from viosaudit.snapshot import Snapshot, SnapshotWriter, open_snapshot

SNAPSHOT_ID = "snap-2024-05-06"
CAPTURED_AT = "2024-05-06T06:00:00Z"
GENERATED_AT = "2024-05-06T07:30:00Z"
INJECTION = "=cmd|' /C calc'!A0"
VSCSI_FILESET = "devices.vdevice.IBM.v-scsi-host.rte"
TIMEOUT = "ssh to vios_c2: connection timed out after 30 s"

LSLPP_HEAD = b"#Package Name:Fileset:Level\n"


def _lslpp(level: str) -> bytes:
    return LSLPP_HEAD + f"devices.vdevice:{VSCSI_FILESET}:{level}\n".encode()


# (host, command_id, managed_system, bytes): raw output exactly as collected, odd bytes included
RAW: tuple[tuple[str, str, str | None, bytes], ...] = (
    ("hmc1", "lssyscfg_sys", None,
     b"P9-PROD-A,9009-42A,78AAAA1,Operating\nP8-BRANCH-B,8286-41A,21BBBB2,Operating\n"
     b"P10-DR-C,9105-42A,78CCCC3,Operating\n"),
    ("vios_a1", "ioslevel", None, b"2.2.5.10\n"),
    ("vios_a1", "lslpp_lc", None, _lslpp("6.1.9.200")),
    ("vios_a1", "emgr_l", None, b"There is no efix data on this system.\r\n"),
    ("vios_a2", "ioslevel", None, b"2.2.5.10\n"),
    ("vios_a2", "lslpp_lc", None, _lslpp("6.1.9.200")),
    ("vios_b1", "ioslevel", None, b"2.2.4.23\n"),
    ("vios_b1", "lslpp_lc", None, _lslpp("6.1.9.100")),
    ("vios_b1", "lsmap_net", None, b"SVEA   Physloc\n------ ----\nent4 \xff\xfe garbled\n"),
    ("vios_c1", "ioslevel", None, b"2.2.5.10\n"),
    ("vios_c1", "emgr_l", None,
     b"ID  STATE LABEL      INSTALL TIME      ABSTRACT\n1    S    IV91339s5a 01/20/17 10:00:00 IV91339 fix\n"),
)


def ref(host: str, command_id: str, first: int = 1, last: int | None = None) -> SourceRef:
    return SourceRef(f"captures/{host}/{command_id}.txt", first, last or first, host, BY_ID[command_id].line)


def ok(value: object, host: str, command_id: str) -> Observed:  # type: ignore[type-arg]
    return Observed(Collected.OK, value, ref(host, command_id))


def missing(reason: str = TIMEOUT) -> Observed:  # type: ignore[type-arg]
    return Observed(Collected.NOT_COLLECTED, None, None, reason)


def vios(system: ManagedSystem, pid: int, name: str, level: str | None, fileset: str | None,
         ifixes: tuple[Ifix, ...] = (), net_unreadable: bool = False) -> Vios:
    key = PartitionKey(system.serial, pid)
    if level is None:
        return Vios(key=key, name=name, managed_system=system.name, state="Running", os_version=None,
                    level=missing(), ifixes=missing(), filesets=missing(), vscsi=missing(), npiv=missing(),
                    network=missing(), source=ref("hmc1", "lssyscfg_lpar", pid),
                    disk_reserve=missing(), sea=missing(), pvs=missing())
    fs = Fileset("devices.vdevice", VSCSI_FILESET, Level.parse(fileset or "0"), "C", "F", "vSCSI host", Span(2, 2))
    network = (Observed(Collected.UNREADABLE, None, ref(name, "lsmap_net", 3), "line 3: unexpected text")
               if net_unreadable else ok((), name, "lsmap_net"))
    return Vios(key=key, name=name, managed_system=system.name, state="Running",
                os_version=f"VIOS {level}", level=ok(Level.parse(level), name, "ioslevel"),
                ifixes=ok(ifixes, name, "emgr_l"), filesets=ok((fs,), name, "lslpp_lc"),
                vscsi=ok((), name, "lsmap_all"), npiv=ok((), name, "lsmap_npiv"), network=network,
                source=ref("hmc1", "lssyscfg_lpar", pid),
                disk_reserve=ok((), name, "disk_reserve"), sea=ok((), name, "sea_attrs"), pvs=ok(_pvs(), name, "lspv"))


def _pvs() -> tuple[PhysicalVolume, ...]:
    """lspv of a case VIOS: rootvg on hdisk0, the client disks hdisk2-hdisk4 in no volume group, hdisk9 free."""
    return tuple(PhysicalVolume(d, f"00f6db0a6c7aece{n}", vg, "active" if vg else None, Span(n + 2, n + 2))
                 for n, (d, vg) in enumerate((("hdisk0", "rootvg"), ("hdisk2", None), ("hdisk3", None),
                                              ("hdisk4", None), ("hdisk9", None))))


def client(system: ManagedSystem, pid: int, name: str, env: PartitionEnv, os_version: str) -> ClientLpar:
    return ClientLpar(PartitionKey(system.serial, pid), name, system.name, env, "Running", os_version,
                      ref("hmc1", "lssyscfg_lpar", pid))


def path(kind: PathKind, c: ClientLpar, v: Vios, adapter: str, device: str) -> IoPath:
    extra: dict[str, object] = {}
    if kind is PathKind.VSCSI:
        extra = {"backing": BackingKind.DISK, "unique_id": f"uid-{device}", "lun": "0x8100000000000000"}
    elif kind is PathKind.NETWORK:
        extra = {"vlan": 10, "vswitch": "ETHERNET0"}
    elif kind is PathKind.NPIV:
        extra = {"logged_in": True}
    return IoPath(kind, c.key, v.key, adapter, device, "", ref(v.name, "lsmap_all", 1, 9), **extra)  # type: ignore[arg-type]


def subject(v: Vios) -> Subject:
    return Subject(SubjectKind.VIOS, v.name, v.managed_system, v.key.serial, v.key.partition_id)


def build_estate() -> Estate:
    sys_a = ManagedSystem("P9-PROD-A", "78AAAA1", "9009-42A", "Operating", ("hmc1",), ref("hmc1", "lssyscfg_sys", 1))
    sys_b = ManagedSystem("P8-BRANCH-B", "21BBBB2", "8286-41A", "Operating", ("hmc1",), ref("hmc1", "lssyscfg_sys", 2))
    sys_c = ManagedSystem("P10-DR-C", "78CCCC3", "9105-42A", "Operating", ("hmc1",), ref("hmc1", "lssyscfg_sys", 3))
    a1 = vios(sys_a, 1, "vios_a1", "2.2.5.10", "6.1.9.200")
    a2 = vios(sys_a, 2, "vios_a2", "2.2.5.10", "6.1.9.200")
    b1 = vios(sys_b, 1, "vios_b1", "2.2.4.23", "6.1.9.100", net_unreadable=True)
    fix = Ifix(1, IfixState.STABLE, "IV91339s5a", "01/20/17 10:00:00", "IV91339 fix", Span(2, 2))
    c1 = vios(sys_c, 1, "vios_c1", "2.2.5.10", "6.1.9.200", ifixes=(fix,))
    c2 = vios(sys_c, 2, "vios_c2", None, None)
    pay = client(sys_a, 3, "pay01", PartitionEnv.AIX_LINUX, "AIX 7.2")
    web = client(sys_a, 4, "web01", PartitionEnv.AIX_LINUX, "Linux SLES 12")
    batch = client(sys_a, 5, "batch01", PartitionEnv.AIX_LINUX, "Linux RHEL 7")
    crm = client(sys_b, 2, "crm01", PartitionEnv.AIX_LINUX, "AIX 7.1")
    mail = client(sys_b, 3, "mail01", PartitionEnv.IBM_I, "IBM i 7.3")
    dr = client(sys_c, 3, "dr01", PartitionEnv.AIX_LINUX, "AIX 7.2")
    paths = (
        path(PathKind.VSCSI, pay, a1, "vhost0", "hdisk2"),
        path(PathKind.VSCSI, pay, a2, "vhost0", "hdisk2"),
        path(PathKind.NETWORK, pay, a1, "C10", "VLAN 10"),
        path(PathKind.NETWORK, pay, a2, "C10", "VLAN 10"),
        path(PathKind.VSCSI, web, a1, "vhost1", "hdisk3"),
        path(PathKind.VSCSI, web, a2, "vhost1", "hdisk3"),
        path(PathKind.VSCSI, batch, a1, "vhost2", "hdisk4"),
        path(PathKind.VSCSI, crm, b1, "vhost0", "hdisk2"),
        path(PathKind.VSCSI, mail, b1, "vhost1", "hdisk3"),
        path(PathKind.NPIV, mail, b1, "vfchost0", "fcs0"),
        path(PathKind.VSCSI, dr, c1, "vhost0", "hdisk2"),
    )
    links = (AdapterLink(PathKind.VSCSI, dr.key, c2.key, 3, 4, ref("hmc1", "lshwres_scsi", 7)),)
    gaps = (
        *(EstateGap("vios_c2", cid, TIMEOUT, "P10-DR-C", "vios_c2") for cid in ("ioslevel", "emgr_l", "lslpp_lc")),
        EstateGap("vios_b1", "lsmap_net", "unexpected text 'ent4 \ufffd\ufffd garbled'", "P8-BRANCH-B", "vios_b1",
                  file="captures/vios_b1/lsmap_net.txt", line_no=3, status=Collected.UNREADABLE),
    )
    return Estate(snapshot_id=SNAPSHOT_ID, captured_at=CAPTURED_AT, systems=(sys_a, sys_b, sys_c),
                  vioses=(a1, a2, b1, c1, c2), clients=(pay, web, batch, crm, mail, dr), paths=paths,
                  links=links, gaps=gaps, hmc_views=hmc_views_of(sys_a, sys_b, sys_c))


def hmc_views_of(*systems: ManagedSystem) -> frozenset[tuple[str, str]]:
    """The HMC's per-system views as read (virtual SCSI, FC and ethernet adapters of each system)."""
    return frozenset(
        (s.serial, c) for s in systems for c in ("lssyscfg_lpar", "lshwres_scsi", "lshwres_fc", "lshwres_eth")
    )


IV_TITLE = "VIOS exposed to IV91339: possible data corruption after LPM failure"
IV_BUSINESS = ("A rare IBM defect can corrupt data on the disks of Linux systems if a live move between "
               "servers fails.")
IV_REMEDIATION = "Install the IV91339 interim fix, or update the VIOS to 2.2.5.20 or later (reboot needed)."


ACCEPTED = Acceptance("system_single_vios:21BBBB2", "Branch closes in March; no budget for a second VIOS",
                      "Head of Infrastructure", date(2024, 2, 1), date(2024, 12, 31), "CHG0041231")
EXPIRED = Acceptance("lpar_single_path_storage:78AAAA1:5", "Batch to be rewritten", "CIO", date(2023, 1, 10),
                     date(2024, 3, 31))


def build_findings(estate: Estate) -> tuple[Finding, ...]:
    v = {x.name: x for x in estate.vioses}

    def iv(name: str, fileset: str, affected: tuple[str, ...], outage: bool) -> Finding:
        x = v[name]
        return Finding(
            key=f"vios_apar_exposure:{x.key.serial}:{x.key.partition_id}:IV91339",
            rule_id="vios_apar_exposure", title=IV_TITLE, verdict=Verdict.FAIL, severity=Severity.CRITICAL,
            subject=subject(x),
            technical=(f"{VSCSI_FILESET} {fileset} is in the affected range; no ifix for IV91339 in emgr -l; "
                       f"vSCSI clients: {', '.join(affected)}; client <none> skipped."),
            business=IV_BUSINESS, remediation=IV_REMEDIATION,
            evidence=(ref(name, "lslpp_lc", 2, 2), ref(name, "emgr_l", 1, 1)),
            affected_partitions=affected, outage=outage,
            references=("https://www.ibm.com/support/pages/apar/IV91339",), apar="IV91339",
            facts=(("fileset level", fileset), ("ioslevel", str(x.level.value))),
            risk=Risk("rare", "IBM: risk outside its lab extremely small", "critical",
                      f"{len(affected)} partitions involved", "rolling, no interruption" if not outage else
                      "outage of crm01 and mail01"),
        )

    b_sys = Subject(SubjectKind.SYSTEM, "P8-BRANCH-B", "P8-BRANCH-B", "21BBBB2")
    batch = Subject(SubjectKind.LPAR, "batch01", "P9-PROD-A", "78AAAA1", 5)
    return (
        iv("vios_a1", "6.1.9.200", ("pay01", "web01", "batch01"), False),
        iv("vios_a2", "6.1.9.200", ("pay01", "web01"), False),
        iv("vios_b1", "6.1.9.100", ("crm01", "mail01"), True),
        Finding(
            key="system_single_vios:21BBBB2", rule_id="system_single_vios",
            title="Only one VIOS: every VIOS fix or restart is an outage", verdict=Verdict.FAIL,
            severity=Severity.MEDIUM, subject=b_sys,
            technical="1 VIOS (vios_b1) serves every client partition of this system.",
            business="Any maintenance on this server's I/O server stops CRM and Mail.",
            remediation="Add a second VIOS and dual paths for every client.",
            evidence=(ref("hmc1", "lssyscfg_sys", 2),), affected_partitions=("crm01", "mail01"), outage=True,
            acceptance=ACCEPTED,
        ),
        Finding(
            key="lpar_single_path_storage:78AAAA1:5", rule_id="lpar_single_path_storage",
            title="Client disks reachable through one VIOS only", verdict=Verdict.FAIL, severity=Severity.HIGH,
            subject=batch, technical="batch01 hdisk4 is served by vios_a1 vhost2 only; no path through vios_a2.",
            business="Nightly batch stops whenever one particular I/O server is restarted.",
            remediation="Map hdisk4 through vios_a2 as well and enable MPIO on batch01.",
            evidence=(ref("vios_a1", "lsmap_all", 1, 9),), affected_partitions=("batch01",), outage=True,
            acceptance_expired=EXPIRED,
        ),
        Finding(
            key="vios_apar_exposure:78CCCC3:1:IV91339", rule_id="vios_apar_exposure",
            title="IV91339: interim fix installed", verdict=Verdict.PASS, severity=Severity.CRITICAL,
            subject=subject(v["vios_c1"]),
            technical="ifix IV91339s5a (state S) is installed; fileset 6.1.9.200.", business="Protected.",
            remediation="", evidence=(ref("vios_c1", "emgr_l", 2, 2),), apar="IV91339",
        ),
        Finding(
            key="vios_apar_exposure:78CCCC3:2:IV91339", rule_id="vios_apar_exposure",
            title="Cannot tell whether vios_c2 is exposed to IV91339", verdict=Verdict.UNKNOWN,
            severity=Severity.CRITICAL, subject=subject(v["vios_c2"]),
            technical=f"lslpp -Lc and emgr -l were not collected ({TIMEOUT}).",
            business="We cannot say whether this server's disks are protected from a rare data-corruption defect.",
            remediation="Restore SSH access to vios_c2 (or run the offline collection script) and re-run the audit.",
            affected_partitions=("dr01",), apar="IV91339",
        ),
    )


def build_services() -> dict[str, BusinessService]:
    rows = (
        ("pay01", "Payments", "Finance IT (J. Meyer)", Criticality.CRITICAL),
        ("web01", "Web shop", "E-commerce (A. Lind)", Criticality.HIGH),
        ("batch01", "Nightly batch", "Operations", Criticality.MEDIUM),
        ("crm01", "CRM", "Sales IT (P. Novak)", Criticality.HIGH),
        ("mail01", "Mail", INJECTION, Criticality.MEDIUM),
        ("dr01", "DR replica", "Infrastructure", Criticality.LOW),
    )
    return {p: BusinessService(p, s, o, c) for p, s, o, c in rows}


def build_snapshot(root: Path) -> Snapshot:
    writer = SnapshotWriter(root, snapshot_id=SNAPSHOT_ID, collector="test", created=CAPTURED_AT)
    for host, command_id, system, data in RAW:
        role = BY_ID[command_id].role
        writer.add_capture(host=host, role=role if role is Role.HMC else Role.VIOS, command_id=command_id,
                   command=BY_ID[command_id].line, output=data, started=CAPTURED_AT, ended=CAPTURED_AT,
                   managed_system=system)
    writer.close()
    return open_snapshot(root)


def plan_of(estate: Estate, findings: list[Finding] | tuple[Finding, ...],
            services: dict[str, BusinessService] | None = None) -> Plan:
    return build_plan(estate, findings, context(services=services))


def view_of(estate: Estate, findings: list[Finding] | tuple[Finding, ...],
            services: dict[str, BusinessService] | None = None) -> ReportView:
    """The case's view as the main job builds it: plan, then view (shipped catalogue and data)."""
    return build_view(plan_of(estate, findings, services), generated_at=GENERATED_AT)
