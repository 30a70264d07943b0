"""The README's main job with the sample history (sample_data/weeks), on SQLite and on PostgreSQL:
the "since last week" line and the trend on PDF page 1 (read as text and looked at as a picture),
the workbook's "Since last run" sheet and "Open since" column, and a rerun that records nothing."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from PIL import Image
from pypdf import PdfReader

from history.conftest import BACKENDS, new_database
from viosaudit.cli import EXIT_OK, main
from viosaudit.history import query
from viosaudit.history.store import open_store
from viosaudit.history.trend import COLOURS

ROOT = Path(__file__).parents[2]
SAMPLE = ROOT / "sample_data"
LINE = "Since last week: 0 new, 10 fixed, 61 still open (oldest: 21 days)"


def report(db: str, out: Path, *extra: str) -> tuple[int, str]:
    buffer = io.StringIO()
    args = ["report", str(SAMPLE / "snapshot"), "--services", str(SAMPLE / "business_services.csv")]
    with contextlib.redirect_stdout(buffer):
        code = main([*args, "--out", str(out), "--today", "2026-11-23", "--db", db, *extra])
    return code, buffer.getvalue()


def cli_json(*args: str) -> object:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert main([*args, "--json"]) == EXIT_OK
    return json.loads(buffer.getvalue())


def page_text(path: Path, page: int) -> str:
    return " ".join((PdfReader(path).pages[page].extract_text() or "").split())


@pytest.fixture(scope="module", params=BACKENDS)
def history_run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    tmp = tmp_path_factory.mktemp("history-run")
    db = (
        str(tmp / "history.sqlite") if request.param == "sqlite" else new_database(request.getfixturevalue("pg_server"))
    )
    code, printed = report(db, tmp / "out", "--history-from", str(SAMPLE / "weeks"))
    assert code == EXIT_OK
    assert f"History (default, 4 runs): {LINE}" in printed
    yield db, tmp / "out"


def test_page_1_says_what_changed_since_last_week(history_run: tuple[str, Path]) -> None:
    _db, out = history_run
    text = page_text(out / "viosaudit-report.pdf", 0)
    assert LINE in text
    assert "What we recommend" in text  # the trend fits: page 1 is still one page


def test_the_trend_table_under_the_chart_holds_the_stored_series(history_run: tuple[str, Path]) -> None:
    db, out = history_run
    engine = open_store(db)
    with engine.connect() as conn:
        runs = query.list_runs(conn)
        counts = query.open_counts(conn, [r.id for r in runs])
    engine.dispose()
    totals = [sum(n for run_id, _s, n in counts if run_id == r.id) for r in runs]
    critical = [sum(n for run_id, s, n in counts if run_id == r.id and s == "critical") for r in runs]
    assert [r.captured_day for r in runs] == ["2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23"]
    assert totals[2] > totals[1] > totals[0] and totals[3] < totals[2]  # second VIOS, new APAR, then the patch
    text = page_text(out / "viosaudit-report.pdf", 0)
    assert "Open findings 11-02 11-09 11-16 11-23" in text
    assert "All " + " ".join(map(str, totals)) in text
    assert "Critical " + " ".join(map(str, critical)) in text
    rows = list(openpyxl.load_workbook(out / "viosaudit-cab.xlsx")["Findings"].iter_rows(values_only=True))
    assert totals[3] == sum(1 for r in rows[1:] if r[1] != "PASS")  # the last point is this report's open findings


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) not installed")
def test_the_trend_chart_is_drawn_on_page_1(history_run: tuple[str, Path], tmp_path: Path) -> None:
    _db, out = history_run
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(out / "viosaudit-report.pdf"),
                    str(tmp_path / "p")], check=True)  # fmt: skip
    image = Image.open(next(tmp_path.glob("p*.png"))).convert("RGB")
    pixels = [image.getpixel((x, y)) for y in range(image.height) for x in range(image.width)]

    def near(colour: str) -> int:
        r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
        return sum(1 for p in pixels if abs(p[0] - r) + abs(p[1] - g) + abs(p[2] - b) < 30)

    assert near(COLOURS["critical"]) > 300  # the stacked areas, not just a legend swatch
    assert near(COLOURS["high"]) > 1000


def test_the_workbook_lists_the_changes_and_how_long_each_finding_is_open(history_run: tuple[str, Path]) -> None:
    _db, out = history_run
    book = openpyxl.load_workbook(out / "viosaudit-cab.xlsx")
    rows = list(book["Since last run"].iter_rows(values_only=True))
    assert rows[0] == ("Change", "Finding key", "Subject", "Severity", "Detail")
    assert rows[1][0] == "summary" and LINE in str(rows[1][4])
    fixed = [r for r in rows if r[0] == "fixed"]
    assert len(fixed) == 10 and all(str(r[1]).startswith("vios_apar_exposure:7848E2X:") for r in fixed)
    levels = {(r[2], r[4]) for r in rows if r[0] == "level change"}
    assert levels == {
        ("E980-CORE-E / e980-vios1", "2.2.5.10 -> 2.2.6.65"),
        ("E980-CORE-E / e980-vios2", "2.2.5.10 -> 2.2.6.65"),
    }
    findings = list(book["Findings"].iter_rows(values_only=True))
    column = findings[0].index("Open since")
    assert findings[0][column + 1] == "Days open"
    since = {r[0]: (r[column], r[column + 1]) for r in findings[1:]}
    assert since["system_single_vios:06A4C2P"] == (datetime(2026, 11, 2), 21)  # a real Excel date
    assert since["vios_apar_exposure:06A4C2P:1:IJ05824"] == (datetime(2026, 11, 16), 7)


def test_history_diff_tells_the_story_of_the_sample_weeks(history_run: tuple[str, Path]) -> None:
    db, _out = history_run
    [first] = cli_json("history", "diff", "sample-2026-11-02", "sample-2026-11-09", "--db", db)
    assert [(m["kind"], m["name"]) for m in first["added"]] == [("vios", "p10f-vios2")]  # type: ignore[index]
    [third] = cli_json("history", "diff", "sample-2026-11-09", "sample-2026-11-16", "--db", db)
    assert [f["key"] for f in third["acceptances_expired"]] == ["system_single_vios:06A4C2P"]  # type: ignore[index]
    assert "vios_apar_exposure:06A4C2P:1:IJ05824" in [f["key"] for f in third["new"]]  # type: ignore[index]
    runs = cli_json("history", "list", "--db", db)
    assert [r["catalogue_records"] for r in runs] == [19, 19, 20, 20]  # type: ignore[index,union-attr]


def test_rerunning_the_main_job_records_nothing_new(history_run: tuple[str, Path], tmp_path: Path) -> None:
    db, _out = history_run
    code, _ = report(db, tmp_path / "again", "--history-from", str(SAMPLE / "weeks"))
    assert code == EXIT_OK
    assert len(cli_json("history", "list", "--db", db)) == 4  # type: ignore[arg-type]
    assert LINE in page_text(tmp_path / "again" / "viosaudit-report.pdf", 0)


def test_the_first_run_says_there_is_no_history_yet(tmp_path: Path) -> None:
    code, _ = report(str(tmp_path / "h.sqlite"), tmp_path / "out")
    assert code == EXIT_OK
    assert "No history yet" in page_text(tmp_path / "out" / "viosaudit-report.pdf", 0)
    rows = list(
        openpyxl.load_workbook(tmp_path / "out" / "viosaudit-cab.xlsx")["Since last run"].iter_rows(values_only=True)
    )
    assert rows[1][0] == "no history yet"


def test_no_history_writes_no_database(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite"
    code, _ = report(str(db), tmp_path / "out", "--no-history")
    assert code == EXIT_OK and not db.exists()
    assert "Since last" not in page_text(tmp_path / "out" / "viosaudit-report.pdf", 0)
    assert "Since last run" not in openpyxl.load_workbook(tmp_path / "out" / "viosaudit-cab.xlsx").sheetnames


def test_the_evidence_keeps_the_history_summary_as_plain_data(history_run: tuple[str, Path]) -> None:
    _db, out = history_run
    with zipfile.ZipFile(out / "viosaudit-evidence.zip") as bundle:
        view = json.loads(bundle.read(next(n for n in bundle.namelist() if n.endswith("view.json"))))
    history = view["history"]
    assert history["kept"] is True and history["line"] == LINE and history["previous"] == "sample-2026-11-16"
    assert [p["day"] for p in history["trend"]] == ["2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23"]
