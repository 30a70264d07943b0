"""The offline capture script (POSIX sh / ksh) and ``import_archive``."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from viosaudit.collect import capture_script, import_archive
from viosaudit.commands import BY_ID, COMMANDS, Role
from viosaudit.errors import SnapshotError
from viosaudit.parse import parse_output
from viosaudit.snapshot import open_snapshot

SHELLS = [s for s in ("dash", "ksh", "ksh93", "mksh") if shutil.which(s)]
VIOS_IDS = {c.id for c in COMMANDS if c.role is Role.VIOS}

FAKES = {
    "ioscli": """#!/bin/sh
case "$*" in
  ioslevel) echo 3.1.4.10 ;;
  "lsmap -all") printf 'SVSA            Physloc\\nvhost0          U9009.42A.78ABCDE-V1-C11\\n' ;;
  "lsmap -all -npiv") printf 'Name          Physloc\\nvfchost0      U9009.42A.78ABCDE-V1-C22\\n' ;;
  "lsmap -all -net") printf '\\377\\376 not utf-8\\n' ;;
  lspv) printf 'NAME             PVID                                 VG               STATUS\\n' ;;
  *) echo "ioscli: unexpected $*" >&2; exit 9 ;;
esac
""",
    "emgr": """#!/bin/sh
[ "$*" = "-l" ] || exit 9
echo "There is no efix data on this system."
""",
    "lslpp": """#!/bin/sh
[ "$*" = "-Lc" ] || exit 9
echo "lslpp: 0504-132  Fileset bos.rte.bogus not installed." >&2
exit 1
""",
    "lsdev": """#!/bin/sh
case "$*" in
  "-Cc disk -F name") printf 'hdisk0\\nhdisk4\\n' ;;
  "-Cc adapter -t sea -F name") echo ent6 ;;
  *) exit 9 ;;
esac
""",
    "lsattr": """#!/bin/sh
case "$*" in
  "-El hdisk0 -a reserve_policy -F value") echo single_path ;;
  "-El hdisk4 -a reserve_policy -F value") echo no_reserve ;;
  "-El hdisk4 -a unique_id -F value") echo 33213600507680C80801228000000000000A104214503IBMfcp ;;
  "-El ent6 -a ha_mode -a ctl_chan -a pvid_adapter -a virt_adapters -F attribute value")
    printf 'ha_mode        auto\\nctl_chan       ent5\\npvid_adapter   ent4\\nvirt_adapters  ent4\\n' ;;
  *) echo "lsattr: 0514-528 The attribute does not exist" >&2; exit 9 ;;
esac
""",
    "uname": """#!/bin/sh
