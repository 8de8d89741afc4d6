"""The facts a period is scored on, gathered for many enterprises at once.

Three sources, each query covering every enterprise of the batch so that a
province-wide publication costs a handful of queries, not thousands:

- what enterprises reported (latest value per field up to the period);
- what the system knows (risk register age, codes in use, patrol check-ins,
  internal hazard reports and how fast they closed);
- what inspectors recorded (penalties, accidents, hazards found and fixed).

The window for records is the twelve months ending with the period.
"""

from __future__ import annotations

import calendar
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, select

from minqian.coefficient.records import enforcement_records, enterprise_reports
from minqian.coefficient.scoring import NOT_APPLICABLE
from minqian.enterprises import Enterprise
from minqian.risk.records import hazard_report_events, hazard_reports, patrol_checkins, risk_codes, risk_registers

LICENSED_FIELDS = ("危化", "非煤矿山")  # 安全生产许可证条例 第二条
REPORTED_FIELDS = (
    "licence_valid", "principal_certified", "principal_meetings", "principal_inspections",
    "responsibility_system", "safety_staff", "drills", "training_rate", "special_certified_rate",
    "standardisation_level",
)  # fmt: skip


@dataclass(frozen=True)
class Period:
    """A calendar month, YYYY-MM, and the twelve-month window ending with it."""

    label: str

    @classmethod
    def parse(cls, label: str) -> Period:
        try:
            month = datetime.strptime(label, "%Y-%m")
        except ValueError:
            raise ValueError(f"期间应为 YYYY-MM 格式，收到 {label!r}") from None
        # The record window reaches a year back and `end` a month on: near year 1
        # or 9999 `date` overflows, so only plausible periods are accepted.
        if not 2000 <= month.year <= 2100:
            raise ValueError(f"期间应在 2000-01 至 2100-12 之间，收到 {label!r}")
        return cls(label)

    @classmethod
    def of(cls, day: date) -> Period:
        return cls(f"{day.year:04d}-{day.month:02d}")

    @property
    def first_day(self) -> date:
        year, month = map(int, self.label.split("-"))
        return date(year, month, 1)

    @property
    def last_day(self) -> date:
        first = self.first_day
        return first.replace(day=calendar.monthrange(first.year, first.month)[1])

    @property
    def window_start(self) -> date:
        return self.last_day - timedelta(days=365)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last_day + timedelta(days=1), datetime.min.time(), UTC)

    @property
    def workdays(self) -> int:
        days = (self.last_day - self.first_day).days + 1
        return sum(1 for n in range(days) if (self.first_day + timedelta(days=n)).weekday() < 5)

    def previous(self) -> Period:
        return Period.of(self.first_day - timedelta(days=1))


def collect_facts(engine: Engine, enterprises: list[Enterprise], period: Period) -> dict[str, dict[str, Any]]:
    """Facts per enterprise id for the period."""
    ids = [e.id for e in enterprises]
    facts: dict[str, dict[str, Any]] = {e.id: {} for e in enterprises}
    with engine.connect() as connection:
        for row in connection.execute(
            select(enterprise_reports.c.enterprise_id, enterprise_reports.c.field, enterprise_reports.c.value)
            .where(enterprise_reports.c.enterprise_id.in_(ids), enterprise_reports.c.period <= period.label)
            .order_by(enterprise_reports.c.period, enterprise_reports.c.id)
        ):  # fmt: skip
            facts[row.enterprise_id][row.field] = json.loads(row.value)  # later rows win
        registers = dict(connection.execute(
            select(risk_registers.c.enterprise_id, func.max(risk_registers.c.confirmed_at))
            .where(risk_registers.c.enterprise_id.in_(ids), risk_registers.c.confirmed_at < period.end)
            .group_by(risk_registers.c.enterprise_id)).all())  # fmt: skip
        codes = _active_codes(connection, ids, period)
        walks = _patrol_days(connection, ids, period)
        internal = _internal_reports(connection, ids, period)
        enforcement = _enforcement(connection, ids, period)
    for enterprise in enterprises:
        own = facts[enterprise.id]
        confirmed = registers.get(enterprise.id)
        recent = confirmed is not None and _aware(confirmed) >= period.end - timedelta(days=365)
        own["register_current"] = recent
        active = codes.get(enterprise.id, set())
        if confirmed is None:
            own["codes_in_use_rate"] = own["patrol_rate"] = None
        elif not active:
            own["codes_in_use_rate"] = own["patrol_rate"] = NOT_APPLICABLE
        else:
            days = walks.get(enterprise.id, {})
            own["codes_in_use_rate"] = round(sum(1 for c in active if days.get(c)) / len(active), 3)
            expected = len(active) * period.workdays
            own["patrol_rate"] = round(min(sum(len(days.get(c, ())) for c in active) / expected, 1.0), 3)
        own.update(internal.get(enterprise.id, {"internal_closure_rate": NOT_APPLICABLE,
                                                "mean_fix_days": NOT_APPLICABLE}))  # fmt: skip
        own.update(enforcement.get(enterprise.id, _no_enforcement()))
        licensed = enterprise.industry in LICENSED_FIELDS
        own["licence_missing"] = 1 if licensed and own.get("licence_valid") is False else 0
    return facts


