"""Tables of the risk pillar: registers, risk codes, workers, patrols, hazard reports.

Lists and structured details are JSON text columns: they are read and written
whole with their row and never queried inside, which keeps one schema for
SQLite and PostgreSQL.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, Text

from minqian.database import UtcDateTime, metadata
from minqian.sealing import SealedText

REGISTER_SOURCES = ("对话", "接口", "演示")

risk_registers = Table(
    "risk_registers",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("enterprise_id", String(64), ForeignKey("enterprises.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("method", String(10), nullable=False),
    Column("source", String(10), nullable=False),
    Column("profile", SealedText("risk_registers.profile"), nullable=False),  # JSON: what the enterprise described
    Column("confirmed_by", String(64), nullable=False),
    Column("confirmed_at", UtcDateTime, nullable=False),
    Index("ix_risk_registers_enterprise_version", "enterprise_id", "version", unique=True),
)

risk_entries = Table(
    "risk_entries",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("register_id", String(32), ForeignKey("risk_registers.id"), nullable=False, index=True),
    Column("enterprise_id", String(64), nullable=False),
    Column("position", Integer, nullable=False),
    Column("point_ref", String(20), nullable=False),  # corpus risk point id, RS-001-01
    Column("scenario", String(50), nullable=False),
    Column("name", String(200), nullable=False),
    Column("location", String(200), nullable=False),
    Column("grade", String(4), nullable=False),
    Column("grading", Text, nullable=False),  # JSON: method, inputs, value, reasons
    Column("details", Text, nullable=False),  # JSON: hazards, controls, guide, checks
    Column("responsible", SealedText("risk_entries.responsible"), nullable=False),
)

risk_codes = Table(
    "risk_codes",
    metadata,
    Column("id", String(20), primary_key=True),
    Column("lineage", String(20), nullable=False, index=True),  # id of version 1
    Column("version", Integer, nullable=False),
    Column("enterprise_id", String(64), nullable=False, index=True),
    Column("entry_id", String(32), ForeignKey("risk_entries.id"), nullable=False),
    Column("point_key", String(260), nullable=False),  # point_ref@location
    Column("grade", String(4), nullable=False),
    Column("status", String(10), nullable=False),  # 有效 | 已撤销 | 已被替代
    Column("nonce", String(32), nullable=False),
    Column("snapshot", SealedText("risk_codes.snapshot"), nullable=False),  # JSON: everything the scan page shows
    Column("issued_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime, nullable=True),
    Column("superseded_by", String(20), nullable=True),
)

workers = Table(
    "workers",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("enterprise_id", String(64), ForeignKey("enterprises.id"), nullable=False, index=True),
    Column("name", SealedText("workers.name"), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(8), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime, nullable=True),
)

patrol_checkins = Table(
    "patrol_checkins",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("code_id", String(20), ForeignKey("risk_codes.id"), nullable=False, index=True),
    Column("enterprise_id", String(64), nullable=False, index=True),
    Column("worker_id", String(32), ForeignKey("workers.id"), nullable=False),
    Column("checked_at", UtcDateTime, nullable=False),
    Column("items", Text, nullable=False),  # JSON: [{"item": …, "ok": bool}]
    Column("all_ok", Boolean, nullable=False),
    Column("note", SealedText("patrol_checkins.note"), nullable=False),
)

hazard_reports = Table(
    "hazard_reports",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("enterprise_id", String(64), nullable=False, index=True),
    Column("code_id", String(20), ForeignKey("risk_codes.id"), nullable=True),
    Column("reporter_id", String(64), nullable=False),
    Column("description", SealedText("hazard_reports.description"), nullable=False),
    Column("location", SealedText("hazard_reports.location"), nullable=False),
    Column("severity", String(10), nullable=False),  # 一般隐患 | 重大隐患
    Column("status", String(10), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

hazard_report_events = Table(
    "hazard_report_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("report_id", String(32), ForeignKey("hazard_reports.id"), nullable=False, index=True),
    Column("from_status", String(10), nullable=True),
    Column("to_status", String(10), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("note", SealedText("hazard_report_events.note"), nullable=False),
    Column("at", UtcDateTime, nullable=False),
)
