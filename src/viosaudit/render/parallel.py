"""Run one report writer in a forked child while this process writes another (2 cores: PDF || workbook).

The child is a copy-on-write fork, so the view is shared, not copied or pickled; it writes its file
into the same private staging folder and exits. Its stage time comes back through a small file so
``viosaudit.timings`` still shows it. Off where ``fork`` is missing, when ``VIOSAUDIT_PARALLEL=0``, or
when the machine has one core: then the writer simply runs here, in turn.
"""

from __future__ import annotations

import contextlib
import json
import os
import traceback
from collections.abc import Callable
from pathlib import Path

from viosaudit.errors import RenderError
from viosaudit.timings import add, stage

ENV = "VIOSAUDIT_PARALLEL"


def enabled() -> bool:
    return hasattr(os, "fork") and os.environ.get(ENV, "1") != "0" and (os.cpu_count() or 1) > 1


class Child:
    """A writer started by ``start``; ``wait()`` returns its file or raises RenderError with its error."""

    def __init__(self, name: str, write: Callable[[], Path], scratch: Path) -> None:
        self.name = name
        self.write = write
        self.pid: int | None = None
        self.result: Path | None = None
        self.report = scratch / f".{name}.child"
        if not enabled():
            with stage(name):
                self.result = write()
            return
        self.pid = os.fork()
        if self.pid == 0:  # the child: write, say how it went, and leave without running any cleanup
            code = 0
            try:
                import time

                started = time.perf_counter()
                path = write()
                said = {"seconds": time.perf_counter() - started, "path": str(path)}
            except BaseException:  # everything must reach the parent
                said = {"error": traceback.format_exc()}
                code = 1
            with contextlib.suppress(BaseException):
                self.report.write_text(json.dumps(said), encoding="utf-8")
            os._exit(code)

    def wait(self) -> Path:
        if self.pid is None:
            assert self.result is not None
            return self.result
        _, status = os.waitpid(self.pid, 0)
        self.pid = None
        try:
            said = json.loads(self.report.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            said = {"error": f"the {self.name} writer died (wait status {status}) before saying why"}
        self.report.unlink(missing_ok=True)
        if "path" in said:
            add(self.name, float(said["seconds"]))
            return Path(said["path"])
        lines = [line for line in str(said.get("error", "")).strip().splitlines() if line.strip()]
        raise RenderError(f"writing the {self.name} failed: {lines[-1] if lines else 'no reason given'}")

    def abandon(self) -> None:
        """The parent is failing: wait for the child so nothing writes into a folder being removed."""
        if self.pid is not None:
            os.waitpid(self.pid, 0)
            self.pid = None
            self.report.unlink(missing_ok=True)
