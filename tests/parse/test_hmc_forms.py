"""The HMC parsers read records by attribute name, whatever form and order the HMC prints.

- Every good HMC fixture, rewritten in the default ``name=value`` form, gives the same records.
- Property: in default-form output, shuffling each record's attributes, adding attributes the parser
  does not know (values with commas and quotes included) and spaces after commas change nothing.
- HMC messages are ``HmcError`` naming the message; ``No results were found.`` is an empty listing.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from viosaudit.errors import HmcError
from viosaudit.model import Record
from viosaudit.parse import parse_output
from viosaudit.parse._text import Context
from viosaudit.parse.hmc import field_list, read_rows

HERE = Path(__file__).parent
HMC_COMMANDS = ("lssyscfg_sys", "lssyscfg_lpar", "lshwres_scsi", "lshwres_fc", "lshwres_eth")


def _good(command_id: str) -> list[Path]:
    return sorted(p for p in (HERE / command_id).glob("*.raw") if not p.with_name(p.stem + ".error.json").exists())


def _command_line(path: Path) -> str | None:
    cmd = path.with_suffix(".cmd")
    return cmd.read_text(encoding="utf-8").strip() if cmd.exists() else None


def _quote(name: str, value: str) -> str:
    pair = f"{name}={value}"
    return '"' + pair.replace('"', '""') + '"' if ("," in pair or '"' in pair) else pair


def _default_form(command_id: str, path: Path) -> list[list[tuple[str, str]]]:
    """The fixture's records as (name, value) pairs, read with the shared reader."""
    from viosaudit.commands import BY_ID

    text = path.read_text(encoding="utf-8")
    canonical = BY_ID[command_id].line
    rows = read_rows(text, Context(command_id), _command_line(path), canonical=canonical, vocabulary=())
    return [list(row.values.items()) for row in rows]


def _render(records: list[list[tuple[str, str]]], space: bool = False) -> str:
    sep = ", " if space else ","
    return "".join(sep.join(_quote(n, v) for n, v in pairs) + "\n" for pairs in records)


def _without_missing(records: tuple[Record, ...]) -> list[object]:
    return [dataclasses.replace(r, missing=()) if hasattr(r, "missing") else r for r in records]


CASES = [(command_id, path) for command_id in HMC_COMMANDS for path in _good(command_id)]


@pytest.mark.parametrize(("command_id", "path"), CASES, ids=lambda v: v if isinstance(v, str) else v.stem)
def test_every_fixture_reads_the_same_in_the_default_form(command_id: str, path: Path) -> None:
    original = parse_output(command_id, path.read_text(encoding="utf-8"), command_line=_command_line(path))
    pairs = _default_form(command_id, path)
    if not pairs:
        assert original == ()
        return
    rewritten = parse_output(command_id, _render(pairs))
    # spans differ only where the fixture had a header line; 'missing' may differ where the default
    # form leaves out what does not apply (vswitch on POWER5...).
    pairs_read = zip(_without_missing(rewritten), original, strict=True)
    respanned = [dataclasses.replace(r, span=o.span) for r, o in pairs_read]
    assert respanned == _without_missing(original)


_DEFAULT_CASES = [(c, p) for c, p in CASES if _default_form(c, p)]
_UNKNOWN_NAMES = st.from_regex(r"zz_[a-z0-9_]{1,10}", fullmatch=True)
_VALUES = st.text(alphabet=st.characters(codec="ascii", exclude_characters="\r\n\x0b\x0c\x1c\x1d\x1e\x85"), max_size=20)


@pytest.mark.parametrize("command_id", HMC_COMMANDS)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_attribute_order_and_unknown_attributes_change_nothing(command_id: str, data: st.DataObject) -> None:
    cases = [p for c, p in _DEFAULT_CASES if c == command_id]
    path = data.draw(st.sampled_from(cases))
    records = _default_form(command_id, path)
    expected = parse_output(command_id, _render(records))
    changed = []
    for pairs in records:
        extra = data.draw(st.lists(st.tuples(_UNKNOWN_NAMES, _VALUES), max_size=4, unique_by=lambda t: t[0]))
        changed.append(data.draw(st.permutations(pairs + extra)))
    text = _render(changed, space=data.draw(st.booleans()))
    assert parse_output(command_id, text) == expected


def test_field_list_reads_names_delimiter_and_header() -> None:
    spec = field_list('lshwres -r virtualio -m "P9 A" --rsubtype fc --level lpar -F lpar_id:slot_num --header')
    assert spec is not None and (spec.names, spec.delimiter, spec.header) == (("lpar_id", "slot_num"), ":", True)
    assert field_list("lssyscfg -r sys") is None
    spec = field_list("lssyscfg -r lpar -m S -F --header")
    assert spec is not None and spec.names is None and spec.header


def test_all_attributes_with_header_take_names_from_the_header() -> None:
    text = "name,lpar_id,lpar_env,state\nvios1,1,vioserver,Running\n"
    (record,) = parse_output("lssyscfg_lpar", text, command_line="lssyscfg -r lpar -m S -F --header")
    assert (record.partition_name, record.state, record.missing) == ("vios1", "Running", ("os_version",))


def test_all_attributes_without_header_are_refused_with_a_way_out() -> None:
    with pytest.raises(Exception, match="--header"):
        parse_output("lssyscfg_lpar", "vios1,1,vioserver,Running\n", command_line="lssyscfg -r lpar -m S -F")


@pytest.mark.parametrize(
    "text",
    [
        "HSCL8012 The partition named vios9 was not found. Please check your entry and retry the command.\n",
        "An invalid attribute was entered.  The invalid attribute is wwpn.  Please correct your entry and retry the "
        "command.\n",
        "\nHSCLA4C0 The managed system does not support virtual fibre channel.\n",
    ],
)
def test_hmc_messages_are_hmc_errors(text: str) -> None:
    with pytest.raises(HmcError) as caught:
        parse_output("lshwres_fc", text, host="hmc1", command_line="lshwres -r virtualio --rsubtype fc -m S")
    assert caught.value.message == text.strip()
    assert "the HMC said" in str(caught.value) and "hmc1" in str(caught.value)


@pytest.mark.parametrize("command_id", HMC_COMMANDS)
def test_no_results_is_an_empty_listing_in_every_form(command_id: str) -> None:
    for line in (None, "lssyscfg -r lpar -m S", "lssyscfg -r lpar -m S -F name,lpar_id --header"):
        assert parse_output(command_id, "No results were found.\n", command_line=line) == ()
