"""Where the history lives: a SQLite file by default, a PostgreSQL server by URL; one code path.

    --db PATH                      a SQLite file (created 0600 in a 0700 folder)
    --db postgresql://u@host/db    a PostgreSQL database (psycopg 3); the password comes from
                                   PGPASSWORD or ~/.pgpass, never from the command line or a file of ours
    VIOSAUDIT_DB                   the same, when --db is not given
    (neither)                      <user data folder>/viosaudit/history.sqlite (platformdirs)

Opening a store brings its schema up to date (``schema.MIGRATIONS``), under a lock so two writers
starting at once do not both migrate, and refuses a database written by a newer viosaudit.
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from viosaudit.errors import ViosauditError
from viosaudit.files import FILE_MODE, private_dir
from viosaudit.history import schema

ENV = "VIOSAUDIT_DB"
FILE_NAME = "history.sqlite"
_PG_LOCK = 7_411_311  # pg_advisory_xact_lock key: one migrator at a time


class HistoryError(ViosauditError):
    """The history database cannot be opened, is of a newer schema, or a run asked for is not in it."""


def default_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("viosaudit", appauthor=False)) / FILE_NAME


def resolve_url(db: str | None) -> str:
    """``--db`` (or ``VIOSAUDIT_DB``, or the default file) as a SQLAlchemy URL."""
    value = db or os.environ.get(ENV) or str(default_path())
    if "://" not in value:
        return f"sqlite:///{Path(value).expanduser().resolve()}"
    for prefix in ("postgresql://", "postgres://"):
        if value.startswith(prefix):
            return "postgresql+psycopg://" + value[len(prefix) :]
    return value


def shown(url: str) -> str:
    """The URL for messages and logs: never the password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unreadable database URL>"


def _sqlite_engine(url: str) -> Engine:
    path = make_url(url).database
    if path and path != ":memory:":
        file = Path(path)
        private_dir(file.parent)
        if not file.exists():
            file.touch(mode=FILE_MODE)
    engine = create_engine(url, connect_args={"timeout": 60})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (below)
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")  # WAL: durable at checkpoints, never corrupt
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")  # writers queue up instead of failing on lock upgrade

    if path and path != ":memory:":
        _wal(Path(path))
    return engine


def _wal(path: Path) -> None:
    """Put the file in WAL mode (readers never wait for the writer), once: the mode is kept in the file.

    Switching needs the file to itself; writers opening a new file at the same moment take turns.
    """
    deadline = time.monotonic() + 60
    while True:
        con = sqlite3.connect(path, timeout=60, isolation_level=None)
        try:
            if con.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
                return
            con.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
        finally:
            con.close()


def open_store(db: str | None = None, *, migrate: bool = True) -> Engine:
    """An engine on the history database, its schema brought up to ``schema.CURRENT``."""
    url = resolve_url(db)
    try:
        backend = make_url(url).get_backend_name()
    except ArgumentError as exc:
        raise HistoryError(f"--db {shown(url)}: not a file path or database URL ({exc})") from None
    if backend not in ("sqlite", "postgresql"):
        raise HistoryError(f"--db {shown(url)}: only SQLite (a file path) and PostgreSQL URLs are supported")
    try:
        engine = _sqlite_engine(url) if backend == "sqlite" else create_engine(url, pool_pre_ping=True)
        if migrate:
            upgrade(engine)
        else:
            check_version(engine)
    except (SQLAlchemyError, sqlite3.Error) as exc:
        raise HistoryError(f"history database {shown(url)}: {one_line(exc)}") from None
    return engine


def one_line(exc: BaseException) -> str:
    text_ = str(getattr(exc, "orig", None) or exc)
    return " ".join(text_.split())[:400]


def _version(conn: Connection) -> int:
    if not inspect(conn).has_table("schema_version"):
        return 0
    found = conn.execute(select(schema.VERSION_TABLE.c.version)).scalar()
    return int(found or 0)


def _refuse_newer(version: int, engine: Engine) -> None:
    if version > schema.CURRENT:
        raise HistoryError(
            f"history database {shown(str(engine.url))} has schema version {version}, newer than this "
            f"viosaudit understands ({schema.CURRENT}): it was written by a newer viosaudit; upgrade viosaudit "
            "or point --db at another database"
        )


def check_version(engine: Engine) -> int:
    with engine.connect() as conn:
        version = _version(conn)
    _refuse_newer(version, engine)
    return version


def upgrade(engine: Engine, *, target: int = schema.CURRENT) -> int:
    """Apply the missing migration steps in one transaction; return the version reached."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK})
        version = _version(conn)
        _refuse_newer(version, engine)
        if version >= target:
            return version
        if version == 0:
            schema.VERSION_TABLE.create(conn, checkfirst=True)
            conn.execute(schema.VERSION_TABLE.insert().values(version=0))
        for step in range(version + 1, target + 1):
            schema.MIGRATIONS[step - 1](conn)
        conn.execute(schema.VERSION_TABLE.update().values(version=target))
        return target
