"""The APAR catalogue: IBM HIPER, security and data-integrity APARs as cited data (STYLE principle 10).

Each ``[[apar]]`` record in ``rules/data/apar_catalogue.toml`` carries the affected VIOS level ranges
and/or fileset level ranges, the fixed level per release line, the interim fixes that remediate,
the preconditions IBM names, and a source URL for every value. The loader is strict: an unknown key,
a bad level, a range whose low end lies above its high end, a value without a source or a duplicate
id is a ``CatalogueError`` naming the file, the record and the field, because a silently dropped
record would turn into a silent "not exposed". ``docs/catalogue.md`` describes the format.

Example::

    [[apar]]
    id = "IV70381"
    title = "Near full shared storage pool can overwrite filesystem metadata"
    type = "data-integrity"
    preconditions = ["ssp"]
    sources = { id = "https://www.ibm.com/support/pages/apar/IV70381", ... }
    [[apar.fileset_range]]
    fileset = "pool.basic.rte"
    release = "2.2.3"
    below = "6.1.9.45"
    source = "https://www.ibm.com/support/pages/apar/IV70381"

yields ``Apar(id="IV70381", ..., fileset_ranges=(FilesetRange(fileset="pool.basic.rte", ...),))``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum, StrEnum
from importlib import resources
from pathlib import Path
from typing import Any

from viosaudit.errors import CatalogueError
from viosaudit.model import Level

SCHEMA_VERSION = 1
DEFAULT_CATALOGUE = "apar_catalogue.toml"

APAR_ID = re.compile(r"[A-Z]{2}\d{5}")
CVE_ID = re.compile(r"CVE-\d{4}-\d{4,}")
RECORD_ID = re.compile(rf"(?:{APAR_ID.pattern}|{CVE_ID.pattern})")
RELEASE = re.compile(r"\d+\.\d+\.\d+")
SOURCE = re.compile(r"(?:https?://\S+|ftp://\S+|flrt:\S.*|cite: \S.*)")  # cite: a printed source, no URL


class AparType(StrEnum):
    """What kind of risk the record describes (IBM's HIPER flag, a security bulletin, or our reading)."""

    HIPER = "hiper"
    SECURITY = "security"
    DATA_INTEGRITY = "data-integrity"
    AVAILABILITY = "availability"


class Feature(StrEnum):
    """VIOS features that must be in use for a defect to bite (the preconditions IBM names)."""

    LPM = "lpm"
    NPIV = "npiv"
    VSCSI = "vscsi"
    SEA = "sea"
    SSP = "ssp"


class ClientOs(StrEnum):
    """Client operating systems IBM names when it narrows who is exposed."""

    AIX = "aix"
    LINUX = "linux"
    IBM_I = "ibmi"


def in_release(level: Level, release: str) -> bool:
    """Whether ``level`` belongs to release line ``release`` ('2.2.5' holds 2.2.5.0 ... 2.2.5.x)."""
    return level.release == release


@dataclass(frozen=True, slots=True)
class LevelRange:
    """Affected VIOS (``ioslevel``) levels of one release line, inclusive, and the level that fixes it.

    ``low`` None means from the start of the line; ``high`` None means IBM gave no last affected
    level, so every level of the line below ``fixed`` (or, without ``fixed``, every level) counts
    as affected. ``apar`` and ``ifixes`` name the APAR and interim fix labels for this line.
    """

    release: str
    low: Level | None
    high: Level | None
    fixed: Level | None
    source: str
    apar: str | None = None
    ifixes: tuple[str, ...] = ()

    def contains(self, level: Level) -> bool:
        if not in_release(level, self.release):
            return False
        if self.low is not None and level < self.low:
            return False
        if self.fixed is not None and level >= self.fixed:
            return False
        return self.high is None or level <= self.high

    def describe(self) -> str:
        low = str(self.low) if self.low is not None else f"{self.release}.0"
        if self.high is not None:
            return f"{low}-{self.high}"
        if self.fixed is not None:
            return f"{low} up to (not incl.) {self.fixed}"
        return f"{low} and later {self.release} levels (no fixed level published)"


@dataclass(frozen=True, slots=True)
class FilesetRange:
    """Affected levels of one fileset: ``low`` inclusive (None: any lower level), ``high`` inclusive
    or, with ``high_inclusive`` false, exclusive (IBM's "below the x level", FLRT's ``<x``).

    ``release`` scopes the range to one VIOS release line when IBM does (IV91339: "VIOS 2.2.4.x with
    ... at 6.1.9.102 level or below"); deciding whether it applies then needs the VIOS level too.
    """

    fileset: str
    low: Level | None
    high: Level | None
    source: str
    high_inclusive: bool = True
    release: str | None = None

    def matches(self, level: Level) -> bool:
        if self.low is not None and level < self.low:
            return False
        if self.high is None:
            return True
        return level <= self.high if self.high_inclusive else level < self.high

    def describe(self) -> str:
        if self.low is not None and self.high is not None and self.low == self.high and self.high_inclusive:
            text = f"= {self.high}"
        elif self.low is not None and self.high is not None:
            text = f"{self.low}-{self.high}" if self.high_inclusive else f"{self.low} up to (not incl.) {self.high}"
        elif self.high is not None:
            text = f"<= {self.high}" if self.high_inclusive else f"< {self.high}"
        elif self.low is not None:
            text = f">= {self.low}"
        else:
            text = "any level"
        scope = f" (VIOS {self.release}.x)" if self.release else ""
        return f"{self.fileset} {text}{scope}"

    def explain(self, level: Level) -> str:
        """'fileset 6.1.9.200 <= 6.1.9.200' style text for a level that matched."""
        if self.low is not None and self.high is not None and self.low == self.high and self.high_inclusive:
            return f"{self.fileset} {level} = {self.high}"
        if self.low is not None and self.high is not None:
            op = "<=" if self.high_inclusive else "<"
            return f"{self.fileset} {self.low} <= {level} {op} {self.high}"
        if self.high is not None:
            op = "<=" if self.high_inclusive else "<"
            return f"{self.fileset} {level} {op} {self.high}"
        if self.low is not None:
            return f"{self.fileset} {level} >= {self.low}"
        return f"{self.fileset} {level} (every level affected)"


@dataclass(frozen=True, slots=True)
class Fix:
    """The VIOS levels that carry a fix (on one release line) and the interim fixes that remediate."""

    levels: tuple[Level, ...]
    ifixes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Apar:
    """One catalogue record. ``sources`` maps each field name to the URL it was taken from."""

    id: str
    title: str
    type: AparType
    sources: tuple[tuple[str, str], ...]
    level_ranges: tuple[LevelRange, ...] = ()
    fileset_ranges: tuple[FilesetRange, ...] = ()
    summary: str | None = None
    ifixes: tuple[str, ...] = ()
    remediating_apars: tuple[str, ...] = ()
    preconditions: tuple[Feature, ...] = ()
    client_os: tuple[ClientOs, ...] = ()
    likelihood: str | None = None
    likelihood_quoted: bool = False
    reboot_required: bool | None = None
    siblings: tuple[str, ...] = ()
    cves: tuple[str, ...] = ()
    bulletin: str | None = None
    fixed_in: str | None = None
    notes: str | None = None
    origin: str = ""

    def source(self, field_name: str) -> str | None:
        return dict(self.sources).get(field_name)

    def fix_for(self, release: str | None) -> Fix:
        """What fixes this record on one VIOS release line (``None``: the line is not known): the VIOS
        levels that carry the fix on that line, and every interim fix named for it."""
        levels = tuple(
            dict.fromkeys(r.fixed for r in self.level_ranges if r.fixed and (release is None or r.release == release))
        )
        ifixes = tuple(sorted({*self.ifixes, *(i for r in self.level_ranges for i in r.ifixes)}))
        return Fix(levels, ifixes)

    @property
    def remediation_ids(self) -> tuple[str, ...]:
        """APAR/CVE ids whose appearance in an ifix label or abstract means the ifix fixes this record."""
        ids = [self.id, *self.remediating_apars]
        for lr in self.level_ranges:
            if lr.apar:
                ids.append(lr.apar)
        return tuple(dict.fromkeys(ids))

    @property
    def remediation_labels(self) -> tuple[str, ...]:
        labels = list(self.ifixes)
        for lr in self.level_ranges:
            labels.extend(lr.ifixes)
        return tuple(dict.fromkeys(labels))

    @property
    def releases(self) -> tuple[str, ...]:
        """Release lines the record names, from level ranges and release-scoped fileset ranges."""
        names = [lr.release for lr in self.level_ranges]
        names += [fr.release for fr in self.fileset_ranges if fr.release]
        return tuple(dict.fromkeys(names))


@dataclass(frozen=True, slots=True)
class Catalogue:
    """All records of one or more catalogue files, in file order; ids are unique."""

    path: str
    apars: tuple[Apar, ...]
    _index: Mapping[str, Apar] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {a.id: a for a in self.apars})

    def __iter__(self) -> Iterator[Apar]:
        return iter(self.apars)

    def __len__(self) -> int:
        return len(self.apars)

    def __contains__(self, apar_id: object) -> bool:
        return apar_id in self._index

    def get(self, apar_id: str) -> Apar:
        try:
            return self._index[apar_id.upper()]
        except KeyError:
            raise CatalogueError(
                f"{self.path}: no record {apar_id!r}; `viosaudit catalog list` shows the ids"
            ) from None

    def family(self, apar_id: str) -> tuple[Apar, ...]:
        """The record and its siblings that are in this catalogue (one APAR per release line)."""
        first = self.get(apar_id)
        ids = [first.id, *first.siblings]
        ids += [a.id for a in self.apars if first.id in a.siblings]
        return tuple(self._index[i] for i in dict.fromkeys(ids) if i in self._index)

    def merged(self, records: Iterable[Apar], *, replace_existing: bool = False, origin: str = "") -> Catalogue:
        """A new catalogue with ``records`` added; an id already present is an error unless replacing."""
        by_id = dict(self._index)
        order = [a.id for a in self.apars]
        for rec in records:
            if rec.id in by_id and not replace_existing:
                raise CatalogueError(
                    f"{origin or rec.origin}: record {rec.id}: already in {self.path}; "
                    "pass replace to overwrite it, or remove it from one of the files"
                )
            if rec.id not in by_id:
                order.append(rec.id)
            by_id[rec.id] = rec
        return Catalogue(path=self.path, apars=tuple(by_id[i] for i in order))


