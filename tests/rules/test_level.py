"""Level ordering is the ground every exposure verdict stands on: numeric, field by field, total."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from viosaudit.model import Level
from viosaudit.rules.catalogue import in_release

parts = st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=6)
levels = parts.map(lambda p: Level(tuple(p)))


def key(level: Level) -> tuple[int, ...]:
    """Independent oracle: drop trailing zeros, compare tuples of ints."""
    p = list(level.parts)
    while p and p[-1] == 0:
        p.pop()
    return tuple(p)


@given(levels, levels)
def test_order_matches_numeric_oracle(a: Level, b: Level) -> None:
    assert (a < b) == (key(a) < key(b))
    assert (a == b) == (key(a) == key(b))
    assert (a > b) == (key(a) > key(b))


@given(levels, levels)
def test_antisymmetry(a: Level, b: Level) -> None:
    if a <= b and b <= a:
        assert a == b
        assert hash(a) == hash(b)


@given(levels, levels, levels)
def test_transitivity(a: Level, b: Level, c: Level) -> None:
    if a <= b and b <= c:
        assert a <= c
    if a < b and b < c:
        assert a < c


@given(levels, levels)
def test_totality(a: Level, b: Level) -> None:
    assert (a < b) + (a == b) + (a > b) == 1


@given(parts)
def test_parse_roundtrip(p: list[int]) -> None:
    text = ".".join(map(str, p))
    assert Level.parse(text) == Level(tuple(p))
    assert str(Level.parse(text)) == text


@given(parts, st.integers(min_value=1, max_value=3))
def test_trailing_zeros_are_equal(p: list[int], zeros: int) -> None:
    a = Level(tuple(p))
    b = Level((*p, *([0] * zeros)))
    assert a == b
    assert hash(a) == hash(b)
    assert not a < b and not b < a


@given(st.integers(0, 99), st.integers(0, 99), st.integers(0, 99), st.integers(1, 999))
def test_numeric_not_lexical_last_field(v: int, r: int, m: int, f: int) -> None:
    lower = Level.parse(f"{v}.{r}.{m}.{f}")
    higher = Level.parse(f"{v}.{r}.{m}.{f * 10}")  # '10' sorts before '9' as text
    assert higher > lower


@pytest.mark.parametrize(
    ("high", "low"),
    [
        ("2.2.5.10", "2.2.5.9"),
        ("2.2.10.0", "2.2.6.65"),
        ("3.1.4.10", "3.1.4.1"),
        ("6.1.9.200", "6.1.9.48"),
        ("6.1.9.102", "6.1.9.48"),
        ("20.16.102.2103", "20.13.102.1000"),
        ("7.2.5.0", "7.2.4.999"),
        ("4.1.0.21", "3.1.4.50"),
    ],
)
def test_known_pairs(high: str, low: str) -> None:
    assert Level.parse(high) > Level.parse(low)
    assert Level.parse(low) < Level.parse(high)


@pytest.mark.parametrize(("a", "b"), [("3.1", "3.1.0.0"), ("3.1.0", "3.1"), ("2.2.5.0", "2.2.5")])
def test_trailing_zero_examples(a: str, b: str) -> None:
    assert Level.parse(a) == Level.parse(b)
    assert len({Level.parse(a), Level.parse(b)}) == 1


@pytest.mark.parametrize("bad", ["", "3.1.", ".3.1", "3..1", "3.1.a", "v3.1", "3,1", "-1.0"])
def test_parse_rejects(bad: str) -> None:
    with pytest.raises(ValueError):
        Level.parse(bad)


def test_parse_strips_blanks() -> None:
    assert Level.parse(" 3.1.4.10\n") == Level((3, 1, 4, 10))


@given(parts)
def test_release_of_is_zero_padded(p: list[int]) -> None:
    level = Level(tuple(p))
    rel = level.release
    assert rel.count(".") == 2
    assert in_release(level, rel)


@pytest.mark.parametrize(
    ("level", "release", "inside"),
    [
        ("2.2.5.10", "2.2.5", True),
        ("2.2.50.1", "2.2.5", False),
        ("3.1", "3.1.0", True),
        ("3.1.4.10", "3.1.4", True),
        ("3.1.4.10", "3.1.3", False),
    ],
)
def test_in_release(level: str, release: str, inside: bool) -> None:
    assert in_release(Level.parse(level), release) is inside


def test_release_is_zero_padded_so_equal_levels_share_a_line() -> None:
    assert Level.parse("3.1").release == Level.parse("3.1.0.0").release == "3.1.0"
    assert Level.parse("2.2.5.10").release == "2.2.5"


def test_empty_or_negative_levels_cannot_be_built() -> None:
    with pytest.raises(ValueError):
        Level(())
    with pytest.raises(ValueError):
        Level((3, -1))


def test_comparison_with_other_types_is_an_error() -> None:
    with pytest.raises(TypeError):
        _ = Level.parse("3.1") < "3.2"  # type: ignore[operator]
