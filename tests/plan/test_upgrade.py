"""A change is an upgrade, not a patch, when every VIOS to patch is on a release line out of IBM fix support
and the catalogue names no in-place fix (level or interim fix) for that line: its runbook installs the
newest line in fix support with viosupgrade on a free disk, and backs out by booting the old rootvg."""

from __future__ import annotations

from datetime import date

from test_changes import SERVICES, dual, exposed, out_of_support, rows

from builders import EstateBuilder, context, ok
from viosaudit.model import Estate, Level, PhysicalVolume, SeaMapping, Span
from viosaudit.plan import Plan, build_plan
from viosaudit.plan.changes import HOURS_PER_UPGRADE, HOURS_PER_VIOS, ChangeKind
from viosaudit.rules.base import Finding
from viosaudit.rules.catalogue import Apar, AparType, Catalogue, LevelRange
from viosaudit.rules.lifecycle import load_lifecycle

SRC = "https://www.ibm.com/support/pages/apar/IJ99999"


def catalogue_with(*ranges: LevelRange) -> Catalogue:
    """The shipped catalogue plus IJ99999, fixed on the lines of ``ranges``."""
    base = context().catalogue
    record = Apar("IJ99999", "Test defect", AparType.HIPER, (("id", SRC),), level_ranges=ranges)
    return Catalogue(base.path, (*base.apars, record))


def fixed_on(release: str, fixed: str) -> LevelRange:
    return LevelRange(release, None, None, Level.parse(fixed), SRC)


def plan_with(estate: Estate, findings: list[Finding], catalogue: Catalogue | None = None) -> Plan:
    return build_plan(estate, findings, context(services=SERVICES, catalogue=catalogue))


def test_out_of_support_with_no_catalogued_fix_is_an_upgrade_to_the_newest_line_in_support() -> None:
    estate = dual().build()
    (ch,) = plan_with(estate, out_of_support(estate, "v1", "v2") + exposed(estate, "v1", "v2")).changes
    assert ch.kind is ChangeKind.UPGRADE
    assert ch.window_hours == 2 * HOURS_PER_UPGRADE and ch.outage is not None and ch.outage.hours == HOURS_PER_UPGRADE
    # on 2026-11-25 4.1.0 (EoFS 2026-11-30) and 4.1.1 (2027-12-31) are in fix support: the newest wins;
    # 4.1.2 has no published EoFS date, so it is not chosen
    assert ch.target is not None and (ch.target.release, ch.target.eofs) == ("4.1.1", date(2027, 12, 31))
    assert ch.target.estimated and ch.target.unknown == ("IV91339",) and not ch.target.fixed
    (row,) = rows(plan_with(estate, out_of_support(estate, "v1", "v2") + exposed(estate, "v1", "v2")))
    assert row.title == (
        "Upgrade 2 VIOS on S to a release line in IBM fix support (VIOS 3.1.4 out of fix support since "
        "2026-04-30 (IBM estimate); closes IV91339)"
    )
    assert row.upgrade and row.target == "VIOS 4.1.1"
    assert row.fixes == (
        "Upgrade v2 and v1 to VIOS 4.1.1 (in fix support until 2027-12-31, IBM estimate), the newest release "
        "line in fix support in the lifecycle data, at that line's current level; the catalogue does not say "
        "which VIOS 4.1.1 level closes IV91339: check on Fix Central that the level installed carries it",
    )
    assert row.also == ()  # the lifecycle finding's "plan the upgrade" is the change itself
    assert row.window.startswith(f"About {2 * HOURS_PER_UPGRADE} hours")
    assert f"outage of about {HOURS_PER_UPGRADE} hours" in row.window


