"""The permission matrix: every route of the app, every role, and what each target must answer.

Each row is (method, path, expected outcomes by role, request builder). An
outcome tuple reads (own, other, missing): the caller's own enterprise or one
in its area, another enterprise or one outside the area (for admins and the
province inspector still in reach), and an id nobody issued. Routes that name
no enterprise have a single outcome. OK is any 2xx.

The tables are written out by hand, not derived from minqian.access, so a
change to the access rules has to change this file too.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from tests.security.world import PERIOD, PREVIOUS, TODAY, Ent, World

OK = 200  # any 2xx
X = (401, 401, 401)
ALL = ("own", "other", "missing")
ONE = ("own",)

# Reads of an enterprise's records: in reach 2xx, out of reach 403, unknown id 404.
READ = {"admin": (OK, OK, 404), "inspector": (OK, OK, 404), "inspector_city": (OK, 403, 404),
        "inspector_county": (OK, 403, 404), "reviewer": (OK, 403, 404), "system": (OK, 403, 404),
        "enterprise_a": (OK, 403, 404), "enterprise_b": (OK, 403, 404), "worker": X, "anonymous": X}  # fmt: skip
# Changes only the enterprise itself (or an admin) may make; area roles read but never write.
OWNER_WRITE = {"admin": (OK, OK, 404), "inspector": (403, 403, 404), "inspector_city": (403, 403, 404),
               "inspector_county": (403, 403, 404), "reviewer": (403, 403, 404), "system": (403, 403, 404),
               "enterprise_a": (OK, 403, 404), "enterprise_b": (OK, 403, 404), "worker": X, "anonymous": X}  # fmt: skip
# Inspectors' writes (router: inspector/admin), within the area.
INSPECT = {"admin": (OK, OK, 404), "inspector": (OK, OK, 404), "inspector_city": (OK, 403, 404),
           "inspector_county": (OK, 403, 404), "reviewer": (403, 403, 403), "system": (403, 403, 403),
           "enterprise_a": (403, 403, 403), "enterprise_b": (403, 403, 403), "worker": X, "anonymous": X}  # fmt: skip
# Approvals by the department head (reviewer) of the area; the role is checked before the lookup.
APPROVE = {"admin": (OK, OK, 404), "inspector": (403, 403, 403), "inspector_city": (403, 403, 403),
           "inspector_county": (403, 403, 403), "reviewer": (OK, 403, 404), "system": (403, 403, 403),
           "enterprise_a": (403, 403, 403), "enterprise_b": (403, 403, 403), "worker": X, "anonymous": X}  # fmt: skip
# Plans belong to a department's area; enterprises never read them.
PLAN_READ = {"admin": (OK, OK, 404), "inspector": (OK, OK, 404), "inspector_city": (OK, 403, 404),
             "inspector_county": (OK, 403, 404), "reviewer": (OK, 403, 404), "system": (OK, 403, 404),
             "enterprise_a": (403, 403, 404), "enterprise_b": (403, 403, 404), "worker": X, "anonymous": X}  # fmt: skip
PLAN_MOVE = {"admin": (OK, OK, 404), "inspector": (403, 403, 404), "inspector_city": (403, 403, 404),
             "inspector_county": (403, 403, 404), "reviewer": (OK, 403, 404), "system": (403, 403, 404),
             "enterprise_a": (403, 403, 404), "enterprise_b": (403, 403, 404), "worker": X, "anonymous": X}  # fmt: skip
# The scan page's calls: the code shows to anyone holding it; recording needs that enterprise's worker.
SCAN_READ = {role: (OK, OK, 404) for role in READ}
SCAN_WORK = {role: (403, 403, 404) for role in READ} | {"worker": (OK, 403, 404)}
PAGE = {role: (OK, OK, OK) for role in READ}


def single(**outcomes: int) -> dict[str, tuple[int, ...]]:
    return {role: (value,) for role, value in outcomes.items()}


PUBLIC = single(**{role: OK for role in READ})
ANY_KEY = single(**{role: OK for role in READ}) | single(worker=401, anonymous=401)
ADMIN_ONLY = single(**{role: 403 for role in READ}) | single(admin=OK, worker=401, anonymous=401)
# Chat, models and the law search: every key but the reviewer's (a department head's approval key).
KNOWLEDGE = single(**{role: OK for role in READ}) | single(reviewer=403, worker=401, anonymous=401)
CHAT = {role: (v[0],) * 3 for role, v in KNOWLEDGE.items()}
SUPERVISORS = ANY_KEY | single(enterprise_a=403, enterprise_b=403)
PLANNERS = ANY_KEY | single(reviewer=403, system=403, enterprise_a=403, enterprise_b=403)


@dataclass
class Req:
    path: str
    params: dict[str, Any] | None = None
    json: Any = None
    content: bytes | None = None
    headers: dict[str, str] | None = None


Build = Callable[[World, str, Ent, bool], Req]


def status_outcome(response: httpx.Response) -> int:
    return OK if 200 <= response.status_code < 300 else response.status_code


def import_outcome(response: httpx.Response) -> int:
    """The CSV import answers 200 and refuses row by row: read the row's verdict."""
    if response.status_code != 200:
        return response.status_code
    body = response.json()
    if body["stored"] == 1:
        return OK
    message = body["errors"][0]["message"]
    if "没有 ID" in message:
        return 404
    return 403 if any(w in message for w in ("只能查看本企业", "只有本企业", "不在您的辖区")) else 400


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    expect: dict[str, tuple[int, ...]]
    build: Build
    targets: tuple[str, ...] = ALL
    mutates: bool = False  # an allowed call changes stored records
    shows_target: bool = False  # shows the target enterprise's data to anyone by design (the scan page)
    outcome: Callable[[httpx.Response], int] = status_outcome

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"


