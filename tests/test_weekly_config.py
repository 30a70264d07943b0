"""The weekly configuration: [delivery] refuses passwords in the file, unsafe password files and clear
text to a remote server; [collect] output is refused (every week needs a new snapshot); the whole file
is checked before anything runs (exit 2, one log line naming the key)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from viosaudit.cli import EXIT_ERROR, main
from viosaudit.deliver import load_delivery
from viosaudit.errors import ConfigError
from viosaudit.weekly import load_config

SMTP = {"host": "smtp.example.com", "from": "viosaudit@example.com", "username": "mailer"}


def delivery(**smtp: object) -> dict[str, object]:
    return {"management": ["cio@example.com"], "cab": ["cab@example.com"], "smtp": SMTP | smtp}


def password_file(tmp_path: Path, mode: int, text: str = "file-secret\n") -> Path:
    path = tmp_path / "smtp-password"
    path.write_text(text)
    path.chmod(mode)
    return path


def test_a_password_in_the_file_is_refused_naming_the_key() -> None:
    with pytest.raises(ConfigError, match=r"delivery\.smtp\.password is not allowed: passwords are never read"):
        load_delivery(delivery(password="hunter2"), "weekly.toml", env={})


def test_the_password_comes_from_the_environment() -> None:
    settings = load_delivery(delivery(password_env="SMTP_PW"), "weekly.toml", env={"SMTP_PW": "env-secret"})
    assert settings.smtp.password is not None and settings.smtp.password.reveal() == "env-secret"
    assert "env-secret" not in repr(settings)
    assert settings.smtp.port == 587 and settings.smtp.security == "starttls"
    with pytest.raises(ConfigError, match="password_env names SMTP_PW, which is not set"):
        load_delivery(delivery(password_env="SMTP_PW"), "weekly.toml", env={})


def test_a_password_file_readable_only_by_us_is_read(tmp_path: Path) -> None:
    for mode in (0o600, 0o400):
        path = password_file(tmp_path, mode)
        settings = load_delivery(delivery(password_file=str(path)), "weekly.toml", env={})
        assert settings.smtp.password is not None and settings.smtp.password.reveal() == "file-secret"
        path.chmod(0o600)


@pytest.mark.parametrize("mode", [0o640, 0o644, 0o604])
def test_a_password_file_others_may_read_is_refused(tmp_path: Path, mode: int) -> None:
    path = password_file(tmp_path, mode)
    with pytest.raises(ConfigError, match=rf"mode 0{mode:o} lets others read it; refused \(chmod 600"):
        load_delivery(delivery(password_file=str(path)), "weekly.toml", env={})


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user needs root")
def test_a_password_file_owned_by_another_user_is_refused(tmp_path: Path) -> None:
    path = password_file(tmp_path, 0o600)
    os.chown(path, 65534, 65534)
    with pytest.raises(ConfigError, match="owned by uid 65534, not by the user running viosaudit"):
        load_delivery(delivery(password_file=str(path)), "weekly.toml", env={})


def test_a_systemd_credential_is_found_through_credentials_directory(tmp_path: Path) -> None:
    password_file(tmp_path, 0o440)  # systemd may leave it root-owned, readable through an ACL
    table = delivery(password_file="${CREDENTIALS_DIRECTORY}/smtp-password")
    settings = load_delivery(table, "weekly.toml", env={"CREDENTIALS_DIRECTORY": str(tmp_path)})
    assert settings.smtp.password is not None and settings.smtp.password.reveal() == "file-secret"
    with pytest.raises(ConfigError, match="names an environment variable that is not set"):
        load_delivery(table, "weekly.toml", env={})


def test_clear_text_only_to_a_relay_on_this_machine() -> None:
    with pytest.raises(ConfigError, match='security = "none" is allowed only to a mail relay on this machine'):
        load_delivery(delivery(security="none", username=None) | {"smtp": {**SMTP, "security": "none"}}, "w", env={})
    local = {"host": "127.0.0.1", "from": "v@example.com", "security": "none"}
    assert load_delivery({"management": ["a@example.com"], "smtp": local}, "w", env={}).smtp.port == 25


def test_a_login_without_a_password_source_and_bad_values_are_refused() -> None:
    with pytest.raises(ConfigError, match="username 'mailer' needs password_env or password_file"):
        load_delivery(delivery(), "weekly.toml", env={})
    with pytest.raises(ConfigError, match=r"\[delivery\]: smtp.security: invalid enum value 'ssl'; expected one of"):
        load_delivery(delivery(security="ssl", password_env="X"), "weekly.toml", env={"X": "y"})
    with pytest.raises(ConfigError, match=r"management\[0\]"):
        load_delivery({"management": ["not an address"], "smtp": SMTP}, "weekly.toml", env={})
    with pytest.raises(ConfigError, match="lists no recipient"):
        load_delivery({"smtp": {"host": "localhost", "from": "v@example.com"}}, "weekly.toml", env={})


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "weekly.toml"
    path.write_text('[[hmc]]\nname = "hmc1"\naddress = "127.0.0.1"\n' + text)
    return path


def test_collect_output_is_refused_and_report_keys_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"\[collect\] output is set; the weekly job writes a new snapshot"):
        load_config(write_config(tmp_path, '[collect]\noutput = "snap"\n'), env={})
    with pytest.raises(ConfigError, match=r"\[report\]: object contains unknown field `keep`"):
        load_config(write_config(tmp_path, "[report]\nkeep = 3\n"), env={})
    config = load_config(write_config(tmp_path, '[report]\nkeep_weeks = 3\nout = "r"\n'), env={})
    assert config.report.keep_weeks == 3 and config.delivery is None and config.collect.hmcs[0].name == "hmc1"
    assert config.report.history_scope == "zone"
    config = load_config(write_config(tmp_path, '[report]\nzone = "dc1"\nhistory_scope = "all"\n'), env={})
    assert config.report.history_scope == "all"
    with pytest.raises(ConfigError, match=r"history_scope"):
        load_config(write_config(tmp_path, '[report]\nhistory_scope = "everything"\n'), env={})


def test_a_bad_configuration_stops_weekly_before_anything_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    smtp = json.dumps(SMTP["host"])
    config = write_config(
        tmp_path,
        f'[report]\nout = "{tmp_path / "reports"}"\n[delivery]\nmanagement = ["a@example.com"]\n'
        f'[delivery.smtp]\nhost = {smtp}\nfrom = "v@example.com"\nusername = "u"\npassword = "hunter2"\n',
    )
    code = main(["weekly", "--config", str(config), "--log-format", "json"])
    err = capsys.readouterr().err
    assert code == EXIT_ERROR
    first = json.loads(err.splitlines()[0])
    assert first["stage"] == "config" and first["level"] == "error"
    assert "delivery.smtp.password is not allowed: passwords are never read" in first["message"]
    assert "hunter2" not in err
    assert not (tmp_path / "reports").exists()
