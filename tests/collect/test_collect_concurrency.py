"""Politeness: at most ``hmc_sessions`` sessions per HMC and ``concurrency`` VIOS at once, as counted
by the server itself (no timing assertions: only upper bounds that must hold on any machine).

A command counts as running on the server from its exec request until its exit status is sent; the
client cannot start its next command on that lane before, so these bounds are exact."""

from __future__ import annotations

import pytest
from estate import PADMIN_IDS, simple_estate

from viosaudit.collect import collect
from viosaudit.config import HostSpec


@pytest.mark.parametrize("sessions", [1, 2, 3])
def test_an_hmc_never_sees_more_than_its_sessions(make_estate, settings_for, sessions):
    estate = make_estate(simple_estate(systems=6, hmcs=2))
    for host in estate.hosts.values():
        host.behaviour.latency = 0.01
    result = collect(settings_for(estate, hmc_sessions=sessions, concurrency=16))

    assert not result.partial
    for hmc in ("hmc1", "hmc2"):
        stats = estate[hmc].stats
        assert len(stats.commands) == 2 + 3 * 4 + 6 * len(PADMIN_IDS)  # inventory, per system, viosvrcmd per VIOS
        assert stats.max_connections <= sessions
        assert stats.max_channels <= sessions
        assert result.peak_sessions[hmc] <= sessions


def test_direct_vios_bounded_by_concurrency(make_estate, settings_for):
    estate = make_estate(simple_estate(systems=4))
    for host in estate.hosts.values():
        host.behaviour.latency = 0.005
    vioses = tuple(
        HostSpec(n, "127.0.0.1", managed_system=h.vios_identity[0], partition=n)
        for n, h in estate.hosts.items()
        if h.role == "vios"
    )
    result = collect(settings_for(estate, hmcs=(), vioses=vioses, concurrency=3))
    assert len(result.manifest.captures) == 8 * 9
    # commands in progress, counted from exec request to exit status: exact, not a timing estimate
    assert estate.max_channels_by_role["vios"] <= 3
    assert all(estate[v.name].stats.max_connections == 1 for v in vioses)
