"""Retention of weekly report folders: keep the newest N, never the evidence of a change still open.

The weekly job writes ``<reports>/<YYYY-MM-DD>/``; only folders named by a date are ever considered
(anything else under the root is not ours to delete). A folder is kept, whatever its age, while it
holds ``changes/<id>/`` for a change that is not closed. A change is closed when its folder holds

* a file named ``closed`` (any content: who closed it and when, for a human), or
* ``after/verification.json`` (written by ``viosaudit verify-change``) saying ``"closed": true``,

or when the same change (its stable ``change_key`` in ``change.json``) was verified closed in any
report folder: a change proposed for several weeks is verified once, in the folder of the week the
work was done. Anything unreadable counts as open: deleting evidence by mistake cannot be undone,
keeping it can.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from viosaudit.changes.before import CHANGE_JSON
from viosaudit.changes.evidence import AFTER_DIR, CHANGES_DIR

DATE_FOLDER = re.compile(r"\d{4}-\d{2}-\d{2}")
CLOSED_MARKER = "closed"
VERIFY_RESULT = Path(AFTER_DIR) / "verification.json"


@dataclass(frozen=True, slots=True)
class Pruned:
    removed: tuple[Path, ...]
    kept: tuple[Path, ...]
    protected: tuple[tuple[Path, tuple[str, ...]], ...]  # (folder, open change ids) kept past the limit


def _change_dirs(folder: Path) -> list[Path]:
    changes = folder / CHANGES_DIR
    return [c for c in changes.iterdir() if c.is_dir()] if changes.is_dir() else []


def _json(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
    except (OSError, ValueError):
        return None


def change_key(change: Path) -> str | None:
    data = _json(change / CHANGE_JSON)
    key = data.get("change_key") if isinstance(data, dict) else None
    return key if isinstance(key, str) and key else None


def is_closed(change: Path) -> bool:
    """This change folder says it is closed: a ``closed`` file, or verify-change's answer "closed"."""
    if (change / CLOSED_MARKER).is_file():
        return True
    data = _json(change / VERIFY_RESULT)
    return isinstance(data, dict) and data.get("closed") is True


def closed_keys(folders: list[Path]) -> frozenset[str]:
    """The change keys verified or marked closed in any of ``folders``."""
    return frozenset(k for f in folders for c in _change_dirs(f) if is_closed(c) and (k := change_key(c)))


def open_changes(folder: Path, closed: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """The ids of the changes under ``folder/changes/`` that are not closed (here, or by key elsewhere)."""

    def still_open(change: Path) -> bool:
        key = change_key(change)
        return not is_closed(change) and (key is None or key not in closed)

    return tuple(sorted(c.name for c in _change_dirs(folder) if still_open(c)))


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
    closed = closed_keys(folders)
    for folder in old:
        if current is not None and folder.resolve() == current.resolve():
            continue
        still_open = open_changes(folder, closed)
        if still_open:
            protected.append((folder, still_open))
            continue
        shutil.rmtree(folder)
        removed.append(folder)
    kept = tuple(f for f in folders if f not in removed)
    return Pruned(tuple(removed), kept, tuple(protected))
