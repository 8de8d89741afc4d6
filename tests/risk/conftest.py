"""Risk desks over SQLite and PostgreSQL, the real hazard knowledge, enterprises in two areas."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from minqian.access import Principal
from minqian.enterprises import Enterprise
from minqian.risk.desk import RiskDesk, open_risk_desk
from minqian.risk.scenarios import HazardKnowledge, load_hazard_knowledge
from tests.minqian.conftest import database_url, engine  # noqa: F401  (fixtures)

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
# Two enterprises in 泉州 (南安, 晋江) and one in 福州 (福清).
NANAN = Enterprise("E-NA", "南安测试机械有限公司（测试）", "工贸", "机械", "3505", "350583", synthetic=True)
JINJIANG = Enterprise("E-JJ", "晋江测试化工有限公司（测试）", "危化", "化工", "3505", "350582", synthetic=True)
FUQING = Enterprise("E-FQ", "福清测试冷链有限公司（测试）", "工贸", "轻工", "3501", "350181", synthetic=True)

OWNER = Principal("enterprise", "key-jj", "晋江测试", "E-JJ")
OTHER = Principal("enterprise", "key-na", "南安测试", "E-NA")
PROVINCE = Principal("inspector", "key-p", "省厅", None, None)
QUANZHOU = Principal("inspector", "key-qz", "泉州市局", None, "3505")
NANAN_COUNTY = Principal("inspector", "key-na-c", "南安市局", None, "350583")
JINJIANG_COUNTY = Principal("inspector", "key-jj-c", "晋江市局", None, "350582")
FUQING_COUNTY = Principal("inspector", "key-fq-c", "福清市局", None, "350181")


@pytest.fixture(scope="session")
def knowledge() -> HazardKnowledge:
    return load_hazard_knowledge(CORPUS)


@pytest.fixture
def desk(engine: Engine, make_settings, knowledge: HazardKnowledge) -> RiskDesk:  # noqa: F811  # type: ignore[no-untyped-def]
    settings = make_settings()
    desk = open_risk_desk(settings, engine, knowledge)
    for enterprise in (NANAN, JINJIANG, FUQING):
        desk.enterprises.add(enterprise)
    return desk
