"""The CAB workbook at bank scale: 1,000 VIOS / 20,000 client partitions, time and peak RSS.

Generates the estate with bench_report's generator, judges and plans it, builds the view, then writes
the workbook (streamed, XlsxWriter constant-memory) and, for comparison, the findings JSON and CSV.
Run in its own process so that the peak RSS is this job's::

    .venv/bin/python bench/bench_workbook.py [n_systems]   # 500 systems = 1,000 VIOS, 20,000 LPARs
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_report import TODAY, generated_estate

from viosaudit.plan import build_plan
from viosaudit.render.machine import findings_document, write_csv, write_json
from viosaudit.render.viewmodel import build_view
from viosaudit.render.xlsx import write_xlsx
from viosaudit.rules import evaluate
from viosaudit.rules.context import load_context


def rss_mb() -> float:
    """The current resident set (not the peak), from /proc."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 2**20


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    n_systems = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    t0 = time.perf_counter()
    estate = generated_estate(n_systems, clients_per_system=40)
    ctx = load_context(estate, TODAY)
    findings = evaluate(estate, ctx)
    view = build_view(build_plan(estate, findings, ctx), generated_at="2026-11-25T07:00:00Z")
    before = time.perf_counter()  # the view is built before the workbook is timed
    print(f"{len(estate.vioses)} VIOS, {len(estate.clients)} LPARs, {len(view.findings)} findings, "
          f"{len(view.changes)} changes: model+rules+plan+view {before - t0:.1f} s, RSS {rss_mb():.0f} MB")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        rss0, peak0 = rss_mb(), peak_mb()
        start, cpu = time.perf_counter(), time.process_time()
        out = write_xlsx(view, Path(tmp) / "cab.xlsx")
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        print(f"workbook: {seconds:.2f} s wall, {cpu:.2f} s CPU (the wall time on an idle core), "
              f"{out.stat().st_size / 2**20:.1f} MB file, RSS before {rss0:.0f} MB, "
              f"after {rss_mb():.0f} MB, process peak {peak_mb():.0f} MB (peak before: {peak0:.0f} MB)")  # fmt: skip
        start, cpu = time.perf_counter(), time.process_time()
        doc = findings_document(view, findings)
        for name, write in (("findings.json", write_json), ("findings.csv", write_csv)):
            with (Path(tmp) / name).open("w", encoding="utf-8", newline="") as handle:
                write(doc, handle)
        size = sum((Path(tmp) / name).stat().st_size for name in ("findings.json", "findings.csv"))
        print(f"findings JSON + CSV: {time.perf_counter() - start:.2f} s wall, {time.process_time() - cpu:.2f} s CPU, "
              f"{size / 2**20:.1f} MB, "
              f"process peak {peak_mb():.0f} MB")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