case "$1" in -L) echo "3 vios1a" ;; -u) echo "IBM,0278ABCDE" ;; *) /bin/uname "$@" ;; esac
""",
}


def _fakes(tmp_path: Path, *, with_sha: bool = True) -> dict[str, str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, body in FAKES.items():
        (bin_dir / name).write_text(body)
        (bin_dir / name).chmod(0o755)
    path = f"{bin_dir}:/usr/bin:/bin"
    if not with_sha:  # no working csum, sha256sum or openssl: the importer computes the sums
        for tool in ("csum", "sha256sum", "openssl"):
            (bin_dir / tool).write_text("#!/bin/sh\nexit 1\n")
            (bin_dir / tool).chmod(0o755)
    return {"PATH": path, "TMPDIR": str(tmp_path), "HOME": str(tmp_path)}


def _run_script(shell: str, tmp_path: Path, *args: str, with_sha: bool = True) -> Path:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    env = _fakes(tmp_path, with_sha=with_sha)
    result = subprocess.run(
        [shutil.which(shell) or shell, str(capture_script()), "-o", str(out_dir), *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stderr  # lslpp failed on purpose
    archives = list(out_dir.glob("viosaudit-*.tar"))
    assert len(archives) == 1, result.stdout + result.stderr
    assert not list(tmp_path.glob("viosaudit-capture.*")), "work folder left behind"
    return archives[0]


@pytest.mark.parametrize("shell", SHELLS)
def test_capture_script_writes_an_archive_the_importer_accepts(tmp_path, shell):
    archive = _run_script(shell, tmp_path, "-n", "vios1a.example.com", "-m", "P9 Prod 1")
    with tarfile.open(archive) as tar:
        names = sorted(tar.getnames())
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
    assert "manifest.json" in names
    entries = {e["command_id"]: e for e in manifest["captures"]}
    assert set(entries) == VIOS_IDS
    assert entries["lsmap_all"]["command"].endswith("ioscli lsmap -all")
    assert entries["lslpp_lc"]["exit_status"] == 1 and entries["emgr_l"]["exit_status"] == 0
    assert all(len(e["sha256"]) == 64 for e in entries.values())
    assert entries["ioslevel"]["partition"] == "vios1a"  # from uname -L
    for command_id in ("disk_reserve", "sea_attrs"):  # the root loops are recorded as commands.py has them
        assert entries[command_id]["command"] == BY_ID[command_id].line and entries[command_id]["exit_status"] == 0

    result = import_archive(archive, tmp_path / "snapshot")
    snapshot = open_snapshot(tmp_path / "snapshot")
    assert {c.command_id for c in snapshot.manifest.captures} == VIOS_IDS
    assert all(snapshot.verify(c) is None for c in snapshot.manifest.captures)
    net = next(c for c in snapshot.manifest.captures if c.command_id == "lsmap_net")
    assert snapshot.read_bytes(net) == b"\xff\xfe not utf-8\n"  # verbatim
    assert {c.managed_system for c in snapshot.manifest.captures} == {"P9 Prod 1"}
    assert {c.host for c in snapshot.manifest.captures} == {"vios1a.example.com"}
    reserve = next(c for c in snapshot.manifest.captures if c.command_id == "disk_reserve")
    assert snapshot.read_bytes(reserve) == (
        b"hdisk0 reserve_policy single_path\n"
        b"hdisk0 unique_id lsattr: 0514-528 The attribute does not exist\n"
        b"hdisk4 reserve_policy no_reserve\n"
        b"hdisk4 unique_id 33213600507680C80801228000000000000A104214503IBMfcp\n"
    )
    sea = next(c for c in snapshot.manifest.captures if c.command_id == "sea_attrs")
    assert parse_output("sea_attrs", snapshot.read_bytes(sea).decode())[0].ctl_chan == "ent5"
    (gap,) = result.gaps
    assert gap.command_id == "lslpp_lc" and "exited with status 1: lslpp: 0504-132" in gap.reason
    assert any("IBM,0278ABCDE" in n for n in snapshot.manifest.notes)


def test_importer_completes_missing_checksums(tmp_path):
    archive = _run_script("dash" if shutil.which("dash") else "sh", tmp_path, "-n", "v", with_sha=False)
    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
    assert {e["sha256"] for e in manifest["captures"]} == {""}
    import_archive(archive, tmp_path / "snapshot")
    snapshot = open_snapshot(tmp_path / "snapshot")
    assert all(len(c.sha256) == 64 and snapshot.verify(c) is None for c in snapshot.manifest.captures)


def test_the_script_runs_the_command_set_of_commands_py():
    text = capture_script().read_text()
    for command in COMMANDS:
        if command.role is Role.VIOS:
            assert f'run {command.id} "' in text and command.line in text, command.id
    for bashism in ("[[", "local ", "function ", "$'", "<<<", "source ", "declare ", "--"):
        code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
        assert bashism not in code, bashism


# ---------------------------------------------------------------- hostile archives


def _tar(tmp_path: Path, members: dict[str, bytes], manifest: dict | None = None, name: str = "a.tar") -> Path:
    path = tmp_path / name
    with tarfile.open(path, "w") as tar:
        files = dict(members)
        if manifest is not None:
            files["manifest.json"] = json.dumps(manifest).encode()
        for member, data in files.items():
            info = tarfile.TarInfo(member)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def _manifest(entries: list[dict]) -> dict:
    return {"format": "viosaudit-snapshot/1", "snapshot_id": "x", "created": "", "collector": "t", "captures": entries}


def _entry(file: str, command_id: str, sha: str = "") -> dict:
    return {
        "file": file,
        "host": "v1",
        "role": "vios",
        "command_id": command_id,
        "command": "ioscli ioslevel",
        "started": "",
        "ended": "",
        "exit_status": 0,
        "sha256": sha,
    }


GOOD = "captures/v1/ioslevel.txt"


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ({"../evil.txt": b"x"}, "unsafe path"),
        ({"/etc/passwd": b"x"}, "unsafe path"),
        ({"captures/../../x/ioslevel.txt": b"x"}, "unsafe path"),
        ({"captures/v1/rm_rf.txt": b"x"}, "not a capture of the viosaudit command set"),
        ({"captures/v1/lssyscfg_sys.txt": b"x"}, "not a capture of the viosaudit command set"),
        ({"notes.sh": b"x"}, "not a capture of the viosaudit command set"),
        ({"captures/v1/lsmap_all.txt": b"x"}, "not in its manifest"),
    ],
)
def test_hostile_or_foreign_members_are_rejected(tmp_path, members, message):
    archive = _tar(tmp_path, {GOOD: b"3.1.4.10\n", **members}, _manifest([_entry(GOOD, "ioslevel")]))
    with pytest.raises(SnapshotError, match=message):
        import_archive(archive, tmp_path / "snapshot")
    assert not (tmp_path / "snapshot").exists()


def test_links_are_rejected(tmp_path):
    path = tmp_path / "link.tar"
    with tarfile.open(path, "w") as tar:
        info = tarfile.TarInfo(GOOD)
        info.type = tarfile.SYMTYPE
        info.linkname = "/etc/shadow"
        tar.addfile(info)
    with pytest.raises(SnapshotError, match="link or special file"):
        import_archive(path, tmp_path / "snapshot")


def test_altered_capture_is_rejected(tmp_path):
    archive = _tar(tmp_path, {GOOD: b"3.1.4.10\n"}, _manifest([_entry(GOOD, "ioslevel", sha="0" * 64)]))
    with pytest.raises(SnapshotError, match="does not match its SHA-256"):
        import_archive(archive, tmp_path / "snapshot")


def test_mislabelled_capture_is_rejected(tmp_path):
    archive = _tar(tmp_path, {GOOD: b"x"}, _manifest([_entry(GOOD, "emgr_l")]))
    with pytest.raises(SnapshotError, match="listed as command"):
        import_archive(archive, tmp_path / "snapshot")


def test_import_adds_to_an_existing_snapshot_once(tmp_path):
    archive = _tar(tmp_path, {GOOD: b"3.1.4.10\n"}, _manifest([_entry(GOOD, "ioslevel")]))
    other = _tar(
        tmp_path,
        {"captures/v2/ioslevel.txt": b"4.1.0.21\n"},
        _manifest([{**_entry("captures/v2/ioslevel.txt", "ioslevel"), "host": "v2"}]),
        name="b.tar",
    )
    import_archive(archive, tmp_path / "snapshot", managed_system="P9-1")
    import_archive(other, tmp_path / "snapshot")
    snapshot = open_snapshot(tmp_path / "snapshot")
    assert sorted((c.host, c.managed_system) for c in snapshot.manifest.captures) == [("v1", "P9-1"), ("v2", None)]
    with pytest.raises(SnapshotError, match="already holds ioslevel of v2"):
        import_archive(other, tmp_path / "snapshot")
