"""The history database's tables, as they are at the current schema version, and the ordered
migration steps that bring any older database up to it.

Versioning is ours, small and explicit (no Alembic environment to ship): ``schema_version`` holds one
row; step N turns a version N-1 database into version N; each step's DDL is kept verbatim forever, so
a database made by version 1 is upgraded in place by replaying steps 2..CURRENT. A database whose
version is newer than ``CURRENT`` was written by a newer viosaudit and is refused, never guessed at.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    text,
)


def _v1_tables(md: MetaData) -> None:
    """Schema version 1: runs, the inventory and findings of each run, acceptances in force."""
    Table(
        "runs",
        md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("zone", String(100), nullable=False),
        Column("snapshot_id", String(200), nullable=False),
        Column("captured_at", String(40), nullable=False),  # ISO 8601 as the manifest says
        Column("captured_day", String(10), nullable=False),  # YYYY-MM-DD: what ages are counted from
        Column("judged_on", String(10), nullable=False),  # the report's --today
        Column("recorded_at", String(40), nullable=False),
        Column("collector", String(200), nullable=False),
        Column("manifest_digest", String(64), nullable=False),
        Column("tool_version", String(40), nullable=False),
        UniqueConstraint("zone", "snapshot_id", name="uq_runs_zone_snapshot"),
    )
    Table(
        "run_inventory",
        md,
        Column("run_id", Integer, nullable=False),
        Column("kind", String(10), nullable=False),  # system | vios | client
        Column("name", String(200), nullable=False),
        Column("managed_system", String(200), nullable=False),
        Column("serial", String(40), nullable=False),
        Column("partition_id", Integer, nullable=True),
        Column("level", String(40), nullable=True),  # VIOS level; NULL when not collected
        Column("state", String(60), nullable=True),
        Index("ix_run_inventory_run", "run_id"),
    )
    Table(
        "run_findings",
        md,
        Column("run_id", Integer, nullable=False),
        Column("key", String(300), nullable=False),
        Column("rule_id", String(80), nullable=False),
        Column("title", String(400), nullable=False),
        Column("verdict", String(10), nullable=False),
        Column("severity", String(10), nullable=False),
        Column("subject", String(400), nullable=False),
        Column("managed_system", String(200), nullable=False),
        Column("evidence_digest", String(64), nullable=False),
        Column("acceptance", String(10), nullable=False),  # none | active | expired
        Column("open_since_run", Integer, nullable=True),  # run where the current open streak began
        Column("open_since", String(10), nullable=True),  # that run's captured day
        Column("first_open", String(10), nullable=True),  # first day ever seen open (reopened detection)
        Index("ix_run_findings_run", "run_id"),
    )
    Table(
        "run_acceptances",
        md,
        Column("run_id", Integer, nullable=False),
        Column("finding", String(300), nullable=False),
        Column("approver", String(200), nullable=False),
        Column("decided", String(10), nullable=False),
        Column("expires", String(10), nullable=False),
        Column("change", String(100), nullable=False),
        Column("active", Boolean, nullable=False),
        Index("ix_run_acceptances_run", "run_id"),
    )


def _v2_tables(md: MetaData) -> None:
    """Schema version 2: the catalogue a run judged with, and the runs a change's evidence cites."""
    Table(
        "evidence_refs",
        md,
        Column("run_id", Integer, nullable=False),
        Column("change_id", String(100), nullable=False),
        Column("reference", String(400), nullable=False),
        Index("ix_evidence_refs_run", "run_id"),
    )


def _step1(conn: Connection) -> None:
    md = MetaData()
    _v1_tables(md)
    md.create_all(conn)


def _step2(conn: Connection) -> None:
    conn.execute(text("ALTER TABLE runs ADD COLUMN catalogue_version VARCHAR(200) NOT NULL DEFAULT ''"))
    conn.execute(text("ALTER TABLE runs ADD COLUMN catalogue_records INTEGER NOT NULL DEFAULT 0"))
    md = MetaData()
    _v2_tables(md)
    md.create_all(conn)


MIGRATIONS: tuple[Callable[[Connection], None], ...] = (_step1, _step2)
CURRENT = len(MIGRATIONS)

VERSION_TABLE = Table("schema_version", MetaData(), Column("version", Integer, nullable=False))

# The tables as they are at CURRENT (queries only; DDL lives in the steps above).
metadata = MetaData()
_v1_tables(metadata)
_v2_tables(metadata)
runs: Table = metadata.tables["runs"]
runs.append_column(Column("catalogue_version", String(200), nullable=False, server_default=""))
runs.append_column(Column("catalogue_records", Integer, nullable=False, server_default="0"))
inventory: Table = metadata.tables["run_inventory"]
findings: Table = metadata.tables["run_findings"]
acceptances: Table = metadata.tables["run_acceptances"]
evidence_refs: Table = metadata.tables["evidence_refs"]
