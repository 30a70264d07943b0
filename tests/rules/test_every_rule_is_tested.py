"""Every registered rule has its own test module (``test_<rule_id>.py``), so a new rule comes with tests."""

from __future__ import annotations

from pathlib import Path

from viosaudit.rules import RULE_IDS

HERE = Path(__file__).parent
# The two per-client redundancy rules share one judgement (rules/redundancy.py), tested together.
SHARED = {"lpar_single_path_storage": "test_redundancy.py", "lpar_single_path_network": "test_redundancy.py"}


def test_each_rule_has_a_test_module_that_runs_it() -> None:
    missing = []
    for rule_id in RULE_IDS:
        module = HERE / SHARED.get(rule_id, f"test_{rule_id}.py")
        if not module.is_file() or rule_id not in module.read_text(encoding="utf-8"):
            missing.append(f"{rule_id}: {module.name}")
    assert not missing, "rules without their own tests: " + ", ".join(missing)
