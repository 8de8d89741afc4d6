"""Each warning rule with its edge cases (pure functions over visits)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from minqian.inspections.lenient import assess_leniency
from minqian.inspections.warnings import Visit, evaluate
from minqian.settings import InspectionSettings

RULES = InspectionSettings()
START = datetime(2026, 3, 2, 9, tzinfo=UTC)
ITEMS = frozenset({"GM-001", "GM-002", "GM-009", "GM-010"})


def visit(n: int, days: int, department: str = "南安市应急管理局", items: frozenset[str] = ITEMS,
          planned: bool = True, enterprise: str = "E1") -> Visit:  # fmt: skip
    return Visit(f"R{n}", enterprise, department, START + timedelta(days=days), items, "P1" if planned else None, None)


def kinds(visits: list[Visit], caps: dict[str, int] | None = None) -> list[tuple[str, tuple[str, ...]]]:
    return [(w.type, w.inspections) for w in evaluate(visits, caps or {}, RULES)]


def test_multi_department_within_the_window_only() -> None:
    inside = kinds([visit(1, 0), visit(2, 30, "泉州市应急管理局", frozenset({"GM-020"}))])
    assert inside == [("多头检查", ("R1", "R2"))]
    outside = kinds([visit(1, 0), visit(2, 31, "泉州市应急管理局", frozenset({"GM-020"}))])
    assert outside == []
    same = kinds([visit(1, 0), visit(2, 5, items=frozenset({"GM-020"}))])
    assert same == []  # one department, different items: neither rule


def test_repeated_needs_same_department_and_overlapping_items_within_the_window() -> None:
    assert kinds([visit(1, 0), visit(2, 90)]) == [("重复检查", ("R1", "R2"))]
    assert kinds([visit(1, 0), visit(2, 91)]) == []
    half = frozenset({"GM-001", "GM-002", "GM-030", "GM-031"})
    assert kinds([visit(1, 0), visit(2, 10, items=half)]) == [("重复检查", ("R1", "R2"))]  # exactly 50 %
    less = frozenset({"GM-001", "GM-030", "GM-031", "GM-032"})
    assert kinds([visit(1, 0), visit(2, 10, items=less)]) == []


def test_over_cap_counts_visits_in_the_calendar_year() -> None:
    far = [visit(n, n * 100, items=frozenset({f"GM-{n:03d}"})) for n in range(1, 4)]  # 100 days apart
    assert kinds(far, {"E1": 3}) == []
    assert kinds(far, {"E1": 2}) == [("高频次检查", ("R1", "R2", "R3"))]
    next_year = [*far[:2], visit(9, 400, items=frozenset({"GM-099"}))]
    assert kinds(next_year, {"E1": 2}) == []
    assert kinds(far, {}) == []  # no published cap: nothing to compare with


def test_unplanned_visits_and_reasons() -> None:
    warnings = evaluate([visit(1, 0, planned=False)], {}, RULES)
    assert [w.type for w in warnings] == ["无计划检查"] and "专项检查审批" in warnings[0].reason
    multi = evaluate([visit(1, 0), visit(2, 3, "福建省应急管理厅", frozenset({"WH-001"}))], {}, RULES)[0]
    assert "3天内" in multi.reason and "2个部门" in multi.reason


def test_leniency_follows_the_list_and_its_exclusions() -> None:
    assert assess_leniency("车间灭火器过期2具")["eligible"] is True
    major = assess_leniency("灭火器过期，且储罐区报警失效", level="重大隐患")
    assert major["eligible"] is False and "重大隐患" in major["blocked_by"]
    assert assess_leniency("特种作业人员未持证上岗")["eligible"] is False
    assert "不在本地轻微违法免罚清单内" in assess_leniency("除尘系统未设泄爆")["text"]
    assert assess_leniency("安全警示标志破损")["basis"] == ["《中华人民共和国行政处罚法》第三十三条第一款"]
