"""Plain-language phrases shared by the rules: who is interrupted, which services, what to do."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from viosaudit.business import UNMAPPED, BusinessService, Criticality, service_of
from viosaudit.model import ClientLpar
from viosaudit.rules.topology import RebootImpact


def names(clients: Iterable[ClientLpar]) -> tuple[str, ...]:
    return tuple(sorted(c.name for c in clients))


def services_phrase(partitions: Iterable[str], services: Mapping[str, BusinessService]) -> str:
    """'Payments (critical), Web shop (high)' for the services carried by these partitions."""
    seen: dict[str, Criticality] = {}
    unmapped: list[str] = []
    for name in partitions:
        svc = service_of(services, name)
        if svc.service == UNMAPPED:
            unmapped.append(name)
        elif svc.service not in seen or svc.criticality.weight > seen[svc.service].weight:
            seen[svc.service] = svc.criticality
    ordered = sorted(seen.items(), key=lambda item: (-item[1].weight, item[0]))
    parts = [f"{name} ({crit.value})" for name, crit in ordered]
    if unmapped:
        parts.append(f"no service recorded for {', '.join(sorted(unmapped))}")
    return ", ".join(parts) or "no recorded services"


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
