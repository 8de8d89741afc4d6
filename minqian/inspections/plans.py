"""Annual inspection plans (草稿 → 已审批 → 已备案) and special approvals outside them.

闽应急规〔2025〕1号 第1条: plans name the key-inspection enterprises and are
approved and filed; a special inspection needs its own approval. A plan is
drafted from the published coefficients: every enterprise in the department's
area with its yearly on-site cap, key-inspection ones first.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select

from minqian.access import SUPERVISOR_ROLES, Principal
from minqian.coefficient.service import CoefficientService
from minqian.errors import AccessDenied, InvalidRecord, RecordNotFound, StateConflict
from minqian.inspections.records import inspection_plans, plan_entries, special_approvals
from minqian.regions import region_name

PLAN_MOVES = {("草稿", "已审批"): ("reviewer", "admin"), ("已审批", "已备案"): ("reviewer", "admin")}


def department_of(principal: Principal) -> str:
    return f"{region_name(principal.region)}应急管理{'厅' if principal.region is None else '局'}"


class PlanService:
    def __init__(self, engine: Engine, coefficients: CoefficientService) -> None:
        self._engine = engine
        self.coefficients = coefficients

    def draft(self, principal: Principal, year: int, key_visits: int = 2, other_visits: int = 1) -> dict[str, Any]:
        """A draft plan for the principal's area from the latest published coefficients."""
        if principal.role not in ("inspector", "admin"):
            raise AccessDenied("只有执法人员可以编制检查计划")
        rows = self.coefficients.listing(principal)
        if not rows:
            raise InvalidRecord("辖区内还没有发布的企业安全生产系数，无法编制计划")
        plan_id, now = uuid.uuid4().hex, datetime.now(UTC)
        entries = [{"plan_id": plan_id, "enterprise_id": r["enterprise"], "onsite_cap": r["onsite_cap"],
                    "planned_visits": min(key_visits if r["key_inspection"] else other_visits, r["onsite_cap"]),
                    "key_inspection": int(r["key_inspection"]), "grade": r["grade"]} for r in rows]  # fmt: skip
        with self._engine.begin() as connection:
            connection.execute(inspection_plans.insert().values(
                id=plan_id, department=department_of(principal), region_code=principal.region, year=year,
                status="草稿", created_by=principal.subject, created_at=now))  # fmt: skip
            connection.execute(plan_entries.insert(), entries)
        return self.get(principal, plan_id)

    def move(self, principal: Principal, plan_id: str, to: str) -> dict[str, Any]:
        plan = self.get(principal, plan_id)
        allowed = PLAN_MOVES.get((plan["status"], to))
        if allowed is None:
            raise StateConflict(f"计划当前为“{plan['status']}”，不能改为“{to}”")
        if principal.role not in allowed:
            raise AccessDenied("检查计划须由部门负责人（审核人员）审批和备案")
        now = datetime.now(UTC)
        values = {"status": to, **({"approved_by": principal.subject, "approved_at": now} if to == "已审批"
                                   else {"filed_at": now})}  # fmt: skip
        with self._engine.begin() as connection:
            connection.execute(inspection_plans.update().where(inspection_plans.c.id == plan_id).values(values))
        return self.get(principal, plan_id)

    def get(self, principal: Principal, plan_id: str) -> dict[str, Any]:
        with self._engine.connect() as connection:
            plan = (
                connection.execute(select(inspection_plans).where(inspection_plans.c.id == plan_id)).mappings().first()
            )
            if plan is None:
                raise RecordNotFound(f"没有编号为 {plan_id} 的检查计划")
            entries = connection.execute(select(plan_entries).where(plan_entries.c.plan_id == plan_id)
                                         .order_by(plan_entries.c.key_inspection.desc(),
                                                   plan_entries.c.enterprise_id)).mappings().all()  # fmt: skip
        # Plans are the departments' own papers (grades, key-inspection list of
        # the whole area). Enterprise and worker principals carry no region, and
        # `region is None` alone would have read as "province-wide" for them.
        if principal.role not in SUPERVISOR_ROLES:
            raise AccessDenied("检查计划仅向监管部门人员提供")
        if principal.role != "admin" and principal.region not in (None, plan["region_code"]):
            raise AccessDenied("只能查看本辖区的检查计划")
        return {"id": plan["id"], "department": plan["department"], "region_code": plan["region_code"],
                "year": plan["year"], "status": plan["status"],
                "entries": [{k: e[k] for k in ("enterprise_id", "planned_visits", "onsite_cap", "grade")}
                            | {"key_inspection": bool(e["key_inspection"])} for e in entries]}  # fmt: skip

    def request_special(self, principal: Principal, enterprise_id: str, reason: str) -> dict[str, Any]:
        if principal.role not in ("inspector", "admin"):
            raise AccessDenied("只有执法人员可以申请专项检查")
        self.coefficients.enterprises.require(principal, enterprise_id)
        if not reason.strip():
            raise InvalidRecord("专项检查须写明理由")
        row = {"id": uuid.uuid4().hex, "department": department_of(principal), "enterprise_id": enterprise_id,
               "reason": reason.strip(), "status": "待审批", "requested_by": principal.subject,
               "created_at": datetime.now(UTC)}  # fmt: skip
        with self._engine.begin() as connection:
            connection.execute(special_approvals.insert().values(row))
        return {**row, "created_at": row["created_at"].isoformat()}

    def decide_special(self, principal: Principal, approval_id: str, approve: bool) -> dict[str, Any]:
        if principal.role not in ("reviewer", "admin"):
            raise AccessDenied("专项检查须由部门负责人（审核人员）批准")
        with self._engine.begin() as connection:
            row = connection.execute(select(special_approvals).where(special_approvals.c.id == approval_id)
                                     ).mappings().first()  # fmt: skip
            if row is None:
                raise RecordNotFound(f"没有编号为 {approval_id} 的专项检查申请")
            self.coefficients.enterprises.require(principal, row["enterprise_id"])
            if row["status"] != "待审批":
                raise StateConflict(f"该申请已是“{row['status']}”")
            status = "已批准" if approve else "已驳回"
            connection.execute(special_approvals.update().where(special_approvals.c.id == approval_id).values(
                status=status, decided_by=principal.subject, decided_at=datetime.now(UTC)))  # fmt: skip
        return {"id": approval_id, "status": status, "enterprise_id": row["enterprise_id"]}

    def covering_plan(self, enterprise_id: str, year: int) -> str | None:
        """An approved or filed plan of this year that lists the enterprise, if any."""
        query = (select(inspection_plans.c.id).join(plan_entries, plan_entries.c.plan_id == inspection_plans.c.id)
                 .where(plan_entries.c.enterprise_id == enterprise_id, inspection_plans.c.year == year,
                        inspection_plans.c.status.in_(("已审批", "已备案"))))  # fmt: skip
        with self._engine.connect() as connection:
            return connection.execute(query.limit(1)).scalar()
