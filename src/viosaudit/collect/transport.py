"""Transports: how a command line reaches a host and its output comes back.

``Transport.run(command) -> CommandOutput`` is the whole contract. ``SshTransport`` speaks SSH with
paramiko and strict host-key checking (``RejectPolicy``: an unknown or changed key is refused, never
learnt); ``ReplayTransport`` answers from a snapshot folder, so the collector runs offline exactly as
it runs against a real estate. Failures are raised as ``CollectError`` subclasses whose messages say
what to check next; the runner turns them into gaps.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import heapq
import itertools
import select
import shlex
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

import paramiko

from viosaudit.commands import Command, identify
from viosaudit.config import Secret
from viosaudit.errors import AuthError, CollectError, CommandTimeout, HostKeyError, ViosauditError
from viosaudit.snapshot import Capture, Snapshot, now_iso

from .credentials import RefuseUnknown, known_hosts, login_for


class Unreachable(CollectError):
    """The host could not be reached (no route, refused, no answer)."""


class OutputCutShort(CollectError):
    """The channel closed before the command reported an exit status: its output may be incomplete."""


class ChannelLost(OutputCutShort):
    """The host refused the channel, or closed it before a single byte or an exit status: the command
    produced nothing we kept, so running it once more on a fresh channel collects nothing twice."""


class OutputTooLarge(CollectError):
    """The command printed more than ``max_output`` bytes: it was stopped and nothing of it is kept."""


@dataclass(frozen=True, slots=True)
class CommandOutput:
    """What one remote command produced: raw bytes, never decoded here."""

    command: str
    stdout: bytes
    stderr: bytes
    exit_status: int
    started: str
    ended: str
    retry: str | None = None  # why the first attempt was lost, when the command ran a second time


class Transport(Protocol):
    """A way to run commands on one host."""

    name: str

    def connect(self) -> None:
        """Log in now if not logged in; raise ``CollectError`` (``AuthError``, ``HostKeyError``...) if refused."""
        ...

    def run(self, command: str, *, timeout: float, stdin: bytes | None = None) -> CommandOutput:
        """Run one command line; raise a ``CollectError`` subclass when it cannot be run or completed."""
        ...

    def close(self) -> None:
        """Release the connection (safe to call twice, and from another thread to abort a command)."""
        ...


@dataclass(frozen=True, slots=True)
class SshTarget:
    """Where and how to log in to one host: one credential (``auth``), never a second try."""

    name: str
    address: str
    port: int
    user: str
    known_hosts: Path
    key_file: Path | None = None
    use_agent: bool = True
    password: Secret | None = None  # sent only when auth == "password"
    connect_timeout: float = 15.0
    auth: str = "key"
    passphrase: Secret | None = None  # decrypts key_file here; never sent
    max_output: int = 64 * 1024 * 1024

    @property
    def label(self) -> str:
        return f"{self.name} ({self.user}@{self.address}:{self.port})"


def _known_hosts_entry(address: str, port: int) -> str:
    return address if port == 22 else f"[{address}]:{port}"


def _connect_client(target: SshTarget, sock: paramiko.Channel | socket.socket | None, via: str) -> paramiko.SSHClient:
    """Log in to one host with strict host-key checking and one credential; map every failure to a CollectError."""
    if not target.known_hosts.is_file():
        raise HostKeyError(
            f"{target.label}: known_hosts file {target.known_hosts} does not exist; create it with "
            f"ssh-keyscan -p {target.port} {target.address} and verify the fingerprints out of band "
            "(docs/collect.md, 'Host keys')"
        )
    known = known_hosts(target.known_hosts)
    login = login_for(
        target.user,
        target.auth,
        key_file=target.key_file,
        use_agent=target.use_agent,
        password=target.password if target.auth == "password" else None,
        passphrase=target.passphrase,
        label=target.label,
    )
    client = paramiko.SSHClient()
    # As load_system_host_keys(): read-only, never written back; but parsed once per run, not once per host.
    client._system_host_keys = known.keys
    client.set_missing_host_key_policy(RefuseUnknown(known, target.label, target.port, target.address))
    entry = _known_hosts_entry(target.address, target.port)
    try:
        if sock is None:
            sock = _open_socket(target)
        client.connect(
            hostname=target.address,
            port=target.port,
            username=target.user,
            allow_agent=False,
            look_for_keys=False,
            timeout=target.connect_timeout,
            banner_timeout=target.connect_timeout,
            auth_timeout=target.connect_timeout,
            channel_timeout=target.connect_timeout,
            sock=sock,
            auth_strategy=login,
        )
    except CollectError:
        client.close()
        raise
    except paramiko.BadHostKeyException as exc:
        client.close()
        revoked = " The key it offered is marked @revoked." if known.is_revoked(exc.key) else ""
        raise HostKeyError(
            f"{target.label}: HOST KEY CHANGED: the host offered a {exc.key.get_name()} key with fingerprint "
            f"SHA256:{_fingerprint(exc.key)}, but {target.known_hosts} holds a different key for {entry}.{revoked} "
            "Refusing to connect (it may be a rebuilt host, or someone in the middle). Verify the new "
            "fingerprint with the host's administrator or console, then replace the line: "
            f"ssh-keygen -R '{entry}' -f {target.known_hosts} and add the verified key"
        ) from None
    except paramiko.AuthenticationException as exc:
        client.close()
        hint = (
            "Check the user name and the password (is the account locked?)"
            if target.auth == "password"
            else "Check the user name and that the public key is installed (HMC: mkauthkeys; VIOS: padmin's "
            "authorized_keys)"
        )
        raise AuthError(
            f"{target.label}: authentication failed ({_auth_reason(exc)}; one attempt with {login.description}, "
            f"not retried). {hint}"
        ) from None
    except paramiko.SSHException as exc:
        client.close()
        raise Unreachable(f"{target.label}{via}: SSH negotiation failed: {exc}") from None
    except TimeoutError:
        client.close()
        raise Unreachable(
            f"{target.label}{via}: no answer within {target.connect_timeout:g} s; check the address, "
            "routing and firewalls, or raise connect_timeout"
        ) from None
    except OSError as exc:
        client.close()
        reason = exc.strerror or str(exc) or type(exc).__name__
        raise Unreachable(
            f"{target.label}{via}: cannot connect: {reason}; check the address, port and that sshd runs"
        ) from None
    except Exception as exc:  # paramiko raises bare Exception for some key-type mismatches
        client.close()
        raise Unreachable(f"{target.label}{via}: SSH negotiation failed: {type(exc).__name__}: {exc}") from None
    return client


def _reason(error: CollectError, host: str) -> str:
    """An error's text without the leading host name (the capture or gap names the host already)."""
    text = str(error)
    return text[len(host) + 2 :] if text.startswith(f"{host}: ") else text


