"""A deterministic, clearly synthetic province of enterprises with dated history.

Demonstrations and benchmarks need hundreds or thousands of enterprises whose
coefficients spread over A–D and move during the year. Everything is drawn from
one random.Random(seed), so a seed always builds the same enterprises with the
same grades; every name ends in “（演示）”, every record is flagged synthetic or
says 演示, and no enterprise gets a credit code, so none can pass for a real one.

Facts are computed as of each period, so the history is dated: monthly reports
for the scored months; enforcement records and internal hazard reports from
twelve months before the first period (the window of its facts); registers
confirmed across those two years; patrol check-ins in the scored months.
Registers go through RiskRegisterService.confirm, the one writer of registers
and codes (about 15 ms each, measured), then are back-dated because confirm
stamps "now"; everything else is written in executemany batches. A build that
fails part-way removes what it wrote, so it can simply be run again.
"""

from __future__ import annotations

import json
import logging
import math
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, Table, bindparam, delete, func, select

from minqian.access import Principal
from minqian.coefficient.desk import CoefficientDesk
from minqian.coefficient.facts import Period
from minqian.coefficient.inputs import REPORT_FIELDS, parse_value
from minqian.coefficient.records import coefficient_snapshots, enforcement_records, enterprise_reports
from minqian.enterprises import Enterprise, enterprises
from minqian.errors import StateConflict
from minqian.regions import CITIES
from minqian.risk.desk import RiskDesk
from minqian.risk.identification import SiteProfile
from minqian.risk.records import (
    hazard_report_events,
    hazard_reports,
    patrol_checkins,
    risk_codes,
    risk_entries,
    risk_registers,
    workers,
)
from minqian.risk.registers import draft_entry
from minqian.risk.tokens import WORKER_PREFIX, hash_token, new_worker_token

logger = logging.getLogger(__name__)
SEED = 35_2026
FIRST_ID = "SYN-0001"
OPERATOR = Principal("admin", "demo-seed", "演示数据")
DAY = timedelta(days=1)
CITY_WEIGHTS = {"3505": 22, "3501": 18, "3502": 13, "3506": 12, "3503": 7, "3508": 7, "3509": 7,
                "3504": 6, "3507": 5, "350128": 3}  # rough industrial weight; 平潭 on its own  # fmt: skip
INDUSTRY_SHARES = {"工贸": 0.70, "危化": 0.18, "非煤矿山": 0.12}
SIZE_SHARES = {"大型": 0.05, "中型": 0.20, "小型": 0.45, "微型": 0.30}
PEOPLE = {"大型": (300, 1500), "中型": (100, 300), "小型": (20, 100), "微型": (5, 20)}
# Sector → the corpus scenarios its register draws on, besides COMMON_SCENARIOS.
SECTOR_SCENARIOS = {
    "机械": ("粉尘涉爆", "起重机械"), "轻工": ("涉氨制冷", "粉尘涉爆"), "纺织": ("粉尘涉爆",),
    "建材": ("高处作业", "吊装作业"), "冶金": ("金属熔融", "起重机械"), "有色": ("金属熔融", "粉尘涉爆"),
    "商贸": ("叉车与厂内机动车", "涉氨制冷"), "烟草": ("粉尘涉爆", "锅炉与压力容器"),
    "化工": ("危险化学品储存", "反应釜/精馏", "危化品装卸"), "石化": ("重大危险源", "危险化学品储存"),
    "危化品经营": ("危险化学品储存", "危化品装卸"), "金属非金属矿山": ("地下矿山", "尾矿库"),
    "建筑石料矿山": ("露天矿边坡",), "尾矿库": ("尾矿库",),
}  # fmt: skip
SECTORS = {"工贸": ("机械", "轻工", "纺织", "建材", "冶金", "有色", "商贸", "烟草"),
           "危化": ("化工", "石化", "危化品经营"),
           "非煤矿山": ("金属非金属矿山", "建筑石料矿山", "尾矿库")}  # fmt: skip
