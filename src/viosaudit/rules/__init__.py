"""The rule registry: one module + one TOML metadata file per rule; id = file name = function name.

A rule is ``def <rule_id>(estate: Estate, ctx: RuleContext, meta: RuleMeta) -> Iterator[Finding]``.
To add one: write ``rules/<rule_id>.py`` and ``rules/<rule_id>.toml`` (see docs/rules.md) and list the id
in ``RULE_IDS``. Metadata is validated when the rules are loaded, so a bad rule fails loudly at start.
"""

from __future__ import annotations

import importlib
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from importlib import resources
from typing import Any

from viosaudit.errors import CatalogueError
from viosaudit.model import Estate
from viosaudit.rules.base import Finding, RuleContext, RuleMeta, Severity, worst_first
from viosaudit.rules.risk import assess_risk
from viosaudit.rules.topology import Topology

RULE_IDS: tuple[str, ...] = (
    "vios_apar_exposure",
    "system_single_vios",
    "lpar_single_path_storage",
    "lpar_single_path_network",
    "system_vios_level_mismatch",
    "vios_lifecycle",
    "vios_disk_reserve",
    "vios_sea_failover",
)

RuleFunction = Callable[[Estate, RuleContext, RuleMeta], Iterator[Finding]]

_META_KEYS = {"id", "title", "severity", "rationale", "business_impact", "remediation", "reads", "references"}


@dataclass(frozen=True, slots=True)
class Rule:
    meta: RuleMeta
    evaluate: RuleFunction


def _meta(rule_id: str) -> RuleMeta:
    where = f"rules/{rule_id}.toml"
    try:
        data: dict[str, Any] = tomllib.loads(
            resources.files("viosaudit.rules").joinpath(f"{rule_id}.toml").read_text(encoding="utf-8")
        )
    except (FileNotFoundError, tomllib.TOMLDecodeError) as exc:
        raise CatalogueError(f"{where}: cannot read rule metadata: {exc}") from exc
    unknown = set(data) - _META_KEYS
    missing = _META_KEYS - {"references"} - set(data)
    if unknown or missing:
        raise CatalogueError(f"{where}: unknown keys {sorted(unknown)}, missing keys {sorted(missing)}")
    if data["id"] != rule_id:
        raise CatalogueError(f"{where}: id {data['id']!r} must equal the file name {rule_id!r}")
    if len(data["title"]) > 150:
        raise CatalogueError(f"{where}: title longer than 150 characters")
    try:
        severity = Severity(data["severity"])
    except ValueError as exc:
        raise CatalogueError(f"{where}: severity {data['severity']!r} is not one of {list(Severity)}") from exc
    return RuleMeta(
        id=rule_id,
        title=data["title"],
        severity=severity,
        rationale=data["rationale"].strip(),
        business_impact=data["business_impact"].strip(),
        remediation=data["remediation"].strip(),
        reads=tuple(data["reads"]),
        references=tuple(data.get("references", ())),
    )


def load_rules(ids: tuple[str, ...] = RULE_IDS) -> tuple[Rule, ...]:
    """Import each rule module and its metadata; the function must be named like the module."""
    rules = []
    for rule_id in ids:
        module = importlib.import_module(f"viosaudit.rules.{rule_id}")
        function = getattr(module, rule_id, None)
        if not callable(function):
            raise CatalogueError(f"rules/{rule_id}.py must define a function named {rule_id}")
        rules.append(Rule(_meta(rule_id), function))
    return tuple(rules)


def evaluate(estate: Estate, ctx: RuleContext, rules: tuple[Rule, ...] | None = None) -> tuple[Finding, ...]:
    """Run every rule over the estate; findings come worst first (``rules.base.finding_order``).

    The context's topology is reused when it was built for this estate (``load_context``), else built.
    """
    if ctx.topology is None or ctx.topology.estate is not estate:
        ctx = replace(ctx, topology=Topology(estate))
    return worst_first(
        assess_risk(f, estate, ctx) for rule in rules or load_rules() for f in rule.evaluate(estate, ctx, rule.meta)
    )
