"""A live API server on 127.0.0.1 over the shared test index, and keys for it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from api.local_server import free_port, serve
from minqian.enterprises import Enterprise

__all__ = ["TEST_ENTERPRISE", "LiveApi", "build_live_api", "free_port", "serve"]
TEST_ENTERPRISE = Enterprise("E-TEST-1", "测试示例机械有限公司（测试）", "工贸", "机械", "3505", "350583",
                             synthetic=True)  # fmt: skip


@dataclass
class LiveApi:
    url: str
    app: FastAPI
    keys: dict[str, str]


def build_live_api(shared_kb: Any, data_dir: Path, writer: Any = None,
                   **settings_update: Any) -> tuple[FastAPI, dict[str, str]]:  # fmt: skip
    from api.app import create_app

    settings = shared_kb.settings.model_copy(update={"data_dir": data_dir, **settings_update})
    settings.api = settings.api.model_copy(update={"ui_enabled": False})
    app = create_app(settings, knowledge_base=shared_kb, writer=writer)
    store = app.state.key_store
    app.state.risk.enterprises.add(TEST_ENTERPRISE)
    keys = {
        "admin": store.create("admin", "管理员")[1],
        "inspector": store.create("inspector", "执法人员甲")[1],
        "enterprise": store.create("enterprise", "示例企业", TEST_ENTERPRISE.id,
                                   origins=["http://127.0.0.1:9"])[1],
    }  # fmt: skip
    return app, keys


@pytest.fixture(scope="module")
def live_api(shared_kb, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApi]:  # type: ignore[no-untyped-def]
    app, keys = build_live_api(shared_kb, tmp_path_factory.mktemp("api-data"))
    with serve(app) as url:
        yield LiveApi(url, app, keys)
