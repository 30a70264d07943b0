"""`viosaudit report` against hostile and broken input: one case a row.

Each row changes a copy of a clean, planned snapshot (or hands ``report`` a bad site file or flag),
runs the real CLI, and checks the invariants of ``conftest``: exit status, the one-line message, no
report left behind on exit 2, no verdict turned PASS, and the snapshot itself untouched.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from conftest import TODAY, XLSX_NAME, Case, check_message, check_reports, copy_snapshot, tree
from viosaudit.cli import main

HEADER = "partition_name,service,owner,criticality\n"
ACCEPT = '[[acceptance]]\nfinding = "system_single_vios:78A0000"\nreason = "r"\napprover = "CIO"\n'
HOSTILE = "=1+2<img src=x onerror=alert(1)>"


def _manifest(snap: Path) -> dict[str, Any]:
    return dict(json.loads((snap / "manifest.json").read_text()))


def _save(snap: Path, data: Any) -> None:
    (snap / "manifest.json").write_text(json.dumps(data, indent=1))


def _edit(change: Any) -> Any:
    """A setup that applies ``change(manifest_dict)`` to the manifest (returning nothing)."""

    def setup(snap: Path, tmp: Path) -> list[str]:
        data = _manifest(snap)
        change(data)
        _save(snap, data)
        return []

    return setup


def _raw(data: bytes) -> Any:
    def setup(snap: Path, tmp: Path) -> list[str]:
        (snap / "manifest.json").write_bytes(data)
        return []

    return setup


def _file(option: str, data: bytes, name: str) -> Any:
    def setup(snap: Path, tmp: Path) -> list[str]:
        path = tmp / name
        path.write_bytes(data)
        return [option, str(path)]

    return setup


def _flag(*argv: str) -> Any:
    return lambda snap, tmp: list(argv)


def _point(index: int, target: str, sha_of: Path | None = None) -> Any:
    """Capture ``index`` now names ``target``; with ``sha_of`` its SHA-256 matches that file."""

    def change(data: dict[str, Any]) -> None:
        data["captures"][index]["file"] = target
        if sha_of is not None:
            data["captures"][index]["sha256"] = hashlib.sha256(sha_of.read_bytes()).hexdigest()

    return _edit(change)


def _symlink_file(snap: Path, tmp: Path) -> list[str]:
    data = _manifest(snap)
    capture = data["captures"][0]
    (snap / capture["file"]).unlink()
    (snap / capture["file"]).symlink_to("/etc/passwd")
    capture["sha256"] = hashlib.sha256(Path("/etc/passwd").read_bytes()).hexdigest()
    _save(snap, data)
    return []


def _symlink_folder(snap: Path, tmp: Path) -> list[str]:
    outside = tmp / "outside"
    (snap / "captures" / "hmc1").rename(outside)
    (snap / "captures" / "hmc1").symlink_to(outside)
    return []


def _symlink_manifest(snap: Path, tmp: Path) -> list[str]:
    outside = tmp / "manifest.json"
    (snap / "manifest.json").rename(outside)
    (snap / "manifest.json").symlink_to(outside)
    return []


def _drop_captures(keep: Any) -> Any:
    return _edit(lambda d: d.update(captures=[c for c in d["captures"] if keep(c)]))


def _killed_after(count: int) -> Any:
    def change(data: dict[str, Any]) -> None:
        data["captures"] = data["captures"][:count]
        data["plan"]["finished"] = False

    return _edit(change)


def _tamper(snap: Path, tmp: Path) -> list[str]:
    capture = _manifest(snap)["captures"][-1]
    with (snap / capture["file"]).open("ab") as handle:
        handle.write(b"appended later\n")
    return []


def _lose_file(snap: Path, tmp: Path) -> list[str]:
    (snap / _manifest(snap)["captures"][-1]["file"]).unlink()
    return []


def _hostile_names(snap: Path, tmp: Path) -> list[str]:
    data = _manifest(snap)
    for capture in data["captures"]:
        if capture["command_id"] == "lssyscfg_lpar":
            path = snap / capture["file"]
            path.write_bytes(path.read_bytes().replace(b"aix01,", HOSTILE.encode() + b","))
            capture["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    _save(snap, data)
    services = tmp / "services.csv"
    services.write_text(HEADER + f'"{HOSTILE}",Payroll,"@SUM(1+1)*cmd|\' /C calc\'!A0",high\n')
    return ["--services", str(services)]


def _no_formula(out: Path) -> None:
    wb = load_workbook(out / XLSX_NAME)
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert not [c for c in cells if isinstance(c.value, str) and c.value.startswith(("=", "+", "-", "@"))]
    assert any(isinstance(c.value, str) and "onerror" in c.value for c in cells)


CASES = [
    # 2. paths out of the snapshot
    Case("capture ../../etc/passwd with its SHA-256", _point(0, "../../etc/passwd", Path("/etc/passwd")), 2,
         r"captures\[0\]\.file '\.\./\.\./etc/passwd' is not a path inside the snapshot"),
    Case("capture /etc/passwd (absolute)", _point(0, "/etc/passwd", Path("/etc/passwd")), 2,
         r"'/etc/passwd' is not a path inside the snapshot"),
    Case("capture captures/../../x", _point(1, "captures/../../x"), 2, r"is not a path inside the snapshot"),
    Case("capture file is a symlink to /etc/passwd", _symlink_file, 2, r"leads outside the snapshot folder"),
    Case("captures/<host> is a symlink out", _symlink_folder, 2, r"leads outside the snapshot folder"),
    Case("manifest.json is a symlink out", _symlink_manifest, 2, r"symbolic link out of the snapshot folder"),
    Case("gap file ../secret", _edit(lambda d: d["gaps"].append(
        {"host": "h", "command_id": "ioslevel", "reason": "r", "file": "../secret"})), 2,
         r"gaps\[0\]\.file '\.\./secret' is not a path inside"),
    # 4. wrong-shape and broken manifests
    Case("manifest is a JSON list", _raw(b"[]"), 2, r"manifest\.json: expected `object`, got `array`"),
    Case("manifest captures is an object", _edit(lambda d: d.update(captures={})), 2,
         r"captures: expected `array`, got `object`"),
    Case("manifest exit_status is text", _edit(lambda d: d["captures"][2].update(exit_status="0")), 2,
         r"captures\[2\]\.exit_status: expected `int`, got `str`"),
    Case("manifest capture without host", _edit(lambda d: d["captures"][3].pop("host")), 2,
         r"captures\[3\]: object missing required field `host`"),
    Case("manifest sha256 not hex", _edit(lambda d: d["captures"][0].update(sha256="xyz")), 2,
         r"captures\[0\]\.sha256: expected `str` matching"),
    Case("manifest plan of the wrong shape", _edit(lambda d: d.update(plan=[1, 2])), 2,
         r"plan: expected `object \| null`, got `array`"),
    Case("manifest unknown command id", _edit(lambda d: d["captures"][0].update(command_id="rm_rf")), 2,
         r"captures\[0\]: unknown command id\(s\) \['rm_rf'\]"),
    Case("manifest of another format", _edit(lambda d: d.update(format="other/9")), 2, r"format 'other/9' is not"),
    Case("manifest nested 100,000 deep", _raw(b'{"format": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"), 2,
         r"format: expected `str`, got `array`"),
    Case("manifest capture nested deep", _edit(lambda d: d["captures"].insert(0, [[[[[[[[[[[]]]]]]]]]]])), 2,
         r"captures\[0\]: expected `object`, got `array`"),
    Case("manifest cut in half", lambda snap, tmp: _raw((snap / "manifest.json").read_bytes()[:900])(snap, tmp), 2,
         r"manifest\.json, line \d+: not valid JSON"),
    Case("manifest is binary", _raw(b"\x89PNG\r\n\x1a\n\x00\x00\xff"), 2, r"manifest\.json, line 1: not valid JSON"),
    Case("manifest is empty", _raw(b""), 2, r"not valid JSON"),
    # 1. incomplete snapshots
    Case("killed before the first capture (plan only)", _killed_after(0), 2,
         r"holds no captures \(its collection never finished"),
    Case("no captures, older manifest without a plan", _edit(lambda d: (d.pop("plan"), d.update(captures=[]))), 2,
         r"holds no captures \(0 gap"),
    Case("killed after 9 captures", _killed_after(9), 1, r"Run is PARTIAL",
         extra={"gap": r"\(collection\) plan: the collection never finished"}),
    Case("a whole HMC's systems missing", _drop_captures(lambda c: c["host"] != "hmc2" and c["managed_system"]
                                                          != "P9-002"), 1, r"Run is PARTIAL",
         extra={"gap": r"hmc2 lssyscfg_sys: not collected: planned, but the snapshot holds no capture"}),
    Case("older manifest without a plan still reads", _edit(lambda d: d.pop("plan")), 0, r"Reports written"),
    Case("capture altered after collection", _tamper, 1, r"does not match its SHA-256"),
    Case("capture file deleted", _lose_file, 1, r"is missing"),
    Case("hostile names: formula and HTML", _hostile_names, 0, r"Reports written", extra={"check": _no_formula}),
    # 4/5. site files
    Case("services CSV in Latin-1", _file("--services", (HEADER + "aix01,Caf\xe9,Bob,high\n").encode("latin-1"),
                                          "s.csv"), 2, r"s\.csv, line 2: byte 0xe9 is not UTF-8"),
    Case("services CSV is binary", _file("--services", bytes(range(256)) * 4, "s.csv"), 2,
         r"s\.csv, line 2: byte 0x80 is not UTF-8"),
    Case("services CSV quote left open", _file("--services", (HEADER + 'aix01,"Pay,Bob,high\naix02,Web,Al,low\n')
                                               .encode(), "s.csv"), 2, r"s\.csv, line 2: .*quote left open"),
    Case("services CSV short row", _file("--services", (HEADER + "aix01,Pay,Bob,high\naix02,Web\n").encode(),
                                         "s.csv"), 2, r"s\.csv, line 3: 2 field\(s\), expected 4"),
    Case("services CSV partition twice", _file("--services", (HEADER + "aix01,A,B,high\naix01,C,D,low\n").encode(),
                                               "s.csv"), 2,
         r"line 3: partition 'aix01' is listed again \(first on line 2\)"),
    Case("services CSV NUL in a name", _file("--services", (HEADER + "aix\x0001,A,B,high\n").encode(), "s.csv"), 2,
         r"s\.csv, line 2: partition_name: expected `str` matching"),
    Case("services CSV unknown criticality", _file("--services", (HEADER + "aix01,A,B,urgent\n").encode(), "s.csv"),
         2, r"line 2: criticality: invalid enum value 'urgent'; expected one of critical"),
    Case("accepted TOML in Latin-1", _file("--accepted", (ACCEPT + 'change = "\xe9"\n').encode("latin-1"), "a.toml"),
         2, r"a\.toml, line 5: byte 0xe9 is not UTF-8"),
    Case("accepted TOML is binary", _file("--accepted", b"\xff\xfe\x00[[", "a.toml"), 2, r"a\.toml, line 1: byte 0xff"),
    Case("accepted date-time where a date belongs", _file(
        "--accepted", (ACCEPT + "decided = 2026-11-01T10:00:00\nexpires = 2027-01-01\n").encode(), "a.toml"), 2,
         r"acceptance #1 decided: expected `date`, got `datetime`"),
    Case("accepted of the wrong shape", _file("--accepted", b'acceptance = "all of them"\n', "a.toml"), 2,
         r"a\.toml: acceptance: expected `array`, got `str`"),
    Case("--today 2026-13-01", _flag("--today", "2026-13-01"), 2, r"--today '2026-13-01': not a calendar date"),
    Case("--today 01/12/2026", _flag("--today", "01/12/2026"), 2,
         r"--today '01/12/2026': expected a date as YYYY-MM-DD"),
    Case("catalogue that is not TOML", _file("--catalogue", b"\x00\x01 not toml", "c.toml"), 2,
         r"c\.toml: not valid TOML"),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=str)
def test_report_fault(
    case: Case,
    clean_snapshot: Path,
    baseline: dict[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    snap = copy_snapshot(clean_snapshot, tmp_path / "snapshot")
    extra = case.setup(snap, tmp_path)
    before = tree(snap)
    out_dir = tmp_path / "reports"
    code = main(["report", str(snap), "--out", str(out_dir), "--today", TODAY, *extra])
    captured = capsys.readouterr()
    check_message(case, code, captured.out, captured.err)
    check_reports(case, out_dir, baseline)
    assert tree(snap) == before, "report changed the snapshot"
    if "check" in case.extra:
        case.extra["check"](out_dir)
