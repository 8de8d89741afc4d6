"""The assistant graph's routing and its refusals, on the shared test index."""

from __future__ import annotations

from contextlib import ExitStack

import pytest

from agent.checkpoints import open_checkpointer
from agent.service import AssistantService
from tests.conftest import needs_shared

pytestmark = needs_shared


@pytest.fixture
def service(shared_kb, tmp_path):  # type: ignore[no-untyped-def]
    settings = shared_kb.settings.model_copy(update={"data_dir": tmp_path})
    with ExitStack() as stack:
        yield AssistantService(shared_kb, settings, open_checkpointer(settings, stack))


def test_missing_article_is_refused_with_neighbours(service) -> None:  # type: ignore[no-untyped-def]
    turn = service.ask("安全生产法第二百条的内容是什么？")
    assert turn.mode == "abstain" and turn.citations == []
    assert turn.text.startswith("《中华人民共和国安全生产法》没有第二百条（共 119 条）。最接近的条文：")


def test_unknown_instrument_is_refused(service) -> None:  # type: ignore[no-untyped-def]
    turn = service.ask("《化工过程安全管理导则》对变更管理有什么要求？")
    assert turn.mode == "abstain" and turn.citations == []
    assert turn.text.startswith("知识库中没有《化工过程安全管理导则》，无法引用其条文。")


@pytest.mark.parametrize(
    ("question", "opening"),
    [("帮我做风险辨识", "风险辨识和风险管理码功能未启用。"),  # this service has no risk desk
     ("我们企业的安全生产系数是多少？", "企业安全生产系数查询功能未启用。"),
     ("本月哪些企业被重复检查？", "检查计划、扫码入企记录和检查预警功能未启用。"),
     ("推荐几家好吃的沙茶面", "这个问题不在安全生产范围内，我无法回答。")],
)  # fmt: skip
def test_other_jobs_say_what_the_assistant_can_do_now(service, question: str, opening: str) -> None:  # type: ignore[no-untyped-def]
    turn = service.ask(question)
    assert turn.mode == "capabilities" and turn.text.startswith(opening)
    assert "目前可以做的是" in turn.text and turn.citations == []


def test_risk_questions_reach_the_records_of_the_callers_enterprise(shared_kb, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from minqian.access import Principal
    from minqian.database import init_schema, open_records
    from minqian.enterprises import Enterprise
    from minqian.risk.desk import open_risk_desk

    settings = shared_kb.settings.model_copy(update={"data_dir": tmp_path})
    engine = open_records(settings)
    init_schema(engine)
    desk = open_risk_desk(settings, engine)
    desk.enterprises.add(Enterprise("E-G1", "图测试企业（测试）", "工贸", "机械", "3505", "350583"))
    desk.enterprises.add(Enterprise("E-G2", "图测试邻厂（测试）", "工贸", "机械", "3501", "350181"))
    owner = Principal("enterprise", "k1", "", "E-G1")
    with ExitStack() as stack:
        service = AssistantService(shared_kb, settings, open_checkpointer(settings, stack), desk=desk)
        assert "还没有确认的风险清单" in service.ask("我们的风险清单", principal=owner).text
        county = Principal("inspector", "k2", "", None, "350583")
        named = service.ask("图测试企业（测试）的风险清单", principal=county).text
        assert "图测试企业（测试）还没有确认的风险清单" in named
        refused = service.ask("图测试邻厂（测试）的风险管理码", principal=county).text
        assert "不在您的辖区" in refused
        overview = service.ask("辖区风险管理码情况", principal=county).text
        assert overview.startswith("泉州市南安市辖区登记企业 1 家")
    engine.dispose()
