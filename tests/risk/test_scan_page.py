"""The phone page behind a scanned risk code, in headless Chromium on a live server."""

from __future__ import annotations

import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from playwright.sync_api import Browser, Page, expect

from api.local_server import free_port, serve
from minqian.access import Principal
from minqian.enterprises import Enterprise
from minqian.risk.desk import RiskDesk
from minqian.risk.identification import SiteProfile
from minqian.risk.registers import draft_entry
from tests.api.conftest import build_live_api

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOT = Path("/tmp/scan-page.png")
PHONE = {"width": 390, "height": 844}
POINT = "RS-001-01"  # 粉尘涉爆 · 干式除尘系统, from corpus/risk_scenarios/gongmao.yaml
BAND_COLOURS = {"重大": "rgb(230, 0, 18)", "较大": "rgb(243, 152, 0)",
                "一般": "rgb(255, 209, 0)", "低": "rgb(0, 104, 183)"}  # fmt: skip


@dataclass
class ScanSite:
    """The live server, its risk desk and one enterprise with an issued code and a worker."""

    base: str
    app: FastAPI
    desk: RiskDesk
    owner: Principal
    code: dict[str, Any]
    worker_token: str

    @property
    def url(self) -> str:
        # The code's own URL: public_url is set to this server, so it is directly usable.
        return str(self.code["url"])

    @property
    def snapshot(self) -> dict[str, Any]:
        return self.desk.codes.get(self.owner, self.code["id"])["snapshot"]


def _enterprise_with_code(desk: RiskDesk, enterprise_id: str, name: str,
                          in_place: list[int] | None = None) -> tuple[Principal, dict[str, Any]]:  # fmt: skip
    """Register an enterprise, confirm a one-point register and return its issued code."""
    desk.enterprises.add(Enterprise(enterprise_id, name, industry="工贸", sector="机械",
                                    city_code="3505", county_code="350583", synthetic=True))  # fmt: skip
    owner = Principal("enterprise", f"key-{enterprise_id}", "", enterprise_id)
    entry = draft_entry(desk.knowledge, POINT, in_place=in_place or [], profile=SiteProfile("工贸", people=20),
                        method="LEC", responsible="张三")  # fmt: skip
    confirmed = desk.registers.confirm(owner, enterprise_id, [entry], "LEC", {}, "接口")
    assert len(confirmed.issued) == 1, "the point must grade 较大 or above to get a code"
    return owner, confirmed.issued[0]


@pytest.fixture(scope="module")
def site(shared_kb: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScanSite]:
    # The port is chosen first so the codes' URLs (public_url) point at this server.
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    api = shared_kb.settings.api.model_copy(update={"public_url": base})
    app, _ = build_live_api(shared_kb, tmp_path_factory.mktemp("scan-data"), api=api)
    desk: RiskDesk = app.state.risk
    if POINT not in desk.knowledge.points:
        pytest.skip(f"{POINT} is not in corpus/risk_scenarios yet")
    owner, code = _enterprise_with_code(desk, "E-SCAN", "南安扫码测试机械有限公司（测试）")
    _, worker_token = desk.workers.issue(owner, "E-SCAN", "李四")
    with serve(app, port) as url:
        assert url == base
        yield ScanSite(base, app, desk, owner, code, worker_token)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield browser
        browser.close()


