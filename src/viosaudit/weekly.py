"""``viosaudit weekly --config FILE``: collect, report, deliver and prune in one unattended run.

One TOML file holds the collection settings (``[collect]``, ``[[hmc]]``, ``[[vios]]``: docs/collect.md)
plus ``[report]`` and ``[delivery]`` (``viosaudit.deliver``)::

    [report]
    services = "/etc/viosaudit/business_services.csv"
    accepted = "/etc/viosaudit/accepted.toml"    # optional, as are catalogue and lifecycle
    out = "/var/lib/viosaudit/reports"           # reports/<date>/ (default: reports)
    snapshots = "/var/lib/viosaudit/snapshots"   # snapshots/<UTC time>/ (default: snapshots)
    keep_weeks = 12                              # optional: prune older report folders
    db = "/var/lib/viosaudit/history.sqlite"     # optional: the history store (default: $VIOSAUDIT_DB, else
                                                 # the service user's data folder), or a postgresql:// URL
    zone = "dc1"                                 # optional: this collector's zone in a shared history
    history_scope = "all"                        # optional: "since last week" and trend over every zone
    decisions = "/etc/viosaudit/decisions.toml"  # optional: the CAB decisions (viosaudit cab import)

Exit status: 0 complete, 1 partial (reported and delivered, marked PARTIAL), 2 error (nothing judged,
or another weekly run holds the lock), 3 the reports were written but could not be delivered. Each
stage and each host leaves one log line (``viosaudit.runlog``).
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import logging
import os
import socket
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Literal, TextIO

import msgspec

from viosaudit import runlog
from viosaudit.collect import CollectResult, collect
from viosaudit.config import CollectSettings, load_settings, read_toml
from viosaudit.deliver import DeliverySettings, Letter, load_delivery, send
from viosaudit.errors import ConfigError, DeliveryError, ViosauditError
from viosaudit.files import open_lock, private_dir
from viosaudit.pipeline import ReportJob, ReportResult, run_report
from viosaudit.render.view import ReportView
from viosaudit.render.wording import words
from viosaudit.retention import prune
from viosaudit.runlog import Stopwatch, event
from viosaudit.schema import convert
from viosaudit.summary import print_summary

EXIT_OK = 0
EXIT_PARTIAL = 1
EXIT_ERROR = 2
EXIT_UNDELIVERED = 3
LOCK_NAME = ".viosaudit-weekly.lock"
OWN_TABLES = ("report", "delivery")
HTML_NAME = "viosaudit-report.html"

Text = Annotated[str, msgspec.Meta(min_length=1)]


class ReportTable(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """``[report]``: the ``viosaudit report`` options, where the folders go, how many weeks to keep."""

    services: Text | None = None
    accepted: Text | None = None
    catalogue: Text | None = None
    lifecycle: Text | None = None
    out: Text = "reports"
    snapshots: Text = "snapshots"
    keep_weeks: Annotated[int, msgspec.Meta(ge=1)] | None = None
    db: Text | None = None
    zone: Text | None = None
    history_scope: Literal["zone", "all"] = "zone"
    decisions: Text | None = None


@dataclass(frozen=True, slots=True)
class WeeklyConfig:
    path: Path
    collect: CollectSettings
    report: ReportTable
    delivery: DeliverySettings | None

    def secrets(self) -> list[str]:
        found = [self.collect.password, self.collect.passphrase]
        if self.delivery is not None:
            found.append(self.delivery.smtp.password)
        return [s.reveal() for s in found if s is not None]


class WeeklyBusy(ViosauditError):
    """Another weekly run holds the lock."""


def load_config(path: Path, env: Mapping[str, str] | None = None) -> WeeklyConfig:
    """Read and check the whole file (collection, report, delivery) before anything runs."""
    env = os.environ if env is None else env
    data = read_toml(path)
    for name in OWN_TABLES:
        if name in data and not isinstance(data[name], dict):
            raise ConfigError(f"{path}: {name} must be a table ([{name}])")
    report = convert(data.get("report", {}), ReportTable, f"{path}: [report]", ConfigError)
    delivery = load_delivery(data["delivery"], str(path), env) if "delivery" in data else None
    settings = load_settings(path, env=env, interactive=False, other_tables=OWN_TABLES)
    if settings.sources.get("output") != "default":
        raise ConfigError(
            f"{path}: [collect] output is set; the weekly job writes a new snapshot every week under "
            "[report] snapshots (default: snapshots/), so leave output out"
        )
    return WeeklyConfig(path, settings, report, delivery)


@contextlib.contextmanager
def weekly_lock(folder: Path) -> Iterator[None]:
    """Hold ``folder/.viosaudit-weekly.lock`` for the run, or refuse at once naming the run that holds it."""
    fd = open_lock(private_dir(folder) / LOCK_NAME)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode("utf-8", errors="replace").strip() or "pid unknown"
            raise WeeklyBusy(f"another weekly run is in progress ({holder}); this run stops here") from None
        started = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} since {started}\n".encode(), 0)
        yield
    finally:
        os.close(fd)


def run_weekly(
    config_path: Path,
    *,
    today: date | None = None,
    log_format: str = "text",
    log_file: Path | None = None,
    verbose: bool = False,
    quiet: bool = False,
    deliver: bool = True,
    out: TextIO | None = None,
    env: Mapping[str, str] | None = None,
) -> int:
    """The whole weekly job; returns the exit status. Every failure is one log line, never a traceback."""
    handlers = runlog.setup(fmt=log_format, log_file=log_file, verbose=verbose, quiet=quiet)
    clock = Stopwatch()
    stage = Stage("config")
    try:
        config = load_config(config_path, env)
        runlog.add_secrets(handlers, config.secrets())
        event("config", "%s read", config_path, outcome="ok")
        stage.name = "lock"
        with weekly_lock(Path(config.report.out)):
            summary_out = out or (io.StringIO() if quiet else sys.stdout)
            status = _run(config, today or date.today(), deliver, summary_out, stage)
    except (ViosauditError, OSError) as exc:
        text = f"{exc.filename or ''}: {exc.strerror or exc}" if isinstance(exc, OSError) else str(exc)
        event(stage.name, "%s", " ".join(text.split()), level=logging.ERROR, outcome="error")
        status = EXIT_ERROR
    except BaseException as exc:  # a bug or an interrupt: logged here, reported by the CLI
        event(stage.name, "stopped: %s %s", type(exc).__name__, exc, level=logging.ERROR, outcome="error")
        event("weekly", "finished without a result", duration_ms=clock.ms, outcome="error", level=logging.ERROR)
        runlog.close(handlers)
        raise
    event("weekly", "finished with exit status %d", status, duration_ms=clock.ms, outcome=OUTCOMES[status])
    runlog.close(handlers)
    return status


OUTCOMES = {EXIT_OK: "complete", EXIT_PARTIAL: "partial", EXIT_ERROR: "error", EXIT_UNDELIVERED: "undelivered"}


@dataclass(slots=True)
class Stage:
    """The stage running now, so an error's log line says where it happened."""

    name: str


