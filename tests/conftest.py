"""Shared fixtures: small real corpora, a Milvus Lite directory per test, offline env."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from minqian.logs import offline_environment

offline_environment()

ROOT = Path(__file__).resolve().parent.parent
SHARED_LAWS = ROOT.parent / "shared" / "corpus" / "laws"
# Two short regulations: enough structure to test on, cheap to embed.
SMALL_LAWS = ("生产安全事故应急条例.md", "安全生产许可证条例.md")


def shared_laws_available() -> bool:
    return SHARED_LAWS.is_dir()


needs_shared = pytest.mark.skipif(
    not shared_laws_available(), reason="../shared/corpus/laws is not beside the checkout"
)


@pytest.fixture(scope="session")
def embedding_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One passage-vector cache for the session: the same text is embedded once.

    MINQIAN_TEST_EMBEDDING_CACHE keeps it across local runs.
    """
    kept = os.environ.get("MINQIAN_TEST_EMBEDDING_CACHE")
    return Path(kept) if kept else tmp_path_factory.mktemp("cache") / "embeddings.sqlite"


@pytest.fixture
def make_settings(tmp_path: Path, embedding_cache: Path):  # type: ignore[no-untyped-def]
    """Settings on a fresh data dir, without packaged laws or the project corpus."""
    from minqian.settings import Settings

    def build(**overrides: object) -> Settings:
        values: dict[str, object] = {
            "data_dir": tmp_path / "data",
            "laws": {"selection": "none"},
            "ingestion": {"include_project_corpus": False, "progress": False},
            "embedder": {"cache_path": str(embedding_cache)},
        }
        for key, value in overrides.items():
            if isinstance(value, dict) and isinstance(values.get(key), dict):
                values[key] = {**values[key], **value}  # type: ignore[dict-item]
            else:
                values[key] = value
        return Settings(**values)  # type: ignore[arg-type]

    return build


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    """A folder with two regulations copied from the shared reference data."""
    if not shared_laws_available():
        pytest.skip("../shared/corpus/laws is not beside the checkout")
    folder = tmp_path / "laws"
    folder.mkdir()
    for name in SMALL_LAWS:
        shutil.copyfile(SHARED_LAWS / name, folder / name)
    return folder


@pytest.fixture(scope="session")
def shared_kb(tmp_path_factory: pytest.TempPathFactory, embedding_cache: Path) -> Iterator[object]:
    """A knowledge base over four shared instruments, built once for read-only tests."""
    with law_knowledge_base(tmp_path_factory, embedding_cache) as kb:
        yield kb


@contextmanager
def law_knowledge_base(tmp_path_factory: pytest.TempPathFactory, embedding_cache: Path,
                       extra: Iterable[Path] = ()) -> Iterator[Any]:  # fmt: skip
    """The four shared instruments (skips without ../shared), plus `extra` documents."""
    if not shared_laws_available():
        pytest.skip("../shared/corpus/laws is not beside the checkout")
    from minqian.components import open_knowledge_base, open_pipeline
    from minqian.settings import Settings

    folder = tmp_path_factory.mktemp("kb-laws")
    for name in (*SMALL_LAWS, "危险化学品安全管理条例.md", "中华人民共和国安全生产法.md"):
        shutil.copyfile(SHARED_LAWS / name, folder / name)
    for document in extra:
        shutil.copyfile(document, folder / document.name)
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("kb-data"),
        laws={"selection": "none"},  # type: ignore[arg-type]
        ingestion={"include_project_corpus": False, "progress": False},  # type: ignore[arg-type]
        embedder={"cache_path": str(embedding_cache)},  # type: ignore[arg-type]
        corpus_paths=[folder],
    )
    pipeline = open_pipeline(settings)
    pipeline.run()
    pipeline.index.close()
    kb = open_knowledge_base(settings)
    try:
        yield kb
    finally:
        kb.close()


@pytest.fixture
def subprocess_env(embedding_cache: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        MINQIAN_LAWS__SELECTION="none",
        MINQIAN_INGESTION__INCLUDE_PROJECT_CORPUS="false",
        MINQIAN_EMBEDDER__CACHE_PATH=str(embedding_cache),
        PYTHONPATH=str(ROOT),
    )
    return env


POSTGRES_SERVER = (
    "host=127.0.0.1 port=5432 user=postgres dbname=postgres connect_timeout=5"
)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, uniquely named database on the local server, dropped at the end."""
    import psycopg

    name = f"minqian_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(POSTGRES_SERVER, autocommit=True)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL on 127.0.0.1:5432 is unreachable: {exc}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(POSTGRES_SERVER, autocommit=True) as admin:
            # FORCE ends any connection a failed test left open.
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
