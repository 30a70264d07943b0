"""A throwaway PostgreSQL server for the tests: initdb into a temp folder, start on a free loopback
port with its socket in the temp folder, stop and delete at the end.

PostgreSQL refuses to run as root: as root the server runs as the ``postgres`` user (Debian's package
creates it) or, without it, as a system user created for the purpose. The binaries are looked up
on PATH, then in /usr/lib/postgresql/*/bin (Debian) and /usr/pgsql-*/bin (RHEL).
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

SERVICE_USER = "postgres"
FALLBACK_USER = "viosaudit-pg"


def find_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = [*Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), *Path("/usr").glob(f"pgsql-*/bin/{name}")]
    newest = max(candidates, key=lambda p: [int(x) for x in re.findall(r"\d+", p.parts[-3])], default=None)
    return str(newest) if newest else None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _run_as() -> pwd.struct_passwd | None:
    """The unprivileged user to run the server as when we are root (None: run as ourselves)."""
    if os.geteuid() != 0:
        return None
    for name in (SERVICE_USER, FALLBACK_USER):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", FALLBACK_USER], check=True
    )
    return pwd.getpwnam(FALLBACK_USER)


@dataclass
class PgServer:
    base: Path
    port: int
    user: pwd.struct_passwd | None
    pg_ctl: str

    @property
    def data(self) -> Path:
        return self.base / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _cmd(self, *args: str) -> list[str]:
        return ["runuser", "-u", self.user.pw_name, "--", *args] if self.user else list(args)

    def stop(self) -> None:
        subprocess.run(self._cmd(self.pg_ctl, "-D", str(self.data), "-m", "immediate", "-w", "stop"),
                       capture_output=True, check=False)  # fmt: skip
        shutil.rmtree(self.base, ignore_errors=True)


def start() -> PgServer:
    initdb, pg_ctl = find_bin("initdb"), find_bin("pg_ctl")
    if not initdb or not pg_ctl:
        raise FileNotFoundError("PostgreSQL's initdb/pg_ctl not found (Debian: apt-get install postgresql)")
    user = _run_as()
    base = Path(tempfile.mkdtemp(prefix="viosaudit-pg-"))
    if user:
        os.chown(base, user.pw_uid, user.pw_gid)
    server = PgServer(base, free_port(), user, pg_ctl)
    run = server._cmd
    subprocess.run(
        run(initdb, "-D", str(server.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"),
        check=True, capture_output=True,
    )  # fmt: skip
    options = f"-p {server.port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=40"
    result = subprocess.run(
        run(pg_ctl, "-D", str(server.data), "-o", options, "-l", str(base / "server.log"), "-w", "-t", "60", "start"),
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        log = (base / "server.log").read_text(errors="replace") if (base / "server.log").exists() else ""
        server.stop()
        raise RuntimeError(f"PostgreSQL did not start: {result.stderr.strip()} {log[-2000:]}")
    return server
