"""VIOS release lines and their End of Service Pack Support (EoSPS) dates, as cited data.

``service_status(level, today)`` says whether IBM still ships service packs and interim fixes for the
release line of ``level``. A line missing from the data, or a line whose EoSPS date is not recorded,
gives an explicit "unknown" status, never "in-service": a VIOS out of service gets no more fixes, so
a wrong "in service" would hide every future APAR.

Example (``rules/data/lifecycle.toml``)::

    [[release]]
    line = "3.1.4"
    eosps = 2025-11-30
    sources.line = "https://..."
    sources.eosps = "https://..."
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

from viosaudit.errors import CatalogueError
from viosaudit.model import Level
from viosaudit.rules.catalogue import RELEASE, SOURCE

DEFAULT_LIFECYCLE = "lifecycle.toml"
WARNING_WINDOW = timedelta(days=180)
TOP_KEYS = {"schema", "policy", "policy_quoted", "policy_source", "release"}
RELEASE_KEYS = {"line", "eosps", "notes", "sources"}
SOURCED = {"line", "eosps"}


class Support(StrEnum):
    """Service status of a release line on a given day."""

    IN_SERVICE = "in-service"
    WITHIN_180_DAYS = "within-180-days"
    OUT_OF_SERVICE = "out-of-service"
    UNKNOWN_RELEASE = "unknown-release"
    EOSPS_UNKNOWN = "eosps-unknown"


@dataclass(frozen=True, slots=True)
class ReleaseLine:
    line: str
    eosps: date | None
    sources: tuple[tuple[str, str], ...]
    notes: str | None = None

    def source(self, name: str) -> str | None:
        return dict(self.sources).get(name)


@dataclass(frozen=True, slots=True)
class Lifecycle:
    path: str
    releases: tuple[ReleaseLine, ...]
    policy: str | None = None
    policy_source: str | None = None

    def get(self, line: str) -> ReleaseLine | None:
        for rel in self.releases:
            if rel.line == line:
                return rel
        return None


class ServiceStatus(NamedTuple):
    """``status, eosps, *_ = service_status(...)``; ``source`` is the URL of the EoSPS date."""

    status: Support
    eosps: date | None
    release: str
    source: str | None
    reason: str


def _problems(doc: dict[str, Any], path: str) -> list[str]:
    out: list[str] = []
    for key in sorted(set(doc) - TOP_KEYS):
        out.append(f"{path}: field {key}: unknown top-level key")
    if doc.get("schema", 1) != 1:
        out.append(f"{path}: field schema: unsupported schema {doc.get('schema')!r}")
    if "policy" in doc and not isinstance(doc.get("policy_source"), str):
        out.append(f'{path}: field policy: value has no source: add policy_source = "<URL>"')
    releases = doc.get("release", [])
    if not isinstance(releases, list):
        return [*out, f"{path}: field release: must be an array of tables ([[release]])"]
    seen: set[str] = set()
    for i, raw in enumerate(releases):
        name = raw.get("line") if isinstance(raw, dict) else None
        rec = f"{path}: record {name if isinstance(name, str) else f'#{i + 1}'}"
        if not isinstance(raw, dict):
            out.append(f"{rec}: must be a table")
            continue
        for key in sorted(set(raw) - RELEASE_KEYS):
            out.append(f"{rec}: field {key}: unknown key (known: {', '.join(sorted(RELEASE_KEYS))})")
        if not isinstance(name, str) or not RELEASE.fullmatch(name):
            out.append(f'{rec}: field line: must be a release line like "3.1.4", got {name!r}')
        elif name in seen:
            out.append(f"{rec}: field line: duplicate release line")
        else:
            seen.add(name)
        if "eosps" in raw and not isinstance(raw["eosps"], date):
            out.append(f"{rec}: field eosps: must be a TOML date like 2025-11-30, got {raw['eosps']!r}")
        sources = raw.get("sources", {})
        if not isinstance(sources, dict):
            out.append(f"{rec}: field sources: must be a table")
            sources = {}
        for key in sorted(set(raw) & SOURCED):
            url = sources.get(key)
            if url is None:
                out.append(f'{rec}: field {key}: value has no source: add sources.{key} = "<URL>"')
            elif not isinstance(url, str) or not SOURCE.fullmatch(url):
                out.append(f"{rec}: field sources.{key}: not a URL: {url!r}")
        for key in sorted(set(sources) - set(raw)):
            out.append(f"{rec}: field sources.{key}: source given for a value the record does not have")
    return out


def loads_lifecycle(text: str, path: str = "<text>") -> Lifecycle:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"{path}: not valid TOML: {exc}") from exc
    problems = _problems(doc, path)
    if problems:
        raise CatalogueError(f"{path}: {len(problems)} problem(s):\n  " + "\n  ".join(problems))
    releases = tuple(
        ReleaseLine(
            line=raw["line"],
            eosps=raw.get("eosps"),
            sources=tuple(raw.get("sources", {}).items()),
            notes=raw.get("notes"),
        )
        for raw in doc.get("release", [])
    )
    return Lifecycle(path=path, releases=releases, policy=doc.get("policy"), policy_source=doc.get("policy_source"))


def validate_lifecycle(path: Path | str | None = None) -> list[str]:
    """Every problem in a lifecycle file, one line each (empty when valid)."""
    text, name = _read(path)
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return [f"{name}: not valid TOML: {exc}"]
    return _problems(doc, name)


def _read(path: Path | str | None) -> tuple[str, str]:
    if path is None:
        ref = resources.files("viosaudit").joinpath("rules", "data", DEFAULT_LIFECYCLE)
        return ref.read_text(encoding="utf-8"), f"viosaudit/rules/data/{DEFAULT_LIFECYCLE}"
    try:
        return Path(path).read_text(encoding="utf-8"), str(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogueError(f"{path}: cannot read the lifecycle file: {exc}") from exc


def load_lifecycle(path: Path | str | None = None) -> Lifecycle:
    """Load the lifecycle data (default: the file shipped with viosaudit), strictly validated."""
    text, name = _read(path)
    return loads_lifecycle(text, name)


def service_status(level: Level, today: date, lifecycle: Lifecycle | None = None) -> ServiceStatus:
    """In service, within 180 days of EoSPS, out of service, or one of the two unknowns.

    The EoSPS date is the last day of service-pack support: on that day the line is still served
    (``within-180-days``); from the next day it is ``out-of-service``.
    """
    data = lifecycle if lifecycle is not None else load_lifecycle()
    line = level.release
    rel = data.get(line)
    if rel is None:
        known = ", ".join(r.line for r in data.releases)
        return ServiceStatus(
            Support.UNKNOWN_RELEASE,
            None,
            line,
            None,
            f"VIOS release line {line} is not in {data.path} (known: {known})",
        )
    if rel.eosps is None:
        return ServiceStatus(
            Support.EOSPS_UNKNOWN,
            None,
            line,
            None,
            f"no End of Service Pack Support date recorded for VIOS {line}: check IBM's VIOS lifecycle page",
        )
    src = rel.source("eosps")
    if today > rel.eosps:
        days = (today - rel.eosps).days
        return ServiceStatus(
            Support.OUT_OF_SERVICE,
            rel.eosps,
            line,
            src,
            f"VIOS {line} left service-pack support on {rel.eosps} ({days} days ago)",
        )
    left = rel.eosps - today
    if left <= WARNING_WINDOW:
        return ServiceStatus(
            Support.WITHIN_180_DAYS,
            rel.eosps,
            line,
            src,
            f"VIOS {line} leaves service-pack support on {rel.eosps} ({left.days} days left)",
        )
    return ServiceStatus(
        Support.IN_SERVICE, rel.eosps, line, src, f"VIOS {line} has service-pack support until {rel.eosps}"
    )
