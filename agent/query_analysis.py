"""Read a question before retrieval: everyday words, what kind of answer it wants.

People ask in their own words (老板, 工人, 罚多少); instruments speak of
主要负责人, 从业人员, 罚款. The lexicon in corpus/lexicon.yaml bridges the two,
and a few answer-type cues (a penalty, a deadline, a case) steer the ranking.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

LEXICON_PATH = Path(__file__).resolve().parent.parent / "corpus" / "lexicon.yaml"

_PENALTY = re.compile(r"罚|处罚|处分|追究|法律责任|吊销|拘留|刑事|判刑|坐牢|关闭|停产停业|后果|担什么责任")
_DEADLINE = re.compile(r"多久|多长时间|几天|几日|几个月|几年|期限|时限|之内|以内|什么时候|多少天|有效期")
# Project lists answer these; laws answer the rest.
_DEFINITION = re.compile(r"什么是|是指|属于|哪些算|算不算|什么叫|包括哪些|指的是|定义")
_CASES = re.compile(r"案例|事故教训|类似事故|警示|典型事故|哪些事故")
_CHECKLIST = re.compile(r"检查事项|检查内容|检查标准|检查清单|查什么|检查哪些|隐患清单|判定标准|重大事故隐患")


@dataclass
class QueryAnalysis:
    """The question, its expansion and the answer types it asks for."""

    text: str
    expansions: list[str] = field(default_factory=list)
    wants_penalty: bool = False
    wants_deadline: bool = False
    wants_definition: bool = False
    wants_cases: bool = False
    wants_checklist: bool = False

    @property
    def expanded(self) -> str:
        return " ".join([self.text, *self.expansions]) if self.expansions else self.text


@lru_cache(maxsize=4)
def load_lexicon(path: Path = LEXICON_PATH) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Everyday word → legal terms, longest words first so 重大隐患 beats 隐患."""
    if not path.exists():
        return ()
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    pairs = [(str(k), tuple(str(v) for v in values or ())) for k, values in data.items()]
    return tuple(sorted(pairs, key=lambda pair: -len(pair[0])))


def analyse_query(text: str, lexicon_path: Path = LEXICON_PATH) -> QueryAnalysis:
    """Expand everyday words and detect answer-type cues."""
    analysis = QueryAnalysis(text=text)
    covered = [False] * len(text)
    for word, terms in load_lexicon(lexicon_path):
        for match in re.finditer(re.escape(word), text):
            start, end = match.span()
            if any(covered[start:end]):
                continue
            covered[start:end] = [True] * (end - start)
            analysis.expansions += [t for t in terms if t not in text and t not in analysis.expansions]
    analysis.wants_penalty = bool(_PENALTY.search(text))
    analysis.wants_deadline = bool(_DEADLINE.search(text))
    analysis.wants_definition = bool(_DEFINITION.search(text))
    analysis.wants_cases = bool(_CASES.search(text))
    analysis.wants_checklist = bool(_CHECKLIST.search(text))
    return analysis
