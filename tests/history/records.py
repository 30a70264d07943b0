"""Synthetic run records for the history tests: an estate described in a few words."""

from __future__ import annotations

from datetime import date

from viosaudit.history.record import FindingItem, InventoryItem, RunRecord
from viosaudit.rules.base import Acceptance


def finding(key: str, verdict: str = "fail", severity: str = "high", acceptance: str = "none") -> FindingItem:
    return FindingItem(
        key=key, rule_id=key.split(":")[0], title=f"title of {key}", verdict=verdict, severity=severity,
        subject=f"SYS / {key}", managed_system="SYS", evidence_digest="0" * 64, acceptance=acceptance,
    )  # fmt: skip


# the default server's serial is "1", the second field of the test keys ("a:1"): a finding is judged
# only while its server is in the run's inventory (history.diff: never "fixed" when it vanished with it)
def vios(name: str, level: str | None, serial: str = "1", system: str = "SYS") -> InventoryItem:
    return InventoryItem("vios", name, system, serial, 1, level, "Running")


def system(name: str = "SYS", serial: str = "1") -> InventoryItem:
    return InventoryItem("system", name, name, serial, None, None, "Operating")


def run(
    day: str,
    findings: list[FindingItem],
    inventory: list[InventoryItem] | None = None,
    *,
    zone: str = "default",
    snapshot_id: str | None = None,
    acceptances: tuple[tuple[Acceptance, bool], ...] = (),
) -> RunRecord:
    return RunRecord(
        zone=zone,
        snapshot_id=snapshot_id or f"snap-{day}",
        captured_at=f"{day}T06:00:00Z",
        judged_on=date.fromisoformat(day),
        recorded_at=f"{day}T07:00:00Z",
        collector="test",
        manifest_digest="f" * 64,
        catalogue_version="c1",
        catalogue_records=20,
        tool_version="0.1.0",
        inventory=tuple(inventory if inventory is not None else [system(), vios("vios1", "3.1.4.10")]),
        findings=tuple(findings),
        acceptances=acceptances,
    )
