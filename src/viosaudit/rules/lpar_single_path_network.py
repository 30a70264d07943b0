"""lpar_single_path_network: a client VLAN bridged to the outside by a SEA on one VIOS only."""

from __future__ import annotations

from collections.abc import Iterator

from viosaudit.model import Estate, PathKind
from viosaudit.rules.base import Finding, RuleContext, RuleMeta
from viosaudit.rules.redundancy import client_redundancy


def lpar_single_path_network(estate: Estate, ctx: RuleContext, meta: RuleMeta) -> Iterator[Finding]:
    yield from client_redundancy(estate, ctx, meta, (PathKind.NETWORK,), {PathKind.NETWORK: "bridged VLANs"})
