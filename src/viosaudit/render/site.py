"""A site's look on every page without copying the templates: ``site.toml`` in the ``--templates`` folder.

    # site.toml
    label = "INTERNAL"          # classification label, top right of every page
    logo = "logo.png"           # PNG, JPEG or SVG beside site.toml, top left of every page
    colour = "#00558c"          # headings, rules and table heads
    organisation = "ACME Bank"  # the PDF's author metadata and the masthead

A site may also override the ``site_header.html`` or ``site.css`` partial alone (same folder). The logo
is embedded as a data URI: the PDF and the HTML report stay single files that load nothing.
"""

from __future__ import annotations

import base64
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from viosaudit.errors import RenderError

SITE_FILE = "site.toml"
KEYS = frozenset({"label", "logo", "colour", "organisation"})
_COLOUR = re.compile(r"#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?")
_MIME = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".svg": "image/svg+xml"}
MAX_LOGO_BYTES = 512 * 1024


@dataclass(frozen=True, slots=True)
class Site:
    label: str = ""
    logo: str = ""  # a data: URI, or ""
    colour: str = ""  # "#rrggbb" (checked: it goes into CSS, which is not escaped), or ""
    organisation: str = ""


def load_site(user_dir: Path | None) -> Site:
    """The site settings from ``user_dir/site.toml``; the default look when there is none."""
    if user_dir is None or not (user_dir / SITE_FILE).is_file():
        return Site()
    path = user_dir / SITE_FILE
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise RenderError(f"{path}: cannot read the site settings: {exc}") from exc
    unknown = sorted(set(doc) - KEYS)
    if unknown:
        raise RenderError(f"{path}: unknown key(s) {', '.join(unknown)} (known: {', '.join(sorted(KEYS))})")
    values = {key: doc.get(key, "") for key in KEYS}
    for key, value in values.items():
        if not isinstance(value, str):
            raise RenderError(f'{path}: {key} must be text, e.g. {key} = "..."')
    colour = values["colour"]
    if colour and not _COLOUR.fullmatch(colour):
        raise RenderError(f'{path}: colour {colour!r}: expected #rgb or #rrggbb, e.g. "#00558c"')
    return Site(
        label=values["label"], logo=_logo(path, values["logo"]), colour=colour, organisation=values["organisation"]
    )


def _logo(site_file: Path, name: str) -> str:
    if not name:
        return ""
    logo = site_file.parent / name
    mime = _MIME.get(logo.suffix.lower())
    if mime is None:
        raise RenderError(f"{site_file}: logo {name!r}: expected a .png, .jpg or .svg file")
    try:
        data = logo.read_bytes()
    except OSError as exc:
        raise RenderError(f"{site_file}: logo {name!r}: {exc.strerror or exc}") from exc
    if len(data) > MAX_LOGO_BYTES:
        raise RenderError(f"{site_file}: logo {name!r} is {len(data)} bytes; keep it under {MAX_LOGO_BYTES}")
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
