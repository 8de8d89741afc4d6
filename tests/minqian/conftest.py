"""Database fixtures: a SQLite file per test, a PostgreSQL database per session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from minqian.database import drop_schema, init_schema, open_engine
from minqian.sealing import Keyring


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test on a SQLite file and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'db' / 'minqian.sqlite'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine with the schema created; tables are dropped again afterwards."""
    engine = open_engine(database_url, Keyring.generate())
    # The PostgreSQL database is shared by the session, and tests that run whole
    # processes against it (tests/deploy) leave their rows: start from empty.
    drop_schema(engine)
    init_schema(engine)
    yield engine
    # The PostgreSQL database lives for the session; each test starts empty.
    drop_schema(engine)
    engine.dispose()
