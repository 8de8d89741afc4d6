"""Inspection desks over SQLite and PostgreSQL, with published coefficients to plan from."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from minqian.access import Principal
from minqian.coefficient.desk import open_coefficient_desk
from minqian.coefficient.facts import Period
from minqian.inspections.desk import InspectionDesk, open_inspection_desk
from minqian.risk.desk import open_risk_desk
from tests.coefficient.conftest import ENTERPRISES
from tests.minqian.conftest import database_url, engine  # noqa: F401  (fixtures)
from tests.risk.conftest import knowledge  # noqa: F401  (fixture)

ADMIN = Principal("admin", "t-admin")
INSPECTOR = Principal("inspector", "t-insp", "林检查", None, "350583")
CITY_INSPECTOR = Principal("inspector", "t-city", "陈检查", None, "3505")
HEAD = Principal("reviewer", "t-head", "局负责人", None, "350583")
OWNER = Principal("enterprise", "t-owner", "", "C-NA1")


@pytest.fixture
def inspections(engine: Engine, make_settings, knowledge) -> InspectionDesk:  # noqa: F811  # type: ignore[no-untyped-def]
    settings = make_settings()
    risk = open_risk_desk(settings, engine, knowledge)
    for enterprise in ENTERPRISES:
        risk.enterprises.add(enterprise)
    coefficients = open_coefficient_desk(engine, risk.enterprises)
    coefficients.scores.publish(ADMIN, Period.of(datetime.now(UTC).date()))
    return open_inspection_desk(settings, engine, risk, coefficients.scores)