def _run(config: WeeklyConfig, today: date, deliver: bool, out: TextIO, stage: Stage) -> int:
    stage.name = "collect"
    collected = _collect(config)
    stage.name = "report"
    result = _report(config, collected, today, out)
    stage.name = "deliver"
    partial = collected.partial or result.partial
    status = EXIT_PARTIAL if partial else EXIT_OK
    if config.delivery is None or not deliver:
        why = "not configured ([delivery] missing)" if config.delivery is None else "skipped (--no-deliver)"
        event("deliver", "e-mail delivery %s", why, outcome="skipped")
    else:
        clock = Stopwatch()
        letters = compose_letters(result, collected, config.delivery, today, partial)
        try:
            send(config.delivery.smtp, letters)
        except DeliveryError as exc:
            event(
                "deliver",
                "%s; the reports are kept at %s",
                exc,
                result.files.pdf.parent,
                level=logging.ERROR,
                host=config.delivery.smtp.host,
                duration_ms=clock.ms,
                outcome="error",
            )
            status = EXIT_UNDELIVERED
        else:
            for letter in letters:
                attached = letter.attachment.name if letter.attachment else "no attachment (too large: path given)"
                event(
                    "deliver",
                    "%s report sent to %s: %s",
                    letter.kind,
                    ", ".join(letter.to),
                    attached,
                    host=config.delivery.smtp.host,
                    duration_ms=clock.ms,
                    outcome="ok",
                )
    stage.name = "retention"
    _retain(config, result.files.pdf.parent)
    return status


def _collect(config: WeeklyConfig) -> CollectResult:
    clock = Stopwatch()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    settings = replace(config.collect, output=private_dir(Path(config.report.snapshots)) / stamp)
    hosts = len(settings.hmcs) + len(settings.vioses)
    event("collect", "collecting from %d configured hosts into %s", hosts, settings.output, outcome="started")
    result = collect(settings, processor=runlog.LogLinesProcessor())
    manifest = result.manifest
    interrupted = " (interrupted)" if result.interrupted else ""
    event(
        "collect",
        "%s: %d captures, %d gaps%s",
        result.snapshot_dir,
        len(manifest.captures),
        len(manifest.gaps),
        interrupted,
        level=logging.WARNING if result.partial else logging.INFO,
        duration_ms=clock.ms,
        outcome="partial" if result.partial else "ok",
    )
    return result