def test_the_catalogue_says_which_apars_the_target_line_fixes_and_which_it_lists_affected() -> None:
    estate = dual().build()
    cat = catalogue_with(fixed_on("4.1.1", "4.1.1.10"))
    findings = out_of_support(estate, "v1", "v2") + exposed(estate, "v1", "v2", apar="IJ99999")
    (ch,) = plan_with(estate, findings, cat).changes
    assert ch.kind is ChangeKind.UPGRADE  # fixed on 4.1.1, but nothing to install on 3.1.4
    assert ch.target is not None and ch.target.fixed == (("IJ99999", Level.parse("4.1.1.10")),)
    (row,) = rows(plan_with(estate, findings, cat))
    assert "its current level closes IJ99999 (fixed from VIOS 4.1.1.10)" in row.fixes[0]
    assert "Fix Central" not in row.fixes[0]
    affected = catalogue_with(LevelRange("4.1.1", None, None, None, SRC))
    (ch,) = plan_with(estate, findings, affected).changes
    assert ch.target is not None and ch.target.affected == ("IJ99999",) and not ch.target.unknown


def test_any_in_place_fix_keeps_it_a_patch() -> None:
    estate = dual().build()
    lifecycle = out_of_support(estate, "v1", "v2")
    # a catalogued fixed level on the VIOS's own line (3.1.4)
    cat = catalogue_with(fixed_on("3.1.4", "3.1.4.50"))
    (ch,) = plan_with(estate, lifecycle + exposed(estate, "v1", "v2", apar="IJ99999"), cat).changes
    assert ch.kind is ChangeKind.PATCH and ch.target is None and ch.window_hours == 2 * HOURS_PER_VIOS
    # one APAR without a fix, another with a catalogued interim fix: the change installs the ifix
    findings = lifecycle + exposed(estate, "v1", "v2") + exposed(estate, "v1", "v2", apar="IJ37503")
    assert plan_with(estate, findings).changes[0].kind is ChangeKind.PATCH


def test_in_fix_support_or_only_one_vios_out_of_it_is_a_patch() -> None:
    estate = dual().build()
    (ch,) = plan_with(estate, exposed(estate, "v1", "v2")).changes
    assert ch.kind is ChangeKind.PATCH and ch.window_hours == 2 * HOURS_PER_VIOS
    (row,) = rows(plan_with(estate, exposed(estate, "v1", "v2")))
    assert row.title.startswith("Patch 2 VIOS on S (IV91339") and not row.upgrade
    (ch,) = plan_with(estate, out_of_support(estate, "v1") + exposed(estate, "v1", "v2")).changes
    assert ch.kind is ChangeKind.PATCH


def test_without_a_line_in_fix_support_the_upgrade_says_so() -> None:
    estate = dual().build()
    findings = out_of_support(estate, "v1", "v2") + exposed(estate, "v1", "v2")
    ctx = context(date(2030, 1, 1), SERVICES, lifecycle=load_lifecycle())
    (ch,) = build_plan(estate, findings, ctx).changes
    assert ch.kind is ChangeKind.UPGRADE and ch.target is None


def _disks(*pvs: tuple[str, str | None]) -> object:
    return ok(tuple(PhysicalVolume(d, None, vg, None, Span(n, n)) for n, (d, vg) in enumerate(pvs)))


