"""Failures are findings: each becomes a gap with its reason, and the run carries on."""

from __future__ import annotations

from dataclasses import replace

from estate import VIOS_IDS, simple_estate
from sshserver import Fault, unused_port

from viosaudit.collect import Status, collect
from viosaudit.config import HostSpec
from viosaudit.snapshot import open_snapshot


def _direct(estate, *names):
    return tuple(HostSpec(n, "127.0.0.1", managed_system="P9-001", partition=n) for n in names)


def _gaps(result, host):
    return {g.command_id: g.reason for g in result.manifest.gaps if g.host == host}


def _captured(result, host):
    return {c.command_id for c in result.manifest.captures if c.host == host}


def test_unreachable_host_is_a_gap_and_the_others_are_collected(make_estate, settings_for):
    estate = make_estate(simple_estate(systems=1))
    settings = settings_for(estate, vioses=_direct(estate, "vios001a"))
    dead = HostSpec("hmc-dead", "127.0.0.1", port=unused_port())
    result = collect(replace(settings, hmcs=(*settings.hmcs, dead)))

    gaps = _gaps(result, "hmc-dead")
    assert set(gaps) == {"lshmc_v", "lssyscfg_sys"}
    assert all("cannot connect" in r and "Connection refused" in r for r in gaps.values())
    assert _captured(result, "vios001a") == VIOS_IDS
    assert "lssyscfg_lpar" in _captured(result, "hmc1")
    assert result.partial


def test_authentication_failure_is_one_attempt_and_gaps(make_estate, settings_for):
    estate = make_estate(simple_estate(systems=1))
    estate["vios001a"].behaviour.auth_fail = True
    result = collect(settings_for(estate, hmcs=(), vioses=_direct(estate, "vios001a", "vios001b")))

    gaps = _gaps(result, "vios001a")
    assert set(gaps) == VIOS_IDS
    assert all("authentication failed" in r and "authorized_keys" in r for r in gaps.values())
    assert estate["vios001a"].stats.logins == 0 and estate["vios001a"].stats.commands == []
    assert _captured(result, "vios001b") == VIOS_IDS
    assert result.partial


def test_unknown_host_key_is_refused(make_estate, settings_for, tmp_path):
    estate = make_estate(simple_estate(systems=1))
    known = estate.write_known_hosts(tmp_path / "partial_known_hosts", skip=("vios001a",))
    result = collect(settings_for(estate, hmcs=(), vioses=_direct(estate, "vios001a"), known_hosts=known))
    reasons = set(_gaps(result, "vios001a").values())
    assert len(reasons) == 1
    (reason,) = reasons
    assert "UNKNOWN HOST KEY" in reason and "ssh-keyscan" in reason and "fingerprint" in reason
    assert estate["vios001a"].stats.logins == 0


def test_changed_host_key_is_refused_with_instructions(make_estate, settings_for):
    estate = make_estate(simple_estate(systems=1))
    estate["hmc1"].behaviour.wrong_host_key = True
    result = collect(settings_for(estate, vioses=_direct(estate, "vios001a")))
    gaps = _gaps(result, "hmc1")
    assert set(gaps) == {"lshmc_v", "lssyscfg_sys"}
    reason = gaps["lshmc_v"]
    assert "HOST KEY CHANGED" in reason and "ssh-keygen -R" in reason and "SHA256:" in reason
    assert estate["hmc1"].stats.logins == 0 and estate["hmc1"].stats.commands == []
    assert _captured(result, "vios001a") == VIOS_IDS  # the rest of the run carried on


def test_command_timeout_is_a_gap_and_the_host_goes_on(make_estate, settings_for):
    estate = make_estate(simple_estate(systems=1))
    estate["vios001a"].behaviour.faults["lsmap_all"] = Fault.HANG
    result = collect(settings_for(estate, hmcs=(), vioses=_direct(estate, "vios001a"), command_timeout=0.5))
    gaps = _gaps(result, "vios001a")
    assert set(gaps) == {"lsmap_all"}
    assert "did not finish within 0.5 s" in gaps["lsmap_all"]
    assert _captured(result, "vios001a") == VIOS_IDS - {"lsmap_all"}
    assert result.partial


def test_exec_request_never_answered_times_out(make_estate, settings_for):
    estate = make_estate(simple_estate(systems=1))
    estate["vios001a"].behaviour.faults["*"] = Fault.STALL
    settings = settings_for(estate, hmcs=(), vioses=_direct(estate, "vios001a", "vios001b"), command_timeout=0.4)
    result = collect(replace(settings, connect_timeout=1.0))
    gaps = _gaps(result, "vios001a")
    assert set(gaps) == VIOS_IDS
    assert "did not finish within 0.4 s" in gaps["ioslevel"]
    assert _captured(result, "vios001b") == VIOS_IDS


