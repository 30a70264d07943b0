"""The shipped catalogue loads, every value has a source, and broken files fail loudly and precisely."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from viosaudit.errors import CatalogueError
from viosaudit.model import Level
from viosaudit.rules.catalogue import (
    UNSOURCED_KEYS,
    Apar,
    AparType,
    ClientOs,
    Feature,
    dump_catalogue,
    dump_record,
    import_records,
    load_catalogue,
    loads_catalogue,
    validate,
)

CATALOGUE = load_catalogue()
IDS = [a.id for a in CATALOGUE]
URL = re.compile(r"https?://\S+")


def test_shipped_catalogue_is_valid() -> None:
    assert validate() == []


def test_at_least_twenty_records_with_unique_ids() -> None:
    assert len(CATALOGUE) >= 20
    assert len(set(IDS)) == len(IDS)


def test_kinds_present() -> None:
    kinds = {a.type for a in CATALOGUE}
    assert {AparType.SECURITY, AparType.DATA_INTEGRITY}.issubset(kinds)


@pytest.mark.parametrize("apar", CATALOGUE, ids=IDS)
def test_every_value_has_a_url(apar: Apar) -> None:
    sources = dict(apar.sources)
    assert "id" in sources and "title" in sources and "type" in sources
    for name, url in sources.items():
        assert name not in UNSOURCED_KEYS
        assert URL.fullmatch(url), (apar.id, name, url)
    for lr in apar.level_ranges:
        assert URL.fullmatch(lr.source)
    for fr in apar.fileset_ranges:
        assert URL.fullmatch(fr.source)
    assert apar.level_ranges or apar.fileset_ranges


def test_iv91339_as_ibm_states_it() -> None:
    rec = CATALOGUE.get("IV91339")
    assert rec.type is AparType.DATA_INTEGRITY
    assert set(rec.preconditions) == {Feature.VSCSI, Feature.LPM}
    assert rec.client_os == (ClientOs.LINUX,)
    assert rec.reboot_required is True
    assert rec.likelihood_quoted and rec.likelihood is not None and "extremely small" in rec.likelihood
    ranges = {(fr.release, fr.fileset, str(fr.high)) for fr in rec.fileset_ranges}
    assert ranges == {
        ("2.2.3", "devices.vdevice.IBM.v-scsi-host.rte", "6.1.9.48"),
        ("2.2.4", "devices.vdevice.IBM.v-scsi-host.rte", "6.1.9.102"),
        ("2.2.5", "devices.vdevice.IBM.v-scsi-host.rte", "6.1.9.200"),
    }
    assert all(fr.low is None and fr.high_inclusive for fr in rec.fileset_ranges)
    assert rec.source("likelihood") == "https://www.ibm.com/support/pages/apar/IV91339"


def test_sibling_families() -> None:
    family = {a.id for a in CATALOGUE.family("IJ37503")}
    assert family == {"IJ37503", "IJ37778", "IJ37488"}
    lpd = {a.id for a in CATALOGUE.family("IJ30447")}
    assert lpd == {"IJ30799", "IJ30800", "IJ30447"}


def test_get_unknown_id_says_what_to_do() -> None:
    with pytest.raises(CatalogueError, match="catalog list"):
        CATALOGUE.get("IV00000")


@pytest.mark.parametrize("apar", CATALOGUE, ids=IDS)
def test_dump_record_round_trips(apar: Apar) -> None:
    text = "schema = 1\n" + dump_record(apar)
    again = loads_catalogue(text, "dump").get(apar.id)
    assert replace(again, origin="") == replace(apar, origin="")


def test_dump_catalogue_round_trips() -> None:
    again = loads_catalogue(dump_catalogue(CATALOGUE), "dump")
    assert [replace(a, origin="") for a in again] == [replace(a, origin="") for a in CATALOGUE]


def test_dump_escapes_awkward_text() -> None:
    rec = replace(CATALOGUE.get("IV70381"), notes='quote " backslash \\ tab \t newline \n unicode é ctrl \x01')
    again = loads_catalogue("schema = 1\n" + dump_record(rec), "dump").get("IV70381")
    assert again.notes == rec.notes


# ---------------------------------------------------------------- validation errors

GOOD = """\
schema = 1
[[apar]]
id = "IV91339"
title = "t"
type = "hiper"
reboot_required = true
[apar.sources]
id = "https://example.com/a"
title = "https://example.com/a"
type = "https://example.com/a"
reboot_required = "https://example.com/a"
[[apar.level_range]]
release = "2.2.5"
low = "2.2.5.0"
high = "2.2.5.20"
fixed = "2.2.5.30"
source = "https://example.com/a"
[[apar.fileset_range]]
fileset = "x.rte"
low = "6.1.9.0"
high = "6.1.9.200"
source = "https://example.com/a"
"""


def problems(text: str) -> list[str]:
    return validate("bad.toml", text=text)


def test_good_fixture_is_valid() -> None:
    assert problems(GOOD) == []
    assert len(loads_catalogue(GOOD)) == 1


@pytest.mark.parametrize(
    ("edit", "field", "needle"),
    [
        (("reboot_required = true\n", 'reboot_required = true\ncolour = "red"\n'), "colour", "unknown key"),
        (('high = "2.2.5.20"', 'high = "2.2.5.x"'), "level_range[0].high", "not a dotted numeric level"),
        (('low = "6.1.9.0"', 'low = "6.1.9.300"'), "fileset_range[0]", "above"),
        (('low = "2.2.5.0"', 'low = "2.2.5.25"'), "level_range[0]", "above high"),
        (('fixed = "2.2.5.30"', 'fixed = "2.2.5.20"'), "level_range[0]", "fixed 2.2.5.20 must be above"),
        (('fixed = "2.2.5.30"', 'fixed = "2.2.6.0"'), "level_range[0].fixed", "not a level of release line"),
        (('reboot_required = "https://example.com/a"\n', ""), "reboot_required", "no source"),
        (('type = "hiper"', 'type = "scary"'), "type", "unknown type"),
        (('id = "IV91339"', 'id = "IV9133"'), "id", "not an APAR id"),
        (('id = "https://example.com/a"\n', 'id = "see the web"\n'), "sources.id", "source must be"),
        (("[apar.sources]", 'preconditions = ["telepathy"]\n[apar.sources]'), "preconditions", "unknown value"),
        (('fileset = "x.rte"', 'fileset = "x.rte"\nbelow = "6.1.9.300"'), "fileset_range[0]", "not both"),
        (('release = "2.2.5"', 'release = "2.2"'), "level_range[0].release", "release line"),
        (
            ('source = "https://example.com/a"\n[[apar.fileset_range]]', "[[apar.fileset_range]]"),
            "level_range[0].source",
            "every range needs",
        ),
        (("reboot_required = true\n", 'reboot_required = "yes"\n'), "reboot_required", "true or false"),
    ],
)
def test_each_problem_names_file_record_and_field(edit: tuple[str, str], field: str, needle: str) -> None:
    old, new = edit
    assert old in GOOD
    found = problems(GOOD.replace(old, new, 1))
    assert found, "the broken file was accepted"
    matching = [p for p in found if p.startswith("bad.toml: record ") and f"field {field}:" in p and needle in p]
    assert matching, found
    with pytest.raises(CatalogueError, match=r"bad\.toml"):
        loads_catalogue(GOOD.replace(old, new, 1), "bad.toml")


def test_source_for_a_value_the_record_lacks() -> None:
    text = GOOD.replace('type = "https://example.com/a"', 'type = "https://example.com/a"\nsummary = "https://x.y/z"')
    assert any("field sources.summary" in p and "no summary" in p for p in problems(text))


def test_duplicate_ids() -> None:
    body = GOOD.split("\n", 1)[1]
    found = problems(GOOD + body)
    assert any("record IV91339: field id: duplicate id" in p for p in found), found


def test_record_without_ranges() -> None:
    text = GOOD.split("[[apar.level_range]]")[0]
    assert any("needs at least one" in p for p in problems(text))


def test_unbounded_fileset_range_is_refused() -> None:
    text = GOOD.replace('low = "6.1.9.0"\nhigh = "6.1.9.200"\n', "")
    assert any("unbounded" in p for p in problems(text))


def test_toml_syntax_error_names_file() -> None:
    found = problems('schema = 1\n[[apar]]\nid = "IV91339\n')
    assert len(found) == 1 and found[0].startswith("bad.toml: not valid TOML")


def test_unknown_top_level_key_and_schema() -> None:
    found = problems("schema = 2\nflavour = 1\n")
    assert any("field flavour" in p for p in found)
    assert any("field schema" in p for p in found)


def test_level_must_be_quoted() -> None:
    found = problems(GOOD.replace('low = "6.1.9.0"', "low = 6.1"))
    assert any("quoted string" in p for p in found), found


def test_all_problems_are_reported_at_once() -> None:
    text = GOOD.replace('type = "hiper"', 'type = "x"').replace('high = "2.2.5.20"', 'high = "zz"')
    assert len(problems(text)) >= 2


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="cannot read"):
        load_catalogue(tmp_path / "missing.toml")


# ---------------------------------------------------------------- merging


def test_import_records_from_toml(tmp_path: Path) -> None:
    extra = tmp_path / "extra.toml"
    extra.write_text(GOOD.replace("IV91339", "IV99999"), encoding="utf-8")
    merged = import_records(extra)
    assert "IV99999" in merged
    assert len(merged) == len(CATALOGUE) + 1
    assert merged.get("IV99999").fileset_ranges[0].high == Level.parse("6.1.9.200")


def test_import_records_duplicate_is_an_error_unless_replacing(tmp_path: Path) -> None:
    extra = tmp_path / "extra.toml"
    extra.write_text(GOOD, encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"record IV91339: already in"):
        import_records(extra)
    merged = import_records(extra, replace_existing=True)
    assert len(merged) == len(CATALOGUE)
    assert merged.get("IV91339").title == "t"
    assert [a.id for a in merged] == IDS


def test_import_records_from_flrt_feed() -> None:
    feed = Path(__file__).parent / "data" / "apar.csv"
    merged = import_records(feed, loads_catalogue("schema = 1\n", "empty"))
    assert {"IV91339", "IV70381", "IV96553", "IJ30447", "CVE-2021-3712", "IJ37504"} == {a.id for a in merged}
