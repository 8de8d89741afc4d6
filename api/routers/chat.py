"""POST /v1/chat/completions and GET /v1/models, OpenAI-compatible."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

from api.auth import require_roles
from api.errors import ApiError
from api.schemas import ChatCompletion, ChatCompletionRequest
from ingestion.tokens import count_tokens
from minqian.keys import ApiKey

router = APIRouter(prefix="/v1", tags=["chat"])
_CONVERSATION_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
MODEL_ID = "minqian"
_CHUNK_CHARS = 24


@router.get("/models")
def route_models(key: ApiKey = Depends(require_roles("admin", "inspector", "system", "enterprise"))) -> dict[str, object]:
    return {"object": "list", "data": [
        {"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "minqian"}]}  # fmt: skip


@router.post("/chat/completions", response_model=ChatCompletion)
async def route_chat_completions(
    body: ChatCompletionRequest, request: Request,
    key: ApiKey = Depends(require_roles("admin", "inspector", "system", "enterprise")),
) -> object:  # fmt: skip
    limits = request.app.state.settings.api
    if len(body.messages) > limits.max_messages:
        raise ApiError(400, f"消息过多：最多 {limits.max_messages} 条，收到 {len(body.messages)} 条",
                       "too_many_messages", param="messages")  # fmt: skip
    longest = max(len(m.text) for m in body.messages)
    if longest > limits.max_message_chars:
        raise ApiError(400, f"单条消息过长：最多 {limits.max_message_chars} 字，收到 {longest} 字",
                       "message_too_long", param="messages")  # fmt: skip

    conversation_id = body.conversation_id or request.headers.get("x-conversation-id") or None
    # The header skips the body's schema; the same rule keeps an over-long or
    # odd id from reaching the database (a 500 on PostgreSQL's varchar).
    if conversation_id is not None and not _CONVERSATION_ID.fullmatch(conversation_id):
        raise ApiError(400, "会话 ID 无效：须为 1–64 个字母、数字、下划线或连字符", "invalid_conversation_id",
                       param="X-Conversation-Id")  # fmt: skip
    history: list[BaseMessage] = [
        HumanMessage(m.text) if m.role == "user" else AIMessage(m.text)
        for m in body.messages[:-1] if m.role in ("user", "assistant")
    ]  # fmt: skip
    service = request.app.state.assistant
    turn = await run_in_threadpool(service.ask, body.messages[-1].text, conversation_id, history, key.principal)

    prompt_tokens = sum(count_tokens(m.text) for m in body.messages)
    completion_tokens = count_tokens(turn.text)
    payload = {
        "id": f"chatcmpl-{uuid.uuid4().hex[:24]}", "created": int(time.time()),
        "model": body.model or MODEL_ID, "citations": turn.citations,
        "conversation_id": turn.conversation_id, "answer_mode": turn.mode, "prompt": turn.prompt,
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens},
    }  # fmt: skip
    headers = {"x-conversation-id": turn.conversation_id}
    if not body.stream:
        payload |= {"object": "chat.completion", "choices": [
            {"index": 0, "message": {"role": "assistant", "content": turn.text},
             "finish_reason": "stop"}]}  # fmt: skip
        return _json(payload, headers)
    return StreamingResponse(_stream(payload, turn.text), media_type="text/event-stream", headers=headers)


def _json(payload: dict[str, object], headers: dict[str, str]) -> object:
    from fastapi.responses import JSONResponse

    return JSONResponse(ChatCompletion.model_validate(payload).model_dump(), headers=headers)


def _stream(payload: dict[str, object], text: str) -> Iterator[str]:
    """SSE chunks of the verified answer; citations and usage ride on the last one.

    The answer is verified whole before anything is sent (a citation cannot be
    checked half-written), so streaming here paces delivery of checked text.
    """
    base = {"id": payload["id"], "object": "chat.completion.chunk",
            "created": payload["created"], "model": payload["model"]}  # fmt: skip

    def event(choice: dict[str, object], **extra: object) -> str:
        return f"data: {json.dumps(base | {'choices': [choice]} | extra, ensure_ascii=False)}\n\n"

    yield event({"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None})
    for start in range(0, len(text), _CHUNK_CHARS):
        piece = text[start : start + _CHUNK_CHARS]
        yield event({"index": 0, "delta": {"content": piece}, "finish_reason": None})
    yield event({"index": 0, "delta": {}, "finish_reason": "stop"}, citations=payload["citations"],
                conversation_id=payload["conversation_id"], usage=payload["usage"],
                answer_mode=payload["answer_mode"], prompt=payload["prompt"])  # fmt: skip
    yield "data: [DONE]\n\n"
