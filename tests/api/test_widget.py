"""The enterprise chat widget embedded on pages of other origins, in headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from api.local_server import free_port, serve
from tests.api.conftest import TEST_ENTERPRISE, build_live_api
from tests.conftest import needs_shared

pytestmark = needs_shared
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip


def host_page(api_url: str, key: str) -> FastAPI:
    """An enterprise's own page that embeds the widget with one script tag."""
    page = FastAPI()
    html = (
        "<!doctype html><html><head><meta charset='utf-8'><title>示例企业</title></head>"
        "<body><h1>示例化工有限公司</h1>"
        f"<script src='{api_url}/widget.js' data-key='{key}' data-title='安全助手'></script>"
        "</body></html>"
    )

    @page.get("/")
    def index() -> HTMLResponse:
        return HTMLResponse(html)

    return page


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path("/usr/bin/chromium").exists():
        pytest.fail("Chromium is not installed: run `make browser` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture(scope="module")
def widget_setup(shared_kb, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:  # type: ignore[no-untyped-def]
    allowed_port, other_port = free_port(), free_port()
    app, _ = build_live_api(shared_kb, tmp_path_factory.mktemp("widget-data"))
    _, key = app.state.key_store.create(
        "enterprise", "示例化工", TEST_ENTERPRISE.id, origins=[f"http://127.0.0.1:{allowed_port}"]
    )
    with serve(app) as api_url:
        allowed = host_page(api_url, key)
        other = host_page(api_url, key)
        with serve(allowed, allowed_port) as allowed_url, serve(other, other_port) as other_url:
            yield {"allowed": allowed_url, "other": other_url}


def _ask(browser, url: str, shot: str):  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1000, "height": 760})
    page.goto(url, wait_until="load")
    page.click("#mq-bubble")
    page.fill("#mq-input", "安全生产许可证的有效期是几年？")
    page.click("#mq-send")
    answer = page.locator(".mq-bot").last
    answer.wait_for(state="attached")
    page.wait_for_function(
        "() => ['done', 'error'].includes(document.querySelector('.mq-bot').dataset.state)",
        timeout=120_000,
    )
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / shot), full_page=True)
    result = (answer.get_attribute("data-state"), answer.inner_text())
    page.close()
    return result


def test_widget_on_an_allowed_origin_streams_an_answer_with_citations(browser, widget_setup) -> None:  # type: ignore[no-untyped-def]
    state, text = _ask(browser, widget_setup["allowed"], "widget-allowed.png")
    assert state == "done", text
    assert "《安全生产许可证条例》第九条" in text and "引用条文" in text


def test_widget_on_an_origin_not_allowed_is_refused(browser, widget_setup) -> None:  # type: ignore[no-untyped-def]
    state, text = _ask(browser, widget_setup["other"], "widget-refused.png")
    assert state == "error" and "出错了" in text
    assert "第九条" not in text
