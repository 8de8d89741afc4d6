"""Rules and scoring: every rule kind, every veto, missing versus not applicable."""

from __future__ import annotations

import copy

import pytest
import yaml

from minqian.coefficient.rules import RULES_DIR, load_rules, parse_rules
from minqian.coefficient.scoring import NOT_APPLICABLE, score
from minqian.coefficient.supervision import supervise
from minqian.enterprises import Enterprise
from minqian.errors import ConfigurationError

RULES = load_rules()
PERFECT = {
    "licence_valid": True, "principal_certified": True, "principal_meetings": 4, "principal_inspections": 12,
    "responsibility_system": True, "safety_staff": True, "drills": 2, "training_rate": 1.0,
    "special_certified_rate": 1.0, "register_current": True, "codes_in_use_rate": 1.0, "patrol_rate": 1.0,
    "internal_closure_rate": 1.0, "inspection_fix_rate": 1.0, "mean_fix_days": 5, "accidents": 0,
    "penalties": 0, "standardisation_level": "一级", "major_accidents": 0, "overdue_major_hazards": 0,
    "licence_missing": 0,
}  # fmt: skip


def _points(facts: dict, indicator: str) -> float:  # type: ignore[type-arg]
    return next(i.points for i in score(facts, RULES).items if i.indicator == indicator)


def test_perfect_facts_score_100_and_points_add_up() -> None:
    assessment = score(PERFECT, RULES)
    assert assessment.coefficient == 100 and assessment.grade == "A" and not assessment.vetoes
    assert sum(i.points for i in assessment.items) == assessment.coefficient
    assert set(assessment.by_dimension()) == set(RULES.dimensions) and len(RULES.dimensions) == 9


@pytest.mark.parametrize(("fact", "value", "indicator", "points"), [
    ("licence_valid", False, "Q1", 0), ("principal_meetings", 2, "P2", 1.5), ("principal_meetings", 9, "P2", 3),
    ("training_rate", 0.5, "T1", 3), ("training_rate", 1.4, "T1", 6), ("mean_fix_days", 30, "H3", 0),
    ("mean_fix_days", 22.5, "H3", 1), ("accidents", 1, "A1", 6), ("accidents", 3, "A1", 0),
    ("penalties", 1, "L1", 4), ("standardisation_level", "三级", "S1", 5), ("standardisation_level", "四级", "S1", 0),
])  # fmt: skip
def test_each_rule_kind(fact: str, value: object, indicator: str, points: float) -> None:
    assert _points({**PERFECT, fact: value}, indicator) == points


def test_missing_loses_points_but_not_applicable_keeps_them() -> None:
    missing = score({**PERFECT, "training_rate": None, "patrol_rate": None}, RULES)
    items = {i.indicator: i for i in missing.items}
    assert items["T1"].points == 0 and items["T1"].reason == "未填报"
    assert items["K3"].points == 0 and items["K3"].reason == "无数据"
    kept = {i.indicator: i for i in score({**PERFECT, "patrol_rate": NOT_APPLICABLE}, RULES).items}
    assert kept["K3"].points == 6 and "不适用" in kept["K3"].reason


@pytest.mark.parametrize(("fact", "value", "cap"), [
    ("major_accidents", 1, "D"), ("overdue_major_hazards", 2, "C"), ("licence_missing", 1, "D"),
])  # fmt: skip
def test_vetoes_cap_the_grade_whatever_the_points(fact: str, value: int, cap: str) -> None:
    assessment = score({**PERFECT, fact: value}, RULES)
    assert assessment.computed_grade == "A" and assessment.grade == cap
    assert [v["cap"] for v in assessment.vetoes] == [cap] and assessment.vetoes[0]["basis"]


def test_grade_thresholds() -> None:
    assert [RULES.grade_for(x) for x in (100, 90, 89.9, 75, 74.9, 60, 59.9, 0)] == list("AABBCCDD")


def test_bad_rules_are_refused_with_the_indicator_named() -> None:
    data = yaml.safe_load((RULES_DIR / f"{RULES.version}.yaml").read_text(encoding="utf-8"))
    heavier = copy.deepcopy(data)
    heavier["dimensions"][0]["indicators"][0]["points"] = 11
    with pytest.raises(ConfigurationError, match="合计应为 100"):
        parse_rules(heavier)
    unknown = copy.deepcopy(data)
    unknown["dimensions"][0]["indicators"][0]["rule"]["kind"] = "magic"
    with pytest.raises(ConfigurationError, match="Q1"):
        parse_rules(unknown)
    with pytest.raises(ConfigurationError, match="没有版本"):
        load_rules("fj-1999.9")


@pytest.mark.parametrize(("industry", "sector", "scenarios", "grade", "cap", "mode", "key"), [
    ("工贸", "轻工", set(), "A", 1, "非现场检查", False),
    ("工贸", "轻工", {"粉尘涉爆"}, "A", 1, "现场检查", False),
    ("工贸", "冶金", set(), "A", 1, "现场检查", False),
    ("危化", "化工", set(), "A", 2, "现场检查", False),
    ("危化", "化工", set(), "B", 4, "现场检查", False),
    ("非煤矿山", "矿山", set(), "D", 4, "现场检查", True),
])  # fmt: skip
def test_supervision_halves_the_cap_for_high_grades(industry: str, sector: str, scenarios: set[str], grade: str,
                                                     cap: int, mode: str, key: bool) -> None:  # fmt: skip
    enterprise = Enterprise("E", "测试", industry, sector, "3505", "350583")
    plan = supervise(enterprise, grade, scenarios, RULES)
    assert (plan.onsite_cap, plan.mode, plan.key_inspection) == (cap, mode, key)
    assert plan.onsite_cap * 2 == plan.base_cap or grade != "A"
