"""Records written through a live API by concurrent writers, until the API is killed.

Every write chosen here stores several rows as one logical record:

- hazard: a worker's hazard report and its first event;
- register: a register version, its 12 entries and their risk codes (the
  previous codes superseded);
- close: closing an inspection record (signatures, a 现场检查 enforcement
  record, and per finding a 检查隐患 record, a hazard report and its event);
- report: an enterprise's form report of three fields for one period;
- publish: every enterprise's coefficient snapshot for the period, replaced.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from tests.faults.processes import ApiServer, auth, expect

HAZARDS, REGISTERS, INSPECTED = "E-FAULT-1", "E-FAULT-2", "E-FAULT-3"
ENTRIES = 12  # risk points per confirmed register
FINDINGS = 8  # findings per closed inspection record
FIELDS = ("principal_meetings", "principal_inspections", "drills")
PERIOD = datetime.now(UTC).strftime("%Y-%m")
KINDS = ("hazard", "register", "close", "report", "publish")


@dataclass
class Call:
    """One write request; `marker` names its record where the response is not needed to."""

    kind: str
    path: str
    body: dict[str, Any]
    headers: dict[str, str] = field(repr=False)
    marker: str = ""

    def send(self, client: httpx.Client) -> httpx.Response:
        return client.post(self.path, json=self.body, headers=self.headers)


@dataclass
class Site:
    """Enterprises, keys and codes made through the API, and inspection records ready to close."""

    keys: dict[str, str] = field(repr=False)
    code_token: str = field(default="", repr=False)
    worker_token: str = field(default="", repr=False)
    entry_token: str = field(default="", repr=False)
    open_records: list[str] = field(default_factory=list)
    counter: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def next_number(self) -> int:
        with self._lock:
            self.counter += 1
            return self.counter

    def call(self, kind: str) -> Call | None:
        """The next write of `kind`, each one different (None when no record is left to close)."""
        n = self.next_number()
        if kind == "hazard":
            return Call(kind, f"/v1/scan/{self.code_token}/hazard-reports",
                        {"description": f"故障测试：第 {n} 号隐患，消防通道堵塞", "severity": "一般隐患"},
                        {"X-Worker-Token": self.worker_token})  # fmt: skip
        if kind == "register":
            entries = [{"point": "RS-001-01", "location": f"{k + 1}号打磨车间", "controls_in_place": [],
                        "responsible": f"责任人{n}"} for k in range(ENTRIES)]  # fmt: skip
            return Call(kind, f"/v1/enterprises/{REGISTERS}/risk-register", {"people": 30, "entries": entries},
                        auth(self.keys[REGISTERS]))  # fmt: skip
        if kind == "report":
            if n >= 1188:  # one period per report, 2001-01 … 2099-12
                return None
            period = f"{2001 + n // 12}-{n % 12 + 1:02d}"
            return Call(kind, f"/v1/enterprises/{INSPECTED}/reports",
                        {"period": period, "values": {name: n % 40 for name in FIELDS}},
                        auth(self.keys[INSPECTED]), period)  # fmt: skip
        if kind == "publish":
            return Call(kind, "/v1/coefficients/publish", {"period": PERIOD}, auth(self.keys["admin"]))
        with self._lock:
            record = self.open_records.pop(0) if self.open_records else None
        if record is None:
            return None
        return Call(kind, f"/v1/inspections/{record}/close",
                    {"inspector_signature": "林执法", "enterprise_signature": "王经理"},
                    auth(self.keys["inspector"]), record)  # fmt: skip


def set_up_site(api: ApiServer, admin_key: str) -> Site:
    """Three enterprises, their keys, a risk code with a worker at the first, an entry code at the third."""
    site = Site(keys={"admin": admin_key})
    with httpx.Client(base_url=api.url, timeout=60) as client:
        for number, eid in enumerate((HAZARDS, REGISTERS, INSPECTED), 1):
            expect(client.post("/v1/enterprises", headers=auth(admin_key), json={
                "id": eid, "name": f"故障测试机械厂{number}（测试）", "industry": "工贸", "sector": "机械",
                "city_code": "3505", "county_code": "350583"}), 201, api)  # fmt: skip
            site.keys[eid] = _key(client, api, admin_key, role="enterprise", name=f"故障测试企业{number}",
                                  enterprise_id=eid)  # fmt: skip
        site.keys["inspector"] = _key(client, api, admin_key, role="inspector", name="故障测试执法")
        owner = auth(site.keys[HAZARDS])
        confirmed = expect(client.post(f"/v1/enterprises/{HAZARDS}/risk-register", headers=owner, json={
            "people": 30, "entries": [{"point": "RS-001-01", "responsible": "陈建华"}]}), 201, api)  # fmt: skip
        site.code_token = confirmed["issued"][0]["url"].rsplit("/", 1)[1]
        worker = expect(client.post(f"/v1/enterprises/{HAZARDS}/workers", headers=owner, json={"name": "王小明"}),
                        201, api)  # fmt: skip
        site.worker_token = worker["token"]
        entry = expect(client.get(f"/v1/enterprises/{INSPECTED}/entry-code", headers=auth(site.keys["inspector"])),
                       200, api)  # fmt: skip
        site.entry_token = entry["token"]
    return site


def prepare_inspections(api: ApiServer, site: Site, count: int) -> None:
    """`count` open inspection records with FINDINGS findings each, for the writers to close."""
    inspector, admin = auth(site.keys["inspector"]), auth(site.keys["admin"])
    deadline = (date.today() + timedelta(days=15)).isoformat()
    with httpx.Client(base_url=api.url, timeout=60) as client:
        for _ in range(count):
            scheme = expect(client.post("/v1/inspection-schemes", headers=inspector,
                                        json={"enterprise_id": INSPECTED}), 201, api)  # fmt: skip
            expect(client.post(f"/v1/inspection-schemes/{scheme['id']}/approve", headers=admin), 200, api)
            record = expect(client.post("/v1/inspections/scan-in", headers=inspector, json={
                "token": site.entry_token, "scheme_id": scheme["id"]}), 201, api)  # fmt: skip
            item = scheme["items"][0]
            findings = [{"item_id": item, "description": f"故障测试发现 {record['id'][:8]}-{k}", "deadline": deadline}
                        for k in range(FINDINGS)]  # fmt: skip
            expect(client.put(f"/v1/inspections/{record['id']}", headers=inspector, json={
                "checked": [{"item": item, "result": "不符合"}], "findings": findings}), 200, api)  # fmt: skip
            site.open_records.append(record["id"])


def _key(client: httpx.Client, api: ApiServer, admin_key: str, **request: str) -> str:
    return str(expect(client.post("/v1/admin/keys", headers=auth(admin_key), json=request), 201, api)["key"])


@dataclass
class Outcome:
    """What the writers saw: acknowledged writes, writes cut off by the kill, and any other answer."""

    acked: dict[str, list[tuple[Call, Any]]] = field(default_factory=lambda: defaultdict(list))
    unknown: dict[str, list[Call]] = field(default_factory=lambda: defaultdict(list))
    refused: list[tuple[Call, int, str]] = field(default_factory=list)  # 503 JSON: the store was busy or down
    wrong: list[tuple[Call, int, str]] = field(default_factory=list)  # anything else is a failure

    def add(self, other: Outcome) -> None:
        for kind, done in other.acked.items():
            self.acked[kind] += done
        for kind, cut in other.unknown.items():
            self.unknown[kind] += cut
        self.refused += other.refused
        self.wrong += other.wrong

    def ids(self, kind: str) -> list[str]:
        """The record each acknowledged write of `kind` stored."""
        key = {"hazard": "id", "register": "register_id"}.get(kind)
        return [str(body[key]) if key else call.marker for call, body in self.acked[kind]]


def record(outcome: Outcome, call: Call, response: httpx.Response) -> None:
    if response.status_code in (200, 201):
        outcome.acked[call.kind].append((call, response.json()))
    elif response.status_code == 503 and response.headers.get("content-type", "").startswith("application/json"):
        outcome.refused.append((call, 503, response.text[:300]))
    else:
        outcome.wrong.append((call, response.status_code, response.text[:300]))


def write_until_killed(api: ApiServer, site: Site, kill_when: Callable[[], bool]) -> tuple[Outcome, bool]:
    """Run one writer thread per kind, SIGKILL the API once `kill_when()` returns, join the writers.

    Returns what the writers saw and what `kill_when` returned (whether its
    condition was met, or it gave up and the kill came at its deadline).
    """
    outcome = Outcome()
    threads = [threading.Thread(target=_writer, args=(api.url, site, kind, outcome), daemon=True) for kind in KINDS]
    for thread in threads:
        thread.start()
    met = kill_when()
    api.kill()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a writer hung after the API was killed"
    return outcome, met


def _writer(url: str, site: Site, kind: str, outcome: Outcome) -> None:
    with httpx.Client(base_url=url, timeout=30) as client:
        while (call := site.call(kind)) is not None:
            try:
                response = call.send(client)
            except httpx.TransportError:
                outcome.unknown[kind].append(call)  # cut off by the kill: stored or not, never half
                return
            record(outcome, call, response)
