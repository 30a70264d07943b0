"""The view-model: status, counts, changes, unknowns; and the JSON snapshot of the whole view."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from render_case import GENERATED_AT, build_estate, build_findings, build_services, view_of

from viosaudit.jsonable import to_jsonable
from viosaudit.model import Collected, Estate, Observed
from viosaudit.plan import Design, Effect, EntityStatus, OverallStatus
from viosaudit.render.view import ReportView
from viosaudit.render.wording import words
from viosaudit.rules.base import Finding, Severity, Verdict

STATUS_ACTION, STATUS_OK, STATUS_RISK, STATUS_UNKNOWN = (
    OverallStatus.ACTION, OverallStatus.OK, OverallStatus.RISK, OverallStatus.UNKNOWN
)

SNAPSHOTS = Path(__file__).parent / "snapshots"


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in _leaves(v)]
    if isinstance(value, list):
        return [leaf for v in value for leaf in _leaves(v)]
    return [value]


def test_view_matches_snapshot(view: ReportView) -> None:
    """The whole view as JSON. Regenerate with VIOSAUDIT_UPDATE_SNAPSHOTS=1 and review the diff."""
    path = SNAPSHOTS / "view.json"
    text = json.dumps(to_jsonable(view), indent=2, ensure_ascii=False) + "\n"
    if os.environ.get("VIOSAUDIT_UPDATE_SNAPSHOTS") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"{path} missing: run with VIOSAUDIT_UPDATE_SNAPSHOTS=1 and review it"
    assert text == path.read_text(encoding="utf-8")


def test_view_is_plain_data(view: ReportView) -> None:
    data = to_jsonable(view)
    assert all(isinstance(leaf, str | int) for leaf in _leaves(data))
    json.dumps(data)


def test_generated_at_is_passed_through(view: ReportView) -> None:
    assert view.generated_at == GENERATED_AT
    again = view_of(build_estate(), build_findings(build_estate()), build_services())
    assert again == view


def test_status_and_counts(view: ReportView) -> None:
    assert view.summary.status == STATUS_ACTION
    c = view.counts
    assert (c.systems, c.vios, c.clients) == (3, 5, 6)
    assert (c.systems_exposed, c.vios_exposed, c.vios_unknown, c.systems_unknown) == (2, 3, 1, 1)
    assert c.outage_partitions == 3  # batch01 (single path), crm01 and mail01 (single VIOS)
    assert (c.findings_fail, c.findings_unknown, c.findings_pass, c.findings_accepted) == (5, 1, 1, 1)
    assert "2 of 3 servers" in view.summary.headline
    assert "1 I/O server could not be fully checked" in view.summary.headline


def test_findings_worst_first(view: ReportView) -> None:
    assert [g.severity for g in view.open_findings] == [Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM]
    critical = view.open_findings[0].findings
    assert [f.status for f in critical] == ["FAIL", "FAIL", "FAIL", "UNKNOWN"]
    assert [f.status for f in view.passed_findings] == ["PASS"]
    b1 = next(f for f in critical if f.subject == "P8-BRANCH-B / vios_b1")
    assert b1.outage is True
    assert b1.evidence == ("captures/vios_b1/lslpp_lc.txt:2-2", "captures/vios_b1/emgr_l.txt:1-1")
    assert [(s.partition, s.service) for s in b1.services] == [("crm01", "CRM"), ("mail01", "Mail")]


def test_accepted_risk_is_marked_not_hidden(view: ReportView) -> None:
    row = next(f for f in view.findings if f.key == "system_single_vios:21BBBB2")
    assert row.status == "ACCEPTED (FAIL)" and row.verdict is Verdict.FAIL and row.accepted
    assert "Head of Infrastructure" in row.acceptance and "2024-12-31" in row.acceptance
    expired = next(f for f in view.findings if f.key == "lpar_single_path_storage:78AAAA1:5")
    assert expired.status == "FAIL" and "expired on 2024-03-31" in expired.acceptance_expired
    assert len(view.summary.accepted) == 2
    assert "CHG0041231" in view.summary.accepted[0]


def test_risk_is_carried(view: ReportView) -> None:
    row = next(f for f in view.findings if f.key == "vios_apar_exposure:78AAAA1:1:IV91339")
    assert (row.likelihood, row.impact) == ("rare", "critical")
    passed = view.passed_findings[0]
    assert (passed.likelihood, passed.maintenance) == ("", "")


def test_missing_vios_is_unknown_never_ok(view: ReportView) -> None:
    c2 = next(v for v in view.inventory.vios if v.name == "vios_c2")
    assert (c2.status, c2.level, c2.ifixes, c2.data) == (EntityStatus.UNKNOWN, "not collected", "not collected",
                                                         "not collected: all")
    c_sys = next(s for s in view.inventory.systems if s.name == "P10-DR-C")
    assert c_sys.status is EntityStatus.UNKNOWN
    dr01 = next(c for c in view.inventory.clients if c.name == "dr01")
    assert dr01.redundancy.startswith("unknown")


def test_unreadable_data_shows_on_an_exposed_vios(view: ReportView) -> None:
    b1 = next(v for v in view.inventory.vios if v.name == "vios_b1")
    assert (b1.status, b1.data) == (EntityStatus.EXPOSED, "unreadable: network mappings")


def test_dual_change_patches_backup_first_after_path_checks(view: ReportView) -> None:
    ch = next(c for c in view.changes if c.managed_system == "P9-PROD-A")
    assert ch.design is Design.DUAL
    assert [p.vios for p in ch.patch_order] == ["vios_a2", "vios_a1"]
    assert ch.outage and ch.outage_partitions == ("batch01",)
    plan = "\n".join(ch.implementation_plan)
    assert plan.index("Verify paths before") < plan.index("Patch vios_a2") < plan.index("Patch vios_a1")
    assert "Do not continue until every path is back" in plan
    # batch01 runs through vios_a1 only: stopped just before vios_a1 restarts, started right after
    stop, patch_a1 = plan.index("Stop or move batch01"), plan.index("Patch vios_a1")
    assert plan.index("After vios_a2 is back") < stop < patch_a1 < plan.index("Start batch01 again")
    assert {s.service for s in ch.services} == {"Payments", "Web shop", "Nightly batch"}
    assert ch.decision == ""
    assert ch.finding_keys == ("vios_apar_exposure:78AAAA1:1:IV91339", "vios_apar_exposure:78AAAA1:2:IV91339")


def test_single_vios_change_is_an_outage(view: ReportView) -> None:
    ch = next(c for c in view.changes if c.managed_system == "P8-BRANCH-B")
    assert ch.design is Design.SINGLE and ch.outage
    assert ch.outage_partitions == ("crm01", "mail01")
    assert ch.risk_of_doing.startswith("Planned outage of 2 partitions")
    assert "corrupt data" in ch.risk_of_not_doing
    assert [s.effect for s in ch.services] == [Effect.STOPPED] * 2
    assert [words(s.effect) for s in ch.services] == ["outage: stopped during the fix"] * 2
    assert ch.window_hours == 2


def test_gaps_listed_with_host_command_reason(view: ReportView) -> None:
    statuses = [(g.partition, g.command_id, g.status) for g in view.gaps]
    assert ("vios_b1", "lsmap_net", Collected.UNREADABLE) in statuses
    c2 = [g for g in view.gaps if g.partition == "vios_c2"]
    assert sorted(g.command_id for g in c2) == sorted(
        ["ioslevel", "emgr_l", "lslpp_lc", "lsmap_all", "lsmap_npiv", "lsmap_net", "lspv", "disk_reserve", "sea_attrs"]
    )
    assert all(g.status is Collected.NOT_COLLECTED and "timed out" in g.reason for g in c2)
    unreadable = next(g for g in view.gaps if g.status is Collected.UNREADABLE)
    assert unreadable.where == "captures/vios_b1/lsmap_net.txt:3"


# ---------------------------------------------------------------- status: an unknown never flatters


def _only_system_c(complete: bool) -> Estate:
    """P10-DR-C alone; with ``complete`` its second VIOS is removed so every datum is known."""
    estate = build_estate()
    keep = [v for v in estate.vioses if v.managed_system == "P10-DR-C" and (v.name == "vios_c1" or not complete)]
    return replace(
        estate,
        systems=tuple(s for s in estate.systems if s.name == "P10-DR-C"),
        vioses=tuple(keep),
        clients=tuple(c for c in estate.clients if c.managed_system == "P10-DR-C"),
        paths=tuple(p for p in estate.paths if p.client.serial == "78CCCC3"),
        links=() if complete else estate.links,
        gaps=() if complete else tuple(g for g in estate.gaps if g.managed_system == "P10-DR-C"),
    )


def _c_findings(*verdict_severity: tuple[Verdict, Severity]) -> list[Finding]:
    base = next(f for f in build_findings(build_estate()) if f.verdict is Verdict.PASS)
    return [
        replace(base, key=f"k{i}", verdict=v, severity=s) for i, (v, s) in enumerate(verdict_severity)
    ]


def _status(estate: Estate, findings: list[Finding]) -> OverallStatus:
    return view_of(estate, findings, build_services()).summary.status


@pytest.mark.parametrize(
    ("findings", "expected"),
    [
        ([(Verdict.PASS, Severity.CRITICAL)], STATUS_OK),
        ([(Verdict.FAIL, Severity.MEDIUM)], STATUS_RISK),
        ([(Verdict.FAIL, Severity.HIGH)], STATUS_ACTION),
        ([(Verdict.UNKNOWN, Severity.LOW)], STATUS_UNKNOWN),
        ([(Verdict.UNKNOWN, Severity.CRITICAL), (Verdict.PASS, Severity.CRITICAL)], STATUS_UNKNOWN),
        # a critical unknown could hide a critical exposure: it outranks a medium FAIL
        ([(Verdict.FAIL, Severity.MEDIUM), (Verdict.UNKNOWN, Severity.CRITICAL)], STATUS_UNKNOWN),
        ([(Verdict.FAIL, Severity.CRITICAL), (Verdict.UNKNOWN, Severity.CRITICAL)], STATUS_ACTION),
    ],
)
def test_status_from_verdicts(findings: list[tuple[Verdict, Severity]], expected: OverallStatus) -> None:
    assert _status(_only_system_c(complete=True), _c_findings(*findings)) == expected


def test_accepted_critical_fail_is_at_risk_not_ok() -> None:
    from render_case import ACCEPTED

    findings = [replace(f, acceptance=ACCEPTED) for f in _c_findings((Verdict.FAIL, Severity.CRITICAL))]
    view = view_of(_only_system_c(complete=True), findings)
    assert view.summary.status == STATUS_RISK
    assert view.summary.headline.startswith("Nothing needs action now; 1 risk formally accepted")
    assert view.changes == ()  # the decision was to live with it: no change proposed


def test_expected_gap_alone_does_not_block_ok() -> None:
    from viosaudit.model import EstateGap

    estate = _only_system_c(complete=True)
    gap = EstateGap("hmc1", "lshmc_v", "offline collection: HMC version not gathered", None, None, expected=True)
    view = view_of(replace(estate, gaps=(gap,)), _c_findings((Verdict.PASS, Severity.CRITICAL)))
    assert view.summary.status == STATUS_OK
    assert [(g.command_id, g.expected) for g in view.gaps] == [("lshmc_v", True)]
    failed = replace(gap, expected=False)
    view = view_of(replace(estate, gaps=(failed,)), _c_findings((Verdict.PASS, Severity.CRITICAL)))
    assert view.summary.status == STATUS_UNKNOWN


def test_info_findings_are_listed_but_decide_nothing() -> None:
    findings = _c_findings((Verdict.PASS, Severity.CRITICAL), (Verdict.UNKNOWN, Severity.INFO))
    view = view_of(_only_system_c(complete=True), findings)
    assert view.summary.status == STATUS_OK
    assert [g.severity for g in view.open_findings] == [Severity.INFO]


def test_missing_vios_data_without_any_finding_is_not_ok() -> None:
    estate = _only_system_c(complete=False)
    view = view_of(estate, _c_findings((Verdict.PASS, Severity.CRITICAL)))
    assert view.summary.status == STATUS_UNKNOWN
    assert view.counts.vios_unknown == 1
    assert "could not be fully checked" in view.summary.headline


def test_missing_data_on_a_vios_outranks_a_medium_fail() -> None:
    estate = _only_system_c(complete=False)
    assert _status(estate, _c_findings((Verdict.FAIL, Severity.MEDIUM))) == STATUS_UNKNOWN


def test_unreadable_observed_counts_as_missing() -> None:
    estate = _only_system_c(complete=True)
    c1 = estate.vioses[0]
    broken = replace(c1, filesets=Observed(Collected.UNREADABLE, None, None, "line 4: unexpected text"))
    view = view_of(replace(estate, vioses=(broken,)), _c_findings((Verdict.PASS, Severity.CRITICAL)))
    assert view.summary.status == STATUS_UNKNOWN
    assert view.inventory.vios[0].status is EntityStatus.UNKNOWN
    assert [(g.command_id, g.status) for g in view.gaps] == [("lslpp_lc", Collected.UNREADABLE)]


def test_empty_estate_is_unknown_not_ok() -> None:
    estate = replace(build_estate(), systems=(), vioses=(), clients=(), paths=(), links=(), gaps=())
    view = view_of(estate, [])
    assert view.summary.status == STATUS_UNKNOWN
    assert view.changes == ()
