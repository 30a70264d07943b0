"""The last stage: one ReportView -> the management PDF, the HTML report, the CAB workbook and the
evidence zip (and, on request, the full-listing PDF).

    view = build_view(build_plan(estate, findings, ctx), generated_at="2024-05-06T07:30:00Z")
    files = write_reports(view, snapshot, Path("reports/2024-05-06"), findings=findings)
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from viosaudit.errors import RenderError
from viosaudit.files import FILE_MODE, FolderBusy, folder_lock, private_dir, staging_dir
from viosaudit.render.evidence import write_evidence
from viosaudit.render.parallel import Child
from viosaudit.render.pdf import DETAIL, render_html, write_pdf
from viosaudit.render.site import load_site
from viosaudit.render.viewmodel import ReportView, build_view
from viosaudit.render.web import write_web
from viosaudit.render.xlsx import write_xlsx
from viosaudit.rules.base import Finding
from viosaudit.snapshot import Snapshot
from viosaudit.timings import stage

PDF_NAME = "viosaudit-report.pdf"
DETAIL_NAME = "viosaudit-report-detail.pdf"
HTML_NAME = "viosaudit-report.html"
XLSX_NAME = "viosaudit-cab.xlsx"
EVIDENCE_NAME = "viosaudit-evidence.zip"

__all__ = [
    "DETAIL_NAME",
    "EVIDENCE_NAME",
    "HTML_NAME",
    "PDF_NAME",
    "XLSX_NAME",
    "ReportFiles",
    "ReportView",
    "build_view",
    "render_html",
    "write_evidence",
    "write_pdf",
    "write_reports",
    "write_web",
    "write_xlsx",
]


@dataclass(frozen=True, slots=True)
class ReportFiles:
    pdf: Path
    xlsx: Path
    evidence: Path
    html: Path | None = None  # the self-contained HTML report
    detail: Path | None = None  # the full-listing PDF, with --detail
    machine: tuple[Path, ...] = ()  # findings.json / findings.csv (``extra_files``)

    @property
    def written(self) -> tuple[Path, ...]:
        """Every file written, in the order a reader wants them."""
        extra = tuple(p for p in (self.html, self.detail) if p is not None)
        return (self.pdf, *extra, self.xlsx, self.evidence, *self.machine)


def write_reports(
    view: ReportView,
    snapshot: Snapshot,
    out_dir: Path,
    *,
    findings: Sequence[Finding] | None = None,
    user_dir: Path | None = None,
    detail: bool = False,
    extra_files: Sequence[tuple[str, Callable[[TextIO], None]]] = (),
    meanwhile: Callable[[], object] | None = None,
) -> ReportFiles:
    """Write the management PDF, the HTML report, the workbook and the evidence zip (which also carries
    them) into ``out_dir``; with ``detail`` also the full-listing PDF for auditors.

    The three are written (0600) in a private staging folder, then renamed into place while this run
    holds the folder's lock: runs into one folder take turns, and nobody sees a half-written file or
    a PDF of one run beside the workbook of another. On failure nothing of this run is left behind.

    ``findings``: the rule findings the view was built from; pass them so that the evidence keeps them
    verbatim (``findings.json``). Without them the evidence holds the view's finding rows and says so
    in its README and manifest. ``user_dir`` holds site templates that override the packaged ones and
    its ``site.toml`` (logo, classification label, colours: ``render.site``).
    ``extra_files``: (name, writer of its text) written beside them in the same way (the findings JSON, CSV).
    ``meanwhile``: more work for this process while the workbook child runs, under the folder's lock
    (the change folders: ``changes.evidence.write_change_evidence(locked=True)``).
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
                site = load_site(user_dir)
                # the workbook in a forked child while the PDFs, the HTML report and most of the evidence
                # zip are written here; the zip takes the workbook last (render/parallel.py)
                workbook = Child("workbook", lambda: write_xlsx(view, staging / XLSX_NAME), staging)
                xlsx_done: list[Path] = []

                def wait_workbook() -> tuple[Path]:
                    xlsx_done.append(workbook.wait())
                    return (xlsx_done[0],)

                try:
                    with stage("pdf"):
                        pdf = write_pdf(view, staging / PDF_NAME, user_dir=user_dir, site=site)
                    with stage("html"):
                        html = write_web(view, snapshot, staging / HTML_NAME, user_dir=user_dir, site=site)
                    extra: tuple[Path, ...] = ()
                    if detail:
                        with stage("detail pdf"):
                            detail_pdf = staging / DETAIL_NAME
                            extra = (write_pdf(view, detail_pdf, user_dir=user_dir, template=DETAIL, site=site),)
                    machine = [staging / name for name, _write in extra_files]
                    with stage("machine"):
                        for path, (_name, write) in zip(machine, extra_files, strict=True):
                            with path.open("w", encoding="utf-8", newline="") as handle:
                                write(handle)
                    if meanwhile is not None:
                        meanwhile()
                    with stage("evidence"):
                        evidence = write_evidence(
                            view,
                            snapshot,
                            findings,
                            staging / EVIDENCE_NAME,
                            attachments=(pdf, html, *extra),
                            late_attachments=wait_workbook,
                            user_dir=user_dir,
                        )
                except BaseException:
                    workbook.abandon()
                    raise
                xlsx = xlsx_done[0] if xlsx_done else workbook.wait()
                written = (pdf, html, *extra, xlsx, evidence, *machine)
                for path in written:
                    path.chmod(FILE_MODE)
                # all are whole before any is renamed: a reader sees the old set or the new one
                for path in written:
                    path.replace(out_dir / path.name)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
    except FolderBusy as exc:
        raise RenderError(f"{out_dir}: {exc.strerror}; wait for it to finish or choose another --out") from None
    except OSError as exc:
        raise RenderError(f"cannot write the reports into {out_dir}: {exc.strerror or exc}") from exc
    return ReportFiles(
        pdf=out_dir / PDF_NAME,
        xlsx=out_dir / XLSX_NAME,
        evidence=out_dir / EVIDENCE_NAME,
        html=out_dir / HTML_NAME,
        detail=out_dir / DETAIL_NAME if detail else None,
        machine=tuple(out_dir / name for name, _write in extra_files),
    )