def test_dual_upgrade_runbook_backup_first_viosupgrade_on_the_free_disk_and_back_out_to_old_rootvg() -> None:
    b = dual()
    b.replace_vios("v2", pvs=_disks(("hdisk0", "rootvg"), ("hdisk9", None)))
    b.replace_vios("v1", pvs=_disks(("hdisk0", "rootvg"), ("hdisk1", "rootvg")))
    net = ok((SeaMapping("ent4", "U9009.42A.SNS-V2-C20-T1", "ent8", "ent0", "Available", None, Span(1, 6)),))
    b.replace_vios("v2", network=net)
    estate = b.build()
    (row,) = rows(plan_with(estate, out_of_support(estate, "v1", "v2") + exposed(estate, "v1", "v2")))
    plan = "\n".join(row.implementation_plan)
    assert "`viosbr -backup -file v2-pre-upgrade`" in plan and "`viosbr -backup -file v1-pre-upgrade`" in plan
    assert "copy /home/padmin/cfgbackups/v2-pre-upgrade.tar.gz off the VIOS" in plan
    assert "`viosupgrade -l -i /home/padmin/vios-4.1.1.mksysb -a hdisk9`" in plan  # v2's free disk
    assert "`unmirrorios hdisk1`" in plan and "-a hdisk1`" in plan  # v1: the rootvg mirror split
    # the rolling order stays: confirm the backup SEA, v2 first, every path back before v1
    assert (
        plan.index("Confirm v2 is the backup")
        < plan.index("Upgrade v2 to VIOS 4.1.1")
        < plan.index("Do not continue until every path is back")
        < plan.index("Upgrade v1 to VIOS 4.1.1")
    )
    assert "`ioslevel` shows the VIOS 4.1.1 level" in plan and "`lsmap -all` / `lsmap -all -npiv`" in plan
    assert "`entstat -all ent8 | grep -i state` shows the SEA back in its role" in plan
    for patch_word in ("Patch v", "install the fix", "emgr", "alt_root_vg", "2.2.6.30"):
        assert patch_word not in plan, patch_word
    backout = "\n".join(row.backout_plan)
    assert "boot the old rootvg, which the new installation left untouched (`bootlist -mode normal hdisk0`" in backout
    assert "v2 comes back on VIOS 3.1.4.10 with its configuration" in backout
    assert "Do not upgrade v1 until v2 is healthy again" in backout and "emgr" not in backout


def test_single_vios_on_2_2_4_is_upgraded_in_an_outage_after_reaching_viosupgrade() -> None:
    b = EstateBuilder().system("B").vios("B", 1, "solo", level="2.2.4.23").client("B", 2, "pay")
    b.vscsi("solo", "pay").replace_vios("solo", pvs=_disks(("hdisk0", "rootvg"), ("hdisk1", "rootvg")))
    estate = b.build()
    findings = out_of_support(estate, "solo") + exposed(estate, "solo")
    (ch,) = plan_with(estate, findings).changes
    assert ch.kind is ChangeKind.UPGRADE and ch.window_hours == HOURS_PER_UPGRADE + 1
    (row,) = rows(plan_with(estate, findings))
    plan = "\n".join(row.implementation_plan)
    assert plan.index("Shut down the client partitions cleanly: pay") < plan.index("older than VIOS 2.2.6.30")
    assert "`viosupgrade -t bosinst -n solo -m vios-4.1.1_mksysb -p vios-4.1.1_spot -a hdisk1`" in plan
    assert plan.index("older than VIOS 2.2.6.30") < plan.index("Upgrade solo to VIOS 4.1.1: copy the mksysb image")
    assert "over a VIOS 2.2 level; where it cannot, go through VIOS 3.1 first" in plan
    assert "Patch solo" not in plan and "emgr" not in plan
    backout = "\n".join(row.backout_plan)
    assert "`bootlist -mode normal hdisk0`, `shutdown -restart`" in backout
    assert "solo comes back on VIOS 2.2.4.23 (or the 2.2.6 level it was updated to first)" in backout
    assert "Restart pay" in backout


def test_upgrade_without_disk_data_says_how_to_find_the_free_disk_and_old_rootvg() -> None:
    estate = dual().build()  # lspv not collected: no free disk nor rootvg disk known
    (row,) = rows(plan_with(estate, out_of_support(estate, "v1", "v2") + exposed(estate, "v1", "v2")))
    plan = "\n".join(row.implementation_plan)
    assert "`lspv -free` lists the free disks of v2; use one as large as rootvg" in plan
    assert "`viosupgrade -l -i /home/padmin/vios-4.1.1.mksysb` with `-a` the free disk chosen above" in plan
    assert "`bootlist -mode normal` with the disk `lspv` shows in old_rootvg" in "\n".join(row.backout_plan)
