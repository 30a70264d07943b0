"""Benchmark of the reader-facing outputs at 1,000 VIOS (figures, not tests): the short management PDF and
the HTML report, rendered from a generated estate judged and planned for real.

    .venv/bin/python bench/bench_outputs.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from bench_report import TODAY, generated_estate
from pypdf import PdfReader

from viosaudit.plan import build_plan
from viosaudit.render.pdf import write_pdf
from viosaudit.render.viewmodel import build_view
from viosaudit.render.web import render_web
from viosaudit.rules import evaluate
from viosaudit.rules.context import load_context


def main() -> int:
    estate = generated_estate(500)
    ctx = load_context(estate, TODAY, {})
    findings = evaluate(estate, ctx)
    view = build_view(build_plan(estate, findings, ctx), generated_at="2026-11-25T07:00:00Z")
    print(f"{len(estate.vioses)} VIOS, {len(estate.clients)} client partitions, {len(findings)} findings")
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        pdf = write_pdf(view, Path(out) / "short.pdf")
        seconds = time.perf_counter() - start
        print(f"short PDF: {seconds:5.2f} s, {len(PdfReader(pdf).pages)} pages, {pdf.stat().st_size / 1e3:.0f} kB")
    start = time.perf_counter()
    html = render_web(view)
    seconds = time.perf_counter() - start
    print(f"HTML report: {seconds:5.2f} s, {len(html.encode()) / 1e6:.1f} MB (no snapshot: no evidence lines)")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    raise SystemExit(main())