def get(path: str, **params: Any) -> Build:
    return lambda w, role, e, fresh: Req(path.format(e=e), params={k: v.format(e=e) for k, v in params.items()})


def _plan(w: World, role: str, e: Ent, fresh: bool) -> str:
    region = e.spec.county if role == "inspector_county" else e.spec.city
    return w.fresh_plan(region) if fresh else e.plans[region]


def _items(w: World, e: Ent) -> list[dict[str, Any]]:
    try:
        checks = w.app.state.risk.codes.scan(e.code_token).snapshot["patrol_checks"]
    except Exception:  # a forged token: the server refuses it before reading items
        checks = ["设备完好"]
    return [{"item": c, "ok": True} for c in checks]


def _csv(e: Ent) -> bytes:
    return f"enterprise_id,period,field,value\n{e.id},{PERIOD},drills,3\n".encode()


def _question(e: Ent) -> dict[str, Any]:
    return {"model": "minqian", "messages": [{"role": "user", "content": f"{e.name}的风险清单"}]}


def _new_enterprise() -> dict[str, Any]:
    return {"id": f"E-SEC-NEW-{uuid.uuid4().hex[:8]}", "name": "矩阵新登记测试有限公司", "industry": "工贸",
            "city_code": "3505", "county_code": "350583"}  # fmt: skip


SIGNED = {"inspector_signature": "执法人员", "enterprise_signature": "企业负责人"}
PENALTY = {"kind": "行政处罚", "occurred_on": TODAY.isoformat(), "description": "矩阵测试处罚", "amount": 100}

