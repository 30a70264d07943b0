"""``viosaudit import FOLDER``: captures kept by administrators become a normal snapshot with origins."""

from __future__ import annotations

from pathlib import Path

import pytest

from viosaudit.assemble import build_estate
from viosaudit.cli import EXIT_ERROR, EXIT_OK, main
from viosaudit.collect.folder import import_folder
from viosaudit.errors import SnapshotError
from viosaudit.model import Vios
from viosaudit.snapshot import open_snapshot

PARSE = Path(__file__).parents[1] / "parse"

DESCRIPTOR = """\
[[host]]
name = "vios1"
managed_system = "P5"

[[host]]
name = "vios2"
managed_system = "P5"

[[file]]
path = "sweeps/ioslevel.txt"
command = "ioslevel"

[[file]]
path = "hmc01-lpars.txt"
host = "hmc01"
command = "lssyscfg -r lpar -m P5"
"""


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "captures"
    (folder / "hmc01").mkdir(parents=True)
    (folder / "vios1").mkdir()
    (folder / "sweeps").mkdir()
    (folder / "viosaudit-import.toml").write_text(DESCRIPTOR)
    # The collector's own layout: the file name says host and command.
    (folder / "hmc01" / "lssyscfg_sys.txt").write_text("P5,9131-52A,6535CCG,Operating\n")
    (folder / "vios1" / "lsmap_all.txt").write_bytes(
        (PARSE / "lsmap_all" / "vadapter_one_adapter_blank_physloc.raw").read_bytes()
    )
    # A default-form listing saved by hand, and a dsh sweep with a prompt and a banner.
    (folder / "hmc01-lpars.txt").write_bytes(
        (PARSE / "lssyscfg_lpar" / "default_form_power5_hmc_v7_polish_os_version.raw").read_bytes()
    )
    (folder / "sweeps" / "ioslevel.txt").write_text(
        "$ dsh -n vios1,vios2 ioscli ioslevel\nvios1: 2.2.6.65\nvios2: 2.2.6.65\nConnection to nim1 closed.\n"
    )
    return folder


def test_folder_becomes_a_snapshot_whose_manifest_says_where_each_file_came_from(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    result = import_folder(folder, tmp_path / "snap")
    snapshot = open_snapshot(tmp_path / "snap")
    by_key = {(c.host, c.command_id): c for c in snapshot.manifest.captures}
    assert set(by_key) == {
        ("hmc01", "lssyscfg_sys"),
        ("hmc01", "lssyscfg_lpar"),
        ("vios1", "lsmap_all"),
        ("vios1", "ioslevel"),
        ("vios2", "ioslevel"),
    }
    origin = "imported from sweeps/ioslevel.txt lines 3-3 (prefix 'vios2' removed)"
    assert by_key[("vios2", "ioslevel")].origin == origin
    assert "dropped line 1 (prompt line), line 4 (banner)" in (by_key[("vios1", "ioslevel")].origin or "")
    assert by_key[("hmc01", "lssyscfg_lpar")].managed_system == "P5"
    assert snapshot.read(by_key[("vios2", "ioslevel")]) == "2.2.6.65\n"
    assert any("prompt line" in w for w in result.warnings)
    assert any("prompt line" in n for n in snapshot.manifest.notes)

    estate = build_estate(snapshot)
    vios = {v.name: v for v in estate.vioses}
    assert set(vios) == {"vios1", "vios2"}
    assert all(isinstance(v, Vios) and str(v.level.value) == "2.2.6.65" for v in vios.values())
    assert vios["vios1"].vscsi.ok and vios["vios1"].vscsi.value
    assert {c.name for c in estate.clients} == {"nim1", "dump"}
    assert not [g for g in estate.gaps if g.command_id in {"lssyscfg_lpar", "lssyscfg_sys", "ioslevel"}]


def test_manifest_without_origin_reads_and_collector_captures_carry_none(tmp_path: Path) -> None:
    sample = open_snapshot(Path(__file__).parents[2] / "sample_data" / "snapshot")
    assert all(c.origin is None for c in sample.manifest.captures)
    assert all("origin" not in c.to_json() for c in sample.manifest.captures)


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("notes.txt", "anything\n", "not a capture by its name"),
        ("vios9/ioslevel.txt", "3.1.4.10\n", "needs its managed system"),
        ("hmc01/lshwres_scsi.txt", "No results were found.\n", "runs per managed system"),
    ],
)
def test_files_that_cannot_be_placed_are_refused_before_writing(
    tmp_path: Path, name: str, content: str, expected: str
) -> None:
    folder = _folder(tmp_path)
    (folder / name).parent.mkdir(exist_ok=True)
    (folder / name).write_text(content)
    with pytest.raises(SnapshotError, match=expected):
        import_folder(folder, tmp_path / "snap")
    assert not (tmp_path / "snap").exists()


def test_cli_imports_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _folder(tmp_path)
    assert main(["import", str(folder), "--into", str(tmp_path / "snap")]) == EXIT_OK
    out, err = capsys.readouterr()
    assert "5 captures imported" in out and "prompt line" in err
    (folder / "stray.log").write_text("x\n")
    assert main(["import", str(folder), "--into", str(tmp_path / "snap2")]) == EXIT_ERROR
    assert "stray.log" in capsys.readouterr().err
