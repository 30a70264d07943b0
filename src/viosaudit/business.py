"""Business context: which service each client LPAR carries, who owns it, how critical it is.

Read from a small CSV kept by the site (``partition_name,service,owner,criticality``); the reports use
it to turn "6 partitions" into "an outage of Payments and the Web shop".
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from viosaudit.errors import ConfigError


class Criticality(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    UNKNOWN = "unknown"

    @property
    def weight(self) -> int:
        return {"critical": 4, "high": 3, "medium": 2, "low": 1, "unknown": 2}[self.value]


@dataclass(frozen=True, slots=True)
class BusinessService:
    partition_name: str
    service: str
    owner: str
    criticality: Criticality


UNMAPPED = "(no service recorded)"

COLUMNS = ("partition_name", "service", "owner", "criticality")


def load_services(path: Path) -> dict[str, BusinessService]:
    """Read the service map; a bad row names the file and line."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the business service map: {exc}") from exc
    reader = csv.DictReader(text.splitlines())
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ConfigError(f"{path}: missing column(s) {', '.join(missing)}; expected {','.join(COLUMNS)}")
    services: dict[str, BusinessService] = {}
    for line_no, row in enumerate(reader, start=2):
        name = (row["partition_name"] or "").strip()
        if not name:
            raise ConfigError(f"{path}, line {line_no}: empty partition_name")
        try:
            criticality = Criticality((row["criticality"] or "unknown").strip().lower())
        except ValueError as exc:
            allowed = ", ".join(c.value for c in Criticality)
            raise ConfigError(
                f"{path}, line {line_no}: criticality {row['criticality']!r} is not one of {allowed}"
            ) from exc
        services[name] = BusinessService(
            partition_name=name,
            service=(row["service"] or "").strip() or UNMAPPED,
            owner=(row["owner"] or "").strip(),
            criticality=criticality,
        )
    return services


def service_of(services: Mapping[str, BusinessService], partition_name: str) -> BusinessService:
    return services.get(
        partition_name, BusinessService(partition_name, UNMAPPED, "", Criticality.UNKNOWN)
    )
