"""A seeded world for the security tests: three enterprises with every kind of record, keys of every role.

A and C are in 泉州 (南安 and 晋江), B in 福州 (福清). Each enterprise gets a
confirmed register with codes, a worker, a patrol, a hazard report, its own
figures, an enforcement record, an inspection scheme, an open and a closed
inspection record with findings, a special approval; then coefficients are
published for two periods, rolled up, and plans drafted for every area. Every
enterprise's texts carry its own character (甲/乙/丙), so a response that
shows another enterprise's data can be found by string search.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import httpx
from fastapi import FastAPI

from minqian.access import Principal
from minqian.coefficient.facts import Period
from minqian.keys import ROLES as KEY_ROLES
from minqian.risk.identification import SiteProfile
from minqian.risk.registers import draft_entry

ADMIN = Principal("admin", "security-seed", "安全测试种子")
TODAY = datetime.now(UTC).date()
PERIOD = Period.of(TODAY).label
PREVIOUS = Period.of(date(TODAY.year - (TODAY.month == 1), (TODAY.month - 2) % 12 + 1, 1)).label
SYSTEM_READY = "system" in KEY_ROLES
# Matrix roles, in the order tables list them. `worker` holds an mqw_ token, `anonymous` nothing.
ROLES = ("admin", "inspector", "inspector_city", "inspector_county", "reviewer", "system",
         "enterprise_a", "enterprise_b", "worker", "anonymous")  # fmt: skip
INSPECTOR_ROLES = ("inspector", "inspector_city", "inspector_county")


@dataclass(frozen=True)
class Spec:
    id: str
    name: str
    city: str
    county: str
    tag: str  # 甲 / 乙 / 丙: in every text this enterprise's records hold

    def entries(self) -> list[dict[str, Any]]:
        """Register entries (API shape); every point graded 重大, so every one gets a code."""
        return [{"point": "RS-001-01", "location": f"{self.tag}厂{n}号抛光车间", "responsible": f"陈{self.tag}华",
                 "grade": "重大", "grade_reason": "粉尘涉爆，人员集中"} for n in (1, 2)]  # fmt: skip

    @property
    def texts(self) -> dict[str, str]:
        t = self.tag
        return {"worker": f"王{t}明", "hazard": f"{t}厂秘密隐患：除尘器泄爆片锈蚀",
                "patrol": f"{t}厂巡查备注：一切正常", "penalty": f"{t}厂行政处罚：未按规定开展安全培训",
                "finding": f"{t}厂检查发现：粉尘清扫记录缺失", "address": f"{t}厂测试路8号（虚构）",
                "responsible": f"陈{t}华", "location": f"{t}厂1号抛光车间"}  # fmt: skip


A = Spec("E-SEC-A", "安全测试甲铝制品有限公司（测试）", "3505", "350583", "甲")
B = Spec("E-SEC-B", "安全测试乙冷链食品有限公司（测试）", "3501", "350181", "乙")
C = Spec("E-SEC-C", "安全测试丙五金制品有限公司（测试）", "3505", "350582", "丙")
SPECS = (A, B, C)
# Which enterprises each role reaches (declared, not computed from minqian.access).
REACH = {"admin": {A, B, C}, "inspector": {A, B, C}, "inspector_city": {A, C}, "inspector_county": {A},
         "reviewer": {A, C}, "system": {A, C}, "enterprise_a": {A}, "enterprise_b": {B}, "worker": {A},
         "anonymous": set()}  # fmt: skip
# (own, other) target enterprise of each role; "other" is out of reach where the role has an edge.
TARGETS = {role: (A, B) for role in ROLES} | {"inspector_county": (A, C), "enterprise_b": (B, A)}


@dataclass
class Ent:
    """One enterprise's record ids, as the seeding made them."""

    spec: Spec
    code_id: str = ""
    code_token: str = ""
    worker_id: str = ""
    worker_token: str = ""
    report_id: str = ""
    entry_token: str = ""
    scheme_id: str = ""  # approved
    draft_scheme: str = ""  # awaiting approval
    approval_id: str = ""
    record_open: str = ""
    record_closed: str = ""
    rollup_id: int = 0
    plans: dict[str, str] = field(default_factory=dict)  # region code → plan id

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def name(self) -> str:
        return self.spec.name

    def markers(self) -> set[str]:
        """Strings that only this enterprise's data contains."""
        ids = {self.code_id, self.worker_id, self.report_id, self.record_open, self.record_closed, self.scheme_id,
               self.draft_scheme,
               self.approval_id}  # fmt: skip
        return {self.spec.id, self.spec.name, *self.spec.texts.values(), *(i for i in ids if i)}


