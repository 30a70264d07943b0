"""``viosaudit --version`` prints the installed package's version; ``--max-age-days`` takes whole days."""

from __future__ import annotations

from importlib.metadata import version

import pytest

from viosaudit import tool_version
from viosaudit.cli import build_parser, main


def test_version_comes_from_the_package_metadata(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"viosaudit {version('viosaudit')}"
    assert tool_version() == version("viosaudit")


def test_max_age_days_default_and_bad_value(capsys: pytest.CaptureFixture[str]) -> None:
    assert build_parser().parse_args(["report", "snap"]).max_age_days == 8
    assert build_parser().parse_args(["report", "snap", "--max-age-days", "30"]).max_age_days == 30
    with pytest.raises(SystemExit):
        build_parser().parse_args(["report", "snap", "--max-age-days", "-1"])
    assert "expected a whole number of days" in capsys.readouterr().err
