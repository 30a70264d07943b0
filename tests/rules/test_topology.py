"""Topology: units (LUN, NPIV ports, VLAN), running VIOS, paths that carry nothing, reboot impact."""

from __future__ import annotations

from datetime import date

from builders import EstateBuilder, context
from viosaudit.model import BackingKind, PathKind
from viosaudit.rules import evaluate, load_rules
from viosaudit.rules.base import Finding, Verdict
from viosaudit.rules.topology import Pairing, Redundancy, Topology

RULES = load_rules(("system_single_vios", "lpar_single_path_storage", "lpar_single_path_network"))


def dual(state2: str = "Running") -> EstateBuilder:
    return EstateBuilder().system("S").vios("S", 1, "v1").vios("S", 2, "v2", state=state2).client("S", 3, "c1")


def run(b: EstateBuilder) -> dict[str, Finding]:
    return {f.key: f for f in evaluate(b.build(), context(date(2026, 12, 1)), RULES)}


def guessed(b: EstateBuilder, vios: str, *disks: tuple[str, str]) -> EstateBuilder:
    """vSCSI paths with no disk identity (no unique_id, no PVID): only LUN addresses to pair them by."""
    for disk, lun in disks:
        b._path(PathKind.VSCSI, vios, "c1", disk, backing=BackingKind.DISK, lun=lun)
    return b


def test_a_second_vios_that_is_not_running_serves_nobody() -> None:
    found = run(dual("Not Activated").vscsi("v1", "c1").vscsi("v2", "c1").vlan("v1", "c1").vlan("v2", "c1"))
    system = found["system_single_vios:SNS"]
    assert system.verdict is Verdict.FAIL and "v2 (Not Activated)" in system.technical
    assert "lpar_single_path_storage:SNS:3" not in found and "lpar_single_path_network:SNS:3" not in found


def test_a_vios_in_an_unknown_state_makes_the_system_unknown() -> None:
    found = run(dual("Unknown").vscsi("v1", "c1").vscsi("v2", "c1"))
    assert found["system_single_vios:SNS"].verdict is Verdict.UNKNOWN
    assert found["lpar_single_path_storage:SNS:3"].verdict is Verdict.UNKNOWN


def test_one_single_disk_is_not_hidden_by_a_dual_one() -> None:
    found = run(dual().vscsi("v1", "c1", "hdisk2", "hdisk3").vscsi("v2", "c1", "hdisk2"))
    storage = found["lpar_single_path_storage:SNS:3"]
    assert storage.verdict is Verdict.FAIL and "hdisk3" in storage.title and "v1 only" in storage.title


def test_lun_addresses_never_prove_redundancy_but_counts_prove_a_missing_path() -> None:
    equal = guessed(guessed(dual(), "v1", ("hdisk2", "0x81")), "v2", ("hdisk7", "0x81"))
    assert run(equal)["lpar_single_path_storage:SNS:3"].verdict is Verdict.UNKNOWN
    swapped = guessed(guessed(dual(), "v1", ("hdisk2", "0x81")), "v2", ("hdisk7", "0x82"))
    assert run(swapped)["lpar_single_path_storage:SNS:3"].verdict is Verdict.UNKNOWN  # may be one LUN
    more = guessed(guessed(dual(), "v1", ("hdisk2", "0x81"), ("hdisk3", "0x82")), "v2", ("hdisk7", "0x81"))
    storage = run(more)["lpar_single_path_storage:SNS:3"]
    assert storage.verdict is Verdict.FAIL and "single by count" in storage.technical


def test_a_logical_volume_is_single_by_construction() -> None:
    b = dual().vscsi("v1", "c1", "hdisk2").vscsi("v2", "c1", "hdisk2")
    b._path(PathKind.VSCSI, "v1", "c1", "c1_rootlv", backing=BackingKind.LOGICAL_VOLUME, lun="0x82")
    storage = run(b)["lpar_single_path_storage:SNS:3"]
    assert storage.verdict is Verdict.FAIL and "c1_rootlv" in storage.title


def test_a_port_not_logged_in_carries_nothing_for_a_running_client_only() -> None:
    running = dual().npiv("v1", "c1").npiv("v2", "c1", logged_in=False)
    assert run(running)["lpar_single_path_storage:SNS:3"].verdict is Verdict.FAIL
    stopped = EstateBuilder().system("S").vios("S", 1, "v1").vios("S", 2, "v2").client("S", 3, "c1", "Not Activated")
    stopped.npiv("v1", "c1", logged_in=False).npiv("v2", "c1", logged_in=False)
    assert run(stopped)["lpar_single_path_storage:SNS:3"].verdict is Verdict.PASS  # judged on its configuration


def test_unmapped_vfchost_is_no_path() -> None:
    found = run(dual().npiv("v1", "c1").npiv("v2", "c1", port=None))
    assert found["lpar_single_path_storage:SNS:3"].verdict is Verdict.FAIL
    assert "mapped to no physical FC port" in found["lpar_single_path_storage:SNS:3"].technical


def test_reboot_impact_lists_stopped_clients_apart() -> None:
    b = EstateBuilder().system("S").vios("S", 1, "v1").client("S", 3, "up").client("S", 4, "down", "Not Activated")
    estate = b.vscsi("v1", "up").vscsi("v1", "down").build()
    impact = Topology(estate).reboot_impact(estate.vioses[0])
    assert [c.name for c in impact.outage] == ["up"] and [c.name for c in impact.stopped] == ["down"]


def test_pairing_prefers_unique_id_then_pvid() -> None:
    b = dual()
    b._path(PathKind.VSCSI, "v1", "c1", "hdisk2", backing=BackingKind.DISK, pvid="00f6aaaa00000001", lun="0x81")
    b._path(PathKind.VSCSI, "v2", "c1", "hdisk9", backing=BackingKind.DISK, pvid="00f6aaaa00000001", lun="0x85")
    estate = b.build()
    (status,) = Topology(estate).unit_statuses(estate.clients[0], PathKind.VSCSI)
    assert status.unit.pairing is Pairing.PVID and status.state is Redundancy.REDUNDANT
    assert status.unit.label == "vSCSI disk hdisk2 / hdisk9"


def test_a_silent_hmc_view_counts_only_where_another_vios_agrees() -> None:
    # v2's NPIV mappings are missing; v1 shows c1's port; the HMC lists no FC adapter for c1
    b = dual().npiv("v1", "c1").replace_vios("v2", npiv=EstateBuilder.missing())
    assert run(b)["lpar_single_path_storage:SNS:3"].verdict is Verdict.UNKNOWN
    quiet = dual().vscsi("v1", "c1").vscsi("v2", "c1").replace_vios("v2", npiv=EstateBuilder.missing())
    assert run(quiet)["lpar_single_path_storage:SNS:3"].verdict is Verdict.PASS  # v1 read, shows no NPIV for c1
