"""Typed status of VIOS, systems, clients and the estate; VIOS out of IBM fix support counted from the
lifecycle rule's ``support`` fact (the contract: FAIL + ("support", "out-of-service" | "within-180-days"))."""

from __future__ import annotations

import contextlib
import io
from dataclasses import replace
from pathlib import Path

from builders import MISSING, REF, EstateBuilder, context
from viosaudit.commands import BY_ID
from viosaudit.model import Collected, Estate, Observed, Vios
from viosaudit.plan import EntityStatus, IoDesign, OverallStatus, Plan, build_plan
from viosaudit.render.view import ReportView
from viosaudit.render.viewmodel import build_view
from viosaudit.render.wording import client_io, vios_data
from viosaudit.rules.base import Finding, Severity, Subject, SubjectKind, Verdict


def estate() -> Estate:
    b = EstateBuilder().system("S").vios("S", 1, "v1").vios("S", 2, "v2")
    b.vios("S", 3, "v3", level=None, ifixes=None, filesets=None, mappings=False)
    b.client("S", 4, "pay").client("S", 5, "batch").client("S", 6, "idle")
    b.vscsi("v1", "pay").vscsi("v2", "pay").vscsi("v1", "batch", "hdisk4")
    for name in ("v1", "v2"):  # v1 and v2 complete; v3 has nothing
        b.replace_vios(name, disk_reserve=Observed(Collected.OK, (), REF), sea=Observed(Collected.OK, (), REF))
        b.replace_vios(name, pvs=Observed(Collected.OK, (), REF))
    return b.build()


def lifecycle(vios: Vios, verdict: Verdict, support: str | None, severity: Severity = Severity.HIGH) -> Finding:
    subject = Subject(SubjectKind.VIOS, vios.name, vios.managed_system, vios.key.serial, vios.key.partition_id)
    facts = (("support", support),) if support else ()
    return Finding(f"vios_lifecycle:{vios.key.serial}:{vios.key.partition_id}", "vios_lifecycle",
                   f"{vios.name}: VIOS 3.1.3 {support}", verdict, severity, subject, "ioslevel 3.1.3.21",
                   "No more fixes from IBM.", "Upgrade.", facts=facts)  # fmt: skip


def plan_of(e: Estate, findings: list[Finding]) -> Plan:
    return build_plan(e, findings, context())


def test_vios_with_missing_data_is_unknown_never_ok_and_info_decides_nothing() -> None:
    e = estate()
    v2 = e.vioses[1]
    plan = plan_of(e, [replace(lifecycle(v2, Verdict.FAIL, "out-of-service"), severity=Severity.INFO)])
    states = {s.vios.name: s for s in plan.vios}
    assert [states[n].status for n in ("v1", "v2", "v3")] == [EntityStatus.OK, EntityStatus.OK, EntityStatus.UNKNOWN]
    assert states["v3"].all_missing and vios_data(states["v3"]) == "not collected: all"
    assert vios_data(states["v1"]) == "complete" and states["v1"].complete
    assert [c.name for c in states["v1"].clients] == ["pay", "batch"]
    assert plan.systems[0].status is EntityStatus.UNKNOWN
    assert plan.status is OverallStatus.UNKNOWN
    assert {g.command_id for g in plan.gaps if g.partition == "v3"} == {c for c in BY_ID if BY_ID[c].field}


def test_partly_missing_data_names_what_is_missing_by_why() -> None:
    e = estate()
    v1 = replace(e.vioses[0], ifixes=MISSING, filesets=Observed(Collected.UNREADABLE, None, REF, "line 3"))
    plan = plan_of(replace(e, vioses=(v1, *e.vioses[1:])), [])
    assert vios_data(plan.vios[0]) == "not collected: interim fixes; unreadable: filesets"