COMMON_SCENARIOS = ("有限空间作业", "动火作业", "临时用电", "叉车与厂内机动车", "高处作业")
SURNAMES = "陈林黄张李王吴刘蔡杨郑许谢洪郭邱曾廖赖周"
GIVEN = ("建华", "志强", "海燕", "国平", "文斌", "丽娟", "永生", "金水")
HAZARDS = ("消防通道堵塞", "安全防护装置缺失", "作业现场未设警示标志", "应急器材过期", "电气线路私拉乱接",
           "除尘设施积尘未清理", "特种作业人员无证上岗", "安全联锁被摘除")  # fmt: skip
ACCIDENTS = ("机械伤害", "物体打击", "高处坠落", "触电", "灼烫", "车辆伤害", "起重伤害")


@dataclass(frozen=True)
class _Profile:
    enterprise: Enterprise
    people: int
    diligence: float  # 0 careless … 1 exemplary, at the first period
    trend: float  # change of diligence over the scored year (improving > 0)
    bars: tuple[float, float, float]  # diligence needed for P1, R1, R2
    lapse: tuple[int, int] | None  # months (first period = 0) with an invalid licence

    def at(self, months_in: float) -> float:
        return min(1.0, max(0.0, self.diligence + self.trend * min(max(months_in, 0.0), 11.0) / 11))


@dataclass
class PopulationSummary:
    added: int
    existed: bool
    periods: tuple[str, ...]
    grades: dict[str, int]  # synthetic enterprises per grade in the last period
    rows: dict[str, int] = field(default_factory=dict)  # table → rows written
    seconds: dict[str, float] = field(default_factory=dict)  # stage → wall time


def build_population(engine: Engine, risk_desk: RiskDesk, coefficient_desk: CoefficientDesk, size: int = 300,
                     seed: int = SEED, end_period: str = "2026-11", months: int = 12) -> PopulationSummary:  # fmt: skip
    """Add `size` synthetic enterprises with history and publish every period; once only."""
    periods = period_labels(end_period, months)
    if risk_desk.enterprises.get(FIRST_ID) is not None:
        grades = population_grades(engine, periods[-1])
        if grades:
            logger.info("synthetic population exists first=%s, nothing added", FIRST_ID)
            return PopulationSummary(0, True, periods, grades)
        # Enterprises without the last period's snapshots: a build that was killed
        # (SIGKILL, power loss) before the clean-up below could run. Left alone it
        # would block every later run with a half-built population.
        logger.warning("synthetic population incomplete first=%s, removing it to build again", FIRST_ID)
        _remove_population(engine)
    rows, seconds = write_history(engine, risk_desk, size, seed, end_period, months)
    started = time.perf_counter()
    try:
        for label in periods:
            coefficient_desk.scores.publish(OPERATOR, Period(label))
    except BaseException:
        _remove_population(engine)
        raise
    seconds["publish"] = time.perf_counter() - started
    logger.info("synthetic population built enterprises=%s periods=%s-%s seconds=%s",
                size, periods[0], periods[-1], {k: round(v, 1) for k, v in seconds.items()})  # fmt: skip
    return PopulationSummary(size, False, periods, population_grades(engine, periods[-1]), rows, seconds)


def period_labels(end_period: str, months: int) -> tuple[str, ...]:
    labels = [Period.parse(end_period)]
    while len(labels) < months:
        labels.insert(0, labels[0].previous())
    return tuple(p.label for p in labels)


def population_grades(engine: Engine, period: str) -> dict[str, int]:
    query = (select(coefficient_snapshots.c.grade, func.count()).where(
        coefficient_snapshots.c.period == period, coefficient_snapshots.c.enterprise_id.like("SYN-%"))
        .group_by(coefficient_snapshots.c.grade))  # fmt: skip
    with engine.connect() as connection:
        return dict(sorted((g, int(n)) for g, n in connection.execute(query)))


