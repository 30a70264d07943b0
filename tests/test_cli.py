"""The thin CLI: parse, rules list, catalog list/show/validate/import; errors give exit status 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from viosaudit.cli import EXIT_ERROR, EXIT_OK, main
from viosaudit.rules import RULE_IDS
from viosaudit.rules.catalogue import load_catalogue

HERE = Path(__file__).parent


def test_parse_prints_records_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    raw = HERE / "parse" / "ioslevel" / "vios_3.1.raw"
    assert main(["parse", "--command", "ioslevel", str(raw)]) == EXIT_OK
    assert json.loads(capsys.readouterr().out)[0]["level"] == "3.1.4.10"


def test_parse_error_names_file_command_host_and_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    raw = tmp_path / "out.txt"
    raw.write_text("SVSA            Physloc                                      Client Partition ID\ngarbage\n")
    code = main(["parse", "--command", "viosvrcmd -m S -p v1 -c \"lsmap -all\"", "--host", "v1", str(raw)])
    err = capsys.readouterr().err
    assert code == EXIT_ERROR
    assert str(raw) in err and "'lsmap -all'" in err and "'v1'" in err and "line " in err


def test_unknown_command_is_a_clear_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "x").write_text("x\n")
    assert main(["parse", "--command", "rm -rf /", str(tmp_path / "x")]) == EXIT_ERROR
    assert "unknown command" in capsys.readouterr().err


def test_rules_list_shows_every_registered_rule(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "list"]) == EXIT_OK
    listed = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert listed == list(RULE_IDS)


def test_catalog_validate_list_show(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalog", "validate"]) == EXIT_OK
    assert "valid" in capsys.readouterr().out
    assert main(["catalog", "list"]) == EXIT_OK
    assert any(line.startswith("IV91339") for line in capsys.readouterr().out.splitlines())
    assert main(["catalog", "show", "IV91339"]) == EXIT_OK
    assert 'high = "6.1.9.200"' in capsys.readouterr().out
    assert main(["catalog", "show", "IV00000"]) == EXIT_ERROR


def test_catalog_validate_reports_problems(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('schema = 1\n[[apar]]\nid = "IV12345"\ntitle = "x"\ntype = "hiper"\n')
    assert main(["catalog", "--catalogue", str(bad), "validate"]) == EXIT_ERROR
    assert "IV12345" in capsys.readouterr().out


def test_catalog_import_flrt_feed_writes_a_catalogue_the_report_can_use(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "catalogue.toml"
    feed = HERE / "rules" / "data" / "apar.csv"
    base = tmp_path / "base.toml"
    base.write_text("schema = 1\n")
    assert main(["catalog", "--catalogue", str(base), "import", str(feed), "--out", str(out)]) == EXIT_OK
    merged = load_catalogue(out)
    assert len(merged.apars) >= 2
    assert main(["catalog", "--catalogue", str(out), "validate"]) == EXIT_OK
