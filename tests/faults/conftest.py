"""Fixtures of the fault tests: the programs they start are stopped even when a test fails."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.processes import DATA_KEYS, SHARED_POSTGRES, PrivatePostgres, Program, fresh_database

CODE_SECRET = "fault-test-code-secret-0123456789"


@pytest.fixture
def fault_env(subprocess_env: dict[str, str]) -> dict[str, str]:
    """What every program of one test shares (each adds its own data dir and stores)."""
    return dict(subprocess_env, MINQIAN_API__UI_ENABLED="false", MINQIAN_INGESTION__PROGRESS="false",
                MINQIAN_RISK__CODE_SECRET=CODE_SECRET, MINQIAN_SECURITY__DATA_KEYS=DATA_KEYS,
                MINQIAN_API__PUBLIC_URL="https://minqian.example.gov.cn")  # fmt: skip


@pytest.fixture
def logs(tmp_path: Path) -> Path:
    folder = tmp_path / "logs"
    folder.mkdir()
    return folder


@pytest.fixture
def programs() -> Iterator[list[Program]]:
    """Append every program started; all are stopped (killed if need be) at the end."""
    started: list[Program] = []
    yield started
    for program in reversed(started):
        program.stop()


@pytest.fixture
def shared_database() -> Iterator[str]:
    """A fresh database on the shared server at 127.0.0.1:5432; its URL."""
    import psycopg

    try:
        psycopg.connect(SHARED_POSTGRES).close()
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL on 127.0.0.1:5432 is unreachable: {exc}")
    with fresh_database() as name:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    """A PostgreSQL cluster of the test's own, started; removed at the end."""
    server = PrivatePostgres()
    if not server.available:
        pytest.skip("no PostgreSQL programs under /usr/lib/postgresql/*/bin (as root: no postgres user or runuser)")
    try:
        server.init()
        yield server
    finally:
        server.close()
