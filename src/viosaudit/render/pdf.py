"""ReportView -> HTML (jinja) -> PDF (weasyprint), archive grade (PDF/A-3b) with title, author and subject.

Two PDFs: the management report (``short.html``: page 1 and a few capped tables, at most six pages at
any estate size) and, on request, the full listing for auditors (``report.html``).
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import TemplateError, TemplateSyntaxError

from viosaudit import tool_version
from viosaudit.errors import RenderError
from viosaudit.render.env import make_env
from viosaudit.render.site import Site, load_site
from viosaudit.render.view import ReportView

SHORT = "short.html"
DETAIL = "report.html"
TEMPLATE = DETAIL  # the full listing: what render_html gives by default
PDF_VARIANT = "pdf/a-3b"


def render_html(
    view: ReportView, *, user_dir: Path | None = None, template: str = TEMPLATE, site: Site | None = None
) -> str:
    """One HTML document (CSS inlined) from ``template`` and its includes."""
    try:
        return (
            make_env(user_dir)
            .get_template(template)
            .render(view=view, site=site or load_site(user_dir), tool_version=tool_version())
        )
    except TemplateError as exc:
        where = f" ({exc.filename}, line {exc.lineno})" if isinstance(exc, TemplateSyntaxError) else ""
        hint = f"; check the site templates in {user_dir}" if user_dir else ""
        raise RenderError(f"cannot render {template}{where}: {exc}{hint}") from exc


def write_pdf(
    view: ReportView, out: Path, *, user_dir: Path | None = None, template: str = SHORT, site: Site | None = None
) -> Path:
    """Write a PDF report (the management one unless ``template`` says otherwise) to ``out``."""
    from weasyprint import HTML  # heavy: imported only for a PDF

    html = render_html(view, user_dir=user_dir, template=template, site=site)
    try:
        HTML(string=html, base_url=str(user_dir) if user_dir else None).write_pdf(out, pdf_variant=PDF_VARIANT)
    except OSError as exc:
        raise RenderError(f"cannot write PDF {out}: {exc}") from exc
    return out
