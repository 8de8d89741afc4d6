"""What happens at a risk point: daily patrol check-ins and internal hazard reports.

A hazard report moves 已上报 → 整改中 → 已整改 → 已验收; a failed acceptance
sends it back to 整改中. Every move is an event with its actor and note, so
the enterprise's safety manager and the inspector see the whole history.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select

from minqian.access import Principal, require_enterprise_user
from minqian.enterprises import EnterpriseStore
from minqian.errors import AccessDenied, InvalidRecord, RecordNotFound, StateConflict
from minqian.risk.codes import CodeBook, ScannedCode
from minqian.risk.records import hazard_report_events, hazard_reports, patrol_checkins
from minqian.risk.workers import WorkerRegistry

REPORT_STATES = ("已上报", "整改中", "已整改", "已验收")
TRANSITIONS = {("已上报", "整改中"), ("整改中", "已整改"), ("已整改", "已验收"), ("已整改", "整改中")}
SEVERITIES = ("一般隐患", "重大隐患")


class FieldRecords:
    """Patrols and hazard reports, written by workers and read by their enterprise."""

    def __init__(self, engine: Engine, enterprises: EnterpriseStore, codes: CodeBook,
                 workers: WorkerRegistry) -> None:  # fmt: skip
        self._engine = engine
        self.enterprises = enterprises
        self.codes = codes
        self.workers = workers

    def check_in(self, token: str, worker_token: str, items: list[dict[str, Any]], note: str = "") -> dict[str, Any]:
        """Record one patrol at the code's point; every check item must be answered."""
        code, worker = self._recording(token, worker_token)
        expected = code.snapshot["patrol_checks"]
        answered = {str(i.get("item")): i.get("ok") for i in items}
        unknown = [i for i in answered if i not in expected]
        missing = [i for i in expected if i not in answered]
        if unknown or missing or any(not isinstance(v, bool) for v in answered.values()):
            raise InvalidRecord(
                "巡查项目须逐项填写“正常/异常”：" + "；".join(
                    [*(f"缺少“{m}”" for m in missing), *(f"未知项目“{u}”" for u in unknown)]
                    or ["结果必须是 true 或 false"])
            )  # fmt: skip
        row = {
            "id": uuid.uuid4().hex, "code_id": code.row["id"], "enterprise_id": worker.enterprise_id,
            "worker_id": worker.subject, "checked_at": datetime.now(UTC),
            "items": json.dumps([{"item": i, "ok": answered[i]} for i in expected], ensure_ascii=False),
            "all_ok": all(answered.values()), "note": note.strip()[:1000],
        }  # fmt: skip
        with self._engine.begin() as connection:
            connection.execute(patrol_checkins.insert().values(row))
        return self._patrol(row, {worker.subject: worker.name})

    def report_hazard(self, token: str, worker_token: str, description: str, location: str = "",
                      severity: str = "一般隐患") -> dict[str, Any]:  # fmt: skip
        """A worker's report of a hidden hazard at (or near) the code's point."""
        code, worker = self._recording(token, worker_token)
        if not description.strip():
            raise InvalidRecord("请描述发现的隐患")
        if severity not in SEVERITIES:
            raise InvalidRecord(f"隐患等级应为 {'、'.join(SEVERITIES)} 之一")
        now = datetime.now(UTC)
        row = {
            "id": uuid.uuid4().hex, "enterprise_id": worker.enterprise_id, "code_id": code.row["id"],
            "reporter_id": worker.subject, "description": description.strip()[:2000],
            "location": (location.strip() or code.snapshot["location"])[:200],
            "severity": severity, "status": "已上报", "created_at": now, "updated_at": now,
        }  # fmt: skip
        with self._engine.begin() as connection:
            connection.execute(hazard_reports.insert().values(row))
            connection.execute(hazard_report_events.insert().values(
                report_id=row["id"], from_status=None, to_status="已上报",
                actor=worker.subject, note="", at=now))  # fmt: skip
        return self.report(Principal("admin", "system"), row["id"])

    def move_report(self, principal: Principal, report_id: str, to: str, note: str = "") -> dict[str, Any]:
        """Move a report to its next state; only the enterprise's own users may."""
        current = self.report(principal, report_id)
        require_enterprise_user(principal, current["enterprise_id"])
        if (current["status"], to) not in TRANSITIONS:
            allowed = "、".join(b for a, b in sorted(TRANSITIONS) if a == current["status"]) or "无"
            raise StateConflict(f"隐患当前为“{current['status']}”，不能改为“{to}”；可改为：{allowed}")
        now = datetime.now(UTC)
        with self._engine.begin() as connection:
            changed = connection.execute(
                hazard_reports.update().where(hazard_reports.c.id == report_id,
                                              hazard_reports.c.status == current["status"])
                .values(status=to, updated_at=now)
            ).rowcount  # fmt: skip
            if changed != 1:  # someone else moved it in between
                raise StateConflict("隐患状态已被他人更新，请刷新后重试")
            connection.execute(hazard_report_events.insert().values(
                report_id=report_id, from_status=current["status"], to_status=to,
                actor=principal.subject, note=note.strip()[:1000], at=now))  # fmt: skip
        return self.report(principal, report_id)

    def report(self, principal: Principal, report_id: str) -> dict[str, Any]:
        with self._engine.connect() as connection:
            row = connection.execute(select(hazard_reports).where(hazard_reports.c.id == report_id)).mappings().first()
            if row is None:
                raise RecordNotFound(f"没有 ID 为 {report_id} 的隐患报告")
            self.enterprises.require(principal, row["enterprise_id"])
            events = connection.execute(
                select(hazard_report_events).where(hazard_report_events.c.report_id == report_id)
                .order_by(hazard_report_events.c.id)).mappings().all()  # fmt: skip
        return self._report(row, events)

    def reports(self, principal: Principal, enterprise_id: str, status: str | None = None) -> list[dict[str, Any]]:
        self.enterprises.require(principal, enterprise_id)
        query = select(hazard_reports).where(hazard_reports.c.enterprise_id == enterprise_id)
        if status:
            query = query.where(hazard_reports.c.status == status)
        with self._engine.connect() as connection:
            rows = connection.execute(query.order_by(hazard_reports.c.created_at.desc())).mappings().all()
        return [self._report(r, []) for r in rows]

    def patrols(self, principal: Principal, enterprise_id: str, code_id: str | None = None,
                limit: int = 200) -> list[dict[str, Any]]:  # fmt: skip
        self.enterprises.require(principal, enterprise_id)
        query = select(patrol_checkins).where(patrol_checkins.c.enterprise_id == enterprise_id)
        if code_id:
            query = query.where(patrol_checkins.c.code_id == code_id)
        with self._engine.connect() as connection:
            rows = connection.execute(query.order_by(patrol_checkins.c.checked_at.desc()).limit(limit)).mappings().all()
        names = self.workers.names({r["worker_id"] for r in rows})
        return [self._patrol(r, names) for r in rows]

    def _recording(self, token: str, worker_token: str) -> tuple[ScannedCode, Principal]:
        code = self.codes.scan(token)
        if not code.valid:
            raise StateConflict("该风险管理码已失效，不能再登记，请联系企业安全管理人员")
        worker = self.workers.authenticate(worker_token or "")
        if worker is None:
            raise AccessDenied("登记需要企业发放的员工身份码，当前身份码无效或已停用")
        if worker.enterprise_id != code.row["enterprise_id"]:
            raise AccessDenied("您不是该企业的员工，不能在此风险点登记")
        return code, worker

    def _patrol(self, row: Any, names: dict[str, str]) -> dict[str, Any]:
        return {
            "id": row["id"], "code_id": row["code_id"], "enterprise_id": row["enterprise_id"],
            "worker_id": row["worker_id"], "worker": names.get(row["worker_id"], ""),
            "checked_at": row["checked_at"].isoformat(), "items": json.loads(row["items"]),
            "all_ok": row["all_ok"], "note": row["note"],
        }  # fmt: skip

    def _report(self, row: Any, events: Any) -> dict[str, Any]:
        names = self.workers.names({row["reporter_id"]})
        return {
            "id": row["id"], "enterprise_id": row["enterprise_id"], "code_id": row["code_id"],
            "reporter_id": row["reporter_id"], "reporter": names.get(row["reporter_id"], ""),
            "description": row["description"], "location": row["location"],
            "severity": row["severity"], "status": row["status"],
            "created_at": row["created_at"].isoformat(), "updated_at": row["updated_at"].isoformat(),
            "history": [{"from": e["from_status"], "to": e["to_status"], "actor": e["actor"],
                         "note": e["note"], "at": e["at"].isoformat()} for e in events],
        }  # fmt: skip
