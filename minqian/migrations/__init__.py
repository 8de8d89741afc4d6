"""Schema migrations (alembic) and how a database is brought to the current schema.

A fresh database gets the current tables from the metadata and is stamped
at head: replaying every migration from nothing would only rebuild the same
tables more slowly. A database made before migrations existed (no
alembic_version table) is caught up to the baseline and stamped there;
from then on every change is a revision under ``versions/`` (docs/deployment.md
says how to start one). `tests/minqian/test_migrations.py` fails when the
tables in code and the tables the migrations build differ.
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text

logger = logging.getLogger(__name__)

BASELINE = "0001"
_HERE = Path(__file__).resolve().parent


def config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_HERE))
    cfg.attributes["connection"] = connection
    return cfg


def head() -> str:
    revision = ScriptDirectory.from_config(config()).get_current_head()
    assert revision is not None
    return revision


def current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def bring_to_head(connection: Connection) -> None:
    """Create, adopt or upgrade the schema on this connection (in its transaction)."""
    from minqian.database import metadata

    revision = current(connection)
    if revision is None:
        present = set(inspect(connection).get_table_names())
        if not present & set(metadata.tables):
            metadata.create_all(connection)
            command.stamp(config(connection), "head")
            logger.info("schema created at revision %s", head())
            return
        _catch_up_baseline(connection)
        command.stamp(config(connection), BASELINE)
        logger.info("existing schema adopted at baseline %s", BASELINE)
    if current(connection) != head():
        command.upgrade(config(connection), "head")
        logger.info("schema upgraded to revision %s", head())


def upgrade(connection: Connection, revision: str = "head") -> None:
    command.upgrade(config(connection), revision)


def downgrade(connection: Connection, revision: str) -> None:
    command.downgrade(config(connection), revision)


def _catch_up_baseline(connection: Connection) -> None:
    """Bring a data dir from before migrations to the baseline schema.

    Releases before the baseline only ever added tables and nullable columns,
    so creating missing tables and adding missing nullable columns is enough.
    Tables and columns that later revisions introduce are left to them.
    """
    from minqian.migrations.baseline import BASELINE_NULLABLE_COLUMNS, BASELINE_TABLES

    existing = inspect(connection)
    from minqian.database import metadata

    metadata.create_all(connection, tables=[metadata.tables[n] for n in BASELINE_TABLES])
    for table_name, column_name in BASELINE_NULLABLE_COLUMNS:
        present = {c["name"] for c in existing.get_columns(table_name)}
        if column_name not in present:
            column = metadata.tables[table_name].columns[column_name]
            kind = column.type.compile(dialect=connection.dialect)
            connection.execute(text(f'ALTER TABLE {table_name} ADD COLUMN "{column_name}" {kind}'))
