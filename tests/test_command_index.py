"""One command index: a collected command is added in ``commands.py``, its parser and the model field it
fills, nothing else. These tests fail when another module starts listing command ids again."""

from __future__ import annotations

import ast
import dataclasses
import tomllib
from pathlib import Path

from viosaudit.commands import BY_ID, COMMANDS, VIOS_DATA, Feeds, feeding
from viosaudit.model import Observed, Vios
from viosaudit.parse import PARSERS

PACKAGE = Path(__file__).parents[1] / "src" / "viosaudit"
# Where command ids belong: the index itself and the parsers registered against it.
HOMES = ("commands.py", "parse/")
# (module, literal): the same word used as prose for a reader, not as an id (the lead's wording file).
PROSE = {
    ("rules/apar_match.py", "ioslevel"): "names the command in a sentence: '... not collected (ioslevel)'",
}


def _literals(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return sorted(
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in BY_ID
    )


def test_no_module_lists_command_ids_outside_the_index_and_parsers() -> None:
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative.startswith(HOMES):
            continue
        problems += [
            f"{relative}:{line}: command id {value!r}: ask the index (commands.feeding, VIOS_DATA, Command.feeds)"
            for line, value in _literals(path)
            if (relative, value) not in PROSE
        ]
    assert not problems, "\n".join(problems)


def test_rule_metadata_reads_only_indexed_commands() -> None:
    """The rule TOML ``reads`` lists are the other place command ids are written: each must exist."""
    for toml in sorted((PACKAGE / "rules").glob("*.toml")):
        reads = tomllib.loads(toml.read_text(encoding="utf-8"))["reads"]
        assert set(reads) <= set(BY_ID), f"{toml.name}: {sorted(set(reads) - set(BY_ID))} not in commands.py"


def test_every_vios_field_has_one_command_and_every_command_a_parser() -> None:
    """What makes a new VIOS command need no other edit: the assembler fills ``Vios`` fields from
    ``VIOS_DATA``, the reports name the data by the index's label, the gaps list its line."""
    observed = {f.name for f in dataclasses.fields(Vios) if str(f.type).startswith("Observed")}
    fields = [c.field for c in VIOS_DATA]
    assert sorted(f for f in fields if f) == sorted(observed)
    assert len(fields) == len(set(fields))
    assert all(c.label for c in VIOS_DATA)
    assert set(PARSERS) == set(BY_ID)
    assert Observed  # the type the fields above are declared with


def test_the_model_parts_are_fed_by_one_command_each() -> None:
    for feeds in Feeds:
        if feeds is not Feeds.VIOS_FIELD:
            assert feeding(feeds).feeds is feeds
    assert {c.feeds for c in COMMANDS} == set(Feeds)


def test_a_new_vios_command_reaches_the_reports_through_the_index(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A command added to the index with a field and a label is missing-data, gap and status aware with
    no other change: a VIOS without it is unknown, and the gap names the index's command line."""
    from builders import EstateBuilder, context
    from viosaudit.commands import Command, Role
    from viosaudit.plan import EntityStatus, build_plan
    from viosaudit.plan import gaps as plan_gaps
    from viosaudit.plan import status as plan_status

    fake = Command("lsdev_virtual", Role.VIOS, "lsdev -virtual", r"^lsdev\s+-virtual", Feeds.VIOS_FIELD,
                   field="pvs", label="virtual devices")  # fmt: skip
    index = (*(c for c in VIOS_DATA if c.field != "pvs"), fake)
    monkeypatch.setattr(plan_status, "VIOS_DATA", index)
    monkeypatch.setattr(plan_gaps, "VIOS_DATA", index)
    b = EstateBuilder().system("S").vios("S", 1, "v1").vios("S", 2, "v2").client("S", 3, "c").vscsi("v1", "c")
    plan = build_plan(b.build(), [], context())
    v1 = plan.vios[0]
    assert v1.status is EntityStatus.UNKNOWN
    assert fake in [c for m in v1.missing for c in m.commands]
    assert [g.command for g in plan.gaps if g.command_id == "lsdev_virtual"] == ["lsdev -virtual", "lsdev -virtual"]
