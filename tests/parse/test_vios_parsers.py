"""Properties of the VIOS parsers that the fixtures alone do not pin down.

- Whatever the text, a parser returns records or raises ``ParseError``, never anything else.
- Windows line ends change nothing (the glob-driven fixture test reads with universal newlines, so the
  CRLF fixtures are checked here byte for byte).
- The default and ``-fmt :`` layouts of the same data give the same records, spans aside.
- Every record's span points at lines of the output that name it (the evidence a finding cites).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from viosaudit.errors import ParseError
from viosaudit.model import Fileset, Ifix, IfixState, NpivMapping, NpivStatus, SeaMapping, Span, VscsiMapping
from viosaudit.parse import parse_output

HERE = Path(__file__).parent
VIOS_COMMANDS = ("lsmap_all", "lsmap_npiv", "lsmap_net", "emgr_l", "lslpp_lc")


def _good_fixtures(command_id: str) -> list[Path]:
    return sorted(p for p in (HERE / command_id).glob("*.raw") if not p.with_name(p.stem + ".error.json").exists())


def _all_fixtures(command_id: str) -> list[Path]:
    return sorted((HERE / command_id).glob("*.raw"))


def _raw(path: Path) -> str:
    """The capture exactly as stored: no newline translation."""
    return path.read_bytes().decode("utf-8")


def _command_line(path: Path) -> str | None:
    """The command line a fixture records beside it (``<case>.cmd``), if any."""
    cmd = path.with_suffix(".cmd")
    return cmd.read_text(encoding="utf-8").strip() if cmd.exists() else None


def _without_spans(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: _without_spans(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if not isinstance(getattr(value, f.name), Span)
        }
    if isinstance(value, tuple):
        return tuple(_without_spans(v) for v in value)
    return value


# ---------------------------------------------------------------- never anything but ParseError

_SAMPLE_LINES = [
    line
    for command_id in VIOS_COMMANDS
    for path in _all_fixtures(command_id)
    for line in path.read_text(encoding="utf-8").splitlines()
]


@st.composite
def _mutated_outputs(draw: st.DrawFn, command_id: str) -> str:
    """A real capture with lines dropped, duplicated, cut or borrowed from other commands."""
    paths = _all_fixtures(command_id)
    lines = draw(st.sampled_from(paths)).read_text(encoding="utf-8").splitlines()
    for _ in range(draw(st.integers(0, 4))):
        op = draw(st.sampled_from(["drop", "dup", "cut", "borrow", "noise"]))
        at = draw(st.integers(0, max(len(lines) - 1, 0)))
        if op == "drop" and lines:
            del lines[at]
        elif op == "dup" and lines:
            lines.insert(at, lines[at])
        elif op == "cut" and lines:
            lines[at] = lines[at][: draw(st.integers(0, len(lines[at])))]
        elif op == "borrow":
            lines.insert(at, draw(st.sampled_from(_SAMPLE_LINES)))
        else:
            lines.insert(at, draw(st.text(max_size=40)))
    return "\n".join(lines)


@pytest.mark.parametrize("command_id", VIOS_COMMANDS)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_only_parse_errors_escape(command_id: str, data: st.DataObject) -> None:
    text = data.draw(st.one_of(st.text(max_size=300), _mutated_outputs(command_id)))
    try:
        records = parse_output(command_id, text, host="h1")
    except ParseError as exc:
        assert exc.host == "h1"
        assert exc.line_no == 0 or 1 <= exc.line_no <= len(text.splitlines())
        return
    assert isinstance(records, tuple)


# ---------------------------------------------------------------- line ends


@pytest.mark.parametrize("command_id", VIOS_COMMANDS)
def test_crlf_fixtures_really_hold_crlf_and_parse_like_lf(command_id: str) -> None:
    path = HERE / command_id / "crlf_windows_line_ends.raw"
    raw = _raw(path)
    assert "\r\n" in raw
    assert parse_output(command_id, raw) == parse_output(command_id, raw.replace("\r\n", "\n"))


@pytest.mark.parametrize("command_id", VIOS_COMMANDS)
def test_windows_line_ends_change_nothing(command_id: str) -> None:
    for path in _good_fixtures(command_id):
        text = _raw(path).replace("\r\n", "\n")
        line = _command_line(path)
        crlf = text.replace("\n", "\r\n")
        expected = parse_output(command_id, text, command_line=line)
        assert parse_output(command_id, crlf, command_line=line) == expected, path


# ---------------------------------------------------------------- layouts agree


def test_lsmap_all_default_and_fmt_layouts_agree() -> None:
    default = parse_output("lsmap_all", _raw(HERE / "lsmap_all" / "vios_3.1_multi_vtd.raw"))
    colon = parse_output("lsmap_all", _raw(HERE / "lsmap_all" / "fmt_colon.raw"))
    assert _without_spans(default) == _without_spans(colon)


def test_lsmap_net_default_and_fmt_layouts_agree() -> None:
    default = parse_output("lsmap_net", _raw(HERE / "lsmap_net" / "vios_3.1_two_sea_and_unbridged.raw"))
    colon = parse_output("lsmap_net", _raw(HERE / "lsmap_net" / "fmt_colon.raw"))
    assert _without_spans(default) == _without_spans(colon)


NPIV_DEFAULT = """\
Name          Physloc                            ClntID ClntName       ClntOS
------------- ---------------------------------- ------ -------------- -------
vfchost0      U9117.MMB.10ABCDE-V1-C1                 3 nim1           AIX

