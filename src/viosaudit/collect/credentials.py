"""Who we say we are, and who we accept the host to be: one login attempt, strict known_hosts.

* **One credential per host.** ``auth = "key"``: the key file (decrypted here with ``passphrase_env``;
  the passphrase never leaves this machine) or, with no key file, the ssh-agent's keys; ``auth =
  "password"``: the password, and nothing else. paramiko's ``SSHClient.connect`` would otherwise try
  the key, the agent, ``~/.ssh/id_*`` and the password in turn, so one wrong password counted as
  several failed logins (accounts lock) and a key passphrase was offered to every host as a password.
* **known_hosts read here**, not by paramiko's loader, which stops at ``@revoked`` and
  ``@cert-authority`` lines: a revoked key is refused by name; CA lines are reported as unsupported
  (list each host's own key).
* **Key files readable by others** are reported, as OpenSSH refuses them.
"""

from __future__ import annotations

import base64
import binascii
import stat
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import paramiko
from paramiko.auth_strategy import AuthSource, AuthStrategy

from viosaudit.config import CollectSettings, Secret
from viosaudit.errors import AuthError, HostKeyError

REVOKED = "@revoked"
CERT_AUTHORITY = "@cert-authority"


# ---------------------------------------------------------------- private key files


def key_file_warning(path: Path) -> str | None:
    """Why this private key file is unsafe (group or others may read it), or None."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return None  # a missing key is reported when it is used
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        return (
            f"private key file {path} can be read by other users (mode {stat.S_IMODE(mode):04o}); OpenSSH "
            f"refuses such a key: chmod 600 {path}"
        )
    return None


def key_warnings(settings: CollectSettings) -> list[str]:
    """One warning per configured key file that others can read."""
    paths = {settings.key_file} | {h.key_file for h in (*settings.hmcs, *settings.vioses)}
    return [w for w in (key_file_warning(p) for p in sorted(p for p in paths if p is not None)) if w]


def load_key(path: Path, passphrase: Secret | None, label: str) -> paramiko.PKey:
    """The private key in ``path``; a clear ``AuthError`` when it is missing, encrypted or unreadable."""
    try:
        return paramiko.PKey.from_path(str(path), passphrase.reveal().encode() if passphrase else None)
    except (paramiko.PasswordRequiredException, TypeError) as exc:  # paramiko: TypeError for OpenSSH-format keys
        if isinstance(exc, TypeError) and "password" not in str(exc):
            raise AuthError(f"{label}: cannot read key file {path}: {exc}") from None
        raise AuthError(
            f"{label}: key file {path} is encrypted; name the environment variable holding its passphrase "
            "with passphrase_env, or load the key into ssh-agent and leave key_file out"
        ) from None
    except FileNotFoundError:
        raise AuthError(f"{label}: key file {path} does not exist; check key_file") from None
    except (paramiko.SSHException, OSError, ValueError) as exc:
        wrong = " (wrong passphrase?)" if passphrase else ""
        raise AuthError(f"{label}: cannot read key file {path}{wrong}: {exc or type(exc).__name__}") from None


# ---------------------------------------------------------------- one attempt per host


class _PublicKey(AuthSource):  # type: ignore[misc]
    def __init__(self, username: str, key: paramiko.PKey) -> None:
        super().__init__(username=username)
        self.key = key

    def authenticate(self, transport: paramiko.Transport) -> list[str]:
        return _complete(transport.auth_publickey(self.username, self.key))


class _Password(AuthSource):  # type: ignore[misc]
    def __init__(self, username: str, password: Secret) -> None:
        super().__init__(username=username)
        self.password = password

    def authenticate(self, transport: paramiko.Transport) -> list[str]:
        # fallback: when the host offers only keyboard-interactive, answer its prompt with the same
        # password; the password method was then refused as a type, not as a wrong password.
        return _complete(transport.auth_password(self.username, self.password.reveal(), fallback=True))


def _complete(remaining: Any) -> list[str]:
    if remaining:
        raise AuthError(f"the host wants a second factor ({', '.join(remaining)}), which viosaudit does not offer")
    return []


class OneLogin(AuthStrategy):  # type: ignore[misc]
    """paramiko's auth strategy with the one credential the configuration chose for this host."""

    def __init__(self, sources: list[AuthSource], description: str) -> None:
        super().__init__(ssh_config=paramiko.SSHConfig())
        self.sources = sources
        self.description = description

    def get_sources(self) -> Iterator[AuthSource]:
        yield from self.sources


