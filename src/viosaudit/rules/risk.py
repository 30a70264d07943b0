"""Business risk of each finding: likelihood, impact (from the criticality of the partitions involved)
and maintenance impact (what fixing it costs). Likelihood defaults are data (``rules/data/risk.toml``),
read once per run by ``load_likelihoods`` and handed to the rules in ``RuleContext.likelihoods``."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any

from viosaudit.business import Criticality, service_of
from viosaudit.errors import CatalogueError
from viosaudit.model import Estate
from viosaudit.rules.base import Finding, Risk, RuleContext, SubjectKind, Verdict
from viosaudit.rules.topology import Topology
from viosaudit.rules.wording import maintenance_phrase, plural, services_phrase


class Likelihood(StrEnum):
    """How likely a finding is to turn into an incident, in the words a CAB uses; least likely first."""

    RARE = "rare"
    UNLIKELY = "unlikely"
    POSSIBLE = "possible"
    LIKELY = "likely"
    CERTAIN = "certain"

    @property
    def rank(self) -> int:
        return list(Likelihood).index(self)


@dataclass(frozen=True, slots=True)
class Likelihoods:
    """The likelihood table (``risk.toml``): per APAR, per APAR type and per rule, with why."""

    apar_type: dict[str, tuple[Likelihood, str]]
    apar: dict[str, tuple[Likelihood, str]]
    rule: dict[str, tuple[Likelihood, str]]


def load_likelihoods(path: Path | str | None = None) -> Likelihoods:
    """Read the likelihood table (default: the one shipped with viosaudit), strictly."""
    name = str(path) if path is not None else "rules/data/risk.toml"
    try:
        if path is None:
            text = resources.files("viosaudit.rules").joinpath("data/risk.toml").read_text(encoding="utf-8")
        else:
            text = Path(path).read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CatalogueError(f"{name}: cannot read the likelihood table: {exc}") from exc

    def section(part: str) -> dict[str, tuple[Likelihood, str]]:
        out = {}
        for key, entry in data.get(part, {}).items():
            try:
                out[key] = (Likelihood(entry["level"]), str(entry["why"]))
            except (KeyError, ValueError) as exc:
                raise CatalogueError(f"{name} [{part}] {key}: {exc!r}") from exc
        return out

    return Likelihoods(section("apar_type"), section("apar"), section("rule"))


def _likelihood(finding: Finding, facts: dict[str, Any], table: Likelihoods) -> tuple[Likelihood, str]:
    if finding.apar and finding.apar in table.apar:
        return table.apar[finding.apar]
    if finding.apar and facts.get("apar_type") in table.apar_type:
        return table.apar_type[facts["apar_type"]]
    return table.rule.get(finding.rule_id, (Likelihood.POSSIBLE, "No specific estimate recorded"))


def _involved(finding: Finding, estate: Estate, topo: Topology) -> tuple[str, ...]:
    """The partitions whose service the finding touches: those served by the VIOS for a VIOS finding."""
    if finding.subject.kind is SubjectKind.VIOS and finding.subject.partition_id is not None:
        vios = next(
            (
                v
                for v in topo.vioses_by_serial.get(finding.subject.serial, [])
                if v.key.partition_id == finding.subject.partition_id
            ),
            None,
        )
        if vios is not None:
            served = {p.client for p in topo.paths_by_vios.get(vios.key, [])}
            return tuple(sorted(c.name for c in topo.clients_by_serial[vios.key.serial] if c.key in served))
    return finding.affected_partitions


def assess_risk(finding: Finding, estate: Estate, ctx: RuleContext) -> Finding:
    """Attach the business risk to an open finding (PASS findings carry none)."""
    if finding.verdict is Verdict.PASS:
        return finding
    topo = ctx.topo
    likelihood, why = _likelihood(finding, dict(finding.facts), ctx.likelihoods)
    involved = _involved(finding, estate, topo)
    crits = [service_of(ctx.services, name).criticality for name in involved]
    impact = max(crits, key=lambda c: c.weight, default=Criticality.UNKNOWN)
    if not involved:
        impact_why = "No client partition is recorded as depending on it"
    else:
        impact_why = f"{plural(len(involved), 'partition')} involved: {services_phrase(involved, ctx.services)}"
    maintenance = _maintenance(finding, topo, ctx)
    return replace(finding, risk=Risk(likelihood.value, why, impact.value, impact_why, maintenance))


def _maintenance(finding: Finding, topo: Topology, ctx: RuleContext) -> str:
    vioses = topo.vioses_by_serial.get(finding.subject.serial, [])
    if finding.subject.kind is SubjectKind.VIOS:
        vioses = [v for v in vioses if v.key.partition_id == finding.subject.partition_id]
    if not vioses:
        return "unknown: no VIOS data for this system"
    impacts = [topo.reboot_impact(v) for v in vioses]
    if all(i.rolling for i in impacts):
        return "rolling, no interruption: one VIOS at a time while the other carries all I/O"
    return " ".join(maintenance_phrase(i, ctx.services) for i in impacts if not i.rolling)
