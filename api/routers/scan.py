"""The pages and calls behind a scanned risk code: open to read, a worker token to record.

GET /r/{token} is the phone page; it reads GET /v1/scan/{token}. A revoked or
superseded code answers 410 with its status, so the page can say 已失效
instead of showing a guide that no longer applies.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Header, Request
from fastapi.responses import FileResponse, JSONResponse

from api.errors import error_body
from api.schemas_risk import HazardReportIn, PatrolIn
from minqian.errors import AccessDenied
from minqian.risk.desk import RiskDesk

router = APIRouter(tags=["scan"])
STATIC = Path(__file__).resolve().parent.parent / "static"
INVALID = {
    "已撤销": "该风险管理码已被企业撤销，已失效。",
    "已被替代": "该风险管理码已被新版本替代，已失效，请扫描现场的新标签。",
}


def _desk(request: Request) -> RiskDesk:
    return request.app.state.risk


@router.get("/r/{token}", include_in_schema=False)
def route_scan_page(token: str) -> FileResponse:
    # The page is the same for every token; it asks the API what the code shows.
    return FileResponse(STATIC / "scan.html", media_type="text/html; charset=utf-8",
                        headers={"cache-control": "no-store"})  # fmt: skip


@router.get("/static/scan.js", include_in_schema=False)
def route_scan_script() -> FileResponse:
    return FileResponse(STATIC / "scan.js", media_type="application/javascript; charset=utf-8",
                        headers={"cache-control": "no-cache"})  # fmt: skip


@router.get("/static/scan.css", include_in_schema=False)
def route_scan_style() -> FileResponse:
    return FileResponse(STATIC / "scan.css", media_type="text/css; charset=utf-8",
                        headers={"cache-control": "no-cache"})  # fmt: skip


@router.get("/v1/scan/{token}")
def route_scan(token: str, request: Request) -> Any:
    code = _desk(request).codes.scan(token)
    snapshot = code.snapshot
    if not code.valid:
        status = code.row["status"]
        body = error_body(410, INVALID.get(status, "该风险管理码已失效。"), "code_invalid",
                          superseded_by=code.row["superseded_by"])  # fmt: skip
        # Set after the call: error_body's own first parameter is named `status`.
        body["error"]["status"] = status
        body["code"] = {"id": code.row["id"], "enterprise": snapshot["enterprise"],
                        "risk_point": snapshot["risk_point"], "location": snapshot["location"]}  # fmt: skip
        return JSONResponse(body, 410)
    return {"id": code.row["id"], "version": code.row["version"], "status": "有效",
            "issued_at": code.row["issued_at"].isoformat(), **snapshot}  # fmt: skip


@router.get("/v1/scan/{token}/me")
def route_worker(token: str, request: Request, x_worker_token: str = Header("")) -> dict[str, Any]:
    """Who the worker token on this phone belongs to, so the page can greet them."""
    desk = _desk(request)
    code = desk.codes.scan(token)
    worker = desk.workers.authenticate(x_worker_token)
    if worker is None or worker.enterprise_id != code.row["enterprise_id"]:
        raise AccessDenied("员工身份码无效、已停用或不属于该企业")
    return {"worker_id": worker.subject, "name": worker.name, "enterprise_id": worker.enterprise_id}


@router.post("/v1/scan/{token}/patrols", status_code=201)
def route_check_in(token: str, body: PatrolIn, request: Request, x_worker_token: str = Header("")) -> dict[str, Any]:
    items = [i.model_dump() for i in body.items]
    return _desk(request).field.check_in(token, x_worker_token, items, body.note)


@router.post("/v1/scan/{token}/hazard-reports", status_code=201)
def route_report(token: str, body: HazardReportIn, request: Request,
                 x_worker_token: str = Header("")) -> dict[str, Any]:  # fmt: skip
    return _desk(request).field.report_hazard(token, x_worker_token, body.description, body.location, body.severity)
