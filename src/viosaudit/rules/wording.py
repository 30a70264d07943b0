"""Plain-language phrases shared by the rules: who is interrupted, which services, what to do."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from viosaudit.business import UNMAPPED, BusinessService, Criticality, service_of
from viosaudit.model import ClientLpar
from viosaudit.rules.topology import RebootImpact


def names(clients: Iterable[ClientLpar]) -> tuple[str, ...]:
    return tuple(sorted(c.name for c in clients))


def and_list(items: Iterable[str], limit: int | None = None, empty: str = "") -> str:
    """The one joiner: "A", "A and B", "A, B and C"; past ``limit`` "A, B, C, D and 2 more".

    Empty items and repeats are dropped; no items gives ``empty``.
    """
    unique = list(dict.fromkeys(i for i in items if i))
    if not unique:
        return empty
    if limit is not None and len(unique) > limit:
        return f"{', '.join(unique[:limit])} and {len(unique) - limit} more"
    if len(unique) == 1:
        return unique[0]
    return f"{', '.join(unique[:-1])} and {unique[-1]}"


def services_phrase(
    partitions: Iterable[str], services: Mapping[str, BusinessService], *, short: bool = False, limit: int = 3
) -> str:
    """The business services these partitions carry, most critical first.

    For findings: "Payments (critical), Web shop (high), no service recorded for batch01". ``short``,
    for page 1 and the change board: "Payments, Web shop, CRM and 2 more, and 1 virtual machine with no
    service recorded".
    """
    seen: dict[str, Criticality] = {}
    unmapped: list[str] = []
    for name in dict.fromkeys(partitions):
        svc = service_of(services, name)
        if svc.service == UNMAPPED:
            unmapped.append(name)
        elif svc.service not in seen or svc.criticality.weight > seen[svc.service].weight:
            seen[svc.service] = svc.criticality
    ordered = [name for name, _crit in sorted(seen.items(), key=lambda item: (-item[1].weight, item[0].lower()))]
    if short:
        parts = ordered[:limit] + ([f"{len(ordered) - limit} more"] if len(ordered) > limit else [])
        if unmapped:
            parts.append(f"{plural(len(unmapped), 'virtual machine')} with no service recorded")
        return and_list(parts)
    named = [f"{name} ({seen[name].value})" for name in ordered]
    if unmapped:
        named.append(f"no service recorded for {', '.join(sorted(unmapped))}")
    return ", ".join(named) or "no recorded services"


def plural(count: int, singular: str, many: str | None = None) -> str:
    """``plural(1, "server")`` -> "1 server"; ``plural(3, "server")`` -> "3 servers"."""
    return f"{count} {singular if count == 1 else (many or singular + 's')}"


def maintenance_phrase(impact: RebootImpact, services: Mapping[str, BusinessService]) -> str:
    """What patching (rebooting) this VIOS costs the business."""
    if impact.outage:
        who = names(impact.outage)
        text = (
            f"Patching {impact.vios.name} needs an outage of {plural(len(who), 'partition')} "
            f"({', '.join(who)}), carrying {services_phrase(who, services)}."
        )
    elif impact.unknown:
        who = names(impact.unknown)
        return (
            f"Cannot confirm that {impact.vios.name} can be patched without interruption: "
            f"{impact.reason or 'data missing'}; possibly affected: {', '.join(who)}." + stopped_phrase(impact)
        )
    else:
        return (
            f"{impact.vios.name} can be patched and rebooted with no interruption: "
            "every running client keeps its paths through another VIOS." + stopped_phrase(impact)
        )
    if impact.unknown:
        text += f" Also possibly affected ({impact.reason}): {', '.join(names(impact.unknown))}."
    return text + stopped_phrase(impact)


def stopped_phrase(impact: RebootImpact) -> str:
    """The clients that depend on the VIOS but are not running: no service stops, listed apart."""
    if not impact.stopped:
        return ""
    return (
        f" Not running now, so not interrupted (but without I/O while {impact.vios.name} is down): "
        + ", ".join(f"{c.name} ({c.state})" for c in sorted(impact.stopped, key=lambda c: c.name))
        + "."
    )
