"""Snapshot -> Estate on the sample: the join by serial and partition id, dedup across HMCs, paths, gaps."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from viosaudit.assemble import build_estate
from viosaudit.model import Collected, Estate, PathKind, SeaRole
from viosaudit.snapshot import open_snapshot

SAMPLE = Path(__file__).parents[1] / "sample_data" / "snapshot"


@pytest.fixture(scope="module")
def estate() -> Estate:
    return build_estate(open_snapshot(SAMPLE))


def test_counts_and_a_system_seen_by_two_hmcs_counts_once(estate: Estate) -> None:
    assert (len(estate.systems), len(estate.vioses), len(estate.clients)) == (6, 11, 42)
    e980 = next(s for s in estate.systems if s.name == "E980-CORE-E")
    assert e980.hmcs == ("hmc01", "hmc02")
    assert len({(link.client, link.vios, link.client_slot) for link in estate.links}) == len(estate.links)


def test_vios_data_joined_by_serial_and_partition_id(estate: Estate) -> None:
    vios = {v.name: v for v in estate.vioses}
    p8b = vios["p8b-vios1"]
    assert p8b.key.serial == "21ABCDE" and str(p8b.level.value) == "2.2.5.10"
    assert p8b.fileset_level("devices.vdevice.IBM.v-scsi-host.rte") is not None
    assert p8b.level.source is not None and p8b.level.source.capture == "captures/p8b-vios1/ioslevel.txt"
    assert vios["p8c-vios1"].ifixes.value and vios["p8c-vios1"].ifixes.value[0].label == "IV91339m5a"
    p10 = vios["p10f-vios1"]
    assert p10.ifixes.status is Collected.NOT_COLLECTED and "viosvrcmd" in (p10.ifixes.reason or "")
    assert (vios["p8b-vios1"].sea_role, vios["p8b-vios2"].sea_role) == (SeaRole.PRIMARY, SeaRole.BACKUP)


def test_paths_show_the_single_pathed_client(estate: Estate) -> None:
    names = {v.key: v.name for v in estate.vioses}
    legacy = next(c for c in estate.clients if c.name == "sap-legacy")
    storage = {(p.kind, names[p.vios]) for p in estate.paths_of(legacy.key) if p.kind is not PathKind.NETWORK}
    assert storage == {(PathKind.VSCSI, "e980-vios1"), (PathKind.NPIV, "e980-vios1")}
    web = next(c for c in estate.clients if c.name == "pay-db01")
    assert {names[p.vios] for p in estate.paths_of(web.key) if p.kind is PathKind.VSCSI} == {
        "p9a-vios1",
        "p9a-vios2",
    }


def test_only_the_expected_gaps(estate: Estate) -> None:
    assert sorted((g.host, g.command_id, g.expected) for g in estate.gaps) == [
        ("p10f-vios1", "disk_reserve", True),
        ("p10f-vios1", "emgr_l", True),
        ("p10f-vios1", "lslpp_lc", True),
        ("p10f-vios1", "sea_attrs", True),
        ("p10f-vios2", "disk_reserve", True),
        ("p10f-vios2", "emgr_l", True),
        ("p10f-vios2", "lslpp_lc", True),
        ("p10f-vios2", "sea_attrs", True),
    ]


def test_tampered_missing_and_unjoinable_captures_become_gaps(tmp_path: Path) -> None:
    snapshot = tmp_path / "snapshot"
    shutil.copytree(SAMPLE, snapshot)
    (snapshot / "captures" / "p9a-vios1" / "lsmap_all.txt").write_text("tampered\n")
    (snapshot / "captures" / "p9a-vios2" / "lsmap_npiv.txt").unlink()
    manifest = json.loads((snapshot / "manifest.json").read_text())
    manifest["captures"] = [c for c in manifest["captures"] if c["file"] != "captures/hmc01/lshwres_eth@P9-PROD-A.txt"]
    stray = next(c for c in manifest["captures"] if c["file"] == "captures/p9a-vios1/ioslevel.txt")
    manifest["captures"].append({**stray, "partition": "ghost-vios", "file": stray["file"]})
    (snapshot / "manifest.json").write_text(json.dumps(manifest))
    estate = build_estate(open_snapshot(snapshot))
    reasons = {(g.host, g.command_id): g.reason for g in estate.gaps}
    assert "does not match its SHA-256" in reasons[("p9a-vios1", "lsmap_all")]
    assert "missing" in reasons[("p9a-vios2", "lsmap_npiv")]
    assert "no capture" in reasons[("hmc01", "lshwres_eth")]
    assert "no HMC partition list names it" in reasons[("p9a-vios1", "lssyscfg_lpar")]
    vios = {v.name: v for v in estate.vioses}
    assert vios["p9a-vios1"].vscsi.status is Collected.CHANGED
    assert vios["p9a-vios2"].npiv.status is Collected.UNREADABLE


def test_a_failed_copy_on_one_hmc_does_not_hide_the_good_copy_on_another(tmp_path: Path) -> None:
    snapshot = tmp_path / "snapshot"
    shutil.copytree(SAMPLE, snapshot)
    relative = "captures/hmc01/lshwres_scsi@E980-CORE-E.txt"
    (snapshot / relative).write_text("HSCL8012 The managed system is not available.\n")
    manifest = json.loads((snapshot / "manifest.json").read_text())
    for entry in manifest["captures"]:
        if entry["file"] == relative:
            entry["sha256"] = hashlib.sha256((snapshot / relative).read_bytes()).hexdigest()
    (snapshot / "manifest.json").write_text(json.dumps(manifest))
    damaged = build_estate(open_snapshot(snapshot))
    original = build_estate(open_snapshot(SAMPLE))
    assert ("7848E2X", "lshwres_scsi") in damaged.hmc_views
    def e980_vscsi_links(estate: Estate) -> int:
        return sum(1 for link in estate.links if link.vios.serial == "7848E2X" and link.kind is PathKind.VSCSI)

    assert e980_vscsi_links(damaged) == e980_vscsi_links(original) > 0
    assert any(g.host == "hmc01" and g.command_id == "lshwres_scsi" and "HSCL8012" in g.reason for g in damaged.gaps)
