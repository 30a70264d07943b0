"""The last stage: one ReportView -> the management PDF, the CAB workbook and the evidence zip.

    view = build_view(build_plan(estate, findings, ctx), generated_at="2024-05-06T07:30:00Z")
    files = write_reports(view, snapshot, Path("reports/2024-05-06"), findings=findings)
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from viosaudit.errors import RenderError
from viosaudit.files import FILE_MODE, FolderBusy, folder_lock, private_dir, staging_dir
from viosaudit.render.evidence import write_evidence
from viosaudit.render.parallel import Child
from viosaudit.render.pdf import render_html, write_pdf
from viosaudit.render.viewmodel import ReportView, build_view
from viosaudit.render.xlsx import write_xlsx
from viosaudit.rules.base import Finding
from viosaudit.snapshot import Snapshot
from viosaudit.timings import stage

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

    The three are written (0600) in a private staging folder, then renamed into place while this run
    holds the folder's lock: runs into one folder take turns, and nobody sees a half-written file or
    a PDF of one run beside the workbook of another. On failure nothing of this run is left behind.

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
        private_dir(out_dir)
        with folder_lock(out_dir):
            for stale in out_dir.glob(".viosaudit-*.part"):  # left by a run killed mid-way (we hold the lock)
                shutil.rmtree(stale, ignore_errors=True)
            staging = staging_dir(out_dir)
            try:
                # the workbook in a forked child while the PDF is written here (render/parallel.py)
                workbook = Child("workbook", lambda: write_xlsx(view, staging / XLSX_NAME), staging)
                try:
                    with stage("pdf"):
                        pdf = write_pdf(view, staging / PDF_NAME, user_dir=user_dir)
                except BaseException:
                    workbook.abandon()
                    raise
                xlsx = workbook.wait()
                with stage("evidence"):
                    evidence = write_evidence(
                        view, snapshot, findings, staging / EVIDENCE_NAME, attachments=(pdf, xlsx), user_dir=user_dir
                    )
                for path in (pdf, xlsx, evidence):
                    path.chmod(FILE_MODE)
                # all three are whole before any is renamed: a reader sees the old set or the new one
                for path in (pdf, xlsx, evidence):
                    path.replace(out_dir / path.name)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
    except FolderBusy as exc:
        raise RenderError(f"{out_dir}: {exc.strerror}; wait for it to finish or choose another --out") from None
    except OSError as exc:
        raise RenderError(f"cannot write the reports into {out_dir}: {exc.strerror or exc}") from exc
    return ReportFiles(pdf=out_dir / PDF_NAME, xlsx=out_dir / XLSX_NAME, evidence=out_dir / EVIDENCE_NAME)