def _auth_reason(exc: paramiko.AuthenticationException) -> str:
    """The first underlying failure of an auth strategy (our own AuthError text when it gave one)."""
    for item in getattr(exc, "result", None) or ():
        error = getattr(item, "result", None)
        if isinstance(error, AuthError):
            return str(error)
        if isinstance(error, Exception):
            return type(error).__name__
    return type(exc).__name__


def _open_socket(target: SshTarget) -> socket.socket:
    """TCP connection with Nagle off: SSH sends many small packets, and Nagle plus delayed ACKs
    adds about 40 ms to every channel open and exec request (paramiko does not set TCP_NODELAY)."""
    sock = socket.create_connection((target.address, target.port), timeout=target.connect_timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def _fingerprint(key: paramiko.PKey) -> str:
    """The OpenSSH-style SHA256 fingerprint (what ``ssh-keygen -lf`` prints), without the prefix."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return base64.b64encode(digest).decode().rstrip("=")


class Watchdog:
    """One thread that calls callbacks at deadlines (cheaper than a timer thread per command)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._cancelled: set[int] = set()
        self._tokens = itertools.count()
        self._thread: threading.Thread | None = None

    def watch(self, deadline: float, callback: Callable[[], None]) -> int:
        with self._cond:
            token = next(self._tokens)
            heapq.heappush(self._heap, (deadline, token, callback))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="ssh-watchdog", daemon=True)
                self._thread.start()
            self._cond.notify()
            return token

    def cancel(self, token: int) -> None:
        with self._cond:
            self._cancelled.add(token)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._heap:
                    self._cond.wait()
                deadline, token, callback = self._heap[0]
                if token in self._cancelled:
                    heapq.heappop(self._heap)
                    self._cancelled.discard(token)
                    continue
                wait = deadline - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                heapq.heappop(self._heap)
            with contextlib.suppress(Exception):
                callback()


