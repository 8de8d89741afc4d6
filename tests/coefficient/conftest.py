"""Coefficient desks over SQLite and PostgreSQL with enterprises in three counties."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from minqian.access import Principal
from minqian.coefficient.desk import CoefficientDesk, open_coefficient_desk
from minqian.enterprises import Enterprise
from minqian.risk.desk import RiskDesk, open_risk_desk
from tests.minqian.conftest import database_url, engine  # noqa: F401  (fixtures)
from tests.risk.conftest import knowledge  # noqa: F401  (fixture)

ENTERPRISES = (
    Enterprise("C-NA1", "南安测试一厂（测试）", "工贸", "轻工", "3505", "350583", synthetic=True),
    Enterprise("C-NA2", "南安测试二厂（测试）", "工贸", "机械", "3505", "350583", synthetic=True),
    Enterprise("C-JJ1", "晋江测试化工（测试）", "危化", "化工", "3505", "350582", synthetic=True),
    Enterprise("C-FQ1", "福清测试冷链（测试）", "工贸", "轻工", "3501", "350181", synthetic=True),
)
ADMIN = Principal("admin", "t-admin")
INSPECTOR_NA = Principal("inspector", "t-na", "", None, "350583")
INSPECTOR_QZ = Principal("inspector", "t-qz", "", None, "3505")
REVIEWER_QZ = Principal("reviewer", "t-rq", "", None, "3505")
REVIEWER_FZ = Principal("reviewer", "t-rf", "", None, "3501")
OWNER_NA1 = Principal("enterprise", "t-e1", "", "C-NA1")
PERFECT_REPORT = {
    "licence_valid": True, "principal_certified": True, "principal_meetings": 4, "principal_inspections": 12,
    "responsibility_system": True, "safety_staff": True, "drills": 2, "training_rate": 1,
    "special_certified_rate": 1, "standardisation_level": "一级",
}  # fmt: skip


@pytest.fixture
def desks(engine: Engine, make_settings, knowledge) -> tuple[RiskDesk, CoefficientDesk]:  # noqa: F811  # type: ignore[no-untyped-def]
    risk = open_risk_desk(make_settings(), engine, knowledge)
    for enterprise in ENTERPRISES:
        risk.enterprises.add(enterprise)
    return risk, open_coefficient_desk(engine, risk.enterprises)
