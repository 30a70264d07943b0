"""`collect` against hostile and failing hosts, over real SSH on loopback: one case a row.

Each row sets up the fake estate (tests/collect/sshserver.py) and the settings, runs the real
collector, and checks: the exit status it implies (partial = 1), the reason recorded for the host at
fault, what the server saw (exactly one failed login, no password where none belongs), that no
verdict became PASS, and that nothing captured was lost (every capture verifies; every planned
command has a capture or a gap).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from estate import Estate, System, simple_estate
from sshserver import FakeEstate, Fault

from conftest import Case, check_nothing_lost, check_verdicts, judged
from viosaudit.collect import collect
from viosaudit.collect.transport import ReplayTransport
from viosaudit.config import CollectSettings, HostSpec, Secret
from viosaudit.snapshot import MANIFEST, open_snapshot

PASSWORD = "Corr3ct-Horse"
PASSPHRASE = "key-passphrase-only"
CA_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"


@dataclass
class Run:
    """What a setup hands the test: the estate the server plays and the settings to collect with."""

    estate: FakeEstate
    settings: CollectSettings
    messages: list[str] = field(default_factory=list)


class Recorder:
    """A progress processor that keeps the operator messages (warnings) for the checks."""

    def __init__(self, messages: list[str]) -> None:
        self.messages = messages

    def planned(self, count: int) -> None: ...

    def finished(self, outcome: object) -> None: ...

    def message(self, text: str) -> None:
        self.messages.append(text)

    def close(self) -> None: ...


def _direct(*names: str, **kwargs: Any) -> tuple[HostSpec, ...]:
    return tuple(HostSpec(n, "127.0.0.1", managed_system="P9-001", partition=n, **kwargs) for n in names)


def _encrypted_key(tmp: Path, key_text: str, passphrase: str) -> Path:
    private = serialization.load_ssh_private_key(key_text.encode(), password=None)
    path = tmp / "id_encrypted"
    path.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.OpenSSH,
            serialization.BestAvailableEncryption(passphrase.encode()),
        )
    )
    path.chmod(0o600)
    return path


# ---------------------------------------------------------------- setups (ctx: make, settings_for, tmp, key)


def wrong_password(ctx: Any) -> Run:
    estate = ctx.make(simple_estate(1), password=PASSWORD)
    settings = ctx.settings_for(estate, vioses=_direct("vios001a"))
    hmc = replace(settings.hmcs[0], auth="password")
    return Run(estate, replace(settings, hmcs=(hmc,), password=Secret("wrong-password")))


def key_refused(ctx: Any) -> Run:
    estate = ctx.make(simple_estate(1))
    estate["vios001a"].behaviour.auth_fail = True
    return Run(estate, ctx.settings_for(estate, hmcs=(), vioses=_direct("vios001a", "vios001b")))


def passphrase_never_a_password(ctx: Any) -> Run:
    estate = ctx.make(simple_estate(1), password=PASSPHRASE)  # the server would accept it as a password
    estate["vios001a"].behaviour.auth_fail = True
    key = _encrypted_key(ctx.tmp, ctx.key_text, PASSPHRASE)
    settings = ctx.settings_for(estate, hmcs=(), vioses=_direct("vios001a", "vios001b"), key_file=key)
    return Run(estate, replace(settings, passphrase=Secret(PASSPHRASE)))


def encrypted_key_without_passphrase(ctx: Any) -> Run:
    estate = ctx.make(simple_estate(1))
    key = _encrypted_key(ctx.tmp, ctx.key_text, PASSPHRASE)
    return Run(estate, ctx.settings_for(estate, hmcs=(), vioses=_direct("vios001a"), key_file=key))


def password_only_where_allowed(ctx: Any) -> Run:
    estate = ctx.make(simple_estate(1), password=PASSWORD)
    estate["vios001b"].behaviour.auth_fail = True  # a key host that refuses: still no password offered
    settings = ctx.settings_for(estate, vioses=_direct("vios001a", "vios001b"))
    hmc = replace(settings.hmcs[0], auth="password")
    return Run(estate, replace(settings, hmcs=(hmc,), password=Secret(PASSWORD)))


def revoked_key(ctx: Any) -> Run:
    estate = ctx.make(simple_estate(1))
    settings = ctx.settings_for(estate, hmcs=(), vioses=_direct("vios001a", "vios001b"))
    host = estate["vios001a"]
    with settings.known_hosts.open("a") as handle:
        handle.write(f"@revoked [127.0.0.1]:{host.port} {host.key.get_name()} {host.key.get_base64()}\n")
    return Run(estate, settings)


def cert_authority(ctx: Any) -> Run:
    estate = ctx.make(simple_estate(1))
    known = estate.write_known_hosts(ctx.tmp / "known_ca", skip=("vios001a",))
    with known.open("a") as handle:
        handle.write(f"@cert-authority *.example.com {CA_KEY}\n")
    return Run(estate, ctx.settings_for(estate, hmcs=(), vioses=_direct("vios001a", "vios001b"), known_hosts=known))


def changed_host_key(ctx: Any) -> Run:
    estate = ctx.make(simple_estate(1))
    estate["hmc1"].behaviour.wrong_host_key = True
    return Run(estate, ctx.settings_for(estate, vioses=_direct("vios001a")))


def fault(command_id: str, kind: Fault, **overrides: Any) -> Callable[[Any], Run]:
    def setup(ctx: Any) -> Run:
        estate = ctx.make(simple_estate(1))
        estate["vios001a"].behaviour.faults[command_id] = kind
        return Run(estate, ctx.settings_for(estate, hmcs=(), vioses=_direct("vios001a", "vios001b"), **overrides))

    return setup


def unreachable(ctx: Any) -> Run:
    estate = ctx.make(simple_estate(1))
    settings = ctx.settings_for(estate, vioses=_direct("vios001a"))
    dead = HostSpec("hmc-dead", "127.0.0.1", port=1)
    return Run(estate, replace(settings, hmcs=(*settings.hmcs, dead)))


def readable_key(ctx: Any) -> Run:
    estate = ctx.make(simple_estate(1))
    key = ctx.tmp / "id_readable"
    key.write_text(ctx.key_text)
    key.chmod(0o644)
    return Run(estate, ctx.settings_for(estate, hmcs=(), vioses=_direct("vios001a"), key_file=key))


def hostile_names(ctx: Any) -> Run:
    system = System(
        "P9 $(reboot);`id`", "78A9999", vios=("../../v<script>", "vios-ok"), clients=("=cmd|'/C calc'!A0",)
    )
    estate = ctx.make(Estate(hmcs={"hmc1": (system.name,)}, systems={system.name: system}))
    return Run(estate, ctx.settings_for(estate))


def plan_first(ctx: Any) -> Run:
    """The first command runs only after the manifest on disk plans it (checked inside the transport)."""
    estate = ctx.make(simple_estate(1))
    settings = ctx.settings_for(estate, concurrency=1, hmc_sessions=1)
    source = open_snapshot(ctx.source(estate))
    seen: list[bool] = []

    class Checking(ReplayTransport):
        def run(self, command: str, *, timeout: float, stdin: bytes | None = None) -> Any:
            capture = self.find(command, stdin)
            plan = open_snapshot(settings.output_dir()).manifest.plan
            assert plan is not None
            planned = {(t.host, c, t.managed_system, t.partition) for t in plan.targets for c in t.command_ids}
            seen.append((capture.host, capture.command_id, capture.managed_system, capture.partition) in planned)
            return super().run(command, timeout=timeout, stdin=stdin)

    ctx.factory = lambda spec, role: Checking(source, spec.name)
    ctx.after = lambda run, result: (seen and all(seen)) or pytest.fail(f"a command ran before its plan: {seen}")
    return Run(estate, settings)


def _failed_auths(host: str, count: int) -> Callable[[Run, Any], None]:
    def check(run: Run, result: Any) -> None:
        stats = run.estate[host].stats
        assert stats.failed_auths == count and stats.logins == 0, (stats.failed_auths, stats.logins)

    return check


def _no_password_sent(*hosts: str) -> Callable[[Run, Any], None]:
    def check(run: Run, result: Any) -> None:
        for host in hosts:
            assert run.estate[host].stats.passwords == [], (host, run.estate[host].stats.passwords)

    return check


def _all(*checks: Callable[[Run, Any], None]) -> Callable[[Run, Any], None]:
    def check(run: Run, result: Any) -> None:
        for one in checks:
            one(run, result)

    return check


def _not_kept(command_id: str) -> Callable[[Run, Any], None]:
    def check(run: Run, result: Any) -> None:
        assert not [c for c in result.manifest.captures if c.host == "vios001a" and c.command_id == command_id]
        assert {c.command_id for c in result.manifest.captures if c.host == "vios001b"} >= {command_id}

    return check


def _warned(pattern: str) -> Callable[[Run, Any], None]:
    return lambda run, result: any(re.search(pattern, m) for m in run.messages) or pytest.fail(str(run.messages))


def _inside(run: Run, result: Any) -> None:
    root = result.snapshot_dir.resolve()
    assert all(p.resolve().is_relative_to(root) for p in result.snapshot_dir.rglob("*"))
    assert {c.host for c in result.manifest.captures} >= {"../../v<script>", "vios-ok"}


CASES = [
    # 3. one credential, one attempt, secrets kept apart
    Case("wrong HMC password: one failed login", wrong_password, 1,
         r"authentication failed.*one attempt with a password.*is the account locked",
         extra={"host": "hmc1", "check": _all(_failed_auths("hmc1", 1), _no_password_sent("vios001a"))}),
    Case("key refused: one failed login", key_refused, 1, r"authentication failed.*one attempt with key file",
         extra={"host": "vios001a", "check": _failed_auths("vios001a", 1)}),
    Case("key passphrase never sent as a password", passphrase_never_a_password, 1, r"authentication failed",
         extra={"host": "vios001a",
                "check": _all(_failed_auths("vios001a", 1), _no_password_sent("vios001a", "vios001b"))}),
    Case("encrypted key without passphrase_env", encrypted_key_without_passphrase, 1,
         r"is encrypted; name the environment variable holding its passphrase with passphrase_env",
         extra={"host": "vios001a", "check": _failed_auths("vios001a", 0)}),
    Case("password only to the host that allows it", password_only_where_allowed, 1, r"authentication failed",
         extra={"host": "vios001b", "check": _no_password_sent("vios001a", "vios001b")}),
    # 7. known_hosts markers and host keys
    Case("known_hosts @revoked key", revoked_key, 1, r"HOST KEY REVOKED", extra={"host": "vios001a",
         "check": _failed_auths("vios001a", 0)}),
    Case("known_hosts @cert-authority line", cert_authority, 1, r"UNKNOWN HOST KEY.*@cert-authority entries",
         extra={"host": "vios001a"}),
    Case("host key changed", changed_host_key, 1, r"HOST KEY CHANGED", extra={"host": "hmc1"}),
    Case("private key readable by others", readable_key, 0, r".", extra={
        "check": _warned(r"can be read by other users \(mode 0644\); OpenSSH refuses such a key: chmod 600")}),
    # hosts that fail or lie
    Case("hung command", fault("lsmap_all", Fault.HANG, command_timeout=0.5), 1, r"did not finish within 0\.5 s",
         extra={"host": "vios001a"}),
    Case("connection reset mid-output", fault("lsmap_npiv", Fault.DROP), 1, r"output cut short",
         extra={"host": "vios001a", "check": _not_kept("lsmap_npiv")}),
    Case("exec request never answered", fault("*", Fault.STALL, command_timeout=0.4), 1, r"did not finish",
         extra={"host": "vios001a"}),
    Case("100 MB of output", fault("lslpp_lc", Fault.FLOOD, max_output=1024 * 1024), 1,
         r"output exceeded max_output \(1048576 bytes\) and was stopped; nothing of it is kept",
         extra={"host": "vios001a", "check": _not_kept("lslpp_lc")}),
    Case("unreachable HMC", unreachable, 1, r"cannot connect", extra={"host": "hmc-dead"}),
    Case("hostile system, VIOS and client names", hostile_names, 0, r".", extra={"check": _inside}),
    # 1. the plan is on disk before the first command
    Case("plan written before the first command", plan_first, 0, r"."),
]  # fmt: skip


@dataclass
class Context:
    make: Any
    settings_for: Any
    tmp: Path
    key_text: str
    factory: Any = None
    after: Any = None

    def source(self, estate: FakeEstate) -> Path:
        """The snapshot folder the fake estate plays (written by the ``make_estate`` fixture)."""
        return next(self.tmp.glob("estate*"))


@pytest.mark.parametrize("case", CASES, ids=str)
def test_collect_fault(case: Case, make_estate: Any, settings_for: Any, tmp_path: Path, client_key: Any) -> None:
    ctx = Context(make_estate, settings_for, tmp_path, client_key[1].read_text())
    run = case.setup(ctx)
    source_dir = ctx.source(run.estate)
    result = collect(run.settings, processor=Recorder(run.messages), transport_factory=ctx.factory)
    code = 1 if result.partial else 0
    assert code == case.exit, [(g.host, g.command_id, g.reason) for g in result.manifest.gaps]
    if "host" in case.extra:
        reasons = [g.reason for g in result.manifest.gaps if g.host == case.extra["host"]]
        assert reasons and all(re.search(case.message, r) for r in reasons), reasons
    for extra in ("check",):
        if extra in case.extra:
            case.extra[extra](run, result)
    if ctx.after is not None:
        ctx.after(run, result)
    everything = b"".join(p.read_bytes() for p in result.snapshot_dir.rglob("*") if p.is_file())
    for secret in (PASSWORD, PASSPHRASE, "wrong-password"):
        assert secret.encode() not in everything
    check_nothing_lost(result.snapshot_dir)
    assert (result.snapshot_dir / MANIFEST).is_file()
    baseline = {f["key"]: f["verdict"] for f in judged(source_dir)[0]}
    check_verdicts(case, *judged(result.snapshot_dir), baseline)
