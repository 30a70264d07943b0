"""lpar_single_path_storage: a client on a dual-VIOS system whose disks or NPIV ports use one VIOS."""

from __future__ import annotations

from collections.abc import Iterator

from viosaudit.model import Estate, PathKind
from viosaudit.rules.base import Finding, RuleContext, RuleMeta
from viosaudit.rules.redundancy import client_redundancy
from viosaudit.rules.topology import STORAGE

KIND_WORDS = {PathKind.VSCSI: "vSCSI disks", PathKind.NPIV: "NPIV fibre channel ports"}


def lpar_single_path_storage(estate: Estate, ctx: RuleContext, meta: RuleMeta) -> Iterator[Finding]:
    yield from client_redundancy(estate, ctx, meta, STORAGE, KIND_WORDS)
