"""The one jinja Environment: site templates first (branding wins), then the packaged ones.

Templates are HTML/CSS/text only and see nothing but a ``ReportView`` (``view``) or one of its rows;
filters are registered in ``register_filters`` and produce text or data, never HTML (no markup is
built in Python). Statuses reach the templates as enums and become words through the ``words`` filter.
"""

from __future__ import annotations

import re
from enum import Enum
from pathlib import Path
from typing import Any

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    StrictUndefined,
    TemplateRuntimeError,
    select_autoescape,
)

from viosaudit.render.wording import words
from viosaudit.rules.wording import and_list, plural

_CODE = re.compile(r"`([^`]+)`")


def code_segments(text: str) -> list[tuple[str, bool]]:
    """Split ``"run `lspath` now"`` into ``[("run ", False), ("lspath", True), (" now", False)]``.

    Plans quote commands in backticks; the template sets the ``True`` parts in a monospace font.
    """
    out: list[tuple[str, bool]] = []
    pos = 0
    for match in _CODE.finditer(text):
        if match.start() > pos:
            out.append((text[pos : match.start()], False))
        out.append((match.group(1), True))
        pos = match.end()
    if pos < len(text):
        out.append((text[pos:], False))
    return out


_ISO = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")


def when(text: str) -> str:
    """An ISO timestamp for people: "2024-05-06T06:00:00Z" -> "2024-05-06 06:00 UTC"; other text as is."""
    match = _ISO.match(text.strip())
    if not match:
        return text
    day, clock, zone = match.groups()
    if zone in ("Z", "+00:00", "+0000"):
        zone = "UTC"
    return f"{day} {clock}{' ' + zone if zone else ''}"


def css_class(text: str) -> str:
    """A label made usable as a CSS class: "UNKNOWN - DATA MISSING" -> "unknown-data-missing"."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def register_filters(env: Environment) -> None:
    """Every filter the templates may use, in one place."""
    env.filters["plural"] = plural
    env.filters["and_list"] = and_list
    env.filters["words"] = words
    env.filters["code_segments"] = code_segments
    env.filters["css_class"] = css_class
    env.filters["when"] = when


def shown(value: Any) -> Any:
    """Every ``{{ ... }}`` passes here: a status enum printed without the ``words`` filter would show
    its code ("action") instead of its words ("ACTION NEEDED"), so it is an error."""
    if isinstance(value, Enum):
        raise TemplateRuntimeError(f"{type(value).__name__}.{value.name} printed as is: use the words filter")
    return value


def make_env(user_dir: Path | None = None) -> Environment:
    """The report Environment. ``user_dir`` holds site templates that override packaged ones by name."""
    loaders: list[BaseLoader] = []
    if user_dir is not None:
        loaders.append(FileSystemLoader(str(user_dir)))
    loaders.append(PackageLoader("viosaudit", "templates"))
    env = Environment(
        loader=ChoiceLoader(loaders),
        autoescape=select_autoescape(
            enabled_extensions=("html", "htm", "xml"),
            disabled_extensions=("css", "txt", "js"),
            default_for_string=True,
            default=True,
        ),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=shown,
    )
    register_filters(env)
    return env
