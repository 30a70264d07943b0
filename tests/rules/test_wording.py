"""The shared phrases: one joiner, one services phrase (technical and short)."""

from __future__ import annotations

from viosaudit.business import BusinessService, Criticality
from viosaudit.rules.wording import and_list, plural, services_phrase

SERVICES = {
    "pay": BusinessService("pay", "Payments", "Finance", Criticality.CRITICAL),
    "crm": BusinessService("crm", "CRM", "Sales", Criticality.HIGH),
    "web": BusinessService("web", "Web shop", "E-commerce", Criticality.HIGH),
    "dwh": BusinessService("dwh", "Data warehouse", "Data", Criticality.MEDIUM),
    "mon": BusinessService("mon", "Monitoring", "Infra", Criticality.LOW),
}


def test_and_list() -> None:
    assert and_list([]) == "" and and_list([], empty="none") == "none"
    assert and_list(["a"]) == "a" and and_list(["a", "b"]) == "a and b"
    assert and_list(["a", "b", "a", "", "c"]) == "a, b and c"
    assert and_list(["a", "b", "c", "d", "e", "f"], limit=4) == "a, b, c, d and 2 more"


def test_services_phrase_for_findings_names_criticality_and_unmapped_partitions() -> None:
    text = services_phrase(["web", "pay", "x1", "x1"], SERVICES)
    assert text == "Payments (critical), Web shop (high), no service recorded for x1"
    assert services_phrase([], SERVICES) == "no recorded services"


def test_services_phrase_short_for_page_1() -> None:
    text = services_phrase(["mon", "dwh", "web", "crm", "pay", "x1", "x2"], SERVICES, short=True)
    assert text == "Payments, CRM, Web shop, 2 more and 2 virtual machines with no service recorded"
    assert services_phrase(["pay"], SERVICES, short=True) == "Payments"
    assert plural(1, "VIOS", "VIOS") == "1 VIOS" and plural(2, "hour") == "2 hours"