def _active_codes(connection: Any, ids: list[str], period: Period) -> dict[str, set[str]]:
    query = select(risk_codes.c.enterprise_id, risk_codes.c.id, risk_codes.c.revoked_at).where(
        risk_codes.c.enterprise_id.in_(ids), risk_codes.c.issued_at < period.end)
    found: dict[str, set[str]] = defaultdict(set)
    for row in connection.execute(query):
        if row.revoked_at is None or _aware(row.revoked_at) >= period.end:
            found[row.enterprise_id].add(row.id)
    return found


def _patrol_days(connection: Any, ids: list[str], period: Period) -> dict[str, dict[str, set[date]]]:
    start = datetime.combine(period.first_day, datetime.min.time(), UTC)
    query = select(patrol_checkins.c.enterprise_id, patrol_checkins.c.code_id, patrol_checkins.c.checked_at).where(
        patrol_checkins.c.enterprise_id.in_(ids), patrol_checkins.c.checked_at >= start,
        patrol_checkins.c.checked_at < period.end)  # fmt: skip
    found: dict[str, dict[str, set[date]]] = defaultdict(lambda: defaultdict(set))
    for row in connection.execute(query):
        found[row.enterprise_id][row.code_id].add(_aware(row.checked_at).date())
    return found


def _internal_reports(connection: Any, ids: list[str], period: Period) -> dict[str, dict[str, Any]]:
    start = period.end - timedelta(days=365)
    reports = connection.execute(select(hazard_reports.c.id, hazard_reports.c.enterprise_id,
                                        hazard_reports.c.created_at).where(
        hazard_reports.c.enterprise_id.in_(ids), hazard_reports.c.created_at >= start,
        hazard_reports.c.created_at < period.end)).all()  # fmt: skip
    if not reports:
        return {}
    moves = defaultdict(dict)
    for row in connection.execute(select(hazard_report_events).where(
            hazard_report_events.c.report_id.in_([r.id for r in reports]),
            hazard_report_events.c.at < period.end)):  # fmt: skip
        moves[row.report_id].setdefault(row.to_status, _aware(row.at))
    by_enterprise: dict[str, list[Any]] = defaultdict(list)
    for report in reports:
        by_enterprise[report.enterprise_id].append(report)
    result = {}
    for enterprise_id, own in by_enterprise.items():
        accepted = sum(1 for r in own if "已验收" in moves[r.id])
        fixed = [(moves[r.id]["已整改"] - _aware(r.created_at)).total_seconds() / 86400
                 for r in own if "已整改" in moves[r.id]]  # fmt: skip
        result[enterprise_id] = {
            "internal_closure_rate": round(accepted / len(own), 3),
            "mean_fix_days": round(sum(fixed) / len(fixed), 1) if fixed else NOT_APPLICABLE,
        }
    return result


def _enforcement(connection: Any, ids: list[str], period: Period) -> dict[str, dict[str, Any]]:
    table = enforcement_records.c
    # A hazard found before the window still counts while it stays open.
    still_open = (table.kind == "检查隐患") & (table.closed_on.is_(None) | (table.closed_on > period.window_start))
    rows = connection.execute(select(enforcement_records).where(
        table.enterprise_id.in_(ids), table.occurred_on <= period.last_day,
        (table.occurred_on > period.window_start) | still_open)).mappings().all()  # fmt: skip
    result: dict[str, dict[str, Any]] = {}
    for row in rows:
        own = result.setdefault(row["enterprise_id"], {**_no_enforcement(), "_due": 0, "_on_time": 0})
        recent = row["occurred_on"] > period.window_start
        if row["kind"] == "行政处罚" and recent:
            own["penalties"] += 1
        elif row["kind"] == "生产安全事故" and recent:
            own["accidents"] += 1
            own["major_accidents"] += int(row["level"] in ("较大", "重大", "特别重大"))
        elif row["kind"] == "检查隐患" and row["deadline"] is not None and row["deadline"] <= period.last_day:
            closed = row["closed_on"]
            on_time = closed is not None and closed <= row["deadline"]
            own["_due"] += 1
            own["_on_time"] += int(on_time)
            open_at_end = closed is None or closed > period.last_day
            own["overdue_major_hazards"] += int(row["level"] == "重大隐患" and open_at_end)
    for own in result.values():
        due, on_time = own.pop("_due"), own.pop("_on_time")
        own["inspection_fix_rate"] = round(on_time / due, 3) if due else NOT_APPLICABLE
    return result


def _no_enforcement() -> dict[str, Any]:
    return {"penalties": 0, "accidents": 0, "major_accidents": 0, "overdue_major_hazards": 0,
            "inspection_fix_rate": NOT_APPLICABLE}  # fmt: skip


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