def write_history(engine: Engine, desk: RiskDesk, size: int, seed: int = SEED, end_period: str = "2026-11",
                  months: int = 12) -> tuple[dict[str, int], dict[str, float]]:  # fmt: skip
    """Write the enterprises and their dated history, unpublished: rows per table, seconds per stage."""
    if not 1 <= size <= 9999:
        raise ValueError(f"演示企业数量应在 1 到 9999 之间，收到 {size}")
    if desk.enterprises.get(FIRST_ID) is not None:
        raise StateConflict(f"虚构企业群已存在（{FIRST_ID} 起），不再重复生成")
    rng = random.Random(seed)
    first = Period.parse(period_labels(end_period, months)[0])
    start = _midnight(first.first_day - timedelta(days=365))
    clock = _Clock(first.first_day, start, Period.parse(end_period).end)
    # Stratified, so that even a small population spans careless … exemplary.
    strata = [0.1 + 0.9 * (i + rng.random()) / size for i in range(size)]
    rng.shuffle(strata)
    drawn = zip(_allocate(rng, CITY_WEIGHTS, size), _allocate(rng, INDUSTRY_SHARES, size),
                _allocate(rng, SIZE_SHARES, size), strata, strict=True)  # fmt: skip
    profiles = [_profile(rng, n, *labels) for n, labels in enumerate(drawn, 1)]
    rows: dict[str, int] = {"enterprises": size}
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    # Outside the clean-up below: if another run got here first, its rows are not ours to delete.
    with engine.begin() as connection:
        connection.execute(enterprises.insert(), [{**p.enterprise.as_dict(), "created_at": start} for p in profiles])
    seconds["enterprises"], started = time.perf_counter() - started, time.perf_counter()
    try:
        rows["risk_registers"] = _confirm_registers(engine, desk, rng, profiles, clock)
        seconds["registers"], started = time.perf_counter() - started, time.perf_counter()
        with engine.begin() as connection:
            codes = _codes_by_enterprise(connection)
            writer = _Writer(connection, (enterprise_reports, enforcement_records, workers, patrol_checkins,
                                          hazard_reports, hazard_report_events))  # fmt: skip
            for row in _reports(rng, profiles, first, months):
                writer.add(enterprise_reports, row)
            for row in _enforcement(rng, profiles, clock):
                writer.add(enforcement_records, row)
            _field_records(writer, rng, profiles, codes, clock)
            writer.flush()
        rows.update(risk_codes=sum(map(len, codes.values())), **writer.written)
        seconds["records"] = time.perf_counter() - started
    except BaseException:
        _remove_population(engine)  # a half-built population would block every later run
        raise
    return rows, seconds


@dataclass(frozen=True)
class _Clock:
    first_day: date  # of the first scored period
    start: datetime  # of the history
    end: datetime  # exclusive

    def months_in(self, moment: date | datetime) -> float:
        day = moment.date() if isinstance(moment, datetime) else moment
        return (day - self.first_day).days / 30.44

    def moment(self, rng: random.Random, after: datetime, before: datetime | None = None) -> datetime:
        before = min(before or self.end, self.end)
        return after + (before - after) * rng.random()


def _allocate(rng: random.Random, shares: dict[str, float], size: int) -> list[str]:
    """Labels in exact proportion (largest remainder), each at least once when size allows, shuffled."""
    total = sum(shares.values())
    exact = {k: size * v / total for k, v in shares.items()}
    counts = {k: int(x) for k, x in exact.items()}
    for k in sorted(exact, key=lambda k: counts[k] - exact[k])[: size - sum(counts.values())]:
        counts[k] += 1
    for k in counts if size >= len(counts) else ():
        if counts[k] == 0:
            counts[max(counts, key=counts.__getitem__)] -= 1
            counts[k] = 1
    labels = [k for k, n in counts.items() for _ in range(n)]
    rng.shuffle(labels)
    return labels


