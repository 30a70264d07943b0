"""HMC mode: one HMC login covers the estate; VIOS commands go through viosvrcmd, quoted."""

from __future__ import annotations

import json
import shlex
import subprocess
from pathlib import Path

import pytest
from estate import PADMIN_IDS, Estate, System, simple_estate

from viosaudit.collect import collect
from viosaudit.collect.hmc import HmcHook
from viosaudit.collect.plan import HMC_MODE_ROOT_GAP
from viosaudit.commands import BY_ID, COMMANDS, LPAR_FIELDS, Role
from viosaudit.snapshot import open_snapshot


def _source_bytes(estate_dir: Path) -> dict[tuple[str, str, str | None], bytes]:
    data = json.loads((estate_dir / "manifest.json").read_text())
    return {
        (c["host"], c["command_id"], c.get("managed_system")): (estate_dir / c["file"]).read_bytes()
        for c in data["captures"]
    }


def test_hmc_mode_collects_inventory_and_vios_through_viosvrcmd(make_estate, settings_for, tmp_path):
    estate = make_estate(simple_estate(systems=2, hmcs=1))
    result = collect(settings_for(estate))

    snapshot = open_snapshot(result.snapshot_dir)
    captures = snapshot.manifest.captures
    assert not result.partial and not result.interrupted
    assert all(snapshot.verify(c) is None for c in captures)
    hmc = {(c.command_id, c.managed_system) for c in captures if c.role is Role.HMC}
    assert hmc == {("lshmc_v", None), ("lssyscfg_sys", None)} | {
        (cid, system)
        for system in ("P9-001", "P9-002")
        for cid in ("lssyscfg_lpar", "lshwres_scsi", "lshwres_fc", "lshwres_eth")
    }
    vios = [c for c in captures if c.role is Role.VIOS]
    assert len(vios) == 4 * len(PADMIN_IDS)  # four VIOS, each padmin command
    sample = next(c for c in vios if c.host == "vios001a" and c.command_id == "lsmap_npiv")
    assert sample.managed_system == "P9-001"
    assert sample.partition == "vios001a"
    assert sample.via == "hmc1"
    assert sample.command == "viosvrcmd -m P9-001 -p vios001a -c 'lsmap -all -npiv'"
    # every capture is the server's output, byte for byte
    source = _source_bytes(tmp_path / "estate0")
    for capture in captures:
        assert snapshot.read_bytes(capture) == source[(capture.host, capture.command_id, capture.managed_system)]
    # ifixes cannot be read through viosvrcmd: a gap per VIOS and root command, with the agreed reason
    gaps = {(g.host, g.command_id): g for g in snapshot.manifest.gaps}
    assert set(gaps) == {
        (v, c.id) for v in ("vios001a", "vios001b", "vios002a", "vios002b") for c in COMMANDS if c.needs_root
    }
    assert {g.reason for g in gaps.values()} == {HMC_MODE_ROOT_GAP}
    assert gaps[("vios002b", "emgr_l")].managed_system == "P9-002"
    # the fake HMC never saw an unquoted or root command
    assert not any("emgr" in c or "oem_setup_env" in c for c in estate["hmc1"].stats.commands)


def test_system_seen_by_two_hmcs_is_collected_once(make_estate, settings_for):
    shared = Estate(
        hmcs={"hmc1": ("P9-A",), "hmc2": ("P9-A", "P9-B")},
        systems={
            "P9-A": System("P9-A", "78AAAAA", vios=("va1", "va2")),
            "P9-B": System("P9-B", "78BBBBB", vios=("vb1",)),
        },
    )
    estate = make_estate(shared)
    result = collect(settings_for(estate, hmcs=("hmc1", "hmc2")))

    captures = result.manifest.captures
    lpar = {(c.host, c.managed_system) for c in captures if c.command_id == "lssyscfg_lpar"}
    assert lpar == {("hmc1", "P9-A"), ("hmc2", "P9-B")}
    ioslevel = sorted((c.host, c.via) for c in captures if c.command_id == "ioslevel")
    assert ioslevel == [("va1", "hmc1"), ("va2", "hmc1"), ("vb1", "hmc2")]
    assert any("P9-A" in n and "hmc1, hmc2" in n and "collected once, through hmc1" in n for n in result.manifest.notes)
    assert not any(
        "P9-A" in c for c in estate["hmc2"].stats.commands if c.startswith(("lssyscfg -r lpar", "viosvrcmd"))
    )


HOSTILE_SYSTEM = "Prod 1; rm -rf / $(touch PWNED) `id` 'x'"
HOSTILE_VIOS = "vios $(reboot) ; 'a' \\ & | > out"


def test_hostile_names_arrive_as_one_literal_argument(make_estate, settings_for):
    hostile = Estate(
        hmcs={"hmc1": (HOSTILE_SYSTEM,)},
        systems={HOSTILE_SYSTEM: System(HOSTILE_SYSTEM, "78EVIL1", vios=(HOSTILE_VIOS,))},
    )
    estate = make_estate(hostile)
    result = collect(settings_for(estate))

    argvs = estate["hmc1"].stats.argvs
    assert ["lssyscfg", "-r", "lpar", "-m", HOSTILE_SYSTEM, "-F", LPAR_FIELDS] in argvs
    assert ["viosvrcmd", "-m", HOSTILE_SYSTEM, "-p", HOSTILE_VIOS, "-c", "lsmap -all"] in argvs
    ioslevel = next(c for c in result.manifest.captures if c.command_id == "ioslevel")
    assert (ioslevel.host, ioslevel.managed_system, ioslevel.partition) == (HOSTILE_VIOS, HOSTILE_SYSTEM, HOSTILE_VIOS)
    assert not result.partial


@pytest.mark.parametrize("shell", ["/bin/sh", "bash"])
@pytest.mark.parametrize(
    "name",
    [HOSTILE_SYSTEM, HOSTILE_VIOS, "it's", 'say "hi"', "$HOME", "tab\there", "new\nline", "-m", "*", "~root", "a'\"'b"],
)
def test_a_real_shell_sees_one_argument_and_runs_nothing(tmp_path, shell, name):
    """The line we send, run by a real POSIX shell with viosvrcmd replaced by an argv printer."""
    line = HmcHook().viosvrcmd(name, name, BY_ID["lsmap_npiv"])
    printer = tmp_path / "viosvrcmd"
    printer.write_text('#!/bin/sh\nfor a in "$@"; do printf \'%s\\0\' "$a"; done\n')
    printer.chmod(0o755)
    out = subprocess.run(
        [shell, "-c", str(printer) + line[len("viosvrcmd") :]], cwd=tmp_path, capture_output=True, check=True
    )
    assert out.stdout.split(b"\0")[:-1] == [b"-m", name.encode(), b"-p", name.encode(), b"-c", b"lsmap -all -npiv"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["viosvrcmd"]  # no PWNED, no 'out'
    assert shlex.split(line)[1:] == ["-m", name, "-p", name, "-c", "lsmap -all -npiv"]


def test_partition_not_running_is_not_asked(make_estate, settings_for):
    down = Estate(
        hmcs={"hmc1": ("P9-X",)}, systems={"P9-X": System("P9-X", "78XXXXX", vios=("vx1",), vios_state="Not Activated")}
    )
    estate = make_estate(down)
    result = collect(settings_for(estate))
    assert not [c for c in result.manifest.captures if c.role is Role.VIOS]
    assert not any(c.startswith("viosvrcmd") for c in estate["hmc1"].stats.commands)
