"""Proposed changes as data: the order and why, the outage, clients not running apart, the fixes, and the
runbook that names real VIOS, SEAs and disks (and never "backup first" for a single VIOS)."""

from __future__ import annotations

from dataclasses import replace

from builders import REF, EstateBuilder, context, ok
from viosaudit.business import BusinessService, Criticality
from viosaudit.model import Estate, Level, PhysicalVolume, SeaMapping, Span
from viosaudit.plan import Design, Effect, Plan, build_plan
from viosaudit.plan.changes import OrderReason
from viosaudit.render.view import ChangeRow
from viosaudit.render.viewmodel import build_view
from viosaudit.rules.base import Finding, Severity, Subject, SubjectKind, Verdict

SERVICES = {
    "pay": BusinessService("pay", "Payments", "Finance IT", Criticality.CRITICAL),
    "web": BusinessService("web", "Web shop", "E-commerce", Criticality.HIGH),
    "batch": BusinessService("batch", "Nightly batch", "Operations", Criticality.MEDIUM),
    "old": BusinessService("old", "Archive", "Records", Criticality.LOW),
}


def exposed(
    estate: Estate, *names: str, apar: str = "IV91339", severity: Severity = Severity.CRITICAL
) -> list[Finding]:
    """A FAIL finding of vios_apar_exposure for each named VIOS."""
    out = []
    for v in (v for v in estate.vioses if v.name in names):
        subject = Subject(SubjectKind.VIOS, v.name, v.managed_system, v.key.serial, v.key.partition_id)
        key = f"vios_apar_exposure:{v.key.serial}:{v.key.partition_id}:{apar}"
        title = f"{v.name} exposed to {apar}"
        out.append(Finding(key, "vios_apar_exposure", title, Verdict.FAIL, severity, subject, "affected",
                           "data may be corrupted", "install the fix", evidence=(REF,), apar=apar))  # fmt: skip
    return out


def dual() -> EstateBuilder:
    """v1 (SEA primary) and v2 (SEA backup); pay and web on both; batch on v1 only; old (stopped) on v2 only."""
    b = EstateBuilder().system("S")
    b.vios("S", 1, "v1").vios("S", 2, "v2").trunk("v1", 10, priority=1).trunk("v2", 10, priority=2)
    for c, pid in (("pay", 3), ("web", 4), ("batch", 5)):
        b.client("S", pid, c)
    b.client("S", 6, "old", state="Not Activated")
    b.vscsi("v1", "pay").vscsi("v2", "pay").vscsi("v1", "web").vscsi("v2", "web").vscsi("v1", "batch", "hdisk4")
    b.vscsi("v2", "old", "hdisk5")
    return b


def plan_of(estate: Estate, findings: list[Finding]) -> Plan:
    return build_plan(estate, findings, context(services=SERVICES))


def rows(plan: Plan) -> tuple[ChangeRow, ...]:
    return build_view(plan, generated_at="2026-11-25T07:00:00Z").changes


def test_dual_vios_backup_first_outage_only_for_the_single_pathed_and_stopped_clients_apart() -> None:
    estate = dual().build()
    plan = plan_of(estate, exposed(estate, "v1", "v2"))
    (ch,) = plan.changes
    assert ch.change_id == "PROP-01" and ch.design is Design.DUAL and ch.dual
    assert [(s.vios.name, s.reason) for s in ch.steps] == [
        ("v2", OrderReason.BACKUP_FIRST),
        ("v1", OrderReason.AFTER_PREVIOUS),
    ]
    assert ch.outage is not None and ch.outage.partitions == ("batch",) and not ch.outage.assumed
    assert [c.name for c in ch.not_running] == ["old"]
    assert [(s.stop_before, s.start_after) for s in ch.steps] == [((), ()), (("batch",), ("batch",))]
    assert ch.steps[0].carriers == ("v1",) and ch.steps[1].carriers == ("v2",)
    effects = {p: s.effect for s in ch.services for p in s.partitions}
    assert effects == {"pay": Effect.NONE, "web": Effect.NONE, "batch": Effect.ONE_PATH, "old": Effect.NOT_RUNNING}
    assert plan.outage_partitions == ("batch",)


