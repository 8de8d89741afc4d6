"""A knowledge base with an injected document, and a seeded live API per module."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select

from api.local_server import serve
from tests.conftest import law_knowledge_base
from tests.security.world import World, seed

HERE = Path(__file__).resolve().parent
INJECTED = HERE / "injected_document.md"
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="session")
def security_kb(tmp_path_factory: pytest.TempPathFactory, embedding_cache: Path) -> Iterator[Any]:
    """The four instruments of the shared test index plus a document that carries instructions."""
    with law_knowledge_base(tmp_path_factory, embedding_cache, [INJECTED]) as kb:
        yield kb


@contextmanager
def open_world(kb: Any, data_dir: Path, llm: dict[str, Any] | None = None) -> Iterator[World]:
    """A real server on 127.0.0.1 over a fresh SQLite data dir, seeded through its own API."""
    from api.app import create_app

    settings = kb.settings.model_copy(update={"data_dir": data_dir})
    settings.api = settings.api.model_copy(update={"ui_enabled": False})
    if llm:
        settings.llm = settings.llm.model_copy(update=llm)
    app = create_app(settings, knowledge_base=kb)
    with serve(app) as url:
        app.state.risk.codes.public_url = url
        yield seed(url, app)


@pytest.fixture(scope="module")
def world(security_kb: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with open_world(security_kb, tmp_path_factory.mktemp("security-data")) as seeded:
        yield seeded


@pytest.fixture(scope="module")
def client(world: World) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=world.url, timeout=60) as session:
        yield session


def auth(world: World, role: str) -> dict[str, str]:
    """What a caller of this role sends: a key, a worker token (on both headers), or nothing."""
    token = world.keys[role]
    if not token:
        return {}
    headers = {"Authorization": f"Bearer {token}"}
    return headers | ({"X-Worker-Token": token} if role == "worker" else {})


# Tables every request may write by design: the audit log and who owns which conversation.
REQUEST_LOGS = ("audit_events", "conversations")


def dump(engine: Engine) -> dict[str, list[str]]:
    """Every row of every record table, for before/after comparison."""
    from minqian.database import metadata

    tables = [t for t in metadata.sorted_tables if t.name not in REQUEST_LOGS]
    with engine.connect() as connection:
        return {t.name: sorted(repr(tuple(r)) for r in connection.execute(select(t))) for t in tables}


def leaked(text: str, hidden: set[str], sent: str = "") -> list[str]:
    """Hidden strings that appear in a response, leaving out what the caller sent itself."""
    return sorted(m for m in hidden if m and m in text and m not in sent)


def assert_chinese_denial(response: httpx.Response) -> None:
    """An OpenAI-style error whose message says in Chinese why the call was refused."""
    error = response.json()["error"]
    assert CJK.search(error["message"]), f"{response.status_code} without a Chinese message: {error}"
    assert error["code"], error
