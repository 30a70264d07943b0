"""The concurrent snapshot writer keeps the one format; progress goes through processors."""

from __future__ import annotations

import io
import json
import logging
import threading

from viosaudit.collect import LogProcessor, Outcome, RichProcessor, Status, make_processor
from viosaudit.commands import Role
from viosaudit.snapshot import JOURNAL, Gap, PlanTarget, SnapshotWriter, open_snapshot


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
    live = open_snapshot(tmp_path / "s").manifest  # manifest.json plus its journal, as a killed run leaves it
    assert live == sink.manifest and live.notes == ("n",)
    sink.close()
    assert not (tmp_path / "s" / JOURNAL).exists()
    data = json.loads((tmp_path / "s" / "manifest.json").read_text())
    assert data["format"] == "viosaudit-snapshot/1" and data["notes"] == ["n"] and "journal" not in data
    assert open_snapshot(tmp_path / "s").manifest == sink.manifest


def test_journal_is_read_as_is_and_a_torn_last_line_is_left_out(tmp_path):
    root = tmp_path / "s"
    sink = SnapshotWriter(root, snapshot_id="s", collector="c")
    sink.plan([PlanTarget("v1", Role.VIOS, ("ioslevel", "lsmap_all"), "P9", "v1")])
    _add(sink, "v1")
    sink.add_gap(Gap(host="v1", command_id="lsmap_all", reason="channel closed twice", role=Role.VIOS))
    expected = sink.manifest
    with (root / JOURNAL).open("ab") as journal:  # the writer died half-way through its next line
        journal.write(b'{"capture": {"file": "captures/v1/lsm')
    assert open_snapshot(root).manifest == expected
    assert json.loads((root / "manifest.json").read_text())["captures"] == []  # all of it is in the journal


def test_a_journal_already_folded_or_left_by_an_earlier_writer_is_not_read_twice(tmp_path):
    root = tmp_path / "s"
    sink = SnapshotWriter(root)
    _add(sink, "v1")
    sink.add_gap(Gap(host="v1", command_id="emgr_l", reason="r", role=Role.VIOS))
    journal = (root / JOURNAL).read_bytes()
    sink.close()
    (root / JOURNAL).write_bytes(journal)  # killed between the fold's rename and the journal's removal
    folded = open_snapshot(root).manifest
    assert len(folded.captures) == 1 and len(folded.gaps) == 1
    again = SnapshotWriter(root, existing=folded)  # an import into it: a new journal, the old one ignored
    (root / JOURNAL).write_bytes(journal)
    assert open_snapshot(root).manifest == again.manifest == folded
    again.close()


def test_retry_is_recorded_on_the_capture_and_old_manifests_read_without_it(tmp_path):
    sink = SnapshotWriter(tmp_path / "s")
    first = _add(sink, "v1")
    retried = sink.add_capture(host="v1", role=Role.VIOS, command_id="lsmap_all", command="ioscli lsmap -all",
                               output=b"x\n", started="t", ended="t", managed_system="P9", partition="v1",
                               retry="the channel closed after 0 bytes without an exit status")  # fmt: skip
    sink.close()
    data = json.loads((tmp_path / "s" / "manifest.json").read_text())
    assert "retry" not in data["captures"][0]
    assert data["captures"][1]["retry"].startswith("the channel closed")
    assert open_snapshot(tmp_path / "s").manifest.captures == (first, retried)


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
