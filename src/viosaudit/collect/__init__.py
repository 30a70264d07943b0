"""Collection: take a snapshot of an estate over SSH (or from a capture archive), safely.

Public API (what ``cli.py`` calls):

* ``load_settings(path, flags, env)`` (from ``viosaudit.config``) then ``collect(settings)`` ->
  ``CollectResult``: writes one snapshot folder in the one format and says whether the run was
  partial (``result.partial``: some host or command failed, or the run was interrupted).
* ``import_archive(archive, snapshot_dir)`` -> ``ImportResult``: validates a tar written by
  ``viosaudit-capture.ksh`` and adds it to a snapshot.
* ``capture_script()``: the path of the offline ksh capture script shipped with the package.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from viosaudit import __version__
from viosaudit.commands import Role
from viosaudit.config import CollectSettings, HostSpec
from viosaudit.errors import ConfigError
from viosaudit.sanitize import Sanitizer
from viosaudit.snapshot import Manifest, SnapshotWriter

from .archive import ImportResult, capture_script, import_archive
from .credentials import key_warnings
from .progress import LogProcessor, NullProcessor, Outcome, Processor, RichProcessor, Status, make_processor
from .runner import Runner, TransportFactory
from .transport import JumpHost, ReplayTransport, SshTarget, SshTransport, Transport


@dataclass(frozen=True, slots=True)
class CollectResult:
    """What a collection run produced and how complete it is."""

    snapshot_dir: Path
    manifest: Manifest
    outcomes: tuple[Outcome, ...]
    interrupted: bool
    peak_sessions: Mapping[str, int]
    seconds: float

    @property
    def failed(self) -> tuple[Outcome, ...]:
        """Commands that should have run and did not give clean output (each one is a gap)."""
        bad = {Status.FAILED, Status.NONZERO, Status.NOT_RUN}
        return tuple(o for o in self.outcomes if o.status in bad)

    @property
    def partial(self) -> bool:
        """True when a host or command failed or the run was interrupted (exit status 1).

        Gaps that the chosen route can never fill (ifixes in HMC mode) are in the manifest, and the
        rules report them as "not collected", but they alone do not make a run partial.
        """
        return self.interrupted or bool(self.failed)

    @property
    def complete(self) -> bool:
        """True when the snapshot has no gap at all."""
        return not self.partial and not self.manifest.gaps


def ssh_transport_factory(settings: CollectSettings) -> TransportFactory:
    """Build ``SshTransport``s from the settings; all hosts share one jump-host connection."""
    jump: JumpHost | None = None
    if settings.jump_host:
        jump = JumpHost(_jump_target(settings.jump_host, settings))

    def factory(spec: HostSpec, role: Role) -> Transport:
        default_user = settings.user if role is Role.HMC else settings.vios_user
        target = SshTarget(
            name=spec.name,
            address=spec.address,
            port=spec.port or settings.port,
            user=spec.user or default_user,
            **_credentials(settings, spec, spec.key_file or settings.key_file),
        )
        return SshTransport(target, jump=jump)

    return factory


def _jump_target(text: str, settings: CollectSettings) -> SshTarget:
    user, _, rest = text.rpartition("@")
    address, port = rest, settings.port
    if rest.startswith("["):  # [v6::addr]:port
        address, _, tail = rest[1:].partition("]")
        port = int(tail[1:]) if tail.startswith(":") else port
    elif rest.count(":") == 1:
        address, _, number = rest.partition(":")
        if not number.isdigit():
            raise ConfigError(f"jump_host {text!r}: port {number!r} is not a number")
        port = int(number)
    if not address:
        raise ConfigError(f"jump_host {text!r}: expected [user@]host[:port]")
    return SshTarget(
        name=f"jump:{address}",
        address=address,
        port=port,
        user=user or settings.user,
        **_credentials(settings, None, settings.key_file),
    )


def _credentials(settings: CollectSettings, spec: HostSpec | None, key_file: Path | None) -> dict[str, Any]:
    """The SshTarget fields every host shares; the password only for a host that logs in by password."""
    auth = settings.auth_of(spec)
    return {
        "known_hosts": settings.known_hosts,
        "key_file": key_file,
        "use_agent": settings.use_agent,
        "password": settings.password if auth == "password" else None,
        "connect_timeout": settings.connect_timeout,
        "auth": auth,
        "passphrase": settings.passphrase,
        "max_output": settings.max_output,
    }


@contextmanager
def _interrupt_on_sigterm(enabled: bool) -> Iterator[None]:
    """Turn SIGTERM into KeyboardInterrupt for the run (main thread only), so a kill leaves gaps."""
    if not enabled or threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def collect(
    settings: CollectSettings,
    *,
    processor: Processor | None = None,
    transport_factory: TransportFactory | None = None,
    cancel: threading.Event | None = None,
    handle_signals: bool = True,
) -> CollectResult:
    """Collect the configured estate into a new snapshot folder (``settings.output`` or a dated one).

    Args:
        settings: from ``viosaudit.config.load_settings``.
        processor: progress events (default: none; the CLI passes ``make_processor(sys.stderr)``).
        transport_factory: how to reach a host (default: SSH; tests and offline runs may replay).
        cancel: set it from another thread to stop the run as an interrupt does.
        handle_signals: turn SIGTERM into an interrupt while the run lasts (main thread only).

    Raises:
        ConfigError: no host is configured, or the output folder exists and is not empty.
    """
    if not settings.hmcs and not settings.vioses:
        raise ConfigError("no hosts to collect: add [[hmc]] or [[vios]] entries to the configuration")
    root = settings.output_dir()
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise ConfigError(f"{root} already exists and is not empty; collect writes a new snapshot folder")
    secrets = [s.reveal() for s in (settings.password, settings.passphrase) if s is not None]
    sink = SnapshotWriter(root, sanitizer=Sanitizer(secrets), collector=f"viosaudit {__version__} collect")
    processor = processor or NullProcessor()
    for warning in key_warnings(settings):
        processor.message(f"warning: {warning}")
    runner = Runner(settings, sink, processor, transport_factory or ssh_transport_factory(settings), cancel)
    started = time.monotonic()
    try:
        with _interrupt_on_sigterm(handle_signals):
            runner.run()
        sink.finish_plan()  # not reached when killed: an unfinished plan marks the snapshot incomplete
    finally:
        processor.close()
        sink.close()  # the journal folded into manifest.json (not reached when killed: readers read both)
    return CollectResult(
        snapshot_dir=root,
        manifest=sink.manifest,
        outcomes=tuple(runner.outcomes),
        interrupted=runner.interrupted,
        peak_sessions=runner.peak_sessions,
        seconds=time.monotonic() - started,
    )


__all__ = [
    "CollectResult",
    "ImportResult",
    "LogProcessor",
    "NullProcessor",
    "Outcome",
    "Processor",
    "ReplayTransport",
    "RichProcessor",
    "SnapshotWriter",
    "SshTransport",
    "Status",
    "capture_script",
    "collect",
    "import_archive",
    "make_processor",
    "ssh_transport_factory",
]
