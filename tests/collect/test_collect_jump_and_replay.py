"""A jump host (ProxyJump) and the replay transport (offline collection from a snapshot)."""

from __future__ import annotations

from estate import simple_estate

from viosaudit.collect import ReplayTransport, collect
from viosaudit.config import HostSpec
from viosaudit.snapshot import open_snapshot


def test_every_host_is_reached_through_the_jump_host(make_estate, settings_for):
    estate = make_estate(simple_estate(systems=1), jump=True)
    settings = settings_for(
        estate,
        vioses=(HostSpec("vios001a", "127.0.0.1", managed_system="P9-001"),),
        jump_host=f"jumper@127.0.0.1:{estate['jump'].port}",
    )
    result = collect(settings)
    assert not result.partial
    forwarded = {port for _host, port in estate["jump"].stats.forwarded}
    assert forwarded == {estate["hmc1"].port, estate["vios001a"].port}
    assert estate["jump"].stats.logins == 1  # one jump login shared by all hosts
    assert len([c for c in result.manifest.captures if c.host == "vios001a"]) == 9


def test_unreachable_jump_host_makes_every_host_a_gap(make_estate, settings_for):
    from sshserver import unused_port

    estate = make_estate(simple_estate(systems=1))
    result = collect(settings_for(estate, jump_host=f"127.0.0.1:{unused_port()}"))
    assert not result.manifest.captures
    assert {g.command_id for g in result.manifest.gaps} == {"lshmc_v", "lssyscfg_sys"}
    assert all("jump host" in g.reason for g in result.manifest.gaps)


def test_replay_transport_collects_a_snapshot_offline(tmp_path, settings_for, make_estate):
    estate = make_estate(simple_estate(systems=2))
    first = collect(settings_for(estate, vioses=("vios001a",), output="first"))
    source = open_snapshot(first.snapshot_dir)

    settings = settings_for(estate, vioses=("vios001a",), output="replayed")
    again = collect(settings, transport_factory=lambda spec, role: ReplayTransport(source, spec.name))
    replayed = open_snapshot(again.snapshot_dir)

    def content(snapshot):
        return {
            (c.host, c.command_id, c.managed_system, c.command): snapshot.read_bytes(c)
            for c in snapshot.manifest.captures
        }

    assert content(replayed) == content(source)
    assert not again.partial
