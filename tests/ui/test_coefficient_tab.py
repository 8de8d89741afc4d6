"""The console's 安全生产系数 tab in headless Chromium: each inspector sees their own area."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Locator, Page, expect

from minqian.keys import ApiKeyStore
from tests.conftest import needs_shared
from tests.ui.conftest import ARTIFACTS, serve
from tests.ui.test_console import sign_in

pytestmark = [
    needs_shared,
    pytest.mark.filterwarnings(
        "ignore:'HTTP_422_UNPROCESSABLE_ENTITY' is deprecated:starlette.exceptions.StarletteDeprecationWarning"
    ),
]

TAB = "安全生产系数"
# The browser takes seconds to draw the tab's plots and ranking on a busy machine.
SLOW = 60_000
FULL_MARKS = {"licence_valid": "是", "principal_certified": True, "principal_meetings": 4, "principal_inspections": 12,
              "responsibility_system": True, "safety_staff": True, "drills": 2, "training_rate": 1,
              "special_certified_rate": 1, "standardisation_level": "一级"}  # fmt: skip


@dataclass
class CoefficientConsole:
    url: str
    county_key: str  # 泉州市南安市
    city_key: str  # 泉州市
    province_key: str
    store: ApiKeyStore


def _seed(desk, enterprises) -> None:  # type: ignore[no-untyped-def]
    """Five more enterprises in two counties of 泉州, their figures, two periods and roll-ups."""
    from minqian.access import Principal
    from minqian.coefficient.facts import Period
    from minqian.enterprises import Enterprise

    admin, inspector = Principal("admin", "t"), Principal("inspector", "t")
    for id_, name, industry, county in [
        ("QZ-NA-01", "南安示范石材有限公司（演示）", "工贸", "350583"),
        ("QZ-NA-02", "南安示范水暖器材有限公司（演示）", "工贸", "350583"),
        ("QZ-JJ-01", "晋江示范鞋业有限公司（演示）", "工贸", "350582"),
        ("QZ-JJ-02", "晋江示范涂料有限公司（演示）", "危化", "350582"),
        ("QZ-JJ-03", "晋江示范纺织有限公司（演示）", "工贸", "350582"),
    ]:
        enterprises.add(Enterprise(id_, name, industry, "轻工", "3505", county, synthetic=True))
    report = desk.inputs.report
    report(admin, "DEMO-001", "2026-10", {"licence_valid": "是", "principal_certified": True, "principal_meetings": 2,
                                          "training_rate": 0.8, "standardisation_level": "三级"})  # fmt: skip
    report(admin, "DEMO-001", "2026-11", {"principal_meetings": 4, "training_rate": 0.95, "drills": 2,
                                          "standardisation_level": "二级"})  # fmt: skip
    report(admin, "QZ-NA-01", "2026-10", FULL_MARKS)
    report(admin, "QZ-JJ-01", "2026-10", {**FULL_MARKS, "standardisation_level": "二级", "drills": 1})
    report(admin, "QZ-JJ-02", "2026-10", {**FULL_MARKS, "licence_valid": "否"})
    report(admin, "QZ-JJ-03", "2026-10", {"licence_valid": True, "principal_certified": True, "safety_staff": True,
                                          "responsibility_system": True, "training_rate": 0.7,
                                          "standardisation_level": "三级"})  # fmt: skip
    desk.inputs.record(inspector, "QZ-JJ-03", "行政处罚", date(2026, 11, 5), "未按规定培训从业人员", amount=20000)
    for label in ("2026-10", "2026-11"):
        desk.scores.publish(admin, Period(label))
    computed = desk.rollups.compute(admin, "2026-11")
    quanzhou = next(r for r in computed if r["region_code"] == "3505")
    desk.rollups.review(Principal("reviewer", "r", region="3505"), quanzhou["id"], approve=True, note="数据核对无误")


@pytest.fixture(scope="module")
def coefficient_console(shared_kb, tmp_path_factory: pytest.TempPathFactory) -> Iterator[CoefficientConsole]:  # type: ignore[no-untyped-def]
    from fastapi import FastAPI

    from agent.checkpoints import open_checkpointer
    from agent.service import AssistantService
    from minqian.coefficient.desk import open_coefficient_desk
    from minqian.database import init_schema, open_records
    from minqian.demo import seed_demo
    from minqian.risk.desk import open_risk_desk
    from ui.console import mount_console

    settings = shared_kb.settings.model_copy(update={"data_dir": tmp_path_factory.mktemp("coefficient-console")})
    with ExitStack() as stack:
        engine = open_records(settings)
        stack.callback(engine.dispose)
        init_schema(engine)
        risk = open_risk_desk(settings, engine)
        seed_demo(risk)
        desk = open_coefficient_desk(engine, risk.enterprises)
        _seed(desk, risk.enterprises)
        store = ApiKeyStore(engine)
        areas = [("南安市应急局", "350583"), ("泉州市应急局", "3505"), ("福建省应急厅", None)]
        keys = [store.create("inspector", name, region=region)[1] for name, region in areas]
        service = AssistantService(shared_kb, settings, open_checkpointer(settings, stack), desk=risk)
        app = mount_console(FastAPI(), service, shared_kb, store, "/ui", coefficients=desk)
        url = stack.enter_context(serve(app))
        yield CoefficientConsole(f"{url}/ui/", *keys, store=store)


def _open_tab(page: Page, console: CoefficientConsole, name: str, key: str, enterprises: int) -> None:
    sign_in(page, console, name, key)  # type: ignore[arg-type]
    page.get_by_role("tab", name=TAB).click()
    expect(page.locator("#coefficient-summary")).to_contain_text(f"企业 {enterprises} 家", timeout=SLOW)


def _rows(page: Page) -> Locator:
    # Gradio 6.17 draws table bodies as a virtual list of div rows.
    return page.locator("#coefficient-ranking .virtual-row")


def _expect_chart(page: Page, elem_id: str, *texts: str) -> None:
    chart = page.locator(f"#{elem_id}")
    expect(chart.locator("svg, canvas").first).to_be_visible()
    for text in texts:
        expect(chart).to_contain_text(text)


def test_coefficient_tab_county_sees_its_county_and_an_enterprise_breakdown(
    page: Page, coefficient_console: CoefficientConsole
) -> None:
    _open_tab(page, coefficient_console, "南安检查员", coefficient_console.county_key, 3)
    summary = page.locator("#coefficient-summary")
    expect(summary).to_contain_text("泉州市南安市 · 2026-11")
    expect(summary).to_contain_text("重点检查企业 1 家")
    expect(_rows(page)).to_have_count(3)
    expect(page.locator("#coefficient-ranking")).not_to_contain_text("晋江")
    _expect_chart(page, "coefficient-grades")
    _expect_chart(page, "coefficient-regions")

    page.locator("#coefficient-enterprise input").click()
    expect(page.get_by_role("option")).to_have_count(3)
    page.get_by_role("option", name="南安示范铝制品有限公司（演示）", exact=False).click()
    expect(page.locator("#coefficient-detail")).to_contain_text("（DEMO-001）", timeout=SLOW)
    expect(page.locator("#coefficient-detail")).to_contain_text("等级 C（系数一般）")
    lost = page.locator("#coefficient-lost")
    expect(lost).to_contain_text("K1 风险清单已确认且在12个月内更新")
    expect(lost).to_contain_text("没有近12个月内确认的风险清单")  # the reason the points were lost
    expect(lost).to_contain_text("《中华人民共和国安全生产法》第四十一条第一款")  # and its basis
    _expect_chart(page, "coefficient-dimensions", "安全风险管控")
    _expect_chart(page, "coefficient-trend")
    expect(page.locator("#coefficient-changes")).to_contain_text("与 2026-10 相比")
    expect(page.locator("#coefficient-changes")).to_contain_text("S1 安全生产标准化等级")


def test_coefficient_tab_city_ranks_compares_counties_and_shows_rollups(
    page: Page, coefficient_console: CoefficientConsole
) -> None:
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if urlparse(r.url).hostname != "127.0.0.1" else None)
    _open_tab(page, coefficient_console, "泉州检查员", coefficient_console.city_key, 6)
    summary = page.locator("#coefficient-summary")
    expect(summary).to_contain_text("B 级 2 家、C 级 2 家、D 级 2 家；重点检查企业 2 家")
    expect(_rows(page)).to_have_count(6)
    expect(page.locator("#coefficient-ranking")).not_to_contain_text("福清")
    _expect_chart(page, "coefficient-regions", "晋江市", "南安市")
    expect(page.locator("#coefficient-rollups")).to_contain_text("已审核")
    expect(page.locator("#coefficient-rollups")).to_contain_text("泉州市")

    page.locator("#coefficient-search textarea").fill("晋江")
    expect(_rows(page)).to_have_count(3, timeout=SLOW)
    _rows(page).filter(has_text="晋江示范纺织有限公司（演示）").locator(".body-cell").nth(1).click()
    detail = page.locator("#coefficient-detail")
    expect(detail).to_contain_text("晋江示范纺织有限公司（演示）（QZ-JJ-03）", timeout=SLOW)
    expect(page.locator("#coefficient-lost")).to_contain_text("近12个月受到安全生产行政处罚（1 起）")
    expect(page.locator("#coefficient-changes")).to_contain_text("L1 近12个月行政处罚案件")
    _expect_chart(page, "coefficient-dimensions")
    _expect_chart(page, "coefficient-trend")
    page.locator("#coefficient-search textarea").fill("")
    expect(_rows(page)).to_have_count(6, timeout=SLOW)

    summary.click()  # drops the ranking's cell highlight before the screenshot
    page.wait_for_timeout(500)  # lets the plots finish their transitions
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "console-coefficient-tab.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 50_000
    assert outside == [], "the tab loaded something from outside the server"


def test_coefficient_tab_province_sees_every_city_and_switches_period(
    page: Page, coefficient_console: CoefficientConsole
) -> None:
    _open_tab(page, coefficient_console, "省厅检查员", coefficient_console.province_key, 9)
    _expect_chart(page, "coefficient-regions", "泉州市", "福州市", "漳州市", "龙岩市")
    expect(page.locator("#coefficient-detail")).to_contain_text("（DEMO-002）")  # lowest, first by id
    page.locator("#coefficient-period input").click()
    page.get_by_role("option", name="2026-10").click()
    expect(page.locator("#coefficient-summary")).to_contain_text("福建省 · 2026-10", timeout=SLOW)
    expect(page.locator("#coefficient-changes")).to_contain_text("没有上一期的发布数据")


def test_coefficient_tab_refuses_a_key_revoked_after_sign_in(
    page: Page, coefficient_console: CoefficientConsole
) -> None:
    key, plaintext = coefficient_console.store.create("inspector", "临时检查员", region="3505")
    _open_tab(page, coefficient_console, "临时检查员", plaintext, 6)
    coefficient_console.store.revoke(key.id)
    page.get_by_role("button", name="刷新").click()
    expect(page.locator("#coefficient-summary")).to_contain_text("登录已失效", timeout=SLOW)
