"""Scan-to-enter (扫码入企): schemes, inspection records, findings, closing and amendments.

A visit starts when the inspector scans the enterprise's entry code, and only
under an approved scheme (检查方案). It is closed with both signatures
(安全生产法 第六十八条), after which it never changes: corrections are
amendments kept beside it. Closing feeds the coefficient (a 现场检查 and each
finding as a 检查隐患 enforcement record) and the enterprise's hazard list.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, select

from minqian.access import Principal
from minqian.coefficient.records import enforcement_records
from minqian.enterprises import EnterpriseStore
from minqian.errors import AccessDenied, InvalidRecord, RecordNotFound, StateConflict
from minqian.inspections.items import ItemCatalogue
from minqian.inspections.plans import PlanService, department_of
from minqian.inspections.records import (
    inspection_findings,
    inspection_records,
    inspection_schemes,
    record_amendments,
    special_approvals,
)
from minqian.risk.records import hazard_report_events, hazard_reports
from minqian.risk.tokens import CodeSigner

ENTRY_NONCE = "entry-code"
RESULTS = ("符合", "不符合", "不适用")


class VisitService:
    def __init__(self, engine: Engine, enterprises: EnterpriseStore, catalogue: ItemCatalogue,
                 plans: PlanService, signer: CodeSigner, public_url: str) -> None:  # fmt: skip
        self._engine = engine
        self.enterprises = enterprises
        self.catalogue = catalogue
        self.plans = plans
        self.signer = signer
        self.public_url = public_url.rstrip("/")

    def entry_code(self, principal: Principal, enterprise_id: str) -> dict[str, str]:
        """The enterprise's entry code URL, posted at its gate."""
        self.enterprises.require(principal, enterprise_id)
        token = self.signer.token(enterprise_id, ENTRY_NONCE)
        return {"enterprise_id": enterprise_id, "token": token, "url": f"{self.public_url}/enter/{token}"}

    def create_scheme(self, principal: Principal, enterprise_id: str, scenarios: set[str],
                      items: list[str] | None = None) -> dict[str, Any]:  # fmt: skip
        """A checklist from the item lists for the enterprise's field and its register's scenarios."""
        enterprise = self.enterprises.require(principal, enterprise_id)
        _inspector(principal)
        chosen = items or [i.id for i in self.catalogue.checklist(enterprise.industry, scenarios)]
        unknown = [i for i in chosen if i not in self.catalogue.by_id]
        if unknown or not chosen:
            raise InvalidRecord(
                f"检查事项不在清单中：{'、'.join(unknown)}" if unknown else "检查方案至少需要一个检查事项"
            )
        row = {"id": uuid.uuid4().hex, "enterprise_id": enterprise_id, "department": department_of(principal),
               "items": json.dumps(chosen), "status": "草稿", "created_by": principal.subject,
               "created_at": datetime.now(UTC)}  # fmt: skip
        with self._engine.begin() as connection:
            connection.execute(inspection_schemes.insert().values(row))
        return {"id": row["id"], "enterprise_id": enterprise_id, "status": "草稿", "items": chosen}

    def approve_scheme(self, principal: Principal, scheme_id: str) -> dict[str, Any]:
        if principal.role not in ("reviewer", "admin"):
            raise AccessDenied("检查方案须报应急管理部门负责人（审核人员）批准")
        scheme = self._scheme(scheme_id)
        self.enterprises.require(principal, scheme["enterprise_id"])
        if scheme["status"] != "草稿":
            raise StateConflict("该检查方案已批准")
        with self._engine.begin() as connection:
            connection.execute(inspection_schemes.update().where(inspection_schemes.c.id == scheme_id).values(
                status="已批准", approved_by=principal.subject, approved_at=datetime.now(UTC)))  # fmt: skip
        return {"id": scheme_id, "status": "已批准"}

    def scan_in(self, principal: Principal, token: str, scheme_id: str, department: str | None = None,
                at: datetime | None = None) -> dict[str, Any]:  # fmt: skip
        """Start a record by scanning the entry code; the plan or approval is looked up."""
        _inspector(principal)
        enterprise_id = self.signer.code_id(token) or ""
        if not self.signer.verify(token, ENTRY_NONCE) or self.enterprises.get(enterprise_id) is None:
            raise RecordNotFound("入企码无效")
        self.enterprises.require(principal, enterprise_id)
        scheme = self._scheme(scheme_id)
        if scheme["enterprise_id"] != enterprise_id or scheme["status"] != "已批准":
            raise StateConflict("检查前须有经批准的本企业检查方案")
        started = at or datetime.now(UTC)
        row = {"id": uuid.uuid4().hex, "enterprise_id": enterprise_id,
               "department": department or department_of(principal), "inspector": principal.subject,
               "inspector_name": principal.name or principal.subject, "started_at": started,
               "plan_id": self.plans.covering_plan(enterprise_id, started.year),
               "approval_id": self._open_approval(enterprise_id), "scheme_id": scheme_id, "status": "检查中",
               "checked": "[]", "inspector_signature": None, "enterprise_signature": None,
               "closed_at": None}  # fmt: skip
        with self._engine.begin() as connection:
            connection.execute(inspection_records.insert().values(row))
        return self.get(principal, row["id"])

    def record(self, principal: Principal, record_id: str, checked: list[dict[str, str]],
               findings: list[dict[str, Any]]) -> dict[str, Any]:  # fmt: skip
        """Items checked and findings of an open record (replacing what was entered before)."""
        current = self._open(principal, record_id)
        scheme_items = set(json.loads(self._scheme(current["scheme_id"])["items"]))
        for entry in checked:
            if entry.get("item") not in scheme_items or entry.get("result") not in RESULTS:
                raise InvalidRecord(f"检查事项 {entry.get('item')} 不在方案中，或结果不是 {'/'.join(RESULTS)}")
        rows = [_finding(record_id, f, self.catalogue, current["started_at"].date()) for f in findings]
        with self._engine.begin() as connection:
            connection.execute(inspection_records.update().where(inspection_records.c.id == record_id)
                               .values(checked=json.dumps(checked, ensure_ascii=False)))  # fmt: skip
            connection.execute(inspection_findings.delete().where(inspection_findings.c.record_id == record_id))
            if rows:
                connection.execute(inspection_findings.insert(), rows)
        return self.get(principal, record_id)

    def close(self, principal: Principal, record_id: str, inspector_signature: str,
              enterprise_signature: str) -> dict[str, Any]:  # fmt: skip
        """Close with both signatures; feeds the coefficient and the hazard list."""
        current = self._open(principal, record_id)
        if not inspector_signature.strip() or not enterprise_signature.strip():
            raise InvalidRecord("检查记录须由检查人员和被检查单位负责人签字（安全生产法第六十八条）")
        now = datetime.now(UTC)
        with self._engine.begin() as connection:
            changed = connection.execute(inspection_records.update().where(
                inspection_records.c.id == record_id, inspection_records.c.status == "检查中").values(
                status="已结束", inspector_signature=inspector_signature.strip()[:100],
                enterprise_signature=enterprise_signature.strip()[:100], closed_at=now)).rowcount  # fmt: skip
            if changed != 1:
                raise StateConflict("检查记录已结束")
            self._feed(connection, current, now)
        return self.get(principal, record_id)

    def amend(self, principal: Principal, record_id: str, reason: str, changes: dict[str, Any]) -> dict[str, Any]:
        # Checked here, not only by the router: `get` lets the enterprise (and any
        # area role) read its record, which must not make them able to amend it.
        _inspector(principal)
        record = self.get(principal, record_id)
        if record["status"] != "已结束":
            raise StateConflict("检查中的记录可直接修改，结束后才需要补正")
        if not reason.strip() or not changes:
            raise InvalidRecord("补正须写明理由和补正内容")
        with self._engine.begin() as connection:
            connection.execute(record_amendments.insert().values(
                record_id=record_id, author=principal.subject, reason=reason.strip(),
                changes=json.dumps(changes, ensure_ascii=False), at=datetime.now(UTC)))  # fmt: skip
        return self.get(principal, record_id)

    def get(self, principal: Principal, record_id: str) -> dict[str, Any]:
        row = self._record_row(principal, record_id)
        with self._engine.connect() as connection:
            findings = connection.execute(select(inspection_findings).where(
                inspection_findings.c.record_id == record_id)).mappings().all()  # fmt: skip
            amendments = connection.execute(
                select(record_amendments).where(record_amendments.c.record_id == record_id)
                .order_by(record_amendments.c.id)).mappings().all()  # fmt: skip
        return record_view(row, findings, amendments)

    def _record_row(self, principal: Principal, record_id: str) -> dict[str, Any]:
        """The record if it exists and the principal reaches its enterprise."""
        with self._engine.connect() as connection:
            row = (
                connection.execute(select(inspection_records).where(inspection_records.c.id == record_id))
                .mappings()
                .first()
            )
        if row is None:
            raise RecordNotFound(f"没有编号为 {record_id} 的检查记录")
        self.enterprises.require(principal, row["enterprise_id"])
        return dict(row)

    def _open(self, principal: Principal, record_id: str) -> dict[str, Any]:
        _inspector(principal)
        row = self._record_row(principal, record_id)
        if row["status"] != "检查中":
            raise StateConflict("检查记录已结束，不能修改，只能补正")
        if principal.role != "admin" and row["inspector"] != principal.subject:
            raise AccessDenied("只有开始本次检查的执法人员可以填写记录")
        return row

    def _feed(self, connection: Connection, record: dict[str, Any], now: datetime) -> None:
        day = record["started_at"].date()
        connection.execute(enforcement_records.insert().values(
            id=uuid.uuid4().hex, enterprise_id=record["enterprise_id"], kind="现场检查", occurred_on=day,
            description=f"扫码入企检查（记录 {record['id']}）", recorded_by=record["inspector"],
            created_at=now))  # fmt: skip
        for finding in connection.execute(select(inspection_findings).where(
                inspection_findings.c.record_id == record["id"])).mappings():  # fmt: skip
            connection.execute(enforcement_records.insert().values(
                id=uuid.uuid4().hex, enterprise_id=record["enterprise_id"], kind="检查隐患", occurred_on=day,
                level=finding["level"], deadline=finding["deadline"], description=finding["description"],
                recorded_by=record["inspector"], created_at=now))  # fmt: skip
            report_id = uuid.uuid4().hex
            connection.execute(hazard_reports.insert().values(
                id=report_id, enterprise_id=record["enterprise_id"], code_id=None, reporter_id=record["inspector"],
                description=f"执法检查发现：{finding['description']}（整改期限 {finding['deadline']}）",
                location="", severity=finding["level"], status="已上报", created_at=now, updated_at=now))  # fmt: skip
            connection.execute(hazard_report_events.insert().values(
                report_id=report_id, from_status=None, to_status="已上报", actor=record["inspector"],
                note=f"检查记录 {record['id']}", at=now))  # fmt: skip

    def _scheme(self, scheme_id: str) -> Any:
        with self._engine.connect() as connection:
            row = (
                connection.execute(select(inspection_schemes).where(inspection_schemes.c.id == scheme_id))
                .mappings()
                .first()
            )
        if row is None:
            raise RecordNotFound(f"没有编号为 {scheme_id} 的检查方案")
        return row

    def _open_approval(self, enterprise_id: str) -> str | None:
        used = select(inspection_records.c.approval_id).where(inspection_records.c.approval_id.is_not(None))
        query = select(special_approvals.c.id).where(
            special_approvals.c.enterprise_id == enterprise_id, special_approvals.c.status == "已批准",
            special_approvals.c.id.not_in(used))  # fmt: skip
        with self._engine.connect() as connection:
            return connection.execute(query.limit(1)).scalar()


