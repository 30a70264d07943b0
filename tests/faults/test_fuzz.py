"""Fuzzing every input reader: random bytes, random JSON/TOML/CSV shapes, and valid files with one
value swapped for a random one. The only outcomes allowed are a result or a ``ViosauditError``
(the CLI turns those into one line and exit 2); any other exception fails the test.
"""

from __future__ import annotations

import contextlib
import io
import json
import tarfile
import tempfile
from collections.abc import Callable
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from viosaudit.assemble import build_estate
from viosaudit.business import load_services
from viosaudit.collect import import_archive
from viosaudit.config import load_settings
from viosaudit.errors import ViosauditError
from viosaudit.rules.accepted import load_acceptances
from viosaudit.rules.catalogue import loads_catalogue
from viosaudit.rules.lifecycle import loads_lifecycle
from viosaudit.snapshot import open_snapshot

SAMPLE_MANIFEST = Path(__file__).parents[2] / "sample_data" / "snapshot" / "manifest.json"
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)
toml_scalars = (
    st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.dates()
    | st.datetimes()
    | st.times()
)
toml_values = st.recursive(
    toml_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(min_size=1, max_size=8), inner, max_size=3),
    max_leaves=12,
)


def toml_value(value: Any) -> str:
    """A value as a TOML literal (nested tables inline), so any generated shape can be written."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + "}"


def toml_document(doc: dict[str, Any]) -> str:
    return "".join(f"{json.dumps(k)} = {toml_value(v)}\n" for k, v in doc.items())


def holds(read: Callable[[], Any]) -> None:
    """The reader returns, or raises the project's own error; anything else propagates and fails."""
    with contextlib.suppress(ViosauditError):
        read()


def in_file(name: str, data: bytes, read: Callable[[Path], Any]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        holds(lambda: read(path))


def as_snapshot(manifest: bytes) -> None:
    """Open the snapshot and read it as ``report`` does: verify, read and parse every capture."""
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "manifest.json").write_bytes(manifest)
        holds(lambda: build_estate(open_snapshot(Path(folder))))


def swap(document: Any, path: list[int], value: Any) -> Any:
    """``document`` with the value reached by following ``path`` (indexes taken modulo) replaced."""
    if not path or not isinstance(document, dict | list) or not document:
        return value
    keys = list(document) if isinstance(document, dict) else list(range(len(document)))
    key = keys[path[0] % len(keys)]
    copy = dict(document) if isinstance(document, dict) else list(document)
    copy[key] = swap(document[key], path[1:], value)
    return copy


paths = st.lists(st.integers(0, 50), max_size=5)
capture_names = st.lists(st.sampled_from(["captures", "x", "..", "", ".", "a" * 300, "é", "\x00", "/"]), max_size=4)
SAMPLE = json.loads(SAMPLE_MANIFEST.read_text())


# ---------------------------------------------------------------- the snapshot manifest


@FUZZ
@given(st.binary(max_size=300))
def test_manifest_random_bytes(data: bytes) -> None:
    as_snapshot(data)


@FUZZ
@given(json_values)
def test_manifest_random_json(value: Any) -> None:
    as_snapshot(json.dumps(value).encode())


@FUZZ
@given(paths, json_values)
def test_manifest_one_value_swapped(path: list[int], value: Any) -> None:
    as_snapshot(json.dumps(swap(SAMPLE, path, value)).encode())


@FUZZ
@given(st.integers(0, 200), capture_names)
def test_manifest_capture_paths(index: int, parts: list[str]) -> None:
    manifest = json.loads(json.dumps(SAMPLE))
    manifest["captures"][index % len(manifest["captures"])]["file"] = "/".join(parts)
    as_snapshot(json.dumps(manifest).encode())


# ---------------------------------------------------------------- the services CSV

csv_fields = st.lists(st.sampled_from([*'ab,"\n\r \x00é=;', "high", "aix01"]), max_size=8).map("".join)


@FUZZ
@given(st.binary(max_size=300))
def test_services_random_bytes(data: bytes) -> None:
    in_file("services.csv", b"partition_name,service,owner,criticality\n" + data, load_services)


