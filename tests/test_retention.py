"""Retention: the newest N report folders stay; older ones go unless they hold an open change's evidence."""

from __future__ import annotations

import json
from pathlib import Path

from viosaudit.retention import open_changes, prune

WEEKS = ["2026-10-05", "2026-10-12", "2026-10-19", "2026-10-26", "2026-11-02"]


def reports(tmp_path: Path) -> Path:
    root = tmp_path / "reports"
    for week in WEEKS:
        (root / week).mkdir(parents=True)
        (root / week / "viosaudit-report.pdf").write_bytes(b"%PDF")
    return root


def change(root: Path, week: str, change_id: str) -> Path:
    folder = root / week / "changes" / change_id
    folder.mkdir(parents=True)
    (folder / "evidence.zip").write_bytes(b"PK")
    return folder


def test_keeps_the_newest_weeks_and_leaves_other_folders_alone(tmp_path: Path) -> None:
    root = reports(tmp_path)
    (root / "notes").mkdir()
    (root / "2026-09-28.pdf").write_bytes(b"")
    pruned = prune(root, 2)
    assert sorted(p.name for p in root.iterdir()) == ["2026-09-28.pdf", "2026-10-26", "2026-11-02", "notes"]
    assert [p.name for p in pruned.removed] == WEEKS[:3] and pruned.protected == ()


def test_the_evidence_of_an_open_change_is_never_deleted(tmp_path: Path) -> None:
    root = reports(tmp_path)
    change(root, "2026-10-05", "CHG0001")  # still open
    (change(root, "2026-10-12", "CHG0002") / "closed").write_text("closed by cab 2026-11-01\n")
    verified = change(root, "2026-10-19", "CHG0003")
    (verified / "after").mkdir()
    (verified / "after" / "verification.json").write_text(json.dumps({"change_id": "CHG0003", "closed": True}))
    unsure = change(root, "2026-10-26", "CHG0004")
    (unsure / "after").mkdir()
    (unsure / "after" / "verification.json").write_text("{not json")  # unreadable: counts as open
    pruned = prune(root, 1)
    assert sorted(p.name for p in root.iterdir()) == ["2026-10-05", "2026-10-26", "2026-11-02"]
    assert [(p.name, ids) for p, ids in pruned.protected] == [
        ("2026-10-05", ("CHG0001",)),
        ("2026-10-26", ("CHG0004",)),
    ]
    assert open_changes(root / "2026-10-05") == ("CHG0001",)


def test_verify_change_saying_not_closed_keeps_it(tmp_path: Path) -> None:
    root = reports(tmp_path)
    (change(root, "2026-10-05", "CHG9") / "after").mkdir()
    (root / "2026-10-05" / "changes" / "CHG9" / "after" / "verification.json").write_text(json.dumps({"closed": False}))
    prune(root, 1)
    assert (root / "2026-10-05" / "changes" / "CHG9" / "evidence.zip").is_file()


def test_a_change_verified_closed_in_a_later_week_frees_its_earlier_folders(tmp_path: Path) -> None:
    """The same change (same change_key) proposed three weeks running, verified closed in the third."""
    root = reports(tmp_path)
    for week, prop in (("2026-10-05", "PROP-01"), ("2026-10-12", "PROP-02"), ("2026-10-19", "PROP-01")):
        (change(root, week, prop) / "change.json").write_text(json.dumps({"change_key": "chg-0123456789ab"}))
    done = root / "2026-10-19" / "changes" / "PROP-01" / "after"
    done.mkdir()
    (done / "verification.json").write_text(json.dumps({"closed": True, "verdict": "closed, all paths back"}))
    other = change(root, "2026-10-12", "PROP-03")  # another change, still open
    (other / "change.json").write_text(json.dumps({"change_key": "chg-ba9876543210"}))
    pruned = prune(root, 1)
    assert sorted(p.name for p in root.iterdir()) == ["2026-10-12", "2026-11-02"]
    assert [(p.name, ids) for p, ids in pruned.protected] == [("2026-10-12", ("PROP-03",))]


def test_this_runs_folder_is_never_deleted_and_a_missing_root_is_fine(tmp_path: Path) -> None:
    root = reports(tmp_path)
    prune(root, 1, current=root / "2026-10-05")  # e.g. a run with --today in the past
    assert (root / "2026-10-05").is_dir() and (root / "2026-11-02").is_dir()
    assert prune(tmp_path / "none", 3).removed == ()
