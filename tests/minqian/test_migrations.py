"""Migrations build exactly the tables the code defines, and carry data across."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, select, text

from minqian import migrations
from minqian.access import Principal
from minqian.database import init_schema, metadata
from minqian.demo import seed_demo
from minqian.risk.desk import open_risk_desk
from minqian.risk.records import workers
from minqian.security import key_usage
from minqian.settings import Settings
from tests.minqian.test_sealing import NAME, _seed

ADMIN = Principal("admin", "test")


def _differences(engine: Engine) -> list[Any]:
    with engine.connect() as connection:
        # SQLite ignores declared lengths, so only PostgreSQL's types are compared.
        # Other stores share the database (LangGraph's checkpoint tables, the
        # migration stamp): only the record tables are compared.
        context = MigrationContext.configure(connection, opts={
            "compare_type": connection.dialect.name == "postgresql",
            "include_name": lambda name, kind, parent: kind != "table" or name in metadata.tables,
        })  # fmt: skip
        return list(compare_metadata(context, metadata))


def _revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return migrations.current(connection)


def test_a_fresh_database_is_created_at_head_and_matches_the_code(engine: Engine) -> None:
    assert _revision(engine) == migrations.head()
    assert _differences(engine) == []
    init_schema(engine)  # running again changes nothing
    assert _revision(engine) == migrations.head()


def test_downgrade_and_upgrade_keep_the_data(engine: Engine) -> None:
    worker_id = _seed(engine)
    with engine.begin() as connection:
        migrations.downgrade(connection, migrations.BASELINE)
    assert "audit_events" not in inspect(engine).get_table_names()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT name FROM workers")).scalar() == NAME  # plaintext again
    init_schema(engine)
    assert _revision(engine) == migrations.head()
    assert key_usage(engine)["workers.name"] == {"k1": 1}
    with engine.connect() as connection:
        assert connection.execute(select(workers.c.name).where(workers.c.id == worker_id)).scalar() == NAME
    assert _differences(engine) == []


def test_a_data_dir_from_before_migrations_is_adopted_and_upgraded(engine: Engine, tmp_path: Path) -> None:
    _seed(engine)
    desk = open_risk_desk(Settings(data_dir=tmp_path), engine)
    seeded = seed_demo(desk)
    with engine.begin() as connection:
        migrations.downgrade(connection, migrations.BASELINE)
        connection.execute(text("DROP TABLE alembic_version"))
        # Releases before enterprises.size existed left it out.
        connection.execute(text("ALTER TABLE enterprises DROP COLUMN size"))
    init_schema(engine)
    assert _revision(engine) == migrations.head()
    assert "size" in {c["name"] for c in inspect(engine).get_columns("enterprises")}
    assert key_usage(engine)["workers.name"] == {"k1": 1 + len(seeded.workers)}
    usage = key_usage(engine)
    assert usage["enforcement_records.description"] == {"k1": 1}
    for column in ("risk_entries.responsible", "risk_registers.profile", "risk_codes.snapshot"):
        assert set(usage[column]) == {"k1"}, column
    assert desk.codes.list(ADMIN)  # the codes' sealed snapshots open again
    assert len(desk.enterprises.list(ADMIN)) == len(seeded.added) + 1
    assert _differences(engine) == []


def test_every_migration_is_reachable_from_the_baseline() -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrations.config())
    revisions = [r.revision for r in script.walk_revisions()]
    assert revisions[-1] == migrations.BASELINE and revisions[0] == migrations.head()
    assert len(script.get_heads()) == 1, "two migrations revise the same parent; merge them"
