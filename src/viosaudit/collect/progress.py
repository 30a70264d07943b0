"""Progress reporting: a ``Processor`` receives run events; the library itself never prints.

``RichProcessor`` draws a progress bar on a terminal; ``LogProcessor`` writes plain log lines (for
cron, CI and files); ``make_processor`` picks one for a stream. Processors are called from worker
threads, so implementations must be thread-safe (logging and rich both are).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from enum import StrEnum
from typing import IO, Protocol

from rich.markup import escape

from viosaudit.commands import Role

LOG = logging.getLogger("viosaudit.collect")


class Status(StrEnum):
    """What became of one planned (host, command)."""

    OK = "ok"  # captured, exit status 0
    NONZERO = "non-zero exit"  # captured, but the command failed: capture + gap
    FAILED = "failed"  # not captured: unreachable, refused, timed out, cut short: gap
    NOT_COLLECTABLE = "not collectable"  # this route cannot run it (ifixes in HMC mode): gap
    NOT_RUN = "not run"  # the run was interrupted first: gap


@dataclass(frozen=True, slots=True)
class Outcome:
    """The result of one planned (host, command), whether or not it produced a capture."""

    host: str
    role: Role
    command_id: str
    status: Status
    reason: str | None = None
    file: str | None = None
    managed_system: str | None = None
    partition: str | None = None
    via: str | None = None
    exit_status: int | None = None
    seconds: float = 0.0
    not_utf8: bool = False


class Processor(Protocol):
    """Receives run events (Nornir-style processor). All methods may be called from any thread."""

    def planned(self, count: int) -> None:
        """``count`` more commands are now planned (the plan grows as HMCs list their systems)."""

    def finished(self, outcome: Outcome) -> None:
        """One planned command is done, with its outcome."""

    def message(self, text: str) -> None:
        """Something worth telling the operator (already sanitized)."""

    def close(self) -> None:
        """The run is over."""


class NullProcessor:
    def planned(self, count: int) -> None:
        return None

    def finished(self, outcome: Outcome) -> None:
        return None

    def message(self, text: str) -> None:
        return None

    def close(self) -> None:
        return None


class LogProcessor:
    """Plain log lines: one per failed command, one per message, a summary every ``every`` commands."""

    def __init__(self, logger: logging.Logger = LOG, every: int = 50) -> None:
        self.logger = logger
        self.every = every
        self._lock = threading.Lock()
        self._total = 0
        self._done = 0

    def planned(self, count: int) -> None:
        with self._lock:
            self._total += count

    def finished(self, outcome: Outcome) -> None:
        with self._lock:
            self._done += 1
            done, total = self._done, self._total
        if outcome.status in {Status.FAILED, Status.NONZERO}:
            self.logger.warning("%s %s: %s: %s", outcome.host, outcome.command_id, outcome.status.value, outcome.reason)
        else:
            self.logger.debug("%s %s: %s", outcome.host, outcome.command_id, outcome.status.value)
        if done % self.every == 0:
            self.logger.info("collected %d of %d planned commands", done, total)

    def message(self, text: str) -> None:
        self.logger.info("%s", text)

    def close(self) -> None:
        with self._lock:
            self.logger.info("done: %d of %d planned commands", self._done, self._total)


class RichProcessor:
    """A rich progress bar on a terminal; failures are printed above the bar."""

    def __init__(self, stream: IO[str]) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.console = Console(file=stream)
        self.progress = Progress(
            TextColumn("collecting"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[last]}"),
            console=self.console,
            transient=False,
        )
        self.task = self.progress.add_task("collect", total=0, last="")
        self.progress.start()

    def planned(self, count: int) -> None:
        self.progress.update(self.task, total=(self.progress.tasks[0].total or 0) + count)

    def finished(self, outcome: Outcome) -> None:
        self.progress.update(self.task, advance=1, last=escape(f"{outcome.host} {outcome.command_id}"))
        if outcome.status in {Status.FAILED, Status.NONZERO}:
            head = escape(f"{outcome.host} {outcome.command_id}: {outcome.status.value}:")
            self.console.print(f"[yellow]{head}[/] {escape(outcome.reason or '')}", markup=True, highlight=False)

    def message(self, text: str) -> None:
        self.console.print(text, markup=False, highlight=False)

    def close(self) -> None:
        self.progress.stop()


def make_processor(stream: IO[str]) -> Processor:
    """A progress bar when ``stream`` is a terminal, plain log lines otherwise."""
    isatty = getattr(stream, "isatty", None)
    if callable(isatty) and isatty():
        return RichProcessor(stream)
    return LogProcessor()
