"""A year of synthetic inspections with known oversight cases, for the demo and the eval.

Every enterprise gets ordinary planned visits that trip no rule (one
department, far apart, different items, within its cap). Then a share of
enterprises get one injected case each — 多头检查, 重复检查, 高频次检查 or
无计划检查 — and another share a near miss just outside a threshold (31 days
for two departments, 91 days for a repeat), so precision is tested as well as
recall. The injected cases are returned as ground truth.
"""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select

from minqian.coefficient.records import coefficient_snapshots
from minqian.enterprises import Enterprise
from minqian.inspections.records import inspection_plans, inspection_records, inspection_schemes
from minqian.regions import region_name
from minqian.settings import InspectionSettings

CASES = ("多头检查", "重复检查", "高频次检查", "无计划检查")


@dataclass
class Simulation:
    records: int = 0
    expected: list[tuple[str, str, frozenset[str]]] = field(default_factory=list)  # (type, enterprise, ids)


def simulate_year(engine: Engine, enterprises: list[Enterprise], year: int, items: dict[str, list[str]],
                  rules: InspectionSettings, seed: int = 20261203, case_share: float = 0.3,
                  near_miss_share: float = 0.15) -> Simulation:  # fmt: skip
    """Write a year of closed records (and their schemes and plans); return the injected cases."""
    rng = random.Random(seed)
    caps = _caps(engine)
    now = datetime.now(UTC)
    plans = {county: uuid.uuid4().hex for county in {e.county_code for e in enterprises}}
    plan_rows = [{"id": pid, "department": _department(code), "region_code": code, "year": year, "status": "已备案",
                  "created_by": "simulation", "created_at": now} for code, pid in plans.items()]  # fmt: skip
    result, schemes, records = Simulation(), [], []

    def visit(enterprise: Enterprise, day: int, department: str, picked: list[str], planned: bool = True) -> str:
        scheme_id, record_id = uuid.uuid4().hex, uuid.uuid4().hex
        started = datetime(year, 1, 1, 9, tzinfo=UTC) + timedelta(days=day, minutes=rng.randrange(480))
        schemes.append({"id": scheme_id, "enterprise_id": enterprise.id, "department": department,
                        "items": json.dumps(picked), "status": "已批准", "created_by": "simulation",
                        "approved_by": "simulation", "approved_at": started, "created_at": started})  # fmt: skip
        records.append({"id": record_id, "enterprise_id": enterprise.id, "department": department,
                        "inspector": "simulation", "inspector_name": "模拟执法人员", "started_at": started,
                        "plan_id": plans[enterprise.county_code] if planned else None, "approval_id": None,
                        "scheme_id": scheme_id, "status": "已结束", "checked": "[]",
                        "inspector_signature": "模拟", "enterprise_signature": "模拟",
                        "closed_at": started})  # fmt: skip
        return record_id

    for enterprise in enterprises:
        pool = list(items.get(enterprise.industry, [])) or ["GM-001"]
        rng.shuffle(pool)
        chunks = [pool[i : i + 4] for i in range(0, len(pool), 4)]
        home, other = _department(enterprise.county_code), _department(enterprise.city_code)
        cap = max(caps.get(enterprise.id, 2), 1)
        # Ordinary visits leave room for one more, so an injected visit trips only its own rule.
        days = [10 + k * 110 for k in range(max(1, min(cap - 1, 2)))]
        room = cap - len(days)
        ordinary = [visit(enterprise, d, home, chunks[k % len(chunks)]) for k, d in enumerate(days)]
        roll = rng.random()
        if roll < case_share:
            case = CASES[rng.randrange(len(CASES))]
            if case == "高频次检查":
                start = days[-1] + rules.repeat_days + 5
                added = [visit(enterprise, start + k * 3, home, chunks[(len(days) + k) % len(chunks)])
                         for k in range(room + 1)]  # fmt: skip
                result.expected.append((case, enterprise.id, frozenset([*ordinary, *added])))
            elif room < 1:
                continue
            elif case == "多头检查":
                extra = visit(enterprise, days[0] + rng.randrange(1, rules.multi_department_days + 1), other,
                              chunks[-1])  # fmt: skip
                result.expected.append((case, enterprise.id, frozenset({ordinary[0], extra})))
            elif case == "重复检查":
                extra = visit(enterprise, days[0] + rng.randrange(1, rules.repeat_days + 1), home, chunks[0])
                result.expected.append((case, enterprise.id, frozenset({ordinary[0], extra})))
            else:
                extra = visit(enterprise, days[0] + 40, home, chunks[-1], planned=False)
                result.expected.append((case, enterprise.id, frozenset({extra})))
        elif roll < case_share + near_miss_share and room >= 1:
            if rng.random() < 0.5:  # a second department just outside the window
                visit(enterprise, days[0] + rules.multi_department_days + 1, other, chunks[-1])
            else:  # the same items again just after the repeat window
                visit(enterprise, days[0] + rules.repeat_days + 1, home, chunks[0])
    with engine.begin() as connection:
        connection.execute(inspection_plans.insert(), plan_rows)
        for start in range(0, len(schemes), 1000):
            connection.execute(inspection_schemes.insert(), schemes[start : start + 1000])
            connection.execute(inspection_records.insert(), records[start : start + 1000])
    result.records = len(records)
    return result


def _caps(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        latest = connection.execute(select(coefficient_snapshots.c.period).order_by(
            coefficient_snapshots.c.period.desc()).limit(1)).scalar()  # fmt: skip
        rows = connection.execute(select(coefficient_snapshots.c.enterprise_id, coefficient_snapshots.c.supervision)
                                  .where(coefficient_snapshots.c.period == latest)).all()  # fmt: skip
    return {r.enterprise_id: int(json.loads(r.supervision)["onsite_cap"]) for r in rows}


def _department(code: str) -> str:
    return f"{region_name(code)}应急管理局"


def score_warnings(found: list[dict[str, Any]], expected: list[tuple[str, str, frozenset[str]]]) -> dict[str, Any]:
    """Precision and recall per type: a warning matches when type, enterprise and records agree."""
    got = {(w["type"], w["enterprise"], frozenset(w["inspections"])) for w in found}
    want = set(expected)
    table = {}
    for kind in CASES:
        g = {x for x in got if x[0] == kind}
        w = {x for x in want if x[0] == kind}
        hit = len(g & w)
        table[kind] = {"expected": len(w), "found": len(g), "matched": hit,
                       "precision": hit / len(g) if g else 1.0, "recall": hit / len(w) if w else 1.0}  # fmt: skip
    return table


def seed_inspections(engine: Engine, enterprises: list[Enterprise], items: dict[str, list[str]],
                     rules: InspectionSettings, year: int) -> Simulation | None:  # fmt: skip
    """The demo's year of inspections, once: None when simulated records already exist."""
    with engine.connect() as connection:
        present = connection.execute(select(inspection_records.c.id).where(
            inspection_records.c.inspector == "simulation").limit(1)).first()  # fmt: skip
    if present is not None:
        return None
    return simulate_year(engine, enterprises, year, items, rules)
