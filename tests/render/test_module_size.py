"""The render stage stays a set of small mappers: no module over 400 lines (judgement lives in plan/)."""

from __future__ import annotations

from pathlib import Path

RENDER = Path(__file__).parents[2] / "src" / "viosaudit" / "render"


def test_no_render_module_over_400_lines() -> None:
    sizes = {
        p.relative_to(RENDER).as_posix(): len(p.read_text(encoding="utf-8").splitlines()) for p in RENDER.rglob("*.py")
    }
    assert len(sizes) > 8
    assert {name: n for name, n in sizes.items() if n > 400} == {}
