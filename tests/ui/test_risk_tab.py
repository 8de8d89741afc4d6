"""The console's 风险管理 tab in headless Chromium: an inspector sees only their area."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from playwright.sync_api import Page, expect

from tests.conftest import needs_shared
from tests.ui.conftest import ARTIFACTS, serve
from tests.ui.test_console import sign_in

pytestmark = [
    needs_shared,
    pytest.mark.filterwarnings(
        "ignore:'HTTP_422_UNPROCESSABLE_ENTITY' is deprecated:starlette.exceptions.StarletteDeprecationWarning"
    ),
]


@dataclass
class RiskConsole:
    url: str
    quanzhou_key: str
    fuzhou_key: str


@pytest.fixture(scope="module")
def risk_console(shared_kb, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RiskConsole]:  # type: ignore[no-untyped-def]
    from agent.checkpoints import open_checkpointer
    from agent.service import AssistantService
    from minqian.database import init_schema, open_records
    from minqian.demo import seed_demo
    from minqian.keys import ApiKeyStore
    from minqian.risk.desk import open_risk_desk
    from ui.console import mount_console

    settings = shared_kb.settings.model_copy(update={"data_dir": tmp_path_factory.mktemp("risk-console")})
    with ExitStack() as stack:
        engine = open_records(settings)
        stack.callback(engine.dispose)
        init_schema(engine)
        desk = open_risk_desk(settings, engine)
        seed_demo(desk)
        store = ApiKeyStore(engine)
        quanzhou = store.create("inspector", "泉州市应急局", region="3505")[1]
        fuzhou = store.create("inspector", "福州市应急局", region="3501")[1]
        service = AssistantService(shared_kb, settings, open_checkpointer(settings, stack), desk=desk)
        app = mount_console(FastAPI(), service, shared_kb, store, "/ui")
        url = stack.enter_context(serve(app))
        yield RiskConsole(f"{url}/ui/", quanzhou, fuzhou)


def _open_risk_tab(page: Page, console: RiskConsole, name: str, key: str) -> None:
    sign_in(page, console, name, key)  # type: ignore[arg-type]
    page.get_by_role("tab", name="风险管理").click()
    expect(page.locator("#risk-summary")).to_contain_text("共 1 家企业")


def test_inspector_sees_registers_codes_and_makes_a_label(page: Page, risk_console: RiskConsole) -> None:
    _open_risk_tab(page, risk_console, "泉州检查员", risk_console.quanzhou_key)
    expect(page.locator("#risk-summary")).to_contain_text("泉州市")
    page.locator("#risk-enterprise input").click()
    options = page.get_by_role("option")
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("南安示范铝制品有限公司（演示）")
    options.first.click()
    expect(page.locator("#risk-summary")).to_contain_text("风险清单第 1 版")
    expect(page.locator("#risk-register")).to_contain_text("粉尘涉爆")
    page.get_by_role("tab", name="风险管理码").click()
    expect(page.locator("#risk-codes")).to_contain_text("有效")
    page.locator("#risk-code-choice input").click()
    page.get_by_role("option").first.click()
    page.get_by_role("button", name="生成二维码和标签").click()
    expect(page.locator("#risk-qr img")).to_be_visible(timeout=30_000)
    expect(page.locator("#risk-label")).to_contain_text(".pdf")
    ARTIFACTS.mkdir(exist_ok=True)
    shot = Path(ARTIFACTS / "console-risk-tab.png")
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 20_000


def test_another_city_sees_only_its_own_enterprise(page: Page, risk_console: RiskConsole) -> None:
    _open_risk_tab(page, risk_console, "福州检查员", risk_console.fuzhou_key)
    page.locator("#risk-enterprise input").click()
    options = page.get_by_role("option")
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("福清示范冷链食品有限公司（演示）")
