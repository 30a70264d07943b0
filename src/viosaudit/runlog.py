"""Logs a site can keep: one line per stage and per host, as plain text or JSON lines, secrets masked.

Every record carries ``stage`` (lock, config, collect, report, deliver, retention, weekly) and, where it
applies, ``host``, ``command``, ``duration_ms`` and ``outcome``. ``--log-format json`` writes one JSON
object per line (``ts`` in UTC, ``level``, ``stage``, ``host``, ``command``, ``duration_ms``, ``outcome``,
``message``) for a log shipper; plain text otherwise. Lines go to stderr (the journal, under systemd)
and, with ``--log-file``, to a 0600 file as well. A filter masks every known secret (the SMTP and SSH
passwords) and secret-shaped text in each line before any handler sees it.

The collector's progress events arrive through ``LogLinesProcessor`` (a ``collect.progress.Processor``),
so the runner itself never logs for the weekly job.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from viosaudit.collect.progress import Outcome, Status
from viosaudit.files import FILE_MODE, private_dir
from viosaudit.sanitize import Sanitizer

LOG = logging.getLogger("viosaudit.weekly")
FIELDS = ("stage", "host", "command", "duration_ms", "outcome")


class JsonLines(logging.Formatter):
    """One JSON object per record: ts, level, stage, host, command, duration_ms, outcome, message."""

    def format(self, record: logging.LogRecord) -> str:
        ts = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        line: dict[str, Any] = {"ts": ts, "level": record.levelname.lower()}
        for name in FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        line["message"] = record.getMessage()
        return json.dumps(line, ensure_ascii=False, sort_keys=False)


class PlainText(logging.Formatter):
    """``2026-11-30T06:00:01Z INFO collect host=hmc01 command=lshmc_v outcome=ok 120ms: message``."""

    def format(self, record: logging.LogRecord) -> str:
        ts = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        parts = [ts, record.levelname, str(getattr(record, "stage", None) or "-")]
        for name in ("host", "command", "outcome"):
            value = getattr(record, name, None)
            if value is not None:
                parts.append(f"{name}={value}")
        duration = getattr(record, "duration_ms", None)
        if duration is not None:
            parts.append(f"{duration}ms")
        return f"{' '.join(parts)}: {record.getMessage()}"


class MaskSecrets(logging.Filter):
    """Replace every known secret and secret-shaped text in the record's message (and in its fields)."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.sanitizer = Sanitizer(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.sanitizer.text(record.getMessage())
        record.args = None
        for name in ("host", "command", "outcome"):
            value = getattr(record, name, None)
            if isinstance(value, str):
                setattr(record, name, self.sanitizer.text(value))
        return True


def setup(
    *,
    fmt: str = "text",
    log_file: Path | None = None,
    stream: TextIO | None = None,
    verbose: bool = False,
    quiet: bool = False,
) -> list[logging.Handler]:
    """Attach the weekly handlers to the ``viosaudit`` logger; returns them (``close`` removes them).

    ``quiet``: only warnings and errors on the stream (cron mails whatever a job prints); the log file
    still gets every line.
    """
    formatter: logging.Formatter = JsonLines() if fmt == "json" else PlainText()
    console = logging.StreamHandler(stream)
    if quiet:
        console.setLevel(logging.WARNING)
    handlers: list[logging.Handler] = [console]
    if log_file is not None:
        private_dir(log_file.parent)
        os.close(os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, FILE_MODE))
        handlers.append(logging.FileHandler(log_file, mode="a", encoding="utf-8"))
    root = logging.getLogger("viosaudit")
    mask = MaskSecrets()
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.addFilter(mask)
        root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    root.propagate = False
    logging.getLogger("paramiko").setLevel(logging.WARNING)
    return handlers


def add_secrets(handlers: Iterable[logging.Handler], secrets: Iterable[str]) -> None:
    """Tell the masking filters about secrets learnt after set-up (passwords read from the configuration)."""
    values = [s for s in secrets if s]
    for handler in handlers:
        for item in handler.filters:
            if isinstance(item, MaskSecrets):
                item.sanitizer = Sanitizer(values)


def close(handlers: Iterable[logging.Handler]) -> None:
    root = logging.getLogger("viosaudit")
    for handler in handlers:
        root.removeHandler(handler)
        handler.close()
    root.propagate = True


def event(stage: str, message: str, *args: object, level: int = logging.INFO, **fields: Any) -> None:
    """One structured line: ``event("deliver", "sent to %d", 2, outcome="ok", duration_ms=120)``."""
    LOG.log(level, message, *args, extra={"stage": stage, **fields})


class Stopwatch:
    def __init__(self) -> None:
        self.started = time.monotonic()

    @property
    def ms(self) -> int:
        return round((time.monotonic() - self.started) * 1000)


class LogLinesProcessor:
    """The collector's progress events as log lines: a failed command at once (warning), every command
    at debug, and at the end one line per host (commands, failures, time spent in its commands)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._hosts: dict[str, list[Outcome]] = {}
        self._planned = 0

    def planned(self, count: int) -> None:
        with self._lock:
            self._planned += count

    def finished(self, outcome: Outcome) -> None:
        with self._lock:
            self._hosts.setdefault(outcome.host, []).append(outcome)
        bad = outcome.status in {Status.FAILED, Status.NONZERO}
        event(
            "collect",
            "%s%s",
            outcome.status.value,
            f": {outcome.reason}" if outcome.reason else "",
            level=logging.WARNING if bad else logging.DEBUG,
            host=outcome.host,
            command=outcome.command_id,
            duration_ms=round(outcome.seconds * 1000),
            outcome=outcome.status.value,
        )

    def message(self, text: str) -> None:
        event("collect", "%s", text)

    def close(self) -> None:
        with self._lock:
            hosts = dict(self._hosts)
        for host, outcomes in sorted(hosts.items()):
            failed = [o for o in outcomes if o.status not in {Status.OK, Status.NOT_COLLECTABLE}]
            event(
                "collect",
                "%d commands, %d not collected cleanly%s",
                len(outcomes),
                len(failed),
                f" ({', '.join(sorted({o.command_id for o in failed}))})" if failed else "",
                level=logging.WARNING if failed else logging.INFO,
                host=host,
                duration_ms=round(sum(o.seconds for o in outcomes) * 1000),
                outcome="partial" if failed else "ok",
            )
