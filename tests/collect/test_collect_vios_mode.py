"""VIOS mode: padmin over SSH, ``ioscli`` commands, root commands through oem_setup_env."""

from __future__ import annotations

from estate import PADMIN_IDS, VIOS_IDS, simple_estate

from viosaudit.collect import collect
from viosaudit.collect.plan import ROOT_DISABLED_GAP
from viosaudit.config import HostSpec
from viosaudit.snapshot import open_snapshot


def test_direct_vios_runs_all_nine_commands_with_oem_setup_env_pipe(make_estate, settings_for):
    estate = make_estate(simple_estate(systems=1))
    spec = HostSpec("vios001a", "127.0.0.1", managed_system="P9-001", partition="vios001a")
    result = collect(settings_for(estate, hmcs=(), vioses=(spec,)))

    snapshot = open_snapshot(result.snapshot_dir)
    by_id = {c.command_id: c for c in snapshot.manifest.captures}
    assert set(by_id) == VIOS_IDS
    assert by_id["lsmap_all"].command == "ioscli lsmap -all"
    assert by_id["emgr_l"].command == "echo 'emgr -l 2>&1' | ioscli oem_setup_env"
    assert by_id["lslpp_lc"].command == "echo 'lslpp -Lc' | ioscli oem_setup_env"
    assert {(c.host, c.managed_system, c.partition, c.via) for c in by_id.values()} == {
        ("vios001a", "P9-001", "vios001a", None)
    }
    assert snapshot.read_bytes(by_id["emgr_l"]) == b"There is no efix data on this system.\n"
    assert not snapshot.manifest.gaps and result.complete
    assert estate["vios001a"].stats.max_connections == 1  # one padmin session per VIOS


def test_root_commands_on_stdin(make_estate, settings_for):
    estate = make_estate(simple_estate(systems=1))
    spec = HostSpec("vios001b", "127.0.0.1", managed_system="P9-001")
    result = collect(settings_for(estate, hmcs=(), vioses=(spec,), root_method="stdin"))
    by_id = {c.command_id: c for c in result.manifest.captures}
    assert by_id["lslpp_lc"].command == "ioscli oem_setup_env"
    assert b"v-scsi-host.rte:6.1.9.200" in (result.snapshot_dir / by_id["lslpp_lc"].file).read_bytes()
    assert not result.partial


def test_root_method_none_records_gaps(make_estate, settings_for):
    estate = make_estate(simple_estate(systems=1))
    result = collect(settings_for(estate, hmcs=(), vioses=("vios001a",), root_method="none"))
    assert {g.command_id: g.reason for g in result.manifest.gaps} == {
        "emgr_l": ROOT_DISABLED_GAP,
        "lslpp_lc": ROOT_DISABLED_GAP,
        "disk_reserve": ROOT_DISABLED_GAP,
        "sea_attrs": ROOT_DISABLED_GAP,
    }
    assert not result.partial and not result.complete


def test_managed_system_learnt_from_the_hmc_and_no_double_collection(make_estate, settings_for):
    estate = make_estate(simple_estate(systems=2))
    result = collect(settings_for(estate, vioses=("vios002a",)))

    direct = [c for c in result.manifest.captures if c.host == "vios002a"]
    assert len(direct) == 9
    assert {(c.managed_system, c.partition, c.via) for c in direct} == {("P9-002", "vios002a", None)}
    # the HMC was not asked for that VIOS, but still for the others
    hmc_commands = estate["hmc1"].stats.commands
    assert not any("vios002a" in c for c in hmc_commands)
    assert any("-p vios002b" in c for c in hmc_commands)
    assert any("managed system P9-002 learnt" in n for n in result.manifest.notes)
    assert any("collected directly" in n and "vios002a" in n for n in result.manifest.notes)
    # vios002a has ifixes; the VIOS reached through the HMC do not
    assert {g.host for g in result.manifest.gaps} == {"vios001a", "vios001b", "vios002b"}


def test_direct_vios_naming_its_system_skips_viosvrcmd_at_once(make_estate, settings_for):
    estate = make_estate(simple_estate(systems=1))
    spec = HostSpec("vios001a", "127.0.0.1", managed_system="P9-001", partition="vios001a")
    result = collect(settings_for(estate, vioses=(spec,)))
    assert not any("vios001a" in c for c in estate["hmc1"].stats.commands)
    assert len([c for c in result.manifest.captures if c.host == "vios001a"]) == 9
    assert not result.partial


def test_vios_not_on_any_hmc_keeps_unknown_system(make_estate, settings_for):
    estate = make_estate(simple_estate(systems=1))
    spec = HostSpec("vios001a", "127.0.0.1", port=estate["vios001a"].port, partition="elsewhere")
    result = collect(settings_for(estate, vioses=(spec,)))
    mine = [c for c in result.manifest.captures if c.partition == "elsewhere"]
    assert len(mine) == 9 and {(c.host, c.managed_system) for c in mine} == {("vios001a", None)}
    # the HMC's vios001a is another partition: still collected through the HMC, in its own folder
    through_hmc = [c for c in result.manifest.captures if c.via == "hmc1" and c.host == "vios001a"]
    assert len(through_hmc) == len(PADMIN_IDS)
    assert {c.file.split("/")[1] for c in mine} != {c.file.split("/")[1] for c in through_hmc}
    assert any("no HMC in this run lists a VIOS named elsewhere" in n for n in result.manifest.notes)