def _phone(browser: Browser, width: int = PHONE["width"]) -> Iterator[Page]:
    context = browser.new_context(viewport={**PHONE, "width": width}, device_scale_factor=2,
                                  is_mobile=True, has_touch=True, locale="zh-CN")  # fmt: skip
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == [], f"script errors on the scan page: {errors}"


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh phone per test: empty localStorage, so no worker carries over."""
    yield from _phone(browser)


@pytest.fixture
def narrow_page(browser: Browser) -> Iterator[Page]:
    yield from _phone(browser, width=360)


def _sign_in(page: Page, token: str) -> None:
    page.fill("#worker-token", token)
    page.get_by_role("button", name="确认").click()


def test_scan_page_shows_grade_band_guide_and_accident_warnings(site: ScanSite, page: Page) -> None:
    snapshot = site.snapshot

    page.goto(site.url)

    band = page.locator("header.band")
    expect(band.locator("#grade")).to_have_text(f"{snapshot['grade']}风险 · {snapshot['colour']}色")
    assert band.evaluate("b => getComputedStyle(b).backgroundColor") == BAND_COLOURS[snapshot["grade"]]
    for text in (snapshot["risk_point"], snapshot["location"], snapshot["enterprise"], "张三"):
        expect(band).to_contain_text(text)
    expect(band).to_contain_text(f"编码 {site.code['id']} · 第 1 版")
    assert page.title().startswith(snapshot["risk_point"])

    steps = page.locator("#guide ol.steps > li")
    expect(steps).to_have_count(len(snapshot["safe_operation"]))
    expect(steps.first).to_have_text(snapshot["safe_operation"][0])
    expect(page.locator("#hazards li")).to_have_count(len(snapshot["hazards"]))
    # in_place=[]: every control is still to be put in place.
    expect(page.locator("#controls .tag-missing")).to_have_count(len(snapshot["controls"]))
    expect(page.locator("#controls .group-title")).to_contain_text(["工程技术措施", "管理措施"])
    expect(page.locator("#emergency ol > li")).to_have_count(len(snapshot["emergency"]))

    cases = page.locator("#accidents details.case")
    assert snapshot["accidents"], f"{POINT} should have linked accident cases"
    expect(cases).to_have_count(len(snapshot["accidents"]))
    first = snapshot["accidents"][0]
    assert cases.evaluate_all("all => all.every(d => !d.open)")
    expect(page.get_by_text(first["direct_cause"])).to_be_hidden()
    cases.first.locator("summary").click()
    expect(page.get_by_text(first["direct_cause"])).to_be_visible()
    expect(cases.first).to_contain_text(first["lessons"][0])

    # Reading needs no worker: the identity form waits, the forms are there.
    expect(page.locator("#worker-token")).to_be_visible()
    expect(page.locator("#patrol .check")).to_have_count(len(snapshot["patrol_checks"]))


def test_scan_page_records_a_patrol_with_one_abnormal_item(site: ScanSite, page: Page) -> None:
    checks = site.snapshot["patrol_checks"]
    page.goto(site.url)

    _sign_in(page, site.worker_token)
    expect(page.locator("#worker")).to_contain_text("当前员工：李四")
    assert page.evaluate("localStorage.getItem('minqian-worker-token')") == site.worker_token

    rows = page.locator("#patrol .check")
    for index in range(len(checks) - 1):
        rows.nth(index).get_by_role("button", name="正常").click()
    page.get_by_role("button", name="提交巡查记录").click()
    expect(page.locator("#patrol .status")).to_contain_text("还有 1 项未选择")
    assert site.desk.field.patrols(site.owner, "E-SCAN", site.code["id"]) == []

    rows.last.get_by_role("button", name="异常").click()
    expect(page.locator("#patrol-progress")).to_have_text(f"已填写 {len(checks)} / {len(checks)} 项，异常 1 项")
    page.fill("#patrol-note", "末项异常，已报告班长")
    page.get_by_role("button", name="提交巡查记录").click()
    expect(page.locator("#patrol .status-success")).to_contain_text(
        re.compile(r"打卡成功 · \d{4}-\d\d-\d\d \d\d:\d\d，共 \d+ 项，其中 1 项异常")
    )

    [patrol] = site.desk.field.patrols(site.owner, "E-SCAN", site.code["id"])
    assert patrol["worker"] == "李四" and patrol["note"] == "末项异常，已报告班长"
    assert patrol["all_ok"] is False
    assert patrol["items"] == [{"item": c, "ok": c != checks[-1]} for c in checks]

    page.reload()
    expect(page.locator("#worker")).to_contain_text("当前员工：李四")


def test_scan_page_reports_a_hazard_from_a_worker_link(site: ScanSite, page: Page) -> None:
    page.goto(f"{site.url}#w={site.worker_token}")

    expect(page.locator("#worker")).to_contain_text("当前员工：李四")
    assert "#" not in page.url and site.worker_token not in page.url
    expect(page.locator("#report-location")).to_have_value(site.snapshot["location"])
    page.fill("#report-description", "除尘器泄爆口被杂物遮挡")
    page.locator("label.radio", has_text="重大隐患").click()
    page.get_by_role("button", name="上报隐患").click()

    status = page.locator("#report .status-success")
    expect(status).to_have_text(re.compile(r"已上报，编号 [0-9a-f]{32}"))
    report_id = status.inner_text().rsplit(" ", 1)[-1]
    report = site.desk.field.report(site.owner, report_id)
    assert (report["status"], report["severity"], report["reporter"]) == ("已上报", "重大隐患", "李四")
    assert report["description"] == "除尘器泄爆口被杂物遮挡"


def test_scan_page_shows_the_servers_refusal_of_a_token(site: ScanSite, page: Page) -> None:
    page.goto(site.url)

    page.fill("#worker-token", "mqw_not-issued-by-anyone")
    page.get_by_role("button", name="确认").click()

    expect(page.locator("#worker .status-error")).to_have_text("员工身份码无效、已停用或不属于该企业")
    page.fill("#report-description", "无身份的上报")
    page.get_by_role("button", name="上报隐患").click()
    expect(page.locator("#report .status-error")).to_contain_text("请先在上方填写员工身份码")


def test_revoked_code_shows_invalid_notice_and_no_forms(site: ScanSite, page: Page) -> None:
    owner, code = _enterprise_with_code(site.desk, "E-SCAN-R", "南安撤码测试机械有限公司（测试）")
    site.desk.codes.revoke(owner, code["id"])

    page.goto(code["url"])

    expect(page.locator("h1")).to_have_text("该风险管理码已失效")
    notice = page.locator(".notice")
    expect(notice).to_contain_text("该风险管理码已被企业撤销，已失效。")
    for text in ("已撤销", "南安撤码测试机械有限公司（测试）", code["risk_point"], code["id"]):
        expect(notice).to_contain_text(text)
    assert page.locator(".notice-band").evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(95, 102, 114)"
    expect(page.locator("form, input, textarea, #guide, #patrol, #report")).to_have_count(0)


def test_forged_code_shows_invalid_qr_notice(site: ScanSite, page: Page) -> None:
    forged = site.url[:-4] + ("AAAA" if not site.url.endswith("AAAA") else "BBBB")

    page.goto(forged)

    expect(page.locator("h1")).to_have_text("二维码无效")
    expect(page.locator(".notice")).to_contain_text("无法识别的风险管理码")
    expect(page.locator("form")).to_have_count(0)


def test_scan_page_escapes_text_and_shows_controls_in_place(site: ScanSite, page: Page) -> None:
    name = '<img src=x onerror="window.injected=1">测试（测试）'
    controls = len(site.desk.knowledge.points[POINT].controls)
    # With every typical control in place the point grades 较大: an orange band.
    _, code = _enterprise_with_code(site.desk, "E-SCAN-X", name, in_place=list(range(controls)))

    page.goto(code["url"])

    band = page.locator("header.band")
    expect(band).to_contain_text(name)
    assert page.locator("img").count() == 0
    assert page.evaluate("window.injected") is None
    expect(band.locator("#grade")).to_have_text("较大风险 · 橙色")
    assert band.evaluate("b => getComputedStyle(b).backgroundColor") == BAND_COLOURS["较大"]
    expect(page.locator("#controls .summary")).to_have_text(f"全部 {controls} 项已落实")
    expect(page.locator("#controls .tag-missing")).to_have_count(0)


def test_scan_page_has_no_horizontal_overflow_at_360_px(site: ScanSite, narrow_page: Page) -> None:
    narrow_page.goto(site.url)
    expect(narrow_page.locator("#guide")).to_be_visible()
    narrow_page.locator("details").evaluate_all("all => all.forEach(d => { d.open = true; })")
    narrow_page.locator("#patrol .check").first.get_by_role("button", name="异常").click()

    assert narrow_page.evaluate("document.documentElement.scrollWidth") <= 360


def test_scan_page_full_screenshot(site: ScanSite, page: Page) -> None:
    page.goto(f"{site.url}#w={site.worker_token}")
    expect(page.locator("#worker")).to_contain_text("当前员工：李四")
    page.locator("#accidents details.case summary").first.click()
    rows = page.locator("#patrol .check")
    rows.nth(0).get_by_role("button", name="正常").click()
    rows.nth(1).get_by_role("button", name="异常").click()

    page.screenshot(path=str(SCREENSHOT), full_page=True)

    png = SCREENSHOT.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) >= 20_000
    width, height = struct.unpack(">II", png[16:24])
    assert width == PHONE["width"] * 2 and height > PHONE["height"] * 2