Status:LOGGED_IN
FC name:fcs0                    FC loc code:U78C0.001.DBJN321-P2-C5-T1
Ports logged in:5
Flags:a<LOGGED_IN,STRIP_MERGE>
VFC client name:fcs0            VFC client DRC:U9117.MMB.10ABCDE-V3-C3

Name          Physloc                            ClntID ClntName       ClntOS
------------- ---------------------------------- ------ -------------- -------
vfchost3      U9117.MMB.10ABCDE-V1-C4

Status:NOT_LOGGED_IN
FC name:                        FC loc code:
Ports logged in:0
Flags:1<NOT_MAPPED,NOT_CONNECTED>
VFC client name:                VFC client DRC:
"""
NPIV_COLON = """\
vfchost0:U9117.MMB.10ABCDE-V1-C1:3:nim1:AIX:LOGGED_IN:fcs0:U78C0.001.DBJN321-P2-C5-T1:5:a:fcs0:U9117.MMB.10ABCDE-V3-C3
vfchost3:U9117.MMB.10ABCDE-V1-C4: : : :NOT_LOGGED_IN: : :0:1: : 
"""  # noqa: W291 (a -fmt empty last field is a single space)


def test_lsmap_npiv_default_and_fmt_layouts_agree() -> None:
    """Alike but for the flag names, which only the default layout prints."""
    default = parse_output("lsmap_npiv", NPIV_DEFAULT)
    colon = parse_output("lsmap_npiv", NPIV_COLON)
    assert [dataclasses.replace(m, flag_names=()) for m in _npiv(default)] == [
        dataclasses.replace(m, span=d.span) for m, d in zip(_npiv(colon), _npiv(default), strict=True)
    ]
    assert default[0].flags == "a" and default[1].flags == "1"
    assert [m.flag_names for m in _npiv(default)] == [("LOGGED_IN", "STRIP_MERGE"), ("NOT_MAPPED", "NOT_CONNECTED")]
    assert all(m.flag_names == () for m in _npiv(colon))
    assert default[1].status is NpivStatus.NOT_LOGGED_IN and default[1].client_partition_id is None


def _npiv(records: tuple[object, ...]) -> list[NpivMapping]:
    assert all(isinstance(r, NpivMapping) for r in records)
    return [r for r in records if isinstance(r, NpivMapping)]


def test_fmt2_and_comma_delimiters_read_like_fmt_colon() -> None:
    colon = parse_output("lsmap_npiv", NPIV_COLON)
    fmt2 = NPIV_COLON.replace(": ", ":").replace(":", ",")
    assert _without_spans(parse_output("lsmap_npiv", fmt2)) == _without_spans(colon)


# ---------------------------------------------------------------- spans are evidence


def _name_of(record: object) -> str:
    if isinstance(record, VscsiMapping | NpivMapping):
        return str(record.server_adapter)
    if isinstance(record, SeaMapping):
        return str(record.virtual_adapter)
    if isinstance(record, Ifix):
        return str(record.label)
    assert isinstance(record, Fileset)
    return str(record.fileset)


@pytest.mark.parametrize("command_id", VIOS_COMMANDS)
def test_spans_point_at_the_lines_that_name_the_record(command_id: str) -> None:
    for path in _good_fixtures(command_id):
        lines = _raw(path).splitlines()
        for record in parse_output(command_id, _raw(path), command_line=_command_line(path)):
            span = record.span
            assert 1 <= span.first <= span.last <= len(lines), path
            assert _name_of(record) in "\n".join(lines[span.first - 1 : span.last]), (path, record)
            if isinstance(record, VscsiMapping):
                for device in record.devices:
                    assert span.first <= device.span.first <= device.span.last <= span.last
                    assert device.vtd in "\n".join(lines[device.span.first - 1 : device.span.last])


# ---------------------------------------------------------------- values


def test_client_id_zero_is_no_client_and_hex_is_read() -> None:
    records = parse_output("lsmap_all", _raw(HERE / "lsmap_all" / "vios_3.1_multi_vtd.raw"))
    assert [m.client_partition_id for m in records if isinstance(m, VscsiMapping)] == [3, 11, None, 20]


def test_emgr_states_and_effect() -> None:
    fixes = parse_output("emgr_l", _raw(HERE / "emgr_l" / "several_states_with_legend.raw"))
    states = [f.state for f in fixes if isinstance(f, Ifix)]
    assert states == [IfixState.STABLE, IfixState.REBOOT_REQUIRED, IfixState.BROKEN, IfixState.MOUNTED,
                      IfixState.STABLE_PATCHED]  # fmt: skip
    assert [s.effective for s in states] == [True, False, False, True, True]


def test_lslpp_skips_rpms_and_reads_efix_lock() -> None:
    filesets = parse_output("lslpp_lc", _raw(HERE / "lslpp_lc" / "vios_3.1_efix_locked_broken_rpm.raw"))
    by_name = {f.fileset: f for f in filesets if isinstance(f, Fileset)}
    assert "bash-5.1.4-2" not in by_name and "AIX-rpm-7.2.5.100-1" not in by_name
    assert by_name["bos.rte.libc"].efix_locked and by_name["bos.rte.libc"].state == "E"
    assert by_name["rsct.core.rmc"].state == "B"
    assert not by_name["bos.rte"].efix_locked


def test_lslpp_efix_locked_column_without_state_e() -> None:
    text = "bos:bos.rte.libc:7.2.5.101: : :C:F:libc Library: : : : : : :0:1:/:2045\n"
    (fileset,) = parse_output("lslpp_lc", text)
    assert isinstance(fileset, Fileset) and fileset.state == "C" and fileset.efix_locked


@pytest.mark.parametrize(
    ("command_id", "legit_empty"),
    [("lsmap_all", True), ("lsmap_npiv", True), ("lsmap_net", True), ("emgr_l", False), ("lslpp_lc", False)],
)
def test_empty_output_policy(command_id: str, legit_empty: bool) -> None:
    for text in ("", "\n\n", "  \r\n"):
        if legit_empty:
            assert parse_output(command_id, text) == ()
        else:
            with pytest.raises(ParseError):
                parse_output(command_id, text)


def test_emgr_updated_by_value_is_not_taken_for_the_abstract() -> None:
    text = (
        "ID  STATE LABEL      INSTALL TIME      UPDATED BY ABSTRACT\n"
        "=== ===== ========== ================= ========== ======================================\n"
        "1    S    IJ22714s1a 02/12/20 09:30:00 IJ30808s1a Multithreaded apps core dump / hang\n"
    )
    (fix,) = parse_output("emgr_l", text)
    assert isinstance(fix, Ifix) and fix.abstract == "Multithreaded apps core dump / hang"


def test_emgr_without_updated_by_column() -> None:
    text = (
        "ID  STATE LABEL      INSTALL TIME       ABSTRACT\n"
        "=== ===== ========== ================== ======================================\n"
        "1    S    IZ52844_07 07/09/09 15:06:33  security issue in libtt.a\n"
    )
    (fix,) = parse_output("emgr_l", text)
    assert isinstance(fix, Ifix)
    assert (fix.label, fix.installed, fix.abstract) == (
        "IZ52844_07",
        "2009-07-09T15:06:33",
        "security issue in libtt.a",
    )
