"""POST /v1/chat/completions through real OpenAI clients against a live server."""

from __future__ import annotations

import json

import httpx
import pytest
from openai import OpenAI

from tests.conftest import needs_shared

pytestmark = needs_shared
QUESTION = "安全生产许可证的有效期是几年？"


def _client(live_api, role: str = "inspector") -> OpenAI:  # type: ignore[no-untyped-def]
    return OpenAI(base_url=f"{live_api.url}/v1", api_key=live_api.keys[role], max_retries=0)


def test_openai_client_gets_an_answer_with_verbatim_citations(live_api) -> None:  # type: ignore[no-untyped-def]
    completion = _client(live_api).chat.completions.create(
        model="minqian", messages=[{"role": "user", "content": QUESTION}]
    )
    answer = completion.choices[0].message.content or ""
    assert "《安全生产许可证条例》第九条" in answer and "有效期为3年" in answer
    extra = completion.model_extra or {}
    cited = {c["citation"]: c for c in extra["citations"]}
    article = cited["《安全生产许可证条例》第九条"]
    assert article["text"].startswith("安全生产许可证的有效期为3年")
    assert {"title", "article", "text", "category", "status", "effective_date"} <= set(article)
    assert completion.usage and completion.usage.completion_tokens > 20
    assert completion.usage.total_tokens == completion.usage.prompt_tokens + completion.usage.completion_tokens
    assert extra["answer_mode"] == "extractive" and extra["conversation_id"]


