"""The audit log over HTTP: reads, changes and denials recorded; append-only; chained."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from minqian.enterprises import Enterprise
from tests.api.conftest import TEST_ENTERPRISE

EID = TEST_ENTERPRISE.id
NEIGHBOUR = Enterprise("E-AUDIT-2", "审计测试邻厂（测试）", "工贸", "机械", "3501", "350181", synthetic=True)


@pytest.fixture(scope="module")
def api(live_api) -> Iterator[tuple[httpx.Client, dict[str, str], Any]]:  # type: ignore[no-untyped-def]
    app = live_api.app
    app.state.risk.codes.public_url = live_api.url
    app.state.risk.enterprises.add(NEIGHBOUR)
    keys = dict(live_api.keys)
    keys["neighbour"] = app.state.key_store.create("enterprise", "邻厂", NEIGHBOUR.id)[1]
    with httpx.Client(base_url=live_api.url, timeout=60) as client:
        yield client, keys, app


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _entries(client: httpx.Client, keys: dict[str, str], **query: str) -> list[dict[str, Any]]:
    response = client.get("/v1/admin/audit", params=query, headers=_auth(keys["admin"]))
    assert response.status_code == 200, response.text
    return response.json()["data"]


def test_reads_changes_and_denials_are_recorded_with_who_and_what(api) -> None:  # type: ignore[no-untyped-def]
    client, keys, app = api
    owner = app.state.key_store.authenticate(keys["enterprise"])
    created = client.post(f"/v1/enterprises/{EID}/workers", json={"name": "郑海燕"}, headers=_auth(keys["enterprise"]))
    assert created.status_code == 201
    assert client.get(f"/v1/enterprises/{EID}/workers", headers=_auth(keys["inspector"])).status_code == 200
    denied = client.get(f"/v1/enterprises/{EID}/workers", headers=_auth(keys["neighbour"]))
    assert denied.status_code == 403
    assert client.get(f"/v1/enterprises/{EID}/workers").status_code == 401

    entries = _entries(client, keys, enterprise_id=EID)
    change = next(e for e in entries if e["resource"] == "POST /v1/enterprises/{enterprise_id}/workers")
    assert change["action"] == "change" and change["actor"] == owner.id and change["actor_role"] == "enterprise"
    assert change["status"] == 201 and change["target"] == {"enterprise_id": EID}
    reads = [e for e in entries if e["resource"] == "GET /v1/enterprises/{enterprise_id}/workers"]
    by_action = {(e["action"], e["actor_role"], e["status"]) for e in reads}
    assert ("read", "inspector", 200) in by_action
    assert ("denied", "enterprise", 403) in by_action
    assert ("denied", "anonymous", 401) in by_action
    # Names are sealed in the records and never copied into the log.
    assert "郑海燕" not in str(entries)


def test_chat_turns_name_what_answered(api) -> None:  # type: ignore[no-untyped-def]
    client, keys, _ = api
    response = client.post("/v1/chat/completions", headers=_auth(keys["enterprise"]),
                           json={"messages": [{"role": "user", "content": "我们的风险清单"}]})  # fmt: skip
    assert response.status_code == 200
    conversation = response.json()["conversation_id"]
    turns = [e for e in _entries(client, keys) if e["channel"] == "chat"]
    assert any(e["target"].get("conversation") == conversation and e["resource"].startswith("assistant:")
               for e in turns)  # fmt: skip
    # The tool's own reads are there too, with the enterprise they touched.
    tool_reads = [e for e in turns if e["resource"].startswith("risk.")]
    assert tool_reads and all(e["action"] == "read" and e["enterprise_id"] == EID for e in tool_reads), turns


def test_another_caller_cannot_continue_a_conversation(api) -> None:  # type: ignore[no-untyped-def]
    client, keys, _ = api
    first = client.post("/v1/chat/completions", headers=_auth(keys["enterprise"]),
                        json={"messages": [{"role": "user", "content": "帮我识别风险"}]})  # fmt: skip
    conversation = first.json()["conversation_id"]
    stolen = client.post("/v1/chat/completions", headers=_auth(keys["neighbour"]) | {"X-Conversation-Id": conversation},
                         json={"messages": [{"role": "user", "content": "粉尘"}]})  # fmt: skip
    assert stolen.status_code == 403 and "其他账号" in stolen.json()["error"]["message"]
    mine = client.post("/v1/chat/completions", headers=_auth(keys["enterprise"]) | {"X-Conversation-Id": conversation},
                       json={"messages": [{"role": "user", "content": "取消"}]})  # fmt: skip
    assert mine.status_code == 200


def test_the_log_refuses_changes_and_its_chain_verifies(api) -> None:  # type: ignore[no-untyped-def]
    client, keys, app = api
    verified = client.get("/v1/admin/audit/verify", headers=_auth(keys["admin"])).json()
    assert verified["intact"] is True and verified["checked"] > 5
    engine = app.state.audit._engine
    for statement in ("UPDATE audit_events SET actor = 'someone-else'", "DELETE FROM audit_events"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(text(statement))
    # Someone with the database file who drops the trigger first is still caught.
    with engine.begin() as connection:
        connection.execute(text("DROP TRIGGER audit_events_no_update"))
        first_id = connection.execute(text("SELECT min(id) FROM audit_events")).scalar()
        connection.execute(text("UPDATE audit_events SET status = status + 1 WHERE id = :id + 2"), {"id": first_id})
    broken = client.get("/v1/admin/audit/verify", headers=_auth(keys["admin"])).json()
    assert broken["intact"] is False and broken["broken_at"] == first_id + 2
    assert client.get("/v1/admin/audit", headers=_auth(keys["enterprise"])).status_code == 403
