"""Which data the rules judged with, for the About section: the catalogue and lifecycle files, their
size and a short content hash, so two reports can be told apart when the data changed in between."""

from __future__ import annotations

import hashlib
from pathlib import Path

from viosaudit.rules.base import RuleContext


def content_id(records: object) -> str:
    """A short, stable hash of the parsed records (not of the file bytes: comments do not count)."""
    return hashlib.sha256(repr(records).encode("utf-8")).hexdigest()[:12]


def shown_path(path: str) -> str:
    """Shipped files by name only (the install path says nothing to a reader), site files in full."""
    return f"{Path(path).name} (shipped)" if path.startswith("viosaudit/rules/data/") else path


def data_versions(ctx: RuleContext) -> tuple[tuple[str, str], ...]:
    """(what, version) of the APAR catalogue and the lifecycle data the rules used."""
    cat, life = ctx.catalogue, ctx.lifecycle
    return (
        ("APAR catalogue", f"{shown_path(cat.path)}: {len(cat.apars)} records, content {content_id(cat.apars)}"),
        (
            "Lifecycle data",
            f"{shown_path(life.path)}: {len(life.releases)} release lines, content "
            f"{content_id((life.releases, life.older))}",
        ),
    )