WATCHDOG = Watchdog()


class JumpHost:
    """One logged-in connection to a jump host, shared by all targets (OpenSSH ``ProxyJump``)."""

    def __init__(self, target: SshTarget) -> None:
        self.target = target
        self._client: paramiko.SSHClient | None = None
        self._lock = threading.Lock()
        self._refused: CollectError | None = None  # a refused login is never tried again

    def open_channel(self, address: str, port: int, timeout: float) -> paramiko.Channel:
        with self._lock:
            if self._refused is not None:
                raise self._refused
            transport = self._client.get_transport() if self._client else None
            if transport is None or not transport.is_active():
                try:
                    self._client = _connect_client(self.target, None, "")
                except CollectError as exc:
                    error = type(exc)(f"jump host {exc}")
                    if isinstance(exc, AuthError | HostKeyError):
                        self._refused = error
                    raise error from None
                transport = self._client.get_transport()
                assert transport is not None
        try:
            return transport.open_channel("direct-tcpip", (address, port), ("127.0.0.1", 0), timeout=timeout)
        except (paramiko.SSHException, OSError) as exc:
            raise Unreachable(
                f"jump host {self.target.label} cannot open a connection to {address}:{port}: {exc}"
            ) from None

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None


class SshTransport:
    """Runs commands over one SSH connection (opened on first use, reopened after a drop)."""

    def __init__(self, target: SshTarget, *, jump: JumpHost | None = None) -> None:
        self.name = target.name
        self.target = target
        self.jump = jump
        self._client: paramiko.SSHClient | None = None
        self._channel: paramiko.Channel | None = None
        self._closed = False

    def connect(self) -> None:
        """Log in now (the runner does this first, so a refused login is one gap, not one per command)."""
        if self._client is not None:
            transport = self._client.get_transport()
            if transport is not None and transport.is_active():
                return
            self._client.close()
            self._client = None
        sock = None
        via = ""
        if self.jump is not None:
            via = f" via jump host {self.jump.target.name}"
            sock = self.jump.open_channel(self.target.address, self.target.port, self.target.connect_timeout)
        self._client = _connect_client(self.target, sock, via)

    def run(self, command: str, *, timeout: float, stdin: bytes | None = None) -> CommandOutput:
        """Run once; when the channel is lost before any output (``ChannelLost``), once more on a fresh
        channel, and say so on the output. A second loss is an error naming the host and the command."""
        try:
            return self._run_once(command, timeout=timeout, stdin=stdin)
        except ChannelLost as first:
            if self._closed:
                raise
            try:
                output = self._run_once(command, timeout=timeout, stdin=stdin)
            except ChannelLost as second:
                raise ChannelLost(
                    f"{self.name}: lost twice, the second time on a fresh channel: {_reason(second, self.name)}"
                ) from None
            return replace(output, retry=_reason(first, self.name))

    def _run_once(self, command: str, *, timeout: float, stdin: bytes | None = None) -> CommandOutput:
        if self._closed:
            raise CollectError(f"{self.name}: the connection was closed (run interrupted)")
        self.connect()
        assert self._client is not None
        transport = self._client.get_transport()
        if transport is None:
            raise Unreachable(f"{self.target.label}: connection lost")
        started = now_iso()
        deadline = time.monotonic() + timeout
        try:
            channel = transport.open_session(timeout=self.target.connect_timeout)
        except paramiko.ChannelException as exc:  # the host refused this channel (sshd MaxSessions...)
            raise ChannelLost(f"{self.name}: the host refused a session channel ({exc}): {command}") from None
        except (paramiko.SSHException, OSError) as exc:
            reason = str(exc) or type(exc).__name__
            if transport.is_active():  # opened, then closed at once by the host: this channel only
                raise ChannelLost(
                    f"{self.name}: the session channel closed as it opened ({reason}): {command}"
                ) from None
            self._reset()  # the connection itself is gone: the retry logs in again
            raise ChannelLost(
                f"{self.name}: the connection closed before the command started ({reason}): {command}"
            ) from None
        self._channel = channel
        expired = threading.Event()

        def expire() -> None:
            expired.set()
            channel.close()

        # paramiko waits without limit for the answer to an exec request: a host that never answers
        # would hold this thread for ever. The watchdog closes the channel at the deadline instead.
        token = WATCHDOG.watch(deadline, expire)
        out, err = bytearray(), bytearray()
        try:
            channel.exec_command(command)
            if stdin:
                channel.sendall(stdin)
            channel.shutdown_write()
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or expired.is_set():
                    raise self._timeout(command, timeout, len(out))
                select.select([channel], [], [], min(remaining, 1.0))
                while channel.recv_ready():
                    out += channel.recv(65536)
                    self._check_size(command, out, err)
                while channel.recv_stderr_ready():
                    err += channel.recv_stderr(65536)
                    self._check_size(command, out, err)
                if channel.closed or (channel.eof_received and channel.status_event.is_set()):
                    break
            while channel.recv_ready():
                out += channel.recv(65536)
                self._check_size(command, out, err)
            while channel.recv_stderr_ready():
                err += channel.recv_stderr(65536)
                self._check_size(command, out, err)
            if expired.is_set():
                raise self._timeout(command, timeout, len(out))
            if self._closed:
                raise CollectError(f"{self.name}: interrupted while running: {command}")
            if channel.exit_status < 0:
                if not out and not err:
                    raise ChannelLost(
                        f"{self.name}: the channel closed before any output and without an exit status: {command}"
                    )
                raise OutputCutShort(
                    f"{self.name}: output cut short: the connection closed after {len(out)} bytes without an "
                    f"exit status: {command}"
                )
            return CommandOutput(
                command=command,
                stdout=bytes(out),
                stderr=bytes(err),
                exit_status=channel.exit_status,
                started=started,
                ended=now_iso(),
            )
        except (CommandTimeout, OutputTooLarge):
            self._reset()  # the host may be wedged: the next command starts on a fresh connection
            raise
        except (paramiko.SSHException, OSError) as exc:
            if expired.is_set():
                self._reset()
                raise self._timeout(command, timeout, len(out)) from None
            if self._closed:
                raise CollectError(f"{self.name}: interrupted while running: {command}") from None
            if not out and not err:
                raise ChannelLost(
                    f"{self.name}: the channel closed before any output ({exc or type(exc).__name__}): {command}"
                ) from None
            raise OutputCutShort(
                f"{self.name}: output cut short: {exc or type(exc).__name__} after {len(out)} bytes: {command}"
            ) from None
        finally:
            WATCHDOG.cancel(token)
            self._channel = None
            channel.close()

    def _check_size(self, command: str, out: bytearray, err: bytearray) -> None:
        """Stop a command that prints more than ``max_output``: a host may not fill our disk or memory."""
        limit = self.target.max_output
        if len(out) + len(err) > limit:
            raise OutputTooLarge(
                f"{self.name}: output exceeded max_output ({limit} bytes) and was stopped; nothing of it is "
                f"kept (a part could be read as if it were whole): {command}; raise max_output if the host "
                "really prints that much"
            )

    def _timeout(self, command: str, timeout: float, received: int) -> CommandTimeout:
        return CommandTimeout(
            f"{self.name}: command did not finish within {timeout:g} s (after {received} bytes of output): "
            f"{command}; raise command_timeout if the host is just slow"
        )

    def _reset(self) -> None:
        if self._client is not None:
            with contextlib.suppress(Exception):
                self._client.close()
            self._client = None

    def close(self) -> None:
        self._closed = True
        channel = self._channel
        if channel is not None:
            channel.close()
        if self._client is not None:
            self._client.close()


