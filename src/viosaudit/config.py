"""Collection settings: each declared once (name, type, default, help), resolved flag > env > TOML > default.

A setting ``key_file`` is the TOML key ``key_file`` in the ``[collect]`` table, the environment variable
``VIOSAUDIT_KEY_FILE`` and the command-line flag ``--key-file``. Hosts are listed in the TOML file only::

    [collect]
    user = "viosaudit"                 # HMC login (default hscroot)
    key_file = "~/.ssh/viosaudit_ed25519"
    known_hosts = "~/.ssh/known_hosts"
    hmc_sessions = 2

    [[hmc]]
    name = "hmc01"
    address = "hmc01.example.com"

    [[vios]]
    name = "vios1a"
    address = "vios1a.example.com"
    managed_system = "P9-PROD-1"       # optional: learnt from an HMC in the same run
    partition = "vios1a"               # optional: defaults to name

The file's shape is declared (``ConfigFile``: typed tables, unknown keys refused) and checked by
msgspec; flag and environment values are converted to the same declared types.

Passwords are never read from the file: a site that still needs one names an environment variable
(``password_env``) or asks for a prompt (``password_prompt``, only on a terminal), and it is sent only to
hosts whose ``auth = "password"``. A key file's passphrase is another secret (``passphrase_env``): it
decrypts the key here and is never sent anywhere. Both are kept in ``Secret``s whose ``repr`` and ``str``
never show them.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import tomllib
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec

from viosaudit.errors import ConfigError
from viosaudit.schema import convert, decode_utf8, explain

ENV_PREFIX = "VIOSAUDIT_"
MIB = 1024 * 1024


class Secret:
    """A password or passphrase held in memory only; printing, logging or repr shows ``********``."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


# The declared value types (msgspec checks them, in the file and in flags/environment alike).
Text = Annotated[str, msgspec.Meta(min_length=1)]
PathText = Annotated[str, msgspec.Meta(min_length=1)]
Port = Annotated[int, msgspec.Meta(ge=1, le=65535)]
Count = Annotated[int, msgspec.Meta(ge=1)]
Seconds = Annotated[float, msgspec.Meta(gt=0)]
ByteCount = Annotated[int, msgspec.Meta(ge=1024)]
RootMethod = Literal["pipe", "stdin", "none"]
Auth = Literal["key", "password"]

ROOT_METHODS = ("pipe", "stdin", "none")
AUTH_METHODS = ("key", "password")
CHOICES = {"root_method": ROOT_METHODS, "auth": AUTH_METHODS}


@dataclass(frozen=True, slots=True)
class Parameter:
    """One setting, declared once: its type, default and meaning (Nornir ``Parameter``)."""

    name: str
    type: Any
    default: Any
    help: str
    metavar: str | None = None
    is_path: bool = False

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.name.upper()

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def is_bool(self) -> bool:
        return self.type is bool

    def value(self, raw: Any) -> Any:
        """A flag or environment value (text) as the declared type; raises ``msgspec.ValidationError``."""
        value = msgspec.convert(raw, self.type, strict=False)
        return Path(value).expanduser() if self.is_path else value


PARAMETERS: tuple[Parameter, ...] = (
    Parameter("output", PathText, None, "snapshot folder to create (default: snapshots/<UTC time>)", "DIR", True),
    Parameter("user", Text, "hscroot", "login name on the HMCs", "NAME"),
    Parameter("vios_user", Text, "padmin", "login name on directly reached VIOS", "NAME"),
    Parameter("port", Port, 22, "SSH port, unless a host names its own", "PORT"),
    Parameter("key_file", PathText, None, "private key file for SSH (else the agent only)", "FILE", True),
    Parameter("use_agent", bool, True, "offer the keys held by ssh-agent when no key_file is set"),
    Parameter(
        "known_hosts",
        PathText,
        Path("~/.ssh/known_hosts").expanduser(),
        "known_hosts file; hosts whose key is missing or different are refused",
        "FILE",
        True,
    ),
    Parameter("jump_host", Text, None, "reach every host through this SSH jump host ([user@]host[:port])"),
    Parameter("connect_timeout", Seconds, 15.0, "seconds to wait for a host to answer and log us in", "SEC"),
    Parameter("command_timeout", Seconds, 300.0, "seconds one remote command may run before it is a gap", "SEC"),
    Parameter("concurrency", Count, 8, "hosts collected at the same time", "N"),
    Parameter("hmc_sessions", Count, 2, "SSH sessions open at once on one HMC (a shared appliance)", "N"),
    Parameter(
        "auth", Auth, "key", 'how to log in unless a host says otherwise: "key" (key file or agent) or "password"'
    ),
    Parameter(
        "password_env", Text, None, 'environment variable holding the password for hosts with auth = "password"', "VAR"
    ),
    Parameter("password_prompt", bool, False, "ask for that password on the terminal (TTY only)"),
    Parameter("passphrase_env", Text, None, "environment variable holding the key file's passphrase", "VAR"),
    Parameter(
        "root_method",
        RootMethod,
        "pipe",
        "how VIOS root commands run: pipe (echo CMD | ioscli oem_setup_env), stdin, or none",
        "METHOD",
    ),
    Parameter(
        "max_output",
        ByteCount,
        64 * MIB,
        "bytes one command may print (stdout and stderr together) before it is stopped and recorded as a gap",
        "BYTES",
    ),
)