def record_view(row: Any, findings: Any = (), amendments: Any = ()) -> dict[str, Any]:
    return {
        "id": row["id"], "enterprise_id": row["enterprise_id"], "department": row["department"],
        "inspector": row["inspector"], "inspector_name": row["inspector_name"],
        "started_at": row["started_at"].isoformat(), "plan_id": row["plan_id"], "approval_id": row["approval_id"],
        "scheme_id": row["scheme_id"], "status": row["status"], "checked": json.loads(row["checked"]),
        "inspector_signature": row["inspector_signature"], "enterprise_signature": row["enterprise_signature"],
        "closed_at": row["closed_at"].isoformat() if row["closed_at"] else None,
        "findings": [{"id": f["id"], "item_id": f["item_id"], "description": f["description"], "level": f["level"],
                      "basis": json.loads(f["basis"]), "deadline": f["deadline"].isoformat()} for f in findings],
        "amendments": [{"author": a["author"], "reason": a["reason"], "changes": json.loads(a["changes"]),
                        "at": a["at"].isoformat()} for a in amendments],
    }  # fmt: skip


def _inspector(principal: Principal) -> None:
    if principal.role not in ("inspector", "admin"):
        raise AccessDenied("只有执法人员可以进行检查")


def _finding(record_id: str, finding: dict[str, Any], catalogue: ItemCatalogue, found_on: date) -> dict[str, Any]:
    item = catalogue.by_id.get(str(finding.get("item_id") or ""))
    description = str(finding.get("description") or "").strip()
    level = finding.get("level", "一般隐患")
    try:
        deadline = date.fromisoformat(str(finding.get("deadline")))
    except ValueError:
        raise InvalidRecord("每项发现须有整改期限（YYYY-MM-DD）") from None
    if not description or level not in ("一般隐患", "重大隐患") or deadline < found_on:
        raise InvalidRecord("发现的问题须写明描述、隐患等级（一般隐患/重大隐患）和不早于检查日的整改期限")
    basis = list(finding.get("basis") or (item.basis if item else ()))
    return {"id": uuid.uuid4().hex, "record_id": record_id, "item_id": item.id if item else None,
            "description": description[:2000], "level": level, "basis": json.dumps(basis, ensure_ascii=False),
            "deadline": deadline}  # fmt: skip
