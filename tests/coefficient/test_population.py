"""The synthetic population: same seed same province, spread, dated history, once only."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from minqian.access import Principal
from minqian.coefficient.desk import CoefficientDesk, open_coefficient_desk
from minqian.coefficient.facts import Period
from minqian.coefficient.population import FIRST_ID, PopulationSummary, build_population
from minqian.coefficient.records import coefficient_snapshots, enforcement_records
from minqian.database import init_schema, open_engine
from minqian.enterprises import FIELDS, SIZES, Enterprise, enterprises
from minqian.regions import CITIES
from minqian.risk.desk import RiskDesk, open_risk_desk
from minqian.risk.records import hazard_report_events, patrol_checkins, risk_codes, risk_registers
from minqian.risk.scenarios import HazardKnowledge
from minqian.sealing import Keyring
from minqian.settings import Settings
from tests.minqian.conftest import database_url, engine  # noqa: F401  (fixtures)
from tests.risk.conftest import knowledge  # noqa: F401  (fixture)

SIZE = 60
END = Period("2026-11")
ADMIN = Principal("admin", "t-admin")


@dataclass
class Built:
    engine: Engine
    risk: RiskDesk
    coefficient: CoefficientDesk
    summary: PopulationSummary


def _build(db: Engine, data_dir: Path, knowledge: HazardKnowledge) -> Built:  # noqa: F811
    risk = open_risk_desk(Settings(data_dir=data_dir), db, knowledge)
    coefficient = open_coefficient_desk(db, risk.enterprises)
    return Built(db, risk, coefficient, build_population(db, risk, coefficient, size=SIZE))


def _grades(db: Engine) -> dict[tuple[str, str], tuple[str, float]]:
    query = select(coefficient_snapshots.c.period, coefficient_snapshots.c.enterprise_id,
                   coefficient_snapshots.c.grade, coefficient_snapshots.c.coefficient)  # fmt: skip
    with db.connect() as connection:
        return {(r.period, r.enterprise_id): (r.grade, r.coefficient) for r in connection.execute(query)}


def _population(built: Built) -> list[Enterprise]:
    return [e for e in built.risk.enterprises.list(ADMIN) if e.id.startswith("SYN-")]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, knowledge: HazardKnowledge) -> Iterator[Built]:  # noqa: F811
    folder = tmp_path_factory.mktemp("population")
    sqlite = open_engine(f"sqlite:///{folder / 'minqian.sqlite'}", Keyring.generate())
    init_schema(sqlite)
    yield _build(sqlite, folder, knowledge)
    sqlite.dispose()


def test_population_is_the_same_for_the_same_seed_on_either_backend(
    built: Built, engine: Engine, tmp_path: Path, knowledge: HazardKnowledge,  # noqa: F811
) -> None:  # fmt: skip
    again = _build(engine, tmp_path / "again", knowledge)
    assert [e.as_dict() for e in _population(again)] == [e.as_dict() for e in _population(built)]
    assert _grades(again.engine) == _grades(built.engine)
    assert again.summary.grades == built.summary.grades and again.summary.rows == built.summary.rows


def test_population_spreads_over_areas_industries_sizes_and_grades(built: Built) -> None:
    population = _population(built)
    assert len(population) == SIZE and population[0].id == FIRST_ID
    assert {e.city_code for e in population} == {c.code for c in CITIES}  # nine cities and 平潭
    assert {e.industry for e in population} == set(FIELDS) and {e.size for e in population} == set(SIZES)
    trade = sum(e.industry == "工贸" for e in population) / SIZE
    assert 0.6 <= trade <= 0.8
    assert all(e.synthetic and e.name.endswith("（演示）") and e.credit_code is None for e in population)
    assert set(built.summary.grades) == {"A", "B", "C", "D"} and sum(built.summary.grades.values()) == SIZE


def test_population_publishes_every_period_and_grades_move(built: Built) -> None:
    assert built.summary.periods[-1] == END.label and len(built.summary.periods) == 12
    grades = _grades(built.engine)
    for period in built.summary.periods:
        assert sum(1 for p, e in grades if p == period and e.startswith("SYN-")) == SIZE
    first, last = built.summary.periods[0], built.summary.periods[-1]
    moved = [e.id for e in _population(built) if grades[(first, e.id)][0] != grades[(last, e.id)][0]]
    assert moved, "some enterprises should improve or worsen over the year"


def test_population_history_is_dated_within_the_scored_window(built: Built) -> None:
    start = Period(built.summary.periods[0]).first_day
    with built.engine.connect() as connection:
        def span(column):  # type: ignore[no-untyped-def]
            return connection.execute(select(func.min(column), func.max(column))).one()

        for column in (risk_registers.c.confirmed_at, risk_codes.c.issued_at, patrol_checkins.c.checked_at,
                       hazard_report_events.c.at):  # fmt: skip
            earliest, latest = span(column)
            assert latest < END.end and earliest.date() >= start.replace(year=start.year - 1), column
        assert span(enforcement_records.c.occurred_on)[1] <= END.last_day
        kinds = dict(connection.execute(select(enforcement_records.c.kind, func.count())
                                        .group_by(enforcement_records.c.kind)).all())  # fmt: skip
    assert set(kinds) == {"行政处罚", "生产安全事故", "检查隐患", "现场检查"}


def test_population_second_run_adds_nothing(built: Built) -> None:
    def counts() -> list[int]:
        with built.engine.connect() as connection:
            return [connection.execute(select(func.count()).select_from(t)).scalar_one()
                    for t in (enterprises, coefficient_snapshots, patrol_checkins, risk_registers)]  # fmt: skip

    before = counts()
    again = build_population(built.engine, built.risk, built.coefficient, size=SIZE)
    assert again.existed and again.added == 0 and again.grades == built.summary.grades
    assert counts() == before


def test_demo_seed_builds_the_population_once(subprocess_env: dict[str, str], tmp_path: Path) -> None:
    env = dict(subprocess_env, MINQIAN_DATA_DIR=str(tmp_path / "data"))
    command = [sys.executable, "-m", "minqian.cli", "demo", "seed", "--population", "20"]
    seeded = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert seeded.returncode == 0, seeded.stderr
    assert "新增企业 4 家" in seeded.stdout
    assert "虚构企业群：新增企业 20 家" in seeded.stdout and "2025-12 至 2026-11 共 12 期" in seeded.stdout
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert "虚构企业群已存在（20 家" in again.stdout


def test_population_that_fails_part_way_leaves_nothing_behind(
    engine: Engine, tmp_path: Path, knowledge: HazardKnowledge, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
) -> None:  # fmt: skip
    risk = open_risk_desk(Settings(data_dir=tmp_path), engine, knowledge)
    coefficient = open_coefficient_desk(engine, risk.enterprises)
    published: list[str] = []

    def publish_then_fail(principal: Principal, period: Period, batch: int = 500) -> int:
        if published:
            raise RuntimeError("server went away")
        published.append(period.label)
        return 0

    monkeypatch.setattr(coefficient.scores, "publish", publish_then_fail)
    with pytest.raises(RuntimeError):
        build_population(engine, risk, coefficient, size=10)
    with engine.connect() as connection:
        for table in (enterprises, risk_registers, risk_codes, patrol_checkins, enforcement_records):
            assert connection.execute(select(func.count()).select_from(table)).scalar_one() == 0, table.name
    monkeypatch.undo()
    assert build_population(engine, risk, coefficient, size=10).added == 10
