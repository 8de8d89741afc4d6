"""The database restarts while a client keeps reading and writing through one API process.

The test runs its own PostgreSQL cluster (initdb, pg_ctl; as the `postgres`
system user when run as root) and stops it with `pg_ctl stop -m fast`, then
with `-m immediate` (a crash: recovery on start), each time under traffic.
During the outage requests may fail, but only with a prompt 503 JSON error in
Chinese; once the database is back every request succeeds again from the same
API process, every acknowledged write is stored once, and none twice.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg

from tests.faults.invariants import Store, check_store
from tests.faults.processes import ApiServer, PrivatePostgres, Program, auth, expect, make_admin_key
from tests.faults.writes import HAZARDS, Outcome, Site, set_up_site

OUTAGE_SECONDS = 2.0
RECOVERY_SECONDS = 30
SLOWEST_ANSWER = 15.0  # seconds; beyond this a request during the outage counts as hung


@dataclass
class Answer:
    what: str
    at: float  # when the request was sent
    status: int | None  # None: no HTTP answer at all (reset, timeout)
    body: str
    seconds: float  # until the answer came


class Traffic(threading.Thread):
    """A client in a loop: a hazard report (write) and the hazard list (read), or chat turns (checkpoints)."""

    def __init__(self, url: str, site: Site, conversation: str, chat: bool,
                 answers: list[Answer], outcome: Outcome, halt: threading.Event) -> None:  # fmt: skip
        super().__init__(daemon=True)
        self.url, self.site, self.conversation, self.chat = url, site, conversation, chat
        self.answers, self.outcome, self.halt = answers, outcome, halt

    def run(self) -> None:
        owner = auth(self.site.keys[HAZARDS])
        chat = {"model": "minqian", "conversation_id": self.conversation,
                "messages": [{"role": "user", "content": "动火作业要审批吗？"}]}  # fmt: skip
        with httpx.Client(base_url=self.url, timeout=SLOWEST_ANSWER + 15) as client:
            while not self.halt.is_set():
                time.sleep(0.02)
                if self.chat:
                    self._send("chat", lambda: client.post("/v1/chat/completions", headers=owner, json=chat))
                    continue
                call = self.site.call("hazard")
                assert call is not None
                response = self._send("write", lambda call=call: call.send(client))
                if response is not None and response.status_code == 201:
                    self.outcome.acked["hazard"].append((call, response.json()))
                elif response is None or response.status_code >= 500:
                    self.outcome.unknown["hazard"].append(call)  # maybe stored: bounds the count only
                self._send("read", lambda: client.get(f"/v1/enterprises/{HAZARDS}/hazard-reports", headers=owner))

    def _send(self, what: str, request: Any) -> httpx.Response | None:
        started = time.monotonic()
        try:
            response = request()
        except httpx.TransportError as exc:
            self.answers.append(Answer(what, started, None, repr(exc), time.monotonic() - started))
            return None
        self.answers.append(Answer(what, started, response.status_code, response.text[:300],
                                   time.monotonic() - started))  # fmt: skip
        return response


def _is_clear_unavailable(answer: Answer) -> bool:
    """A prompt 503 in the API's error shape, saying in Chinese that the database is unavailable."""
    return (answer.status == 503 and answer.seconds < SLOWEST_ANSWER and "database_unavailable" in answer.body
            and "数据库" in answer.body)  # fmt: skip


def _wait_until_answering(answers: list[Answer], since: float, api: ApiServer) -> float:
    """Seconds until a request of every kind sent after `since` succeeded."""
    deadline = time.monotonic() + RECOVERY_SECONDS
    while time.monotonic() < deadline:
        ok = {a.what for a in list(answers) if a.at > since and a.status in (200, 201)}
        if ok >= {"write", "read", "chat"}:
            return time.monotonic() - since
        time.sleep(0.1)
    raise AssertionError(f"no recovery within {RECOVERY_SECONDS}s of the database restart\n{api.tail()}")


