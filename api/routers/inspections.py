"""Inspection plans, schemes, scan-to-enter records, warnings and leniency, for inspectors."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from api.auth import current_key, require_roles
from minqian.inspections.desk import InspectionDesk
from minqian.inspections.lenient import assess_leniency
from minqian.inspections.warnings import TYPES
from minqian.keys import ApiKey

router = APIRouter(prefix="/v1", tags=["inspections"])
INSPECTORS = require_roles("inspector", "admin")


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PlanIn(_Body):
    year: int = Field(ge=2000, le=2100)


class MoveIn(_Body):
    to: Literal["已审批", "已备案"]


class SpecialIn(_Body):
    enterprise_id: str = Field(max_length=64)
    reason: str = Field(min_length=1, max_length=1000)


class DecisionIn(_Body):
    approve: bool


class SchemeIn(_Body):
    enterprise_id: str = Field(max_length=64)
    items: list[str] | None = Field(None, max_length=200, description="Default: drawn from the item lists.")


class ScanIn(_Body):
    token: str = Field(max_length=200)
    scheme_id: str = Field(max_length=32)
    department: str | None = Field(None, max_length=100)


class CheckIn(_Body):
    item: str = Field(max_length=20)
    result: Literal["符合", "不符合", "不适用"]


class FindingIn(_Body):
    item_id: str | None = Field(None, max_length=20)
    description: str = Field(min_length=1, max_length=2000)
    level: Literal["一般隐患", "重大隐患"] = "一般隐患"
    deadline: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    basis: list[str] | None = Field(None, max_length=20)


class RecordIn(_Body):
    checked: list[CheckIn] = Field(default_factory=list, max_length=300)
    findings: list[FindingIn] = Field(default_factory=list, max_length=100)


class CloseIn(_Body):
    inspector_signature: str = Field(min_length=1, max_length=100)
    enterprise_signature: str = Field(min_length=1, max_length=100)


class AmendIn(_Body):
    reason: str = Field(min_length=1, max_length=1000)
    changes: dict[str, Any] = Field(min_length=1)


class LeniencyIn(_Body):
    description: str = Field(min_length=1, max_length=2000)
    level: Literal["一般隐患", "重大隐患"] = "一般隐患"


def _desk(request: Request) -> InspectionDesk:
    return request.app.state.inspections


@router.get("/inspection-items")
def route_items(field: Literal["工贸", "危化", "非煤矿山"], desk: InspectionDesk = Depends(_desk),
                key: ApiKey = Depends(current_key)) -> dict[str, Any]:  # fmt: skip
    return {"data": [i.as_dict() for i in desk.catalogue.for_field(field)]}


@router.post("/inspection-plans", status_code=201)
def route_draft(body: PlanIn, key: ApiKey = Depends(INSPECTORS), desk: InspectionDesk = Depends(_desk)) -> dict[str, Any]:
    return desk.plans.draft(key.principal, body.year)


@router.get("/inspection-plans/{plan_id}")
def route_plan(plan_id: str, key: ApiKey = Depends(current_key), desk: InspectionDesk = Depends(_desk)) -> dict[str, Any]:
    return desk.plans.get(key.principal, plan_id)


@router.post("/inspection-plans/{plan_id}/transition")
def route_move(plan_id: str, body: MoveIn, key: ApiKey = Depends(current_key),
               desk: InspectionDesk = Depends(_desk)) -> dict[str, Any]:  # fmt: skip
    return desk.plans.move(key.principal, plan_id, body.to)


@router.post("/special-approvals", status_code=201)
def route_special(body: SpecialIn, key: ApiKey = Depends(INSPECTORS), desk: InspectionDesk = Depends(_desk)) -> dict[str, Any]:
    return desk.plans.request_special(key.principal, body.enterprise_id, body.reason)


@router.post("/special-approvals/{approval_id}/decision")
def route_decide(approval_id: str, body: DecisionIn, key: ApiKey = Depends(current_key),
                 desk: InspectionDesk = Depends(_desk)) -> dict[str, Any]:  # fmt: skip
    return desk.plans.decide_special(key.principal, approval_id, body.approve)


@router.get("/enterprises/{enterprise_id}/entry-code")
def route_entry_code(enterprise_id: str, key: ApiKey = Depends(current_key),
                     desk: InspectionDesk = Depends(_desk)) -> dict[str, str]:  # fmt: skip
    return desk.visits.entry_code(key.principal, enterprise_id)


@router.post("/inspection-schemes", status_code=201)
def route_scheme(body: SchemeIn, request: Request, key: ApiKey = Depends(INSPECTORS),
                 desk: InspectionDesk = Depends(_desk)) -> dict[str, Any]:  # fmt: skip
    register = request.app.state.risk.registers.current(key.principal, body.enterprise_id) or {"entries": []}
    scenarios = {e["scenario"] for e in register["entries"]}
    return desk.visits.create_scheme(key.principal, body.enterprise_id, scenarios, body.items)


@router.post("/inspection-schemes/{scheme_id}/approve")
def route_approve_scheme(scheme_id: str, key: ApiKey = Depends(current_key),
                         desk: InspectionDesk = Depends(_desk)) -> dict[str, Any]:  # fmt: skip
    return desk.visits.approve_scheme(key.principal, scheme_id)


@router.post("/inspections/scan-in", status_code=201)
def route_scan_in(body: ScanIn, key: ApiKey = Depends(INSPECTORS), desk: InspectionDesk = Depends(_desk)) -> dict[str, Any]:
    return desk.visits.scan_in(key.principal, body.token, body.scheme_id, body.department)


@router.get("/inspections/{record_id}")
def route_record(record_id: str, key: ApiKey = Depends(current_key), desk: InspectionDesk = Depends(_desk)) -> dict[str, Any]:
    return desk.visits.get(key.principal, record_id)


@router.put("/inspections/{record_id}")
def route_fill(record_id: str, body: RecordIn, key: ApiKey = Depends(INSPECTORS),
               desk: InspectionDesk = Depends(_desk)) -> dict[str, Any]:  # fmt: skip
    return desk.visits.record(key.principal, record_id, [c.model_dump() for c in body.checked],
                              [f.model_dump() for f in body.findings])  # fmt: skip


@router.post("/inspections/{record_id}/close")
def route_close(record_id: str, body: CloseIn, key: ApiKey = Depends(INSPECTORS),
                desk: InspectionDesk = Depends(_desk)) -> dict[str, Any]:  # fmt: skip
    return desk.visits.close(key.principal, record_id, body.inspector_signature, body.enterprise_signature)


@router.post("/inspections/{record_id}/amendments", status_code=201)
def route_amend(record_id: str, body: AmendIn, key: ApiKey = Depends(INSPECTORS),
                desk: InspectionDesk = Depends(_desk)) -> dict[str, Any]:  # fmt: skip
    return desk.visits.amend(key.principal, record_id, body.reason, body.changes)


@router.get("/inspection-warnings")
def route_warnings(since: datetime | None = None, until: datetime | None = None, type: str | None = None,
                   key: ApiKey = Depends(require_roles("inspector", "reviewer", "system", "admin")),
                   desk: InspectionDesk = Depends(_desk)) -> dict[str, Any]:  # fmt: skip
    kinds = (type,) if type in TYPES else TYPES
    return {"data": desk.oversight.warnings(key.principal, since, until, kinds)}


@router.post("/leniency")
def route_leniency(body: LeniencyIn, key: ApiKey = Depends(current_key)) -> dict[str, Any]:
    return assess_leniency(body.description, body.level)
