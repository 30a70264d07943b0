"""Retention of weekly report folders: keep the newest N, never the evidence of a change still open.

The weekly job writes ``<reports>/<YYYY-MM-DD>/``; only folders named by a date are ever considered
(anything else under the root is not ours to delete). A folder is kept, whatever its age, while it
holds ``changes/<id>/`` for a change that is not closed. A change is closed when its folder holds

* a file named ``closed`` (any content: who closed it and when, for a human), or
* ``verify-change.json`` whose top-level object has ``"closed": true``.

Anything unreadable counts as open: deleting evidence by mistake cannot be undone, keeping it can.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

DATE_FOLDER = re.compile(r"\d{4}-\d{2}-\d{2}")
CLOSED_MARKER = "closed"
VERIFY_RESULT = "verify-change.json"


@dataclass(frozen=True, slots=True)
class Pruned:
    removed: tuple[Path, ...]
    kept: tuple[Path, ...]
    protected: tuple[tuple[Path, tuple[str, ...]], ...]  # (folder, open change ids) kept past the limit


def open_changes(folder: Path) -> tuple[str, ...]:
    """The ids of the changes under ``folder/changes/`` that are not marked closed."""
    changes = folder / "changes"
    if not changes.is_dir():
        return ()
    return tuple(sorted(c.name for c in changes.iterdir() if c.is_dir() and not is_closed(c)))


def is_closed(change: Path) -> bool:
    if (change / CLOSED_MARKER).is_file():
        return True
    result = change / VERIFY_RESULT
    if not result.is_file():
        return False
    try:
        data = json.loads(result.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and data.get("closed") is True


def report_folders(root: Path) -> list[Path]:
    """The weekly report folders under ``root``, oldest first (ISO dates sort as text)."""
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.is_symlink() and DATE_FOLDER.fullmatch(p.name))


def prune(root: Path, keep: int, *, current: Path | None = None) -> Pruned:
    """Delete all but the newest ``keep`` report folders, except those holding an open change.

    ``current`` (this run's folder) is never deleted, whatever its name sorts as.
    """
    if keep < 1:
        raise ValueError("keep must be at least 1")
    folders = report_folders(root)
    old = folders[:-keep] if len(folders) > keep else []
    removed: list[Path] = []
    protected: list[tuple[Path, tuple[str, ...]]] = []
    for folder in old:
        if current is not None and folder.resolve() == current.resolve():
            continue
        still_open = open_changes(folder)
        if still_open:
            protected.append((folder, still_open))
            continue
        shutil.rmtree(folder)
        removed.append(folder)
    kept = tuple(f for f in folders if f not in removed)
    return Pruned(tuple(removed), kept, tuple(protected))
