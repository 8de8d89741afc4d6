"""The administrative inspection item lists (行政检查事项清单) as data, and checklists.

The same corpus files are ingested for search; here they are records an
inspection scheme is drawn from: the field's general management items plus
the items that touch the scenarios in the enterprise's risk register.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from ingestion.project_corpus import load_entries, project_corpus_files
from minqian.risk.scenarios import HazardKnowledge

FIELD_PREFIX = {"工贸": "GM", "危化": "WH", "非煤矿山": "FM"}


@dataclass(frozen=True)
class InspectionItem:
    id: str
    field: str
    name: str
    content: str
    standard: str
    basis: tuple[str, ...]
    penalty_basis: tuple[str, ...]
    applies_to: tuple[str, ...]

    @property
    def text(self) -> str:
        return f"{self.name}{self.content}"

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "field": self.field, "name": self.name, "content": self.content,
                "standard": self.standard, "basis": list(self.basis), "penalty_basis": list(self.penalty_basis),
                "applies_to": list(self.applies_to)}  # fmt: skip


@dataclass
class ItemCatalogue:
    items: list[InspectionItem]
    knowledge: HazardKnowledge

    @cached_property
    def by_id(self) -> dict[str, InspectionItem]:
        return {i.id: i for i in self.items}

    def for_field(self, field: str) -> list[InspectionItem]:
        return [i for i in self.items if i.field == field]

    def checklist(self, field: str, scenarios: set[str]) -> list[InspectionItem]:
        """General items of the field plus those about the register's scenarios."""
        words = {s: self._words(s) for s in self._scenario_names()}
        chosen = []
        for item in self.for_field(field):
            touched = {s for s, ws in words.items() if any(w in item.text for w in ws)}
            if not touched or touched & scenarios:
                chosen.append(item)
        return chosen

    def _scenario_names(self) -> list[str]:
        return [s.name for s in self.knowledge.scenarios]

    def _words(self, scenario: str) -> tuple[str, ...]:
        found = next(s for s in self.knowledge.scenarios if s.name == scenario)
        # The scenario's name parts and its distinctive keywords (three characters or more).
        parts = [p for p in scenario.replace("/", "与").split("与") if len(p) >= 2]
        return tuple(dict.fromkeys([*parts, *(k for k in found.keywords if len(k) >= 3)]))


def load_catalogue(corpus_dir: Path, knowledge: HazardKnowledge) -> ItemCatalogue:
    items: list[InspectionItem] = []
    fields = {prefix: field for field, prefix in FIELD_PREFIX.items()}
    for path in project_corpus_files(corpus_dir):
        kind, entries = load_entries(path)
        if kind != "inspection_items":
            continue
        for entry in entries:
            item_id = str(entry["id"])
            items.append(InspectionItem(
                item_id, fields.get(item_id.split("-")[0], "通用"), str(entry["name"]),
                str(entry.get("content", "")), str(entry.get("standard", "")),
                tuple(entry.get("basis") or ()), tuple(entry.get("penalty_basis") or ()),
                tuple(str(a) for a in entry.get("applies_to") or ()),
            ))  # fmt: skip
    return ItemCatalogue(items, knowledge)
