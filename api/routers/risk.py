"""Risk registers, codes, workers, patrols and hazard reports, for authenticated callers.

Thin handlers: each passes the caller's principal to a service, which checks
the role and area before it reads or writes a row.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from api.auth import current_key, require_roles
from api.schemas_risk import EnterpriseIn, RegisterIn, TransitionIn, WorkerIn
from minqian.enterprises import Enterprise
from minqian.errors import RecordNotFound
from minqian.keys import ApiKey
from minqian.risk.desk import RiskDesk
from minqian.risk.identification import SiteProfile
from minqian.risk.labels import label_for, label_pdf, qr_png, qr_svg
from minqian.risk.registers import draft_entry

router = APIRouter(prefix="/v1", tags=["risk"])


def _desk(request: Request) -> RiskDesk:
    return request.app.state.risk


@router.get("/enterprises")
def route_enterprises(key: ApiKey = Depends(current_key), desk: RiskDesk = Depends(_desk)) -> dict[str, Any]:
    return {"data": [e.as_dict() for e in desk.enterprises.list(key.principal)]}


@router.post("/enterprises", status_code=201)
def route_add_enterprise(body: EnterpriseIn, key: ApiKey = Depends(require_roles("admin")),
                         desk: RiskDesk = Depends(_desk)) -> dict[str, Any]:  # fmt: skip
    return desk.enterprises.add(Enterprise(**body.model_dump()), by=key.principal).as_dict()


@router.get("/enterprises/{enterprise_id}")
def route_enterprise(enterprise_id: str, key: ApiKey = Depends(current_key),
                     desk: RiskDesk = Depends(_desk)) -> dict[str, Any]:  # fmt: skip
    return desk.enterprises.require(key.principal, enterprise_id).as_dict()


@router.get("/enterprises/{enterprise_id}/risk-register")
def route_register(enterprise_id: str, key: ApiKey = Depends(current_key),
                   desk: RiskDesk = Depends(_desk)) -> dict[str, Any]:  # fmt: skip
    register = desk.registers.current(key.principal, enterprise_id)
    if register is None:
        raise RecordNotFound("该企业还没有确认的风险清单")
    return register


@router.post("/enterprises/{enterprise_id}/risk-register", status_code=201)
def route_confirm_register(enterprise_id: str, body: RegisterIn, key: ApiKey = Depends(current_key),
                           desk: RiskDesk = Depends(_desk)) -> dict[str, Any]:  # fmt: skip
    """Confirm a register from structured entries (for other systems; people use the chat)."""
    enterprise = desk.enterprises.require(key.principal, enterprise_id)
    method = body.method or enterprise.risk_method
    profile = SiteProfile(enterprise.industry, people=body.people)
    entries = [
        draft_entry(desk.knowledge, e.point, [n - 1 for n in e.controls_in_place], profile, method,
                    e.location, e.responsible, e.grade, e.grade_reason)
        for e in body.entries
    ]  # fmt: skip
    confirmed = desk.registers.confirm(key.principal, enterprise_id, entries, method,
                                       {"industry": enterprise.industry, "people": body.people}, "接口")  # fmt: skip
    return {"register_id": confirmed.register_id, "version": confirmed.version, "entries": confirmed.entries,
            "issued": confirmed.issued, "kept": confirmed.kept, "withdrawn": confirmed.withdrawn}  # fmt: skip


@router.get("/enterprises/{enterprise_id}/risk-codes")
def route_codes(enterprise_id: str, include_withdrawn: bool = False, key: ApiKey = Depends(current_key),
                desk: RiskDesk = Depends(_desk)) -> dict[str, Any]:  # fmt: skip
    return {"data": desk.codes.list(key.principal, enterprise_id, include_withdrawn)}


@router.get("/risk-codes/{code_id}")
def route_code(code_id: str, key: ApiKey = Depends(current_key), desk: RiskDesk = Depends(_desk)) -> dict[str, Any]:
    return desk.codes.get(key.principal, code_id)


@router.post("/risk-codes/{code_id}/revoke")
def route_revoke_code(code_id: str, key: ApiKey = Depends(current_key),
                      desk: RiskDesk = Depends(_desk)) -> dict[str, Any]:  # fmt: skip
    return desk.codes.revoke(key.principal, code_id)


@router.get("/risk-codes/{code_id}/qr.png")
def route_qr_png(code_id: str, key: ApiKey = Depends(current_key), desk: RiskDesk = Depends(_desk)) -> Response:
    return Response(qr_png(desk.codes.get(key.principal, code_id)["url"]), media_type="image/png")


@router.get("/risk-codes/{code_id}/qr.svg")
def route_qr_svg(code_id: str, key: ApiKey = Depends(current_key), desk: RiskDesk = Depends(_desk)) -> Response:
    return Response(qr_svg(desk.codes.get(key.principal, code_id)["url"]), media_type="image/svg+xml")


@router.get("/risk-codes/{code_id}/label.pdf")
def route_label(code_id: str, size: Literal["a4", "sticker"] = Query("a4"), key: ApiKey = Depends(current_key),
                desk: RiskDesk = Depends(_desk)) -> Response:  # fmt: skip
    code = desk.codes.get(key.principal, code_id)
    pdf = label_pdf(label_for(code), size)
    filename = f"{code_id}-v{code['version']}-{size}.pdf"
    return Response(pdf, media_type="application/pdf",
                    headers={"content-disposition": f'inline; filename="{filename}"'})  # fmt: skip


@router.post("/enterprises/{enterprise_id}/workers", status_code=201)
def route_issue_worker(enterprise_id: str, body: WorkerIn, key: ApiKey = Depends(current_key),
                       desk: RiskDesk = Depends(_desk)) -> dict[str, Any]:  # fmt: skip
    worker, token = desk.workers.issue(key.principal, enterprise_id, body.name)
    return {**worker, "token": token}


@router.get("/enterprises/{enterprise_id}/workers")
def route_workers(enterprise_id: str, key: ApiKey = Depends(current_key),
                  desk: RiskDesk = Depends(_desk)) -> dict[str, Any]:  # fmt: skip
    return {"data": desk.workers.list(key.principal, enterprise_id)}


@router.post("/workers/{worker_id}/revoke")
def route_revoke_worker(worker_id: str, key: ApiKey = Depends(current_key),
                        desk: RiskDesk = Depends(_desk)) -> dict[str, Any]:  # fmt: skip
    return desk.workers.revoke(key.principal, worker_id)


@router.get("/enterprises/{enterprise_id}/patrols")
def route_patrols(enterprise_id: str, code_id: str | None = None, key: ApiKey = Depends(current_key),
                  desk: RiskDesk = Depends(_desk)) -> dict[str, Any]:  # fmt: skip
    return {"data": desk.field.patrols(key.principal, enterprise_id, code_id)}


@router.get("/enterprises/{enterprise_id}/hazard-reports")
def route_reports(enterprise_id: str, status: str | None = None, key: ApiKey = Depends(current_key),
                  desk: RiskDesk = Depends(_desk)) -> dict[str, Any]:  # fmt: skip
    return {"data": desk.field.reports(key.principal, enterprise_id, status)}


@router.get("/hazard-reports/{report_id}")
def route_report(report_id: str, key: ApiKey = Depends(current_key), desk: RiskDesk = Depends(_desk)) -> dict[str, Any]:
    return desk.field.report(key.principal, report_id)


@router.post("/hazard-reports/{report_id}/transition")
def route_move_report(report_id: str, body: TransitionIn, key: ApiKey = Depends(current_key),
                      desk: RiskDesk = Depends(_desk)) -> dict[str, Any]:  # fmt: skip
    return desk.field.move_report(key.principal, report_id, body.to, body.note)