def missing() -> Ent:
    """Ids nobody issued, shaped like real ones: what a caller guessing ids would send."""
    fake = uuid.uuid4().hex
    ent = Ent(Spec("E-SEC-NONE", "不存在测试有限公司", "3505", "350583", "无"), code_id=fake,
              code_token=f"{fake}.Zm9yZ2Vk", worker_id=fake, report_id=fake, entry_token="E-SEC-NONE.Zm9yZ2Vk",
              scheme_id=fake, draft_scheme=fake, approval_id=fake, record_open=fake, record_closed=fake,
              rollup_id=999999)  # fmt: skip
    ent.plans = {code: fake for code in ("3505", "3501", "350583", "350582", "350181")}
    return ent


@dataclass
class World:
    url: str
    app: FastAPI
    keys: dict[str, str]  # role → plaintext key (worker: its mqw_ token; anonymous: "")
    principals: dict[str, Principal]
    ents: dict[str, Ent]  # spec id → records
    _periods: Any = field(default_factory=lambda: (f"{y}-{m:02d}" for y in range(2001, 2030) for m in range(1, 13)))

    def ent(self, spec: Spec) -> Ent:
        return self.ents[spec.id]

    def hidden_markers(self, role: str) -> set[str]:
        return set().union(*(e.markers() for e in self.ents.values() if e.spec not in REACH[role]))

    # Fresh records for writes that consume their target (a revoked code cannot be revoked again).
    def fresh_code(self, ent: Ent) -> str:
        risk = self.app.state.risk
        spare = {**ent.spec.entries()[0], "location": f"{ent.spec.tag}厂备用车间{uuid.uuid4().hex[:6]}"}
        confirmed = risk.registers.confirm(ADMIN, ent.id, [_draft(risk, s) for s in [*ent.spec.entries(), spare]],
                                           "LEC", {"industry": "工贸", "people": 30}, "接口")  # fmt: skip
        return next(c["id"] for c in confirmed.issued if c["location"] == spare["location"])

    def fresh_worker(self, ent: Ent) -> str:
        return str(self.app.state.risk.workers.issue(ADMIN, ent.id, "临时工")[0]["id"])

    def fresh_report(self, ent: Ent) -> str:
        return str(self.app.state.risk.field.report_hazard(ent.code_token, ent.worker_token, "临时隐患")["id"])

    def fresh_plan(self, region: str) -> str:
        drafter = Principal("inspector", "security-seed", "", None, region)
        return str(self.app.state.inspections.plans.draft(drafter, TODAY.year)["id"])

    def fresh_approval(self, ent: Ent) -> str:
        return str(self.app.state.inspections.plans.request_special(ADMIN, ent.id, "专项检查")["id"])

    def fresh_scheme(self, ent: Ent) -> str:
        return str(self.app.state.inspections.visits.create_scheme(ADMIN, ent.id, set())["id"])

    def fresh_record(self, ent: Ent, role: str) -> str:
        """An open record started by `role` if it inspects (only the starter or an admin may fill it)."""
        visits = self.app.state.inspections.visits
        starter = self.principals[role] if role in INSPECTOR_ROLES else ADMIN
        scheme = self.fresh_scheme(ent)
        visits.approve_scheme(ADMIN, scheme)
        return str(visits.scan_in(starter, ent.entry_token, scheme)["id"])

    def fresh_rollup(self, ent: Ent) -> int:
        period = self.published_scratch()
        rows = self.app.state.coefficients.rollups.compute(ADMIN, period)
        return int(next(r["id"] for r in rows if r["region_code"] == ent.spec.city))

    def scratch_period(self) -> str:
        """A period nothing was published for yet (publishing it touches no seeded snapshot)."""
        return str(next(self._periods))

    def published_scratch(self) -> str:
        period = self.scratch_period()
        self.app.state.coefficients.scores.publish(ADMIN, Period.parse(period))
        return period


def _draft(risk: Any, entry: dict[str, Any]) -> Any:
    return draft_entry(risk.knowledge, entry["point"], [], SiteProfile("工贸", people=30), "LEC", entry["location"],
                       entry["responsible"], entry["grade"], entry["grade_reason"])  # fmt: skip


def make_keys(app: FastAPI) -> tuple[dict[str, str], dict[str, Principal]]:
    store = app.state.key_store
    made = {
        "admin": store.create("admin", "安全测试管理员"),
        "inspector": store.create("inspector", "省应急厅执法"),
        "inspector_city": store.create("inspector", "泉州市局执法", region="3505"),
        "inspector_county": store.create("inspector", "南安市局执法", region="350583"),
        "reviewer": store.create("reviewer", "泉州市局审核", region="3505"),
        "enterprise_a": store.create("enterprise", "甲企业门户", A.id),
        "enterprise_b": store.create("enterprise", "乙企业门户", B.id),
        # Helpers that draft plans in the other areas; not matrix roles.
        "inspector_fuzhou": store.create("inspector", "福州市局执法", region="3501"),
        "inspector_jinjiang": store.create("inspector", "晋江市局执法", region="350582"),
    }
    if SYSTEM_READY:
        made["system"] = store.create("system", "省级监管平台接口", region="3505")
    keys = {role: plaintext for role, (_, plaintext) in made.items()}
    principals = {role: record.principal for role, (record, _) in made.items()}
    return keys, principals