def _report(config: WeeklyConfig, collected: CollectResult, today: date, out: TextIO) -> ReportResult:
    clock = Stopwatch()
    r = config.report
    job = ReportJob(
        snapshot_dir=collected.snapshot_dir,
        out_dir=Path(r.out) / today.isoformat(),
        today=today,
        services_csv=Path(r.services) if r.services else None,
        accepted_toml=Path(r.accepted) if r.accepted else None,
        catalogue_toml=Path(r.catalogue) if r.catalogue else None,
        lifecycle_toml=Path(r.lifecycle) if r.lifecycle else None,
        decisions_toml=Path(r.decisions) if r.decisions else None,
        history=True,  # every weekly run is recorded: next week's "since last week" line needs it
        db=r.db,
        zone=r.zone,
        history_scope=r.history_scope,
    )
    result = run_report(job)
    print_summary(result, out)
    view = result.view
    event(
        "report",
        "%s: %s; %d open findings, %d gaps (%d failures); written to %s",
        view.snapshot_id,
        words(view.summary.status),
        view.counts.findings_fail + view.counts.findings_unknown,
        len(result.estate.gaps),
        len(result.failures),
        result.files.pdf.parent,
        level=logging.WARNING if result.partial else logging.INFO,
        duration_ms=clock.ms,
        outcome="partial" if result.partial else "ok",
    )
    return result


def _retain(config: WeeklyConfig, current: Path) -> None:
    keep = config.report.keep_weeks
    if keep is None:
        return
    clock = Stopwatch()
    try:
        pruned = prune(Path(config.report.out), keep, current=current)
    except OSError as exc:
        event("retention", "cannot prune %s: %s", exc.filename or config.report.out, exc.strerror or exc,
              level=logging.ERROR, outcome="error")  # fmt: skip
        return
    for folder in pruned.removed:
        event("retention", "removed %s (older than the last %d weeks)", folder, keep, outcome="removed")
    for folder, changes in pruned.protected:
        event("retention", "kept %s: evidence of open change(s) %s", folder, ", ".join(changes), outcome="protected")
    event("retention", "%d report folders kept", len(pruned.kept), duration_ms=clock.ms, outcome="ok")


def since_last_week(view: ReportView) -> str | None:
    """The history's "Since last week: N new, M fixed, ..." sentence; None when the run was not recorded."""
    return view.history.line if view.history.kept else None


def compose_letters(
    result: ReportResult, collected: CollectResult, delivery: DeliverySettings, today: date, partial: bool
) -> tuple[Letter, ...]:
    """The management letter (PDF) and the CAB letter (workbook), each to its own list."""
    view = result.view
    folder = result.files.pdf.parent
    status = words(view.summary.status)
    mark = "PARTIAL - " if partial else ""
    lines = [f"VIOS estate audit of {today.isoformat()} (snapshot {view.snapshot_id})", ""]
    lines.append(f"Status: {status}  {view.summary.headline}")
    since = since_last_week(view)
    if since:
        lines.append(since)
    failures = len(result.failures)
    expected = len(result.estate.gaps) - failures
    if partial:
        not_collected = len(collected.failed)
        lines.append(
            f"PARTIAL: {not_collected or failures} host commands were not collected or could not be read; "
            "what depends on them is shown as unknown, never as compliant."
        )
    lines.append(f"Gaps: {failures} collection or parse failures, {expected} implied by the collection mode.")
    lines.append("")
    html = folder / HTML_NAME
    if html.is_file():
        lines.append(f"Full report (HTML): {_where(html, delivery)}")
    lines.append(f"Reports: {_where(folder, delivery)}")
    letters = []
    for kind, to, report, subject in (
        ("management", delivery.management, result.files.pdf, "management report"),
        ("cab", delivery.cab, result.files.xlsx, "CAB workbook"),
    ):
        if not to:
            continue
        size = report.stat().st_size
        body = list(lines)
        attachment: Path | None = report
        if size > delivery.max_attachment_bytes:
            attachment = None
            body.append(
                f"Not attached: {report.name} is {_mb(size)}, over the {_mb(delivery.max_attachment_bytes)} limit; "
                f"the reports are at {_where(folder, delivery)}"
            )
        else:
            body.append(f"Attached: {report.name} ({_mb(size)})")
        body += ["", f"-- viosaudit weekly on {socket.gethostname()}"]
        letters.append(
            Letter(
                kind=kind,
                to=tuple(to),
                subject=f"{mark}VIOS estate audit {today.isoformat()}: {status} - {subject}",
                body="\n".join(body) + "\n",
                attachment=attachment,
            )
        )
    return tuple(letters)


def _where(path: Path, delivery: DeliverySettings) -> str:
    """A URL under ``report_url_base`` (date folder and file name), else the absolute path."""
    if delivery.report_url_base is None:
        return str(path.resolve())
    parts = [path.name] if path.is_dir() else [path.parent.name, path.name]
    suffix = "/" if path.is_dir() else ""
    return delivery.report_url_base.rstrip("/") + "/" + "/".join(parts) + suffix


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"
