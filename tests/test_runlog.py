"""Log lines: JSON lines carry the fields a log shipper indexes; text lines read on one line; secrets are
masked before any handler writes them."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

from viosaudit import runlog


def test_json_lines_carry_stage_host_command_duration_and_outcome(tmp_path: Path) -> None:
    stream = io.StringIO()
    handlers = runlog.setup(fmt="json", log_file=tmp_path / "log" / "weekly.log", stream=stream)
    try:
        runlog.event("collect", "%d commands", 9, host="vios1", command="lsmap_all", duration_ms=12, outcome="ok")
        runlog.event("report", "done", level=logging.WARNING, outcome="partial")
    finally:
        runlog.close(handlers)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert lines[0] == {
        "ts": lines[0]["ts"],
        "level": "info",
        "stage": "collect",
        "host": "vios1",
        "command": "lsmap_all",
        "duration_ms": 12,
        "outcome": "ok",
        "message": "9 commands",
    }
    assert lines[0]["ts"].endswith("Z") and lines[1]["level"] == "warning" and "host" not in lines[1]
    assert (tmp_path / "log" / "weekly.log").read_text() == stream.getvalue()
    assert (tmp_path / "log" / "weekly.log").stat().st_mode & 0o777 == 0o600


def test_text_lines_and_secret_masking() -> None:
    stream = io.StringIO()
    handlers = runlog.setup(fmt="text", stream=stream)
    runlog.add_secrets(handlers, ["s3cr3t-value"])
    try:
        runlog.event("deliver", "login with %s failed; password=hunter2", "s3cr3t-value", host="smtp1", outcome="error")
    finally:
        runlog.close(handlers)
    line = stream.getvalue().strip()
    assert " INFO deliver host=smtp1 outcome=error: login with ******** failed; password=********" in line
    assert "s3cr3t-value" not in line and "hunter2" not in line