BY_NAME: dict[str, Parameter] = {p.name: p for p in PARAMETERS}

# The [collect] table: every setting, optional, of its declared type; anything else is refused.
CollectTable = msgspec.defstruct(
    "CollectTable",
    [(p.name, p.type | None, None) for p in PARAMETERS],
    forbid_unknown_fields=True,
    kw_only=True,
)


class HmcEntry(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """One ``[[hmc]]`` table."""

    name: Text | None = None
    address: Text | None = None
    port: Port | None = None
    user: Text | None = None
    key_file: PathText | None = None
    auth: Auth | None = None


class ViosEntry(HmcEntry, forbid_unknown_fields=True, kw_only=True):
    """One ``[[vios]]`` table: an HMC's keys plus where the VIOS sits."""

    managed_system: Text | None = None
    partition: Text | None = None


class ConfigFile(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The configuration file: ``[collect]``, ``[[hmc]]``, ``[[vios]]`` and nothing else."""

    collect: CollectTable | None = None  # type: ignore[valid-type]
    hmc: list[HmcEntry] = msgspec.field(default_factory=list)
    vios: list[ViosEntry] = msgspec.field(default_factory=list)


@dataclass(frozen=True, slots=True)
class HostSpec:
    """One host to log in to: an HMC or a directly reached VIOS."""

    name: str
    address: str
    port: int | None = None
    user: str | None = None
    key_file: Path | None = None
    managed_system: str | None = None
    partition: str | None = None
    auth: str | None = None  # "key" or "password"; None: the [collect] setting


@dataclass(frozen=True, slots=True)
class CollectSettings:
    """Everything ``collect`` needs; ``sources`` says where each setting came from (flag/env/file/default)."""

    hmcs: tuple[HostSpec, ...] = ()
    vioses: tuple[HostSpec, ...] = ()
    output: Path | None = None
    user: str = "hscroot"
    vios_user: str = "padmin"
    port: int = 22
    key_file: Path | None = None
    use_agent: bool = True
    known_hosts: Path = field(default_factory=lambda: Path("~/.ssh/known_hosts").expanduser())
    jump_host: str | None = None
    connect_timeout: float = 15.0
    command_timeout: float = 300.0
    concurrency: int = 8
    hmc_sessions: int = 2
    auth: str = "key"
    password_env: str | None = None
    password_prompt: bool = False
    passphrase_env: str | None = None
    root_method: str = "pipe"
    max_output: int = 64 * MIB
    password: Secret | None = field(default=None, repr=False)
    passphrase: Secret | None = field(default=None, repr=False)
    sources: Mapping[str, str] = field(default_factory=dict, compare=False)

    def auth_of(self, spec: HostSpec | None) -> str:
        """How to log in to this host (``None``: the jump host): its own ``auth``, else [collect]'s."""
        return (spec.auth if spec is not None else None) or self.auth

    def output_dir(self, now: datetime | None = None) -> Path:
        if self.output is not None:
            return self.output
        stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
        return Path("snapshots") / stamp


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add one flag per setting (all default to None, so "not given" falls through to env/TOML/default)."""
    group = parser.add_argument_group("collection settings (flag > VIOSAUDIT_* environment > TOML > default)")
    for p in PARAMETERS:
        text = f"{p.help} [env {p.env}; default {p.default}]"
        if p.is_bool:
            group.add_argument(p.flag, dest=p.name, action=argparse.BooleanOptionalAction, default=None, help=text)
        else:
            group.add_argument(p.flag, dest=p.name, default=None, metavar=p.metavar, help=text)


def describe() -> list[tuple[str, str, str, str, str]]:
    """(TOML key, flag, env var, default, help) for every setting, for docs and ``--help``."""
    return [(p.name, p.flag, p.env, str(p.default), p.help) for p in PARAMETERS]


def load_settings(
    path: Path | None,
    flags: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    *,
    interactive: bool | None = None,
    prompt: Callable[[str], str] = getpass.getpass,
    other_tables: Collection[str] = (),
) -> CollectSettings:
    """Read the TOML file (if any) and resolve every setting: flag > ``VIOSAUDIT_*`` env > TOML > default.

    Args:
        path: the TOML configuration file, or None for flags and environment only.
        flags: command-line values by setting name; None values mean "not given".
        env: the environment (default ``os.environ``).
        interactive: whether a password prompt may be shown (default: stdin is a TTY).
        prompt: how to ask for a password (default ``getpass.getpass``).
        other_tables: top-level tables another reader owns (``weekly``: ``report``, ``delivery``); skipped here.

    Raises:
        ConfigError: the file is unreadable, holds a password or an unknown key, or a value is invalid.
    """
    env = os.environ if env is None else env
    flags = flags or {}
    data = read_toml(path) if path is not None else {}
    data = {key: value for key, value in data.items() if key not in other_tables}
    where = str(path) if path is not None else "configuration"
    _reject_passwords(data, where)
    document = convert(data, ConfigFile, where, ConfigError, tables=True, choices=CHOICES)
    table: dict[str, Any] = msgspec.to_builtins(document.collect) if document.collect is not None else {}

    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for p in PARAMETERS:
        raw: Any
        if flags.get(p.name) is not None:
            raw, source = flags[p.name], "flag"
        elif env.get(p.env) not in (None, ""):
            raw, source = env[p.env], "env"
        elif table.get(p.name) is not None:
            raw, source = table[p.name], "file"
        else:
            values[p.name], sources[p.name] = p.default, "default"
            continue
        try:
            values[p.name] = p.value(raw)
        except msgspec.ValidationError as exc:
            origin = {"flag": p.flag, "env": p.env, "file": f"{where} [collect] {p.name}"}[source]
            message = explain(exc, choices={"": CHOICES.get(p.name, ())})[1]  # a bare value: no field path
            raise ConfigError(f"{origin} = {raw!r}: {message}") from None
        sources[p.name] = source

    hmcs = _hosts(document.hmc, "hmc")
    vioses = _hosts(document.vios, "vios")
    names = [h.name for h in (*hmcs, *vioses)]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ConfigError(f"{where}: host name(s) {duplicates} listed twice; each host needs its own name")

    by_password = [h.name for h in (*hmcs, *vioses) if (h.auth or values["auth"]) == "password"]
    if values["jump_host"] and values["auth"] == "password":
        by_password.append(f"jump host {values['jump_host']}")
    password = _password(values, env, interactive, prompt, by_password)
    passphrase = _secret_from(values.get("passphrase_env"), env, "passphrase_env", "the key file's passphrase")
    return CollectSettings(
        hmcs=hmcs, vioses=vioses, password=password, passphrase=passphrase, sources=sources, **values
    )


def read_toml(path: Path) -> dict[str, Any]:
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: configuration file not found") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read configuration: {exc.strerror or exc}") from exc
    try:
        return tomllib.loads(decode_utf8(data, str(path), ConfigError, "configuration"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: cannot read configuration: {exc}") from exc


def _reject_passwords(value: Any, where: str, trail: str = "") -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{trail}.{key}" if trail else str(key)
            if "password" in str(key).lower() and str(key) not in {"password_env", "password_prompt"}:
                raise ConfigError(
                    f"{where}: {here}: passwords are never read from the configuration file; "
                    "set password_env to the name of an environment variable, or password_prompt = true"
                )
            _reject_passwords(item, where, here)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _reject_passwords(item, where, f"{trail}[{index}]")


def _hosts(entries: list[HmcEntry] | list[ViosEntry], kind: str) -> tuple[HostSpec, ...]:
    hosts: list[HostSpec] = []
    for entry in entries:
        name = entry.name or entry.address
        if not name:
            raise ConfigError(f"[[{kind}]] #{len(hosts) + 1}: needs a name or an address")
        hosts.append(
            HostSpec(
                name=name,
                address=entry.address or name,
                port=entry.port,
                user=entry.user,
                key_file=Path(entry.key_file).expanduser() if entry.key_file else None,
                managed_system=entry.managed_system if isinstance(entry, ViosEntry) else None,
                partition=entry.partition if isinstance(entry, ViosEntry) else None,
                auth=entry.auth,
            )
        )
    return tuple(hosts)


def _secret_from(variable: str | None, env: Mapping[str, str], setting: str, what: str) -> Secret | None:
    if not variable:
        return None
    if env.get(variable):
        return Secret(env[variable])
    raise ConfigError(f"{setting} names {variable}, which is not set; export it with {what}")


def _password(
    values: Mapping[str, Any],
    env: Mapping[str, str],
    interactive: bool | None,
    prompt: Callable[[str], str],
    hosts: list[str],
) -> Secret | None:
    """The password for the hosts with ``auth = "password"`` (``hosts``), from the environment or a prompt."""
    variable = values.get("password_env")
    if variable and env.get(variable):
        return Secret(env[variable])
    if variable and not values.get("password_prompt"):
        raise ConfigError(
            f"password_env names {variable}, which is not set; export it, or use key-based access "
            "(see docs/collect.md)"
        )
    if values.get("password_prompt") and hosts:
        tty = sys.stdin.isatty() if interactive is None else interactive
        if not tty:
            raise ConfigError("password_prompt is set but there is no terminal to ask on; use password_env or SSH keys")
        answer = prompt(f"SSH password for {', '.join(hosts[:3])}{' ...' if len(hosts) > 3 else ''}: ")
        if answer:
            return Secret(answer)
    if hosts:
        raise ConfigError(
            f'{", ".join(hosts[:3])}: auth = "password" but no password was given; set password_env to the '
            "name of an environment variable holding it, or password_prompt = true"
        )
    return None
