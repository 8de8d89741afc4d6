"""Scoring, publication and reading of coefficients, for callers the access rules allow.

Live scores are computed on request; published snapshots are what the
department releases per period, with the rules version and the facts they
used, so an explanation never changes after publication.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine, delete, func, select

from minqian.access import Principal
from minqian.coefficient.facts import Period, collect_facts
from minqian.coefficient.records import coefficient_snapshots, enforcement_records, region_rollups
from minqian.coefficient.rules import Rules, load_rules
from minqian.coefficient.scoring import Assessment, score
from minqian.coefficient.supervision import supervise
from minqian.enterprises import Enterprise, EnterpriseStore
from minqian.errors import AccessDenied, RecordNotFound, StateConflict
from minqian.regions import county_name, region_name
from minqian.risk.records import risk_entries, risk_registers

logger = logging.getLogger(__name__)
PUBLISHERS = ("admin",)


class CoefficientService:
    def __init__(self, engine: Engine, enterprises: EnterpriseStore, rules: Rules | None = None) -> None:
        self._engine = engine
        self.enterprises = enterprises
        self.rules = rules or load_rules()

    def assess_all(self, enterprises: list[Enterprise], period: Period) -> dict[str, dict[str, Any]]:
        """Score a batch: assessment, supervision and facts per enterprise id."""
        facts = collect_facts(self._engine, enterprises, period)
        scenarios = self._scenarios([e.id for e in enterprises], period)
        scored = {}
        for enterprise in enterprises:
            assessment = score(facts[enterprise.id], self.rules)
            plan = supervise(enterprise, assessment.grade, scenarios.get(enterprise.id, set()), self.rules)
            scored[enterprise.id] = {"assessment": assessment, "supervision": plan, "facts": facts[enterprise.id]}
        return scored

    def publish(self, principal: Principal, period: Period, batch: int = 500) -> int:
        """Score every enterprise for the period and store the snapshots in one transaction.

        Re-publishing replaces the period's snapshots, unless a roll-up built on
        them has been approved: the released composite must keep its basis.
        """
        if principal.role not in PUBLISHERS:
            raise AccessDenied("只有管理员可以发布企业安全生产系数")
        with self._engine.connect() as connection:
            approved = connection.execute(select(region_rollups.c.id).where(
                region_rollups.c.period == period.label, region_rollups.c.status == "已审核").limit(1)).first()  # fmt: skip
        if approved is not None:
            raise StateConflict(f"{period.label} 的市县综合系数已审核，不能重新发布该期企业系数")
        everyone = self.enterprises.list(Principal("admin", principal.subject))
        now = datetime.now(UTC)
        rows = []
        for start in range(0, len(everyone), batch):
            chunk = everyone[start : start + batch]
            scored = self.assess_all(chunk, period)
            rows += [_snapshot_row(e.id, period, scored[e.id], now) for e in chunk]
        with self._engine.begin() as connection:
            connection.execute(delete(coefficient_snapshots).where(coefficient_snapshots.c.period == period.label))
            for start in range(0, len(rows), batch):
                connection.execute(coefficient_snapshots.insert(), rows[start : start + batch])
        logger.info("coefficients published period=%s enterprises=%s rules=%s",
                    period.label, len(everyone), self.rules.version)  # fmt: skip
        return len(everyone)

    def periods(self) -> list[str]:
        """Published periods, newest first."""
        with self._engine.connect() as connection:
            return list(connection.execute(select(coefficient_snapshots.c.period).distinct()
                                           .order_by(coefficient_snapshots.c.period.desc())).scalars())  # fmt: skip

    def latest_period(self) -> str | None:
        with self._engine.connect() as connection:
            return connection.execute(select(coefficient_snapshots.c.period)
                                      .order_by(coefficient_snapshots.c.period.desc()).limit(1)).scalar()  # fmt: skip

    def listing(self, principal: Principal, period: str | None = None) -> list[dict[str, Any]]:
        """Every enterprise in reach with its published coefficient, worst grade then lowest coefficient first."""
        period = period or self.latest_period()
        if period is None:
            return []
        visible = {e.id: e for e in self.enterprises.list(principal)}
        with self._engine.connect() as connection:
            rows = connection.execute(select(coefficient_snapshots).where(
                coefficient_snapshots.c.period == period,
                coefficient_snapshots.c.enterprise_id.in_(list(visible)))).mappings().all()  # fmt: skip
        listed = [_listing_row(visible[r["enterprise_id"]], r) for r in rows]
        # Worst grade first (a veto outranks the points), then the lowest coefficient.
        order = self.rules.grade_order
        return sorted(listed, key=lambda r: (-order.index(r["grade"]) if r["grade"] in order else 0,
                                             r["coefficient"], r["enterprise"]))  # fmt: skip

    def explain(self, principal: Principal, enterprise_id: str, period: str | None = None) -> dict[str, Any]:
        """The published breakdown of one enterprise for a period (latest by default)."""
        enterprise = self.enterprises.require(principal, enterprise_id)
        query = select(coefficient_snapshots).where(coefficient_snapshots.c.enterprise_id == enterprise_id)
        if period:
            query = query.where(coefficient_snapshots.c.period == period)
        with self._engine.connect() as connection:
            row = connection.execute(query.order_by(coefficient_snapshots.c.period.desc()).limit(1)).mappings().first()
        if row is None:
            raise RecordNotFound(f"{enterprise.name}{'在 ' + period if period else ''}还没有发布的安全生产系数")
        return {**_listing_row(enterprise, row), "breakdown": json.loads(row["breakdown"]),
                "supervision": json.loads(row["supervision"])}  # fmt: skip

    def history(self, principal: Principal, enterprise_id: str) -> list[dict[str, Any]]:
        enterprise = self.enterprises.require(principal, enterprise_id)
        with self._engine.connect() as connection:
            rows = connection.execute(select(coefficient_snapshots).where(
                coefficient_snapshots.c.enterprise_id == enterprise_id)
                .order_by(coefficient_snapshots.c.period)).mappings().all()  # fmt: skip
        return [{"period": r["period"], "coefficient": r["coefficient"], "grade": r["grade"],
                 "dimensions": json.loads(r["breakdown"])["dimensions"], "enterprise": enterprise.id}
                for r in rows]  # fmt: skip

    def compare(self, principal: Principal, enterprise_id: str, before: str, after: str) -> dict[str, Any]:
        """What changed between two published periods, indicator by indicator."""
        old, new = self.explain(principal, enterprise_id, before), self.explain(principal, enterprise_id, after)
        previous = {i["indicator"]: i for i in old["breakdown"]["items"]}
        changes = []
        for item in new["breakdown"]["items"]:
            was = previous.get(item["indicator"])
            if was is None or abs(was["points"] - item["points"]) > 1e-9:
                changes.append({"indicator": item["indicator"], "name": item["name"], "dimension": item["dimension"],
                                "before": was["points"] if was else None, "after": item["points"],
                                "delta": round(item["points"] - (was["points"] if was else 0), 2),
                                "reason_before": was["reason"] if was else "", "reason_after": item["reason"],
                                "value_before": was["value"] if was else None,
                                "value_after": item["value"]})  # fmt: skip
        return {"enterprise": enterprise_id, "before": before, "after": after,
                "coefficient_before": old["coefficient"], "coefficient_after": new["coefficient"],
                "delta": round(new["coefficient"] - old["coefficient"], 1),
                "grade_before": old["grade"], "grade_after": new["grade"],
                "changes": sorted(changes, key=lambda c: c["delta"])}  # fmt: skip

    def onsite_visits(self, principal: Principal, enterprise_id: str, year: int) -> int:
        """On-site inspections recorded for the enterprise in a calendar year."""
        # TODO: issue 6's scan-to-enter records replace these enforcement rows.
        self.enterprises.require(principal, enterprise_id)
        with self._engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(enforcement_records).where(
                enforcement_records.c.enterprise_id == enterprise_id, enforcement_records.c.kind == "现场检查",
                enforcement_records.c.occurred_on >= date(year, 1, 1),
                enforcement_records.c.occurred_on <= date(year, 12, 31))).scalar() or 0)  # fmt: skip

    def _scenarios(self, ids: list[str], period: Period) -> dict[str, set[str]]:
        query = (select(risk_registers.c.enterprise_id, risk_registers.c.version, risk_entries.c.scenario)
                 .join(risk_entries, risk_entries.c.register_id == risk_registers.c.id)
                 .where(risk_registers.c.enterprise_id.in_(ids),
                        risk_registers.c.confirmed_at < period.end))  # fmt: skip
        latest: dict[str, tuple[int, set[str]]] = {}
        with self._engine.connect() as connection:
            for row in connection.execute(query):
                version, names = latest.get(row.enterprise_id, (0, set()))
                if row.version > version:
                    latest[row.enterprise_id] = (row.version, {row.scenario})
                elif row.version == version:
                    names.add(row.scenario)
        return {k: v[1] for k, v in latest.items()}


def area_names(enterprise: Enterprise) -> tuple[str, str]:
    return region_name(enterprise.city_code), county_name(enterprise.county_code)


def _snapshot_row(enterprise_id: str, period: Period, scored: dict[str, Any], now: datetime) -> dict[str, Any]:
    assessment: Assessment = scored["assessment"]
    return {"enterprise_id": enterprise_id, "period": period.label, "rules_version": assessment.rules_version,
            "coefficient": assessment.coefficient, "grade": assessment.grade,
            "breakdown": json.dumps(assessment.as_dict(), ensure_ascii=False, default=str),
            "supervision": json.dumps(scored["supervision"].as_dict(), ensure_ascii=False),
            "published_at": now}  # fmt: skip


def _listing_row(enterprise: Enterprise, row: Any) -> dict[str, Any]:
    city, county = area_names(enterprise)
    plan = json.loads(row["supervision"])
    return {"enterprise": enterprise.id, "name": enterprise.name, "city": city, "county": county,
            "city_code": enterprise.city_code, "county_code": enterprise.county_code,
            "industry": enterprise.industry, "coefficient": row["coefficient"], "grade": row["grade"],
            "onsite_cap": plan["onsite_cap"], "mode": plan["mode"], "key_inspection": plan["key_inspection"],
            "period": row["period"], "rules_version": row["rules_version"]}  # fmt: skip


def group_by(rows: list[dict[str, Any]], key: str) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        grouped[row[key]].append(row)
    return grouped