def test_client_io_per_unit() -> None:
    e = estate()
    io_of = {io.client.name: io for io in plan_of(e, []).clients}
    assert io_of["batch"].design is IoDesign.UNKNOWN  # v3's mappings are missing: it may serve batch too
    assert client_io(io_of["batch"]) == "unknown: lsmap -all of v3 not collected"
    # nothing seen on v1 or v2 and the HMC lists no adapter for idle: v3's silence is corroborated
    assert io_of["idle"].design is IoDesign.NONE
    known = replace(e, vioses=e.vioses[:2])
    io_of = {io.client.name: io for io in plan_of(known, []).clients}
    assert io_of["batch"].design is IoDesign.SINGLE_PATH
    assert client_io(io_of["batch"]) == "single path: vSCSI disk hdisk4 via v1 only"
    assert io_of["pay"].design is IoDesign.DUAL and client_io(io_of["pay"]) == "dual VIOS"
    assert io_of["idle"].design is IoDesign.NONE and client_io(io_of["idle"]) == "no virtual I/O recorded"


def test_out_of_fix_support_is_counted_from_the_support_fact() -> None:
    e = estate()
    v1, v2, v3 = e.vioses
    findings = [
        lifecycle(v1, Verdict.FAIL, "out-of-service"),
        lifecycle(v2, Verdict.FAIL, "within-180-days", Severity.MEDIUM),
        lifecycle(v3, Verdict.UNKNOWN, "out-of-service"),  # not a FAIL: not counted
        replace(lifecycle(v1, Verdict.FAIL, "out-of-service"), key="another finding, same VIOS"),
        replace(lifecycle(v2, Verdict.FAIL, "no-such-status"), key="unknown value: ignored"),
    ]
    plan = plan_of(e, findings)
    assert [f.subject.name for f in plan.support.ended] == ["v1"]
    assert [f.subject.name for f in plan.support.ending] == ["v2"]
    assert plan_of(e, [lifecycle(v1, Verdict.FAIL, None)]).support.ended == ()


def view_with_support() -> ReportView:
    e = estate()
    v1, v2, _v3 = e.vioses
    findings = [lifecycle(v1, Verdict.FAIL, "out-of-service"), lifecycle(v2, Verdict.FAIL, "within-180-days")]
    return build_view(plan_of(e, findings), generated_at="2026-11-25T07:00:00Z")


def test_page1_and_workbook_count_vios_out_of_fix_support(tmp_path: Path) -> None:
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    from viosaudit.render.xlsx import write_xlsx

    view = view_with_support()
    assert (view.counts.vios_out_of_support, view.counts.vios_support_ending) == (1, 1)
    assert "1 I/O server (S / v1) runs a version IBM no longer ships fixes for" in " ".join(view.summary.meaning)
    assert any(line.startswith("Warning: IBM's fixes for 1 I/O server (S / v2) end within 180 days")
               for line in view.summary.meaning)  # fmt: skip
    assert any("IBM no longer ships fixes for" in line for line in view.summary.recommendations)
    cells = {row[0].value: row[1].value for row in load_workbook(write_xlsx(view, tmp_path / "w.xlsx"))["Summary"]}
    assert cells["I/O servers IBM no longer ships fixes for"] == "1 of 3"
    assert cells["I/O servers whose fix support ends within 180 days"] == "1 of 3"


def test_cli_summary_counts_vios_out_of_fix_support() -> None:
    from viosaudit.pipeline import ReportResult
    from viosaudit.summary import print_summary

    view = view_with_support()
    result = ReportResult(estate(), (), None, view, None)  # type: ignore[arg-type]
    out = io.StringIO()
    with contextlib.suppress(AttributeError):  # the fake result has no files: the lines before them count
        print_summary(result, out)
    text = out.getvalue()
    assert "Status: ACTION NEEDED" in text and "  FAIL               High     S / v1" in text
    assert "Fix support: 1 VIOS out of IBM fix support;  warning: 1 VIOS within 180 days of its end" in text