def _profile(rng: random.Random, number: int, city_code: str, industry: str, size: str, diligence: float) -> _Profile:
    city = next(c for c in CITIES if c.code == city_code)
    county_code, county = rng.choice(city.counties)
    sector = rng.choice(SECTORS[industry])
    method = "matrix" if industry == "危化" and rng.random() < 0.5 else "LEC"
    enterprise = Enterprise(f"SYN-{number:04d}", f"示例{county}{sector}企业{number:04d}（演示）", industry, sector,
                            city_code, county_code, f"{county}示例工业区 {number} 号（虚构）", None, method,
                            synthetic=True, size=size)  # fmt: skip
    roll = rng.random()  # 15 % improve over the year, 12 % worsen
    change = rng.uniform(0.25, 0.5)
    trend = change if roll < 0.15 else -change if roll < 0.27 else rng.uniform(-0.05, 0.05)
    lapse_at = rng.randrange(12)
    lapse = (lapse_at, lapse_at + rng.randint(1, 6)) if rng.random() < 0.06 else None
    bars = (rng.uniform(0.1, 0.45), rng.uniform(0.1, 0.45), rng.uniform(0.1, 0.45))
    return _Profile(enterprise, rng.randint(*PEOPLE[size]), diligence, trend, bars, lapse)


def _reports(rng: random.Random, profiles: list[_Profile], first: Period, months: int) -> Iterator[dict[str, Any]]:
    # Reporting began before the first scored period: without a lead-in its
    # facts would read 未填报 for every field skipped in that one month.
    periods = [first.previous().previous().previous()]
    while len(periods) < months + 3:
        periods.append(Period.of(periods[-1].last_day + DAY))
    for p in profiles:
        for month, label in enumerate(periods, -3):
            d = p.at(month)
            submitted = _midnight(label.first_day) + timedelta(days=rng.randint(19, 27), hours=rng.randint(1, 9))
            for name in REPORT_FIELDS:
                if rng.random() < 0.35 + 0.65 * d:  # careless enterprises skip months, some fields for ever
                    value = json.dumps(parse_value(name, _reported(rng, p, name, d, month)), ensure_ascii=False)
                    yield {"enterprise_id": p.enterprise.id, "period": label.label, "field": name, "value": value,
                           "source": "演示", "submitted_by": OPERATOR.subject, "submitted_at": submitted}  # fmt: skip


def _reported(rng: random.Random, p: _Profile, name: str, d: float, month: int) -> Any:
    noisy = d + rng.gauss(0, 0.08)
    if name == "licence_valid":
        return p.lapse is None or not p.lapse[0] <= month < p.lapse[1]
    if name in ("principal_certified", "responsibility_system", "safety_staff"):
        bar = p.bars[("principal_certified", "responsibility_system", "safety_staff").index(name)]
        return noisy > bar
    if name in ("principal_meetings", "principal_inspections", "drills"):
        return max(0, round({"principal_meetings": 5, "principal_inspections": 14, "drills": 2.6}[name] * noisy))
    if name in ("training_rate", "special_certified_rate"):
        return round(min(1.0, max(0.0, 0.45 + 0.6 * noisy)), 2)
    small = p.enterprise.size in ("小型", "微型")
    levels = ("三级", "小微企业", "小微企业", "未达标") if small else ("一级", "二级", "三级", "未达标")
    return levels[0 if d > 0.8 else 1 if d > 0.55 else 2 if d > 0.3 else 3]


def _poisson(rng: random.Random, mean: float) -> int:
    count, threshold, product = 0, math.exp(-mean), rng.random()
    while product > threshold:
        count, product = count + 1, product * rng.random()
    return count


