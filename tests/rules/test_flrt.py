"""FLRT feed import: the format flrtvc reads, strict errors with line numbers, and the same verdicts
as the hand-written catalogue records for the same APARs on the same VIOS."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from builders import above, below, ifix
from viosaudit.errors import CatalogueError
from viosaudit.model import (
    Collected,
    Fileset,
    Ifix,
    IfixState,
    Level,
    Observed,
    PartitionKey,
    SourceRef,
    Span,
    Vios,
)
from viosaudit.rules.apar_match import assess
from viosaudit.rules.base import Verdict
from viosaudit.rules.catalogue import AparType, Catalogue, FilesetRange, dump_record, load_catalogue, loads_catalogue
from viosaudit.rules.flrt import HEADER, import_feed, parse_feed, parse_filesets, parse_spec, to_apars

FEED = Path(__file__).parent / "data" / "apar.csv"
REF = SourceRef("vios1/capture.txt", 1, 1, "vios1", "test")


def make_vios(level: str, filesets: dict[str, str], ifixes: tuple[Ifix, ...] | None) -> Vios:
    """A VIOS with level and filesets collected; ``ifixes`` None means emgr -l was not collected."""
    listing = {"bos.rte": "7.2.5.0", **filesets}  # a complete listing always has bos.rte
    fs = tuple(Fileset(n, n, Level.parse(v), "C", "F", n, Span(1, 1)) for n, v in listing.items())
    fx: Observed[tuple[Ifix, ...]] = (
        Observed(Collected.OK, ifixes, REF) if ifixes is not None else Observed(Collected.NOT_COLLECTED, reason="test")
    )
    return Vios(
        key=PartitionKey("78ABCDE", 1),
        name="vios1",
        managed_system="sys1",
        state="Running",
        os_version=None,
        level=Observed(Collected.OK, Level.parse(level), REF),
        ifixes=fx,
        filesets=Observed(Collected.OK, fs, REF),
        vscsi=Observed(Collected.OK, (), REF),
        npiv=Observed(Collected.OK, (), REF),
        network=Observed(Collected.OK, (), REF),
        source=REF,
    )








HAND = load_catalogue()
IMPORTED = {a.id: a for a in import_feed(FEED)}


def feed(*rows: str, version: str | None = "0.8.1,2024.05.01") -> str:
    return "\n".join([HEADER, *([version] if version else []), *rows]) + "\n"


ROW = "sec,vios,3.1.2,Vulnerability in the lpd daemon,IJ30447,3.1.2.20,IJ30447s1a.210210.epkg.Z,https://x.y/z,bos.rte.printers:7.2.5.0-7.2.5.0,,,,,,"


# ---------------------------------------------------------------- reading the file


def test_version_line_and_rows() -> None:
    parsed = parse_feed(FEED.read_text(encoding="utf-8"), str(FEED))
    assert (parsed.version, parsed.date) == ("0.8.1", "2024.05.01")
    assert len(parsed.rows) == 9  # the duplicate IV70381 row is dropped, the quoted 2-line row is one row
    assert parsed.rows[0].line == 3
    multi = next(r for r in parsed.rows if r["apars"] == "IJ30447")
    assert "\n" in multi["abstract"]


def test_old_feed_without_version_line() -> None:
    parsed = parse_feed(feed(ROW, version=None))
    assert parsed.version is None and len(parsed.rows) == 1 and parsed.rows[0].line == 2


def test_imported_records() -> None:
    assert set(IMPORTED) == {"IV91339", "IV70381", "IV96553", "IJ30447", "CVE-2021-3712", "IJ37504"}
    iv = IMPORTED["IV91339"]
    assert iv.type is AparType.HIPER
    assert {(fr.release, str(fr.high), fr.high_inclusive) for fr in iv.fileset_ranges} == {
        ("2.2.3", "6.1.9.48", True),
        ("2.2.4", "6.1.9.102", True),
        ("2.2.5", "6.1.9.200", True),
    }
    assert iv.reboot_required is True
    lpd = IMPORTED["IJ30447"]
    assert all(fr.release is None for fr in lpd.fileset_ranges)  # one release line named: unscoped
    assert lpd.ifixes == ("IJ30447s1a",)
    assert lpd.siblings == ("IJ30799", "IJ30800", "IJ30372")
    assert lpd.fixed_in == "3.1.2.20"
    ssl = IMPORTED["CVE-2021-3712"]
    assert {(str(fr.low), str(fr.high)) for fr in ssl.fileset_ranges} == {
        ("1.0.2.500", "1.0.2.2102"),
        ("20.13.102.1000", "20.16.102.2103"),  # written "20.13.102.1000- 20.16.102.2103" in the feed
    }
    assert ssl.reboot_required is False
    pfcdd = IMPORTED["IJ37504"]
    assert pfcdd.cves == ("CVE-2021-38988",)
    assert [str(fr.low) for fr in pfcdd.fileset_ranges] == ["7.2.4.0"]  # the 7100-05 row is not for VIOS


def test_every_imported_value_is_sourced_to_the_feed_line() -> None:
    for apar in IMPORTED.values():
        for field, src in apar.sources:
            assert src.startswith("flrt:apar.csv@2024.05.01:line "), (apar.id, field, src)
        assert all(fr.source.startswith("flrt:apar.csv") for fr in apar.fileset_ranges)
        assert apar.notes is not None and "FLRT" in apar.notes


def test_imported_records_survive_the_catalogue_validator() -> None:
    text = "schema = 1\n" + "\n".join(dump_record(a) for a in IMPORTED.values())
    again = loads_catalogue(text, "imported.toml")
    assert {a.id for a in again} == set(IMPORTED)


# ---------------------------------------------------------------- fileset specs


@pytest.mark.parametrize(
    ("spec", "inside", "outside"),
    [
        ("7.2.5.0-7.2.5.2", ["7.2.5.0", "7.2.5.1", "7.2.5.2"], ["7.2.4.99", "7.2.5.3"]),
        ("7.2.5.0- 7.2.5.2", ["7.2.5.2"], ["7.2.5.3"]),
        ("<6.1.9.300", ["6.1.9.299", "5.3.12.0"], ["6.1.9.300", "6.1.9.301"]),
        ("<=6.1.9.200", ["6.1.9.200", "6.1.9.2"], ["6.1.9.201"]),
        ("7.2.4.0", ["7.2.4.0", "7.2.4"], ["7.2.4.1", "7.2.3.9"]),
        ("7.2.5.x", ["7.2.5.0", "7.2.5.999"], ["7.2.6.0", "7.2.4.9"]),
        ("7.2.x.x", ["7.2.0.0", "7.2.5.999"], ["7.3.0.0", "7.1.5.9"]),
        ("7.2.5.0-7.2.5.x", ["7.2.5.0", "7.2.5.77"], ["7.2.6.0"]),
        ("", ["0.0.0.1", "99.0"], []),
    ],
)
def test_specs(spec: str, inside: list[str], outside: list[str]) -> None:
    rng = parse_spec("bos.rte", spec, "flrt:test")
    for level in inside:
        assert rng.matches(Level.parse(level)), (spec, level)
    for level in outside:
        assert not rng.matches(Level.parse(level)), (spec, level)


@pytest.mark.parametrize("spec", ["7.2.x.5", "x.1", "7.2.5.2-7.2.5.0", "abc", "7..2", "<", "7.2-"])
def test_bad_specs(spec: str) -> None:
    with pytest.raises(ValueError):
        parse_spec("bos.rte", spec, "flrt:test")


def test_filesets_field_forms() -> None:
    ranges = parse_filesets("a.rte:1.0.0.0-1.0.0.5:2.0.0.0-2.0.0.3, b.rte:<3.0  c.rte", "flrt:t")
    assert [(r.fileset, str(r.low), str(r.high)) for r in ranges] == [
        ("a.rte", "1.0.0.0", "1.0.0.5"),
        ("a.rte", "2.0.0.0", "2.0.0.3"),
        ("b.rte", "None", "3.0"),
        ("c.rte", "0", "None"),
    ]
    assert all(isinstance(r, FilesetRange) for r in ranges)


# ---------------------------------------------------------------- malformed feeds


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        ("", 1, "empty file"),
        (HEADER.replace("cvss,", "score,") + "\n" + ROW + "\n", 1, "unexpected header"),
        (HEADER + ",extra\n" + ROW + "\n", 1, "unexpected header"),
        (feed(ROW.rsplit(",", 1)[0]), 3, "14 columns, expected 15"),
        (feed(ROW + ",x"), 3, "16 columns"),
        (feed(ROW, ROW.replace("sec,", "pe,", 1)), 4, "unknown type"),
        (
            feed(ROW.replace("bos.rte.printers:7.2.5.0-7.2.5.0", "bos.rte.printers:7.2.5.9-7.2.5.0")),
            3,
            "filesets column",
        ),
        (feed(ROW.replace("bos.rte.printers:7.2.5.0-7.2.5.0", "bos.rte.printers:seven")), 3, "filesets column"),
        (feed(ROW.replace(",IJ30447,", ",see bulletin,")), 3, "apars column"),
        (feed(ROW.replace(",IJ30447,", ",,")), 3, "apars column"),
        (feed(ROW.replace("Vulnerability in the lpd daemon", "")), 3, "empty abstract"),
        (feed(ROW, ROW.replace("bos.rte.printers:7.2.5.0-7.2.5.0", ""), version=None), 3, "filesets column"),
    ],
)
def test_malformed(text: str, line: int, needle: str) -> None:
    with pytest.raises(CatalogueError) as err:
        to_apars(parse_feed(text, "feed.csv"))
    message = str(err.value)
    assert message.startswith(f"feed.csv: line {line}:"), message
    assert needle in message


def test_line_numbers_count_multiline_fields() -> None:
    multi = ROW.replace("Vulnerability in the lpd daemon", '"two\nlines"')
    bad = ROW.replace("sec,", "pe,", 1)
    with pytest.raises(CatalogueError, match=r"feed\.csv: line 5: unknown type"):
        to_apars(parse_feed(feed(multi, bad), "feed.csv"))


def test_unreadable_file(tmp_path: Path) -> None:
    bad = tmp_path / "apar.csv"
    bad.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(CatalogueError, match="cannot read the FLRT feed"):
        import_feed(bad)
    with pytest.raises(CatalogueError, match="cannot read"):
        import_feed(tmp_path / "missing.csv")


def test_product_filter() -> None:
    rows = [
        ROW,
        ROW.replace(",vios,3.1.2,", ",aix,7100-05-01,").replace("IJ30447", "IJ11111"),
        ROW.replace(",vios,3.1.2,", ",aix,7300-01-02,").replace("IJ30447", "IJ22222"),
        ROW.replace(",vios,3.1.2,", ",hmc,V10R2,").replace("IJ30447", "IJ33333"),
    ]
    ids = {a.id for a in to_apars(parse_feed(feed(*rows)))}
    assert ids == {"IJ30447", "IJ22222"}


def test_deprecated_ifix_is_not_a_remediation() -> None:
    row = ROW.replace("IJ30447s1a.210210.epkg.Z", "DEPRECATED::IJ30447s1a.210210.epkg.Z IJ30447s2a.211001.epkg.Z")
    (apar,) = to_apars(parse_feed(feed(row)))
    assert apar.ifixes == ("IJ30447s2a",)
    assert apar.notes is not None and "IJ30447s1a" in apar.notes


# ---------------------------------------------------------------- same verdicts as the hand catalogue


def grid(hand_id: str) -> list[tuple[str, dict[str, str], tuple[Ifix, ...] | None]]:
    """VIOS states around every boundary of the hand record: levels x fileset levels x ifix states."""
    hand = HAND.get(hand_id)
    vios_levels = {f"{fr.release}.10" for fr in hand.fileset_ranges if fr.release}
    vios_levels |= {f"{lr.release}.0" for lr in hand.level_ranges} | {"3.1.4.10", "2.2.6.65", "2.2.3.40"}
    fileset_points: set[tuple[str, str]] = set()
    for fr in hand.fileset_ranges:
        for lvl in (fr.low, fr.high):
            if lvl is not None and lvl.parts != (0,):
                fileset_points |= {(fr.fileset, str(lvl)), (fr.fileset, str(below(lvl))), (fr.fileset, str(above(lvl)))}
    fix = (hand.remediation_labels or (f"{hand.id}s1a",))[0]
    ifix_sets: list[tuple[Ifix, ...] | None] = [
        (),
        (ifix(fix),),
        (ifix(fix, IfixState.REBOOT_REQUIRED),),
        (ifix("IJ99999s1a"),),
        None,
    ]
    out: list[tuple[str, dict[str, str], tuple[Ifix, ...] | None]] = []
    for vlevel, (fs, flevel), fixes in itertools.product(sorted(vios_levels), sorted(fileset_points), ifix_sets):
        out.append((vlevel, {fs: flevel}, fixes))
    for vlevel, fixes in itertools.product(sorted(vios_levels), ifix_sets):
        out.append((vlevel, {}, fixes))
    return out


@pytest.mark.parametrize("apar_id", sorted(IMPORTED))
def test_same_verdicts_as_hand_records(apar_id: str) -> None:
    hand, imported = HAND.get(apar_id), IMPORTED[apar_id]
    cases = grid(apar_id)
    assert len(cases) >= 20
    seen = set()
    for vlevel, filesets, fixes in cases:
        vios = make_vios(vlevel, filesets, fixes)
        a, b = assess(vios, hand), assess(vios, imported)
        assert a.verdict is b.verdict, (apar_id, vlevel, filesets, fixes, a.reason, b.reason)
        assert a.remediated_by == b.remediated_by
        seen.add(a.verdict)
    assert {Verdict.FAIL, Verdict.PASS, Verdict.UNKNOWN} <= seen


def test_feed_can_be_merged_over_the_hand_catalogue() -> None:
    merged: Catalogue = HAND.merged(IMPORTED.values(), replace_existing=True)
    assert len(merged) == len(HAND)
    assert merged.get("IV91339").type is AparType.HIPER
