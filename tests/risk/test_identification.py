"""Reading site answers by rules: substances and amounts, people, controls in place, proposals."""

from __future__ import annotations

import pytest

from minqian.risk.identification import (
    SiteProfile,
    controls_in_place,
    major_hazard_ratio,
    parse_materials,
    parse_people,
    propose,
)  # fmt: skip
from minqian.risk.scenarios import HazardKnowledge


def test_materials_amounts_stay_with_their_substance() -> None:
    assert parse_materials("液氨15吨，氨水罐，甲醇 300 t，氢气500kg") == {"氨": 15, "甲醇": 300, "氢": 0.5}
    assert parse_materials("液氨，罐满大概150吨，平时维持一百吨上下") == {"氨": 150}
    assert parse_materials("铝粉尘、少量机油") == {}
    assert major_hazard_ratio({"氨": 5, "甲醇": 250}) == pytest.approx(1.0)


def test_people_is_the_largest_number_given() -> None:
    assert parse_people("两班各12人，共约30人") == 30 and parse_people("不清楚") is None


@pytest.mark.parametrize(("reply", "expected"), [
    ("全部", list(range(1, 13))), ("全部都做到了", list(range(1, 13))), ("无", []), ("都没有", []),
    ("1 3 5", [1, 3, 5]), ("第1、2、4条", [1, 2, 4]), ("1-3、11到12", [1, 2, 3, 11, 12]),
    ("除了3和7，其他都有", [1, 2, 4, 5, 6, 8, 9, 10, 11, 12]), ("1 99", [1]),
])  # fmt: skip
def test_controls_answers_in_numbers_and_words(knowledge: HazardKnowledge, reply: str, expected: list[int]) -> None:
    point = knowledge.points["RS-001-01"]
    assert len(point.controls) == 12
    assert [i + 1 for i in controls_in_place(point, reply)] == expected


def test_free_text_controls_skip_negated_clauses(knowledge: HazardKnowledge) -> None:
    point = knowledge.points["RS-001-01"]
    index, text = next((n, c.text) for n, c in enumerate(point.controls) if not any(p in c.text for p in "，,、；;。"))
    assert controls_in_place(point, text) == [index]
    assert controls_in_place(point, f"没有{text}") == []


def test_proposals_follow_the_description_and_gb18218(knowledge: HazardKnowledge) -> None:
    dust = propose(knowledge, SiteProfile("工贸", "铝合金打磨抛光车间", "布袋除尘器", "铝粉", 30))
    assert {c.point.scenario for c in dust} == {"粉尘涉爆"} and dust[0].direct
    quiet = propose(knowledge, SiteProfile("危化", "甲醇储存", "储罐", "甲醇 300 吨", 10))
    assert "重大危险源" not in {c.point.scenario for c in quiet}
    major = propose(knowledge, SiteProfile("危化", "甲醇储存", "储罐", "甲醇 600 吨", 10))
    flagged = [c for c in major if c.point.scenario == "重大危险源"]
    assert flagged and "Σq/Q=1.20≥1" in flagged[0].reasons[-1]
    assert propose(knowledge, SiteProfile("非煤矿山", "铝合金打磨抛光车间", "", "", 5)) == []
