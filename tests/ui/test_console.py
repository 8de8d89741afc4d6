"""The inspector console in headless Chromium against a real server on 127.0.0.1."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.conftest import needs_shared
from tests.ui.conftest import ARTIFACTS, Console

pytestmark = [
    needs_shared,
    # Gradio 6.17's queue_join reads starlette.status.HTTP_422_UNPROCESSABLE_ENTITY
    # on every event; the server thread shares this process's warning filters.
    pytest.mark.filterwarnings(
        "ignore:'HTTP_422_UNPROCESSABLE_ENTITY' is deprecated"
        ":starlette.exceptions.StarletteDeprecationWarning"
    ),
]

QUESTION = "安全生产许可证的有效期是几年？"
ANSWER_TIMEOUT = 120_000
# Records the text length of the chat after every DOM change, to see streaming.
WATCH_CHAT = """() => {
  const chat = document.querySelector('#chat');
  window.chatLengths = [];
  new MutationObserver(() => window.chatLengths.push(chat.innerText.length))
    .observe(chat, {subtree: true, childList: true, characterData: true});
}"""


def sign_in(page: Page, console: Console, name: str, key: str) -> None:
    page.goto(console.url, wait_until="load")
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill(key)
    page.get_by_role("button", name="登录").click()


def ask(page: Page, question: str) -> None:
    """Send a question and wait until its answer is complete."""
    send = page.get_by_role("button", name="发送")
    page.locator("#question textarea").fill(question)
    send.click()
    # The first update shows the question and disables sending until the end.
    expect(page.locator("#chat")).to_contain_text(question)
    expect(send).to_be_enabled(timeout=ANSWER_TIMEOUT)


@pytest.mark.parametrize(
    ("role", "status"),
    [("inspector", 200), ("admin", 200), ("enterprise", 400), ("revoked", 400)],
)
def test_console_login_accepts_only_active_inspector_and_admin_keys(
    console: Console, role: str, status: int
) -> None:
    key = getattr(console, f"{role}_key")
    # One console name stands for one key (ui/sign_in.ConsoleSessions).
    form = {"username": f"张三（{role}）", "password": key}
    response = httpx.post(f"{console.url}login", data=form)
    assert response.status_code == status
    if status == 400:
        assert response.json() == {"detail": "Incorrect credentials."}


def test_console_login_page_refuses_wrong_and_enterprise_keys(
    console: Console, page: Page
) -> None:
    sign_in(page, console, "张三", "mq_not-a-real-key")
    expect(page.get_by_text("凭据不正确")).to_be_visible()

    sign_in(page, console, "某企业", console.enterprise_key)
    expect(page.get_by_text("凭据不正确")).to_be_visible()
    expect(page.get_by_text("企业密钥不能登录本控制台")).to_be_visible()
    page.screenshot(path=ARTIFACTS / "console-login-refused.png", full_page=True)
    expect(page.get_by_role("tab", name="智能问答")).to_have_count(0)


def test_console_chat_streams_a_cited_answer_and_keeps_conversations(
    console: Console, page: Page
) -> None:
    sign_in(page, console, "张三", console.inspector_key)
    expect(page.locator("#console-user")).to_contain_text("当前用户：张三")
    page.evaluate(WATCH_CHAT)
    ask(page, QUESTION)

    chat, citations = page.locator("#chat"), page.locator("#citations")
    expect(chat).to_contain_text("第九条", timeout=ANSWER_TIMEOUT)
    expect(citations).to_contain_text("《安全生产许可证条例》第九条")
    for shown in ("效力状态", "现行有效", "施行日期", "发布机关", "国务院", "已核验"):
        expect(citations).to_contain_text(shown)
    expect(citations).to_contain_text("安全生产许可证的有效期为3年")
    lengths = page.evaluate("window.chatLengths")
    assert len(set(lengths)) >= 5, "the answer arrived in one piece, not streamed"
    page.screenshot(path=ARTIFACTS / "console-chat.png", full_page=True)

    ask(page, "那期满了怎么办？")
    expect(chat.get_by_text("结论")).to_have_count(2)
    history = page.locator("#conversations")
    expect(history.get_by_role("radio")).to_have_count(1)

    page.get_by_role("button", name="新对话").click()
    expect(chat).not_to_contain_text("第九条")
    expect(citations).to_contain_text("提问后")
    ask(page, "生产安全事故应急预案多久演练一次？")
    expect(history.get_by_role("radio")).to_have_count(2)
    expect(chat).not_to_contain_text(QUESTION)

    history.get_by_text(QUESTION).click()
    expect(chat).to_contain_text("那期满了怎么办？")
    expect(chat).not_to_contain_text("应急预案多久")
    expect(citations).to_contain_text("《安全生产许可证条例》第")


def test_console_search_filters_by_category_then_signs_out(
    console: Console, page: Page
) -> None:
    sign_in(page, console, "李四", console.admin_key)
    page.get_by_role("tab", name="条文检索").click()
    page.locator("#search-query textarea").fill("安全生产许可证有效期")
    page.locator("#filter-category input").click()
    page.get_by_role("option", name="行政法规").click()
    page.locator("#search-top-k input[type=number]").fill("3")
    page.get_by_role("button", name="检索", exact=True).click()

    results = page.locator("#search-results")
    expect(results).to_contain_text("共找到 3 条", timeout=ANSWER_TIMEOUT)
    expect(results).to_contain_text("《安全生产许可证条例》第九条")
    expect(results).to_contain_text("安全生产许可证的有效期为3年")
    headings = results.locator("h4").all_inner_texts()
    assert len(headings) == 3
    assert not any("中华人民共和国安全生产法" in h for h in headings), headings
    page.screenshot(path=ARTIFACTS / "console-search.png", full_page=True)

    page.get_by_role("link", name="退出登录").click()
    expect(page.get_by_role("button", name="登录")).to_be_visible()
