"""Collecting from the fake estate playing sample_data reproduces its capture files byte for byte."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from viosaudit.collect import collect
from viosaudit.config import HostSpec
from viosaudit.snapshot import open_snapshot

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data" / "snapshot"

pytestmark = pytest.mark.skipif(not (SAMPLE / "manifest.json").is_file(), reason="sample_data not generated yet")


def test_collecting_the_sample_estate_reproduces_its_captures(make_estate, settings_for):
    data = json.loads((SAMPLE / "manifest.json").read_text())
    estate = make_estate(SAMPLE)
    hmcs = tuple(dict.fromkeys(c["host"] for c in data["captures"] if c["role"] == "hmc"))
    root_capable = {c["host"]: c for c in data["captures"] if c["role"] == "vios" and c["command_id"] == "emgr_l"}
    vioses = tuple(
        HostSpec(host, "127.0.0.1", managed_system=c["managed_system"], partition=c["partition"])
        for host, c in sorted(root_capable.items())
    )
    result = collect(settings_for(estate, hmcs=hmcs, vioses=vioses))
    assert not result.partial, [o.reason for o in result.failed]

    sample = open_snapshot(SAMPLE)
    ours = open_snapshot(result.snapshot_dir)

    def key(c):
        return (c.host, c.command_id, c.managed_system)

    theirs = {key(c): sample.read_bytes(c) for c in sample.manifest.captures}
    mine = {key(c): ours.read_bytes(c) for c in ours.manifest.captures}
    # A system listed by two HMCs is collected once, through the first HMC in the configuration;
    # the sample keeps both HMCs' copies (identical), so only the second HMC's copy is not reproduced.
    not_reproduced = set(theirs) - set(mine)
    for host, _command_id, system in not_reproduced:
        assert host != hmcs[0] and (hmcs[0], _command_id, system) in mine
    assert set(mine) <= set(theirs)
    for k, body in mine.items():
        assert body == theirs[k], k
    # the same gaps: root-only commands of the VIOS reached only through the HMC
    assert {(g.host, g.command_id, g.reason, g.expected) for g in ours.manifest.gaps} == {
        (g.host, g.command_id, g.reason, g.expected) for g in sample.manifest.gaps
    }
    via = {c.host: c.via for c in ours.manifest.captures if c.via}
    assert via == {c.host: c.via for c in sample.manifest.captures if c.via}
