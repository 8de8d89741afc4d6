"""Confirmed risk registers (风险清单) and the risk management codes they issue.

Confirming a register writes a new version in one transaction: its entries,
a code for every entry graded 较大 or above, and the fate of the previous
version's codes. A code whose content is unchanged carries over; a changed one
is re-issued as the next version and the old one is marked 已被替代; a point
that left the register or dropped below 较大 has its code 已撤销.
"""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from minqian.access import Principal, require_enterprise_user
from minqian.enterprises import Enterprise, EnterpriseStore
from minqian.errors import InvalidRecord
from minqian.risk.codes import CodeBook, code_snapshot
from minqian.risk.grading import CODED_GRADES, Grading, override
from minqian.risk.identification import SiteProfile, assess
from minqian.risk.records import REGISTER_SOURCES, risk_codes, risk_entries, risk_registers
from minqian.risk.scenarios import HazardKnowledge, RiskPoint


@dataclass
class DraftEntry:
    """One risk point as the enterprise is about to confirm it."""

    point: RiskPoint
    location: str
    in_place: list[int]
    grading: Grading
    responsible: str = ""

    @property
    def key(self) -> str:
        return f"{self.point.id}@{self.location}"

    def details(self) -> dict[str, Any]:
        controls = self.point.controls
        return {
            "hazards": list(self.point.hazard_factors),
            "accident_types": list(self.point.accident_types),
            "controls_in_place": [controls[i].text for i in self.in_place],
            "controls_missing": [c.text for i, c in enumerate(controls) if i not in self.in_place],
            "controls": [{"kind": c.kind, "text": c.text, "in_place": i in self.in_place}
                         for i, c in enumerate(controls)],
            "safe_operation": list(self.point.safe_operation),
            "patrol_checks": list(self.point.patrol_checks),
            "emergency": list(self.point.emergency),
        }  # fmt: skip


@dataclass
class ConfirmedRegister:
    register_id: str
    version: int
    entries: list[dict[str, Any]]
    issued: list[dict[str, Any]] = field(default_factory=list)  # new codes (new or re-issued)
    kept: list[dict[str, Any]] = field(default_factory=list)  # unchanged codes carried over
    withdrawn: list[str] = field(default_factory=list)  # ids of superseded or revoked codes


def draft_entry(knowledge: HazardKnowledge, point_id: str, in_place: list[int], profile: SiteProfile,
                method: str, location: str | None = None, responsible: str = "",
                grade: str | None = None, reason: str = "") -> DraftEntry:  # fmt: skip
    """Grade one point of the hazard knowledge into a draft entry (0-based controls)."""
    point = knowledge.points.get(point_id)
    if point is None:
        raise InvalidRecord(f"风险点 {point_id} 不在风险场景库中")
    if any(not 0 <= i < len(point.controls) for i in in_place):
        raise InvalidRecord(f"风险点 {point_id} 只有 {len(point.controls)} 项典型管控措施")
    grading = assess(point, sorted(set(in_place)), profile, method)
    if grade:
        if not reason.strip():
            raise InvalidRecord(f"人工调整 {point.name} 的风险等级需要写明理由")
        grading = override(grading, grade, reason.strip())
    return DraftEntry(point, location or point.location, sorted(set(in_place)), grading, responsible)


