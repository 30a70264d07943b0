"""Fixtures for the render tests; the case itself is built in ``render_case.py``."""

from __future__ import annotations

import pytest
from render_case import SNAPSHOT_ID, build_estate, build_findings, build_services, build_snapshot, view_of

from viosaudit.business import BusinessService
from viosaudit.model import Estate
from viosaudit.render.view import ReportView
from viosaudit.rules.base import Finding
from viosaudit.snapshot import Snapshot


@pytest.fixture(scope="session")
def estate() -> Estate:
    return build_estate()


@pytest.fixture(scope="session")
def findings(estate: Estate) -> tuple[Finding, ...]:
    return build_findings(estate)


@pytest.fixture(scope="session")
def services() -> dict[str, BusinessService]:
    return build_services()


@pytest.fixture(scope="session")
def view(estate: Estate, findings: tuple[Finding, ...], services: dict[str, BusinessService]) -> ReportView:
    return view_of(estate, findings, services)


@pytest.fixture(scope="session")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    return build_snapshot(tmp_path_factory.mktemp("snapshot") / SNAPSHOT_ID)
