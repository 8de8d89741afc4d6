"""The HTTP API on a real server bound to 127.0.0.1."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import needs_shared

pytestmark = needs_shared


@pytest.fixture(scope="module")
def base_url(live_api) -> str:  # type: ignore[no-untyped-def]
    return live_api.url


@pytest.fixture(scope="module")
def auth(live_api) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"Authorization": f"Bearer {live_api.keys['inspector']}"}


def test_api_health_reports_the_index(base_url: str) -> None:
    body = httpx.get(f"{base_url}/healthz").json()
    assert (body["status"], body["instruments"], body["clauses"]) == ("ok", 4, 285)


def test_api_search_returns_hits_with_metadata(base_url: str, auth: dict[str, str]) -> None:
    response = httpx.get(f"{base_url}/v1/search", params={"q": "安全生产许可证有效期", "top_k": 3}, headers=auth)
    assert response.status_code == 200
    hits = response.json()
    assert len(hits) == 3 and hits[0]["article"] == "第九条"
    assert {"title", "article", "text", "score", "category", "status", "effective_date"} <= set(hits[0])


def test_api_cite_found_and_not_found(base_url: str, auth: dict[str, str]) -> None:
    found = httpx.get(f"{base_url}/v1/cite", params={"ref": "安全生产法第21条"}, headers=auth)
    assert found.status_code == 200
    assert found.json()["citation"] == "《中华人民共和国安全生产法》第二十一条"
    missing = httpx.get(f"{base_url}/v1/cite", params={"ref": "《安全生产许可证条例》第三十条"}, headers=auth)
    assert missing.status_code == 404
    error = missing.json()["error"]
    assert error["message"] == "未找到：《安全生产许可证条例》没有第三十条（共 24 条）"
    assert (error["type"], error["code"]) == ("not_found_error", "citation_not_found")
    assert error["nearest"][0] == "《安全生产许可证条例》第二十四条"


def test_api_rejects_bad_queries_with_specific_400s(base_url: str, auth: dict[str, str]) -> None:
    missing = httpx.get(f"{base_url}/v1/search", headers=auth)
    assert missing.status_code == 400
    assert missing.json()["error"]["message"] == "请求参数无效：query.q：Field required"
    too_many = httpx.get(f"{base_url}/v1/search", params={"q": "x", "top_k": 500}, headers=auth)
    assert too_many.status_code == 400 and "top_k" in too_many.json()["error"]["message"]
    method = httpx.get(f"{base_url}/v1/search", params={"q": "x", "method": "magic"}, headers=auth)
    assert method.status_code == 400 and "method" in method.json()["error"]["message"]


def test_api_search_needs_a_key(base_url: str) -> None:
    response = httpx.get(f"{base_url}/v1/search", params={"q": "动火"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "missing_api_key"
