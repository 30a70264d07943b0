"""Every parser against its raw-output fixtures: ``<command_id>/<case>.raw`` beside ``<case>.json``
(the expected records) or ``<case>.error.json`` (the line the parser must reject, as {"line_no": N},
plus ``"hmc": true`` when it is the HMC's own message). An optional ``<case>.cmd`` holds the command
line as the capture recorded it (an ``-F`` list, ``-field ... -fmt :``); without it the parser reads
the collector's form or recognises the shape. Each folder's README.md names the sources of its cases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from viosaudit.commands import COMMANDS
from viosaudit.errors import HmcError, ParseError
from viosaudit.jsonable import to_jsonable
from viosaudit.parse import PARSERS, parse_output

HERE = Path(__file__).parent
CASES = sorted(HERE.glob("*/*.raw"))


def _id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


@pytest.mark.parametrize("raw", CASES, ids=_id)
def test_fixture(raw: Path) -> None:
    command_id = raw.parent.name
    text = raw.read_text(encoding="utf-8")
    expected_ok = raw.with_suffix(".json")
    expected_error = raw.with_name(raw.stem + ".error.json")
    cmd = raw.with_suffix(".cmd")
    command_line = cmd.read_text(encoding="utf-8").strip() if cmd.exists() else None
    if expected_error.exists():
        want = json.loads(expected_error.read_text())
        with pytest.raises(ParseError) as caught:
            parse_output(command_id, text, host="fixture-host", command_line=command_line)
        assert caught.value.line_no == want["line_no"]
        assert isinstance(caught.value, HmcError) is want.get("hmc", False)
        assert caught.value.host == "fixture-host"
        assert "fixture-host" in str(caught.value) and f"line {want['line_no']}" in str(caught.value)
    else:
        assert expected_ok.exists(), f"{raw} has neither {expected_ok.name} nor {expected_error.name}"
        records = parse_output(command_id, text, host="fixture-host", command_line=command_line)
        assert to_jsonable(records) == json.loads(expected_ok.read_text())


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.id)
def test_every_command_has_a_parser_and_fixtures(command) -> None:  # type: ignore[no-untyped-def]
    assert command.id in PARSERS
    folder = HERE / command.id
    good = [p for p in folder.glob("*.raw") if not p.with_name(p.stem + ".error.json").exists()]
    bad = [p for p in folder.glob("*.raw") if p.with_name(p.stem + ".error.json").exists()]
    assert len(good) >= 2, f"{command.id}: needs at least two good fixtures (a normal case and a variant)"
    assert bad, f"{command.id}: needs at least one fixture the parser must reject"