def test_dual_runbook_names_the_vios_and_keeps_the_stopped_client_out_of_the_outage() -> None:
    estate = dual().build()
    (row,) = rows(plan_of(estate, exposed(estate, "v1", "v2")))
    plan = "\n".join(row.implementation_plan)
    assert plan.index("Confirm v2 is the backup") < plan.index("Patch v2") < plan.index("Stop or move batch")
    assert plan.index("Stop or move batch") < plan.index("Patch v1") < plan.index("Start batch again")
    assert "`viosbr -backup -file v2-pre-change`" in plan and "`viosbr -backup -file v1-pre-change`" in plan
    assert row.outage_partitions == ("batch",) and row.not_running == ("old (Not Activated)",)
    assert "Not running now, so not interrupted: old (Not Activated)." in row.risk_of_doing
    backout = "\n".join(row.backout_plan)
    assert "/home/padmin/cfgbackups/v1-pre-change.tar.gz" in backout and "Do not patch v1 until v2" in backout


def test_single_vios_is_an_outage_and_never_says_backup_or_secondary_first() -> None:
    b = EstateBuilder().system("B").vios("B", 1, "solo").trunk("solo", 10, priority=1)
    b.client("B", 2, "pay").client("B", 3, "web").client("B", 4, "old", state="Not Activated")
    b.vscsi("solo", "pay").vscsi("solo", "web", "hdisk3").vscsi("solo", "old", "hdisk4")
    estate = b.build()
    plan = plan_of(estate, exposed(estate, "solo"))
    (ch,) = plan.changes
    assert ch.design is Design.SINGLE and [s.reason for s in ch.steps] == [OrderReason.ONLY_VIOS]
    assert ch.outage is not None and ch.outage.partitions == ("pay", "web")
    assert [c.name for c in ch.not_running] == ["old"]
    assert ch.window_hours == 2
    (row,) = rows(plan)
    text = "\n".join((*row.implementation_plan, *row.backout_plan, *(p.note for p in row.patch_order))).lower()
    for word in ("backup vios", "secondary", "is backup", "entstat", "partner"):
        assert word not in text, word
    assert "leave old (not activated) down until solo is back" in text
    assert row.statement.count("a single I/O server") == 1


def test_the_only_failing_vios_of_a_dual_system_is_patched_alone() -> None:
    estate = dual().build()
    (ch,) = plan_of(estate, exposed(estate, "v1")).changes
    assert [(s.vios.name, s.reason, s.carriers) for s in ch.steps] == [("v1", OrderReason.ALONE, ("v2",))]
    (row,) = rows(plan_of(estate, exposed(estate, "v1")))
    assert row.patch_order[0].note.startswith("the only VIOS to patch here: v2 carries")
    assert "Confirm" not in "\n".join(row.implementation_plan)


def test_without_sea_the_higher_partition_id_goes_first_with_nothing_to_confirm() -> None:
    b = EstateBuilder().system("S").vios("S", 1, "v1").vios("S", 2, "v2").client("S", 3, "pay")
    b.vscsi("v1", "pay").vscsi("v2", "pay")
    estate = b.build()
    plan = plan_of(estate, exposed(estate, "v1", "v2"))
    assert [s.reason for s in plan.changes[0].steps] == [OrderReason.FIRST, OrderReason.AFTER_PREVIOUS]
    (row,) = rows(plan)
    assert not any("entstat" in step for step in row.implementation_plan)


def test_runbook_names_the_sea_and_the_spare_or_mirrored_disk() -> None:
    b = dual()
    pvs = (("hdisk0", "rootvg"), ("hdisk1", "rootvg"), ("hdisk2", None), ("hdisk9", None))
    b.replace_vios("v2", pvs=ok(tuple(PhysicalVolume(d, None, vg, None, Span(n, n)) for n, (d, vg) in enumerate(pvs))))
    b.replace_vios(
        "v1", pvs=ok(tuple(PhysicalVolume(d, None, vg, None, Span(n, n)) for n, (d, vg) in enumerate(pvs[:3])))
    )
    net = ok((SeaMapping("ent4", "U9009.42A.SNS-V2-C20-T1", "ent8", "ent0", "Available", None, Span(1, 6)),))
    b.replace_vios("v2", network=net)
    estate = b.build()
    (ch,) = plan_of(estate, exposed(estate, "v1", "v2")).changes
    assert [(s.vios.name, s.seas, s.spare_disks, s.rootvg) for s in ch.steps] == [
        ("v2", ("ent8",), ("hdisk9",), ("hdisk0", "hdisk1")),
        ("v1", (), (), ("hdisk0", "hdisk1")),
    ]
    (row,) = rows(plan_of(estate, exposed(estate, "v1", "v2")))
    steps = "\n".join(row.implementation_plan)
    assert "`alt_root_vg -target hdisk9`" in steps and "`entstat -all ent8 | grep -i state` shows BACKUP on v2" in steps
    assert "`unmirrorios hdisk1`" in steps and "`bootlist -mode normal hdisk0`" in steps
    assert "`bootlist -mode normal hdisk9`" in "\n".join(row.backout_plan)


