"""Oversized, malformed and wrongly encoded requests get a specific 4xx, never a 5xx."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from tests.api.conftest import TEST_ENTERPRISE
from tests.conftest import needs_shared

pytestmark = needs_shared
EID = TEST_ENTERPRISE.id
LIMIT = 65536  # the default settings.api.max_body_bytes; the bodies below are sized against it
CSV_HEADER = "enterprise_id,period,field,value\n"
PERIOD = datetime.now(UTC).strftime("%Y-%m")


@pytest.fixture(scope="module")
def api(live_api):  # type: ignore[no-untyped-def]
    """A client, the keys, and the four endpoints under test with auth for each."""
    assert live_api.app.state.settings.api.max_body_bytes == LIMIT
    keys = live_api.keys
    owner = _auth(keys["enterprise"])
    with httpx.Client(base_url=live_api.url, timeout=60) as client:
        confirmed = client.post(f"/v1/enterprises/{EID}/risk-register", headers=owner, json={
            "entries": [{"point": "RS-001-01", "responsible": "陈建华"}]}).json()  # fmt: skip
        token = confirmed["issued"][0]["url"].rsplit("/", 1)[1]
        worker = client.post(f"/v1/enterprises/{EID}/workers", headers=owner, json={"name": "王小明"}).json()
        endpoints = {
            "chat": ("/v1/chat/completions", owner),
            "register": (f"/v1/enterprises/{EID}/risk-register", owner),
            "import": ("/v1/reports/import", owner),
            "patrols": (f"/v1/scan/{token}/patrols", {"X-Worker-Token": worker["token"]}),
        }
        yield client, keys, endpoints


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _error(response: httpx.Response, status: int) -> dict:  # type: ignore[type-arg]
    assert response.status_code == status, response.text
    return response.json()["error"]


def _post(client: httpx.Client, endpoint: tuple[str, dict[str, str]], content: bytes | Iterator[bytes],
          content_type: str = "application/json") -> httpx.Response:  # fmt: skip
    path, headers = endpoint
    return client.post(path, content=content, headers={**headers, "content-type": content_type})


@pytest.mark.parametrize("name", ["chat", "register", "import", "patrols"])
def test_bodies_over_the_limit_get_413_in_chinese(api, name: str) -> None:  # type: ignore[no-untyped-def]
    client, _, endpoints = api
    declared = _post(client, endpoints[name], b" " * (LIMIT + 1))
    assert _error(declared, 413)["message"] == f"请求体过大：最多 {LIMIT} 字节，收到 {LIMIT + 1} 字节"
    # Chunked, without Content-Length: refused while reading, not read whole first.
    chunked = _post(client, endpoints[name], (b" " * 4096 for _ in range(LIMIT // 4096 + 1)))
    assert _error(chunked, 413) == {"message": f"请求体过大：最多 {LIMIT} 字节", "type": "invalid_request_error",
                                    "param": None, "code": "request_too_large"}  # fmt: skip


@pytest.mark.parametrize("name", ["chat", "register", "patrols"])
def test_malformed_json_gets_400(api, name: str) -> None:  # type: ignore[no-untyped-def]
    client, _, endpoints = api
    broken = _error(_post(client, endpoints[name], b'{"entries": ['), 400)
    assert broken["message"] == "请求体不是有效的 JSON：位置 13 附近有误" and broken["code"] == "invalid_json"
    for encoded in ('{"note": "安全"}'.encode("gbk"), '{"note": "é"}'.encode("latin-1")):
        wrong = _error(_post(client, endpoints[name], encoded), 400)
        assert wrong["message"] == "请求体无法解析：须为 UTF-8 编码、嵌套不过深的 JSON"
    # 60 kB: inside the body limit, far past the JSON parser's recursion limit.
    nested = _error(_post(client, endpoints[name], b"[" * 30_000 + b"]" * 30_000), 400)
    assert nested["message"] == "请求体无法解析：须为 UTF-8 编码、嵌套不过深的 JSON"
    plain = _error(_post(client, endpoints[name], b"{}", "text/plain"), 400)
    assert plain["message"] == "请求体不是有效的 JSON"


def test_wrong_types_get_400_naming_the_field(api) -> None:  # type: ignore[no-untyped-def]
    client, _, endpoints = api
    cases = [
        ("chat", b'{"messages": "hi"}', "messages"),
        ("chat", b'{"messages": [{"role": "robot", "content": "hi"}]}', "messages.0.role"),
        ("register", b'{"people": "many", "entries": [{"point": "RS-001-01"}]}', "people"),
        ("register", b'{"entries": [{"point": "RS-001-01", "controls_in_place": ["x"]}]}',
         "entries.0.controls_in_place.0"),
        ("patrols", b'{"items": [{"item": "x", "ok": "maybe"}]}', "items.0.ok"),
    ]  # fmt: skip
    for name, body, field in cases:
        error = _error(_post(client, endpoints[name], body), 400)
        assert error["param"] == field and error["message"].startswith(f"请求参数无效：{field}："), error


def test_unknown_fields_get_400_except_openai_extras(api) -> None:  # type: ignore[no-untyped-def]
    client, keys, endpoints = api
    for name, body, field in [
        ("register", b'{"entries": [{"point": "RS-001-01"}], "peeple": 3}', "peeple"),
        ("register", b'{"entries": [{"point": "RS-001-01", "responsable": "x"}]}', "entries.0.responsable"),
        ("patrols", b'{"items": [{"item": "x", "ok": true}], "notes": "x"}', "notes"),
    ]:
        error = _error(_post(client, endpoints[name], body), 400)
        assert error["message"] == f"请求参数无效：{field}：Extra inputs are not permitted"
    typo = client.post("/v1/admin/keys", headers=_auth(keys["admin"]),
                       json={"role": "inspector", "name": "甲", "orgins": ["http://127.0.0.1:9"]})  # fmt: skip
    assert _error(typo, 400)["param"] == "orgins"
    # OpenAI clients send temperature, top_p and the like: the chat body ignores them.
    chat = _post(client, endpoints["chat"], b'{"messages": [{"role": "user", "content": "hi"}], "temperature": 0}')
    assert chat.status_code == 200


def test_csv_import_refuses_other_encodings_and_nul(api) -> None:  # type: ignore[no-untyped-def]
    client, _, endpoints = api
    row = f"{CSV_HEADER}{EID},{PERIOD},drills,2\n"
    for encoding in ("gbk", "utf-16"):
        refused = _post(client, endpoints["import"], (row + "安全,,,\n").encode(encoding), "text/csv")
        assert _error(refused, 400)["message"] == "CSV 必须是 UTF-8 编码"
    nul = _post(client, endpoints["import"], row.replace("2", "\x002").encode(), "text/csv")
    assert _error(nul, 400)["message"] == "CSV 中不能含有 NUL 字符"
    # A bare carriage return used to raise csv.Error: a 500.
    bare = _post(client, endpoints["import"], row.replace("\n", "\r").encode(), "text/csv")
    assert bare.json() == {"stored": 1, "errors": []}
    values = _post(client, endpoints["import"], f"{CSV_HEADER}{EID},{PERIOD},drills,inf\n".encode(), "text/csv")
    assert values.json()["errors"] == [{"row": 2, "message": "应急演练次数（近12个月）应为有限的数字，收到 'inf'"}]


def test_nul_surrogates_nan_and_long_strings_get_4xx(api) -> None:  # type: ignore[no-untyped-def]
    client, keys, endpoints = api
    cases = [
        ("register", rb'{"entries": [{"point": "RS-001-01", "responsible": "a\u0000"}]}',
         "请求参数无效：entries.0.responsible：不能含有 NUL 字符"),
        ("chat", rb'{"messages": [{"role": "user", "content": "hi\ud800"}]}',
         "请求参数无效：messages.0.content：含有不成对的 Unicode 代理项（如 \\ud800），不是有效的文本"),
        ("patrols", rb'{"items": [{"item": "x", "ok": true}], "note": "\udfff"}',
         "请求参数无效：note：含有不成对的 Unicode 代理项（如 \\ud800），不是有效的文本"),
        ("register", b'{"people": NaN, "entries": [{"point": "RS-001-01"}]}',
         "请求参数无效：people：不能是 NaN 或无穷大"),
    ]  # fmt: skip
    for name, body, message in cases:
        assert _error(_post(client, endpoints[name], body), 400)["message"] == message
    url_nul = client.get(f"/v1/enterprises/{EID}%00", headers=_auth(keys["admin"]))
    assert _error(url_nul, 400)["message"] == "请求地址中不能含有 NUL 字符（%00）"

    long_text = "安" * 20_000  # 60 kB in UTF-8: under the body limit, over every field's
    chat = _post(client, endpoints["chat"], f'{{"messages": [{{"role": "user", "content": "{long_text}"}}]}}'.encode())
    assert _error(chat, 400)["message"] == "单条消息过长：最多 4000 字，收到 20000 字"
    point = _post(client, endpoints["register"], f'{{"entries": [{{"point": "{long_text}"}}]}}'.encode())
    assert _error(point, 400)["param"] == "entries.0.point"
    patrol = f'{{"items": [{{"item": "x", "ok": true}}], "note": "{long_text}"}}'
    note = _post(client, endpoints["patrols"], patrol.encode())
    assert _error(note, 400)["param"] == "note"
    assert client.get(f"/v1/scan/{'x' * 20_000}").status_code == 404


def test_inputs_the_fuzzing_found_get_4xx(api) -> None:  # type: ignore[no-untyped-def]
    """Each of these answered 500 before its fix."""
    client, keys, _ = api
    admin = _auth(keys["admin"])
    zero = client.post("/v1/coefficients/publish", headers=admin, json={"period": "0000-01"})
    assert _error(zero, 400)["message"] == "请求参数无效：period：Value error, 期间应为 YYYY-MM 格式，收到 '0000-01'"
    # Year 1 parsed, then the twelve-month window overflowed `date`.
    early = client.post("/v1/coefficients/publish", headers=admin, json={"period": "0001-01"})
    assert _error(early, 400)["message"] == (
        "请求参数无效：period：Value error, 期间应在 2000-01 至 2100-12 之间，收到 '0001-01'")
    exported = client.get("/v1/rollups/export", headers=admin, params={"period": "年\U0010ffff"})
    assert _error(exported, 400)["param"] == "query.period"
    # A control character in a filter used to become a \u escape that Milvus cannot parse.
    assert client.get("/v1/search", headers=admin, params={"q": "安全", "category": "a\x05b"}).json() == []
    forged = client.post("/v1/inspections/scan-in", headers=admin, json={"token": f"{EID}.签名", "scheme_id": "x"})
    assert _error(forged, 404)["message"] == "入企码无效"
    huge = client.post(f"/v1/rollups/{2**63}/review", headers=admin, json={"approve": True})
    assert _error(huge, 400)["param"] == "path.rollup_id"
    as_json = {"content-type": "application/json"}
    items = client.post("/v1/inspection-schemes", headers=admin | as_json,
                        content=rb'{"enterprise_id": "E-TEST-1", "items": ["\ud800"]}')  # fmt: skip
    assert _error(items, 400)["param"] == "items.0"
    nan = client.post(f"/v1/enterprises/{EID}/reports", headers=_auth(keys["enterprise"]) | as_json,
                      content=b'{"period": "%s", "values": {"drills": Infinity}}' % PERIOD.encode())  # fmt: skip
    assert _error(nan, 400)["message"] == "请求参数无效：values.drills：不能是 NaN 或无穷大"


def test_a_bad_conversation_id_header_is_a_400(live_api) -> None:  # type: ignore[no-untyped-def]
    body = {"messages": [{"role": "user", "content": "什么是安全生产责任制？"}]}
    for bad in ("x" * 65, "a b", "../etc", "会话"):
        response = httpx.post(f"{live_api.url}/v1/chat/completions", json=body, timeout=30,
                              headers={"Authorization": f"Bearer {live_api.keys['enterprise']}",
                                       "X-Conversation-Id": bad.encode()})  # fmt: skip
        assert response.status_code == 400, bad
        assert response.json()["error"]["code"] == "invalid_conversation_id"