def seed(url: str, app: FastAPI) -> World:
    """Every kind of record for A, B and C, made through the HTTP API with the admin key."""
    keys, principals = make_keys(app)
    world = World(url, app, keys, principals, {})
    with httpx.Client(base_url=url, timeout=60, headers=_auth(keys["admin"])) as admin:
        for spec in SPECS:
            world.ents[spec.id] = _seed_enterprise(admin, spec)
        for period in (PREVIOUS, PERIOD):
            _ok(admin.post("/v1/coefficients/publish", json={"period": period}))
        rollups = _ok(admin.post("/v1/rollups/compute", json={"period": PERIOD}))["data"]
        for ent in world.ents.values():
            ent.rollup_id = next(r["id"] for r in rollups if r["region_code"] == ent.spec.city)
        drafted = {}
        for helper, region in (("inspector_city", "3505"), ("inspector_county", "350583"),
                               ("inspector_fuzhou", "3501"), ("inspector_jinjiang", "350582")):  # fmt: skip
            plan = _ok(admin.post("/v1/inspection-plans", json={"year": TODAY.year}, headers=_auth(keys[helper])))
            drafted[region] = plan["id"]
        for ent in world.ents.values():
            ent.plans = drafted
    world.keys["worker"] = world.ent(A).worker_token
    world.keys["anonymous"] = ""
    return world


def _seed_enterprise(admin: httpx.Client, spec: Spec) -> Ent:
    ent, texts = Ent(spec), spec.texts
    _ok(admin.post("/v1/enterprises", json={"id": spec.id, "name": spec.name, "industry": "工贸", "sector": "机械",
                                             "city_code": spec.city, "county_code": spec.county,
                                             "address": texts["address"]}))  # fmt: skip
    register = _ok(admin.post(f"/v1/enterprises/{spec.id}/risk-register",
                              json={"people": 30, "entries": spec.entries()}))  # fmt: skip
    code = register["issued"][0]
    ent.code_id, ent.code_token = code["id"], code["url"].rsplit("/", 1)[1]
    worker = _ok(admin.post(f"/v1/enterprises/{spec.id}/workers", json={"name": texts["worker"]}))
    ent.worker_id, ent.worker_token = worker["id"], worker["token"]
    scanned = _ok(admin.get(f"/v1/scan/{ent.code_token}"))
    as_worker = {"X-Worker-Token": ent.worker_token}
    items = [{"item": i, "ok": True} for i in scanned["patrol_checks"]]
    _ok(admin.post(f"/v1/scan/{ent.code_token}/patrols", json={"items": items, "note": texts["patrol"]},
                   headers=as_worker))  # fmt: skip
    report = _ok(admin.post(f"/v1/scan/{ent.code_token}/hazard-reports", json={"description": texts["hazard"]},
                            headers=as_worker))  # fmt: skip
    ent.report_id = report["id"]
    _ok(admin.post(f"/v1/enterprises/{spec.id}/reports",
                   json={"period": PERIOD, "values": {"licence_valid": True, "drills": 2}}))  # fmt: skip
    _ok(admin.post(f"/v1/enterprises/{spec.id}/enforcement-records", json={
        "kind": "行政处罚", "occurred_on": TODAY.isoformat(), "description": texts["penalty"], "amount": 5000}))
    scheme = _ok(admin.post("/v1/inspection-schemes", json={"enterprise_id": spec.id}))
    ent.scheme_id = scheme["id"]
    _ok(admin.post(f"/v1/inspection-schemes/{scheme['id']}/approve"))
    ent.draft_scheme = _ok(admin.post("/v1/inspection-schemes", json={"enterprise_id": spec.id}))["id"]
    ent.entry_token = _ok(admin.get(f"/v1/enterprises/{spec.id}/entry-code"))["token"]
    deadline = date.fromordinal(TODAY.toordinal() + 30).isoformat()
    finding = {"checked": [{"item": scheme["items"][0], "result": "不符合"}],
               "findings": [{"item_id": scheme["items"][0], "description": texts["finding"], "deadline": deadline}]}
    for which in ("record_open", "record_closed"):  # two visits by one department: 重复检查
        record = _ok(admin.post("/v1/inspections/scan-in", json={"token": ent.entry_token, "scheme_id": scheme["id"]}))
        _ok(admin.put(f"/v1/inspections/{record['id']}", json=finding))
        setattr(ent, which, record["id"])
    _ok(admin.post(f"/v1/inspections/{ent.record_closed}/close",
                   json={"inspector_signature": "执法甲", "enterprise_signature": "企业负责人"}))  # fmt: skip
    approval = _ok(admin.post("/v1/special-approvals", json={"enterprise_id": spec.id, "reason": "举报核查"}))
    ent.approval_id = approval["id"]
    return ent


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _ok(response: httpx.Response) -> Any:
    assert response.status_code in (200, 201), f"{response.request.method} {response.request.url}: {response.text}"
    return response.json()

