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


# ---------------------------------------------------------------- parse: forms, shapes, carried output


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["parse", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_parse_recognises_the_command_by_shape_and_says_which(capsys: pytest.CaptureFixture[str]) -> None:
    raw = HERE / "parse" / "lssyscfg_lpar" / "default_form_power5_hmc_v7_polish_os_version.raw"
    code, out, err = _run(capsys, str(raw))
    assert code == EXIT_OK and "read as lssyscfg_lpar (recognised by its shape)" in err
    assert [r["os_version"] for r in json.loads(out)][1] == "Nieznane"


def test_parse_ambiguous_shape_lists_the_candidates(capsys: pytest.CaptureFixture[str]) -> None:
    raw = HERE / "parse" / "lshwres_scsi" / "default_form_power5_hmc_v7.raw"
    code, out, err = _run(capsys, str(raw))
    assert code == EXIT_ERROR and out == ""
    assert err.count("\n") == 1 and "lshwres_scsi or lshwres_fc" in err and "--command" in err


def test_parse_takes_the_command_line_as_typed(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    raw = tmp_path / "lpars.txt"
    raw.write_text("lpar_id,name,state\n1,vios1,Running\n")
    typed = 'lssyscfg -r lpar -m "P9 A" --filter "lpar_names=vios1" -F lpar_id,name,state --header'
    code, out, _ = _run(capsys, "--command", typed, str(raw))
    assert code == EXIT_OK
    assert json.loads(out)[0]["missing"] == ["lpar_env", "os_version"]
    raw.write_text("vhost0:U9009.42A.78ABCDE-V1-C21:0x00000003:vtscsi0:hdisk4\n")
    wrapped = "viosvrcmd -m P9 -p vios1 -c 'ioscli lsmap -all -field svsa physloc clientid vtd backing -fmt :'"
    code, out, _ = _run(capsys, "--command", wrapped, str(raw))
    assert code == EXIT_OK and json.loads(out)[0]["devices"][0]["backing_device"] == "hdisk4"


def test_parse_splits_hosts_and_reports_what_it_dropped(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    raw = tmp_path / "sweep.txt"
    raw.write_bytes(b"padmin@nim:/home/padmin$ ioslevel\r\nvios1: 3.1.4.10\r\nvios2: 2.2.6.65\r\n")
    code, out, err = _run(capsys, "--command", "ioslevel", str(raw))
    assert code == EXIT_OK
    assert {host: records[0]["level"] for host, records in json.loads(out).items()} == {
        "vios1": "3.1.4.10",
        "vios2": "2.2.6.65",
    }
    assert "line 1: dropped prompt line" in err


def test_parse_uses_the_command_on_the_prompt_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    raw = tmp_path / "pasted.txt"
    raw.write_text("$ emgr -l\nThere is no efix data on this system.\n$\n")
    code, out, err = _run(capsys, str(raw))
    assert code == EXIT_OK and json.loads(out) == []
    assert "read as emgr_l (command typed on its prompt line)" in err and err.count("dropped prompt line") == 2


@pytest.mark.parametrize(
    ("content", "command", "expected"),
    [
        ("HSCL8012 The partition named vios9 was not found.\n", "lssyscfg -r lpar -m S", "line 1: the HMC said"),
        ("vios1,1,vioserver\n", "lssyscfg -r lpar -m S -F name,lpar_id,lpar_env,state", "line 1: expected 4"),
        ("\n\n3.1.4\n", "ioslevel", "line 3: a VIOS level has four fields"),
    ],
)
def test_parse_errors_are_one_line_with_file_and_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str, command: str, expected: str
) -> None:
    raw = tmp_path / "bad.txt"
    raw.write_text(content)
    code, out, err = _run(capsys, "--command", command, str(raw))
    assert code == EXIT_ERROR and out == "" and err.count("\n") == 1
    assert err.startswith(f"error: {raw}, ") and expected in err


def test_parse_refuses_bytes_that_are_not_text(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    raw = tmp_path / "bin.txt"
    raw.write_bytes(b"3.1.4.10\n\xff\xfe\n")
    code, _, err = _run(capsys, "--command", "ioslevel", str(raw))
    assert code == EXIT_ERROR and "line 2" in err and "not UTF-8" in err
