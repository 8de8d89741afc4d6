"""Tables of the coefficient: enterprise reports, enforcement records, snapshots, roll-ups."""

from __future__ import annotations

from sqlalchemy import Column, Date, Float, ForeignKey, Index, Integer, String, Table, Text

from minqian.database import UtcDateTime, metadata
from minqian.sealing import SealedText

ENFORCEMENT_KINDS = ("行政处罚", "生产安全事故", "检查隐患", "现场检查")
ACCIDENT_LEVELS = ("一般", "较大", "重大", "特别重大")
HAZARD_LEVELS = ("一般隐患", "重大隐患")
ROLLUP_STATES = ("待审核", "已审核", "已退回")

# What an enterprise reports about itself: one row per field and period;
# facts use the latest value reported for a period up to the one scored.
enterprise_reports = Table(
    "enterprise_reports",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("enterprise_id", String(64), ForeignKey("enterprises.id"), nullable=False),
    Column("period", String(7), nullable=False),  # YYYY-MM
    Column("field", String(40), nullable=False),
    Column("value", SealedText("enterprise_reports.value"), nullable=False),  # JSON scalar
    Column("source", String(10), nullable=False),  # 表单 | 导入 | 演示
    Column("submitted_by", String(64), nullable=False),
    Column("submitted_at", UtcDateTime, nullable=False),
    Index("ix_enterprise_reports_lookup", "enterprise_id", "field", "period"),
)

# What inspectors record: penalties, accidents, hazards found on inspection, visits.
enforcement_records = Table(
    "enforcement_records",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("enterprise_id", String(64), ForeignKey("enterprises.id"), nullable=False, index=True),
    Column("kind", String(10), nullable=False),
    Column("occurred_on", Date, nullable=False),
    Column("level", String(10), nullable=True),  # accident level or hazard level
    Column("deadline", Date, nullable=True),  # hazards: remediation deadline
    Column("closed_on", Date, nullable=True),  # hazards: when remediation was verified
    Column("amount", Float, nullable=True),  # penalties: yuan
    Column("description", SealedText("enforcement_records.description"), nullable=False),
    Column("recorded_by", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

coefficient_snapshots = Table(
    "coefficient_snapshots",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("enterprise_id", String(64), ForeignKey("enterprises.id"), nullable=False),
    Column("period", String(7), nullable=False),
    Column("rules_version", String(20), nullable=False),
    Column("coefficient", Float, nullable=False),
    Column("grade", String(2), nullable=False),
    Column("breakdown", Text, nullable=False),  # JSON: Assessment.as_dict()
    Column("supervision", Text, nullable=False),  # JSON: cap, mode, key inspection
    Column("published_at", UtcDateTime, nullable=False),
    Index("ix_coefficient_snapshots_period", "period", "enterprise_id", unique=True),
)

region_rollups = Table(
    "region_rollups",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("period", String(7), nullable=False),
    Column("level", String(6), nullable=False),  # city | county
    Column("region_code", String(12), nullable=False),
    Column("region_name", String(40), nullable=False),
    Column("enterprises", Integer, nullable=False),
    Column("composite", Float, nullable=False),
    Column("distribution", Text, nullable=False),  # JSON: grade → count
    Column("status", String(6), nullable=False),
    Column("reviewed_by", String(64), nullable=True),
    Column("reviewed_at", UtcDateTime, nullable=True),
    Column("note", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_region_rollups_period_region", "period", "region_code", unique=True),
)
