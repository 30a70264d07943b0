"""Who depends on which VIOS: indexes built once per estate, and what a VIOS reboot would interrupt.

A client loses a kind of I/O (vSCSI disks, NPIV ports) when every path of that kind runs through the
VIOS being rebooted. Where a VIOS's mappings were not collected we cannot tell, and say so.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from viosaudit.model import ClientLpar, Estate, IoPath, PartitionKey, PathKind, Vios

STORAGE = (PathKind.VSCSI, PathKind.NPIV)
ALL_KINDS = (*STORAGE, PathKind.NETWORK)
HMC_VIEW = {PathKind.VSCSI: "lshwres_scsi", PathKind.NPIV: "lshwres_fc", PathKind.NETWORK: "lshwres_eth"}


@dataclass(frozen=True, slots=True)
class RebootImpact:
    """What rebooting one VIOS does to its clients.

    ``outage``: clients that lose all their disks, all their NPIV ports or their bridged network.
    ``unknown``: clients that may depend on it, where the data to decide was not collected.
    """

    vios: Vios
    outage: tuple[ClientLpar, ...]
    unknown: tuple[ClientLpar, ...]
    reason: str | None

    @property
    def rolling(self) -> bool:
        """True only when we know no client is interrupted."""
        return not self.outage and not self.unknown


@dataclass(frozen=True, slots=True)
class PathStatus:
    """How one client reaches one kind of I/O: through ``via`` (VIOS names); ``missing`` names the VIOS
    whose data we lack and that might also serve it."""

    kind: PathKind
    via: tuple[str, ...]
    missing: tuple[str, ...]

    @property
    def state(self) -> str:
        """'redundant', 'single', 'unknown' or 'none' (the client does not use this kind)."""
        if len(self.via) >= 2:
            return "redundant"
        if self.missing:
            return "unknown"
        return "single" if self.via else "none"


class Topology:
    """Indexes over an estate, built once, so rules stay linear in its size."""

    def __init__(self, estate: Estate) -> None:
        self.estate = estate
        self.vioses_by_serial: dict[str, list[Vios]] = defaultdict(list)
        self.clients_by_serial: dict[str, list[ClientLpar]] = defaultdict(list)
        self.serving: dict[tuple[PartitionKey, PathKind], set[PartitionKey]] = defaultdict(set)
        self.linked: dict[tuple[PartitionKey, PathKind], set[PartitionKey]] = defaultdict(set)
        self.paths_by_vios: dict[PartitionKey, list[IoPath]] = defaultdict(list)
        self.paths_by_client: dict[PartitionKey, list[IoPath]] = defaultdict(list)
        for v in estate.vioses:
            self.vioses_by_serial[v.key.serial].append(v)
        for c in estate.clients:
            self.clients_by_serial[c.key.serial].append(c)
        for p in estate.paths:
            self.serving[(p.client, p.kind)].add(p.vios)
            self.paths_by_vios[p.vios].append(p)
            self.paths_by_client[p.client].append(p)
        for link in estate.links:
            self.linked[(link.client, link.kind)].add(link.vios)
        self._links_missing = {
            (s.serial, kind)
            for s in estate.systems
            for kind, command_id in HMC_VIEW.items()
            if (s.serial, command_id) not in estate.hmc_views
        }

    def collected(self, vios: Vios, kind: PathKind) -> bool:
        """Whether we know what this VIOS serves: its lsmap for storage, the HMC's trunk adapters for
        networks (a SEA bridges the VLANs of its trunk adapters)."""
        if kind is PathKind.NETWORK:
            return (vios.key.serial, kind) not in self._links_missing
        return (vios.vscsi if kind is PathKind.VSCSI else vios.npiv).ok

    def served_by(self, client: PartitionKey, kind: PathKind) -> set[PartitionKey]:
        return self.serving.get((client, kind), set())

    def may_serve(self, client: PartitionKey, vios: Vios, kind: PathKind) -> bool:
        """Could this VIOS (whose mappings we lack) serve the client? The HMC adapters tell, if read."""
        if (client.serial, kind) in self._links_missing or kind is PathKind.NETWORK:
            return True
        return vios.key in self.linked.get((client, kind), set())

    def fate(self, client: ClientLpar, vios: Vios, kind: PathKind) -> str:
        """'lost', 'kept', 'unknown' or 'unused': the client's I/O of one kind while ``vios`` reboots."""
        others = self.served_by(client.key, kind) - {vios.key}
        if others:
            return "kept"
        doubt = [
            v
            for v in self.vioses_by_serial[vios.key.serial]
            if v.key != vios.key and not self.collected(v, kind) and self.may_serve(client.key, v, kind)
        ]
        if vios.key in self.served_by(client.key, kind):
            return "unknown" if doubt else "lost"
        if not self.collected(vios, kind) and self.may_serve(client.key, vios, kind):
            return "unknown"
        return "unused"

    def reboot_impact(self, vios: Vios) -> RebootImpact:
        """Clients interrupted by a reboot of ``vios``, and those we cannot vouch for."""
        outage: list[ClientLpar] = []
        unknown: list[ClientLpar] = []
        for client in self.clients_by_serial[vios.key.serial]:
            fates = {self.fate(client, vios, kind) for kind in ALL_KINDS}
            if "lost" in fates:
                outage.append(client)
            elif "unknown" in fates:
                unknown.append(client)
        missing = sorted(
            f"{v.name} ({kind.value})"
            for v in self.vioses_by_serial[vios.key.serial]
            for kind in ALL_KINDS
            if not self.collected(v, kind)
        )
        reason = "mappings not collected for " + ", ".join(sorted(set(missing))) if missing else None
        return RebootImpact(vios, tuple(outage), tuple(unknown), reason)

    def path_status(self, client: ClientLpar, kind: PathKind) -> PathStatus:
        vioses = self.vioses_by_serial.get(client.key.serial, [])
        served = self.served_by(client.key, kind)
        via = tuple(sorted(v.name for v in vioses if v.key in served))
        missing = tuple(
            sorted(
                v.name
                for v in vioses
                if not self.collected(v, kind) and self.may_serve(client.key, v, kind)
            )
        )
        return PathStatus(kind, via, missing)
