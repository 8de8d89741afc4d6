"""Coefficients over HTTP: publication, explanations, import, roll-ups, and questions in the chat."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from minqian.coefficient.facts import Period
from minqian.enterprises import Enterprise
from tests.api.conftest import TEST_ENTERPRISE
from tests.conftest import needs_shared

pytestmark = needs_shared
EID = TEST_ENTERPRISE.id
PERIOD = Period.of(datetime.now(UTC).date()).label
FAR = Enterprise("E-TEST-FQ", "测试福清冷链有限公司（测试）", "工贸", "轻工", "3501", "350181", synthetic=True)


@pytest.fixture(scope="module")
def api(live_api):  # type: ignore[no-untyped-def]
    store = live_api.app.state.key_store
    live_api.app.state.risk.enterprises.add(FAR)
    keys = dict(live_api.keys)
    keys["county"] = store.create("inspector", "南安市局", region="350583")[1]
    keys["fuqing"] = store.create("inspector", "福清市局", region="350181")[1]
    keys["reviewer"] = store.create("reviewer", "泉州市局审核", region="3505")[1]
    keys["far"] = store.create("enterprise", "福清冷链", FAR.id)[1]
    with httpx.Client(base_url=live_api.url, timeout=60) as client:
        yield client, keys


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_reports_publication_and_explanation(api) -> None:  # type: ignore[no-untyped-def]
    client, keys = api
    owner = _auth(keys["enterprise"])
    stored = client.post(f"/v1/enterprises/{EID}/reports", headers=owner, json={
        "period": PERIOD, "values": {"licence_valid": True, "training_rate": 0.75, "standardisation_level": "二级"}})
    assert stored.status_code == 201 and stored.json()["stored"] == 3
    bad = client.post(f"/v1/enterprises/{EID}/reports", headers=owner, json={"period": PERIOD, "values": {"x": 1}})
    assert bad.status_code == 400 and "未知指标" in bad.json()["error"]["message"]
    assert client.post(f"/v1/enterprises/{FAR.id}/reports", headers=owner,
                       json={"period": PERIOD, "values": {"drills": 1}}).status_code == 403  # fmt: skip
    csv_body = f"enterprise_id,period,field,value\n{EID},{PERIOD},drills,2\n{EID},{PERIOD},drills,-1\n"
    imported = client.post("/v1/reports/import", headers=owner, content=csv_body.encode())
    assert imported.json() == {"stored": 1, "errors": [{"row": 3, "message": imported.json()["errors"][0]["message"]}]}

    assert client.post("/v1/coefficients/publish", headers=_auth(keys["county"]), json={"period": PERIOD}).status_code == 403
    published = client.post("/v1/coefficients/publish", headers=_auth(keys["admin"]), json={"period": PERIOD})
    assert published.status_code == 200 and published.json()["enterprises"] >= 2

    listed = client.get("/v1/coefficients", headers=_auth(keys["county"])).json()["data"]
    assert EID in {r["enterprise"] for r in listed} and FAR.id not in {r["enterprise"] for r in listed}
    shown = client.get(f"/v1/coefficients/{EID}", headers=owner).json()
    assert sum(i["points"] for i in shown["breakdown"]["items"]) == pytest.approx(shown["coefficient"])
    training = next(i for i in shown["breakdown"]["items"] if i["indicator"] == "T1")
    assert training["points"] == 4.5 and "75%" in training["reason"]
    for who, target in (("far", EID), ("fuqing", EID), ("enterprise", FAR.id)):
        assert client.get(f"/v1/coefficients/{target}", headers=_auth(keys[who])).status_code == 403
    plan = client.get("/v1/supervision", headers=_auth(keys["county"])).json()["data"]
    assert all("onsite_cap" in r and "mode" in r for r in plan)


def test_rollups_review_and_export(api) -> None:  # type: ignore[no-untyped-def]
    client, keys = api
    client.post("/v1/coefficients/publish", headers=_auth(keys["admin"]), json={"period": PERIOD})
    rows = client.post("/v1/rollups/compute", headers=_auth(keys["admin"]), json={"period": PERIOD}).json()["data"]
    county = next(r for r in rows if r["region_code"] == "350583")
    assert client.post(f"/v1/rollups/{county['id']}/review", headers=_auth(keys["county"]),
                       json={"approve": True}).status_code == 403  # fmt: skip
    reviewed = client.post(f"/v1/rollups/{county['id']}/review", headers=_auth(keys["reviewer"]),
                           json={"approve": True, "note": "同意发布"})  # fmt: skip
    assert reviewed.json()["status"] == "已审核"
    exported = client.get("/v1/rollups/export", params={"period": PERIOD, "format": "csv"}, headers=_auth(keys["admin"]))
    assert exported.headers["content-type"].startswith("text/csv") and "350583" in exported.text
    assert client.post("/v1/coefficients/publish", headers=_auth(keys["admin"]),
                       json={"period": "2026-13"}).status_code == 400  # fmt: skip


def test_questions_in_the_chat_are_answered_within_the_callers_area(api) -> None:  # type: ignore[no-untyped-def]
    client, keys = api
    client.post("/v1/coefficients/publish", headers=_auth(keys["admin"]), json={"period": PERIOD})

    def ask(key: str, text: str, conversation: str | None = None) -> dict:  # type: ignore[type-arg]
        body = {"model": "minqian", "messages": [{"role": "user", "content": text}], "conversation_id": conversation}
        response = client.post("/v1/chat/completions", headers=_auth(keys[key]), json=body)
        assert response.status_code == 200, response.text
        return response.json()

    why = ask("county", f"{TEST_ENTERPRISE.name}的安全生产系数是多少，为什么扣分？")
    text = why["choices"][0]["message"]["content"]
    assert why["answer_mode"] == "coefficient" and "安全生产系数" in text and "扣分情况" in text
    visits = ask("county", "这家企业今年还能现场检查几次？", why["conversation_id"])["choices"][0]["message"]["content"]
    assert "还可现场检查" in visits and TEST_ENTERPRISE.name in visits
    ranking = ask("county", "本县系数最低的十家企业")["choices"][0]["message"]["content"]
    assert ranking.startswith("泉州市南安市") and FAR.name not in ranking
    refused = ask("fuqing", f"{TEST_ENTERPRISE.name}的安全生产系数是多少？")["choices"][0]["message"]["content"]
    assert "不在您的辖区" in refused
    own = ask("enterprise", "我们企业的安全生产系数是多少？")["choices"][0]["message"]["content"]
    assert TEST_ENTERPRISE.name in own
