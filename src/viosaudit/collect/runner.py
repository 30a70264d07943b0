"""The one runner: plans, runs and records the whole collection (Nornir's ``ThreadedRunner`` idea).

Concurrency model:

* Every host has a queue of steps and at most ``lanes`` workers draining it: ``hmc_sessions`` for an
  HMC (a shared appliance), one for a directly reached VIOS. Each lane owns one SSH connection, so an
  HMC never sees more than ``hmc_sessions`` logins or commands at once; a per-HMC semaphore guards
  every command as well and records the peak the run reached.
* Lanes run on one bounded thread pool (``concurrency`` workers) shared by all hosts; a free worker
  takes an HMC lane before a VIOS lane (HMCs are the long pole). ``concurrency = 1`` is strictly
  one command at a time.
* The plan grows as it runs: ``lssyscfg -r sys`` on each HMC lists managed systems; when every HMC
  has answered (or failed), each system is given to the first HMC in configuration order that lists
  it in a usable state (key: serial number), so no system is collected twice; ``lssyscfg -r lpar``
  then names the running VIOS, whose commands go through ``viosvrcmd`` unless the configuration
  reaches that VIOS directly.

Failures are data: each (host, command) ends as a capture, a gap, or both (non-zero exit). A login
that fails marks the host dead, and its remaining steps become gaps without further attempts. An
interrupt (Ctrl-C, SIGTERM) stops new commands, aborts running ones, and records every unfinished
step as a gap; captures already written stay listed.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from viosaudit.commands import Feeds, Role
from viosaudit.config import CollectSettings, HostSpec
from viosaudit.errors import CollectError, ParseError
from viosaudit.model import ManagedSystemRecord, PartitionEnv, PartitionRecord
from viosaudit.snapshot import Gap, SnapshotWriter

from .hmc import HmcHook
from .plan import Skip, Step, step_targets
from .progress import Outcome, Processor, Status
from .transport import CommandOutput, Transport
from .vios import ViosHook

TransportFactory = Callable[[HostSpec, Role], Transport]
Then = Callable[[CommandOutput | None], None]

INTERRUPTED_BEFORE = "interrupted before it ran"


@dataclass(eq=False)
class _Task:
    step: Step
    then: Then | None = None
    answered: bool = False


@dataclass(eq=False)
class _Host:
    spec: HostSpec
    role: Role
    lanes: int
    queue: deque[_Task] = field(default_factory=deque)
    active: int = 0
    idle: list[Transport] = field(default_factory=list)
    transports: list[Transport] = field(default_factory=list)
    dead: str | None = None
    login: threading.Lock = field(default_factory=threading.Lock)
    running: int = 0
    peak: int = 0
    semaphore: threading.BoundedSemaphore = field(init=False)

    def __post_init__(self) -> None:
        self.semaphore = threading.BoundedSemaphore(self.lanes)


@dataclass(eq=False)
class _Discovered:
    """What one HMC's ``lssyscfg -r sys`` said (None: it failed)."""

    systems: tuple[ManagedSystemRecord, ...] | None


