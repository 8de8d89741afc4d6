"""A small, deterministic, clearly synthetic demo: enterprises with confirmed registers.

Every name carries “（演示）” and every record is flagged synthetic, so demo
data can never be mistaken for a real enterprise's. Seeding twice adds nothing:
enterprises that exist are left as they are. The province-wide population with
a year of coefficient history is minqian/coefficient/population.py; `minqian
demo seed` builds it after these four.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from minqian.access import Principal
from minqian.enterprises import Enterprise
from minqian.risk.desk import RiskDesk
from minqian.risk.identification import SiteProfile
from minqian.risk.registers import DraftEntry, draft_entry

logger = logging.getLogger(__name__)
OPERATOR = Principal("admin", "demo-seed", "演示数据")


@dataclass(frozen=True)
class DemoPoint:
    scenario: str  # scenario name in the corpus
    index: int  # which of its risk points
    share: float  # share of typical controls in place, taken from the front of the list
    responsible: str


@dataclass(frozen=True)
class DemoEnterprise:
    enterprise: Enterprise
    people: int
    method: str
    points: tuple[DemoPoint, ...]
    worker: str


DEMO: tuple[DemoEnterprise, ...] = (
    DemoEnterprise(
        Enterprise("DEMO-001", "南安示范铝制品有限公司（演示）", "工贸", "机械", "3505", "350583",
                   "南安市示范工业园 1 号（虚构）", synthetic=True),
        35, "LEC",
        (DemoPoint("粉尘涉爆", 0, 1.0, "陈建华"), DemoPoint("粉尘涉爆", 1, 0.6, "陈建华"),
         DemoPoint("有限空间作业", 0, 0.5, "林志强"), DemoPoint("叉车与厂内机动车", 0, 1.0, "黄海")),
        "王小明",
    ),
    DemoEnterprise(
        Enterprise("DEMO-002", "福清示范冷链食品有限公司（演示）", "工贸", "轻工", "3501", "350181",
                   "福清市示范冷链物流园 8 号（虚构）", synthetic=True),
        40, "LEC",
        (DemoPoint("涉氨制冷", 0, 1.0, "郑国平"), DemoPoint("涉氨制冷", 1, 0.5, "郑国平"),
         DemoPoint("临时用电", 0, 1.0, "吴磊")),
        "李阿梅",
    ),
    DemoEnterprise(
        Enterprise("DEMO-003", "漳浦示范精细化工有限公司（演示）", "危化", "化工", "3506", "350623",
                   "漳浦县示范化工园区 3 号（虚构）", synthetic=True),
        18, "matrix",
        (DemoPoint("危险化学品储存", 0, 1.0, "许文斌"), DemoPoint("危化品装卸", 0, 0.6, "许文斌"),
         DemoPoint("反应釜/精馏", 0, 1.0, "蔡明")),
        "周大勇",
    ),
    DemoEnterprise(
        Enterprise("DEMO-004", "上杭示范矿业有限公司（演示）", "非煤矿山", "金属非金属矿山", "3508", "350823",
                   "上杭县示范矿区（虚构）", synthetic=True),
        60, "LEC",
        (DemoPoint("尾矿库", 0, 1.0, "罗永生"), DemoPoint("地下矿山", 0, 0.5, "罗永生")),
        "赖金水",
    ),
)  # fmt: skip


@dataclass
class SeedResult:
    added: list[str]
    skipped: list[str]
    codes: int
    workers: dict[str, str]  # enterprise id → worker token (shown once)


def seed_demo(desk: RiskDesk) -> SeedResult:
    """Add the demo enterprises that are missing, each with a confirmed register."""
    result = SeedResult([], [], 0, {})
    for demo in DEMO:
        if desk.enterprises.get(demo.enterprise.id) is not None:
            result.skipped.append(demo.enterprise.id)
            continue
        enterprise = desk.enterprises.add(demo.enterprise)
        entries = [_entry(desk, demo, p) for p in demo.points]
        profile = {"industry": enterprise.industry, "people": demo.people, "synthetic": True}
        confirmed = desk.registers.confirm(OPERATOR, enterprise.id, entries, demo.method, profile, "演示")
        _, token = desk.workers.issue(OPERATOR, enterprise.id, demo.worker)
        result.added.append(enterprise.id)
        result.codes += len(confirmed.issued)
        result.workers[enterprise.id] = token
        logger.info("demo enterprise seeded id=%s entries=%s codes=%s",
                    enterprise.id, len(entries), len(confirmed.issued))  # fmt: skip
    return result


def _entry(desk: RiskDesk, demo: DemoEnterprise, spec: DemoPoint) -> DraftEntry:
    scenario = next(s for s in desk.knowledge.scenarios if s.name == spec.scenario)
    point = scenario.points[min(spec.index, len(scenario.points) - 1)]
    in_place = list(range(round(len(point.controls) * spec.share)))
    profile = SiteProfile(demo.enterprise.industry, people=demo.people)
    return draft_entry(desk.knowledge, point.id, in_place, profile, demo.method, responsible=spec.responsible)
