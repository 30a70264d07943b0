"""An interrupted run keeps what it finished: kill a collector process mid-run and read its snapshot."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from estate import simple_estate

from viosaudit.collect import Status, collect
from viosaudit.commands import COMMANDS, Role
from viosaudit.errors import SnapshotError
from viosaudit.snapshot import JOURNAL, MANIFEST, open_snapshot

CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from viosaudit.collect import collect
    from viosaudit.config import load_settings
    result = collect(load_settings(Path(sys.argv[1]), env={}))
    print("interrupted" if result.interrupted else "finished", flush=True)
    """
)

# The same collector, stopped just before it folds its journal into manifest.json (to be killed there).
CHILD_UNFOLDED = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from viosaudit.collect import collect
    from viosaudit.config import load_settings
    from viosaudit.snapshot import SnapshotWriter
    def stop_before_folding(self):
        print("folding", flush=True)
        time.sleep(600)
    SnapshotWriter.close = stop_before_folding
    collect(load_settings(Path(sys.argv[1]), env={}))
    """
)


def _config(make_estate, tmp_path, client_key, latency=0.15):
    estate = make_estate(simple_estate(systems=3))
    for host in estate.hosts.values():
        host.behaviour.latency = latency
    known_hosts = estate.write_known_hosts(tmp_path / "known_hosts")
    config = estate.write_config(
        tmp_path / "viosaudit.toml", tmp_path / "snapshot", client_key[1], known_hosts, direct_vios=True
    )
    return estate, config


def _start(make_estate, tmp_path, client_key):
    estate, config = _config(make_estate, tmp_path, client_key)
    process = subprocess.Popen([sys.executable, "-c", CHILD, str(config)], stdout=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:  # the journal is read as a reader reads it, torn last line and all
            if len(open_snapshot(tmp_path / "snapshot").manifest.captures) >= 5:
                break
        except (OSError, SnapshotError):
            pass
        time.sleep(0.02)
    else:
        process.kill()
        pytest.fail("the collector wrote no captures")
    return estate, process


def _check_snapshot(root: Path) -> tuple[int, int]:
    snapshot = open_snapshot(root)  # the manifest is complete JSON
    for capture in snapshot.manifest.captures:
        assert snapshot.verify(capture) is None, capture.file
    listed = {c.file for c in snapshot.manifest.captures}
    on_disk = {str(p.relative_to(root)) for p in (root / "captures").rglob("*.txt")}
    assert listed <= on_disk
    return len(listed), len(snapshot.manifest.gaps)


def test_sigkill_mid_run_leaves_a_valid_manifest(make_estate, tmp_path, client_key):
    _estate, process = _start(make_estate, tmp_path, client_key)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    captures, _ = _check_snapshot(tmp_path / "snapshot")
    assert 5 <= captures < 6 * 8 + 2 + 4 * 3


def test_sigkill_between_journal_and_fold_keeps_every_capture(make_estate, tmp_path, client_key):
    estate, config = _config(make_estate, tmp_path, client_key, latency=0.0)
    process = subprocess.Popen(
        [sys.executable, "-c", CHILD_UNFOLDED, str(config)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == "folding"
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    root = tmp_path / "snapshot"
    assert (root / JOURNAL).is_file()
    assert json.loads((root / MANIFEST).read_text())["captures"] == []  # never folded: all in the journal
    snapshot = open_snapshot(root)
    captures, _gaps = _check_snapshot(root)
    served = sum(len(h.stats.commands) for h in estate.hosts.values())
    assert captures == served == len({(c.host, c.command_id, c.managed_system) for c in snapshot.manifest.captures})
    assert snapshot.manifest.plan is not None and snapshot.manifest.plan.finished
    assert not [g for g in snapshot.manifest.gaps if not g.expected]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_or_ctrl_c_records_gaps_for_what_did_not_run(make_estate, tmp_path, client_key, signum):
    _estate, process = _start(make_estate, tmp_path, client_key)
    os.kill(process.pid, signum)
    out, _ = process.communicate(timeout=30)
    assert out.strip() == "interrupted"
    _captures, gaps = _check_snapshot(tmp_path / "snapshot")
    snapshot = open_snapshot(tmp_path / "snapshot")
    assert gaps > 0 and any("interrupted" in g.reason for g in snapshot.manifest.gaps)
    assert any("run interrupted" in n for n in snapshot.manifest.notes)
    # every step of every direct VIOS is accounted for: a capture or a gap
    for vios in ("vios001a", "vios001b", "vios002a", "vios002b", "vios003a", "vios003b"):
        done = {c.command_id for c in snapshot.manifest.captures if c.host == vios}
        missing = {g.command_id for g in snapshot.manifest.gaps if g.host == vios}
        assert done | missing == {c.id for c in COMMANDS if c.role is Role.VIOS}, vios


def test_cancel_event_stops_the_run_in_process(make_estate, settings_for):
    estate = make_estate(simple_estate(systems=3))
    for host in estate.hosts.values():
        host.behaviour.latency = 0.05
    cancel = threading.Event()

    class StopAfterThree:
        seen = 0

        def planned(self, count: int) -> None: ...

        def finished(self, outcome) -> None:
            self.seen += 1
            if self.seen == 3:
                cancel.set()

        def message(self, text: str) -> None: ...

        def close(self) -> None: ...

    result = collect(settings_for(estate, concurrency=1, hmc_sessions=1), processor=StopAfterThree(), cancel=cancel)
    assert result.interrupted and result.partial
    assert any(o.status is Status.NOT_RUN for o in result.outcomes)
    assert len(result.manifest.captures) < 10
