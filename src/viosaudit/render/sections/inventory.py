"""Inventory section: servers, VIOS and client partitions, with their status and redundancy."""

from __future__ import annotations

from collections import defaultdict

from viosaudit.business import service_of
from viosaudit.model import ClientLpar, PartitionEnv, PartitionKey
from viosaudit.plan import Plan
from viosaudit.render.view import ClientRow, Inventory, SystemRow, ViosRow
from viosaudit.render.wording import client_io, vios_data, words
from viosaudit.rules.topology import Topology

ENV_NAMES = {PartitionEnv.AIX_LINUX: "AIX/Linux", PartitionEnv.IBM_I: "IBM i"}


def inventory(plan: Plan, topology: Topology) -> Inventory:
    systems = tuple(
        SystemRow(
            name=s.system.name,
            serial=s.system.serial,
            type_model=s.system.type_model or "unknown",
            state=s.system.state or "unknown",
            design=s.design,
            vios_count=s.vios_count,
            client_count=s.client_count,
            status=s.status,
        )
        for s in plan.systems
    )
    vios = []
    for state in plan.vios:
        v = state.vios
        level = str(v.level.value) if v.level.ok and v.level.value is not None else words(v.level.status)
        if v.ifixes.ok:
            ifixes = ", ".join(f"{i.label} ({i.state.value})" for i in v.ifixes.value or ()) or "none"
        else:
            ifixes = words(v.ifixes.status)
        vios.append(
            ViosRow(
                managed_system=v.managed_system,
                name=v.name,
                partition_id=v.key.partition_id,
                state=v.state or "unknown",
                level=level,
                ifixes=ifixes,
                data=vios_data(state),
                status=state.status,
                clients_served=len(state.clients),
            )
        )
    clients = []
    for io in plan.clients:
        c = io.client
        service = service_of(plan.services, c.name)
        clients.append(
            ClientRow(
                managed_system=c.managed_system,
                name=c.name,
                partition_id=c.key.partition_id,
                env=ENV_NAMES.get(c.env, c.env.value),
                state=c.state or "unknown",
                os_version=c.os_version or "",
                paths=path_lines(c, topology),
                redundancy=client_io(io),
                service=service.service,
                owner=service.owner,
                criticality=service.criticality,
            )
        )
    return Inventory(systems, tuple(vios), tuple(clients))


def path_lines(client: ClientLpar, topology: Topology) -> tuple[str, ...]:
    """One line per VIOS: "vios1: vscsi vhost0 (hdisk2, hdisk3); npiv vfchost1 (fcs0); network C10 (VLAN 10)"."""
    by_vios: dict[PartitionKey, dict[str, dict[str, list[str]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(list))
    )
    paths = topology.paths_by_client.get(client.key, ())
    for p in sorted(paths, key=lambda p: (p.vios, p.kind.value, p.server_adapter)):
        devices = by_vios[p.vios][p.kind.value][p.server_adapter]
        if p.device:
            devices.append(p.device)

    def name(key: PartitionKey) -> str:
        vios = topology.vios_by_key.get(key)
        return vios.name if vios else f"partition {key.partition_id}"

    return tuple(
        f"{name(vios)}: "
        + "; ".join(
            f"{kind} "
            + ", ".join(
                f"{adapter} ({', '.join(devices)})" if devices else adapter for adapter, devices in adapters.items()
            )
            for kind, adapters in kinds.items()
        )
        for vios, kinds in by_vios.items()
    )