def test_the_api_answers_again_after_the_database_restarts(
    private_postgres: PrivatePostgres, fault_env: dict[str, str], tmp_path: Path, logs: Path, programs: list[Program]
) -> None:  # fmt: skip
    with psycopg.connect(private_postgres.conninfo, autocommit=True) as admin:
        admin.execute("CREATE DATABASE minqian")
    url = private_postgres.url("minqian")
    api = ApiServer(dict(fault_env, MINQIAN_DATA_DIR=str(tmp_path / "data"), MINQIAN_DATABASE__URL=url), logs)
    programs.append(api)
    site = set_up_site(api.start(), make_admin_key(url))
    pid = api.process.pid if api.process else None
    with httpx.Client(base_url=api.url, timeout=60) as client:
        question = {"model": "minqian", "messages": [{"role": "user", "content": "有限空间作业要注意什么？"}]}
        opening = expect(client.post("/v1/chat/completions", headers=auth(site.keys[HAZARDS]), json=question), 200, api)
    answers: list[Answer] = []
    outcome, halt = Outcome(), threading.Event()
    # Two clients: a chat turn may wait out a short outage for its checkpoint
    # connection, while reads and writes fail fast with a 503.
    conversation = opening["conversation_id"]
    clients = [Traffic(api.url, site, conversation, chat, answers, outcome, halt) for chat in (False, True)]
    for client in clients:
        client.start()
    outages: list[tuple[str, float, float]] = []
    try:
        time.sleep(0.5)
        for mode in ("fast", "immediate"):
            down = time.monotonic()
            private_postgres.stop(mode)
            time.sleep(OUTAGE_SECONDS)
            private_postgres.start()
            up = time.monotonic()
            outages.append((mode, down, up))
            _wait_until_answering(answers, up, api)
        time.sleep(0.5)
    finally:
        halt.set()
        for client in clients:
            client.join(timeout=SLOWEST_ANSWER + 30)
    context = f"{api.tail()}\n{private_postgres.log()}"
    assert not any(c.is_alive() for c in clients), f"a request hung after the database came back\n{context}"
    assert api.alive and api.process and api.process.pid == pid, "the API process was restarted or died"

    unclear = [a for a in answers if a.status not in (200, 201) and not _is_clear_unavailable(a)]
    assert not unclear, f"failures that are not a prompt 503 JSON: {unclear[:4]}\n{context}"
    during = [a for a in answers if any(down <= a.at <= up for _, down, up in outages)]
    timeline = [(a.what, a.status, round(a.at - outages[0][1], 2), round(a.seconds, 2)) for a in answers]
    assert any(a.status == 503 for a in during), f"no request met the outage: {outages} {timeline[-60:]}\n{context}"
    last = outages[-1][2]
    # Once the database is back and a request of each kind went through, all later ones succeed.
    settled = min(a.at for a in answers if a.at > last and a.status in (200, 201) and a.what == "chat")
    failed = [a for a in answers if a.at > settled + 0.5 and a.status not in (200, 201)]
    assert not failed, f"requests failing after the database came back: {failed[:4]}\n{context}"
    assert len([a for a in answers if a.at > settled]) >= 6, "too little traffic after the restarts"

    store = Store(url)
    try:
        counts = check_store(store, outcome)  # acknowledged reports stored once, each with its event
    finally:
        store.close()
    assert counts["hazard"] >= len(outcome.acked["hazard"]) > 0
    with httpx.Client(base_url=api.url, timeout=60) as client:  # the conversation kept through both restarts
        follow = expect(client.post("/v1/chat/completions", headers=auth(site.keys[HAZARDS]), json={
            "model": "minqian", "conversation_id": opening["conversation_id"],
            "messages": [{"role": "user", "content": "那动火作业呢？"}]}), 200, api)  # fmt: skip
    assert follow["conversation_id"] == opening["conversation_id"]
