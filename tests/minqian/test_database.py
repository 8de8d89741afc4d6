"""The engine factory and schema creation on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Column, Engine, Integer, MetaData, Table, inspect, text

from minqian.database import UtcDateTime, open_engine
from minqian.errors import ConfigurationError


def test_open_engine_creates_the_sqlite_folder_and_enables_wal_and_foreign_keys(
    tmp_path: Path,
) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'a' / 'b' / 'minqian.sqlite'}")
    try:
        with engine.connect() as connection:
            journal = connection.execute(text("PRAGMA journal_mode")).scalar()
            foreign_keys = connection.execute(text("PRAGMA foreign_keys")).scalar()
    finally:
        engine.dispose()
    assert (tmp_path / "a" / "b" / "minqian.sqlite").is_file()
    assert journal == "wal" and foreign_keys == 1


def test_open_engine_rejects_other_backends() -> None:
    with pytest.raises(ConfigurationError) as raised:
        open_engine("mysql://root@127.0.0.1/test")
    assert str(raised.value) == (
        "MINQIAN_DATABASE__URL must be a sqlite:/// or postgresql+psycopg:// URL; "
        "got one for 'mysql'. Leave it unset for SQLite under the data dir."
    )


def test_open_engine_uses_psycopg_for_a_plain_postgresql_url(postgres_url: str) -> None:
    engine = open_engine(postgres_url.replace("postgresql+psycopg", "postgresql"))
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SELECT 1")).scalar() == 1
    finally:
        engine.dispose()
    assert engine.dialect.driver == "psycopg"


def test_init_schema_creates_the_record_tables(engine: Engine) -> None:
    assert "api_keys" in inspect(engine).get_table_names()


def test_utc_datetime_reads_back_aware_utc(engine: Engine) -> None:
    table = Table("moments", MetaData(), Column("id", Integer, primary_key=True),
                  Column("at", UtcDateTime))  # fmt: skip
    fuzhou = datetime(2026, 3, 1, 8, 30, tzinfo=timezone(timedelta(hours=8)))
    table.create(engine)
    try:
        with engine.begin() as connection:
            connection.execute(table.insert().values(id=1, at=fuzhou))
            stored = connection.execute(table.select()).one().at
    finally:
        table.drop(engine)
    assert stored == fuzhou and stored.tzinfo is UTC
