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

Passwords are never read from the file: a site that still needs one names an environment variable
(``password_env``) or asks for a prompt (``password_prompt``, only on a terminal). The password is
kept in a ``Secret`` whose ``repr`` and ``str`` never show it.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from viosaudit.errors import ConfigError

ENV_PREFIX = "VIOSAUDIT_"


class Secret:
    """A password held in memory only; printing, logging or repr shows ``********``."""

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


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"{value!r} is not true/false")


def _to_path(value: Any) -> Path:
    return Path(str(value)).expanduser()


def _to_positive_int(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a whole number")
    number = int(value)
    if number < 1:
        raise ValueError(f"{value!r} must be 1 or more")
    return number


def _to_port(value: Any) -> int:
    number = _to_positive_int(value)
    if number > 65535:
        raise ValueError(f"{value!r} is not a TCP port")
    return number


def _to_seconds(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number of seconds")
    number = float(value)
    if number <= 0:
        raise ValueError(f"{value!r} must be more than 0 seconds")
    return number


def _to_text(value: Any) -> str:
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise ValueError(f"{value!r} is not text")
    return str(value)


def _to_root_method(value: Any) -> str:
    text = str(value).strip().lower()
    if text not in ROOT_METHODS:
        raise ValueError(f"{value!r} is not one of {', '.join(ROOT_METHODS)}")
    return text


ROOT_METHODS = ("pipe", "stdin", "none")


@dataclass(frozen=True, slots=True)
class Parameter:
    """One setting, declared once: where it comes from and what it means (Nornir ``Parameter``)."""

    name: str
    convert: Callable[[Any], Any]
    default: Any
    help: str
    metavar: str | None = None
    is_bool: bool = False

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.name.upper()

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")


PARAMETERS: tuple[Parameter, ...] = (
    Parameter("output", _to_path, None, "snapshot folder to create (default: snapshots/<UTC time>)", "DIR"),
    Parameter("user", _to_text, "hscroot", "login name on the HMCs", "NAME"),
    Parameter("vios_user", _to_text, "padmin", "login name on directly reached VIOS", "NAME"),
    Parameter("port", _to_port, 22, "SSH port, unless a host names its own", "PORT"),
    Parameter("key_file", _to_path, None, "private key file for SSH (else the agent only)", "FILE"),
    Parameter("use_agent", _to_bool, True, "also offer the keys held by ssh-agent", is_bool=True),
    Parameter(
        "known_hosts",
        _to_path,
        Path("~/.ssh/known_hosts").expanduser(),
        "known_hosts file; hosts whose key is missing or different are refused",
        "FILE",
    ),
    Parameter("jump_host", _to_text, None, "reach every host through this SSH jump host ([user@]host[:port])"),
    Parameter("connect_timeout", _to_seconds, 15.0, "seconds to wait for a host to answer and log us in", "SEC"),
    Parameter("command_timeout", _to_seconds, 300.0, "seconds one remote command may run before it is a gap", "SEC"),
    Parameter("concurrency", _to_positive_int, 8, "hosts collected at the same time", "N"),
    Parameter("hmc_sessions", _to_positive_int, 2, "SSH sessions open at once on one HMC (a shared appliance)", "N"),
    Parameter(
        "password_env", _to_text, None, "environment variable holding the SSH password, if keys are impossible", "VAR"
    ),
    Parameter("password_prompt", _to_bool, False, "ask for the SSH password on the terminal (TTY only)", is_bool=True),
    Parameter(
        "root_method",
        _to_root_method,
        "pipe",
        "how VIOS root commands run: pipe (echo CMD | ioscli oem_setup_env), stdin, or none",
        "METHOD",
    ),
)

BY_NAME: dict[str, Parameter] = {p.name: p for p in PARAMETERS}

_HOST_KEYS = {"name", "address", "port", "user", "key_file", "managed_system", "partition"}


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
    password_env: str | None = None
    password_prompt: bool = False
    root_method: str = "pipe"
    password: Secret | None = field(default=None, repr=False)
    sources: Mapping[str, str] = field(default_factory=dict, compare=False)

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
) -> CollectSettings:
    """Read the TOML file (if any) and resolve every setting: flag > ``VIOSAUDIT_*`` env > TOML > default.

    Args:
        path: the TOML configuration file, or None for flags and environment only.
        flags: command-line values by setting name; None values mean "not given".
        env: the environment (default ``os.environ``).
        interactive: whether a password prompt may be shown (default: stdin is a TTY).
        prompt: how to ask for a password (default ``getpass.getpass``).

    Raises:
        ConfigError: the file is unreadable, holds a password or an unknown key, or a value is invalid.
    """
    env = os.environ if env is None else env
    flags = flags or {}
    data = _read_toml(path) if path is not None else {}
    where = str(path) if path is not None else "configuration"
    _reject_passwords(data, where)
    unknown_top = set(data) - {"collect", "hmc", "vios"}
    if unknown_top:
        raise ConfigError(f"{where}: unknown table(s) {sorted(unknown_top)}; expected [collect], [[hmc]], [[vios]]")
    table = data.get("collect", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: [collect] must be a table")
    unknown = set(table) - set(BY_NAME)
    if unknown:
        raise ConfigError(f"{where}: unknown setting(s) {sorted(unknown)} in [collect]; known: {sorted(BY_NAME)}")

    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for p in PARAMETERS:
        raw: Any
        if flags.get(p.name) is not None:
            raw, source = flags[p.name], "flag"
        elif env.get(p.env) not in (None, ""):
            raw, source = env[p.env], "env"
        elif p.name in table:
            raw, source = table[p.name], "file"
        else:
            values[p.name], sources[p.name] = p.default, "default"
            continue
        try:
            values[p.name] = p.convert(raw)
        except (ValueError, TypeError) as exc:
            origin = {"flag": p.flag, "env": p.env, "file": f"{where} [collect] {p.name}"}[source]
            raise ConfigError(f"{origin}: {exc}") from exc
        sources[p.name] = source

    hmcs = _hosts(data.get("hmc", []), "hmc", where)
    vioses = _hosts(data.get("vios", []), "vios", where)
    names = [h.name for h in (*hmcs, *vioses)]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ConfigError(f"{where}: host name(s) {duplicates} listed twice; each host needs its own name")

    password = _password(values, env, interactive, prompt)
    return CollectSettings(hmcs=hmcs, vioses=vioses, password=password, sources=sources, **values)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: configuration file not found") from exc
    except (OSError, tomllib.TOMLDecodeError) as exc:
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


def _hosts(entries: Any, kind: str, where: str) -> tuple[HostSpec, ...]:
    if not isinstance(entries, list):
        raise ConfigError(f"{where}: [[{kind}]] must be an array of tables")
    hosts = []
    for index, entry in enumerate(entries):
        here = f"{where} [[{kind}]] #{index + 1}"
        if not isinstance(entry, dict):
            raise ConfigError(f"{here}: must be a table")
        unknown = set(entry) - _HOST_KEYS
        if unknown:
            raise ConfigError(f"{here}: unknown key(s) {sorted(unknown)}; known: {sorted(_HOST_KEYS)}")
        name = entry.get("name") or entry.get("address")
        if not name or not isinstance(name, str):
            raise ConfigError(f"{here}: needs a name or an address")
        if kind == "hmc" and ("managed_system" in entry or "partition" in entry):
            raise ConfigError(f"{here}: managed_system/partition belong to [[vios]] entries")
        try:
            hosts.append(
                HostSpec(
                    name=name,
                    address=_to_text(entry.get("address", name)),
                    port=_to_port(entry["port"]) if "port" in entry else None,
                    user=_to_text(entry["user"]) if "user" in entry else None,
                    key_file=_to_path(entry["key_file"]) if "key_file" in entry else None,
                    managed_system=_to_text(entry["managed_system"]) if "managed_system" in entry else None,
                    partition=_to_text(entry["partition"]) if "partition" in entry else None,
                )
            )
        except ValueError as exc:
            raise ConfigError(f"{here}: {exc}") from exc
    return tuple(hosts)


def _password(
    values: Mapping[str, Any], env: Mapping[str, str], interactive: bool | None, prompt: Callable[[str], str]
) -> Secret | None:
    variable = values.get("password_env")
    if variable:
        if env.get(variable):
            return Secret(env[variable])
        if not values.get("password_prompt"):
            raise ConfigError(
                f"password_env names {variable}, which is not set; export it, or use key-based access "
                "(see docs/collect.md)"
            )
    if values.get("password_prompt"):
        tty = sys.stdin.isatty() if interactive is None else interactive
        if not tty:
            raise ConfigError("password_prompt is set but there is no terminal to ask on; use password_env or SSH keys")
        answer = prompt("SSH password for the configured hosts: ")
        return Secret(answer) if answer else None
    return None
