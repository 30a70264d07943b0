"""VIOS release lines and their End of Fix Support (EoFS) dates, as cited data in IBM's own words.

After EoFS IBM builds no fix packs and no interim fixes for a release line: a VIOS on such a line gets
no fix for the next HIPER APAR. ``service_status(level, today, lifecycle)`` says where a level's line
stands on ``today``:

* ``in-service`` / ``within-180-days`` (EoFS within 180 days, the EoFS day included) / ``out-of-service``
  from a recorded EoFS date; IBM's "estimated" dates stay marked estimated;
* ``out-of-service`` with no date for a line older than ``[older].below``: IBM's table no longer lists
  it, so it left fix support before the oldest date the table gives ("ended before 2023-11-30; exact
  date not published"), never an invented date;
* ``eofs-unknown`` for a listed line whose EoFS no source gives, ``unknown-release`` for a line the
  data does not know: never "in service".

A site file (``--lifecycle FILE``) is validated the same way and adds or replaces lines by name.

Example (``rules/data/lifecycle.toml``)::

    [[release]]
    line = "4.1.0"
    ga = "2023-11"                      # month and year only, as IBM prints it
    eofs = 2026-11-30
    eofs_estimated = true
    eofs_wording = "30 November 2026 (estimated)"
    sources.eofs = "cite: IBM Redbooks ... Table 1-1"
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any

from viosaudit.errors import CatalogueError
from viosaudit.model import Level
from viosaudit.rules.catalogue import RELEASE, SOURCE
from viosaudit.rules.wording import plural

DEFAULT_LIFECYCLE = "lifecycle.toml"
WARNING_WINDOW = timedelta(days=180)
TOP_KEYS = {"schema", "term", "policy", "policy_quoted", "policy_source", "older", "release"}
OLDER_KEYS = {"below", "ended_before", "wording", "source"}
RELEASE_KEYS = {"line", "ga", "eofs", "eofs_estimated", "eofs_wording", "final_fix_pack", "notes", "sources"}
SOURCED = {"line", "ga", "eofs"}
MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


class Support(StrEnum):
    """Fix-support status of a release line on a given day."""

    IN_SERVICE = "in-service"
    WITHIN_180_DAYS = "within-180-days"
    OUT_OF_SERVICE = "out-of-service"
    UNKNOWN_RELEASE = "unknown-release"
    EOFS_UNKNOWN = "eofs-unknown"


@dataclass(frozen=True, slots=True)
class ReleaseLine:
    """One VIOS release line: GA month, End of Fix Support date (IBM's wording kept), sources."""

    line: str
    sources: tuple[tuple[str, str], ...]
    ga: str | None = None
    eofs: date | None = None
    eofs_estimated: bool = False
    eofs_wording: str | None = None
    final_fix_pack: str | None = None
    notes: str | None = None

    def source(self, name: str) -> str | None:
        return dict(self.sources).get(name)


@dataclass(frozen=True, slots=True)
class Older:
    """Every line below ``below`` left fix support before ``ended_before`` (exact date not published)."""

    below: Level
    ended_before: date
    wording: str
    source: str


@dataclass(frozen=True, slots=True)
class Lifecycle:
    path: str
    releases: tuple[ReleaseLine, ...]
    older: Older | None = None
    term: str = "End of Fix Support (EoFS)"
    policy: str | None = None
    policy_source: str | None = None

    def get(self, line: str) -> ReleaseLine | None:
        for rel in self.releases:
            if rel.line == line:
                return rel
        return None

    def overridden_by(self, site: Lifecycle) -> Lifecycle:
        """This data with a site file's lines added or replacing ours (and its ``[older]``, if any)."""
        theirs = {r.line: r for r in site.releases}
        releases = tuple(theirs.pop(r.line, r) for r in self.releases) + tuple(theirs.values())
        return replace(self, path=f"{self.path} + {site.path}", releases=releases, older=site.older or self.older)


@dataclass(frozen=True, slots=True)
class ServiceStatus:
    """Where one level's release line stands on one day, and why, with the source of the date."""

    status: Support
    release: str
    reason: str
    eofs: date | None = None
    estimated: bool = False
    source: str | None = None
    ended_before: date | None = None

    @property
    def eofs_text(self) -> str:
        """'2026-11-30 (IBM estimate)', 'before 2023-11-30', or '' when no date is known."""
        if self.eofs is not None:
            return f"{self.eofs}" + (" (IBM estimate)" if self.estimated else "")
        if self.ended_before is not None:
            return f"before {self.ended_before}"
        return ""


def _problems(doc: dict[str, Any], path: str) -> list[str]:
    out: list[str] = []
    for key in sorted(set(doc) - TOP_KEYS):
        out.append(f"{path}: field {key}: unknown top-level key (known: {', '.join(sorted(TOP_KEYS))})")
    if doc.get("schema", 2) != 2:
        out.append(f"{path}: field schema: unsupported schema {doc.get('schema')!r} (this viosaudit reads 2)")
    if "policy" in doc and not isinstance(doc.get("policy_source"), str):
        out.append(f'{path}: field policy: value has no source: add policy_source = "<URL>"')
    out += _older_problems(doc.get("older"), path)
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
        if "ga" in raw and not (isinstance(raw["ga"], str) and MONTH.fullmatch(raw["ga"])):
            out.append(f'{rec}: field ga: must be a month like "2023-11" (IBM gives GA month and year only)')
        if "eofs" in raw and (not isinstance(raw["eofs"], date) or hasattr(raw["eofs"], "hour")):
            out.append(f"{rec}: field eofs: must be a TOML date like 2026-11-30, got {raw['eofs']!r}")
        if "eofs_estimated" in raw and not isinstance(raw["eofs_estimated"], bool):
            out.append(f"{rec}: field eofs_estimated: must be true or false")
        if raw.get("eofs_estimated") and "eofs" not in raw:
            out.append(f"{rec}: field eofs_estimated: set without an eofs date")
        for key in ("eofs_wording", "final_fix_pack", "notes"):
            if key in raw and not isinstance(raw[key], str):
                out.append(f"{rec}: field {key}: must be text")
        sources = raw.get("sources", {})
        if not isinstance(sources, dict):
            out.append(f"{rec}: field sources: must be a table")
            sources = {}
        for key in sorted(set(raw) & SOURCED):
            url = sources.get(key)
            if url is None:
                out.append(f'{rec}: field {key}: value has no source: add sources.{key} = "<URL or cite: ...>"')
            elif not isinstance(url, str) or not SOURCE.fullmatch(url):
                out.append(f"{rec}: field sources.{key}: not a source (URL or 'cite: ...'): {url!r}")
        for key in sorted(set(sources) - set(raw)):
            out.append(f"{rec}: field sources.{key}: source given for a value the record does not have")
    return out


def _older_problems(older: Any, path: str) -> list[str]:
    if older is None:
        return []
    where = f"{path}: field older"
    if not isinstance(older, dict):
        return [f"{where}: must be a table ([older])"]
    out = [
        f"{where}.{key}: unknown key (known: {', '.join(sorted(OLDER_KEYS))})"
        for key in sorted(set(older) - OLDER_KEYS)
    ]
    out += [f"{where}.{key}: missing" for key in sorted(OLDER_KEYS - set(older))]
    if "below" in older and not (isinstance(older["below"], str) and RELEASE.fullmatch(older["below"])):
        out.append(f'{where}.below: must be a release line like "3.1.2"')
    if "ended_before" in older and (
        not isinstance(older["ended_before"], date) or hasattr(older["ended_before"], "hour")
    ):
        out.append(f"{where}.ended_before: must be a TOML date like 2023-11-30")
    if "source" in older and not (isinstance(older["source"], str) and SOURCE.fullmatch(older["source"])):
        out.append(f"{where}.source: not a source (URL or 'cite: ...')")
    if "wording" in older and not isinstance(older["wording"], str):
        out.append(f"{where}.wording: must be text")
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
            sources=tuple(raw.get("sources", {}).items()),
            ga=raw.get("ga"),
            eofs=raw.get("eofs"),
            eofs_estimated=raw.get("eofs_estimated", False),
            eofs_wording=raw.get("eofs_wording"),
            final_fix_pack=raw.get("final_fix_pack"),
            notes=raw.get("notes"),
        )
        for raw in doc.get("release", [])
    )
    older = doc.get("older")
    return Lifecycle(
        path=path,
        releases=releases,
        older=Older(Level.parse(older["below"]), older["ended_before"], older["wording"], older["source"])
        if older
        else None,
        term=doc.get("term", "End of Fix Support (EoFS)"),
        policy=doc.get("policy"),
        policy_source=doc.get("policy_source"),
    )


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


