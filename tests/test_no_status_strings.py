"""No status is compared as a string: statuses are enums, turned into words once, at the edge.

A comparison with a status word (``== "yes"``, ``.startswith("outage")``, ``in ("ok", "unknown")``) or a
split that undoes a label (``.split(" / ")``) means some code reads back text that other code wrote.
Raw input is read into enums or flags where it enters (``parse/``, ``model.vios_serving``, ...), so
only those readers may compare words, and each exception below says why.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).parents[1] / "src" / "viosaudit"
TEMPLATES = Path(__file__).parents[1] / "templates"

STATUS_WORDS = frozenset(
    {
        # report statuses and their old display words
        "ok", "exposed", "unknown", "action", "risk", "at risk", "action needed", "unknown - data missing",
        "yes", "no", "fail", "pass", "accepted", "accepted (fail)", "accepted (unknown)", "complete", "see gaps",
        # designs, effects, roles, fates
        "single", "dual", "single vios", "dual vios", "no vios found", "single path", "outage", "no outage",
        "stopped", "one path", "not running", "backup", "primary", "lost", "kept", "unused", "redundant", "none",
        # data and partition states, severities, support, likelihood
        "not collected", "unreadable", "changed after collection", "running", "not activated", "available",
        "critical", "high", "medium", "low", "info", "in-service", "out-of-service", "within-180-days",
        "rare", "unlikely", "possible", "likely", "certain",
    }
)  # fmt: skip

# (module relative to the package, word): raw input read at its one reader, and why.
ALLOWED = {
    ("config.py", "yes"): "reads a boolean setting from the environment (VIOSAUDIT_*=yes/no)",
    ("config.py", "no"): "reads a boolean setting from the environment (VIOSAUDIT_*=yes/no)",
    ("rules/flrt.py", "no"): "reads the reboot column of IBM's FLRT feed",
    ("collect/vios.py", "none"): "the root_method setting (stdin | echo | none) as config.py declares it",
}
SKIPPED = ("parse/",)  # the parsers turn raw text into typed records: reading words is their job


def _strings(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return [s for e in node.elts for s in _strings(e)]
    return []


def status_comparisons(source: str) -> list[tuple[int, str]]:
    """(line, word) of every comparison against a status word, status prefix test, or label split."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            left: ast.AST = node.left
            for op, right in zip(node.ops, node.comparators, strict=True):
                # "x in ('ok', 'unknown')" compares x with words; "'high' in entry" only asks for a key
                sides = (right,) if isinstance(op, ast.In | ast.NotIn) else (left, right)
                found += [
                    (node.lineno, s) for side in sides for s in _strings(side) if s.strip().lower() in STATUS_WORDS
                ]
                left = right
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
            words = _strings(node.args[0])
            if node.func.attr in ("startswith", "endswith"):
                found += [(node.lineno, s) for s in words if s.strip().lower() in STATUS_WORDS]
            elif node.func.attr in ("split", "rsplit", "partition"):
                found += [(node.lineno, s) for s in words if s in (" / ", ": ", "; ")]
    return sorted(found)


def test_the_check_finds_what_it_is_for() -> None:
    bad = """
if c.outage == "yes": pass
if s.impact.startswith("outage"): pass
name = label.split(" / ")[-1]
if design in ("single VIOS", "other"): pass
"""
    assert [word for _line, word in status_comparisons(bad)] == ["yes", "outage", " / ", "single VIOS"]
    assert status_comparisons('if command.id == "lssyscfg_sys": pass\nif v is Verdict.FAIL: pass') == []


def test_no_status_is_compared_as_a_string_in_src() -> None:
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative.startswith(SKIPPED):
            continue
        for line, word in status_comparisons(path.read_text(encoding="utf-8")):
            if (relative, word.strip().lower()) not in ALLOWED:
                problems.append(f"{relative}:{line}: compares with {word!r}: use the enum (or a flag)")
    assert not problems, "\n".join(problems)


def test_templates_compare_no_strings() -> None:
    """Templates branch on flags and enums' properties (``ch.dual``, ``f.outage``), never on words."""
    compare = re.compile(r"""(==|!=)\s*["']|["']\s*(==|!=)|\bin\s*\(\s*["']""")
    problems = [
        f"{path.relative_to(TEMPLATES)}:{n}: {line.strip()}"
        for path in sorted(TEMPLATES.rglob("*"))
        if path.suffix in (".html", ".txt")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if compare.search(line)
    ]
    assert not problems, "\n".join(problems)