class Runner:
    """Runs one collection; use ``run()`` once."""

    def __init__(
        self,
        settings: CollectSettings,
        sink: SnapshotWriter,
        processor: Processor,
        factory: TransportFactory,
        cancel: threading.Event | None = None,
    ) -> None:
        self.settings = settings
        self.sink = sink
        self.processor = processor
        self.factory = factory
        self.cancel = cancel or threading.Event()
        self.hmc_hook = HmcHook()
        self.vios_hook = ViosHook(settings.root_method)
        self.outcomes: list[Outcome] = []
        self.interrupted = False
        self._lock = threading.RLock()
        self._idle = threading.Condition(self._lock)
        self._pending = 0
        self._pool: ThreadPoolExecutor | None = None
        self._ready: list[tuple[int, int, _Host]] = []  # lanes waiting for a worker, HMC lanes first
        self._order = itertools.count()
        self._direct_instead: list[str] = []
        self._hosts: dict[str, _Host] = {}
        self._inventory: dict[str, _Discovered] = {}
        self._lpar_pending = 0
        self._vios_seen: dict[tuple[str, str], str] = {}  # (system, partition) -> state
        self._deferred_vios: list[tuple[str, ManagedSystemRecord, PartitionRecord]] = []
        self._direct_done: set[str] = set()
        self._system_owner: dict[str, str] = {}

    # ------------------------------------------------------------------ public

    @property
    def peak_sessions(self) -> dict[str, int]:
        return {name: host.peak for name, host in self._hosts.items() if host.role is Role.HMC}

    def run(self) -> None:
        """Run the whole plan; returns when every step has a capture or a gap (or after an interrupt)."""
        pool = ThreadPoolExecutor(max_workers=self.settings.concurrency, thread_name_prefix="collect")
        self._pool = pool
        try:
            with self._lock:
                self._pending += 1  # hold the run open while the initial plan is queued
                for spec in self.settings.hmcs:
                    self._hosts[spec.name] = _Host(spec, Role.HMC, self.settings.hmc_sessions)
                for spec in self.settings.vioses:
                    self._hosts[spec.name] = _Host(spec, Role.VIOS, 1)
                for spec in self.settings.hmcs:
                    discover = self._on_systems(spec.name)
                    steps = self.hmc_hook.inventory(spec.name)
                    self._enqueue_all(
                        spec.name,
                        [_Task(s, discover if s.command.feeds is Feeds.SYSTEMS else None) for s in steps],
                    )
                for spec in self.settings.vioses:
                    if spec.managed_system is not None or not self.settings.hmcs:
                        self._start_direct(spec, spec.managed_system)
                self._done_one()
            with self._idle:
                while self._pending:
                    self._idle.wait(0.2)
            if self.cancel.is_set():
                self.interrupted = True
        except KeyboardInterrupt:
            self._interrupt()
        finally:
            with self._lock:
                self._pool = None  # from here on, nothing new starts
            pool.shutdown(wait=True, cancel_futures=True)
            with self._lock:
                for host in self._hosts.values():
                    self._drain(host, INTERRUPTED_BEFORE, Status.NOT_RUN)
                    for transport in host.transports:
                        transport.close()

    # ------------------------------------------------------------------ scheduling

    def _enqueue_all(self, host_name: str, tasks: list[_Task]) -> None:
        """Record the steps in the manifest's plan (on disk before any of them runs), then queue them."""
        if not tasks:
            return
        self.sink.plan(step_targets(t.step for t in tasks))
        for task in tasks:
            self._enqueue(host_name, task)

    def _enqueue(self, host_name: str, task: _Task) -> None:
        with self._lock:
            host = self._hosts[host_name]
            host.queue.append(task)
            self._pending += 1
            self.processor.planned(1)
            if host.active < host.lanes and self._pool is not None:
                host.active += 1
                # Which lane a free worker runs is decided when it starts, not when it was queued:
                # HMC lanes first, as they are the long pole (few sessions per HMC) and must not
                # wait behind a queue of VIOS hosts.
                priority = 0 if host.role is Role.HMC else 1
                heapq.heappush(self._ready, (priority, next(self._order), host))
                self._pool.submit(self._next_lane)
            # with no pool (the run is stopping) the step waits in the queue and ``run`` drains it

    def _done_one(self) -> None:
        with self._lock:
            self._pending -= 1
            if self._pending == 0:
                self._idle.notify_all()

    def _next_lane(self) -> None:
        with self._lock:
            _, _, host = heapq.heappop(self._ready)
        self._lane(host)

    def _lane(self, host: _Host) -> None:
        transport: Transport | None = None
        with self._lock:
            if host.idle:
                transport = host.idle.pop()
        while True:
            with self._lock:
                if not host.queue:
                    host.active -= 1
                    if transport is not None and host.role is Role.HMC:
                        host.idle.append(transport)  # discovery may queue more work for this HMC
                        transport = None
                    break
                task = host.queue.popleft()
            try:
                transport = self._execute(host, task, transport)
            except Exception as exc:  # never lose the accounting, whatever happened
                self._fail(task.step, f"internal error: {type(exc).__name__}: {exc}", Status.FAILED)
                self._then(task, None)
            finally:
                self._done_one()
        if transport is not None:
            # A directly reached VIOS gets all its steps at once: log out now (an idle paramiko
            # connection keeps a thread polling ten times a second until it is closed).
            with contextlib.suppress(Exception):
                transport.close()

    def _execute(self, host: _Host, task: _Task, transport: Transport | None) -> Transport | None:
        step = task.step
        if self.cancel.is_set():
            self._fail(step, INTERRUPTED_BEFORE, Status.NOT_RUN)
            self._then(task, None)
            return transport
        if transport is None and host.dead is None:
            transport = self.factory(host.spec, host.role)
            with self._lock:
                host.transports.append(transport)
        # One login at a time per host, and none after a refusal: the HMC's second lane waits for the
        # first lane's login instead of failing it again (two failed logins lock accounts).
        with host.login:
            if host.dead is None and transport is not None:
                try:
                    transport.connect()
                except CollectError as exc:
                    with self._lock:
                        host.dead = f"cannot log in: {exc}"
                        self.processor.message(self.sink.sanitizer.text(f"{host.spec.name}: {host.dead}"))
            dead = host.dead
        if dead is not None or transport is None:
            self._fail(step, dead or "cannot log in", Status.FAILED)
            self._then(task, None)
            return transport
        started = time.monotonic()
        with host.semaphore:
            with self._lock:
                host.running += 1
                host.peak = max(host.peak, host.running)
            try:
                output: CommandOutput | None = transport.run(
                    step.line, timeout=self.settings.command_timeout, stdin=step.stdin
                )
                error: CollectError | None = None
            except CollectError as exc:
                output, error = None, exc
            finally:
                with self._lock:
                    host.running -= 1
        seconds = time.monotonic() - started
        if error is not None or output is None:
            reason = str(error) if not self.cancel.is_set() else f"interrupted while running: {error}"
            self._fail(step, reason, Status.FAILED if not self.cancel.is_set() else Status.NOT_RUN, seconds)
            self._then(task, None)
            return transport
        self._record(step, output, seconds)
        self._then(task, output if output.exit_status == 0 else None)
        return transport

    def _then(self, task: _Task, output: CommandOutput | None) -> None:
        if task.then is not None and not task.answered:
            task.answered = True  # a discovery step answers once, even after an internal error
            task.then(output)

    # ------------------------------------------------------------------ recording

    def _record(self, step: Step, output: CommandOutput, seconds: float) -> None:
        capture = self.sink.add_capture(
            host=step.host,
            role=step.role,
            command_id=step.command.id,
            command=step.line,
            output=output.stdout,
            started=output.started,
            ended=output.ended,
            exit_status=output.exit_status,
            managed_system=step.managed_system,
            partition=step.partition,
            via=step.via,
            retry=output.retry,
        )
        not_utf8 = False
        try:
            output.stdout.decode("utf-8")
        except UnicodeDecodeError as exc:
            not_utf8 = True
            self.sink.note(
                f"{capture.file}: output is not valid UTF-8 (first undecodable byte at offset {exc.start}); "
                "kept verbatim, byte for byte"
            )
        status, reason = Status.OK, None
        if output.exit_status != 0:
            detail = _first_line(output.stderr) or _first_line(output.stdout) or "no message"
            reason = f"exited with status {output.exit_status}: {detail} (output kept in {capture.file})"
            self.sink.add_gap(self._gap(step, reason, file=capture.file))
            status = Status.NONZERO
        self._outcome(
            step,
            status,
            self.sink.sanitizer.text(reason) if reason else None,
            capture.file,
            output.exit_status,
            seconds,
            not_utf8,
        )

    def _fail(self, step: Step, reason: str, status: Status, seconds: float = 0.0) -> None:
        self.sink.add_gap(self._gap(step, reason))
        self._outcome(step, status, self.sink.sanitizer.text(reason), None, None, seconds)

    def _skip(self, step_host: str, skip: Skip, system: str | None, partition: str | None, via: str | None) -> None:
        self.sink.add_gap(
            Gap(
                host=step_host,
                command_id=skip.command.id,
                reason=skip.reason,
                role=Role.VIOS,
                managed_system=system,
                partition=partition,
                expected=True,  # implied by the route (HMC mode) or the configuration, not a failure
            )
        )
        self.processor.planned(1)
        self._emit(
            Outcome(
                step_host,
                Role.VIOS,
                skip.command.id,
                Status.NOT_COLLECTABLE,
                skip.reason,
                managed_system=system,
                partition=partition,
                via=via,
            )
        )

    def _gap(self, step: Step, reason: str, file: str | None = None) -> Gap:
        return Gap(
            host=step.host,
            command_id=step.command.id,
            reason=reason,
            role=step.role,
            managed_system=step.managed_system,
            partition=step.partition,
            file=file,
        )

    def _outcome(
        self,
        step: Step,
        status: Status,
        reason: str | None,
        file: str | None,
        exit_status: int | None,
        seconds: float,
        not_utf8: bool = False,
    ) -> None:
        self._emit(
            Outcome(
                step.host,
                step.role,
                step.command.id,
                status,
                reason,
                file,
                step.managed_system,
                step.partition,
                step.via,
                exit_status,
                seconds,
                not_utf8,
            )
        )

    def _emit(self, outcome: Outcome) -> None:
        with self._lock:
            self.outcomes.append(outcome)
        self.processor.finished(outcome)

    # ------------------------------------------------------------------ discovery

    def _on_systems(self, hmc: str) -> Then:
        def then(output: CommandOutput | None) -> None:
            systems: tuple[ManagedSystemRecord, ...] | None = None
            if output is not None:
                try:
                    systems = self.hmc_hook.systems(output.stdout.decode("utf-8", "replace"), hmc)
                except ParseError as exc:
                    self.sink.note(f"{hmc}: cannot read its managed systems, none collected through it: {exc}")
            with self._lock:
                self._inventory[hmc] = _Discovered(systems)
                if len(self._inventory) == len(self.settings.hmcs):
                    self._assign_systems()

        return then

    def _assign_systems(self) -> None:
        """Every HMC has answered: give each system (by serial) to one HMC, in configuration order."""
        listed: dict[str, list[tuple[str, ManagedSystemRecord]]] = {}
        for spec in self.settings.hmcs:
            for system in self._inventory[spec.name].systems or ():
                listed.setdefault(system.serial or system.name, []).append((spec.name, system))
        for key, seen in listed.items():
            usable = [entry for entry in seen if self.hmc_hook.usable(entry[1])]
            hmc, system = (usable or seen)[0]
            self._system_owner[key] = hmc
            if len(seen) > 1:
                self.sink.note(
                    f"managed system {system.name} (serial {system.serial}) is listed by HMCs "
                    f"{', '.join(h for h, _ in seen)}; collected once, through {hmc}"
                )
            self._lpar_pending += 1
            self._enqueue_all(
                hmc,
                [
                    _Task(step, self._on_partitions(hmc, system) if step.command.feeds is Feeds.PARTITIONS else None)
                    for step in self.hmc_hook.per_system(hmc, system.name)
                ],
            )
        if not self._lpar_pending:
            self._finish_discovery()

    def _on_partitions(self, hmc: str, system: ManagedSystemRecord) -> Then:
        def then(output: CommandOutput | None) -> None:
            partitions: tuple[PartitionRecord, ...] = ()
            if output is not None:
                try:
                    partitions = self.hmc_hook.partitions(output.stdout.decode("utf-8", "replace"), hmc)
                except ParseError as exc:
                    self.sink.note(
                        f"{hmc}: cannot read the partitions of {system.name}; its VIOS were not collected "
                        f"through the HMC: {exc}"
                    )
            with self._lock:
                for partition in partitions:
                    if partition.env is PartitionEnv.VIOS:
                        self._vios_seen[(system.name, partition.partition_name)] = partition.state or "unknown"
                for vios in self.hmc_hook.running_vios(partitions):
                    self._plan_hmc_vios(hmc, system, vios)
                self._lpar_pending -= 1
                if self._lpar_pending == 0:
                    self._finish_discovery()

        return then

    def _direct_for(self, system: ManagedSystemRecord, vios: PartitionRecord) -> tuple[HostSpec | None, bool]:
        """The configured direct VIOS that is this partition (or may be, once discovery is complete)."""
        maybe = False
        for spec in self.settings.vioses:
            name = spec.partition or spec.name
            if name != vios.partition_name:
                continue
            if spec.managed_system in (system.name, system.serial):
                return spec, False
            if spec.managed_system is None:
                maybe = True
        return None, maybe

    def _plan_hmc_vios(self, hmc: str, system: ManagedSystemRecord, vios: PartitionRecord) -> None:
        spec, maybe = self._direct_for(system, vios)
        if spec is not None:
            self._direct_instead.append(f"{vios.partition_name} on {system.name} (as {spec.name})")
            return
        if maybe:
            self._deferred_vios.append((hmc, system, vios))
            return
        self._start_hmc_vios(hmc, system, vios)

    def _start_hmc_vios(self, hmc: str, system: ManagedSystemRecord, vios: PartitionRecord) -> None:
        steps, skips = self.hmc_hook.vios_steps(hmc, system.name, vios.partition_name)
        self._enqueue_all(hmc, [_Task(step) for step in steps])
        for skip in skips:
            self._skip(vios.partition_name, skip, system.name, vios.partition_name, hmc)

    def _finish_discovery(self) -> None:
        """All HMC discovery is in: place direct VIOS that did not name their system, then the rest."""
        resolved: dict[str, str] = {}
        for spec in self.settings.vioses:
            if spec.managed_system is not None:
                continue
            name = spec.partition or spec.name
            systems = sorted({s for (s, p) in self._vios_seen if p == name})
            if len(systems) == 1:
                resolved[spec.name] = systems[0]
                self.sink.note(f"VIOS {spec.name}: managed system {systems[0]} learnt from the HMC inventory")
            elif systems:
                self.sink.note(
                    f"VIOS {spec.name}: a VIOS named {name} exists on {', '.join(systems)}; set managed_system "
                    "in the configuration to say which"
                )
            elif not self.cancel.is_set():
                self.sink.note(
                    f"VIOS {spec.name}: no HMC in this run lists a VIOS named {name}; managed system unknown"
                )
            self._start_direct(spec, resolved.get(spec.name))
        for hmc, system, vios in self._deferred_vios:
            covered = any(
                (spec.partition or spec.name) == vios.partition_name and resolved.get(spec.name) == system.name
                for spec in self.settings.vioses
            )
            if covered:
                self._direct_instead.append(f"{vios.partition_name} on {system.name}")
                continue
            self._start_hmc_vios(hmc, system, vios)
        self._deferred_vios.clear()
        if self._direct_instead:
            self.sink.note(
                "VIOS listed by an HMC but collected directly (root commands included), not through viosvrcmd: "
                + ", ".join(sorted(self._direct_instead))
            )

    def _start_direct(self, spec: HostSpec, system: str | None) -> None:
        if spec.name in self._direct_done:
            return
        self._direct_done.add(spec.name)
        steps, skips = self.vios_hook.steps(spec.name, system, spec.partition or spec.name)
        self._enqueue_all(spec.name, [_Task(step) for step in steps])
        for skip in skips:
            self._skip(spec.name, skip, system, spec.partition or spec.name, None)

    # ------------------------------------------------------------------ interrupt

    def _interrupt(self) -> None:
        """Stop: no new commands, abort running ones, and turn every unfinished step into a gap."""
        self.interrupted = True
        self.cancel.set()
        self.sink.note("run interrupted: unfinished commands are listed as gaps")
        self.processor.message("interrupted: recording what did not run")
        with self._lock:
            transports = [t for h in self._hosts.values() for t in h.transports]
        for transport in transports:
            with contextlib.suppress(Exception):  # best effort while stopping
                transport.close()
        deadline = time.monotonic() + 30
        with self._idle:
            while self._pending and time.monotonic() < deadline:
                self._idle.wait(0.1)

    def _drain(self, host: _Host, reason: str, status: Status) -> None:
        while host.queue:
            task = host.queue.popleft()
            self._fail(task.step, reason, status)
            self._pending -= 1
        if self._pending <= 0:
            self._idle.notify_all()


def _first_line(data: bytes) -> str:
    for line in data.decode("utf-8", "replace").splitlines():
        if line.strip():
            return line.strip()[:200]
    return ""


__all__ = ["Runner", "TransportFactory"]
