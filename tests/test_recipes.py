"""The scheduling recipes under contrib/: the systemd units pass `systemd-analyze verify` without a
single warning (where systemd is installed), say what docs/weekly.md promises, and the command lines
they run are accepted by viosaudit's own argument parser."""

from __future__ import annotations

import configparser
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from viosaudit.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
UNITS = ROOT / "contrib" / "systemd"
SERVICE = UNITS / "viosaudit-weekly.service"
TIMER = UNITS / "viosaudit-weekly.timer"
CRON = ROOT / "contrib" / "cron" / "viosaudit-weekly"


def unit(path: Path) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(path.read_text(encoding="utf-8"))
    return parser


def accepted(argv: list[str]) -> None:
    """The arguments after the program name parse as a `viosaudit weekly` command."""
    assert argv[0].endswith("/viosaudit"), argv
    args = build_parser().parse_args(argv[1:])
    assert args.action == "weekly" and args.config == "/etc/viosaudit/weekly.toml"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed here")
def test_the_units_pass_systemd_analyze_verify_without_a_warning(tmp_path: Path) -> None:
    # ExecStart must name an existing program for verify; the shipped one lives in /opt/viosaudit.
    service = SERVICE.read_text(encoding="utf-8").replace(
        "ExecStart=/opt/viosaudit/.venv/bin/viosaudit ", "ExecStart=/bin/true "
    )
    assert service != SERVICE.read_text(encoding="utf-8")
    (tmp_path / SERVICE.name).write_text(service, encoding="utf-8")
    shutil.copy(TIMER, tmp_path / TIMER.name)
    done = subprocess.run(
        ["systemd-analyze", "verify", str(tmp_path / SERVICE.name), str(tmp_path / TIMER.name)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "", done.stderr  # unknown keys are only warnings: none allowed


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed here")
def test_the_timer_fires_on_mondays_at_six() -> None:
    spec = unit(TIMER)["Timer"]["OnCalendar"]
    done = subprocess.run(
        ["systemd-analyze", "calendar", "--iterations=3", spec], capture_output=True, text=True, check=True
    )
    elapses = [line for line in done.stdout.splitlines() if "Next elapse" in line or "Iter." in line]
    assert len(elapses) == 3 and all(" Mon " in line and " 06:00:00 " in line for line in elapses), done.stdout


def test_the_service_is_a_hardened_oneshot_as_its_own_user() -> None:
    service = unit(SERVICE)["Service"]
    assert service["Type"] == "oneshot"
    assert service["User"] == "viosaudit"
    assert service["ProtectSystem"] == "strict"
    assert set(service["ReadWritePaths"].split()) == {"/var/lib/viosaudit", "/var/log/viosaudit"}
    for key in ("NoNewPrivileges", "PrivateTmp", "ProtectHome", "PrivateDevices"):
        assert service[key] == "yes", key
    assert service["UMask"] == "0077"
    assert "password" not in service["ExecStart"].lower()
    accepted(shlex.split(service["ExecStart"]))
    timer = unit(TIMER)
    assert timer["Timer"]["OnCalendar"] == "Mon *-*-* 06:00"
    assert timer["Timer"]["Persistent"] == "true"
    assert timer["Timer"]["Unit"] == SERVICE.name
    assert timer["Install"]["WantedBy"] == "timers.target"


def test_the_cron_line_runs_weekly_under_flock_as_the_service_user() -> None:
    lines = [
        line
        for line in CRON.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#") and "=" not in line.split()[0]
    ]
    assert len(lines) == 1, lines
    fields = lines[0].split(None, 6)
    assert fields[:5] == ["0", "6", "*", "*", "1"]  # minute hour day month weekday (Monday)
    assert fields[5] == "viosaudit"  # /etc/cron.d format: the user to run as
    command = fields[6]
    flock = command[command.index("flock -n ") :].split("||", 1)[0]
    argv = shlex.split(flock)
    assert argv[:5] == ["flock", "-n", "-E", "2", "/var/lib/viosaudit/.weekly.cron.lock"]
    accepted(argv[5:])
    assert "%" not in command  # cron would turn it into a newline


def test_the_example_configuration_loads(tmp_path: Path) -> None:
    from viosaudit.weekly import load_config

    (tmp_path / "smtp-password").write_text("x\n")
    (tmp_path / "smtp-password").chmod(0o400)
    config = load_config(ROOT / "contrib" / "weekly.toml.example", env={"CREDENTIALS_DIRECTORY": str(tmp_path)})
    assert config.delivery is not None and config.delivery.smtp.security == "starttls"
    assert config.report.keep_weeks == 12 and [h.name for h in config.collect.hmcs] == ["hmc01"]
