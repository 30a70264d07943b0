"""Change-record drafts: the ServiceNow JSON fits the change_request fields, the CSV reads back, the
Markdown has every section a CAB reviewer looks for."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from viosaudit.records import check, table_api
from viosaudit.records.draft import ChangeRecord, ChangeType, Impact, Risk
from viosaudit.records.markdown import SECTIONS

# The Table API's change_request limits, written out here on purpose (not read from the product's data
# file) so that a wrong data file fails this test.
MAX = {"short_description": 160, "description": 4000, "justification": 4000, "implementation_plan": 4000,
       "backout_plan": 4000, "test_plan": 4000, "category": 40}  # fmt: skip
REQUIRED = ("short_description", "description", "justification", "implementation_plan", "backout_plan",
            "test_plan", "risk", "impact", "type", "category", "cmdb_ci")  # fmt: skip
CHOICES = {"risk": {"1", "2", "3", "4"}, "impact": {"1", "2", "3"}, "type": {"normal", "standard", "emergency"}}


def _folders(reported: Path) -> list[Path]:
    folders = sorted((reported / "changes").iterdir())
    assert [f.name for f in folders] == [f"PROP-{n:02d}" for n in range(1, len(folders) + 1)]
    assert len(folders) == 6
    return folders


def test_servicenow_json_fits_the_change_request_table(reported: Path) -> None:
    for folder in _folders(reported):
        body = json.loads((folder / "record" / "servicenow.json").read_text(encoding="utf-8"))
        assert all(isinstance(v, str) for v in body.values()), folder
        for name in REQUIRED:
            assert body[name].strip(), f"{folder.name}: {name} empty"
        for name, limit in MAX.items():
            assert len(body[name]) <= limit, f"{folder.name}: {name} {len(body[name])} > {limit}"
        for name, allowed in CHOICES.items():
            assert body[name] in allowed
        assert body["start_date"] == body["end_date"] == ""  # left for the CAB
        assert check(body) == []
        assert body["short_description"].startswith(folder.name)


def test_single_vios_change_is_high_risk_with_its_vios_and_owners(reported: Path) -> None:
    body = json.loads((reported / "changes" / "PROP-01" / "record" / "servicenow.json").read_text(encoding="utf-8"))
    assert body["cmdb_ci"] == "P7-BRANCH-D"
    assert body["risk"] == "2" and body["impact"] == "1" and body["type"] == "normal"
    assert body["assignment_group"] == "Branch IT"  # owner of the most critical service touched
    assert "p7d-vios1" in body["implementation_plan"] and "shutdown -restart" in body["implementation_plan"]
    assert "lspath" in body["test_plan"] and "lsmap -all -npiv" in body["test_plan"]
    assert "viosbr -restore" in body["backout_plan"]
    assert "{{" not in json.dumps(body) and "__________" not in json.dumps(body)


def test_dual_vios_test_plan_checks_before_the_second_vios(reported: Path) -> None:
    body = json.loads((reported / "changes" / "PROP-03" / "record" / "servicenow.json").read_text(encoding="utf-8"))
    plan = body["test_plan"]
    first = plan.index("After p8b-vios2 is back, before touching p8b-vios1:")
    assert "Status:LOGGED_IN" in plan[first:] and "entstat -d" in plan[first:]
    assert plan.index("Only when every check above passes, go on with p8b-vios1") > first


def test_csv_reads_back_as_the_json(reported: Path) -> None:
    for folder in _folders(reported):
        body = json.loads((folder / "record" / "servicenow.json").read_text(encoding="utf-8"))
        rows = list(csv.DictReader(io.StringIO((folder / "record" / "servicenow.csv").read_text(encoding="utf-8"))))
        assert len(rows) == 1
        assert rows[0] == body


def test_markdown_has_every_section(reported: Path) -> None:
    for folder in _folders(reported):
        text = (folder / "record" / "change.md").read_text(encoding="utf-8")
        headings = [line[3:] for line in text.splitlines() if line.startswith("## ")]
        assert headings == list(SECTIONS), folder.name
        assert text.startswith(f"# {folder.name}: ")
    single = (reported / "changes" / "PROP-01" / "record" / "change.md").read_text(encoding="utf-8")
    assert "| Branch teller | high | Branch IT | br-teller01 and br-tellerdb01 |" in single


def test_text_longer_than_its_field_is_cut_with_a_marker() -> None:
    record = ChangeRecord(
        change_id="PROP-01", change_key="chg-0", snapshot_id="s", captured_at="t", title="x",
        short_description="x" * 300,
        description="d", justification="j", implementation_plan=tuple(f"{n}. step " * 40 for n in range(200)),
        backout_plan=("1. b",), test_plan=("t",), risk=Risk.HIGH, risk_text="High", impact=Impact.LOW,
        type=ChangeType.NORMAL, category="System Software", cmdb_ci="SYS", configuration_items=("SYS",),
        assignment_group="", assignment_source="not set", outage=(), window="1 hour", window_hours=1,
        findings=("k",), decision="",
    )  # fmt: skip
    body = table_api(record)
    assert len(body["implementation_plan"]) == 4000 and len(body["short_description"]) == 160
    assert body["implementation_plan"].endswith("see change.md in the change's evidence folder]")
    assert check(body) == []
    assert check({**body, "risk": 2, "type": "urgent", "x": ""}) == [
        "x: not a change_request field viosaudit drafts",
        "risk: int, expected a string",
        "type: 'urgent' is not one of normal, standard, emergency",
    ]


def test_p7_branch_d_on_vios_2_2_4_with_no_catalogued_fix_is_an_upgrade(reported: Path) -> None:
    """Its only VIOS is on a line out of fix support and the catalogue names no fix for 2.2.4: the record
    drafts a new installation of the newest line in support, not a patch, with its own back-out."""
    folder = reported / "changes" / "PROP-01" / "record"
    body = json.loads((folder / "servicenow.json").read_text(encoding="utf-8"))
    assert body["cmdb_ci"] == "P7-BRANCH-D" and body["type"] == "normal"
    assert body["short_description"].startswith("PROP-01 P7-BRANCH-D: Upgrade 1 VIOS on P7-BRANCH-D")
    assert (
        (folder / "change.md")
        .read_text(encoding="utf-8")
        .startswith(
            "# PROP-01: Upgrade 1 VIOS on P7-BRANCH-D to a release line in IBM fix support (VIOS 2.2.4 "
            "out of fix support since before 2023-11-30; closes IV89070, IV91339, IV96553 and 2 more)\n"
        )
    )
    plan, backout = body["implementation_plan"], body["backout_plan"]
    assert "Upgrade p7d-vios1 to VIOS 4.1.1 (in fix support until 2027-12-31, IBM estimate)" in plan
    assert "check on Fix Central that the level installed carries them" in plan
    assert "`viosbr -backup -file p7d-vios1-pre-upgrade`" in plan
    assert "`viosupgrade -l -i /home/padmin/vios-4.1.1.mksysb -a hdisk1`" in plan
    assert "Fix to install" not in plan and "Patch p7d-vios1" not in plan and "emgr" not in plan
    assert "`bootlist -mode normal hdisk0`, `shutdown -restart`" in backout and "emgr" not in backout
    assert "About 4 hours, including an outage of about 3 hours" in body["description"]
    assert "VIOS in upgrade order: 1. p7d-vios1 (level now 2.2.4.23)" in body["description"]
    assert "has a single I/O server, so upgrading it stops the virtual machines it serves" in body["description"]
    assert "viosupgrade -l -q" in body["test_plan"] and "emgr" not in body["test_plan"]
