"""Business risk: likelihood from data, impact from the services involved, maintenance from topology."""

from __future__ import annotations

from builders import EstateBuilder, context
from viosaudit.business import BusinessService, Criticality
from viosaudit.rules import evaluate, load_rules

SERVICES = {
    "pay": BusinessService("pay", "Payments", "Payments team", Criticality.CRITICAL),
    "dev": BusinessService("dev", "Test", "Dev team", Criticality.LOW),
}


def test_single_vios_risk_is_certain_with_impact_of_the_most_critical_service() -> None:
    b = EstateBuilder().system("B").vios("B", 1, "solo").client("B", 2, "pay").client("B", 3, "dev")
    b.vscsi("solo", "pay").vscsi("solo", "dev")
    ctx = context(services=SERVICES)
    (finding,) = [f for f in evaluate(b.build(), ctx, load_rules(("system_single_vios",))) if f.risk]
    assert finding.risk is not None
    assert finding.risk.likelihood == "certain"
    assert finding.risk.impact == "critical"
    assert "Payments (critical)" in finding.risk.impact_why and "Test (low)" in finding.risk.impact_why
    assert finding.risk.maintenance.startswith("Patching solo needs an outage of 2 partitions")


def test_low_criticality_only_gives_low_impact_and_pass_carries_no_risk() -> None:
    b = EstateBuilder().system("S").vios("S", 1, "v1").vios("S", 2, "v2").client("S", 3, "dev")
    b.client("S", 4, "pay").vscsi("v1", "dev").vscsi("v1", "pay").vscsi("v2", "pay")
    ctx = context(services=SERVICES)
    findings = {f.subject.name: f for f in evaluate(b.build(), ctx, load_rules(("lpar_single_path_storage",)))}
    assert findings["dev"].risk is not None and findings["dev"].risk.impact == "low"
    assert "outage of 1 partition (dev)" in findings["dev"].risk.maintenance
    assert findings["pay"].risk is None
