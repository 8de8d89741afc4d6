"""Check every citation a chat model wrote against the knowledge base.

A citation must resolve to an article the base holds, and text quoted after
it must appear in that article verbatim (whitespace aside). A sentence whose
citation or quotation fails is removed, and the answer says what was removed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from agent.answers import citation_record
from agent.catalog import Catalog
from agent.citations import CitationRef, lookup
from agent.state import CitationRecord
from ingestion.numerals import CHINESE_NUMERAL, chinese_to_int
from ingestion.vector_store import ClauseIndex
from minqian.errors import CitationNotFound

_NUM = rf"(?:{CHINESE_NUMERAL}|\d+)"
_CITATION = re.compile(rf"《([^》]{{2,60}})》\s*第\s*({_NUM})\s*条(?:\s*之\s*({_NUM}))?(?:\s*第\s*({_NUM})\s*款)?")
_QUOTE = re.compile(r"[“\"「]([^”\"」]{4,})[”\"」]")
_SENTENCE = re.compile(r"[^。！？\n]*(?:[。！？]|\n|$)")


@dataclass
class VerifiedAnswer:
    """The answer with failing sentences removed, and what was checked."""

    text: str
    citations: list[CitationRecord] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    @property
    def marked(self) -> bool:
        return bool(self.removed)


def _normalise(text: str) -> str:
    return re.sub(r"\s+", "", text)


def verify_answer(text: str, catalog: Catalog, index: ClauseIndex) -> VerifiedAnswer:
    """Keep sentences whose citations resolve and whose quotes match verbatim."""
    result = VerifiedAnswer(text="")
    kept: list[str] = []
    seen: set[str] = set()
    for sentence in (s for s in _SENTENCE.findall(text) if s):
        problem, cited = _check_sentence(sentence, catalog, index)
        if problem:
            result.removed.append(problem)
            continue
        kept.append(sentence)
        for article in cited:
            if article.citation not in seen:
                seen.add(article.citation)
                result.citations.append(citation_record(article))
    result.text = "".join(kept).strip()
    return result


def _check_sentence(sentence: str, catalog: Catalog, index: ClauseIndex):  # type: ignore[no-untyped-def]
    cited = []
    for match in _CITATION.finditer(sentence):
        ref = CitationRef(
            name=match.group(1), article_no=chinese_to_int(match.group(2)),
            article_suffix=chinese_to_int(match.group(3)) if match.group(3) else 0,
            paragraph=chinese_to_int(match.group(4)) if match.group(4) else 0,
        )  # fmt: skip
        try:
            article = lookup(ref, catalog, index)
        except CitationNotFound:
            return f"{match.group(0)}（知识库中不存在）", []
        # Quotes after this citation and before the next one belong to it.
        following = sentence[match.end():]
        nxt = _CITATION.search(following)
        for quote in _QUOTE.findall(following[: nxt.start()] if nxt else following):
            if _normalise(quote) not in _normalise(article.text):
                return f"{article.citation}的引文“{quote[:30]}”（与原文不符）", []
        cited.append(article)
    return "", cited


def withhold_names(text: str, names: list[str]) -> tuple[str, list[str]]:
    """Drop the sentences that name any of `names`; return the rest and the names found.

    A model's answer is free text: whatever it was told (an instruction hidden
    in a document or a message) or made up, a sentence naming an enterprise
    the caller may not see must not reach the caller.
    """
    if not names:
        return text, []
    found: list[str] = []
    kept = []
    for sentence in (s for s in _SENTENCE.findall(text) if s):
        named = [n for n in names if n and n in sentence]
        if named:
            found += [n for n in named if n not in found]
            continue
        kept.append(sentence)
    return "".join(kept).strip(), found
