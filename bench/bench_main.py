"""The main job end to end at 10, 100, 250 and 1,000 VIOS (a script that prints figures, not a test).

Each estate is generated as a snapshot by the sample generator (``tools/make_sample_data.py``,
``scaled_systems``: copies of the sample systems, about 20 client partitions per VIOS), then the
README's main job runs on it as a separate process, exactly as a user runs it::

    viosaudit report SNAPSHOT --services CSV --out DIR --today 2026-11-25

with ``VIOSAUDIT_TIMINGS`` set, so the job reports its own stages. Printed per size: wall time of each
stage, the whole job's wall time and peak RSS, PDF pages, file sizes, the ratio of the job to merely
reading the snapshot's bytes, time per VIOS, and the floor (the job without the PDF and workbook).

    .venv/bin/python bench/bench_main.py                    # 10, 100, 250, 1000 VIOS (minutes)
    .venv/bin/python bench/bench_main.py --sizes 10,100     # smaller
    .venv/bin/python bench/bench_main.py --json out.json    # the figures as JSON as well
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

from make_sample_data import scaled_systems, write_services, write_snapshot  # noqa: E402

STAGES = (
    "manifest", "read+verify", "parse", "assemble", "rules", "plan", "history", "view", "pdf", "html", "workbook",
    "evidence", "changes",
)  # fmt: skip
REPORTS = ("pdf", "workbook", "evidence", "html")
TODAY = "2026-11-25"
VIOSAUDIT = [sys.executable, "-m", "viosaudit"]
# The job with the named writers replaced by a stub (an empty file): the floor the other stages set.
WITHOUT = """
import sys
from pathlib import Path
import viosaudit.render as render
def stub(view, out, **kwargs):
    Path(out).write_bytes(b"")
    return Path(out)
for name in sys.argv[1].split(","):
    setattr(render, {"pdf": "write_pdf", "workbook": "write_xlsx"}[name], stub)
from viosaudit.cli import main
raise SystemExit(main(sys.argv[2:]))
"""


def generate(root: Path, vios: int) -> tuple[Path, Path, int, int]:
    """The estate's snapshot and services CSV; returns them with the VIOS and client counts."""
    systems = scaled_systems(vios)
    write_snapshot(root / "snapshot", systems)
    write_services(root / "business_services.csv", systems)
    return (
        root / "snapshot",
        root / "business_services.csv",
        sum(len(s.vios) for s in systems),
        sum(len(s.clients) for s in systems),
    )


def read_bytes_seconds(snapshot: Path) -> tuple[float, int]:
    """Time to read every file of the snapshot once (the floor any job pays), and their size."""
    started = time.perf_counter()
    size = 0
    for path in sorted(snapshot.rglob("*")):
        if path.is_file():
            size += len(path.read_bytes())
    return time.perf_counter() - started, size


def run_job(snapshot: Path, services: Path, out: Path, timings: Path, without: str = "") -> tuple[float, float, int]:
    """Run the main job as its own process: (wall seconds, peak RSS MiB, exit status)."""
    # the run is recorded in a history store of its own, as a first weekly run would be
    env = dict(os.environ, VIOSAUDIT_TIMINGS=str(timings), VIOSAUDIT_DB=str(out.parent / f"{out.name}.sqlite"))
    job = ["report", str(snapshot), "--services", str(services), "--out", str(out), "--today", TODAY]
    command = [sys.executable, "-c", WITHOUT, without, *job] if without else [*VIOSAUDIT, *job]
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    stderr = process.stderr.read().decode("utf-8", "replace") if process.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"the main job failed (exit {code}) on {snapshot}:\n{stderr}")
    return seconds, usage.ru_maxrss / 1024, code


def pdf_pages(path: Path) -> int | None:
    try:
        from pypdf import PdfReader
    except ImportError:
        return None
    return len(PdfReader(path).pages) if path.is_file() and path.stat().st_size else None


