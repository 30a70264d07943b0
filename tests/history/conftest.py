"""The history tests run twice: on a SQLite file and on a real PostgreSQL server started for the session.

Without PostgreSQL's binaries the PostgreSQL half is skipped with the reason, unless
VIOSAUDIT_REQUIRE_POSTGRES=1 (CI sets it): then it fails.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from history.pgserver import PgServer, start

BACKENDS = ("sqlite", "postgresql")
_counter = itertools.count(1)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    try:
        server = start()
    except (FileNotFoundError, RuntimeError) as exc:
        if os.environ.get("VIOSAUDIT_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required (VIOSAUDIT_REQUIRE_POSTGRES=1) but: {exc}")
        pytest.skip(f"no PostgreSQL server for the tests: {exc}")
    try:
        yield server
    finally:
        server.stop()


def new_database(server: PgServer) -> str:
    name = f"viosaudit_test_{os.getpid()}_{next(_counter)}"
    with psycopg.connect(server.url(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server.url(name)


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty history database: a SQLite file path, or a fresh PostgreSQL database URL."""
    if request.param == "sqlite":
        return str(tmp_path / "history.sqlite")
    server: PgServer = request.getfixturevalue("pg_server")
    return new_database(server)
