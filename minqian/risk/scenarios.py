"""Hazard knowledge as data: risk scenarios, their risk points, linked accidents.

The corpus files under corpus/risk_scenarios/ and corpus/accidents/ are also
ingested as text for search; here the same entries are loaded as records the
identification dialogue and the scan page work from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from ingestion.project_corpus import load_entries, project_corpus_files

CONTROL_KINDS = {"engineering": "工程技术措施", "management": "管理措施", "ppe": "个体防护", "emergency": "应急处置"}


@dataclass(frozen=True)
class Control:
    kind: str  # engineering | management | ppe | emergency
    text: str


@dataclass(frozen=True)
class RiskPoint:
    id: str
    name: str
    location: str
    scenario_id: str
    scenario: str
    keywords: tuple[str, ...]
    hazard_factors: tuple[str, ...]
    accident_types: tuple[str, ...]
    lec: dict[str, float]
    matrix: dict[str, int]
    controls: tuple[Control, ...]
    safe_operation: tuple[str, ...]
    patrol_checks: tuple[str, ...]

    @property
    def emergency(self) -> tuple[str, ...]:
        return tuple(c.text for c in self.controls if c.kind == "emergency")


@dataclass(frozen=True)
class Scenario:
    id: str
    name: str
    industries: tuple[str, ...]
    keywords: tuple[str, ...]
    description: str
    points: tuple[RiskPoint, ...]
    basis: tuple[str, ...]


@dataclass(frozen=True)
class AccidentCase:
    id: str
    name: str
    date: str
    accident_type: str
    casualties: str
    direct_cause: str
    lessons: tuple[str, ...]
    scenarios: tuple[str, ...]


@dataclass
class HazardKnowledge:
    """All scenarios and accident cases of the project corpus, indexed for lookup."""

    scenarios: list[Scenario]
    accidents: list[AccidentCase] = field(default_factory=list)

    @cached_property
    def points(self) -> dict[str, RiskPoint]:
        return {p.id: p for s in self.scenarios for p in s.points}

    def scenario(self, scenario_id: str) -> Scenario:
        return next(s for s in self.scenarios if s.id == scenario_id)

    def accidents_for(self, scenario_name: str, limit: int = 3) -> list[AccidentCase]:
        """Cases tagged with the scenario, most recent first."""
        tagged = [a for a in self.accidents if scenario_name in a.scenarios]
        return sorted(tagged, key=lambda a: a.date, reverse=True)[:limit]


def load_hazard_knowledge(corpus_dir: Path) -> HazardKnowledge:
    """Read every risk-scenario and accident-case file under the corpus folder."""
    scenarios: list[Scenario] = []
    accidents: list[AccidentCase] = []
    for path in project_corpus_files(corpus_dir):
        kind, entries = load_entries(path)
        if kind == "risk_scenarios":
            scenarios += [_scenario(e) for e in entries]
        elif kind == "accident_cases":
            accidents += [_accident(e) for e in entries]
    return HazardKnowledge(scenarios, accidents)


def _scenario(entry: dict[str, Any]) -> Scenario:
    sid, name = str(entry["id"]), str(entry["name"])
    points = tuple(_point(sid, name, p) for p in entry.get("risk_points") or [])
    return Scenario(
        sid, name, _strings(entry.get("industries")), _strings(entry.get("keywords")),
        str(entry.get("description", "")), points, _strings(entry.get("basis")),
    )  # fmt: skip


def _point(scenario_id: str, scenario: str, entry: dict[str, Any]) -> RiskPoint:
    controls = tuple(
        Control(kind, str(text))
        for kind in CONTROL_KINDS
        for text in (entry.get("controls") or {}).get(kind) or []
    )
    lec = {k.upper(): float(v) for k, v in (entry.get("lec") or {}).items()}
    return RiskPoint(
        id=str(entry["id"]), name=str(entry["name"]), location=str(entry.get("location", "")),
        scenario_id=scenario_id, scenario=scenario, keywords=_strings(entry.get("keywords")),
        hazard_factors=_strings(entry.get("hazard_factors")),
        accident_types=_strings(entry.get("accident_types")), lec=lec,
        matrix={k: int(v) for k, v in (entry.get("matrix") or {}).items()},
        controls=controls, safe_operation=_strings(entry.get("safe_operation")),
        patrol_checks=_strings(entry.get("patrol_checks")),
    )  # fmt: skip


def _accident(entry: dict[str, Any]) -> AccidentCase:
    return AccidentCase(
        str(entry["id"]), str(entry["name"]), str(entry.get("date", "")),
        str(entry.get("accident_type", "")), str(entry.get("casualties", "")),
        str(entry.get("direct_cause", "")), _strings(entry.get("lessons")),
        _strings(entry.get("scenarios")),
    )  # fmt: skip


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value or ())
