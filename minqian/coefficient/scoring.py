"""Score one enterprise's facts against the rules: points, reasons, grade, vetoes.

A fact is None when nobody supplied it (the points are lost and the reason
says 未填报/无数据) and NOT_APPLICABLE when the indicator does not apply to the
enterprise (no 较大 risk points means no codes to patrol): then the points are
kept, and the reason says so, so the two are never confused.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from minqian.coefficient.rules import Indicator, Rules

NOT_APPLICABLE = "不适用"


@dataclass(frozen=True)
class IndicatorScore:
    indicator: str
    dimension: str
    name: str
    points: float
    max_points: float
    value: Any
    source: str
    reason: str
    basis: tuple[str, ...]

    @property
    def lost(self) -> float:
        return round(self.max_points - self.points, 2)


@dataclass(frozen=True)
class Assessment:
    """A coefficient with the indicator points that add up to it and the grade."""

    rules_version: str
    coefficient: float
    computed_grade: str
    grade: str
    label: str
    items: list[IndicatorScore]
    vetoes: list[dict[str, Any]] = field(default_factory=list)

    def by_dimension(self) -> dict[str, dict[str, float]]:
        totals: dict[str, dict[str, float]] = {}
        for item in self.items:
            entry = totals.setdefault(item.dimension, {"points": 0.0, "max": 0.0})
            entry["points"] = round(entry["points"] + item.points, 2)
            entry["max"] += item.max_points
        return totals

    def as_dict(self) -> dict[str, Any]:
        return {
            "rules_version": self.rules_version, "coefficient": self.coefficient,
            "computed_grade": self.computed_grade, "grade": self.grade, "label": self.label,
            "vetoes": self.vetoes, "dimensions": self.by_dimension(),
            "items": [{**asdict(i), "lost": i.lost, "basis": list(i.basis)} for i in self.items],
        }  # fmt: skip


def score(facts: dict[str, Any], rules: Rules) -> Assessment:
    """Score the facts; every indicator appears once, in the rules' order."""
    items = [_score_indicator(indicator, facts.get(indicator.fact)) for indicator in rules.indicators]
    # Two decimals, like the items, so the published points add up exactly.
    coefficient = round(sum(i.points for i in items), 2)
    computed = rules.grade_for(coefficient)
    grade, fired = computed, []
    order = rules.grade_order
    for veto in rules.vetoes:
        if veto.fires(facts.get(veto.fact)):
            fired.append({"id": veto.id, "name": veto.name, "cap": veto.cap, "value": facts.get(veto.fact),
                          "basis": list(veto.basis)})  # fmt: skip
            if order.index(veto.cap) > order.index(grade):
                grade = veto.cap
    return Assessment(rules.version, coefficient, computed, grade, rules.label(grade), items, fired)


def _score_indicator(indicator: Indicator, value: Any) -> IndicatorScore:
    points, reason = _apply(indicator, value)
    points = round(max(0.0, min(points, indicator.points)), 2)
    if points >= indicator.points and not reason:
        reason = "满分"
    elif not reason:
        reason = indicator.reason_lost
    return IndicatorScore(indicator.id, indicator.dimension, indicator.name, points, indicator.points,
                          value, indicator.source, reason, indicator.basis)  # fmt: skip


def _apply(indicator: Indicator, value: Any) -> tuple[float, str]:
    full, rule = indicator.points, indicator.rule
    if value == NOT_APPLICABLE:
        return full, "不适用，按满分计"
    if value is None:
        return 0.0, "未填报" if indicator.source == "企业填报" else "无数据"
    kind = rule["kind"]
    if kind == "flag":
        return (full, "") if bool(value) else (0.0, "")
    if kind == "ratio":
        share = min(float(value) / float(rule["target"]), 1.0)
        return full * share, "" if share >= 1 else f"{indicator.reason_lost}（实际 {value:g}）"
    if kind == "share":
        share = max(0.0, min(float(value), 1.0))
        return full * share, "" if share >= 1 else f"{indicator.reason_lost}（{share:.0%}）"
    if kind == "at_most":
        limit = float(rule["limit"])
        if float(value) <= limit:
            return full, ""
        return full * max(0.0, 1 - (float(value) - limit) / limit), f"{indicator.reason_lost}（{value:g} 天）"
    if kind == "deduct":
        count = int(value)
        return full - float(rule["each"]) * count, "" if count == 0 else f"{indicator.reason_lost}（{count} 起）"
    levels = rule["values"]
    if value not in levels:
        return 0.0, f"等级“{value}”不在规则中"
    return float(levels[value]), "" if levels[value] >= full else f"{indicator.reason_lost}（{value}）"