@FUZZ
@given(st.lists(st.lists(csv_fields, max_size=6), max_size=6))
def test_services_random_rows(rows: list[list[str]]) -> None:
    text = "partition_name,service,owner,criticality\n" + "\n".join(",".join(r) for r in rows)
    in_file("services.csv", text.encode(), load_services)


# ---------------------------------------------------------------- the TOML files

ACCEPTANCE = st.fixed_dictionaries(
    {},
    optional={
        k: toml_values | st.text(max_size=10) for k in ("finding", "reason", "approver", "decided", "expires", "change")
    },
)


@FUZZ
@given(st.binary(max_size=300))
def test_toml_readers_random_bytes(data: bytes) -> None:
    in_file("accepted.toml", data, load_acceptances)
    in_file("config.toml", data, lambda p: load_settings(p, env={}))
    text = data.decode("utf-8", "replace")
    holds(lambda: loads_catalogue(text))
    holds(lambda: loads_lifecycle(text))


@FUZZ
@given(st.dictionaries(st.text(min_size=1, max_size=10), toml_values, max_size=4))
def test_toml_readers_random_documents(doc: dict[str, Any]) -> None:
    text = toml_document(doc)
    in_file("accepted.toml", text.encode(), load_acceptances)
    in_file("config.toml", text.encode(), lambda p: load_settings(p, env={}))
    holds(lambda: loads_catalogue(text))
    holds(lambda: loads_lifecycle(text))


@FUZZ
@given(st.lists(ACCEPTANCE, max_size=3))
def test_accepted_random_entries(entries: list[dict[str, Any]]) -> None:
    in_file("accepted.toml", toml_document({"acceptance": entries}).encode(), load_acceptances)


@FUZZ
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "collect": st.dictionaries(
                st.sampled_from(["port", "user", "concurrency", "auth", "max_output", "root_method", "key_file"]),
                toml_values,
            ),
            "hmc": st.lists(st.dictionaries(st.sampled_from(["name", "address", "port", "auth"]), toml_values)),
            "vios": toml_values,
        },
    )
)
def test_config_random_tables(doc: dict[str, Any]) -> None:
    in_file("config.toml", toml_document(doc).encode(), lambda p: load_settings(p, env={}))


@FUZZ
@given(st.lists(st.dictionaries(st.sampled_from(["id", "title", "type", "sources", "line", "eosps"]), toml_values)))
def test_catalogue_and_lifecycle_random_records(records: list[dict[str, Any]]) -> None:
    holds(lambda: loads_catalogue(toml_document({"schema": 1, "apar": records})))
    holds(lambda: loads_lifecycle(toml_document({"release": records})))


# ---------------------------------------------------------------- capture archives


def _tar(members: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _import(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        archive = Path(folder) / "a.tar"
        archive.write_bytes(data)
        holds(lambda: import_archive(archive, Path(folder) / "snapshot"))


member_names = st.sampled_from(["manifest.json", "captures/v1/ioslevel.txt", "captures/v1/emgr_l.stderr", "../x"])


@FUZZ
@given(st.binary(max_size=2000))
def test_archive_random_bytes(data: bytes) -> None:
    _import(data)


@FUZZ
@given(st.lists(st.tuples(member_names, st.binary(max_size=50)), max_size=4), json_values)
def test_archive_random_members(members: list[tuple[str, bytes]], manifest: Any) -> None:
    _import(_tar([("manifest.json", json.dumps(manifest).encode()), *members]))


@FUZZ
@given(st.integers(0, 3000))
def test_archive_cut_anywhere(length: int) -> None:
    body = b"3.1.4.10\n"
    manifest = {
        "format": "viosaudit-snapshot/1",
        "captures": [{"file": "captures/v1/ioslevel.txt", "host": "v1", "command_id": "ioslevel", "exit_status": 0}],
    }
    _import(_tar([("manifest.json", json.dumps(manifest).encode()), ("captures/v1/ioslevel.txt", body)])[:length])
