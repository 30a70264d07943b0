"""A report writer in a forked child: its file comes back, its failure comes back as a RenderError."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from viosaudit.errors import RenderError
from viosaudit.render.parallel import ENV, Child


def _write(path: Path) -> Path:
    path.write_text(f"written by {os.getpid()}")
    return path


def test_the_child_writes_the_file_in_another_process(tmp_path):
    child = Child("workbook", lambda: _write(tmp_path / "book.xlsx"), tmp_path)
    assert child.wait() == tmp_path / "book.xlsx"
    assert (tmp_path / "book.xlsx").read_text() != f"written by {os.getpid()}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx"]  # its report file is gone


def test_a_failing_writer_raises_in_the_parent(tmp_path):
    def fail() -> Path:
        raise ValueError("the sheet name is too long")

    child = Child("workbook", fail, tmp_path)
    with pytest.raises(RenderError, match="writing the workbook failed: ValueError: the sheet name is too long"):
        child.wait()


def test_off_it_runs_here(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV, "0")
    child = Child("workbook", lambda: _write(tmp_path / "book.xlsx"), tmp_path)
    assert child.pid is None and (tmp_path / "book.xlsx").read_text() == f"written by {os.getpid()}"
    assert child.wait() == tmp_path / "book.xlsx"
