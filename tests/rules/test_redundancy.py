"""Redundancy verdicts on tiny estates: single VIOS, single-path clients, and "unknown" when data is missing."""

from __future__ import annotations

from builders import MISSING, EstateBuilder, context
from viosaudit.model import PathKind
from viosaudit.rules import evaluate, load_rules
from viosaudit.rules.base import Finding, Verdict

RULES = load_rules(("system_single_vios", "lpar_single_path_storage"))


def run(builder: EstateBuilder) -> dict[str, Finding]:
    findings = evaluate(builder.build(), context(), RULES)
    return {f.key: f for f in findings}


def dual() -> EstateBuilder:
    b = EstateBuilder().system("S")
    b.vios("S", 1, "v1").vios("S", 2, "v2").client("S", 3, "app").client("S", 4, "db")
    return b


def test_dual_vios_fully_pathed_passes() -> None:
    b = dual()
    for client in ("app", "db"):
        b.vscsi("v1", client).vscsi("v2", client).npiv("v1", client).npiv("v2", client)
    findings = run(b)
    assert findings["system_single_vios:SNS"].verdict is Verdict.PASS
    assert findings["lpar_single_path_storage:SNS:3"].verdict is Verdict.PASS
    assert not [f for f in findings.values() if f.verdict is not Verdict.PASS]


def test_client_with_all_disks_through_one_vios_fails() -> None:
    b = dual().vscsi("v1", "app").vscsi("v1", "db").vscsi("v2", "db")
    findings = run(b)
    app = findings["lpar_single_path_storage:SNS:3"]
    assert app.verdict is Verdict.FAIL and app.outage
    assert "v1" in app.title and "vSCSI" in app.title
    assert findings["lpar_single_path_storage:SNS:4"].verdict is Verdict.PASS


def test_npiv_through_one_vios_fails_even_with_dual_vscsi() -> None:
    b = dual().vscsi("v1", "app").vscsi("v2", "app").npiv("v2", "app")
    app = run(b)["lpar_single_path_storage:SNS:3"]
    assert app.verdict is Verdict.FAIL
    assert "NPIV" in app.title and "v2" in app.title


def test_single_vios_system_lists_outage_partitions() -> None:
    b = EstateBuilder().system("B").vios("B", 1, "solo")
    for pid, name in enumerate(["a", "b", "c"], start=2):
        b.client("B", pid, name).vscsi("solo", name)
    b.client("B", 9, "dedicated")  # no virtual storage: not affected
    f = run(b)["system_single_vios:SNB"]
    assert f.verdict is Verdict.FAIL and f.outage
    assert f.affected_partitions == ("a", "b", "c")
    assert "outage of 3 partitions" in f.business


def test_single_vios_with_mappings_missing_is_unknown_not_pass() -> None:
    b = EstateBuilder().system("B").vios("B", 1, "solo", mappings=False).client("B", 2, "a")
    b.link(PathKind.VSCSI, "solo", "a")
    f = run(b)["system_single_vios:SNB"]
    assert f.verdict is Verdict.UNKNOWN
    assert f.affected_partitions == ("a",)


def test_client_single_path_with_peer_uncollected_is_unknown() -> None:
    b = dual().replace_vios("v2", vscsi=MISSING, npiv=MISSING).vscsi("v1", "app")
    b.link(PathKind.VSCSI, "v1", "app").link(PathKind.VSCSI, "v2", "app")
    app = run(b)["lpar_single_path_storage:SNS:3"]
    assert app.verdict is Verdict.UNKNOWN
    assert "not collected" in app.technical


def test_client_single_path_with_peer_uncollected_and_no_link_is_fail() -> None:
    """The HMC shows no adapter from the client to the uncollected VIOS: it cannot serve it."""
    b = dual().replace_vios("v2", vscsi=MISSING, npiv=MISSING).vscsi("v1", "app")
    b.link(PathKind.VSCSI, "v1", "app")
    assert run(b)["lpar_single_path_storage:SNS:3"].verdict is Verdict.FAIL


def test_hmc_adapter_list_missing_makes_uncollected_peer_a_doubt() -> None:
    b = dual().replace_vios("v2", vscsi=MISSING, npiv=MISSING).vscsi("v1", "app").gap("S", "lshwres_scsi")
    assert run(b)["lpar_single_path_storage:SNS:3"].verdict is Verdict.UNKNOWN


NETWORK = load_rules(("lpar_single_path_network",))


def test_vlan_bridged_by_one_vios_only_fails_and_counts_as_outage() -> None:
    b = dual().vlan("v1", "app").vlan("v1", "db").vlan("v2", "db")
    b.vscsi("v1", "app").vscsi("v2", "app")
    estate = b.build()
    findings = {f.key: f for f in evaluate(estate, context(), NETWORK)}
    assert findings["lpar_single_path_network:SNS:3"].verdict is Verdict.FAIL
    assert findings["lpar_single_path_network:SNS:4"].verdict is Verdict.PASS
    from viosaudit.rules.topology import Topology

    topo = Topology(estate)
    v1 = next(v for v in estate.vioses if v.name == "v1")
    assert [c.name for c in topo.reboot_impact(v1).outage] == ["app"]


def test_vlan_data_not_collected_is_unknown() -> None:
    b = dual().vlan("v1", "app").gap("S", "lshwres_eth")
    findings = {f.key: f for f in evaluate(b.build(), context(), NETWORK)}
    assert findings["lpar_single_path_network:SNS:3"].verdict is Verdict.UNKNOWN
