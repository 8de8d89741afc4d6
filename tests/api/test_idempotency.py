"""A write retried with the same Idempotency-Key is stored once and answered the same."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.api.conftest import TEST_ENTERPRISE

EID = TEST_ENTERPRISE.id


@pytest.fixture(scope="module")
def api(live_api):  # type: ignore[no-untyped-def]
    with httpx.Client(base_url=live_api.url, timeout=60) as client:
        yield client, live_api.keys


def _owner(keys: dict[str, str], idempotency_key: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {keys['enterprise']}"}
    return headers | ({"Idempotency-Key": idempotency_key} if idempotency_key else {})


def _workers(client: httpx.Client, keys: dict[str, str], name: str) -> list[dict[str, Any]]:
    listed = client.get(f"/v1/enterprises/{EID}/workers", headers=_owner(keys)).json()["data"]
    return [w for w in listed if w["name"] == name]


def test_a_retry_is_stored_once_and_gets_the_first_answer(api) -> None:  # type: ignore[no-untyped-def]
    client, keys = api
    key = str(uuid.uuid4())
    first = client.post(f"/v1/enterprises/{EID}/workers", json={"name": "黄志强"}, headers=_owner(keys, key))
    again = client.post(f"/v1/enterprises/{EID}/workers", json={"name": "黄志强"}, headers=_owner(keys, key))
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert len(_workers(client, keys, "黄志强")) == 1
    # Without a key (or with a new one) the same body is a new write, as before.
    client.post(f"/v1/enterprises/{EID}/workers", json={"name": "黄志强"}, headers=_owner(keys, str(uuid.uuid4())))
    assert len(_workers(client, keys, "黄志强")) == 2


def test_the_same_key_for_another_request_or_another_caller(api) -> None:  # type: ignore[no-untyped-def]
    client, keys = api
    key = str(uuid.uuid4())
    assert client.post(f"/v1/enterprises/{EID}/workers", json={"name": "许丽"}, headers=_owner(keys, key)).is_success
    reused = client.post(f"/v1/enterprises/{EID}/workers", json={"name": "许丽丽"}, headers=_owner(keys, key))
    assert reused.status_code == 422 and reused.json()["error"]["code"] == "idempotency_key_reused"
    assert _workers(client, keys, "许丽丽") == []
    # Keys are the caller's own: another key's identical request is not a replay.
    other = {"Authorization": f"Bearer {keys['admin']}", "Idempotency-Key": key}
    fresh = client.post(f"/v1/enterprises/{EID}/workers", json={"name": "许丽"}, headers=other)
    assert fresh.status_code == 201 and "idempotent-replayed" not in fresh.headers
    assert len(_workers(client, keys, "许丽")) == 2


def test_concurrent_retries_store_one_record(api) -> None:  # type: ignore[no-untyped-def]
    client, keys = api
    key = str(uuid.uuid4())

    def send(_: int) -> httpx.Response:
        return client.post(f"/v1/enterprises/{EID}/workers", json={"name": "林国栋"}, headers=_owner(keys, key))

    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(send, range(6)))
    assert {a.status_code for a in answers} <= {201, 409}
    assert [a.status_code for a in answers].count(201) >= 1
    assert all(a.json()["error"]["code"] == "idempotency_in_progress" for a in answers if a.status_code == 409)
    assert len(_workers(client, keys, "林国栋")) == 1


def test_refused_and_malformed_requests(api) -> None:  # type: ignore[no-untyped-def]
    client, keys = api
    for malformed in ("two words", "x" * 101):
        bad = client.post(f"/v1/enterprises/{EID}/workers", json={"name": "x"}, headers=_owner(keys, malformed))
        assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_idempotency_key"
    # A 4xx is an answer like any other: replayed, not re-run.
    key = str(uuid.uuid4())
    invalid = client.post(f"/v1/enterprises/{EID}/workers", json={"name": ""}, headers=_owner(keys, key))
    replayed = client.post(f"/v1/enterprises/{EID}/workers", json={"name": ""}, headers=_owner(keys, key))
    assert invalid.status_code == replayed.status_code == 400 and replayed.headers["idempotent-replayed"] == "true"


def test_an_attempt_abandoned_by_a_dead_process_is_taken_over(api, live_api) -> None:  # type: ignore[no-untyped-def]
    import hashlib
    from datetime import UTC, datetime

    from sqlalchemy import update

    from minqian.idempotency import PENDING_TIMEOUT, fingerprint, idempotency_records

    client, keys = api
    store = live_api.app.state.idempotency
    key, body = str(uuid.uuid4()), b'{"name":"\\u9648\\u5fd7\\u8fdc"}'
    owner = hashlib.sha256(f"Bearer {keys['enterprise']}".encode()).hexdigest()
    path = f"/v1/enterprises/{EID}/workers"
    # What a process killed in the middle of this request leaves behind.
    assert store.begin(owner, key, fingerprint("POST", path, "", body)).outcome == "new"
    headers = _owner(keys, key) | {"Content-Type": "application/json"}
    running = client.post(path, content=body, headers=headers)
    assert running.status_code == 409 and running.json()["error"]["code"] == "idempotency_in_progress"
    with live_api.app.state.audit._engine.begin() as connection:
        connection.execute(update(idempotency_records).where(idempotency_records.c.key == key)
                           .values(created_at=datetime.now(UTC) - PENDING_TIMEOUT * 2))  # fmt: skip
    taken = client.post(path, content=body, headers=headers)
    assert taken.status_code == 201 and len(_workers(client, keys, "陈志远")) == 1
    assert client.post(path, content=body, headers=headers).headers["idempotent-replayed"] == "true"
