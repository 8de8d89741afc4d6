"""City and county composite coefficients, reviewed before release.

闽应急规〔2025〕1号 第13条: the system aggregates the coefficients of each city
and county; after the emergency-management department reviews them they enter
the regional risk-index model. A roll-up is therefore 待审核 until a reviewer
of that region (or above) approves it (已审核) or sends it back (已退回), and only
approved roll-ups are exported.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from statistics import mean
from typing import Any

from sqlalchemy import Engine, delete, select

from minqian.access import AREA_ROLES, Principal
from minqian.coefficient.records import coefficient_snapshots, region_rollups
from minqian.coefficient.rules import Rules
from minqian.enterprises import EnterpriseStore
from minqian.errors import AccessDenied, RecordNotFound, StateConflict
from minqian.regions import CITIES, region_name

EXPORT_FIELDS = ("period", "level", "region_code", "region_name", "enterprises", "composite",
                 "share_low", "distribution", "status", "reviewed_at")  # fmt: skip


class RollupService:
    def __init__(self, engine: Engine, enterprises: EnterpriseStore, rules: Rules) -> None:
        self._engine = engine
        self.enterprises = enterprises
        self.rules = rules

    def compute(self, principal: Principal, period: str) -> list[dict[str, Any]]:
        """Aggregate a published period into 待审核 roll-ups (replacing unreviewed ones)."""
        if principal.role != "admin":
            raise AccessDenied("只有管理员可以生成市县综合系数")
        everyone = {e.id: e for e in self.enterprises.list(principal)}
        with self._engine.connect() as connection:
            rows = connection.execute(select(coefficient_snapshots.c.enterprise_id, coefficient_snapshots.c.coefficient,
                                             coefficient_snapshots.c.grade)
                                      .where(coefficient_snapshots.c.period == period)).all()  # fmt: skip
        if not rows:
            raise RecordNotFound(f"{period} 还没有发布的企业安全生产系数")
        groups: dict[tuple[str, str], list[Any]] = {}
        for row in rows:
            enterprise = everyone[row.enterprise_id]
            groups.setdefault(("city", enterprise.city_code), []).append(row)
            if enterprise.county_code != enterprise.city_code:
                groups.setdefault(("county", enterprise.county_code), []).append(row)
        now = datetime.now(UTC)
        built = [self._row(period, level, code, members, now) for (level, code), members in sorted(groups.items())]
        with self._engine.begin() as connection:
            reviewed = {r.region_code for r in connection.execute(select(region_rollups.c.region_code).where(
                region_rollups.c.period == period, region_rollups.c.status == "已审核"))}  # fmt: skip
            connection.execute(delete(region_rollups).where(region_rollups.c.period == period,
                                                            region_rollups.c.status != "已审核"))  # fmt: skip
            fresh = [b for b in built if b["region_code"] not in reviewed]
            if fresh:
                connection.execute(region_rollups.insert(), fresh)
        return self.list(principal, period)

    def list(self, principal: Principal, period: str, approved_only: bool = False) -> list[dict[str, Any]]:
        """Roll-ups of the regions the principal covers (a city user also sees its counties)."""
        query = select(region_rollups).where(region_rollups.c.period == period)
        if approved_only:
            query = query.where(region_rollups.c.status == "已审核")
        with self._engine.connect() as connection:
            rows = connection.execute(query.order_by(region_rollups.c.level, region_rollups.c.region_code)).mappings()
            return [_view(r) for r in rows if _covers(principal, r["region_code"])]

    def review(self, principal: Principal, rollup_id: int, approve: bool, note: str = "") -> dict[str, Any]:
        """Approve or return a roll-up; reviewers act only within their own region."""
        with self._engine.connect() as connection:
            row = connection.execute(select(region_rollups).where(region_rollups.c.id == rollup_id)).mappings().first()
        if row is None:
            raise RecordNotFound(f"没有编号为 {rollup_id} 的市县综合系数")
        if principal.role not in ("reviewer", "admin") or not _covers(principal, row["region_code"]):
            raise AccessDenied("只有本地区的审核人员可以审核综合系数")
        if row["status"] != "待审核":
            raise StateConflict(f"该综合系数已是“{row['status']}”状态")
        status = "已审核" if approve else "已退回"
        with self._engine.begin() as connection:
            connection.execute(region_rollups.update().where(region_rollups.c.id == rollup_id).values(
                status=status, reviewed_by=principal.subject, reviewed_at=datetime.now(UTC),
                note=note.strip()))  # fmt: skip
            updated = connection.execute(select(region_rollups).where(region_rollups.c.id == rollup_id)).mappings()
            return _view(updated.first())

    def export(self, principal: Principal, period: str, fmt: str) -> str:
        """Approved roll-ups as CSV or JSON, the input of the regional risk index."""
        rows = self.list(principal, period, approved_only=True)
        if fmt == "json":
            return json.dumps(rows, ensure_ascii=False, indent=1)
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, EXPORT_FIELDS, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "distribution": json.dumps(row["distribution"], ensure_ascii=False)})
        return buffer.getvalue()

    def _row(self, period: str, level: str, code: str, members: list[Any], now: datetime) -> dict[str, Any]:
        distribution = {g: 0 for g in self.rules.grade_order}
        for member in members:
            distribution[member.grade] += 1
        return {"period": period, "level": level, "region_code": code, "region_name": region_name(code),
                "enterprises": len(members), "composite": round(mean(m.coefficient for m in members), 1),
                "distribution": json.dumps(distribution, ensure_ascii=False), "status": "待审核",
                "reviewed_by": None, "reviewed_at": None, "note": "", "created_at": now}  # fmt: skip


def _covers(principal: Principal, region_code: str) -> bool:
    if principal.role == "admin" or principal.region is None and principal.role in AREA_ROLES:
        return True
    if principal.role not in AREA_ROLES or principal.region is None:
        return False
    if principal.region == region_code:
        return True
    # A city user covers the counties of its city as well as the city itself.
    return any(city.code == principal.region and any(c == region_code for c, _ in city.counties) for city in CITIES)


def _view(row: Any) -> dict[str, Any]:
    distribution = json.loads(row["distribution"])
    low = distribution.get("D", 0)
    return {"id": row["id"], "period": row["period"], "level": row["level"], "region_code": row["region_code"],
            "region_name": row["region_name"], "enterprises": row["enterprises"], "composite": row["composite"],
            "share_low": round(low / row["enterprises"], 3) if row["enterprises"] else 0.0,
            "distribution": distribution, "status": row["status"], "note": row["note"],
            "reviewed_at": row["reviewed_at"].isoformat() if row["reviewed_at"] else None}  # fmt: skip
