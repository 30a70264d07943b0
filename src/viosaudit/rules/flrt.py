"""Import IBM's FLRT vulnerability feed (``apar.csv``, the file IBM's FLRTVC script reads).

Format (as read by IBM's ``flrtvc.ksh``)::

    type,product,versions,abstract,apars,fixedIn,ifixes,bulletinUrl,filesets,issued,updated,siblings,download,cvss,reboot
    0.8.1,2024.05.01                                   <- newer downloads only: feed version, date
    sec,vios,3.1.2,Vulnerability in the lpd daemon,IJ30447,3.1.2.20,IJ30447s1a.210210.epkg.Z,https://...,bos.rte.printers:7.2.5.0-7.2.5.0,20210216,,,https://...,,yes

``filesets`` holds ``name:spec`` items separated by blanks or commas (a quoted field), several specs
per name as ``name:spec:spec``. A spec is an inclusive range ``a-b`` (``a- b`` is accepted, as
flrtvc repairs it), ``<x``, ``<=x``, an exact level, an ``x`` wildcard (``7.2.5.x``) or empty (every
level). Rows are kept when ``product`` is ``vios``, or ``aix`` with a ``versions`` entry on a VIOS
base (6100 for 2.2, 7200 for 3.1, 7300 for 4.1). Rows with the same APAR merge into one record.
A header that differs, a row with the wrong number of columns, an unknown type or a fileset spec
that cannot be read is a ``CatalogueError`` naming the file and line: a silently skipped row would
be a missing finding. The feed is IBM's: sites download it; viosaudit imports it, never ships it.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from viosaudit.errors import CatalogueError
from viosaudit.model import Level
from viosaudit.rules.catalogue import (
    APAR_ID,
    CVE_ID,
    RELEASE,
    Apar,
    AparType,
    FilesetRange,
)

COLUMNS = (
    "type",
    "product",
    "versions",
    "abstract",
    "apars",
    "fixedIn",
    "ifixes",
    "bulletinUrl",
    "filesets",
    "issued",
    "updated",
    "siblings",
    "download",
    "cvss",
    "reboot",
)
HEADER = ",".join(COLUMNS)
VERSION_LINE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]*")
FEED_DATE = re.compile(r"\d{4}\.\d{2}\.\d{2}")
TYPES = {"sec": AparType.SECURITY, "hiper": AparType.HIPER}
VIOS_AIX_BASES = ("6100", "7200", "7300")


@dataclass(frozen=True, slots=True)
class FlrtRow:
    """One data row of the feed with the line it started on (a quoted field may span lines)."""

    line: int
    values: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, column: str) -> str:
        return self.values[column]


@dataclass(frozen=True, slots=True)
class FlrtFeed:
    path: str
    version: str | None
    date: str | None
    rows: tuple[FlrtRow, ...]

    @property
    def label(self) -> str:
        stamp = f"{self.version} {self.date}" if self.version else "undated"
        return f"{Path(self.path).name} ({stamp})"


def _err(path: str, line: int, text: str) -> CatalogueError:
    return CatalogueError(f"{path}: line {line}: {text}")


def parse_feed(text: str, path: str = "<apar.csv>") -> FlrtFeed:
    """Read the CSV text strictly; identical rows are kept once (as flrtvc does)."""
    text = text.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[FlrtRow] = []
    version: str | None = None
    date: str | None = None
    seen: set[tuple[str, ...]] = set()
    start = 1
    first = True
    for record in reader:
        line = start
        start = reader.line_num + 1
        if first:
            first = False
            got = ",".join(v.strip() for v in record)
            if got != HEADER:
                raise _err(
                    path,
                    line,
                    f"unexpected header {got[:200]!r}; expected {HEADER!r} (IBM may have changed the feed "
                    "format: check the file is FLRT's apar.csv and update viosaudit if the columns changed)",
                )
            continue
        if not record or all(not v.strip() for v in record):
            continue
        if (
            not rows
            and version is None
            and len(record) == 2
            and VERSION_LINE.fullmatch(record[0].strip())
            and FEED_DATE.fullmatch(record[1].strip())
        ):
            version, date = record[0].strip(), record[1].strip()
            continue
        if len(record) != len(COLUMNS):
            raise _err(path, line, f"{len(record)} columns, expected {len(COLUMNS)} ({HEADER})")
        key = tuple(record)
        if key in seen:
            continue
        seen.add(key)
        rows.append(FlrtRow(line=line, values=dict(zip(COLUMNS, (v.strip() for v in record), strict=True))))
    if first:
        raise _err(path, 1, "empty file: expected the FLRT header line " + repr(HEADER))
    return FlrtFeed(path=path, version=version, date=date, rows=tuple(rows))


def _wildcard(spec: str) -> tuple[Level, Level] | None:
    """'7.2.5.x' -> (7.2.5.0, 7.2.6): low inclusive, high exclusive; None when there is no 'x'."""
    parts = spec.split(".")
    if "x" not in parts:
        return None
    cut = parts.index("x")
    if any(p != "x" for p in parts[cut:]) or cut == 0:
        raise ValueError(f"wildcard only allowed in trailing fields: {spec!r}")
    fixed = [int(p) for p in parts[:cut]]
    upper = [*fixed[:-1], fixed[-1] + 1]
    return Level(tuple(fixed)), Level(tuple(upper))


def parse_spec(fileset: str, spec: str, source: str, release: str | None = None) -> FilesetRange:
    """One FLRT version spec for ``fileset`` as a ``FilesetRange`` (raises ValueError when unreadable)."""
    spec = re.sub(r"(\d)-\s+(\d)", r"\1-\2", spec.strip())
    if spec == "":
        return FilesetRange(fileset, Level((0,)), None, source, release=release)
    if spec.startswith("<="):
        return FilesetRange(fileset, None, Level.parse(spec[2:]), source, release=release)
    if spec.startswith("<"):
        return FilesetRange(fileset, None, Level.parse(spec[1:]), source, high_inclusive=False, release=release)
    if "-" in spec:
        low_text, _, high_text = spec.partition("-")
        low_w = _wildcard(low_text.strip())
        high_w = _wildcard(high_text.strip())
        low = low_w[0] if low_w else Level.parse(low_text)
        if high_w:
            rng = FilesetRange(fileset, low, high_w[1], source, high_inclusive=False, release=release)
        else:
            rng = FilesetRange(fileset, low, Level.parse(high_text), source, release=release)
        if rng.low is not None and rng.high is not None and rng.low > rng.high:
            raise ValueError(f"low end above high end: {spec!r}")
        return rng
    wild = _wildcard(spec)
    if wild:
        return FilesetRange(fileset, wild[0], wild[1], source, high_inclusive=False, release=release)
    level = Level.parse(spec)
    return FilesetRange(fileset, level, level, source, release=release)


def parse_filesets(field_text: str, source: str, releases: tuple[str, ...] = ()) -> tuple[FilesetRange, ...]:
    """The ``filesets`` column: ``name:spec[:spec]`` items separated by blanks or commas."""
    text = re.sub(r"(\d)-\s+(\d)", r"\1-\2", field_text)
    out: list[FilesetRange] = []
    for item in re.split(r"[\s,]+", text.strip()):
        if not item:
            continue
        name, sep, rest = item.partition(":")
        if not name or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._+-]*", name):
            raise ValueError(f"not a fileset name: {item!r}")
        specs = rest.split(":") if sep else [""]
        for spec in specs:
            for release in releases or (None,):
                out.append(parse_spec(name, spec, source, release))
    if not out:
        raise ValueError("no filesets listed")
    return tuple(out)


def _ids(text: str) -> list[str]:
    return [t for t in re.split(r"[\s,/;]+", text.strip()) if t]


def _vios_releases(row: FlrtRow) -> tuple[str, ...]:
    """VIOS release lines named in ``versions`` of a vios row ('3.1.2', '3.1.2.20' -> '3.1.2')."""
    out = []
    for token in _ids(row["versions"]):
        m = re.fullmatch(r"(\d+\.\d+\.\d+)(?:\.[\dx]+)?", token)
        if m and RELEASE.fullmatch(m.group(1)) and token.split(".")[0] in {"2", "3", "4"}:
            out.append(m.group(1))
    return tuple(dict.fromkeys(out))


def is_vios_relevant(row: FlrtRow, aix_bases: tuple[str, ...] = VIOS_AIX_BASES) -> bool:
    product = row["product"].lower()
    if "vios" in product:
        return True
    if product == "aix":
        return any(token[:4] in aix_bases for token in _ids(row["versions"]))
    return False


@dataclass
class _Builder:
    id: str
    title: str
    type: AparType
    source: str
    cves: list[str] = field(default_factory=list)
    apars: list[str] = field(default_factory=list)
    ifixes: list[str] = field(default_factory=list)
    siblings: list[str] = field(default_factory=list)
    ranges: list[FilesetRange] = field(default_factory=list)
    bulletin: str | None = None
    fixed_in: list[str] = field(default_factory=list)
    reboot: bool | None = None
    lines: list[int] = field(default_factory=list)
    deprecated: list[str] = field(default_factory=list)

    def build(self, feed: FlrtFeed) -> Apar:
        src = self.source
        sources = {"id": src, "title": src, "type": src}
        apars = [a for a in dict.fromkeys(self.apars) if a != self.id]
        if apars:
            sources["remediating_apars"] = src
        cves = list(dict.fromkeys(c for c in self.cves if c != self.id))
        if cves:
            sources["cves"] = src
        ifixes = list(dict.fromkeys(self.ifixes))
        if ifixes:
            sources["ifixes"] = src
        siblings = [s for s in dict.fromkeys(self.siblings) if s != self.id]
        if siblings:
            sources["siblings"] = src
        if self.bulletin:
            sources["bulletin"] = src
        if self.reboot is not None:
            sources["reboot_required"] = src
        fixed_in = ", ".join(dict.fromkeys(self.fixed_in)) or None
        if fixed_in:
            sources["fixed_in"] = src
        notes = f"Imported from IBM's FLRT feed {feed.label}, line(s) {', '.join(map(str, self.lines))}."
        if self.deprecated:
            notes += f" Deprecated fixes (not counted as remediation): {', '.join(self.deprecated)}."
        return Apar(
            id=self.id,
            title=self.title,
            type=self.type,
            sources=tuple(sources.items()),
            fileset_ranges=tuple(dict.fromkeys(self.ranges)),
            ifixes=tuple(ifixes),
            remediating_apars=tuple(apars),
            reboot_required=self.reboot,
            siblings=tuple(siblings),
            cves=tuple(cves),
            bulletin=self.bulletin,
            fixed_in=fixed_in,
            notes=notes,
            origin=f"{feed.path}",
        )


def _reboot(text: str) -> bool | None:
    value = text.strip().lower()
    if not value:
        return None
    # "yes" or "LU ..." (reboot unless Live Update is used): count as a reboot
    return value not in {"no", "n", "false"}


def _record_id(feed: FlrtFeed, row: FlrtRow) -> tuple[str, list[str], list[str]]:
    ids = _ids(row["apars"])
    apar_ids = [i.upper() for i in ids if APAR_ID.fullmatch(i.upper())]
    cve_ids = [i.upper() for i in ids if CVE_ID.fullmatch(i.upper())]
    unknown = [i for i in ids if not APAR_ID.fullmatch(i.upper()) and not CVE_ID.fullmatch(i.upper())]
    if unknown or not (apar_ids or cve_ids):
        raise _err(feed.path, row.line, f"apars column {row['apars']!r}: no APAR/CVE id, or unknown ids {unknown}")
    return (apar_ids[0] if apar_ids else cve_ids[0]), apar_ids, cve_ids


def to_apars(feed: FlrtFeed, aix_bases: tuple[str, ...] = VIOS_AIX_BASES) -> tuple[Apar, ...]:
    """Catalogue records for the VIOS-relevant rows, one per APAR id (rows for the same id merge).

    Fileset ranges are scoped to a VIOS release line only when the APAR has ``vios`` rows for two or
    more release lines: IBM then gives per-line bounds (IV91339: 2.2.4 up to 6.1.9.102, 2.2.5 up to
    6.1.9.200). A single-line row stays unscoped, so a fileset level inside the range is reported on
    any VIOS: the conservative reading, since an unscoped range can only add exposure.
    """
    relevant = [row for row in feed.rows if is_vios_relevant(row, aix_bases)]
    lines_by_id: dict[str, set[str]] = {}
    for row in relevant:
        if "vios" in row["product"].lower():
            rid = _record_id(feed, row)[0]
            lines_by_id.setdefault(rid, set()).update(_vios_releases(row))
    builders: dict[str, _Builder] = {}
    for row in relevant:
        where = f"flrt:{Path(feed.path).name}@{feed.date or 'undated'}:line {row.line}"
        rtype = TYPES.get(row["type"].strip().lower())
        if rtype is None:
            raise _err(feed.path, row.line, f"unknown type {row['type']!r} (known: {', '.join(TYPES)})")
        record_id, apar_ids, cve_ids = _record_id(feed, row)
        if not row["abstract"]:
            raise _err(feed.path, row.line, "empty abstract")
        scoped = "vios" in row["product"].lower() and len(lines_by_id.get(record_id, ())) >= 2
        releases = _vios_releases(row) if scoped else ()
        try:
            ranges = parse_filesets(row["filesets"], where, releases)
        except ValueError as exc:
            raise _err(feed.path, row.line, f"filesets column {row['filesets']!r}: {exc}") from None
        b = builders.get(record_id)
        if b is None:
            b = builders[record_id] = _Builder(record_id, row["abstract"], rtype, where)
        b.lines.append(row.line)
        b.apars += apar_ids
        b.cves += cve_ids
        b.ranges += ranges
        for fix in _ids(row["ifixes"]):
            label = fix.removeprefix("DEPRECATED::").split(".")[0]
            if fix.startswith("DEPRECATED::"):
                b.deprecated.append(label)
            elif label:
                b.ifixes.append(label)
        b.siblings += [s.upper() for s in _ids(row["siblings"]) if APAR_ID.fullmatch(s.upper())]
        if row["bulletinUrl"]:
            b.bulletin = row["bulletinUrl"]
        if row["fixedIn"]:
            b.fixed_in.append(row["fixedIn"])
        reboot = _reboot(row["reboot"])
        if reboot is not None:
            b.reboot = reboot if b.reboot is None else (b.reboot or reboot)
    return tuple(b.build(feed) for b in builders.values())


def import_feed(path: Path | str) -> tuple[Apar, ...]:
    """Read an ``apar.csv`` file and return its VIOS-relevant records."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8", errors="strict")
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogueError(f"{p}: cannot read the FLRT feed: {exc}") from exc
    return to_apars(parse_feed(text, str(p)))