# ---------------------------------------------------------------- loading and validation

RECORD_KEYS = {
    "id",
    "title",
    "type",
    "summary",
    "level_range",
    "fileset_range",
    "ifixes",
    "remediating_apars",
    "preconditions",
    "client_os",
    "likelihood",
    "likelihood_quoted",
    "reboot_required",
    "siblings",
    "cves",
    "bulletin",
    "fixed_in",
    "notes",
    "sources",
}
# fields whose values are our own words or containers of values with their own sources
UNSOURCED_KEYS = {"sources", "notes", "level_range", "fileset_range", "likelihood_quoted"}
REQUIRED_KEYS = ("id", "title", "type", "sources")
LEVEL_RANGE_KEYS = {"release", "low", "high", "fixed", "source", "apar", "ifixes"}
FILESET_RANGE_KEYS = {"fileset", "low", "high", "below", "release", "source"}
TOP_KEYS = {"schema", "apar"}


class _Problems:
    """Collects problems as 'file: record X: field Y: what' lines, so validate() can list them all."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.items: list[str] = []

    def add(self, record: str | None, fld: str | None, text: str) -> None:
        where = [self.path]
        if record is not None:
            where.append(f"record {record}")
        if fld is not None:
            where.append(f"field {fld}")
        self.items.append(": ".join([*where, text]))


def _level(value: Any, problems: _Problems, rec: str, fld: str) -> Level | None:
    if not isinstance(value, str):
        problems.add(rec, fld, f'level must be a quoted string like "2.2.5.10", got {value!r}')
        return None
    try:
        return Level.parse(value)
    except ValueError:
        problems.add(rec, fld, f"not a dotted numeric level: {value!r}")
        return None


def _str(value: Any, problems: _Problems, rec: str, fld: str) -> str | None:
    if not isinstance(value, str) or not value.strip():
        problems.add(rec, fld, f"must be a non-empty string, got {value!r}")
        return None
    return value.strip()


def _str_list(value: Any, problems: _Problems, rec: str, fld: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        problems.add(rec, fld, f"must be a list of non-empty strings, got {value!r}")
        return ()
    return tuple(v.strip() for v in value)


def _source(value: Any, problems: _Problems, rec: str, fld: str) -> str:
    if not isinstance(value, str) or not SOURCE.fullmatch(value.strip()):
        problems.add(rec, fld, f"source must be an http(s)/ftp URL or an flrt: locator, got {value!r}")
        return ""
    return value.strip()


def _parse_level_range(raw: Any, problems: _Problems, rec: str, i: int) -> LevelRange | None:
    where = f"level_range[{i}]"
    if not isinstance(raw, dict):
        problems.add(rec, where, "must be a table")
        return None
    for key in sorted(set(raw) - LEVEL_RANGE_KEYS):
        problems.add(rec, f"{where}.{key}", f"unknown key (known: {', '.join(sorted(LEVEL_RANGE_KEYS))})")
    release = raw.get("release")
    if not isinstance(release, str) or not RELEASE.fullmatch(release):
        problems.add(rec, f"{where}.release", f'must be a release line like "2.2.5", got {release!r}')
        return None
    if "source" not in raw:
        problems.add(rec, f"{where}.source", "every range needs the URL it was taken from")
    source = _source(raw.get("source"), problems, rec, f"{where}.source") if "source" in raw else ""
    low = _level(raw["low"], problems, rec, f"{where}.low") if "low" in raw else None
    high = _level(raw["high"], problems, rec, f"{where}.high") if "high" in raw else None
    fixed = _level(raw["fixed"], problems, rec, f"{where}.fixed") if "fixed" in raw else None
    for name, lvl in (("low", low), ("high", high), ("fixed", fixed)):
        if lvl is not None and not in_release(lvl, release):
            problems.add(rec, f"{where}.{name}", f"{lvl} is not a level of release line {release}")
    if low is not None and high is not None and low > high:
        problems.add(rec, where, f"low {low} is above high {high}")
    if fixed is not None and high is not None and fixed <= high:
        problems.add(rec, where, f"fixed {fixed} must be above the last affected level {high}")
    if fixed is not None and low is not None and fixed <= low:
        problems.add(rec, where, f"fixed {fixed} must be above low {low}")
    apar = raw.get("apar")
    if apar is not None and (not isinstance(apar, str) or not RECORD_ID.fullmatch(apar)):
        problems.add(rec, f"{where}.apar", f"not an APAR id like IV91339: {apar!r}")
        apar = None
    ifixes = _str_list(raw["ifixes"], problems, rec, f"{where}.ifixes") if "ifixes" in raw else ()
    return LevelRange(release=release, low=low, high=high, fixed=fixed, source=source, apar=apar, ifixes=ifixes)


def _parse_fileset_range(raw: Any, problems: _Problems, rec: str, i: int) -> FilesetRange | None:
    where = f"fileset_range[{i}]"
    if not isinstance(raw, dict):
        problems.add(rec, where, "must be a table")
        return None
    for key in sorted(set(raw) - FILESET_RANGE_KEYS):
        problems.add(rec, f"{where}.{key}", f"unknown key (known: {', '.join(sorted(FILESET_RANGE_KEYS))})")
    fileset = _str(raw.get("fileset"), problems, rec, f"{where}.fileset")
    if "source" not in raw:
        problems.add(rec, f"{where}.source", "every range needs the URL it was taken from")
    source = _source(raw.get("source"), problems, rec, f"{where}.source") if "source" in raw else ""
    if "high" in raw and "below" in raw:
        problems.add(rec, where, "give either high (inclusive) or below (exclusive), not both")
    low = _level(raw["low"], problems, rec, f"{where}.low") if "low" in raw else None
    high: Level | None = None
    inclusive = True
    if "high" in raw:
        high = _level(raw["high"], problems, rec, f"{where}.high")
    elif "below" in raw:
        high = _level(raw["below"], problems, rec, f"{where}.below")
        inclusive = False
    if low is None and high is None and "low" not in raw and "high" not in raw and "below" not in raw:
        problems.add(rec, where, "needs low, high or below (an unbounded range would match every level)")
    if low is not None and high is not None and (low > high or (low == high and not inclusive)):
        problems.add(rec, where, f"low {low} is above the upper bound {high}")
    release = raw.get("release")
    if release is not None and (not isinstance(release, str) or not RELEASE.fullmatch(release)):
        problems.add(rec, f"{where}.release", f'must be a release line like "2.2.5", got {release!r}')
        release = None
    if fileset is None:
        return None
    return FilesetRange(fileset=fileset, low=low, high=high, source=source, high_inclusive=inclusive, release=release)


def _enum_list(value: Any, enum: type[Enum], problems: _Problems, rec: str, fld: str) -> tuple[Any, ...]:
    names = _str_list(value, problems, rec, fld)
    out = []
    for name in names:
        try:
            out.append(enum(name.lower()))
        except ValueError:
            problems.add(rec, fld, f"unknown value {name!r} (known: {', '.join(e.value for e in enum)})")
    return tuple(out)


def parse_record(raw: Any, problems: _Problems, index: int, origin: str) -> Apar | None:
    """Turn one ``[[apar]]`` table into an ``Apar``, adding every problem found to ``problems``."""
    if not isinstance(raw, dict):
        problems.add(f"#{index + 1}", None, "each [[apar]] entry must be a table")
        return None
    raw_id = raw.get("id")
    rec = raw_id if isinstance(raw_id, str) and raw_id else f"#{index + 1}"
    for key in sorted(set(raw) - RECORD_KEYS):
        problems.add(rec, key, f"unknown key (known: {', '.join(sorted(RECORD_KEYS))})")
    for key in REQUIRED_KEYS:
        if key not in raw:
            problems.add(rec, key, "missing (required)")
    if isinstance(raw_id, str) and not RECORD_ID.fullmatch(raw_id):
        problems.add(rec, "id", f"not an APAR id (IV91339) or CVE id (CVE-2021-3712): {raw_id!r}")

    sources_raw = raw.get("sources", {})
    sources: dict[str, str] = {}
    if not isinstance(sources_raw, dict):
        problems.add(rec, "sources", "must be a table mapping field name to URL")
        sources_raw = {}
    for key, url in sources_raw.items():
        if key not in RECORD_KEYS or key in UNSOURCED_KEYS:
            problems.add(rec, f"sources.{key}", "names no sourced field of the record")
            continue
        if key not in raw:
            problems.add(rec, f"sources.{key}", f"source given for {key}, but the record has no {key}")
            continue
        sources[key] = _source(url, problems, rec, f"sources.{key}")
    for key in sorted(set(raw) & RECORD_KEYS - UNSOURCED_KEYS):
        if key not in sources_raw:
            problems.add(rec, key, f'value has no source: add sources.{key} = "<URL>"')

    title = _str(raw.get("title"), problems, rec, "title") if "title" in raw else None
    atype: AparType | None = None
    if "type" in raw:
        try:
            atype = AparType(raw["type"])
        except ValueError:
            problems.add(rec, "type", f"unknown type {raw['type']!r} (known: {', '.join(t.value for t in AparType)})")

    lr_raw = raw.get("level_range", [])
    fr_raw = raw.get("fileset_range", [])
    if not isinstance(lr_raw, list):
        problems.add(rec, "level_range", "must be an array of tables ([[apar.level_range]])")
        lr_raw = []
    if not isinstance(fr_raw, list):
        problems.add(rec, "fileset_range", "must be an array of tables ([[apar.fileset_range]])")
        fr_raw = []
    if not lr_raw and not fr_raw:
        problems.add(rec, None, "needs at least one [[apar.level_range]] or [[apar.fileset_range]]")
    level_ranges = [r for i, x in enumerate(lr_raw) if (r := _parse_level_range(x, problems, rec, i))]
    fileset_ranges = [f for i, x in enumerate(fr_raw) if (f := _parse_fileset_range(x, problems, rec, i))]
    seen_releases: set[str] = set()
    for lr in level_ranges:
        if lr.release in seen_releases:
            problems.add(rec, "level_range", f"release line {lr.release} appears twice")
        seen_releases.add(lr.release)

    def opt_str(key: str) -> str | None:
        return _str(raw[key], problems, rec, key) if key in raw else None

    def opt_list(key: str) -> tuple[str, ...]:
        return _str_list(raw[key], problems, rec, key) if key in raw else ()

    remediating = opt_list("remediating_apars")
    siblings = opt_list("siblings")
    for key, ids in (("remediating_apars", remediating), ("siblings", siblings)):
        for value in ids:
            if not RECORD_ID.fullmatch(value):
                problems.add(rec, key, f"not an APAR or CVE id: {value!r}")
    cves = opt_list("cves")
    for value in cves:
        if not CVE_ID.fullmatch(value):
            problems.add(rec, "cves", f"not a CVE id: {value!r}")
    likelihood = opt_str("likelihood")
    quoted = raw.get("likelihood_quoted", False)
    if not isinstance(quoted, bool):
        problems.add(rec, "likelihood_quoted", "must be true or false")
        quoted = False
    if quoted and likelihood is None:
        problems.add(rec, "likelihood_quoted", "set, but the record has no likelihood text")
    reboot = raw.get("reboot_required")
    if reboot is not None and not isinstance(reboot, bool):
        problems.add(rec, "reboot_required", "must be true or false")
        reboot = None
    bulletin = opt_str("bulletin")
    if bulletin is not None and not SOURCE.fullmatch(bulletin):
        problems.add(rec, "bulletin", f"must be a URL, got {bulletin!r}")
    preconditions: tuple[Feature, ...] = ()
    if "preconditions" in raw:
        preconditions = _enum_list(raw["preconditions"], Feature, problems, rec, "preconditions")
    client_os: tuple[ClientOs, ...] = ()
    if "client_os" in raw:
        client_os = _enum_list(raw["client_os"], ClientOs, problems, rec, "client_os")
    notes = raw.get("notes")
    if notes is not None and not isinstance(notes, str):
        problems.add(rec, "notes", "must be a string")
        notes = None

    if not isinstance(raw_id, str) or not RECORD_ID.fullmatch(raw_id) or title is None or atype is None:
        return None
    return Apar(
        id=raw_id,
        title=title,
        type=atype,
        sources=tuple(sources.items()),
        level_ranges=tuple(level_ranges),
        fileset_ranges=tuple(fileset_ranges),
        summary=opt_str("summary"),
        ifixes=opt_list("ifixes"),
        remediating_apars=remediating,
        preconditions=preconditions,
        client_os=client_os,
        likelihood=likelihood,
        likelihood_quoted=quoted,
        reboot_required=reboot,
        siblings=siblings,
        cves=cves,
        bulletin=bulletin,
        fixed_in=opt_str("fixed_in"),
        notes=notes,
        origin=origin,
    )


def _parse_document(text: str, path: str) -> tuple[tuple[Apar, ...], list[str]]:
    problems = _Problems(path)
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return (), [f"{path}: not valid TOML: {exc} (fix the syntax at that line and column)"]
    for key in sorted(set(doc) - TOP_KEYS):
        problems.add(None, key, "unknown top-level key (expected schema and [[apar]] tables)")
    schema = doc.get("schema", SCHEMA_VERSION)
    if schema != SCHEMA_VERSION:
        problems.add(None, "schema", f"schema {schema!r} is not supported (this version reads {SCHEMA_VERSION})")
    raw_records = doc.get("apar", [])
    if not isinstance(raw_records, list):
        problems.add(None, "apar", "must be an array of tables ([[apar]])")
        raw_records = []
    records: list[Apar] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(raw_records):
        rec = parse_record(raw, problems, i, path)
        raw_id = raw.get("id") if isinstance(raw, dict) else None
        if isinstance(raw_id, str):
            if raw_id in seen:
                problems.add(raw_id, "id", f"duplicate id (also record #{seen[raw_id] + 1})")
            seen.setdefault(raw_id, i)
        if rec is not None:
            records.append(rec)
    return tuple(records), problems.items


def _read(path: Path | None) -> tuple[str, str]:
    if path is None:
        ref = resources.files("viosaudit").joinpath("rules", "data", DEFAULT_CATALOGUE)
        return ref.read_text(encoding="utf-8"), f"viosaudit/rules/data/{DEFAULT_CATALOGUE}"
    try:
        return Path(path).read_text(encoding="utf-8"), str(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogueError(f"{path}: cannot read the catalogue: {exc}") from exc


def validate(path: Path | str | None = None, *, text: str | None = None) -> list[str]:
    """Every problem in a catalogue file, one line each; empty when the file is valid.

    Used by ``viosaudit catalog validate``; ``load_catalogue`` raises on the same problems.
    """
    if text is not None:
        _, problems = _parse_document(text, str(path or "<text>"))
        return problems
    body, name = _read(Path(path) if path is not None else None)
    _, problems = _parse_document(body, name)
    return problems


def load_catalogue(path: Path | str | None = None) -> Catalogue:
    """Load and strictly validate a catalogue (default: the one shipped with viosaudit)."""
    body, name = _read(Path(path) if path is not None else None)
    return loads_catalogue(body, name)


def loads_catalogue(text: str, name: str = "<text>") -> Catalogue:
    records, problems = _parse_document(text, name)
    if problems:
        shown = "\n  ".join(problems[:20])
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise CatalogueError(
            f"{name}: {len(problems)} problem(s); run `viosaudit catalog validate` for the full list:\n  {shown}{more}"
        )
    return Catalogue(path=name, apars=records)


def import_records(path: Path | str, base: Catalogue | None = None, *, replace_existing: bool = False) -> Catalogue:
    """Merge records from another catalogue TOML or from an IBM FLRT feed (``*.csv``) into ``base``.

    ``base`` defaults to the shipped catalogue. An id present in both is an error unless
    ``replace_existing``; the imported records keep their own sources (for FLRT rows, the feed line).
    """
    from viosaudit.rules import flrt  # local import: flrt builds on this module

    base = base if base is not None else load_catalogue()
    p = Path(path)
    records = flrt.import_feed(p) if p.suffix.lower() == ".csv" else load_catalogue(p).apars
    return base.merged(records, replace_existing=replace_existing, origin=str(p))


# ---------------------------------------------------------------- writing TOML by hand (no tomli-w)


def _q(value: str) -> str:
    """A TOML basic string, escaping what TOML requires."""
    out = []
    for ch in value:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _qlist(values: Sequence[str]) -> str:
    return "[" + ", ".join(_q(v) for v in values) + "]"


def _key(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else _q(name)


def dump_record(apar: Apar) -> str:
    """One record as TOML text that ``load_catalogue`` reads back to an equal ``Apar``."""
    lines = ["[[apar]]", f"id = {_q(apar.id)}", f"title = {_q(apar.title)}", f"type = {_q(apar.type.value)}"]
    if apar.summary is not None:
        lines.append(f"summary = {_q(apar.summary)}")
    if apar.preconditions:
        lines.append(f"preconditions = {_qlist([p.value for p in apar.preconditions])}")
    if apar.client_os:
        lines.append(f"client_os = {_qlist([c.value for c in apar.client_os])}")
    if apar.likelihood is not None:
        lines.append(f"likelihood = {_q(apar.likelihood)}")
        if apar.likelihood_quoted:
            lines.append("likelihood_quoted = true")
    if apar.reboot_required is not None:
        lines.append(f"reboot_required = {'true' if apar.reboot_required else 'false'}")
    for name, values in (
        ("ifixes", apar.ifixes),
        ("remediating_apars", apar.remediating_apars),
        ("siblings", apar.siblings),
        ("cves", apar.cves),
    ):
        if values:
            lines.append(f"{name} = {_qlist(values)}")
    if apar.bulletin is not None:
        lines.append(f"bulletin = {_q(apar.bulletin)}")
    if apar.fixed_in is not None:
        lines.append(f"fixed_in = {_q(apar.fixed_in)}")
    if apar.notes is not None:
        lines.append(f"notes = {_q(apar.notes)}")
    lines.append("[apar.sources]")
    lines.extend(f"{_key(k)} = {_q(v)}" for k, v in apar.sources)
    for lr in apar.level_ranges:
        lines.append("[[apar.level_range]]")
        lines.append(f"release = {_q(lr.release)}")
        for name, lvl in (("low", lr.low), ("high", lr.high), ("fixed", lr.fixed)):
            if lvl is not None:
                lines.append(f"{name} = {_q(str(lvl))}")
        if lr.apar:
            lines.append(f"apar = {_q(lr.apar)}")
        if lr.ifixes:
            lines.append(f"ifixes = {_qlist(lr.ifixes)}")
        lines.append(f"source = {_q(lr.source)}")
    for fr in apar.fileset_ranges:
        lines.append("[[apar.fileset_range]]")
        lines.append(f"fileset = {_q(fr.fileset)}")
        if fr.release:
            lines.append(f"release = {_q(fr.release)}")
        if fr.low is not None:
            lines.append(f"low = {_q(str(fr.low))}")
        if fr.high is not None:
            lines.append(f"{'high' if fr.high_inclusive else 'below'} = {_q(str(fr.high))}")
        lines.append(f"source = {_q(fr.source)}")
    return "\n".join(lines) + "\n"


def dump_catalogue(catalogue: Catalogue) -> str:
    """A whole catalogue as TOML text (e.g. after ``import_records``), readable by ``load_catalogue``."""
    head = f"# viosaudit APAR catalogue (written by viosaudit from {catalogue.path})\nschema = {SCHEMA_VERSION}\n"
    return head + "".join("\n" + dump_record(a) for a in catalogue.apars)
