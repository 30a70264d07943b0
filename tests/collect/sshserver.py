"""An in-process SSH server on loopback that plays HMCs and VIOS from a snapshot folder.

Each host of the snapshot listens on its own 127.0.0.1 port with its own host key. An exec request
is split as a POSIX shell would split it (``shlex``) and answered with the capture whose command it
matches: HMC commands by their canonical argv from ``commands.py`` (a managed system name must
arrive as exactly one argument), ``viosvrcmd -m SYS -p VIOS -c CMD`` with the VIOS capture of that
system and partition, and on a VIOS ``ioscli CMD`` plus root commands through ``oem_setup_env``
(``echo CMD | ioscli oem_setup_env`` or lines on stdin). A bare ``lsmap`` fails as it does in a
non-interactive padmin session, where the aliases are not loaded.

Per host: latency per command, authentication failure, a different host key, and per-command
faults (drop the connection mid-output, hang, non-UTF-8 garbage, non-zero exit, leak a secret, close
the channel before any byte once or every time).
The server counts concurrent connections and exec channels per host, so tests can prove a limit.
A host of role ``jump`` forwards ``direct-tcpip`` channels (ProxyJump).
"""

from __future__ import annotations

import contextlib
import io
import json
import selectors
import shlex
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import paramiko
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from viosaudit.commands import COMMANDS, Role

_HMC_ARGV = [
    (c.id, shlex.split(c.line.replace("{system}", "__SYSTEM__")), c.per_system) for c in COMMANDS if c.role is Role.HMC
]
_VIOS_LINES = {c.line: c.id for c in COMMANDS if c.role is Role.VIOS}
_ROOT_IDS = {c.id for c in COMMANDS if c.needs_root}


def new_key() -> tuple[paramiko.Ed25519Key, str]:
    """A fresh Ed25519 key and its private key text in OpenSSH format."""
    private = ed25519.Ed25519PrivateKey.generate()
    text = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
    ).decode()
    return paramiko.Ed25519Key(file_obj=io.StringIO(text)), text


class Fault(StrEnum):
    DROP = "drop"  # send part of the output, then drop the connection (no exit status)
    HANG = "hang"  # never answer
    GARBAGE = "garbage"  # non-UTF-8 bytes around the real output
    NONZERO = "nonzero"  # no output, an error on stderr, exit status 1
    LEAK = "leak"  # the output carries the SSH password
    STALL = "stall"  # never even answer the exec request (a wedged appliance)
    FLOOD = "flood"  # print ``Behaviour.flood`` bytes (a host that sends far too much)
    LOSE_ONCE = "lose-once"  # close the command's first channel before any byte or exit status
    LOSE = "lose"  # close every channel of the command so (it never completes)


@dataclass
class Behaviour:
    latency: float = 0.0
    auth_fail: bool = False
    wrong_host_key: bool = False
    faults: dict[str, Fault] = field(default_factory=dict)  # command id or "*" -> fault
    flood: int = 3 * 1024 * 1024


@dataclass
class Stats:
    connections: int = 0
    max_connections: int = 0
    channels: int = 0
    max_channels: int = 0
    logins: int = 0
    failed_auths: int = 0  # every refused authentication request, whatever its method
    passwords: list[str] = field(default_factory=list)  # every password offered to this host
    commands: list[str] = field(default_factory=list)
    argvs: list[list[str]] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)  # command ids whose channel was closed by LOSE faults
    forwarded: list[tuple[str, int]] = field(default_factory=list)


@dataclass(frozen=True)
class Reply:
    stdout: bytes
    stderr: bytes = b""
    status: int = 0


@dataclass
class Host:
    name: str
    role: str  # "hmc", "vios" or "jump"
    key: paramiko.PKey
    other_key: paramiko.PKey
    behaviour: Behaviour = field(default_factory=Behaviour)
    stats: Stats = field(default_factory=Stats)
    port: int = 0
    sock: socket.socket | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    hmc_outputs: dict[tuple[str, str | None], Reply] = field(default_factory=dict)
    vios_identity: tuple[str | None, str | None] | None = None