def _enforcement(rng: random.Random, profiles: list[_Profile], clock: _Clock) -> Iterator[dict[str, Any]]:
    last = (clock.end - DAY).date()
    for p in profiles:
        visits = _poisson(rng, 2 * (3.0 if p.enterprise.industry != "工贸" else 1.5))  # over two years
        for visit in sorted(clock.moment(rng, clock.start).date() for _ in range(visits)):
            d = p.at(clock.months_in(visit))
            yield _record(rng, p, "现场检查", visit, "执法人员现场检查")
            majors = [rng.random() < 0.03 + 0.1 * (1 - d) for _ in range(_poisson(rng, 0.3 + 2.5 * (1 - d)))]
            for major in majors:
                deadline = visit + DAY * (rng.randint(30, 90) if major else rng.randint(7, 30))
                closed: date | None = deadline + DAY * rng.randint(3, 60)  # late
                if rng.random() < 0.3 + 0.65 * d:
                    closed = visit + DAY * rng.randint(1, (deadline - visit).days)
                elif d < 0.35 and rng.random() < 0.4:
                    closed = None  # never fixed
                yield _record(rng, p, "检查隐患", visit, f"检查发现：{rng.choice(HAZARDS)}",
                              level="重大隐患" if major else "一般隐患", deadline=deadline,
                              closed_on=closed if closed and closed <= last else None)  # fmt: skip
            if majors and rng.random() < (0.1 + 0.5 * (1 - d)) * (2 if any(majors) else 1):
                amounts = (0, 10_000, 20_000, 30_000, 50_000, 100_000, 200_000)[1 if any(majors) else 0 :]
                yield _record(rng, p, "行政处罚", min(visit + DAY * rng.randint(5, 30), last),
                              f"行政处罚：{rng.choice(HAZARDS)}", amount=float(rng.choice(amounts)))  # fmt: skip
        for _year in range(2):
            if rng.random() < 0.01 + 0.15 * (1 - p.diligence) ** 2:
                level = "较大" if rng.random() < 0.06 else "一般"  # 较大 and above: veto V1
                yield _record(rng, p, "生产安全事故", clock.moment(rng, clock.start).date(),
                              f"{level}生产安全事故：{rng.choice(ACCIDENTS)}", level=level)  # fmt: skip


def _record(rng: random.Random, p: _Profile, kind: str, on: date, text: str, **extra: Any) -> dict[str, Any]:
    return {"id": _uid(rng), "enterprise_id": p.enterprise.id, "kind": kind, "occurred_on": on, "level": None,
            "deadline": None, "closed_on": None, "amount": None, "description": f"{text}（演示数据，虚构）",
            "recorded_by": "demo-inspector", "created_at": _midnight(on) + timedelta(hours=9), **extra}  # fmt: skip


def _confirm_registers(engine: Engine, desk: RiskDesk, rng: random.Random, profiles: list[_Profile],
                       clock: _Clock) -> int:  # fmt: skip
    """Confirm each register through the service, then date it, its codes and their withdrawal."""
    dated: dict[Table, list[dict[str, Any]]] = {risk_registers: [], risk_codes: []}
    first = _midnight(clock.first_day)
    for p in profiles:
        if rng.random() < 0.2 + 0.75 * p.diligence:
            confirmed = [first - timedelta(days=rng.uniform(1, 330))]
        elif p.trend > 0.2 and rng.random() < 0.7:  # improving: its first register comes during the year
            confirmed = [first + timedelta(days=rng.uniform(60, 240))]
        else:
            continue
        renewal = confirmed[0] + timedelta(days=rng.uniform(300, 364))
        if rng.random() < 0.3 + 0.7 * p.at(clock.months_in(renewal)):
            confirmed.append(renewal)
        confirmed = [at for at in confirmed if at < clock.end]
        if not confirmed:
            continue
        scenarios = [*SECTOR_SCENARIOS[p.enterprise.sector], *rng.sample(COMMON_SCENARIOS, rng.randint(1, 2))]
        points = [pt for name in dict.fromkeys(scenarios) for pt in rng.sample(
            next(s for s in desk.knowledge.scenarios if s.name == name).points, rng.randint(1, 2))]  # fmt: skip
        responsible = rng.choice(SURNAMES) + rng.choice(GIVEN)
        for at in confirmed:
            share = min(1.0, max(0.0, 0.25 + 0.7 * p.at(clock.months_in(at)) + rng.gauss(0, 0.1)))
            site = SiteProfile(p.enterprise.industry, people=p.people)
            entries = [draft_entry(desk.knowledge, pt.id, list(range(round(len(pt.controls) * share))), site,
                                   p.enterprise.risk_method, responsible=responsible) for pt in points]  # fmt: skip
            result = desk.registers.confirm(OPERATOR, p.enterprise.id, entries, p.enterprise.risk_method,
                                            {"industry": p.enterprise.industry, "people": p.people,
                                             "synthetic": True}, "演示")  # fmt: skip
            dated[risk_registers].append({"_id": result.register_id, "_at": at, "_field": "confirmed_at"})
            dated[risk_codes] += [{"_id": c["id"], "_at": at, "_field": "issued_at"} for c in result.issued]
            dated[risk_codes] += [{"_id": c, "_at": at, "_field": "revoked_at"} for c in result.withdrawn]
    with engine.begin() as connection:
        for table, updates in dated.items():
            for column in ("confirmed_at", "issued_at", "revoked_at"):
                chosen = [u for u in updates if u["_field"] == column]
                if chosen:
                    connection.execute(table.update().where(table.c.id == bindparam("_id"))
                                       .values({column: bindparam("_at")}), chosen)  # fmt: skip
    return len(dated[risk_registers])