def test_openai_client_streams_and_the_last_chunk_carries_citations(live_api) -> None:  # type: ignore[no-untyped-def]
    stream = _client(live_api).chat.completions.create(
        model="minqian", messages=[{"role": "user", "content": QUESTION}], stream=True
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert "《安全生产许可证条例》第九条" in text and len(chunks) > 3
    last = chunks[-1].model_extra or {}
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert "《安全生产许可证条例》第九条" in [c["citation"] for c in last["citations"]]
    assert last["conversation_id"] and chunks[-1].usage and chunks[-1].usage.completion_tokens > 0


def test_raw_stream_ends_with_done(live_api) -> None:  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {live_api.keys['admin']}"}
    body = {"model": "minqian", "stream": True, "messages": [{"role": "user", "content": QUESTION}]}
    with httpx.stream("POST", f"{live_api.url}/v1/chat/completions", json=body,
                      headers=headers, timeout=60) as response:  # fmt: skip
        assert response.headers["content-type"].startswith("text/event-stream")
        events = [line for line in response.iter_lines() if line.startswith("data: ")]
    assert events[-1] == "data: [DONE]"
    assert json.loads(events[-2][6:])["citations"]


def test_langchain_openai_client_works(live_api) -> None:  # type: ignore[no-untyped-def]
    from langchain_openai import ChatOpenAI

    model = ChatOpenAI(base_url=f"{live_api.url}/v1", api_key=live_api.keys["enterprise"],
                       model="minqian", max_retries=0)  # fmt: skip
    assert "第九条" in str(model.invoke(QUESTION).content)
    assert "第九条" in "".join(str(part.content) for part in model.stream(QUESTION))


def test_follow_up_uses_the_conversation(live_api) -> None:  # type: ignore[no-untyped-def]
    client = _client(live_api)
    first = client.chat.completions.create(
        model="minqian", messages=[{"role": "user", "content": "发现事故隐患要怎么处理？"}]
    )
    conversation = (first.model_extra or {})["conversation_id"]
    follow = client.chat.completions.create(
        model="minqian", messages=[{"role": "user", "content": "那不整改呢？罚多少？"}],
        extra_body={"conversation_id": conversation},
    )  # fmt: skip
    extra = follow.model_extra or {}
    assert extra["conversation_id"] == conversation
    assert "《中华人民共和国安全生产法》第一百零二条" in [c["citation"] for c in extra["citations"]]


def test_models_lists_the_assistant(live_api) -> None:  # type: ignore[no-untyped-def]
    assert [m.id for m in _client(live_api).models.list()] == ["minqian"]


def test_out_of_scope_question_says_what_the_assistant_can_do(live_api) -> None:  # type: ignore[no-untyped-def]
    completion = _client(live_api).chat.completions.create(
        model="minqian", messages=[{"role": "user", "content": "今天天气怎么样？"}]
    )
    assert "不在安全生产范围内" in (completion.choices[0].message.content or "")
    assert (completion.model_extra or {})["citations"] == []


@pytest.mark.parametrize(
    ("headers", "body", "status", "message"),
    [
        ({}, {"messages": [{"role": "user", "content": "x"}]}, 401,
         "缺少 API 密钥：请在 Authorization 头中使用 Bearer 密钥"),
        ({"Authorization": "Bearer mq_wrong"}, {"messages": [{"role": "user", "content": "x"}]},
         401, "API 密钥无效或已被吊销"),
        (None, {"messages": []}, 400, "请求参数无效：messages：List should have at least 1 item after validation, not 0"),
        (None, {"messages": [{"role": "assistant", "content": "x"}]}, 400,
         "请求参数无效：messages：Value error, 最后一条消息必须是非空的 user 消息"),
        (None, {"messages": [{"role": "user", "content": "x"}] * 51}, 400,
         "消息过多：最多 50 条，收到 51 条"),
        (None, {"messages": [{"role": "user", "content": "安" * 4001}]}, 400,
         "单条消息过长：最多 4000 字，收到 4001 字"),
        (None, {"messages": [{"role": "user", "content": "安" * 30000}]}, 413,
         "请求体过大：最多 65536 字节，收到 90043 字节"),
    ],
)  # fmt: skip
def test_bad_requests_get_specific_openai_style_errors(live_api, headers, body, status, message) -> None:  # type: ignore[no-untyped-def]
    if headers is None:
        headers = {"Authorization": f"Bearer {live_api.keys['inspector']}"}
    response = httpx.post(f"{live_api.url}/v1/chat/completions", json=body, headers=headers)
    assert response.status_code == status
    assert response.json()["error"]["message"] == message


def test_malformed_json_is_a_400(live_api) -> None:  # type: ignore[no-untyped-def]
    response = httpx.post(
        f"{live_api.url}/v1/chat/completions", content=b"{not json",
        headers={"Authorization": f"Bearer {live_api.keys['inspector']}",
                 "Content-Type": "application/json"},
    )  # fmt: skip
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_revoked_key_is_refused(live_api) -> None:  # type: ignore[no-untyped-def]
    store = live_api.app.state.key_store
    record, plaintext = store.create("inspector", "临时")
    store.revoke(record.id)
    response = httpx.get(f"{live_api.url}/v1/models", headers={"Authorization": f"Bearer {plaintext}"})
    assert response.status_code == 401


def test_key_administration_is_for_admins_only(live_api) -> None:  # type: ignore[no-untyped-def]
    url = f"{live_api.url}/v1/admin/keys"
    for role in ("inspector", "enterprise"):
        refused = httpx.get(url, headers={"Authorization": f"Bearer {live_api.keys[role]}"})
        assert refused.status_code == 403
        assert refused.json()["error"]["message"] == f"角色 {role} 无权访问此接口"
    admin = {"Authorization": f"Bearer {live_api.keys['admin']}"}
    created = httpx.post(url, json={"role": "inspector", "name": "执法人员乙"}, headers=admin)
    assert created.status_code == 201 and created.json()["key"].startswith("mq_")
    listed = httpx.get(url, headers=admin).json()
    assert "执法人员乙" in [k["name"] for k in listed] and all("key" not in k for k in listed)
    bad = httpx.post(url, json={"role": "inspector", "name": "x", "origins": ["https://a.cn"]},
                     headers=admin)  # fmt: skip
    assert bad.status_code == 400


def test_admins_make_area_bound_and_system_keys_over_http(live_api) -> None:  # type: ignore[no-untyped-def]
    url = f"{live_api.url}/v1/admin/keys"
    admin = {"Authorization": f"Bearer {live_api.keys['admin']}"}
    system = httpx.post(url, json={"role": "system", "name": "省执法平台", "region": "3505"}, headers=admin)
    assert system.status_code == 201 and system.json()["region_code"] == "3505"
    reviewer = httpx.post(url, json={"role": "reviewer", "name": "泉州市局审核", "region": "3505"}, headers=admin)
    assert reviewer.status_code == 201
    as_system = {"Authorization": f"Bearer {system.json()['key']}"}
    # A system client asks and searches, but changes nothing.
    assert httpx.get(f"{live_api.url}/v1/search", params={"q": "安全生产责任制"}, headers=as_system).status_code == 200
    refused = httpx.post(f"{live_api.url}/v1/enterprises/E-TEST-1/enforcement-records", headers=as_system,
                         json={"kind": "现场检查", "occurred_on": "2026-11-02", "description": "x"})  # fmt: skip
    assert refused.status_code == 403
    unknown = httpx.post(url, json={"role": "enterprise", "name": "x", "enterprise_id": "E-NOPE"}, headers=admin)
    assert unknown.status_code == 400 and "不存在" in unknown.json()["error"]["message"]
    region = httpx.post(url, json={"role": "enterprise", "name": "x", "enterprise_id": "E-TEST-1",
                                   "region": "3505"}, headers=admin)  # fmt: skip
    assert region.status_code == 400 and "辖区" in region.json()["error"]["message"]
