"""Wall time per stage of one report run, for the benchmarks (bench/bench_main.py), never for tests.

Set ``VIOSAUDIT_TIMINGS`` to a file name (or ``-`` for stderr) and ``viosaudit report`` writes one
JSON object of seconds per stage there when it ends. Stages call ``stage(name)``; with no recording
active that costs one global lookup, so it stays in the code path everywhere.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ENV = "VIOSAUDIT_TIMINGS"

_record: dict[str, float] | None = None
_lock = threading.Lock()


@contextmanager
def stage(name: str) -> Iterator[None]:
    """Add the time spent in the block to stage ``name`` (stages may be entered many times)."""
    if _record is None:
        yield
        return
    started = time.perf_counter()
    try:
        yield
    finally:
        add(name, time.perf_counter() - started)


def add(name: str, seconds: float) -> None:
    """Add ``seconds`` to stage ``name`` of the active recording (none: nothing happens)."""
    record = _record
    if record is not None:
        with _lock:
            record[name] = record.get(name, 0.0) + seconds


@contextmanager
def recording(target: str | None = None) -> Iterator[dict[str, float] | None]:
    """Record stages while the block runs and write them to ``target`` (default: ``$VIOSAUDIT_TIMINGS``)."""
    global _record
    target = target if target is not None else os.environ.get(ENV)
    if not target:
        yield None
        return
    record: dict[str, float] = {}
    _record = record
    started = time.perf_counter()
    try:
        yield record
    finally:
        _record = None
        record["total"] = time.perf_counter() - started
        text = json.dumps(record, indent=1, sort_keys=True)
        if target == "-":
            print(text, file=sys.stderr)
        else:
            Path(target).write_text(text + "\n", encoding="utf-8")
