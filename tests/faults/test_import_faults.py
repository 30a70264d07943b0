"""`viosaudit import` of hostile and broken capture archives: one case a row.

Every archive is imported into a copy of an existing snapshot; a refused archive must exit 2 with one
line and leave that snapshot exactly as it was (nothing lost, nothing half-added).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import Case, check_message, check_nothing_lost, copy_snapshot, tree
from viosaudit.cli import main
from viosaudit.commands import COMMANDS, Role

VIOS_IDS = [c.id for c in COMMANDS if c.role is Role.VIOS]
Members = dict[str, bytes]


def _valid() -> Members:
    files = {f"captures/vx1/{cid}.txt": f"output of {cid}\n".encode() for cid in VIOS_IDS}
    entries = [
        {"file": name, "host": "vx1", "role": "vios", "command_id": name.split("/")[-1][:-4], "command": "x",
         "started": "2026-11-23T06:00:00Z", "ended": "2026-11-23T06:00:01Z", "exit_status": 0,
         "sha256": hashlib.sha256(data).hexdigest(), "managed_system": "P9-009", "partition": "vx1"}
        for name, data in files.items()
    ]  # fmt: skip
    manifest = {"format": "viosaudit-snapshot/1", "snapshot_id": "x", "created": "", "collector": "ksh",
                "captures": entries}  # fmt: skip
    return {"manifest.json": json.dumps(manifest).encode(), **files}


def _tar(members: Members, links: dict[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type, info.linkname = tarfile.SYMTYPE, target
            tar.addfile(info)
    return buffer.getvalue()


def _with_manifest(change: Callable[[dict[str, Any]], Any]) -> bytes:
    members = _valid()
    manifest = json.loads(members["manifest.json"])
    change(manifest)
    members["manifest.json"] = json.dumps(manifest).encode()
    return _tar(members)


def _extra(name: str, data: bytes = b"x") -> bytes:
    return _tar({**_valid(), name: data})


CASES = [
    Case("truncated .tar", lambda: _tar(_valid())[:3000], 2, r"archive is truncated or damaged"),
    Case("truncated .tar.gz", lambda: gzip.compress(_tar(_valid()))[:400], 2, r"archive is truncated or damaged",
         extra={"suffix": ".tar.gz"}),
    Case("not an archive at all", lambda: b"\x00" * 10 + b"hello", 2, r"not a readable tar archive"),
    Case("member ../../etc/cron.d/x", lambda: _extra("../../etc/cron.d/x"), 2,
         r"unsafe path '\.\./\.\./etc/cron\.d/x'"),
    Case("member /etc/passwd", lambda: _extra("/etc/passwd"), 2, r"unsafe path '/etc/passwd'"),
    Case("symbolic link member", lambda: _tar(_valid(), {"captures/vx1/extra.txt": "/etc/shadow"}), 2,
         r"is a link or special file"),
    Case("file outside the command set", lambda: _extra("captures/vx1/rm_rf.txt"), 2,
         r"is not a capture of the viosaudit command set"),
    Case("manifest nested 50,000 deep", lambda: _tar({**_valid(), "manifest.json": b"[" * 50_000 + b"]" * 50_000}),
         2, r"manifest\.json (is nested too deeply|format is not)"),
    Case("manifest not JSON", lambda: _tar({**_valid(), "manifest.json": b"\xff\xfe{"}), 2, r"is not valid JSON"),
    Case("manifest notes of the wrong shape", lambda: _with_manifest(lambda m: m.update(notes=5)), 2,
         r"notes: expected a list of text lines"),
    Case("capture altered in the archive", lambda: _with_manifest(lambda m: m["captures"][0].update(sha256="0" * 64)),
         2, r"does not match its SHA-256"),
    Case("managed_system of the wrong type", lambda: _with_manifest(
        lambda m: m["captures"][0].update(managed_system=["P9"])), 2, r"managed_system must be text, not list"),
    Case("the same archive imported twice", lambda: _tar(_valid()), 2, r"already holds .* import into a new snapshot",
         extra={"twice": True}),
    Case("a valid archive (control)", lambda: _tar(_valid()), 0, r"9 captures imported, 0 gaps"),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=str)
def test_import_fault(case: Case, clean_snapshot: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    archive = tmp_path / f"vx1{case.extra.get('suffix', '.tar')}"
    archive.write_bytes(case.setup())
    snap = copy_snapshot(clean_snapshot, tmp_path / "snapshot")
    if case.extra.get("twice"):
        assert main(["import", str(archive), "--into", str(snap)]) == 0
        capsys.readouterr()
    before = tree(snap)
    code = main(["import", str(archive), "--into", str(snap)])
    captured = capsys.readouterr()
    check_message(case, code, captured.out, captured.err)
    if case.exit == 2:
        assert tree(snap) == before, "a refused archive changed the snapshot"
    else:
        after = tree(snap)
        assert {k: v for k, v in after.items() if k in before and k != "manifest.json"} == {
            k: v for k, v in before.items() if k != "manifest.json"
        }
    check_nothing_lost(snap)