def _codes_by_enterprise(connection: Connection) -> dict[str, list[Any]]:
    code = risk_codes.c
    query = select(code.id, code.enterprise_id, code.point_key, code.issued_at, code.revoked_at, code.snapshot).where(
        code.enterprise_id.like("SYN-%"))  # fmt: skip
    # Sorted by what the seed decided (date, point), not by the random code ids,
    # and in Python: a server's collation must not change the draws that follow.
    found: dict[str, list[Any]] = {}
    for row in sorted(connection.execute(query), key=lambda r: (r.enterprise_id, r.issued_at, r.point_key)):
        found.setdefault(row.enterprise_id, []).append(row)
    return found


def _field_records(writer: _Writer, rng: random.Random, profiles: list[_Profile], codes: dict[str, list[Any]],
                   clock: _Clock) -> None:  # fmt: skip
    """A worker per coded enterprise, patrol check-ins in the scored months, internal hazard reports."""
    for p in profiles:
        own = codes.get(p.enterprise.id, [])
        if not own:
            continue
        worker, token = _uid(rng), new_worker_token()  # the token is never shown: nobody signs in as one
        writer.add(workers, {"id": worker, "enterprise_id": p.enterprise.id, "name": rng.choice(SURNAMES)
                             + rng.choice(GIVEN), "token_hash": hash_token(token),
                             "prefix": token[len(WORKER_PREFIX):][:8], "created_at": min(c.issued_at for c in own),
                             "revoked_at": None})  # fmt: skip
        for code in own:
            for row in _patrols(rng, p, code, worker, clock):
                writer.add(patrol_checkins, row)
        for _ in range(_poisson(rng, 2 + 8 * p.diligence)):  # over two years: the careful report more
            report, steps = _hazard_report(rng, p, rng.choice(own), worker, clock)
            writer.add(hazard_reports, report)
            for a, b, at in steps:
                writer.add(hazard_report_events, {"report_id": report["id"], "from_status": a, "to_status": b,
                                                  "actor": worker if a is None else OPERATOR.subject, "note": "",
                                                  "at": at})  # fmt: skip


def _patrols(rng: random.Random, p: _Profile, code: Any, worker: str, clock: _Clock) -> list[dict[str, Any]]:
    checks = json.loads(code.snapshot)["patrol_checks"]
    all_ok = json.dumps([{"item": c, "ok": True} for c in checks], ensure_ascii=False)
    day = max(code.issued_at, _midnight(clock.first_day)).date() + DAY
    until = min(code.revoked_at or clock.end, clock.end).date()
    rows, month, rate = [], (0, 0), 0.0
    while day < until:
        if (day.year, day.month) != month:  # each month its own zeal, and sometimes none at all
            month, d = (day.year, day.month), p.at(clock.months_in(day))
            rate = 0.0 if rng.random() < 0.3 * (1 - d) else min(1.0, 0.1 + 0.95 * d + rng.gauss(0, 0.1))
        if day.weekday() < 5 and rng.random() < rate:
            fine = rng.random() > 0.03
            items = all_ok if fine else json.dumps([{"item": c, "ok": n > 0} for n, c in enumerate(checks)],
                                                   ensure_ascii=False)  # fmt: skip
            rows.append({"id": _uid(rng), "code_id": code.id, "enterprise_id": p.enterprise.id, "worker_id": worker,
                         "checked_at": _midnight(day) + timedelta(minutes=rng.randint(30, 570)), "items": items,
                         "all_ok": fine, "note": "" if fine else "（演示）发现异常，已上报"})  # fmt: skip
        day += DAY
    return rows


