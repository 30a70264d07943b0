"""Business services touched by a change, from the site's service map: which partitions, and what the
change does to each service (its worst partition decides)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from viosaudit.business import UNMAPPED, BusinessService, Criticality, service_of


class Effect(StrEnum):
    """What a change does to a partition (and so to its service)."""

    STOPPED = "stopped"  # single VIOS: stopped for the fix
    ONE_PATH = "one path"  # loses the I/O it has through the one VIOS being restarted
    NOT_RUNNING = "not running"  # depends on the VIOS, but is not running now: no service stops
    NONE = "none"  # the other VIOS keeps it running

    @property
    def interrupts(self) -> bool:
        return self in (Effect.STOPPED, Effect.ONE_PATH)


@dataclass(frozen=True, slots=True)
class ServiceEffect:
    service: str
    owners: tuple[str, ...]
    criticality: Criticality
    partitions: tuple[str, ...]
    effect: Effect

    @property
    def mapped(self) -> bool:
        """Whether the service map names a service for these partitions."""
        return self.service != UNMAPPED


def _order(s: ServiceEffect) -> tuple[int, str]:
    return (-s.criticality.weight, s.service.lower())


def service_effects(
    services: Mapping[str, BusinessService], partitions: Iterable[str], effect_of: Mapping[str, Effect]
) -> tuple[ServiceEffect, ...]:
    """Partitions grouped by service, most critical first; a service's effect is its worst partition's."""
    by_service: dict[str, list[str]] = defaultdict(list)
    for name in dict.fromkeys(partitions):
        by_service[service_of(services, name).service].append(name)
    rows = []
    for service, names in by_service.items():
        effects = [effect_of.get(n, Effect.NONE) for n in names]
        effect = next((e for e in effects if e.interrupts), effects[0])
        owners = tuple(dict.fromkeys(o for o in (service_of(services, n).owner for n in names) if o))
        rows.append(ServiceEffect(service, owners, service_of(services, names[0]).criticality, tuple(names), effect))
    return tuple(sorted(rows, key=_order))


def merged(effects: Iterable[ServiceEffect]) -> tuple[ServiceEffect, ...]:
    """One row per service over several changes: interrupted ones first, then by criticality."""
    rows: dict[str, ServiceEffect] = {}
    for e in effects:
        prev = rows.get(e.service)
        if prev is None:
            rows[e.service] = e
            continue
        rows[e.service] = ServiceEffect(
            e.service,
            tuple(dict.fromkeys((*prev.owners, *e.owners))),
            prev.criticality,
            tuple(dict.fromkeys((*prev.partitions, *e.partitions))),
            prev.effect if prev.effect.interrupts else e.effect,
        )
    return tuple(sorted(rows.values(), key=lambda s: (not s.effect.interrupts, not s.mapped, *_order(s))))