def measure(vios: int, work: Path, without: str = "") -> dict[str, Any]:
    """Generate one estate, run the job on it, and return its figures."""
    snapshot, services, vios_count, clients = generate(work / f"estate-{vios}", vios)
    reading, size = read_bytes_seconds(snapshot)
    out = work / f"reports-{vios}"
    timings = work / f"timings-{vios}.json"
    wall, rss, code = run_job(snapshot, services, out, timings, without)
    stages: dict[str, float] = json.loads(timings.read_text())
    files = {p.name: p.stat().st_size for p in sorted(out.iterdir()) if p.is_file() and not p.name.startswith(".")}
    # the other stages' own times (the workbook may run beside the PDF, so total - both would undercount)
    floor = sum(seconds for name, seconds in stages.items() if name not in ("pdf", "workbook", "total"))
    return {
        "vios": vios_count,
        "without": without,
        "clients": clients,
        "snapshot_bytes": size,
        "read_seconds": reading,
        "wall": wall,
        "peak_rss_mib": rss,
        "exit": code,
        "stages": stages,
        "floor": floor,
        "pdf_pages": pdf_pages(out / "viosaudit-report.pdf"),
        "files": files,
        "ratio_to_reading": wall / reading if reading else None,
        "ms_per_vios": wall / vios_count * 1000,
    }


def table(rows: list[dict[str, Any]]) -> str:
    """The figures as a Markdown table, one column per estate size."""
    head = [
        "",
        *(f"{r['vios']} VIOS / {r['clients']} LPARs" + (f" (no {r['without']})" if r["without"] else "") for r in rows),
    ]
    lines = [head, ["---"] * len(head)]

    def row(label: str, cells: list[str]) -> None:
        lines.append([label, *cells])

    stages = [s for s in STAGES if any(s in r["stages"] for r in rows)]
    stages += sorted({k for r in rows for k in r["stages"]} - set(STAGES) - {"total"})
    for name in stages:
        row(f"{name} (s)", [f"{r['stages'].get(name, 0.0):.2f}" for r in rows])
    row("job in-process total (s)", [f"{r['stages'].get('total', 0.0):.2f}" for r in rows])
    row("**wall, own process (s)**", [f"**{r['wall']:.2f}**" for r in rows])
    row("floor without PDF and workbook (s)", [f"{r['floor']:.2f}" for r in rows])
    row("**peak RSS (MiB)**", [f"**{r['peak_rss_mib']:.0f}**" for r in rows])
    row("ms per VIOS (wall)", [f"{r['ms_per_vios']:.0f}" for r in rows])
    row("snapshot (MB) / read once (s)", [f"{r['snapshot_bytes'] / 1e6:.1f} / {r['read_seconds']:.2f}" for r in rows])
    row("job / reading the bytes", [f"{r['ratio_to_reading']:.0f}x" if r["ratio_to_reading"] else "-" for r in rows])
    row("PDF pages", [str(r["pdf_pages"]) if r["pdf_pages"] is not None else "-" for r in rows])
    for name in sorted({n for r in rows for n in r["files"]}):
        row(f"{name} (MB)", [f"{r['files'][name] / 1e6:.2f}" if name in r["files"] else "-" for r in rows])
    row("exit status", [str(r["exit"]) for r in rows])
    return "\n".join("| " + " | ".join(cells) + " |" for cells in lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,250,1000", help="VIOS per estate, comma separated")
    parser.add_argument("--without", default="", help="pdf,workbook: stub these writers out (the floor)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--keep", type=Path, help="work in this folder (kept), not a temporary one")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-main-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        for vios in sizes:
            rows.append(measure(vios, work, args.without))
            print(f"{rows[-1]['vios']} VIOS: {rows[-1]['wall']:.1f} s, {rows[-1]['peak_rss_mib']:.0f} MiB", flush=True)
    print(f"\nviosaudit report end to end ({os.cpu_count()} CPUs, python {sys.version.split()[0]})\n")
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
