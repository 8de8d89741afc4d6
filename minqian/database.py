"""The relational store: one MetaData for the project's records and its engine.

Every module that keeps records defines its tables on `metadata` and names
itself in `RECORD_MODULES`; changes to them go through `minqian.migrations`.
"""

from __future__ import annotations

import importlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event, text
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.types import TypeDecorator

from minqian.errors import ConfigurationError
from minqian.sealing import DIALECT_ATTRIBUTE, Keyring, configured_keyring
from minqian.settings import Settings

metadata = MetaData()

# create_all only sees tables whose modules have been imported, so init_schema
# imports each of these first; a caller need not know which modules hold tables.
RECORD_MODULES: tuple[str, ...] = (
    "minqian.keys", "minqian.enterprises", "minqian.risk.records", "minqian.coefficient.records",
    "minqian.inspections.records", "minqian.audit", "minqian.conversations", "minqian.security",
    "minqian.idempotency",
)
# PostgreSQL advisory lock ids (any 64-bit numbers no other program uses here).
SCHEMA_LOCK_KEY = 0x6D71_0001
CHECKPOINT_LOCK_KEY = 0x6D71_0002


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp that is stored in UTC and always read back timezone-aware."""

    # SQLite keeps no offset and hands back naive values; PostgreSQL's
    # timestamptz returns aware ones. Normalising here gives one behaviour.
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}; pass a timezone-aware one")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return (
            value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        )


def open_records(settings: Settings) -> Engine:
    """The configured record store, with the keyring that seals its sensitive fields."""
    return open_engine(settings.database_url, configured_keyring(settings))


def open_engine(url: str, keyring: Keyring | None = None) -> Engine:
    """Open an engine for a SQLite file or a PostgreSQL server (via psycopg).

    Without a keyring the engine still works, but reading or writing a sealed
    column raises ConfigurationError rather than storing plaintext.
    """
    engine = _open(url)
    if keyring is not None:
        setattr(engine.dialect, DIALECT_ATTRIBUTE, keyring)
    return engine


def _open(url: str) -> Engine:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _open_sqlite(url)
    if backend == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        # A server may drop idle connections (restart, failover, idle timeout);
        # the ping replaces them instead of failing the next request.
        return create_engine(parsed, pool_pre_ping=True)
    raise ConfigurationError(
        "MINQIAN_DATABASE__URL must be a sqlite:/// or postgresql+psycopg:// URL; "
        f"got one for {backend!r}. Leave it unset for SQLite under the data dir."
    )


def init_schema(engine: Engine) -> None:
    """Bring the record tables to the current schema (create, adopt or migrate)."""
    from minqian import migrations
    from minqian.security import check_keyring

    for module in RECORD_MODULES:
        importlib.import_module(module)
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # API workers started together would race to create the same tables
            # (duplicate pg_type rows); the lock, held to commit, makes them take turns.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY})
        migrations.bring_to_head(connection)
        check_keyring(connection)


def drop_schema(engine: Engine) -> None:
    """Drop every record table and the migration stamp (tests start from empty)."""
    for module in RECORD_MODULES:
        importlib.import_module(module)
    with engine.begin() as connection:
        metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        if connection.dialect.name == "postgresql":
            connection.execute(text("DROP FUNCTION IF EXISTS minqian_audit_append_only()"))


def _open_sqlite(url: str) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    event.listen(engine, "connect", _configure_sqlite_connection)
    return engine


def _configure_sqlite_connection(
    connection: DBAPIConnection, record: ConnectionPoolEntry
) -> None:
    cursor = connection.cursor()
    # WAL lets the API read while a CLI command writes; SQLite leaves foreign
    # keys off unless each connection asks for them.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
