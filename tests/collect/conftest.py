"""Fixtures for collection tests: a synthetic estate, the fake SSH server playing it, a client key,
a known_hosts file for the server's keys, and settings pointing the real collector at all of it."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from estate import Estate, simple_estate, write_estate
from sshserver import FakeEstate, new_key

from viosaudit.config import CollectSettings, HostSpec


@pytest.fixture(scope="session")
def client_key(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    key, text = new_key()
    path = tmp_path_factory.mktemp("keys") / "id_ed25519"
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return key, path


@pytest.fixture
def make_estate(tmp_path: Path, client_key: tuple[Any, Path]) -> Iterator[Callable[..., FakeEstate]]:
    """Start a fake estate: ``make_estate(estate_or_snapshot_dir, password=..., jump=...)``."""
    started: list[FakeEstate] = []

    def make(source: Estate | Path | None = None, **kwargs: Any) -> FakeEstate:
        if source is None:
            source = simple_estate()
        if isinstance(source, Estate):
            source = write_estate(tmp_path / f"estate{len(started)}", source)
        estate = FakeEstate(source, client_key=client_key[0], **kwargs)
        estate.start()
        started.append(estate)
        return estate

    yield make
    for estate in started:
        estate.stop()


@pytest.fixture
def settings_for(tmp_path: Path, client_key: tuple[Any, Path]) -> Callable[..., CollectSettings]:
    """Settings that reach the fake estate's HMCs (and the named VIOS directly), strict host keys."""

    def make(
        estate: FakeEstate,
        *,
        hmcs: tuple[str, ...] | None = None,
        vioses: tuple[str | HostSpec, ...] = (),
        known_hosts: Path | None = None,
        output: str = "snapshot",
        **overrides: Any,
    ) -> CollectSettings:
        if hmcs is None:
            hmcs = tuple(name for name, host in estate.hosts.items() if host.role == "hmc")
        if known_hosts is None:
            known_hosts = estate.write_known_hosts(tmp_path / "known_hosts")
        specs = []
        for item in vioses:
            if isinstance(item, HostSpec):
                specs.append(replace(item, address="127.0.0.1", port=item.port or estate[item.name].port))
            else:
                specs.append(HostSpec(name=item, address="127.0.0.1", port=estate[item].port))
        base = CollectSettings(
            hmcs=tuple(HostSpec(name=h, address="127.0.0.1", port=estate[h].port) for h in hmcs),
            vioses=tuple(specs),
            output=tmp_path / output,
            key_file=client_key[1],
            use_agent=False,
            known_hosts=known_hosts,
            connect_timeout=5.0,
            command_timeout=5.0,
            concurrency=8,
            hmc_sessions=2,
        )
        return replace(base, **overrides)

    return make
