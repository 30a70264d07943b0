"""Read the rules' data once per run and hand it over in one ``RuleContext`` (rules do no I/O).

    ctx = load_context(estate, date(2026, 11, 25), services, catalogue=Path("site-catalogue.toml"))
    findings = evaluate(estate, ctx)

Each path is optional: without it the file shipped in ``rules/data/`` is read; a ``lifecycle`` file is a
site file that adds to or overrides the shipped dates. A file that cannot be read or does not validate
raises ``CatalogueError`` before any rule runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path

from viosaudit.business import BusinessService
from viosaudit.model import Estate
from viosaudit.rules.base import RuleContext
from viosaudit.rules.catalogue import load_catalogue
from viosaudit.rules.lifecycle import load_lifecycle
from viosaudit.rules.risk import load_likelihoods
from viosaudit.rules.topology import Topology


def load_context(
    estate: Estate,
    today: date,
    services: Mapping[str, BusinessService] | None = None,
    *,
    catalogue: Path | None = None,
    lifecycle: Path | None = None,
    likelihoods: Path | None = None,
) -> RuleContext:
    """The context for judging ``estate`` as of ``today``: data files read, topology built, once."""
    return RuleContext(
        today=today,
        catalogue=load_catalogue(catalogue),
        lifecycle=load_lifecycle(site=lifecycle),
        likelihoods=load_likelihoods(likelihoods),
        services=services or {},
        topology=Topology(estate),
    )
