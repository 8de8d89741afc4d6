"""Safety coefficients, their inputs, supervision lists and regional roll-ups."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.auth import current_key, require_roles
from minqian.coefficient.desk import CoefficientDesk
from minqian.coefficient.facts import Period
from minqian.errors import InvalidRecord
from minqian.keys import ApiKey

router = APIRouter(prefix="/v1", tags=["coefficient"])
MAX_CSV_BYTES = 2_000_000
PERIOD_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
ROW_ID_MAX = 2**31 - 1  # integer keys are 32-bit on PostgreSQL: a larger id fails in the driver


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PeriodIn(_Body):
    period: str = Field(pattern=PERIOD_PATTERN, description="YYYY-MM")

    @field_validator("period")
    @classmethod
    def _plausible(cls, period: str) -> str:
        # The pattern lets "0000-01" through; Period.parse's ValueError becomes a 400 here.
        return Period.parse(period).label


class ReportIn(PeriodIn):
    values: dict[str, Any] = Field(min_length=1, max_length=50)


class EnforcementIn(_Body):
    kind: Literal["行政处罚", "生产安全事故", "检查隐患", "现场检查"]
    occurred_on: date
    description: str = Field(min_length=1, max_length=2000)
    level: str | None = Field(None, max_length=10)
    deadline: date | None = None
    closed_on: date | None = None
    amount: float | None = Field(None, ge=0)


class ReviewIn(_Body):
    approve: bool
    note: str = Field("", max_length=1000)


def _desk(request: Request) -> CoefficientDesk:
    return request.app.state.coefficients


@router.get("/coefficients")
def route_list(period: str | None = None, key: ApiKey = Depends(current_key),
               desk: CoefficientDesk = Depends(_desk)) -> dict[str, Any]:  # fmt: skip
    """Every enterprise in reach with its published coefficient, worst grade then lowest coefficient first."""
    return {"period": period or desk.scores.latest_period(), "data": desk.scores.listing(key.principal, period)}


@router.get("/coefficients/{enterprise_id}")
def route_explain(enterprise_id: str, period: str | None = None, key: ApiKey = Depends(current_key),
                  desk: CoefficientDesk = Depends(_desk)) -> dict[str, Any]:  # fmt: skip
    return desk.scores.explain(key.principal, enterprise_id, period)


@router.get("/coefficients/{enterprise_id}/history")
def route_history(enterprise_id: str, key: ApiKey = Depends(current_key),
                  desk: CoefficientDesk = Depends(_desk)) -> dict[str, Any]:  # fmt: skip
    return {"data": desk.scores.history(key.principal, enterprise_id)}


@router.get("/coefficients/{enterprise_id}/compare")
def route_compare(enterprise_id: str, before: str, after: str, key: ApiKey = Depends(current_key),
                  desk: CoefficientDesk = Depends(_desk)) -> dict[str, Any]:  # fmt: skip
    return desk.scores.compare(key.principal, enterprise_id, before, after)


@router.post("/coefficients/publish")
def route_publish(body: PeriodIn, key: ApiKey = Depends(require_roles("admin")),
                  desk: CoefficientDesk = Depends(_desk)) -> dict[str, Any]:  # fmt: skip
    count = desk.scores.publish(key.principal, Period.parse(body.period))
    return {"period": body.period, "enterprises": count, "rules_version": desk.scores.rules.version}


@router.get("/supervision")
def route_supervision(period: str | None = None, key_only: bool = False, key: ApiKey = Depends(current_key),
                      desk: CoefficientDesk = Depends(_desk)) -> dict[str, Any]:  # fmt: skip
    """The annual plan's input: caps, inspection mode and the key-inspection list."""
    rows = desk.scores.listing(key.principal, period)
    return {"data": [r for r in rows if r["key_inspection"] or not key_only]}


@router.post("/enterprises/{enterprise_id}/reports", status_code=201)
def route_report(enterprise_id: str, body: ReportIn, key: ApiKey = Depends(current_key),
                 desk: CoefficientDesk = Depends(_desk)) -> dict[str, Any]:  # fmt: skip
    return {"stored": desk.inputs.report(key.principal, enterprise_id, body.period, body.values)}


# The handler reads the body itself; declared here so the schema (and its fuzzing) shows it.
_CSV_BODY = {"requestBody": {"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}}}


@router.post("/reports/import", openapi_extra=_CSV_BODY)
async def route_import(request: Request, key: ApiKey = Depends(current_key)) -> dict[str, Any]:
    """A CSV body (enterprise_id,period,field,value); good rows stored, bad rows listed."""
    raw = await request.body()
    if len(raw) > MAX_CSV_BYTES:
        raise InvalidRecord(f"CSV 过大：最多 {MAX_CSV_BYTES} 字节")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidRecord("CSV 必须是 UTF-8 编码") from None
    if "\x00" in text:
        raise InvalidRecord("CSV 中不能含有 NUL 字符")  # PostgreSQL text cannot hold it
    result = _desk(request).inputs.import_csv(key.principal, text)
    return {"stored": result.stored, "errors": result.errors}


@router.post("/enterprises/{enterprise_id}/enforcement-records", status_code=201)
def route_enforcement(enterprise_id: str, body: EnforcementIn, key: ApiKey = Depends(require_roles("inspector", "admin")),
                      desk: CoefficientDesk = Depends(_desk)) -> dict[str, Any]:  # fmt: skip
    return desk.inputs.record(key.principal, enterprise_id, **body.model_dump())


@router.post("/rollups/compute")
def route_rollups(body: PeriodIn, key: ApiKey = Depends(require_roles("admin")),
                  desk: CoefficientDesk = Depends(_desk)) -> dict[str, Any]:  # fmt: skip
    return {"data": desk.rollups.compute(key.principal, body.period)}


@router.get("/rollups")
def route_rollup_list(period: str, key: ApiKey = Depends(current_key),
                      desk: CoefficientDesk = Depends(_desk)) -> dict[str, Any]:  # fmt: skip
    return {"data": desk.rollups.list(key.principal, period)}


@router.post("/rollups/{rollup_id}/review")
def route_review(rollup_id: Annotated[int, Path(ge=1, le=ROW_ID_MAX)], body: ReviewIn,
                 key: ApiKey = Depends(require_roles("reviewer", "admin")),
                 desk: CoefficientDesk = Depends(_desk)) -> dict[str, Any]:  # fmt: skip
    return desk.rollups.review(key.principal, rollup_id, body.approve, body.note)


@router.get("/rollups/export")
def route_export(period: str = Query(pattern=PERIOD_PATTERN), format: Literal["csv", "json"] = Query("csv"),
                 key: ApiKey = Depends(current_key), desk: CoefficientDesk = Depends(_desk)) -> Response:  # fmt: skip
    # The period is echoed in a header (latin-1 only): the pattern refuses anything else with a 400.
    text = desk.rollups.export(key.principal, period, format)
    media = "text/csv; charset=utf-8" if format == "csv" else "application/json"
    return Response(text, media_type=media,
                    headers={"content-disposition": f'attachment; filename="rollups-{period}.{format}"'})  # fmt: skip
