"""Tables of inspection oversight: plans, special approvals, schemes, records, findings, amendments."""

from __future__ import annotations

from sqlalchemy import Column, Date, ForeignKey, Integer, String, Table, Text

from minqian.database import UtcDateTime, metadata
from minqian.sealing import SealedText

PLAN_STATES = ("草稿", "已审批", "已备案")
APPROVAL_STATES = ("待审批", "已批准", "已驳回")
RECORD_STATES = ("检查中", "已结束")

inspection_plans = Table(
    "inspection_plans",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("department", String(100), nullable=False),  # e.g. 南安市应急管理局
    Column("region_code", String(12), nullable=True),  # the department's area; None = province
    Column("year", Integer, nullable=False),
    Column("status", String(6), nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("approved_by", String(64), nullable=True),
    Column("approved_at", UtcDateTime, nullable=True),
    Column("filed_at", UtcDateTime, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
)

plan_entries = Table(
    "plan_entries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("plan_id", String(32), ForeignKey("inspection_plans.id"), nullable=False, index=True),
    Column("enterprise_id", String(64), ForeignKey("enterprises.id"), nullable=False),
    Column("planned_visits", Integer, nullable=False),
    Column("onsite_cap", Integer, nullable=False),
    Column("key_inspection", Integer, nullable=False),  # 0/1, from the coefficient
    Column("grade", String(2), nullable=True),
)

special_approvals = Table(
    "special_approvals",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("department", String(100), nullable=False),
    Column("enterprise_id", String(64), ForeignKey("enterprises.id"), nullable=False),
    Column("reason", Text, nullable=False),
    Column("status", String(6), nullable=False),
    Column("requested_by", String(64), nullable=False),
    Column("decided_by", String(64), nullable=True),
    Column("decided_at", UtcDateTime, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
)

inspection_schemes = Table(
    "inspection_schemes",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("enterprise_id", String(64), ForeignKey("enterprises.id"), nullable=False),
    Column("department", String(100), nullable=False),
    Column("items", Text, nullable=False),  # JSON list of item ids
    Column("status", String(6), nullable=False),  # 草稿 | 已批准
    Column("created_by", String(64), nullable=False),
    Column("approved_by", String(64), nullable=True),
    Column("approved_at", UtcDateTime, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
)

inspection_records = Table(
    "inspection_records",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("enterprise_id", String(64), ForeignKey("enterprises.id"), nullable=False, index=True),
    Column("department", String(100), nullable=False),
    Column("inspector", String(64), nullable=False),
    Column("inspector_name", SealedText("inspection_records.inspector_name"), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("plan_id", String(32), ForeignKey("inspection_plans.id"), nullable=True),
    Column("approval_id", String(32), ForeignKey("special_approvals.id"), nullable=True),
    Column("scheme_id", String(32), ForeignKey("inspection_schemes.id"), nullable=True),
    Column("status", String(6), nullable=False),
    Column("checked", Text, nullable=False),  # JSON: [{"item": id, "result": 符合|不符合|不适用}]
    Column("inspector_signature", SealedText("inspection_records.inspector_signature"), nullable=True),
    Column("enterprise_signature", SealedText("inspection_records.enterprise_signature"), nullable=True),
    Column("closed_at", UtcDateTime, nullable=True),
)

inspection_findings = Table(
    "inspection_findings",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("record_id", String(32), ForeignKey("inspection_records.id"), nullable=False, index=True),
    Column("item_id", String(20), nullable=True),
    Column("description", SealedText("inspection_findings.description"), nullable=False),
    Column("level", String(10), nullable=False),  # 一般隐患 | 重大隐患
    Column("basis", Text, nullable=False),  # JSON list of citations
    Column("deadline", Date, nullable=False),
)

record_amendments = Table(
    "record_amendments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("record_id", String(32), ForeignKey("inspection_records.id"), nullable=False, index=True),
    Column("author", String(64), nullable=False),
    Column("reason", SealedText("record_amendments.reason"), nullable=False),
    Column("changes", SealedText("record_amendments.changes"), nullable=False),  # JSON: what the amendment corrects
    Column("at", UtcDateTime, nullable=False),
)
