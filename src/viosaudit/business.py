"""Business context: which service each client LPAR carries, who owns it, how critical it is.

Read from a small CSV kept by the site (``partition_name,service,owner,criticality``); the reports use
it to turn "6 partitions" into "an outage of Payments and the Web shop". The file is read strictly: UTF-8,
one record per line (a quote left open would swallow the next rows), exactly one field per column,
each row checked against ``ServiceRow``, and a partition listed twice is refused (neither row would be
right to prefer silently). Every refusal names the file and the line.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import msgspec

from viosaudit.errors import ConfigError
from viosaudit.schema import PRINTABLE, convert, decode_utf8, read_limited


class Criticality(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    UNKNOWN = "unknown"

    @property
    def weight(self) -> int:
        return _WEIGHT[self.value]


_WEIGHT = {"critical": 4, "high": 3, "medium": 2, "low": 1, "unknown": 2}  # looked up for every client


@dataclass(frozen=True, slots=True)
class BusinessService:
    partition_name: str
    service: str
    owner: str
    criticality: Criticality


UNMAPPED = "(no service recorded)"

COLUMNS = ("partition_name", "service", "owner", "criticality")
CHOICES = {"criticality": tuple(c.value for c in Criticality)}
MAX_BYTES = 64 * 1024 * 1024


Name = Annotated[str, msgspec.Meta(min_length=1, pattern=PRINTABLE)]
Text = Annotated[str, msgspec.Meta(pattern=PRINTABLE)]


class ServiceRow(msgspec.Struct, frozen=True):
    """One data row of the service map, as declared in the README (extra columns are ignored)."""

    partition_name: Name
    service: Text
    owner: Text
    criticality: Criticality


def load_services(path: Path) -> dict[str, BusinessService]:
    """Read the service map; a bad row names the file and line."""
    data = read_limited(path, MAX_BYTES, ConfigError, "a business service map")
    text = decode_utf8(data, str(path), ConfigError, "service map")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    services: dict[str, BusinessService] = {}
    first_seen: dict[str, int] = {}
    header: list[str] | None = None
    start = 1  # the line the next record starts on
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            hint = "; a quote left open?" if "end of data" in str(exc) else ""
            raise ConfigError(f"{path}, line {start}: not a well-formed CSV line ({exc}){hint}") from None
        line_no, start = start, reader.line_num + 1
        if any("\n" in f or "\r" in f for f in fields):
            raise ConfigError(
                f"{path}, line {line_no}: a quoted field runs over the end of its line (a quote left open?); "
                "each row must be one line"
            )
        if header is None:
            header = [f.strip() for f in fields]
            missing = [c for c in COLUMNS if c not in header]
            if missing:
                raise ConfigError(f"{path}: missing column(s) {', '.join(missing)}; expected {','.join(COLUMNS)}")
            continue
        if not fields:
            continue  # a blank line
        if len(fields) != len(header):
            raise ConfigError(
                f"{path}, line {line_no}: {len(fields)} field(s), expected {len(header)} ({','.join(header)})"
            )
        row = {name: value.strip() for name, value in zip(header, fields, strict=True)}
        row["criticality"] = row["criticality"].lower() or Criticality.UNKNOWN.value
        checked = convert(row, ServiceRow, f"{path}, line {line_no}", ConfigError, choices=CHOICES)
        name = checked.partition_name
        if name in first_seen:
            raise ConfigError(
                f"{path}, line {line_no}: partition {name!r} is listed again (first on line "
                f"{first_seen[name]}); keep one row per partition"
            )
        first_seen[name] = line_no
        services[name] = BusinessService(
            partition_name=name,
            service=checked.service or UNMAPPED,
            owner=checked.owner,
            criticality=checked.criticality,
        )
    if header is None:
        raise ConfigError(f"{path}: empty; expected the header {','.join(COLUMNS)}")
    return services


def service_of(services: Mapping[str, BusinessService], partition_name: str) -> BusinessService:
    return services.get(
        partition_name, BusinessService(partition_name, UNMAPPED, "", Criticality.UNKNOWN)
    )