def login_for(
    user: str,
    auth: str,
    *,
    key_file: Path | None,
    use_agent: bool,
    password: Secret | None,
    passphrase: Secret | None,
    label: str,
) -> OneLogin:
    """The single credential for one host: password (``auth = "password"``), else key file, else agent."""
    if auth == "password":
        if password is None:
            raise AuthError(f'{label}: auth = "password" but no password was given (password_env or password_prompt)')
        return OneLogin([_Password(user, password)], "a password")
    if key_file is not None:
        return OneLogin([_PublicKey(user, load_key(key_file, passphrase, label))], f"key file {key_file}")
    if use_agent:
        keys = paramiko.Agent().get_keys()
        if not keys:
            raise AuthError(f"{label}: no key_file is set and ssh-agent holds no key (is SSH_AUTH_SOCK set?)")
        return OneLogin([_PublicKey(user, k) for k in keys], f"the {len(keys)} key(s) of ssh-agent")
    raise AuthError(f"{label}: no credential: set key_file, use_agent = true, or auth = \"password\"")


# ---------------------------------------------------------------- known_hosts


@dataclass(frozen=True, slots=True)
class KnownHosts:
    """A known_hosts file as OpenSSH reads it: trusted keys, revoked keys, and CA lines we cannot use."""

    path: Path
    keys: paramiko.HostKeys
    revoked: frozenset[tuple[str, str]]  # (key type, base64)
    cert_authority_lines: tuple[int, ...]

    def is_revoked(self, key: paramiko.PKey) -> bool:
        return (key.get_name(), key.get_base64()) in self.revoked

    def hint(self) -> str:
        if not self.cert_authority_lines:
            return ""
        lines = ", ".join(map(str, self.cert_authority_lines[:5]))
        return (
            f" ({self.path} line(s) {lines} are @cert-authority entries: viosaudit cannot check host certificates; "
            "list each host's own key)"
        )


_CACHE: dict[tuple[str, int, int], KnownHosts] = {}
_CACHE_LOCK = threading.Lock()


def known_hosts(path: Path) -> KnownHosts:
    """The parsed file, cached while it is unchanged (paramiko's parser is quadratic in the file size)."""
    try:
        info = path.stat()
    except OSError as exc:
        raise HostKeyError(f"cannot read known_hosts file {path}: {exc.strerror or exc}") from None
    key = (str(path.resolve()), info.st_mtime_ns, info.st_size)
    with _CACHE_LOCK:
        found = _CACHE.get(key)
        if found is None:
            found = _parse_known_hosts(path)
            _CACHE.clear()
            _CACHE[key] = found
        return found


def _parse_known_hosts(path: Path) -> KnownHosts:
    try:
        text = path.read_bytes().decode("utf-8", errors="replace")
    except OSError as exc:
        raise HostKeyError(f"cannot read known_hosts file {path}: {exc.strerror or exc}") from None
    keys = paramiko.HostKeys()
    revoked: set[tuple[str, str]] = set()
    authorities: list[int] = []
    entries: list[paramiko.hostkeys.HostKeyEntry] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        fields = line.split()
        if fields[0] == CERT_AUTHORITY:
            authorities.append(number)
            continue
        if fields[0] == REVOKED:
            if len(fields) >= 4:
                revoked.add((fields[2], fields[3]))
            continue
        if fields[0].startswith("@") or len(fields) < 3:
            continue  # as OpenSSH: a line it cannot read is skipped
        try:
            base64.b64decode(fields[2], validate=True)
            entry = paramiko.hostkeys.HostKeyEntry.from_line(" ".join(fields[:3]), number)
        except (binascii.Error, paramiko.SSHException, ValueError, TypeError):
            continue
        if entry is not None:
            entries.append(entry)
    for entry in entries:
        if (entry.key.get_name(), entry.key.get_base64()) not in revoked:
            keys._entries.append(entry)
    return KnownHosts(path, keys, frozenset(revoked), tuple(authorities))


class RefuseUnknown(paramiko.MissingHostKeyPolicy):  # type: ignore[misc]
    """paramiko's RejectPolicy, saying why: the key is revoked, or unknown (fetch and verify it)."""

    def __init__(self, known: KnownHosts, label: str, port: int, address: str) -> None:
        self.known = known
        self.label = label
        self.port = port
        self.address = address

    def missing_host_key(self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey) -> None:
        if self.known.is_revoked(key):
            raise HostKeyError(
                f"{self.label}: HOST KEY REVOKED: the host offered a {key.get_name()} key that {self.known.path} "
                f"marks @revoked; refusing to connect. Ask the host's administrator which key it should have"
            )
        raise HostKeyError(
            f"{self.label}: UNKNOWN HOST KEY: {hostname} is not in {self.known.path}; refusing to "
            f"connect. Fetch the key with ssh-keyscan -p {self.port} {self.address}, check its "
            "fingerprint (ssh-keygen -lf) against the one the host's administrator reads on its console, "
            f"then append it{self.known.hint()}"
        )
