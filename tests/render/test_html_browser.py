"""The HTML report in a real headless Chromium (Debian's ``chromium`` + ``chromium-driver``, driven by
selenium): it loads from a file:// URL with no console error (a CSP violation would be one), filtering
by severity and searching change the rows shown, a detail row shows its evidence lines, and a
screenshot is saved for a person to look at.

Skipped when the browser is missing, except in CI (``VIOSAUDIT_REQUIRE_BROWSER=1``), where it fails.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from render_case import SNAPSHOT_ID

from viosaudit.render import ReportFiles, write_reports
from viosaudit.render.view import ReportView
from viosaudit.render.web import PASSED_NOTE
from viosaudit.rules.base import Finding, Verdict
from viosaudit.snapshot import Snapshot

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,1600",
)
SCREENSHOT = Path(os.environ.get("VIOSAUDIT_SCREENSHOT_DIR", "/tmp")) / "viosaudit-report-html.png"


def _missing() -> str:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    if not (Path(CHROMIUM).is_file() and Path(DRIVER).is_file()):
        return "chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)"
    return ""


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    why = _missing()
    if why:
        if os.environ.get("VIOSAUDIT_REQUIRE_BROWSER") == "1":
            pytest.fail(f"VIOSAUDIT_REQUIRE_BROWSER=1 but {why}")
        pytest.skip(why)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=DRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def report(
    view: ReportView, snapshot: Snapshot, findings: tuple[Finding, ...], tmp_path_factory: pytest.TempPathFactory
) -> ReportFiles:
    return write_reports(view, snapshot, tmp_path_factory.mktemp("html") / "out", findings=findings)


def visible_rows(driver: Any) -> int:
    from selenium.webdriver.common.by import By

    return len(driver.find_elements(By.CSS_SELECTOR, "#findings-table tbody tr.row"))


def test_html_report_works_in_chromium(browser: Any, report: ReportFiles, view: ReportView) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    assert report.html is not None
    browser.get(report.html.resolve().as_uri())
    assert SNAPSHOT_ID in browser.title
    errors = [entry for entry in browser.get_log("browser") if entry["level"] in ("SEVERE", "WARNING")]
    assert errors == []

    total = len(view.findings)
    assert visible_rows(browser) == total
    assert browser.find_element(By.ID, "shown").text == f"{total} of {total} findings"

    severity = Select(browser.find_element(By.ID, "f-sv"))
    severity.select_by_visible_text("Critical")
    critical = sum(1 for f in view.findings if f.severity.rank == 0)
    assert 0 < critical < total
    assert visible_rows(browser) == critical
    severity.select_by_index(0)  # all
    assert visible_rows(browser) == total

    search = browser.find_element(By.ID, "q")
    search.send_keys("vios_c2")
    matching = [f for f in view.findings if "vios_c2" in f"{f.title} {f.subject} {f.key} {f.technical}".lower()]
    assert 0 < len(matching) < total
    assert visible_rows(browser) == len(matching)

    browser.find_element(By.CSS_SELECTOR, "#findings-table tbody tr.row").click()
    detail = browser.find_element(By.CSS_SELECTOR, "#findings-table tbody tr.detail").text
    assert "Remediation" in detail and "Business impact" in detail

    search.clear()
    search.send_keys("vios_a1 IV91339")
    assert visible_rows(browser) == 1
    browser.find_element(By.CSS_SELECTOR, "#findings-table tbody tr.row").click()
    lines = browser.find_elements(By.CSS_SELECTOR, "#findings-table tbody tr.detail pre.lines")
    assert lines and "6.1.9.200" in lines[0].text  # the captured lslpp line the finding cites

    passed = next(f for f in view.findings if f.verdict is Verdict.PASS and not f.accepted)
    search.clear()
    search.send_keys(passed.key)  # a passed check is a compact row: its detail says where its evidence is
    assert visible_rows(browser) == 1
    browser.find_element(By.CSS_SELECTOR, "#findings-table tbody tr.row").click()
    detail = browser.find_element(By.CSS_SELECTOR, "#findings-table tbody tr.detail").text
    assert PASSED_NOTE in detail and passed.key in detail

    pick = Select(browser.find_element(By.ID, "sys-pick"))
    pick.select_by_index(next(i for i, o in enumerate(pick.options) if o.text.startswith("P9-PROD-A")))
    shown = browser.find_element(By.ID, "sys-view").text
    assert "vios_a1" in shown and "batch01" in shown  # its VIOS and its client paths

    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []
    assert browser.save_screenshot(str(SCREENSHOT))
    assert SCREENSHOT.stat().st_size > 10_000
