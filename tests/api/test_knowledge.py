"""The HTTP API on a real server bound to 127.0.0.1."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn

from api.app import create_app
from tests.conftest import needs_shared

pytestmark = needs_shared


@pytest.fixture(scope="module")
def base_url(shared_kb) -> Iterator[str]:  # type: ignore[no-untyped-def]
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = create_app(shared_kb.settings, knowledge_base=shared_kb)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_api_health_reports_the_index(base_url: str) -> None:
    body = httpx.get(f"{base_url}/healthz").json()
    assert (body["status"], body["instruments"], body["clauses"]) == ("ok", 4, 285)


def test_api_search_returns_hits_with_metadata(base_url: str) -> None:
    response = httpx.get(f"{base_url}/v1/search", params={"q": "安全生产许可证有效期", "top_k": 3})
    assert response.status_code == 200
    hits = response.json()
    assert len(hits) == 3 and hits[0]["article"] == "第九条"
    assert {"title", "article", "text", "score", "category", "status", "effective_date"} <= set(hits[0])


def test_api_cite_found_and_not_found(base_url: str) -> None:
    found = httpx.get(f"{base_url}/v1/cite", params={"ref": "安全生产法第21条"})
    assert found.status_code == 200
    assert found.json()["citation"] == "《中华人民共和国安全生产法》第二十一条"
    missing = httpx.get(f"{base_url}/v1/cite", params={"ref": "《安全生产许可证条例》第三十条"})
    assert missing.status_code == 404
    detail = missing.json()["detail"]
    assert detail["message"] == "未找到：《安全生产许可证条例》没有第三十条（共 24 条）"
    assert detail["nearest"][0] == "《安全生产许可证条例》第二十四条"


def test_api_rejects_bad_queries_with_4xx(base_url: str) -> None:
    assert httpx.get(f"{base_url}/v1/search").status_code == 422
    assert httpx.get(f"{base_url}/v1/search", params={"q": "x", "top_k": 500}).status_code == 422
    assert httpx.get(f"{base_url}/v1/search", params={"q": "x", "method": "magic"}).status_code == 422
