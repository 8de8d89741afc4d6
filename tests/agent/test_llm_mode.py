"""LLM mode against a scripted OpenAI-compatible server on 127.0.0.1.

No chat model runs here, so the endpoint replays scripted answers; everything
else (HTTP, the OpenAI client, verification against the index) is real.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from fastapi import FastAPI, Request

from agent.checkpoints import open_checkpointer
from agent.graph import FALLBACK_NOTICE
from agent.service import AssistantService
from api.local_server import free_port, serve
from tests.conftest import needs_shared

pytestmark = needs_shared
QUESTION = "安全生产许可证的有效期是几年？"


class ScriptedModel:
    """Answers /v1/chat/completions with whatever the test queued."""

    def __init__(self) -> None:
        self.replies: list[str] = []
        self.delay = 0.0
        self.requests: list[dict[str, object]] = []
        self.app = FastAPI()
        self.app.post("/v1/chat/completions")(self.complete)

    async def complete(self, request: Request) -> dict[str, object]:
        self.requests.append(await request.json())
        if self.delay:
            time.sleep(self.delay)
        return {
            "id": "scripted", "object": "chat.completion", "created": 0, "model": "scripted",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": self.replies.pop(0)}}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }  # fmt: skip


@pytest.fixture(scope="module")
def scripted() -> Iterator[tuple[ScriptedModel, str]]:
    model = ScriptedModel()
    with serve(model.app) as url:
        yield model, url


def _service(shared_kb, tmp_path, base_url: str, timeout: float = 10.0):  # type: ignore[no-untyped-def]
    settings = shared_kb.settings.model_copy(update={"data_dir": tmp_path})
    settings.llm = settings.llm.model_copy(
        update={"base_url": base_url, "model": "scripted", "timeout": timeout}
    )
    stack = ExitStack()
    return AssistantService(shared_kb, settings, open_checkpointer(settings, stack)), stack


def test_correct_answer_keeps_its_citations(shared_kb, scripted, tmp_path) -> None:  # type: ignore[no-untyped-def]
    model, url = scripted
    model.replies.append("有效期为3年。依据《安全生产许可证条例》第九条：“安全生产许可证的有效期为3年”。")
    service, stack = _service(shared_kb, tmp_path, f"{url}/v1")
    with stack:
        turn = service.ask(QUESTION)
    assert turn.mode == "llm" and turn.notices == []
    assert [c["citation"] for c in turn.citations] == ["《安全生产许可证条例》第九条"]
    assert turn.text.startswith("有效期为3年。依据《安全生产许可证条例》第九条")
    prompt = str(model.requests[-1]["messages"])
    assert "《安全生产许可证条例》第九条" in prompt  # the model saw the retrieved article


def test_fabricated_article_and_misquote_are_removed_and_flagged(shared_kb, scripted, tmp_path) -> None:  # type: ignore[no-untyped-def]
    model, url = scripted
    model.replies.append(
        "有效期为3年，见《安全生产许可证条例》第九条。"
        "另据《安全生产许可证条例》第九十九条，有效期可以无限延长。"
        "《安全生产许可证条例》第九条规定“安全生产许可证的有效期为5年”。"
    )
    service, stack = _service(shared_kb, tmp_path, f"{url}/v1")
    with stack:
        turn = service.ask(QUESTION)
    assert turn.mode == "llm"
    answer = turn.text.split("\n\n", 1)[1]  # after the notice
    assert "第九十九条" not in answer and "有效期为5年" not in answer
    assert "有效期为3年，见《安全生产许可证条例》第九条。" in turn.text
    assert turn.notices == [
        "已删除无法核实的引用：《安全生产许可证条例》第九十九条（知识库中不存在）；"
        "《安全生产许可证条例》第九条的引文“安全生产许可证的有效期为5年”（与原文不符）"
    ]
    assert turn.text.startswith("⚠ 已删除无法核实的引用")
    assert [c["citation"] for c in turn.citations] == ["《安全生产许可证条例》第九条"]


def test_dead_endpoint_falls_back_to_the_extractive_answer(shared_kb, tmp_path) -> None:  # type: ignore[no-untyped-def]
    service, stack = _service(shared_kb, tmp_path, f"http://127.0.0.1:{free_port()}/v1")
    with stack:
        turn = service.ask(QUESTION)
    assert turn.mode == "fallback" and turn.notices == [FALLBACK_NOTICE]
    assert "《安全生产许可证条例》第九条" in [c["citation"] for c in turn.citations]


def test_slow_endpoint_times_out_and_falls_back(shared_kb, scripted, tmp_path) -> None:  # type: ignore[no-untyped-def]
    model, url = scripted
    model.replies.append("太慢了")
    model.delay = 3.0
    service, stack = _service(shared_kb, tmp_path, f"{url}/v1", timeout=1.0)
    try:
        with stack:
            turn = service.ask(QUESTION)
    finally:
        model.delay = 0.0
    assert turn.mode == "fallback" and turn.notices == [FALLBACK_NOTICE]


def test_answer_citing_nothing_verifiable_falls_back(shared_kb, scripted, tmp_path) -> None:  # type: ignore[no-untyped-def]
    model, url = scripted
    model.replies.append("根据《安全生产许可证条例》第八十条，有效期为10年。")
    service, stack = _service(shared_kb, tmp_path, f"{url}/v1")
    with stack:
        turn = service.ask(QUESTION)
    assert turn.mode == "fallback"
    assert turn.notices[-1] == "大模型的回答未能通过引用核验，以下是根据检索条文整理的回答。"
    assert "有效期为10年" not in turn.text and "有效期为3年" in turn.text


def test_free_text_controls_the_rules_cannot_read_go_to_the_model(shared_kb, scripted, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from minqian.access import Principal
    from minqian.database import init_schema, open_records
    from minqian.enterprises import Enterprise
    from minqian.risk.desk import open_risk_desk

    model, url = scripted
    settings = shared_kb.settings.model_copy(update={"data_dir": tmp_path})
    settings.llm = settings.llm.model_copy(update={"base_url": f"{url}/v1", "model": "scripted", "timeout": 10})
    engine = open_records(settings)
    init_schema(engine)
    desk = open_risk_desk(settings, engine)
    desk.enterprises.add(Enterprise("E-LLM", "模型测试铝业（测试）", "工贸", "机械", "3505", "350583"))
    owner = Principal("enterprise", "k", "", "E-LLM")
    with ExitStack() as stack:
        service = AssistantService(shared_kb, settings, open_checkpointer(settings, stack), desk=desk)
        turn = service.ask("帮我做风险辨识", principal=owner)
        for answer in ("是", "铝件打磨抛光车间", "布袋除尘器", "铝粉尘", "20"):
            turn = service.ask(answer, turn.conversation_id, principal=owner)
        turn = service.ask("1", turn.conversation_id, principal=owner)
        assert turn.prompt and turn.prompt["step"] == "controls"
        # Wording the rules cannot match; the model's answer names numbers, one of them out of range.
        model.replies.append("2, 5, 99")
        turn = service.ask("我们厂这块管得挺严的，该有的基本都弄了", turn.conversation_id, principal=owner)
        asked = model.requests[-1]["messages"]
        assert "我们厂这块管得挺严的" in asked[-1]["content"] and "1. " in asked[-1]["content"]
        assert turn.prompt and turn.prompt["step"] == "review"
        assert "已落实2/" in turn.text  # two valid numbers kept, 99 dropped
    engine.dispose()
