"""Settings: flag > VIOSAUDIT_* env > TOML > default; passwords never from the file."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from viosaudit.config import PARAMETERS, Secret, add_arguments, load_settings
from viosaudit.errors import ConfigError

DOCS = Path(__file__).resolve().parents[2] / "docs" / "collect.md"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "viosaudit.toml"
    path.write_text(text)
    return path


def test_precedence_flag_env_file_default(tmp_path):
    path = _write(tmp_path, '[collect]\nconcurrency = 3\nhmc_sessions = 4\nuser = "fileuser"\n')
    env = {"VIOSAUDIT_HMC_SESSIONS": "5", "VIOSAUDIT_USER": "envuser"}
    settings = load_settings(path, flags={"user": "flaguser", "concurrency": None}, env=env)
    assert settings.user == "flaguser" and settings.sources["user"] == "flag"
    assert settings.hmc_sessions == 5 and settings.sources["hmc_sessions"] == "env"
    assert settings.concurrency == 3 and settings.sources["concurrency"] == "file"
    assert settings.command_timeout == 300.0 and settings.sources["command_timeout"] == "default"


def test_every_setting_has_flag_env_and_help_once():
    names = [p.name for p in PARAMETERS]
    assert len(names) == len(set(names))
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    text = parser.format_help()
    for p in PARAMETERS:
        assert p.flag in text and p.env in text and p.help
    args = parser.parse_args(["--no-use-agent", "--hmc-sessions", "1"])
    settings = load_settings(None, flags=vars(args), env={})
    assert settings.use_agent is False and settings.hmc_sessions == 1


def test_hosts_from_toml(tmp_path):
    path = _write(
        tmp_path,
        """
[[hmc]]
name = "hmc01"
address = "hmc01.example.com"
user = "viosaudit"

[[vios]]
name = "vios1a"
address = "10.1.1.5"
port = 2222
managed_system = "P9 Prod 1"
""",
    )
    settings = load_settings(path, env={})
    assert settings.hmcs[0].address == "hmc01.example.com" and settings.hmcs[0].user == "viosaudit"
    vios = settings.vioses[0]
    assert (vios.port, vios.managed_system, vios.partition) == (2222, "P9 Prod 1", None)


@pytest.mark.parametrize(
    "text",
    [
        '[collect]\npassword = "hunter2"\n',
        '[[hmc]]\nname = "h"\npassword = "hunter2"\n',
        '[[vios]]\nname = "v"\nssh_password = "x"\n',
    ],
)
def test_a_password_in_the_file_is_refused(tmp_path, text):
    with pytest.raises(ConfigError, match="passwords are never read from the configuration file") as info:
        load_settings(_write(tmp_path, text), env={})
    assert "hunter2" not in str(info.value)


def test_password_from_the_named_environment_variable(tmp_path):
    path = _write(tmp_path, '[collect]\npassword_env = "HMC_PW"\n')
    settings = load_settings(path, env={"HMC_PW": "s3cr3t!"})
    assert isinstance(settings.password, Secret) and settings.password.reveal() == "s3cr3t!"
    assert "s3cr3t" not in repr(settings) and "s3cr3t" not in str(settings.password)
    with pytest.raises(ConfigError, match="HMC_PW, which is not set"):
        load_settings(path, env={})


def test_password_prompt_only_on_a_terminal(tmp_path):
    path = _write(tmp_path, '[collect]\npassword_prompt = true\nauth = "password"\n[[hmc]]\nname = "hmc01"\n')
    asked = []
    settings = load_settings(path, env={}, interactive=True, prompt=lambda text: asked.append(text) or "typed")
    assert settings.password == Secret("typed") and asked
    with pytest.raises(ConfigError, match="no terminal"):
        load_settings(path, env={}, interactive=False, prompt=lambda text: pytest.fail("must not prompt"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[collect]\nconcurency = 2\n", "collect: object contains unknown field `concurency`"),
        ("[collect]\nconcurrency = 0\n", "collect.concurrency: expected `int` >= 1"),
        ('[collect]\nroot_method = "sudo"\n', "collect.root_method: invalid enum value 'sudo'"),
        ('[[hmc]]\nname = "a"\n[[vios]]\nname = "a"\n', "listed twice"),
        ('[[hmc]]\nname = "a"\npartition = "x"\n', "hmc #1: object contains unknown field `partition`"),
        ("[hosts]\n", "object contains unknown field `hosts`"),
        ("[collect\n", "cannot read configuration"),
        ('[[vios]]\nname = "v"\nport = "22"\n', "vios #1 port: expected `int | null`, got `str`"),
        ("hmc = 3\n", "hmc: expected `array`, got `int`"),
        ('[collect]\nauth = "password"\n[[hmc]]\nname = "h"\n', 'h: auth = "password" but no password was given'),
    ],
)
def test_invalid_configuration_says_what_is_wrong(tmp_path, text, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_settings(_write(tmp_path, text), env={})


def test_invalid_env_value_names_the_variable():
    with pytest.raises(ConfigError, match="VIOSAUDIT_CONCURRENCY = 'many': expected `int`, got `str`"):
        load_settings(None, env={"VIOSAUDIT_CONCURRENCY": "many"})


def test_passphrase_and_password_are_kept_apart(tmp_path):
    path = _write(
        tmp_path,
        '[collect]\npassphrase_env = "KEY_PASS"\npassword_env = "HMC_PW"\n'
        '[[hmc]]\nname = "hmc01"\nauth = "password"\n[[vios]]\nname = "vios1"\n',
    )
    settings = load_settings(path, env={"KEY_PASS": "unlock", "HMC_PW": "login"})
    assert settings.passphrase == Secret("unlock") and settings.password == Secret("login")
    assert settings.auth_of(settings.hmcs[0]) == "password" and settings.auth_of(settings.vioses[0]) == "key"
    with pytest.raises(ConfigError, match="passphrase_env names KEY_PASS, which is not set"):
        load_settings(path, env={"HMC_PW": "login"})


def test_the_example_in_the_docs_is_valid(tmp_path):
    text = DOCS.read_text(encoding="utf-8")
    example = text.split("```toml\n", 1)[1].split("```", 1)[0]
    settings = load_settings(_write(tmp_path, example), env={"VIOSAUDIT_HMC_PASSWORD": "x"})
    assert settings.hmcs and settings.vioses
