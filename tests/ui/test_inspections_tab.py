"""The console's 检查监督 tab in headless Chromium: warnings of the area and the leniency check."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime

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


@pytest.fixture(scope="module")
def console_url(shared_kb, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:  # type: ignore[no-untyped-def]
    from agent.checkpoints import open_checkpointer
    from agent.service import AssistantService
    from minqian.access import Principal
    from minqian.coefficient.desk import open_coefficient_desk
    from minqian.coefficient.facts import Period
    from minqian.database import init_schema, open_records
    from minqian.demo import seed_demo
    from minqian.inspections.desk import open_inspection_desk
    from minqian.inspections.simulation import simulate_year
    from minqian.keys import ApiKeyStore
    from minqian.risk.desk import open_risk_desk
    from ui.console import mount_console

    settings = shared_kb.settings.model_copy(update={"data_dir": tmp_path_factory.mktemp("inspections-console")})
    with ExitStack() as stack:
        engine = open_records(settings)
        stack.callback(engine.dispose)
        init_schema(engine)
        risk = open_risk_desk(settings, engine)
        seed_demo(risk)
        coefficients = open_coefficient_desk(engine, risk.enterprises)
        coefficients.scores.publish(Principal("admin", "t"), Period.of(datetime.now(UTC).date()))
        inspections = open_inspection_desk(settings, engine, risk, coefficients.scores)
        items = {f: [i.id for i in inspections.catalogue.for_field(f)] for f in ("工贸", "危化", "非煤矿山")}
        simulation = simulate_year(engine, risk.enterprises.list(Principal("admin", "t")), datetime.now(UTC).year,
                                   items, settings.inspections, case_share=1.0)  # fmt: skip
        assert simulation.expected
        store = ApiKeyStore(engine)
        key = store.create("inspector", "省厅检查员")[1]
        service = AssistantService(shared_kb, settings, open_checkpointer(settings, stack), desk=risk,
                                   coefficients=coefficients, inspections=inspections)  # fmt: skip
        app = mount_console(FastAPI(), service, shared_kb, store, "/ui", coefficients=coefficients)
        url = stack.enter_context(serve(app))
        yield f"{url}/ui/", key


def test_warnings_and_leniency_in_the_console(page: Page, console_url: tuple[str, str]) -> None:
    url, key = console_url
    sign_in(page, type("C", (), {"url": url})(), "省厅检查员", key)  # type: ignore[arg-type]
    page.get_by_role("tab", name="检查监督").click()
    expect(page.locator("#warning-summary")).to_contain_text("福建省今年", timeout=60_000)
    expect(page.locator("#warning-table")).to_contain_text("（演示）")
    page.locator("#lenient-text textarea").fill("车间两具灭火器过期")
    page.get_by_role("button", name="判断").click()
    expect(page.locator("#lenient-verdict")).to_contain_text("可以适用轻微违法免罚")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "console-inspections-tab.png"), full_page=True)
