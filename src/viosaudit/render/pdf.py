"""ReportView -> HTML (jinja, ``report.html``) -> PDF (weasyprint). Page 1 is the management summary."""

from __future__ import annotations

from pathlib import Path

from jinja2 import TemplateError, TemplateSyntaxError

from viosaudit.errors import RenderError
from viosaudit.render.env import make_env
from viosaudit.render.view import ReportView

TEMPLATE = "report.html"


def render_html(view: ReportView, *, user_dir: Path | None = None) -> str:
    """The report as one HTML document (CSS inlined), from ``report.html`` and its includes."""
    try:
        return make_env(user_dir).get_template(TEMPLATE).render(view=view)
    except TemplateError as exc:
        where = f" ({exc.filename}, line {exc.lineno})" if isinstance(exc, TemplateSyntaxError) else ""
        hint = f"; check the site templates in {user_dir}" if user_dir else ""
        raise RenderError(f"cannot render {TEMPLATE}{where}: {exc}{hint}") from exc


def write_pdf(view: ReportView, out: Path, *, user_dir: Path | None = None) -> Path:
    """Write the PDF report to ``out`` and return it."""
    from weasyprint import HTML  # heavy: imported only for a PDF

    html = render_html(view, user_dir=user_dir)
    try:
        HTML(string=html, base_url=str(user_dir) if user_dir else None).write_pdf(out)
    except OSError as exc:
        raise RenderError(f"cannot write PDF {out}: {exc}") from exc
    return out