def test_non_zero_exit_keeps_the_output_and_records_a_gap(make_estate, settings_for):
    estate = make_estate(simple_estate(systems=1))
    estate["hmc1"].behaviour.faults["lshwres_fc"] = Fault.NONZERO
    result = collect(settings_for(estate))
    capture = next(c for c in result.manifest.captures if c.command_id == "lshwres_fc")
    assert capture.exit_status == 1
    gap = next(g for g in result.manifest.gaps if g.command_id == "lshwres_fc")
    assert gap.reason.startswith("exited with status 1: HSCL1234 simulated failure")
    assert gap.file == capture.file and gap.managed_system == "P9-001"
    assert [o.status for o in result.outcomes if o.command_id == "lshwres_fc"] == [Status.NONZERO]
    assert result.partial


def test_output_cut_short_is_a_gap_not_a_capture(make_estate, settings_for):
    estate = make_estate(simple_estate(systems=1))
    estate["vios001a"].behaviour.faults["lsmap_npiv"] = Fault.DROP
    result = collect(settings_for(estate, hmcs=(), vioses=_direct(estate, "vios001a")))
    gaps = _gaps(result, "vios001a")
    assert set(gaps) == {"lsmap_npiv"}
    assert "output cut short" in gaps["lsmap_npiv"]
    # the connection was dropped; the next commands reconnected
    assert _captured(result, "vios001a") == VIOS_IDS - {"lsmap_npiv"}
    assert estate["vios001a"].stats.logins == 2


def test_non_utf8_output_is_kept_verbatim_and_noted(make_estate, settings_for):
    estate = make_estate(simple_estate(systems=1))
    estate["vios001a"].behaviour.faults["lsmap_all"] = Fault.GARBAGE
    result = collect(settings_for(estate, hmcs=(), vioses=_direct(estate, "vios001a")))
    snapshot = open_snapshot(result.snapshot_dir)
    capture = next(c for c in snapshot.manifest.captures if c.command_id == "lsmap_all")
    data = snapshot.read_bytes(capture)
    assert data.startswith(b"\xff\xfe garbage \x80\x81\xc3(\n") and b"vhost0" in data
    assert snapshot.verify(capture) is None
    assert any(capture.file in n and "not valid UTF-8" in n for n in snapshot.manifest.notes)
    outcome = next(o for o in result.outcomes if o.command_id == "lsmap_all")
    assert outcome.not_utf8 and outcome.status is Status.OK


def test_a_channel_lost_before_any_byte_is_run_once_more_and_recorded(make_estate, settings_for):
    estate = make_estate(simple_estate(systems=1))
    estate["vios001a"].behaviour.faults["lsmap_all"] = Fault.LOSE_ONCE
    estate["hmc1"].behaviour.faults["lssyscfg_lpar"] = Fault.LOSE_ONCE
    result = collect(settings_for(estate, vioses=_direct(estate, "vios001a")))
    assert not result.failed and not [g for g in result.manifest.gaps if not g.expected]
    snapshot = open_snapshot(result.snapshot_dir)  # the retry is in the manifest on disk
    retried = {c.command_id: c for c in snapshot.manifest.captures if c.retry is not None}
    assert set(retried) == {"lsmap_all", "lssyscfg_lpar"}
    assert "closed before any output" in retried["lsmap_all"].retry
    assert snapshot.verify(retried["lsmap_all"]) is None and b"vhost0" in snapshot.read_bytes(retried["lsmap_all"])
    # each command ran exactly twice (lost once, then collected once): nothing collected twice
    assert estate["vios001a"].stats.lost == ["lsmap_all"] and estate["hmc1"].stats.lost == ["lssyscfg_lpar"]
    assert sum(c.endswith("lsmap -all") for c in estate["vios001a"].stats.commands) == 2
    assert len([c for c in snapshot.manifest.captures if c.command_id == "lsmap_all" and c.host == "vios001a"]) == 1


def test_a_channel_lost_twice_is_a_gap_naming_host_and_command(make_estate, settings_for):
    estate = make_estate(simple_estate(systems=1))
    estate["vios001a"].behaviour.faults["lsmap_npiv"] = Fault.LOSE
    result = collect(settings_for(estate, hmcs=(), vioses=_direct(estate, "vios001a")))
    gaps = _gaps(result, "vios001a")
    assert set(gaps) == {"lsmap_npiv"}
    assert gaps["lsmap_npiv"].startswith("vios001a: lost twice, the second time on a fresh channel: the channel")
    assert gaps["lsmap_npiv"].endswith("closed before any output and without an exit status: ioscli lsmap -all -npiv")
    assert estate["vios001a"].stats.lost == ["lsmap_npiv", "lsmap_npiv"]  # tried twice, not more
    assert _captured(result, "vios001a") == VIOS_IDS - {"lsmap_npiv"}
    assert result.partial
