"""Database fixtures: a SQLite file per test, a PostgreSQL database per session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from minqian.database import init_schema, metadata, open_engine


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test on a SQLite file and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'db' / 'minqian.sqlite'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine with the schema created; tables are dropped again afterwards."""
    engine = open_engine(database_url)
    # The PostgreSQL database is shared by the session, and tests that run whole
    # processes against it (tests/deploy) leave their rows: start from empty.
    metadata.drop_all(engine)
    init_schema(engine)
    yield engine
    # The PostgreSQL database lives for the session; each test starts empty.
    metadata.drop_all(engine)
    engine.dispose()
