"""JSON written piece by piece (the evidence's findings.json and view.json) is byte for byte the JSON of
the whole value, whatever the nesting, the empty containers and the non-ASCII text."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import Enum

import msgspec
import pytest

from viosaudit.jsonable import json_chunks, to_jsonable


class Colour(Enum):
    RED = "red"


@dataclass(frozen=True, slots=True)
class Leaf:
    name: str
    colour: Colour
    numbers: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Tree:
    title: str
    leaves: tuple[Leaf, ...]
    groups: tuple[tuple[Leaf, ...], ...]
    empty: tuple[Leaf, ...]
    note: str | None


TREE = Tree(
    title="Données « VIOS »\nline two \"quoted\"",
    leaves=(Leaf("a", Colour.RED, (1, 2)), Leaf("b", Colour.RED, ())),
    groups=((Leaf("c", Colour.RED, (3,)),), ()),
    empty=(),
    note=None,
)


def whole(value: object) -> bytes:
    return msgspec.json.format(msgspec.json.encode(to_jsonable(value)), indent=2)


@pytest.mark.parametrize("levels", [0, 1, 2, 3, 4, 8])
@pytest.mark.parametrize("value", [TREE, [TREE, TREE], [], (), "text", 3, None])
def test_pieces_join_to_the_whole(value: object, levels: int) -> None:
    pieces = list(json_chunks(value, levels))
    assert b"".join(pieces) == whole(value)
    assert json.loads(b"".join(pieces)) == to_jsonable(value)


def test_it_is_json_dumps_indent_2() -> None:
    assert b"".join(json_chunks([TREE])).decode() == json.dumps(to_jsonable([TREE]), indent=2, ensure_ascii=False)


def test_pieces_are_small() -> None:
    """Opened deep enough, no piece holds more than one leaf."""
    biggest = max(len(p) for p in json_chunks([TREE] * 50, levels=3))
    assert biggest < 2 * len(whole(TREE.leaves[0])) < len(whole([TREE] * 50)) / 50
