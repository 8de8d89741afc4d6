"""Scan-to-enter and oversight over HTTP, and the inspection questions in the chat."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from tests.api.conftest import TEST_ENTERPRISE
from tests.conftest import needs_shared

pytestmark = needs_shared
EID = TEST_ENTERPRISE.id


@pytest.fixture(scope="module")
def api(live_api):  # type: ignore[no-untyped-def]
    store = live_api.app.state.key_store
    keys = dict(live_api.keys)
    keys["county"] = store.create("inspector", "南安市局 林", region="350583")[1]
    keys["city"] = store.create("inspector", "泉州市局 陈", region="3505")[1]
    keys["head"] = store.create("reviewer", "南安市局负责人", region="350583")[1]
    with httpx.Client(base_url=live_api.url, timeout=60) as client:
        period = datetime.now(UTC).strftime("%Y-%m")
        client.post("/v1/coefficients/publish", headers=_auth(keys["admin"]), json={"period": period})
        yield client, keys


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _visit(client: httpx.Client, keys: dict[str, str], who: str) -> dict:  # type: ignore[type-arg]
    scheme = client.post("/v1/inspection-schemes", headers=_auth(keys[who]), json={"enterprise_id": EID}).json()
    assert client.post(f"/v1/inspection-schemes/{scheme['id']}/approve", headers=_auth(keys["head"])).status_code == 200
    token = client.get(f"/v1/enterprises/{EID}/entry-code", headers=_auth(keys[who])).json()["token"]
    started = client.post("/v1/inspections/scan-in", headers=_auth(keys[who]),
                          json={"token": token, "scheme_id": scheme["id"]})  # fmt: skip
    assert started.status_code == 201, started.text
    return {"scheme": scheme, "record": started.json()}


def test_a_visit_from_scan_to_signatures_and_then_only_amendments(api) -> None:  # type: ignore[no-untyped-def]
    client, keys = api
    visit = _visit(client, keys, "county")
    record, item = visit["record"], visit["scheme"]["items"][0]
    deadline = (date.today() + timedelta(days=10)).isoformat()
    filled = client.put(f"/v1/inspections/{record['id']}", headers=_auth(keys["county"]), json={
        "checked": [{"item": item, "result": "不符合"}],
        "findings": [{"item_id": item, "description": "安全警示标志破损", "deadline": deadline}]})
    assert filled.status_code == 200 and filled.json()["findings"][0]["basis"]
    unsigned = client.post(f"/v1/inspections/{record['id']}/close", headers=_auth(keys["county"]),
                           json={"inspector_signature": "林", "enterprise_signature": ""})  # fmt: skip
    assert unsigned.status_code == 400
    closed = client.post(f"/v1/inspections/{record['id']}/close", headers=_auth(keys["county"]),
                         json={"inspector_signature": "林", "enterprise_signature": "王经理"})  # fmt: skip
    assert closed.json()["status"] == "已结束"
    again = client.put(f"/v1/inspections/{record['id']}", headers=_auth(keys["county"]), json={"checked": []})
    assert again.status_code == 409
    amended = client.post(f"/v1/inspections/{record['id']}/amendments", headers=_auth(keys["county"]),
                          json={"reason": "补记检查地点", "changes": {"location": "一号车间"}})  # fmt: skip
    assert amended.status_code == 201 and amended.json()["amendments"][0]["reason"] == "补记检查地点"
    assert client.get(f"/v1/inspections/{record['id']}", headers=_auth(keys["enterprise"])).status_code == 200
    lenient = client.post("/v1/leniency", headers=_auth(keys["county"]), json={"description": "安全警示标志破损"})
    assert lenient.json()["eligible"] is True


def test_warnings_over_http_and_in_the_chat(api) -> None:  # type: ignore[no-untyped-def]
    client, keys = api
    _visit(client, keys, "county")
    _visit(client, keys, "city")  # another department the same month: 多头检查; neither visit is planned
    warnings = client.get("/v1/inspection-warnings", headers=_auth(keys["city"])).json()["data"]
    assert {"多头检查", "无计划检查"} <= {w["type"] for w in warnings}
    assert all(w["enterprise"] == EID and w["reason"] for w in warnings)
    assert client.get("/v1/inspection-warnings", headers=_auth(keys["enterprise"])).status_code == 403
    body = {"model": "minqian", "messages": [{"role": "user", "content": "本月哪些企业被多头检查？"}]}
    answer = client.post("/v1/chat/completions", headers=_auth(keys["county"]), json=body).json()
    text = answer["choices"][0]["message"]["content"]
    assert answer["answer_mode"] == "inspection" and "多头检查" in text and TEST_ENTERPRISE.name in text
