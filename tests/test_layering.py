"""The layout is the data flow, one way: no module imports a later stage (STYLE principle 1)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).parents[1] / "src" / "viosaudit"

# Pure types and formats any stage may use, then the stages in flow order. Parsers come before the
# collectors because HMC discovery reads lssyscfg output to know which systems to visit.
RANK = {
    "errors": 0, "commands": 0, "model": 0, "jsonable": 0, "business": 0, "snapshot": 0, "config": 0, "sanitize": 0,
    "files": 0, "schema": 0, "timings": 0, "decisions": 0,
    "parse": 1,
    "collect": 2,
    "assemble": 3, "pseudonymise": 3,
    "rules": 4,
    "plan": 5, "history": 5,
    "render": 6, "records": 6,
    "pipeline": 7, "changes": 7, "summary": 7, "deliver": 7, "retention": 7, "runlog": 7, "weekly": 7,
    "cli": 8, "__main__": 8, "__init__": 0,
}  # fmt: skip


def stage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("viosaudit"):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("viosaudit")}
    return found


def test_no_module_reaches_back_up_the_flow() -> None:
    problems = []
    files = [p for p in PACKAGE.rglob("*.py") if "templates" not in p.parts]
    assert len(files) > 20
    for path in files:
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        own = stage(".".join(relative.parts))
        for target in imports(path):
            if RANK[stage(target)] > RANK[own]:
                problems.append(f"{relative}: imports {target} (stage {stage(target)} comes after {own})")
    assert not problems, "\n".join(problems)


def test_plan_sits_between_rules_and_render() -> None:
    """render may use plan (and rules); plan may use rules but never render."""
    assert RANK["rules"] < RANK["plan"] < RANK["render"]
    plan_imports = {t for p in (PACKAGE / "plan").rglob("*.py") for t in imports(p)}
    assert not [t for t in plan_imports if stage(t) == "render"]
    render_imports = {t for p in (PACKAGE / "render").rglob("*.py") for t in imports(p)}
    assert any(stage(t) == "plan" for t in render_imports)
