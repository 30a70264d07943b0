"""The management PDF stays at most six pages at any estate size: a generated 1,000-VIOS estate (the
benchmark's generator, judged by the real rules and planned for real), rendered and read back; and the
pieces around it: grouped risks, the site look (site.toml), the stale-snapshot warning, the About section."""

from __future__ import annotations

import importlib.util
from dataclasses import replace
from datetime import date
from pathlib import Path
from types import ModuleType

import pytest
from pypdf import PdfReader

from viosaudit.errors import RenderError
from viosaudit.plan import build_plan
from viosaudit.render.digest import CAP_RISKS, risk_groups
from viosaudit.render.freshness import age_warning
from viosaudit.render.pdf import SHORT, render_html, write_pdf
from viosaudit.render.site import load_site
from viosaudit.render.view import ReportView
from viosaudit.render.viewmodel import build_view
from viosaudit.rules import evaluate
from viosaudit.rules.base import Finding
from viosaudit.rules.context import load_context

BENCH = Path(__file__).parents[2] / "bench" / "bench_report.py"
LOGO = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40" height="20" fill="#00558c"/></svg>'
)


def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_report", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def big_view() -> ReportView:
    generator = bench()
    estate = generator.generated_estate(500)  # 1,000 VIOS, 20,000 client partitions
    ctx = load_context(estate, generator.TODAY, {})
    findings = evaluate(estate, ctx)
    return build_view(build_plan(estate, findings, ctx), generated_at="2026-11-25T07:00:00Z")


def test_short_pdf_of_1000_vios_is_at_most_six_pages(big_view: ReportView, tmp_path: Path) -> None:
    assert big_view.counts.vios == 1000
    pdf = write_pdf(big_view, tmp_path / "short.pdf")
    pages = [page.extract_text() for page in PdfReader(pdf).pages]
    assert len(pages) <= 6
    text = " ".join(" ".join(pages).split())
    more = big_view.digest.changes.more
    assert more > 400 and f"and {more} more: see the HTML report" in text
    assert "Top open risks" in text and "IV91339" in text


def test_risks_are_one_row_per_apar_or_rule(findings: tuple[Finding, ...]) -> None:
    groups = {g.key: g for g in risk_groups(findings)}
    iv = groups["IV91339"]
    assert (iv.failed, iv.unknown, iv.subjects, iv.noun[1]) == (3, 1, 4, "VIOS")  # vios_a1, a2, b1; c2 unknown
    assert iv.systems == ("P10-DR-C", "P8-BRANCH-B", "P9-PROD-A") and iv.outage == 1
    assert "vios_a1" not in iv.title and "IV91339" in iv.title
    assert len(groups) <= CAP_RISKS


def test_site_look_on_every_page(view: ReportView, tmp_path: Path) -> None:
    (tmp_path / "logo.svg").write_text(LOGO, encoding="utf-8")
    (tmp_path / "site.toml").write_text(
        'label = "INTERNAL"\nlogo = "logo.svg"\ncolour = "#00558c"\norganisation = "ACME <Bank>"\n', encoding="utf-8"
    )
    pdf = write_pdf(view, tmp_path / "site.pdf", user_dir=tmp_path)
    reader = PdfReader(pdf)
    assert all("INTERNAL" in (page.extract_text() or "") for page in reader.pages)
    assert reader.metadata is not None and reader.metadata.author == "ACME <Bank>"
    html = render_html(view, user_dir=tmp_path, template=SHORT)
    assert "data:image/svg+xml;base64," in html and "#00558c" in html and "ACME &lt;Bank&gt;" in html


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('colour = "red; background: url(x)"', "expected #rgb"),
        ('logo = "logo.gif"', "expected a .png"),
        ('title = "x"', "unknown key"),
        ("label = 3", "must be text"),
    ],
)
def test_bad_site_settings_are_named(tmp_path: Path, toml: str, message: str) -> None:
    (tmp_path / "site.toml").write_text(toml + "\n", encoding="utf-8")
    with pytest.raises(RenderError, match=message):
        load_site(tmp_path)


def test_age_warning_after_max_age_days() -> None:
    assert age_warning("2026-11-23T06:00:00Z", date(2026, 12, 1), 8) == ""
    warning = age_warning("2026-11-23T06:00:00Z", date(2026, 12, 2), 8)
    assert "9 days old" in warning and "limit is 8 days" in warning
    assert "cannot be read" in age_warning("yesterday", date(2026, 12, 2), 8)


def test_age_warning_and_versions_in_the_pdf(view: ReportView, tmp_path: Path) -> None:
    stale = replace(
        view,
        age_warning=age_warning(view.captured_at, date(2024, 6, 1), 8),
        about=(("APAR catalogue", "apar_catalogue.toml (shipped): 20 records, content 3def92b3b718"),),
    )
    pages = [p.extract_text() or "" for p in PdfReader(write_pdf(stale, tmp_path / "old.pdf")).pages]
    assert "26 days old" in " ".join(pages[0].split())
    rest = " ".join(" ".join(pages).split())
    assert "viosaudit 0." in rest and "content 3def92b3b718" in rest and view.snapshot_id in rest
