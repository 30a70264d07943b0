"""The concurrent snapshot writer keeps the one format; progress goes through processors."""

from __future__ import annotations

import io
import json
import logging
import threading

from viosaudit.collect import LogProcessor, Outcome, RichProcessor, Status, make_processor
from viosaudit.commands import Role
from viosaudit.snapshot import Gap, SnapshotWriter, open_snapshot


def _add(sink, host, command_id="ioslevel", system="P9", output=b"3.1.4.10\n"):
    return sink.add_capture(
        host=host,
        role=Role.VIOS,
        command_id=command_id,
        command=f"ioscli {command_id}",
        output=output,
        started="2026-01-01T00:00:00Z",
        ended="2026-01-01T00:00:01Z",
        managed_system=system,
        partition=host,
    )


def test_manifest_reads_back_as_written(tmp_path):
    sink = SnapshotWriter(tmp_path / "s", snapshot_id="s", created="2026-01-01T00:00:00Z", collector="c")
    _add(sink, "v1")
    sink.add_gap(Gap(host="v1", command_id="emgr_l", reason="r", role=Role.VIOS, expected=True))
    sink.note("n")
    data = json.loads((tmp_path / "s" / "manifest.json").read_text())
    assert data["format"] == "viosaudit-snapshot/1" and data["notes"] == ["n"]
    assert open_snapshot(tmp_path / "s").manifest == sink.manifest


def test_many_threads_every_capture_listed_and_valid(tmp_path):
    sink = SnapshotWriter(tmp_path / "s")

    def work(index):
        for command_id in ("ioslevel", "lsmap_all", "lsmap_npiv", "lsmap_net"):
            _add(sink, f"vios{index:02d}", command_id, output=f"{index} {command_id}\n".encode())

    threads = [threading.Thread(target=work, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    snapshot = open_snapshot(tmp_path / "s")
    assert len(snapshot.manifest.captures) == 64
    assert all(snapshot.verify(c) is None for c in snapshot.manifest.captures)


def test_same_vios_name_on_two_systems_gets_two_folders(tmp_path):
    sink = SnapshotWriter(tmp_path / "s")
    first = _add(sink, "vios1", system="P9-A", output=b"A\n")
    second = _add(sink, "vios1", system="P9-B", output=b"B\n")
    again = _add(sink, "vios1", "lsmap_all", system="P9-B", output=b"B2\n")
    assert first.file == "captures/vios1/ioslevel.txt"
    assert second.file == "captures/vios1_P9-B/ioslevel.txt"
    assert again.file == "captures/vios1_P9-B/lsmap_all.txt"
    snapshot = open_snapshot(tmp_path / "s")
    assert [snapshot.read_bytes(c) for c in snapshot.manifest.captures] == [b"A\n", b"B\n", b"B2\n"]
    assert any("another host of the same name" in n for n in snapshot.manifest.notes)


OUTCOME = Outcome("vios1", Role.VIOS, "lsmap_all", Status.FAILED, "exited [bold]oops[/bold]")


def test_log_processor_writes_plain_lines(caplog):
    processor = LogProcessor(every=1)
    with caplog.at_level(logging.INFO, logger="viosaudit.collect"):
        processor.planned(2)
        processor.finished(OUTCOME)
        processor.message("hmc1: connected")
        processor.close()
    assert "vios1 lsmap_all: failed: exited [bold]oops[/bold]" in caplog.text
    assert "collected 1 of 2 planned commands" in caplog.text and "hmc1: connected" in caplog.text


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_rich_progress_on_a_terminal_plain_logs_otherwise():
    assert isinstance(make_processor(io.StringIO()), LogProcessor)
    stream = _Tty()
    processor = make_processor(stream)
    assert isinstance(processor, RichProcessor)
    processor.planned(3)
    processor.finished(OUTCOME)
    processor.message("note [x]")
    processor.close()
    text = stream.getvalue()
    assert "exited [bold]oops[/bold]" in text and "note [x]" in text
