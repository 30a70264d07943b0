"""The sample estate reported once; after snapshots made by editing a copy of its captures and resealing."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from viosaudit.cli import main
from viosaudit.snapshot import MANIFEST, sha256_file

ROOT = Path(__file__).parents[2]
SAMPLE = ROOT / "sample_data" / "snapshot"
SERVICES = ROOT / "sample_data" / "business_services.csv"
TODAY = "2026-12-01"


def report(out: Path, *extra: str) -> int:
    return main(["report", str(SAMPLE), "--services", str(SERVICES), "--today", TODAY, "--out", str(out), *extra])


@pytest.fixture(scope="session")
def reported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report")
    assert report(out) == 0
    return out


def after_snapshot(dst: Path, edits: dict[str, Callable[[str], str]], snapshot_id: str = "after-2026-12-08") -> Path:
    """A copy of the sample snapshot with some captures edited (as the estate would print them after the
    work) and the manifest resealed, as tools/reseal.py does."""
    shutil.copytree(SAMPLE, dst)
    for name, edit in edits.items():
        path = dst / "captures" / name
        path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    manifest = json.loads((dst / MANIFEST).read_text(encoding="utf-8"))
    manifest["snapshot_id"] = snapshot_id
    for entry in manifest["captures"]:
        entry["sha256"] = sha256_file(dst / entry["file"])
    (dst / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return dst


@pytest.fixture
def make_after() -> Callable[..., Path]:
    return after_snapshot
