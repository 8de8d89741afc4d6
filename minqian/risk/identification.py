"""Guided risk identification without a model: from a site description to graded points.

The dialogue (agent/risk_dialogue.py) asks the questions; this module turns the
answers into candidates, controls in place and gradings, so the same rules
serve the chat, the API and the evaluation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from minqian.risk.grading import Grading, grade_lec, grade_matrix
from minqian.risk.scenarios import HazardKnowledge, RiskPoint

# Critical quantities in tonnes from GB 18218-2018 表1 for the substances Fujian's
# enterprises name most often. The better version reads the whole table and
# 表2's classes; an unlisted substance is simply not counted here.
CRITICAL_TONNES: dict[str, float] = {
    "氨": 10, "氯": 5, "硫化氢": 5, "光气": 0.3, "氰化氢": 1, "氟化氢": 1, "二氧化硫": 20,
    "环氧乙烷": 10, "液化石油气": 50, "天然气": 50, "氢": 5, "乙炔": 1, "苯": 50,
    "甲苯": 500, "甲醇": 500, "乙醇": 500, "汽油": 200, "硝酸铵": 50, "丙酮": 500,
}  # fmt: skip
_SYNONYMS = {"液氨": "氨", "氨气": "氨", "氯气": "氯", "液氯": "氯", "氢气": "氢", "LPG": "液化石油气",
             "液化气": "液化石油气", "LNG": "天然气", "酒精": "乙醇"}  # fmt: skip
# An amount belongs to the substance before it within the same list item
# (“液氨，罐满大概150吨”), unless another substance is named first.
_ITEM = re.compile(r"[^；;。、\n]{0,16}")
_AMOUNT = re.compile(r"(\d+(?:\.\d+)?)\s*(吨|t|T|千克|公斤|kg|KG|Kg)?")
_NEGATION = re.compile(r"没有|未|无|不|缺")


@dataclass
class SiteProfile:
    """What the enterprise said about its site."""

    industry: str
    workplaces: str = ""
    equipment: str = ""
    materials: str = ""
    people: int = 0

    @property
    def text(self) -> str:
        return " ".join((self.workplaces, self.equipment, self.materials))


@dataclass
class Candidate:
    """A risk point proposed for the register, with why it was proposed."""

    point: RiskPoint
    reasons: list[str] = field(default_factory=list)
    direct: bool = False  # the point's own keywords matched, not only its scenario's


def parse_people(text: str) -> int | None:
    """The number of people from “25”, “约30人”, “两班各12人” (the largest number)."""
    numbers = [int(n) for n in re.findall(r"\d+", text)]
    return max(numbers) if numbers else None


def parse_materials(text: str) -> dict[str, float]:
    """Substance → tonnes for the listed substances named with an amount."""
    found: dict[str, float] = {}
    consumed: list[tuple[int, int]] = []
    # Longer names first, so the “氨” inside “液氨” is not counted twice.
    for name in sorted([*CRITICAL_TONNES, *_SYNONYMS], key=len, reverse=True):
        for match in re.finditer(re.escape(name), text):
            if any(match.start() >= s and match.end() <= e for s, e in consumed):
                continue
            consumed.append(match.span())
            item = _ITEM.match(text, match.end())
            window = item.group(0) if item else ""
            amount = _AMOUNT.search(window)
            if amount and any(n in window[: amount.start()] for n in (*CRITICAL_TONNES, *_SYNONYMS)):
                amount = None
            if amount:
                value = float(amount.group(1))
                if amount.group(2) in ("千克", "公斤", "kg", "KG", "Kg"):
                    value /= 1000
                canonical = _SYNONYMS.get(name, name)
                found[canonical] = found.get(canonical, 0.0) + value
    return found


def major_hazard_ratio(materials: dict[str, float]) -> float:
    """Σ q/Q of GB 18218: 1 or more makes the unit a major hazard installation."""
    return sum(q / CRITICAL_TONNES[name] for name, q in materials.items())


def propose(knowledge: HazardKnowledge, profile: SiteProfile) -> list[Candidate]:
    """Candidate risk points for the profile, those with direct evidence first."""
    text = profile.text
    candidates: list[Candidate] = []
    materials = parse_materials(profile.materials)
    ratio = major_hazard_ratio(materials)
    for scenario in knowledge.scenarios:
        if profile.industry not in scenario.industries and "通用" not in scenario.industries:
            continue
        hits = [k for k in scenario.keywords if k in text]
        major = scenario.name == "重大危险源" and ratio >= 1
        if not hits and not major:
            continue
        for point in scenario.points:
            own = [k for k in point.keywords if k in text]
            reasons = [f"描述中提到“{'、'.join(dict.fromkeys(own or hits))}”"] if own or hits else []
            if major:
                listed = "、".join(f"{n}{q:g}吨" for n, q in materials.items())
                reasons.append(f"{listed}，按GB 18218计算Σq/Q={ratio:.2f}≥1，构成重大危险源")
            candidates.append(Candidate(point, reasons, bool(own) or major))
    candidates.sort(key=lambda c: (not c.direct, c.point.id))
    return candidates


def controls_in_place(point: RiskPoint, reply: str) -> list[int]:
    """Indexes (0-based) of the point's controls the reply says are in place.

    Numbers refer to the list shown (“1 3 5”, “第1、2条”, ranges “1-7”,
    “1到8”), “全部”/“都有” means all, “无”/“都没有” none, “除了3和7其他都有”
    all but those; other text is matched clause by clause, skipping negated
    clauses.
    """
    reply = reply.strip()
    count = len(point.controls)
    if _ALL.fullmatch(reply):
        return list(range(count))
    if _NONE.fullmatch(reply):
        return []
    excluded = _EXCEPT.fullmatch(reply)
    if excluded:
        return [i for i in range(count) if i not in _numbers(excluded.group(1), count)]
    if re.fullmatch(r"[\d\s,，、;；和及.第条项到至~\-—－]+", reply) and re.search(r"\d", reply):
        return sorted(_numbers(reply, count))
    chosen = set()
    for clause in re.split(r"[，,。；;、\n]", reply):
        if not clause.strip() or _NEGATION.search(clause):
            continue
        for index, control in enumerate(point.controls):
            if _similar(clause, control.text):
                chosen.add(index)
    return sorted(chosen)


_ALL = re.compile(r"(?:全部|所有的?|全都|全|都)(?:都|也)?(?:有|落实|做到|具备|齐全|做了)?了?[。！!]?")
_NONE = re.compile(r"(无|没有|都没有|一项都没有|都没做|0)[。！!]?")
_EXCEPT = re.compile(
    r"除了?([\d\s,，、和及第条项到至~\-—－]+)(?:以外|之外)?[，,]?(?:其他|其余|别的|剩下的)?(?:的)?"
    r"都(?:有|落实了?|做到了?|具备)[。！!]?"
)


def _numbers(text: str, count: int) -> set[int]:
    """0-based indexes named in text, ranges expanded, out-of-range ones dropped."""
    found: set[int] = set()
    for low, high in re.findall(r"(\d+)\s*(?:[-~—－到至]\s*(\d+))?", text):
        start, end = int(low), int(high or low)
        found.update(n - 1 for n in range(min(start, end), max(start, end) + 1))
    return {n for n in found if 0 <= n < count}


def assess(point: RiskPoint, in_place: list[int], profile: SiteProfile, method: str) -> Grading:
    """Grade the point with the enterprise's method from its controls in place."""
    typical = len(point.controls)
    if method == "matrix":
        return grade_matrix(
            point.matrix["likelihood"], point.matrix["severity"], in_place=len(in_place),
            typical=typical, exposed=profile.people, accident_types=point.accident_types,
        )  # fmt: skip
    return grade_lec(
        point.lec["L"], point.lec["E"], point.lec["C"], in_place=len(in_place), typical=typical,
        exposed=profile.people, accident_types=point.accident_types,
    )  # fmt: skip


def _similar(clause: str, control: str) -> bool:
    ours, theirs = _bigrams(clause), _bigrams(control)
    shared = len(ours & theirs)
    return shared >= 2 and shared >= 0.4 * min(len(ours), len(theirs))


def _bigrams(text: str) -> set[str]:
    chars = re.sub(r"[^\u4e00-\u9fffA-Za-z0-9]", "", text)
    return {chars[i : i + 2] for i in range(len(chars) - 1)}