def load_lifecycle(path: Path | str | None = None, site: Path | str | None = None) -> Lifecycle:
    """The shipped lifecycle data (or ``path``), with a site file's lines added or replacing ours."""
    text, name = _read(path)
    data = loads_lifecycle(text, name)
    if site is not None:
        site_text, site_name = _read(site)
        data = data.overridden_by(loads_lifecycle(site_text, site_name))
    return data


def service_status(level: Level, today: date, lifecycle: Lifecycle) -> ServiceStatus:
    """In service, within 180 days of EoFS, out of service, or one of the two unknowns (see module doc).

    The EoFS date is the last day of fix support: on that day the line is still served; from the next
    day it is out of service.
    """
    line = level.release
    rel = lifecycle.get(line)
    if rel is None:
        older = lifecycle.older
        if older is not None and Level.parse(line) < older.below:
            return ServiceStatus(
                Support.OUT_OF_SERVICE,
                line,
                f"VIOS {line} is out of fix support ({older.wording})",
                source=older.source,
                ended_before=older.ended_before,
            )
        known = ", ".join(r.line for r in lifecycle.releases)
        return ServiceStatus(
            Support.UNKNOWN_RELEASE, line, f"VIOS release line {line} is not in {lifecycle.path} (known: {known})"
        )
    if rel.eofs is None:
        return ServiceStatus(
            Support.EOFS_UNKNOWN,
            line,
            f"no End of Fix Support date published for VIOS {line} in the sources at hand"
            + (f" ({rel.notes})" if rel.notes else ""),
        )
    ibm = f" (IBM: {rel.eofs_wording})" if rel.eofs_wording else ""
    if today > rel.eofs:
        ago = plural((today - rel.eofs).days, "day")
        return _dated(Support.OUT_OF_SERVICE, rel, f"left fix support on {rel.eofs}{ibm}, {ago} ago")
    left = rel.eofs - today
    if left <= WARNING_WINDOW:
        return _dated(
            Support.WITHIN_180_DAYS, rel, f"leaves fix support on {rel.eofs}{ibm}: {plural(left.days, 'day')} left"
        )
    return _dated(Support.IN_SERVICE, rel, f"has fix support until {rel.eofs}{ibm}: {plural(left.days, 'day')} left")


def _dated(status: Support, rel: ReleaseLine, what: str) -> ServiceStatus:
    return ServiceStatus(
        status,
        rel.line,
        f"VIOS {rel.line} {what}" + (" (the date is IBM's estimate)" if rel.eofs_estimated else ""),
        eofs=rel.eofs,
        estimated=rel.eofs_estimated,
        source=rel.source("eofs"),
    )
