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
