"""The versioned scoring rules of the safety coefficient, loaded and checked once.

Rules are data (minqian/coefficient/rules/*.yaml) so the department can change
weights without a release; a snapshot records the version it was scored with,
so last year's figures stay explainable after the rules change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from minqian.errors import ConfigurationError

RULES_DIR = Path(__file__).resolve().parent / "rules"
RULE_KINDS = ("flag", "ratio", "share", "at_most", "deduct", "level")
SOURCES = ("企业填报", "系统生成", "执法记录")
_CONDITION = re.compile(r"(>=|<=|==|>|<)\s*(\d+(?:\.\d+)?)")


@dataclass(frozen=True)
class Indicator:
    id: str
    dimension: str  # dimension name, e.g. 安全风险管控
    name: str
    points: float
    source: str
    fact: str
    rule: dict[str, Any]
    reason_lost: str
    basis: tuple[str, ...]


@dataclass(frozen=True)
class Veto:
    id: str
    name: str
    fact: str
    when: str
    cap: str
    basis: tuple[str, ...]

    def fires(self, value: Any) -> bool:
        if value is None or isinstance(value, str):
            return False
        operator, threshold = _CONDITION.fullmatch(self.when.strip()).groups()  # type: ignore[union-attr]
        limit = float(threshold)
        return {">=": value >= limit, "<=": value <= limit, "==": value == limit,
                ">": value > limit, "<": value < limit}[operator]  # fmt: skip


@dataclass(frozen=True)
class Rules:
    version: str
    effective_from: str
    grades: tuple[tuple[str, str, float], ...]  # (grade, label, minimum), best first
    dimensions: tuple[str, ...]
    indicators: tuple[Indicator, ...]
    vetoes: tuple[Veto, ...]
    supervision: dict[str, Any]

    @property
    def grade_order(self) -> tuple[str, ...]:
        return tuple(g for g, _, _ in self.grades)

    def label(self, grade: str) -> str:
        return next(label for g, label, _ in self.grades if g == grade)

    def grade_for(self, coefficient: float) -> str:
        return next(g for g, _, minimum in self.grades if coefficient >= minimum)


@cache
def load_rules(version: str | None = None) -> Rules:
    """The rules of `version`, or the newest file when none is named."""
    files = sorted(RULES_DIR.glob("*.yaml"))
    if not files:
        raise ConfigurationError(f"{RULES_DIR} 中没有系数规则文件")
    chosen = next((f for f in files if f.stem == version), None) if version else files[-1]
    if chosen is None:
        raise ConfigurationError(f"没有版本为 {version} 的系数规则（可用：{'、'.join(f.stem for f in files)}）")
    return parse_rules(yaml.safe_load(chosen.read_text(encoding="utf-8")), str(chosen))


def parse_rules(data: dict[str, Any], where: str = "rules") -> Rules:
    """Build and check the rules; a mistake names the indicator it is in."""
    indicators = []
    for dimension in data["dimensions"]:
        for item in dimension["indicators"]:
            indicator = Indicator(
                str(item["id"]), str(dimension["name"]), str(item["name"]), float(item["points"]),
                str(item["source"]), str(item["fact"]), dict(item["rule"]), str(item["reason_lost"]),
                tuple(item.get("basis") or ()),
            )  # fmt: skip
            if indicator.rule.get("kind") not in RULE_KINDS or indicator.source not in SOURCES:
                raise ConfigurationError(f"{where}: 指标 {indicator.id} 的规则类型或数据来源无效")
            indicators.append(indicator)
    total = sum(i.points for i in indicators)
    if abs(total - 100) > 1e-6:
        raise ConfigurationError(f"{where}: 各指标分值合计应为 100，实际为 {total:g}")
    grades = tuple((str(g["grade"]), str(g["label"]), float(g["min"])) for g in data["grades"])
    vetoes = tuple(Veto(str(v["id"]), str(v["name"]), str(v["fact"]), str(v["when"]), str(v["cap"]),
                        tuple(v.get("basis") or ())) for v in data.get("vetoes") or ())  # fmt: skip
    for veto in vetoes:
        if veto.cap not in {g for g, _, _ in grades} or not _CONDITION.fullmatch(veto.when.strip()):
            raise ConfigurationError(f"{where}: 否决项 {veto.id} 的条件或封顶等级无效")
    return Rules(
        str(data["version"]), str(data["effective_from"]), grades,
        tuple(str(d["name"]) for d in data["dimensions"]), tuple(indicators), vetoes,
        dict(data.get("supervision") or {}),
    )  # fmt: skip