def test_fixes_come_from_the_catalogue_grouped_by_what_fixes_them() -> None:
    b = EstateBuilder().system("S").vios("S", 1, "v1", level="3.1.2.10").vios("S", 2, "v2", level="3.1.2.10")
    b.client("S", 3, "pay").vscsi("v1", "pay").vscsi("v2", "pay")
    estate = b.build()
    findings = [*exposed(estate, "v1", "v2", apar="IJ30447"), *exposed(estate, "v2", apar="IV91339")]
    (ch,) = plan_of(estate, findings).changes
    fixes = [(f.apars, f.vios, f.levels, f.ifixes) for f in ch.fixes]
    assert fixes == [
        (("IJ30447",), ("v2", "v1"), (Level.parse("3.1.2.20"),), ("IJ30447s1a",)),
        (("IV91339",), ("v2",), (), ()),
    ]
    (row,) = rows(plan_of(estate, findings))
    assert row.fixes[0] == "IJ30447 on v2 and v1: VIOS 3.1.2.20 or later or interim fix IJ30447s1a"
    assert row.fixes[1].startswith("IV91339 on v2: the interim fix or service pack that carries it")


def test_accepted_failures_and_info_findings_propose_no_change() -> None:
    from datetime import date

    from viosaudit.rules.base import Acceptance

    estate = dual().build()
    accepted = [replace(f, acceptance=Acceptance(f.key, "why", "CIO", date(2026, 1, 1), date(2027, 1, 1)))
                for f in exposed(estate, "v1", "v2")]  # fmt: skip
    info = [replace(f, severity=Severity.INFO) for f in exposed(estate, "v1")]
    assert plan_of(estate, accepted).changes == ()
    assert plan_of(estate, info).changes == ()


def test_the_plan_uses_the_rules_topology() -> None:
    from viosaudit.rules.context import load_context

    estate = dual().build()
    ctx = load_context(estate, context().today)
    assert build_plan(estate, exposed(estate, "v1"), ctx).topology is ctx.topology


def out_of_support(estate: Estate, *names: str) -> list[Finding]:
    """A FAIL finding of vios_lifecycle (the release line out of IBM fix support) for each named VIOS."""
    out = []
    for v in (v for v in estate.vioses if v.name in names):
        subject = Subject(SubjectKind.VIOS, v.name, v.managed_system, v.key.serial, v.key.partition_id)
        title = f"{v.name}: VIOS 3.1.4 out of fix support since 2026-04-30 (IBM estimate)"
        out.append(Finding(f"vios_lifecycle:{v.key.serial}:{v.key.partition_id}", "vios_lifecycle", title,
                           Verdict.FAIL, Severity.HIGH, subject, "line out of support", "no more fixes",
                           "plan the upgrade", evidence=(REF,),
                           facts=(("support", "out-of-service"), ("release", "3.1.4"),
                                  ("when", "2026-04-30 (IBM estimate)"))))  # fmt: skip
    return out


def test_a_change_that_only_moves_off_an_unsupported_release_is_an_upgrade_not_a_patch() -> None:
    estate = dual().build()
    (upgrade,) = rows(plan_of(estate, out_of_support(estate, "v1", "v2")))
    assert upgrade.title.startswith("Upgrade 2 VIOS on S to a release line in IBM fix support")
    assert "VIOS 3.1.4 out of fix support since 2026-04-30" in upgrade.title
    # an APAR with a catalogued interim fix can be fixed in place: still a patch
    (patch,) = rows(plan_of(estate, out_of_support(estate, "v1", "v2") + exposed(estate, "v1", "v2", apar="IJ37503")))
    assert patch.title.startswith("Patch 2 VIOS on S (IJ37503")