def _hazard_report(rng: random.Random, p: _Profile, code: Any, worker: str,
                   clock: _Clock) -> tuple[dict[str, Any], list[tuple[str | None, str, datetime]]]:  # fmt: skip
    """One report at a code and its moves 已上报 → 整改中 → 已整改 → 已验收, cut off at the end."""
    created = clock.moment(rng, max(code.issued_at, clock.start), code.revoked_at)
    d = p.at(clock.months_in(created))
    steps: list[tuple[str | None, str, datetime]] = [
        (None, "已上报", created), ("已上报", "整改中", created + timedelta(days=rng.uniform(0.1, 3)))]
    if rng.random() < 0.6 + 0.4 * d:
        fix_days = rng.expovariate(1 / (3 + 25 * (1 - d)))
        steps.append(("整改中", "已整改", steps[-1][2] + timedelta(days=fix_days)))
        if rng.random() < 0.1:  # acceptance failed once
            steps.append(("已整改", "整改中", steps[-1][2] + DAY))
            steps.append(("整改中", "已整改", steps[-1][2] + timedelta(days=rng.uniform(2, 10))))
        if rng.random() < 0.6 + 0.4 * d:
            steps.append(("已整改", "已验收", steps[-1][2] + timedelta(days=rng.uniform(0.5, 5))))
    steps = [s for s in steps if s[2] < clock.end]
    report = {"id": _uid(rng), "enterprise_id": p.enterprise.id, "code_id": code.id, "reporter_id": worker,
              "description": f"（演示）{rng.choice(HAZARDS)}", "location": json.loads(code.snapshot)["location"],
              "severity": "重大隐患" if rng.random() < 0.05 else "一般隐患", "status": steps[-1][1],
              "created_at": created, "updated_at": steps[-1][2]}  # fmt: skip
    return report, steps


class _Writer:
    """Executemany inserts in batches, so a large population never sits in memory whole."""

    def __init__(self, connection: Connection, tables: tuple[Table, ...], batch: int = 5000) -> None:
        self._connection, self._batch = connection, batch
        self._buffers: dict[Table, list[dict[str, Any]]] = {table: [] for table in tables}
        self.written = {table.name: 0 for table in tables}

    def add(self, table: Table, row: dict[str, Any]) -> None:
        self._buffers[table].append(row)
        if len(self._buffers[table]) >= self._batch:
            self.flush()

    def flush(self) -> None:
        # Every buffer, in the order given (parents first), so foreign keys hold at each flush.
        for table, rows in self._buffers.items():
            if rows:
                self._connection.execute(table.insert(), rows)
                self.written[table.name] += len(rows)
                rows.clear()


def _remove_population(engine: Engine) -> None:
    """Delete every synthetic row, children first, so a failed build can be run again."""
    synthetic = "SYN-%"
    with engine.begin() as connection:
        reports = select(hazard_reports.c.id).where(hazard_reports.c.enterprise_id.like(synthetic))
        connection.execute(delete(hazard_report_events).where(hazard_report_events.c.report_id.in_(reports)))
        for table in (hazard_reports, patrol_checkins, workers, risk_codes, risk_entries):
            connection.execute(delete(table).where(table.c.enterprise_id.like(synthetic)))
        for table in (risk_registers, enterprise_reports, enforcement_records, coefficient_snapshots):
            connection.execute(delete(table).where(table.c.enterprise_id.like(synthetic)))
        connection.execute(delete(enterprises).where(enterprises.c.id.like(synthetic)))


def _uid(rng: random.Random) -> str:
    # Drawn from the seed rather than uuid4, so a seed rebuilds the same ids.
    return f"{rng.getrandbits(128):032x}"


def _midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), UTC)