class ReplayTransport:
    """Answers command lines from a snapshot: offline collection, and the fake device of the tests.

    ``host`` is the snapshot host this transport plays. An HMC answers its own commands and, through
    ``viosvrcmd -m SYS -p VIOS -c "cmd"``, the VIOS captures of that system and partition; a VIOS
    answers ``ioscli cmd`` and root commands given through ``oem_setup_env`` (piped or on stdin).
    """

    def __init__(self, snapshot: Snapshot, host: str) -> None:
        self.name = host
        self.snapshot = snapshot

    def run(self, command: str, *, timeout: float, stdin: bytes | None = None) -> CommandOutput:
        capture = self.find(command, stdin)
        return CommandOutput(
            command=command,
            stdout=self.snapshot.read_bytes(capture),
            stderr=b"",
            exit_status=capture.exit_status,
            started=capture.started,
            ended=capture.ended,
        )

    def find(self, command: str, stdin: bytes | None = None) -> Capture:
        try:
            argv = shlex.split(command)
        except ValueError as exc:
            raise CollectError(f"{self.name}: replay cannot split command {command!r}: {exc}") from None
        system: str | None = None
        partition: str | None = None
        host = self.name
        if argv and argv[0] == "viosvrcmd":
            options = _options(argv[1:])
            system, partition, inner = options.get("-m"), options.get("-p"), options.get("-c", "")
            wanted = _identify(inner, self.name)
            host = ""
        elif "oem_setup_env" in argv:
            lines = (stdin or b"").decode("utf-8", "replace").splitlines()
            inner = argv[1] if argv[:1] == ["echo"] and len(argv) > 1 else (lines[0] if lines else "")
            wanted = _identify(inner, self.name)
        else:
            wanted = _identify(command, self.name)
            if wanted.per_system:
                system = _options(argv[1:]).get("-m")
        for capture in self.snapshot.manifest.captures:
            if capture.command_id != wanted.id:
                continue
            if host and capture.host != host:
                continue
            if not host and (capture.partition != partition or capture.via not in (None, self.name)):
                continue
            if system is not None and capture.managed_system != system:
                continue
            return capture
        raise CollectError(f"{self.name}: the snapshot holds no output for {command!r}")

    def connect(self) -> None:
        return None

    def close(self) -> None:
        return None


def _identify(line: str, host: str) -> Command:
    try:
        return identify(line)
    except ViosauditError as exc:
        raise CollectError(f"{host}: {exc}") from None


def _options(argv: list[str]) -> dict[str, str]:
    options: dict[str, str] = {}
    for index, arg in enumerate(argv[:-1]):
        if arg.startswith("-") and arg not in options:
            options[arg] = argv[index + 1]
    return options


__all__ = [
    "ChannelLost",
    "CommandOutput",
    "JumpHost",
    "OutputCutShort",
    "OutputTooLarge",
    "ReplayTransport",
    "SshTarget",
    "SshTransport",
    "Transport",
    "Unreachable",
]