ROUTES: tuple[Route, ...] = (
    *(Route("GET", p, PUBLIC, get(p), ONE) for p in ("/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc",
                                                     "/healthz", "/widget.js", "/static/scan.js", "/static/scan.css")),
    Route("GET", "/v1/search", KNOWLEDGE, get("/v1/search", q="安全生产许可证的有效期"), ONE),
    Route("GET", "/v1/cite", KNOWLEDGE, get("/v1/cite", ref="《安全生产许可证条例》第九条"), ONE),
    Route("GET", "/v1/models", KNOWLEDGE, get("/v1/models"), ONE),
    Route("POST", "/v1/chat/completions", CHAT, lambda w, r, e, f: Req("/v1/chat/completions", json=_question(e))),
    Route("GET", "/v1/admin/keys", ADMIN_ONLY, get("/v1/admin/keys"), ONE),
    Route("GET", "/v1/admin/audit", ADMIN_ONLY, get("/v1/admin/audit"), ONE),
    Route("GET", "/v1/admin/audit/verify", ADMIN_ONLY, get("/v1/admin/audit/verify"), ONE),
    Route("POST", "/v1/admin/keys", ADMIN_ONLY, lambda w, r, e, f: Req("/v1/admin/keys", json={
        "role": "inspector", "name": "矩阵测试密钥"}), ONE, mutates=True),
    Route("GET", "/v1/enterprises", ANY_KEY, get("/v1/enterprises"), ONE),
    Route("POST", "/v1/enterprises", ADMIN_ONLY, lambda w, r, e, f: Req("/v1/enterprises", json=_new_enterprise()),
          ONE, mutates=True),
    Route("GET", "/v1/enterprises/{enterprise_id}", READ, get("/v1/enterprises/{e.id}")),
    Route("GET", "/v1/enterprises/{enterprise_id}/risk-register", READ, get("/v1/enterprises/{e.id}/risk-register")),
    Route("POST", "/v1/enterprises/{enterprise_id}/risk-register", OWNER_WRITE, lambda w, r, e, f: Req(
        f"/v1/enterprises/{e.id}/risk-register", json={"people": 30, "entries": e.spec.entries()}), mutates=True),
    Route("GET", "/v1/enterprises/{enterprise_id}/risk-codes", READ, get("/v1/enterprises/{e.id}/risk-codes")),
    Route("GET", "/v1/risk-codes/{code_id}", READ, get("/v1/risk-codes/{e.code_id}")),
    Route("POST", "/v1/risk-codes/{code_id}/revoke", OWNER_WRITE, lambda w, r, e, f: Req(
        f"/v1/risk-codes/{w.fresh_code(e) if f else e.code_id}/revoke"), mutates=True),
    *(Route("GET", f"/v1/risk-codes/{{code_id}}/{name}", READ, get(f"/v1/risk-codes/{{e.code_id}}/{name}"))
      for name in ("qr.png", "qr.svg", "label.pdf")),
    Route("POST", "/v1/enterprises/{enterprise_id}/workers", OWNER_WRITE, lambda w, r, e, f: Req(
        f"/v1/enterprises/{e.id}/workers", json={"name": "矩阵新员工"}), mutates=True),
    Route("GET", "/v1/enterprises/{enterprise_id}/workers", READ, get("/v1/enterprises/{e.id}/workers")),
    Route("POST", "/v1/workers/{worker_id}/revoke", OWNER_WRITE, lambda w, r, e, f: Req(
        f"/v1/workers/{w.fresh_worker(e) if f else e.worker_id}/revoke"), mutates=True),
    Route("GET", "/v1/enterprises/{enterprise_id}/patrols", READ, get("/v1/enterprises/{e.id}/patrols")),
    Route("GET", "/v1/enterprises/{enterprise_id}/hazard-reports", READ, get("/v1/enterprises/{e.id}/hazard-reports")),
    Route("GET", "/v1/hazard-reports/{report_id}", READ, get("/v1/hazard-reports/{e.report_id}")),
    Route("POST", "/v1/hazard-reports/{report_id}/transition", OWNER_WRITE, lambda w, r, e, f: Req(
        f"/v1/hazard-reports/{w.fresh_report(e) if f else e.report_id}/transition", json={"to": "整改中"}),
        mutates=True),
    Route("GET", "/r/{token}", PAGE, get("/r/{e.code_token}")),
    Route("GET", "/v1/scan/{token}", SCAN_READ, get("/v1/scan/{e.code_token}"), shows_target=True),
    Route("GET", "/v1/scan/{token}/me", SCAN_WORK, get("/v1/scan/{e.code_token}/me")),
    Route("POST", "/v1/scan/{token}/patrols", SCAN_WORK, lambda w, r, e, f: Req(
        f"/v1/scan/{e.code_token}/patrols", json={"items": _items(w, e)}), mutates=True),
    Route("POST", "/v1/scan/{token}/hazard-reports", SCAN_WORK, lambda w, r, e, f: Req(
        f"/v1/scan/{e.code_token}/hazard-reports", json={"description": "矩阵测试隐患"}), mutates=True),
    Route("GET", "/v1/coefficients", ANY_KEY, get("/v1/coefficients"), ONE),
    Route("GET", "/v1/coefficients/{enterprise_id}", READ, get("/v1/coefficients/{e.id}")),
    Route("GET", "/v1/coefficients/{enterprise_id}/history", READ, get("/v1/coefficients/{e.id}/history")),
    Route("GET", "/v1/coefficients/{enterprise_id}/compare", READ,
          get("/v1/coefficients/{e.id}/compare", before=PREVIOUS, after=PERIOD)),
    Route("POST", "/v1/coefficients/publish", ADMIN_ONLY, lambda w, r, e, f: Req(
        "/v1/coefficients/publish", json={"period": w.scratch_period() if f else PERIOD}), ONE, mutates=True),
    Route("GET", "/v1/supervision", ANY_KEY, get("/v1/supervision"), ONE),
    Route("POST", "/v1/enterprises/{enterprise_id}/reports", OWNER_WRITE, lambda w, r, e, f: Req(
        f"/v1/enterprises/{e.id}/reports", json={"period": PERIOD, "values": {"drills": 3}}), mutates=True),
    Route("POST", "/v1/reports/import", OWNER_WRITE, lambda w, r, e, f: Req(
        "/v1/reports/import", content=_csv(e), headers={"content-type": "text/csv"}), mutates=True,
        outcome=import_outcome),
    Route("POST", "/v1/enterprises/{enterprise_id}/enforcement-records", INSPECT, lambda w, r, e, f: Req(
        f"/v1/enterprises/{e.id}/enforcement-records", json=PENALTY), mutates=True),
    Route("POST", "/v1/rollups/compute", ADMIN_ONLY, lambda w, r, e, f: Req(
        "/v1/rollups/compute", json={"period": w.published_scratch() if f else PERIOD}), ONE, mutates=True),
    Route("GET", "/v1/rollups", ANY_KEY, get("/v1/rollups", period=PERIOD), ONE),
    Route("POST", "/v1/rollups/{rollup_id}/review", APPROVE, lambda w, r, e, f: Req(
        f"/v1/rollups/{w.fresh_rollup(e) if f else e.rollup_id}/review", json={"approve": True}), mutates=True),
    Route("GET", "/v1/rollups/export", ANY_KEY, get("/v1/rollups/export", period=PERIOD, format="json"), ONE),
    Route("GET", "/v1/inspection-items", ANY_KEY, get("/v1/inspection-items", field="工贸"), ONE),
    Route("POST", "/v1/inspection-plans", PLANNERS, lambda w, r, e, f: Req(
        "/v1/inspection-plans", json={"year": datetime.now(UTC).year}), ONE, mutates=True),
    Route("GET", "/v1/inspection-plans/{plan_id}", PLAN_READ,
          lambda w, r, e, f: Req(f"/v1/inspection-plans/{_plan(w, r, e, f)}")),
    Route("POST", "/v1/inspection-plans/{plan_id}/transition", PLAN_MOVE, lambda w, r, e, f: Req(
        f"/v1/inspection-plans/{_plan(w, r, e, f)}/transition", json={"to": "已审批"}), mutates=True),
    Route("POST", "/v1/special-approvals", INSPECT, lambda w, r, e, f: Req(
        "/v1/special-approvals", json={"enterprise_id": e.id, "reason": "矩阵测试"}), mutates=True),
    Route("POST", "/v1/special-approvals/{approval_id}/decision", APPROVE, lambda w, r, e, f: Req(
        f"/v1/special-approvals/{w.fresh_approval(e) if f else e.approval_id}/decision", json={"approve": True}),
        mutates=True),
    Route("GET", "/v1/enterprises/{enterprise_id}/entry-code", READ, get("/v1/enterprises/{e.id}/entry-code")),
    Route("POST", "/v1/inspection-schemes", INSPECT, lambda w, r, e, f: Req(
        "/v1/inspection-schemes", json={"enterprise_id": e.id}), mutates=True),
    Route("POST", "/v1/inspection-schemes/{scheme_id}/approve", APPROVE, lambda w, r, e, f: Req(
        f"/v1/inspection-schemes/{w.fresh_scheme(e) if f else e.draft_scheme}/approve"), mutates=True),
    Route("POST", "/v1/inspections/scan-in", INSPECT, lambda w, r, e, f: Req(
        "/v1/inspections/scan-in", json={"token": e.entry_token, "scheme_id": e.scheme_id}), mutates=True),
    Route("GET", "/v1/inspections/{record_id}", READ, get("/v1/inspections/{e.record_open}")),
    Route("PUT", "/v1/inspections/{record_id}", INSPECT, lambda w, r, e, f: Req(
        f"/v1/inspections/{w.fresh_record(e, r) if f else e.record_open}", json={"checked": [], "findings": []}),
        mutates=True),
    Route("POST", "/v1/inspections/{record_id}/close", INSPECT, lambda w, r, e, f: Req(
        f"/v1/inspections/{w.fresh_record(e, r) if f else e.record_open}/close", json=SIGNED), mutates=True),
    Route("POST", "/v1/inspections/{record_id}/amendments", INSPECT, lambda w, r, e, f: Req(
        f"/v1/inspections/{e.record_closed}/amendments", json={"reason": "补记", "changes": {"地点": "车间"}}),
        mutates=True),
    Route("GET", "/v1/inspection-warnings", SUPERVISORS, get("/v1/inspection-warnings"), ONE),
    Route("POST", "/v1/leniency", ANY_KEY, lambda w, r, e, f: Req("/v1/leniency", json={
        "description": "车间两具灭火器过期"}), ONE),
)  # fmt: skip