class RiskRegisterService:
    """Confirm registers and read them back, for callers the access rules allow."""

    def __init__(self, engine: Engine, enterprises: EnterpriseStore,
                 knowledge: HazardKnowledge, codes: CodeBook) -> None:  # fmt: skip
        self._engine = engine
        self.enterprises = enterprises
        self.knowledge = knowledge
        self.codes = codes

    def confirm(self, principal: Principal, enterprise_id: str, entries: list[DraftEntry],
                method: str, profile: dict[str, Any], source: str = "对话") -> ConfirmedRegister:  # fmt: skip
        """Store the next register version and issue or withdraw its codes."""
        enterprise = self.enterprises.require(principal, enterprise_id)
        require_enterprise_user(principal, enterprise_id)
        _check_entries(entries, source)
        now = datetime.now(UTC)
        register_id = uuid.uuid4().hex
        with self._engine.begin() as connection:
            version = 1 + (connection.execute(
                select(func.max(risk_registers.c.version)).where(
                    risk_registers.c.enterprise_id == enterprise_id)
            ).scalar() or 0)  # fmt: skip
            connection.execute(risk_registers.insert().values(
                id=register_id, enterprise_id=enterprise_id, version=version, method=method,
                source=source, profile=json.dumps(profile, ensure_ascii=False),
                confirmed_by=principal.subject, confirmed_at=now,
            ))  # fmt: skip
            stored = [self._insert_entry(connection, register_id, enterprise_id, n, e)
                      for n, e in enumerate(entries, 1)]  # fmt: skip
            result = ConfirmedRegister(register_id, version, stored)
            self._reissue(connection, enterprise, entries, stored, result, now)
        return result

    def current(self, principal: Principal, enterprise_id: str) -> dict[str, Any] | None:
        """The latest confirmed register with its entries, or None."""
        self.enterprises.require(principal, enterprise_id)
        with self._engine.connect() as connection:
            register = connection.execute(
                select(risk_registers).where(risk_registers.c.enterprise_id == enterprise_id)
                .order_by(risk_registers.c.version.desc()).limit(1)
            ).mappings().first()  # fmt: skip
            if register is None:
                return None
            rows = connection.execute(
                select(risk_entries).where(risk_entries.c.register_id == register["id"])
                .order_by(risk_entries.c.position)
            ).mappings().all()  # fmt: skip
        return {
            "id": register["id"], "enterprise_id": enterprise_id, "version": register["version"],
            "method": register["method"], "source": register["source"],
            "confirmed_at": register["confirmed_at"].isoformat(),
            "profile": json.loads(register["profile"]), "entries": [_entry(r) for r in rows],
        }  # fmt: skip

    def _insert_entry(self, connection: Connection, register_id: str, enterprise_id: str,
                      position: int, entry: DraftEntry) -> dict[str, Any]:  # fmt: skip
        row = {
            "id": uuid.uuid4().hex, "register_id": register_id, "enterprise_id": enterprise_id,
            "position": position, "point_ref": entry.point.id, "scenario": entry.point.scenario,
            "name": entry.point.name, "location": entry.location, "grade": entry.grading.grade,
            "grading": json.dumps(entry.grading.as_dict(), ensure_ascii=False),
            "details": json.dumps(entry.details(), ensure_ascii=False),
            "responsible": entry.responsible,
        }  # fmt: skip
        connection.execute(risk_entries.insert().values(row))
        return _entry(row)

    def _reissue(self, connection: Connection, enterprise: Enterprise, entries: list[DraftEntry],
                 stored: list[dict[str, Any]], result: ConfirmedRegister, now: datetime) -> None:  # fmt: skip
        active = {row["point_key"]: row for row in connection.execute(
            select(risk_codes).where(risk_codes.c.enterprise_id == enterprise.id,
                                     risk_codes.c.status == "有效")
        ).mappings()}  # fmt: skip
        for entry, row in zip(entries, stored, strict=True):
            if entry.grading.grade not in CODED_GRADES:
                continue
            accidents = self.knowledge.accidents_for(entry.point.scenario)
            snapshot = code_snapshot(enterprise, row, accidents)
            previous = active.pop(entry.key, None)
            if previous is not None and json.loads(previous["snapshot"]) == snapshot:
                connection.execute(risk_codes.update().where(risk_codes.c.id == previous["id"])
                                   .values(entry_id=row["id"]))  # fmt: skip
                result.kept.append(self.codes.describe({**previous, "entry_id": row["id"]}))
                continue
            code_id = "RC" + secrets.token_hex(5).upper()
            new = {
                "id": code_id, "lineage": previous["lineage"] if previous else code_id,
                "version": previous["version"] + 1 if previous else 1,
                "enterprise_id": enterprise.id, "entry_id": row["id"], "point_key": entry.key,
                "grade": entry.grading.grade, "status": "有效", "nonce": secrets.token_hex(16),
                "snapshot": json.dumps(snapshot, ensure_ascii=False), "issued_at": now,
                "revoked_at": None, "superseded_by": None,
            }  # fmt: skip
            connection.execute(risk_codes.insert().values(new))
            if previous is not None:
                connection.execute(risk_codes.update().where(risk_codes.c.id == previous["id"])
                                   .values(status="已被替代", revoked_at=now, superseded_by=code_id))  # fmt: skip
                result.withdrawn.append(previous["id"])
            result.issued.append(self.codes.describe(new))
        for gone in active.values():
            connection.execute(risk_codes.update().where(risk_codes.c.id == gone["id"])
                               .values(status="已撤销", revoked_at=now))  # fmt: skip
            result.withdrawn.append(gone["id"])


def _check_entries(entries: list[DraftEntry], source: str) -> None:
    if source not in REGISTER_SOURCES:
        raise InvalidRecord(f"来源应为 {'、'.join(REGISTER_SOURCES)} 之一")
    if not entries:
        raise InvalidRecord("风险清单至少需要一个风险点")
    keys = [e.key for e in entries]
    if len(set(keys)) != len(keys):
        raise InvalidRecord("同一位置的同一风险点重复出现，请合并或改写位置")
    lacking = [e.point.name for e in entries if e.grading.grade in CODED_GRADES and not e.responsible.strip()]
    if lacking:
        raise InvalidRecord(f"较大及以上风险点必须指定责任人：{'、'.join(lacking)}")


def _entry(row: Any) -> dict[str, Any]:
    return {
        "id": row["id"], "position": row["position"], "point_ref": row["point_ref"],
        "scenario": row["scenario"], "name": row["name"], "location": row["location"],
        "grade": row["grade"], "grading": json.loads(row["grading"]),
        "responsible": row["responsible"], **json.loads(row["details"]),
    }  # fmt: skip
