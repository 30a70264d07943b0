"""vios_sea_failover: SEA ha_mode and control channel where a partner VIOS bridges the same VLANs."""

from __future__ import annotations

from builders import EstateBuilder, context, sea
from viosaudit.model import Collected, Observed
from viosaudit.rules import evaluate, load_rules
from viosaudit.rules.base import Finding, Verdict

RULES = load_rules(("vios_sea_failover",))


def run(builder: EstateBuilder) -> dict[str, Finding]:
    findings = evaluate(builder.build(), context(), RULES)
    return {f.subject.name: f for f in findings}


def dual(level: str = "3.1.4.10") -> EstateBuilder:
    b = EstateBuilder().system("S1").vios("S1", 1, "v1", level=level).vios("S1", 2, "v2", level=level)
    return b.client("S1", 3, "c1").vlan("v1", "c1").vlan("v2", "c1")


def test_failover_pair_with_control_channel_passes() -> None:
    found = run(dual().seas("v1", sea()).seas("v2", sea()))
    assert {n: f.verdict for n, f in found.items()} == {"v1": Verdict.PASS, "v2": Verdict.PASS}
    assert found["v1"].key == "vios_sea_failover:SNS1:1"


def test_disabled_next_to_a_partner_fails() -> None:
    found = run(dual().seas("v1", sea(ha_mode="disabled", ctl_chan=None)).seas("v2", sea()))
    assert found["v1"].verdict is Verdict.FAIL and found["v1"].title == "v1: SEA without failover"
    assert "v2 (VLAN 10) bridges the same VLANs" in found["v1"].technical and found["v1"].affected_partitions == ("c1",)


def test_missing_ha_mode_counts_as_disabled() -> None:
    assert run(dual().seas("v1", sea(ha_mode=None)).seas("v2", sea()))["v1"].verdict is Verdict.FAIL


def test_no_control_channel_from_vios_2_2_3_passes_below_fails() -> None:
    assert run(dual("2.2.3.0").seas("v1", sea(ctl_chan=None)))["v1"].verdict is Verdict.PASS
    assert run(dual("2.2.2.1").seas("v1", sea(ha_mode="sharing", ctl_chan=None)))["v1"].verdict is Verdict.FAIL


def test_no_control_channel_and_level_unknown_is_unknown() -> None:
    b = dual().replace_vios("v1", level=Observed(Collected.NOT_COLLECTED, reason="x"))
    assert run(b.seas("v1", sea(ctl_chan=None)))["v1"].verdict is Verdict.UNKNOWN


def test_single_vios_disabled_sea_has_no_partner_and_no_finding() -> None:
    b = EstateBuilder().system("S1").vios("S1", 1, "v1").client("S1", 3, "c1").vlan("v1", "c1")
    assert run(b.seas("v1", sea(ha_mode="disabled", ctl_chan=None))) == {}


def test_not_collected_is_unknown_only_with_hmc_trunk_adapters() -> None:
    b = dual().replace_vios("v2", trunks=())  # v2: no trunk adapter on the HMC; neither has sea_attrs
    found = run(b)
    assert set(found) == {"v1"} and found["v1"].verdict is Verdict.UNKNOWN
    assert "not collected" in found["v1"].title


def test_no_sea_no_finding() -> None:
    assert run(dual().seas("v1").seas("v2")) == {}
