"""vios_apar_exposure: each VIOS against each catalogue APAR, ifix aware, with the outage it costs."""

from __future__ import annotations

from builders import EstateBuilder, context, fileset, ifix
from viosaudit.rules import evaluate, load_rules
from viosaudit.rules.base import Finding, Severity, SubjectKind, Verdict

RULES = load_rules(("vios_apar_exposure",))
VSCSI = "devices.vdevice.IBM.v-scsi-host.rte"


def run(b: EstateBuilder) -> dict[str, Finding]:
    return {f.key: f for f in evaluate(b.build(), context(), RULES)}


def iv91339(b: EstateBuilder, name: str, pid: int, fileset_level: str = "6.1.9.200", **extra: object) -> EstateBuilder:
    return b.vios("S", pid, name, level="2.2.5.10", filesets=(fileset(VSCSI, fileset_level),), **extra)  # type: ignore[arg-type]


def test_fileset_in_the_affected_range_fails_critical_with_the_apar_and_its_evidence() -> None:
    b = iv91339(EstateBuilder().system("S"), "v1", 1)
    f = run(b)["vios_apar_exposure:SNS:1:IV91339"]
    assert (f.verdict, f.severity, f.apar) == (Verdict.FAIL, Severity.CRITICAL, "IV91339")  # data-integrity
    assert f.subject.kind is SubjectKind.VIOS and f.subject.partition_id == 1
    assert f.title.startswith("v1 exposed to IV91339")
    assert dict(f.facts)["apar_type"] == "data-integrity"
    assert VSCSI in dict(f.facts)["matched"] and f.evidence
    assert "Preconditions:" in f.technical
    assert f.references[0] == "https://www.ibm.com/support/pages/apar/IV91339"  # every source cited, once


def test_an_installed_ifix_passes_and_says_which() -> None:
    b = iv91339(EstateBuilder().system("S"), "v1", 1, ifixes=(ifix("IV91339s5a"),))
    f = run(b)["vios_apar_exposure:SNS:1:IV91339"]
    assert (f.verdict, f.severity) == (Verdict.PASS, Severity.INFO)
    assert dict(f.facts)["remediated_by"] and f.title.startswith("v1 interim fix installed for IV91339")


def test_a_level_outside_every_range_gives_no_finding_for_that_apar() -> None:
    b = iv91339(EstateBuilder().system("S"), "v1", 1, fileset_level="6.1.9.201")
    assert "vios_apar_exposure:SNS:1:IV91339" not in run(b)


def test_no_level_and_no_filesets_is_one_unknown_finding() -> None:
    b = EstateBuilder().system("S").vios("S", 1, "v1", level=None, filesets=None)
    (f,) = run(b).values()
    assert (f.key, f.verdict) == ("vios_apar_exposure:SNS:1:*", Verdict.UNKNOWN)
    assert "level not collected" in f.title


def test_a_single_vios_exposure_is_an_outage_of_its_running_clients() -> None:
    b = iv91339(EstateBuilder().system("S"), "solo", 1).client("S", 2, "app")
    b.client("S", 3, "old", state="Not Activated")
    b.vscsi("solo", "app").vscsi("solo", "old", "hdisk3")
    f = run(b)["vios_apar_exposure:SNS:1:IV91339"]
    assert f.outage and f.affected_partitions == ("app",)
    assert "Patching solo needs an outage of 1 partition (app)" in f.business


def test_remediation_names_the_fixing_level_of_the_vios_release_line() -> None:
    printers = (fileset("bos.rte.printers", "7.2.5.0"),)
    b = EstateBuilder().system("S").vios("S", 1, "v1", level="3.1.2.10", filesets=printers)
    f = run(b)["vios_apar_exposure:SNS:1:IJ30447"]
    assert f.verdict is Verdict.FAIL and f.severity is Severity.HIGH  # security
    assert f.remediation.startswith("Fixed in VIOS 3.1.2.20 or later. Interim fix: IJ30447s1a.")



def test_security_bulletin_is_the_first_reference() -> None:
    """The workbook links the APAR cell to the first reference: for a security record, IBM's bulletin."""
    from pathlib import Path

    from viosaudit.assemble import build_estate
    from viosaudit.rules.catalogue import load_catalogue
    from viosaudit.snapshot import open_snapshot

    bulletins = {a.id: a.bulletin for a in load_catalogue().apars if a.bulletin}
    estate = build_estate(open_snapshot(Path(__file__).parents[2] / "sample_data" / "snapshot"))
    found = [f for f in evaluate(estate, context(), RULES) if f.apar in bulletins and f.verdict is Verdict.FAIL]
    assert found
    for f in found:
        assert f.references[0] == bulletins[f.apar] and len(f.references) == len(set(f.references))