class FakeEstate:
    """Plays every host of a snapshot folder over SSH on 127.0.0.1 (one port per host)."""

    def __init__(
        self,
        snapshot: Path,
        *,
        client_key: paramiko.PKey,
        password: str | None = None,
        jump: bool = False,
    ) -> None:
        self.client_key = client_key
        self.password = password
        self.hosts: dict[str, Host] = {}
        self.vios_outputs: dict[tuple[str | None, str | None], dict[str, Reply]] = {}
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._transports: list[paramiko.Transport] = []
        self._selector = selectors.DefaultSelector()
        self._role_lock = threading.Lock()
        self.connections_by_role: dict[str, int] = {}
        self.max_connections_by_role: dict[str, int] = {}
        self.channels_by_role: dict[str, int] = {}
        self.max_channels_by_role: dict[str, int] = {}
        data = json.loads((snapshot / "manifest.json").read_text(encoding="utf-8"))
        for capture in data["captures"]:
            body = (snapshot / capture["file"]).read_bytes()
            reply = Reply(body, b"", int(capture.get("exit_status", 0)))
            if capture["role"] == "hmc":
                host = self._host(capture["host"], "hmc")
                host.hmc_outputs[(capture["command_id"], capture.get("managed_system"))] = reply
            else:
                identity = (capture.get("managed_system"), capture.get("partition") or capture["host"])
                self.vios_outputs.setdefault(identity, {})[capture["command_id"]] = reply
                host = self._host(capture["host"], "vios")
                host.vios_identity = identity
        if jump:
            self._host("jump", "jump")

    def _host(self, name: str, role: str) -> Host:
        if name not in self.hosts:
            self.hosts[name] = Host(name, role, new_key()[0], new_key()[0])
        return self.hosts[name]

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FakeEstate:
        for host in self.hosts.values():
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", 0))
            sock.listen(128)
            sock.setblocking(False)
            host.sock, host.port = sock, sock.getsockname()[1]
            self._selector.register(sock, selectors.EVENT_READ, host)
        thread = threading.Thread(target=self._accept_loop, name="fake-ssh-accept", daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stop.set()
        for transport in list(self._transports):
            transport.close()
        for thread in self._threads:
            thread.join(timeout=5)
        for host in self.hosts.values():
            if host.sock is not None:
                with contextlib.suppress(Exception):
                    self._selector.unregister(host.sock)
                host.sock.close()
        self._selector.close()

    def __enter__(self) -> FakeEstate:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def write_known_hosts(self, path: Path, *, skip: tuple[str, ...] = ()) -> Path:
        lines = [
            f"[127.0.0.1]:{h.port} {h.key.get_name()} {h.key.get_base64()}"
            for h in self.hosts.values()
            if h.name not in skip
        ]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    def write_config(
        self, path: Path, output: Path, key: Path, known_hosts: Path, *, direct_vios: bool = False
    ) -> Path:
        """A viosaudit.toml reaching ``hmc1`` (and, with ``direct_vios``, every VIOS directly)."""
        lines = [
            "[collect]",
            f'output = "{output}"',
            f'key_file = "{key}"',
            f'known_hosts = "{known_hosts}"',
            "use_agent = false",
            "concurrency = 2",
            "hmc_sessions = 1",
            "",
            "[[hmc]]",
            'name = "hmc1"',
            'address = "127.0.0.1"',
            f"port = {self['hmc1'].port}",
        ]
        for name, host in self.hosts.items():
            if direct_vios and host.role == "vios":
                system = host.vios_identity[0] if host.vios_identity else None
                lines += ["", "[[vios]]", f'name = "{name}"', 'address = "127.0.0.1"', f"port = {host.port}"]
                lines += [f'managed_system = "{system}"'] if system else []
        path.write_text("\n".join(lines) + "\n")
        return path

    def __getitem__(self, name: str) -> Host:
        return self.hosts[name]

    # ------------------------------------------------------------------ serving

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            for key, _ in self._selector.select(timeout=0.1):
                host: Host = key.data
                try:
                    conn, _addr = key.fileobj.accept()  # type: ignore[union-attr]
                except OSError:
                    continue
                conn.setblocking(True)
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                thread = threading.Thread(target=self._serve, args=(host, conn), daemon=True)
                thread.start()

    def _serve(self, host: Host, conn: socket.socket) -> None:
        transport = paramiko.Transport(conn)
        self._transports.append(transport)
        transport.add_server_key(host.other_key if host.behaviour.wrong_host_key else host.key)
        server = _Server(self, host, transport)
        with host.lock:
            host.stats.connections += 1
            host.stats.max_connections = max(host.stats.max_connections, host.stats.connections)
        self._count_role(host.role, +1)
        try:
            try:
                transport.start_server(server=server)
            except (paramiko.SSHException, EOFError, OSError):
                return
            while transport.is_active() and not self._stop.is_set():
                channel = transport.accept(timeout=0.2)
                if channel is None:
                    continue
                # paramiko keeps channels in a WeakValueDictionary: an accepted channel that nothing
                # else holds is garbage-collected, and Channel.__del__ closes it. Without this reference
                # a channel whose exec request came later than the next accept() (a busy client) was
                # closed before any byte: "Channel closed" / "Unable to open channel" at 1,000 VIOS.
                server.held[channel.get_id()] = channel
                destination = server.forwards.pop(channel.get_id(), None)
                if destination is not None:
                    threading.Thread(target=_pump, args=(channel, destination), daemon=True).start()
        finally:
            with host.lock:
                host.stats.connections -= 1
            self._count_role(host.role, -1)
            transport.close()

    def _count_role(self, role: str, delta: int, channels: bool = False) -> None:
        current = self.channels_by_role if channels else self.connections_by_role
        peak = self.max_channels_by_role if channels else self.max_connections_by_role
        with self._role_lock:
            current[role] = current.get(role, 0) + delta
            peak[role] = max(peak.get(role, 0), current[role])

    def handle(self, host: Host, channel: paramiko.Channel, command: str) -> None:
        # A command counts as running from the exec request until its exit status is sent: the
        # client cannot start its next command on that session before, so overlaps are real ones.
        with host.lock:
            host.stats.channels += 1
            host.stats.max_channels = max(host.stats.max_channels, host.stats.channels)
            host.stats.commands.append(command)
        self._count_role(host.role, +1, channels=True)
        running = True

        def done() -> None:
            nonlocal running
            if running:
                running = False
                with host.lock:
                    host.stats.channels -= 1
                self._count_role(host.role, -1, channels=True)

        try:
            if host.behaviour.latency:
                time.sleep(host.behaviour.latency)
            reply, command_id = self.answer(host, command, channel)
            fault = host.behaviour.faults.get(command_id or "", host.behaviour.faults.get("*"))
            if fault is Fault.LOSE or (fault is Fault.LOSE_ONCE and command_id not in host.stats.lost):
                with host.lock:
                    host.stats.lost.append(command_id or command)
                done()
                channel.close()  # no byte, no exit status: what a host that drops the session does
                return
            if fault is Fault.HANG:
                while not channel.closed and not self._stop.is_set():
                    time.sleep(0.02)
                return
            if fault is Fault.DROP:
                channel.sendall(reply.stdout[: max(1, len(reply.stdout) // 2)])
                time.sleep(0.05)
                done()
                channel.get_transport().close()  # type: ignore[union-attr]
                return
            if fault is Fault.GARBAGE:
                reply = Reply(b"\xff\xfe garbage \x80\x81\xc3(\n" + reply.stdout, reply.stderr, reply.status)
            elif fault is Fault.NONZERO:
                reply = Reply(b"", b"HSCL1234 simulated failure for the test\n", 1)
            elif fault is Fault.FLOOD:
                reply = Reply(b"x" * 1023 + b"\n", b"", 0)
                for _ in range(host.behaviour.flood // len(reply.stdout) + 1):
                    channel.sendall(reply.stdout)
            elif fault is Fault.LEAK:
                secret = (self.password or "").encode()
                reply = Reply(reply.stdout + b"password=" + secret + b"\n" + secret + b"\n", b"", reply.status)
            if reply.stdout:
                channel.sendall(reply.stdout)
            if reply.stderr:
                channel.sendall_stderr(reply.stderr)
            done()
            channel.send_exit_status(reply.status)
            channel.shutdown_write()
            channel.close()
        except (OSError, EOFError, paramiko.SSHException):
            pass
        finally:
            done()

    # ------------------------------------------------------------------ answers

    def answer(self, host: Host, command: str, channel: paramiko.Channel) -> tuple[Reply, str | None]:
        try:
            argv = shlex.split(command)
        except ValueError as exc:
            return Reply(b"", f"bash: syntax error: {exc}\n".encode(), 2), None
        with host.lock:
            host.stats.argvs.append(argv)
        if host.role == "hmc":
            return self._hmc(host, argv)
        if host.role == "vios":
            return self._vios(host, argv, channel)
        return Reply(b"", b"this host only forwards connections\n", 1), None

    def _hmc(self, host: Host, argv: list[str]) -> tuple[Reply, str | None]:
        if argv[:1] == ["viosvrcmd"]:
            options = _options(argv[1:])
            system, partition, inner = options.get("-m"), options.get("-p"), options.get("-c", "")
            command_id = _VIOS_LINES.get(inner)
            managed = any(key[1] == system for key in host.hmc_outputs)
            outputs = self.vios_outputs.get((system, partition))
            if not managed or outputs is None:
                return Reply(b"", f"HSCL8012 The partition {partition} was not found on {system}\n".encode(), 1), None
            if command_id is None or command_id not in outputs or command_id in _ROOT_IDS:
                return Reply(b"", f"{inner}: is not a valid ioscli command\n".encode(), 1), command_id
            return outputs[command_id], command_id
        for command_id, pattern, per_system in _HMC_ARGV:
            if len(argv) != len(pattern):
                continue
            system = None
            for got, want in zip(argv, pattern, strict=True):
                if want == "__SYSTEM__":
                    system = got
                elif got != want:
                    break
            else:
                reply = host.hmc_outputs.get((command_id, system if per_system else None))
                if reply is None:
                    reply = host.hmc_outputs.get((command_id, None)) if not per_system else None
                if reply is None:
                    return Reply(b"", f"HSCL8012 The managed system {system} was not found\n".encode(), 1), command_id
                return reply, command_id
        return Reply(b"", f"rbash: {argv[0] if argv else ''}: command not found\n".encode(), 127), None

    def _vios(self, host: Host, argv: list[str], channel: paramiko.Channel) -> tuple[Reply, str | None]:
        outputs = self.vios_outputs.get(host.vios_identity or (None, None), {})
        root_line: str | None = None
        if argv == ["ioscli", "oem_setup_env"]:
            root_line = _read_stdin_line(channel)
        elif len(argv) == 5 and argv[0] == "echo" and argv[2:] == ["|", "ioscli", "oem_setup_env"]:
            root_line = argv[1]
        if root_line is not None:
            command_id = _VIOS_LINES.get(root_line)
            if command_id is None or command_id not in outputs:
                return Reply(b"", f"ksh: {root_line}: not found\n".encode(), 127), command_id
            return outputs[command_id], command_id
        if argv[:1] == ["ioscli"]:
            line = " ".join(argv[1:])
            command_id = _VIOS_LINES.get(line)
            if command_id in _ROOT_IDS:
                return Reply(b"", f"rksh: {argv[1] if len(argv) > 1 else ''}: not found\n".encode(), 127), command_id
            if command_id is None or command_id not in outputs:
                return Reply(b"", f"Invalid command: {line}\n".encode(), 1), command_id
            return outputs[command_id], command_id
        return Reply(b"", f"rksh: {argv[0] if argv else ''}: not found\n".encode(), 127), None


def _read_stdin_line(channel: paramiko.Channel) -> str:
    data = b""
    channel.settimeout(5)
    with contextlib.suppress(OSError, TimeoutError):
        while b"\n" not in data:
            chunk = channel.recv(1024)
            if not chunk:
                break
            data += chunk
    return data.decode().splitlines()[0].strip() if data.strip() else ""


def _options(argv: list[str]) -> dict[str, str]:
    options: dict[str, str] = {}
    index = 0
    while index < len(argv) - 1:
        if argv[index] in {"-m", "-p", "-c", "--id", "-t"}:
            options[argv[index]] = argv[index + 1]
            index += 2
        else:
            index += 1
    return options


def _pump(channel: paramiko.Channel, destination: tuple[str, int]) -> None:
    try:
        sock = socket.create_connection(destination, timeout=5)
    except OSError:
        with contextlib.suppress(OSError, EOFError, paramiko.SSHException):
            channel.close()
        return
    sock.settimeout(None)
    try:
        while True:
            readable, _, _ = select_([sock, channel], 0.5)
            if sock in readable:
                data = sock.recv(65536)
                if not data:
                    break
                channel.sendall(data)
            if channel in readable:
                data = channel.recv(65536)
                if not data:
                    break
                sock.sendall(data)
            if channel.closed:
                break
    except (OSError, EOFError):
        pass
    finally:
        sock.close()
        with contextlib.suppress(OSError, EOFError, paramiko.SSHException):
            channel.close()


def select_(items: list[Any], timeout: float) -> tuple[list[Any], list[Any], list[Any]]:
    import select

    return select.select(items, [], [], timeout)


class _Server(paramiko.ServerInterface):
    def __init__(self, estate: FakeEstate, host: Host, transport: paramiko.Transport) -> None:
        self.estate = estate
        self.host = host
        self.transport = transport
        self.forwards: dict[int, tuple[str, int]] = {}
        self.held: dict[int, paramiko.Channel] = {}  # accepted channels, until their command is answered

    def get_allowed_auths(self, username: str) -> str:
        return "publickey,password"

    def check_auth_publickey(self, username: str, key: paramiko.PKey) -> int:
        if not self.host.behaviour.auth_fail and key.get_base64() == self.estate.client_key.get_base64():
            self._login()
            return paramiko.AUTH_SUCCESSFUL
        return self._failed()

    def check_auth_password(self, username: str, password: str) -> int:
        with self.host.lock:
            self.host.stats.passwords.append(password)
        if self.host.behaviour.auth_fail or not self.estate.password or password != self.estate.password:
            return self._failed()
        self._login()
        return paramiko.AUTH_SUCCESSFUL

    def _failed(self) -> int:
        with self.host.lock:
            self.host.stats.failed_auths += 1
        return paramiko.AUTH_FAILED

    def _login(self) -> None:
        with self.host.lock:
            self.host.stats.logins += 1

    def check_channel_request(self, kind: str, chanid: int) -> int:
        if kind == "session" or (kind == "direct-tcpip" and self.host.role == "jump"):
            return paramiko.OPEN_SUCCEEDED
        return paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

    def check_channel_direct_tcpip_request(
        self, chanid: int, origin: tuple[str, int], destination: tuple[str, int]
    ) -> int:
        if self.host.role != "jump":
            return paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED
        self.forwards[chanid] = destination
        with self.host.lock:
            self.host.stats.forwarded.append(destination)
        return paramiko.OPEN_SUCCEEDED

    def check_channel_exec_request(self, channel: paramiko.Channel, command: bytes) -> bool:
        text = command.decode("utf-8", "replace")
        if Fault.STALL in self.host.behaviour.faults.values():
            with self.host.lock:
                self.host.stats.commands.append(text)
            while not self.estate._stop.is_set() and self.transport.is_active():
                time.sleep(0.02)  # blocks this connection's transport thread: nothing answers
            return False
        sent = _packets_sent(self.transport)
        threading.Thread(target=self._after_reply, args=(channel, text, sent), daemon=True).start()
        return True

    def _after_reply(self, channel: paramiko.Channel, command: str, sent: int | None) -> None:
        # paramiko sends the exec request's success reply after this callback returns; a real sshd
        # replies before the command runs, so wait for that packet to go before answering.
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            now = _packets_sent(self.transport)
            if now is None:
                time.sleep(0.005)
                break
            if now > (sent or 0):
                break
            time.sleep(0.0005)
        try:
            self.estate.handle(self.host, channel, command)
        finally:
            self.held.pop(channel.get_id(), None)


def _packets_sent(transport: paramiko.Transport) -> int | None:
    value = getattr(transport.packetizer, "_Packetizer__sequence_number_out", None)
    return value if isinstance(value, int) else None


def unused_port() -> int:
    """A loopback port with nothing listening (connection refused: an unreachable host)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def serving(snapshot: Path, **kwargs: Any) -> Iterator[FakeEstate]:
    estate = FakeEstate(snapshot, **kwargs)
    estate.start()
    try:
        yield estate
    finally:
        estate.stop()
