"""The wheel carries what an installed viosaudit needs: templates, rule metadata, data, the ksh script."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_wheel_contains_templates_rules_data_and_capture_script(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("viosaudit-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    templates = {p.relative_to(ROOT / "templates").as_posix() for p in (ROOT / "templates").rglob("*") if p.is_file()}
    assert "runbook/rolling.txt" in templates
    assert {f"viosaudit/templates/{name}" for name in templates} <= names
    rules = {p.name for p in (ROOT / "src" / "viosaudit" / "rules").glob("*.toml")}
    assert rules and {f"viosaudit/rules/{name}" for name in rules} <= names
    for data in ("apar_catalogue.toml", "lifecycle.toml", "risk.toml"):
        assert f"viosaudit/rules/data/{data}" in names
    assert "viosaudit/collect/viosaudit-capture.ksh" in names
    assert "viosaudit/history/schema.py" in names  # the history migrations travel with the wheel
