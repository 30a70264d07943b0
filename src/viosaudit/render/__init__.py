"""The last stage: one ReportView -> the management PDF, the CAB workbook and the evidence zip.

    view = build_view(build_plan(estate, findings, ctx), generated_at="2024-05-06T07:30:00Z")
    files = write_reports(view, snapshot, Path("reports/2024-05-06"), findings=findings)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from viosaudit.errors import RenderError
from viosaudit.render.evidence import write_evidence
from viosaudit.render.pdf import render_html, write_pdf
from viosaudit.render.viewmodel import ReportView, build_view
from viosaudit.render.xlsx import write_xlsx
from viosaudit.rules.base import Finding
from viosaudit.snapshot import Snapshot

PDF_NAME = "viosaudit-report.pdf"
XLSX_NAME = "viosaudit-cab.xlsx"
EVIDENCE_NAME = "viosaudit-evidence.zip"

__all__ = [
    "EVIDENCE_NAME",
    "PDF_NAME",
    "XLSX_NAME",
    "ReportFiles",
    "ReportView",
    "build_view",
    "render_html",
    "write_evidence",
    "write_pdf",
    "write_reports",
    "write_xlsx",
]


@dataclass(frozen=True, slots=True)
class ReportFiles:
    pdf: Path
    xlsx: Path
    evidence: Path


def write_reports(
    view: ReportView,
    snapshot: Snapshot,
    out_dir: Path,
    *,
    findings: Sequence[Finding] | None = None,
    user_dir: Path | None = None,
) -> ReportFiles:
    """Write the PDF, the workbook and the evidence zip (which also carries both) into ``out_dir``.

    ``findings``: the rule findings the view was built from; pass them so that the evidence keeps them
    verbatim (``findings.json``). Without them the evidence holds the view's finding rows and says so
    in its README and manifest. ``user_dir`` holds site templates that override the packaged ones.
    """
    if snapshot.manifest.snapshot_id != view.snapshot_id:
        raise RenderError(
            f"the view is of snapshot {view.snapshot_id!r} but the snapshot given is "
            f"{snapshot.manifest.snapshot_id!r}; build the view from the same snapshot"
        )
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RenderError(f"cannot create report folder {out_dir}: {exc}") from exc
    pdf = write_pdf(view, out_dir / PDF_NAME, user_dir=user_dir)
    xlsx = write_xlsx(view, out_dir / XLSX_NAME)
    evidence = write_evidence(
        view, snapshot, findings, out_dir / EVIDENCE_NAME, attachments=(pdf, xlsx), user_dir=user_dir
    )
    return ReportFiles(pdf=pdf, xlsx=xlsx, evidence=evidence)
