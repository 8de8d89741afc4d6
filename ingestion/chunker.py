"""Cut instrument text into articles and articles into clauses.

The structure recognised is the one of Chinese legislation: 编 / 章 / 节
headings, articles 第X条 (and 第X条之一), paragraphs 款 (one per line) and
items 项 (lines opening with （一）), which stay with the paragraph they belong
to. Documents with no articles at all (standards, notices) fall back to
sections cut at their headings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ingestion.documents import Article, Clause, Instrument, ParsedDocument
from ingestion.numerals import CHINESE_NUMERAL, chinese_to_int, int_to_chinese
from ingestion.tokens import count_tokens

_NUM = rf"(?:{CHINESE_NUMERAL}|\d+)"
_HEADING = re.compile(rf"^(第{_NUM}(?:编|分编|章|节))[\s\u3000]*(.*)$")
_ANNEX = re.compile(r"^附[\s\u3000]*则$")
# PDF extraction often loses the space after the label (第一条为了…); words that
# continue a reference (第二条规定的…, 第二条第一款) mark a quotation instead.
_ARTICLE = re.compile(
    rf"^第({_NUM})条(?:之({_NUM}))?(?![第款项规中所的和及、，。：；])[\s\u3000]*(.*)$"
)
# Lines that continue the paragraph above instead of opening a new one: items
# （一）, (1), numbered lists 1. / 1、, and 一、 style enumerations inside an article.
_ITEM = re.compile(
    rf"^(?:[（(]{_NUM}[)）]|\d+[.．、)]|[①-⑳]|{CHINESE_NUMERAL}、)"
)
_SECTION_HEADING = re.compile(r"^(\d+(?:\.\d+){0,3})[\s\u3000]+\S")
_LEVELS = {"编": 0, "分编": 1, "章": 2, "节": 3}


def normalise_line(line: str) -> str:
    """Strip Markdown heading marks and surrounding whitespace."""
    return re.sub(r"^#{1,6}\s+", "", line.strip()).strip()


def parse_articles(lines: Iterable[str]) -> list[Article]:
    """Group text lines into articles, tracking the 编/章/节 path."""
    path: dict[int, str] = {}
    articles: list[Article] = []
    current: Article | None = None
    for raw in lines:
        line = normalise_line(raw)
        if not line:
            continue
        heading = _HEADING.match(line)
        if heading and len(line) <= 40:
            level = _LEVELS[heading.group(1).lstrip("第零〇○一二两三四五六七八九十百千0123456789")]
            path = {lv: name for lv, name in path.items() if lv < level}
            name = re.sub(r"[\s\u3000]+", "", heading.group(2))
            path[level] = f"{heading.group(1)} {name}".strip()
            current = None
            continue
        if _ANNEX.match(line):
            path = {2: "附则"}
            current = None
            continue
        match = _ARTICLE.match(line)
        if match and _opens_article(match, current):
            number = chinese_to_int(match.group(1))
            suffix = chinese_to_int(match.group(2)) if match.group(2) else 0
            label = f"第{int_to_chinese(number)}条"
            label += f"之{int_to_chinese(suffix)}" if suffix else ""
            current = Article(label, number, suffix, tuple(path[k] for k in sorted(path)))
            articles.append(current)
            if match.group(3):
                current.paragraphs.append(match.group(3).strip())
            continue
        if current is None:
            continue  # title, preamble, table of contents
        if _ITEM.match(line) and current.paragraphs:
            current.paragraphs[-1] += "\n" + line
        else:
            current.paragraphs.append(line)
    return articles


def group_paragraphs(lines: Iterable[str]) -> list[str]:
    """Join item lines （一）… to the paragraph above; other lines are paragraphs."""
    paragraphs: list[str] = []
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if _ITEM.match(line) and paragraphs:
            paragraphs[-1] += "\n" + line
        else:
            paragraphs.append(line)
    return paragraphs


def _opens_article(match: re.Match[str], current: Article | None) -> bool:
    """Tell a new article from a line that quotes another article.

    Articles run in order; a line starting with an earlier article's label
    (as amendment texts and cross references do) belongs to the current one.
    """
    if current is None:
        return True
    number = chinese_to_int(match.group(1))
    suffix = chinese_to_int(match.group(2)) if match.group(2) else 0
    if number > current.number:
        return True
    return number == current.number and suffix > current.suffix


def parse_sections(lines: Iterable[str], title: str) -> list[Article]:
    """Fallback for documents without articles: one unit per heading.

    Headings are numbered clause lines of standards (4.2.1 …) or Markdown
    headings; text before the first heading becomes a unit of its own.
    """
    sections: list[Article] = []
    current: Article | None = None
    for raw in lines:
        line = normalise_line(raw)
        if not line or line == title:
            continue
        numbered = _SECTION_HEADING.match(line) if len(line) <= 60 else None
        if numbered or raw.lstrip().startswith("#") or current is None:
            label = numbered.group(1) if numbered else line[:40]
            current = Article(label, len(sections) + 1, 0, ())
            sections.append(current)
        current.paragraphs.append(line)
    return sections


class ClauseChunker:
    """Turn parsed articles into clauses no longer than `max_tokens`."""

    def __init__(self, max_tokens: int = 600) -> None:
        self.max_tokens = max_tokens

    def chunk(self, document: ParsedDocument) -> list[Clause]:
        clauses: list[Clause] = []
        for article in document.articles:
            clauses.extend(self._chunk_article(document.instrument, article))
        return clauses

    def _chunk_article(self, instrument: Instrument, article: Article) -> list[Clause]:
        whole = self._clause(instrument, article, article.paragraphs, 0, 0)
        if whole.tokens <= self.max_tokens or len(article.paragraphs) < 2:
            return [whole]

        # Split at 款: greedily pack consecutive paragraphs under the limit;
        # a paragraph keeps its 项 and is never cut inside.
        parts: list[Clause] = []
        start = 0
        for end in range(1, len(article.paragraphs) + 1):
            run = article.paragraphs[start:end]
            over = count_tokens("\n".join(run)) > self.max_tokens
            if over and end - start > 1:
                parts.append(self._part(instrument, article, start, end - 1))
                start = end - 1
        parts.append(self._part(instrument, article, start, len(article.paragraphs)))
        return parts

    def _part(self, instrument: Instrument, article: Article, start: int, end: int) -> Clause:
        return self._clause(instrument, article, article.paragraphs[start:end], start + 1, end)

    @staticmethod
    def _clause(
        instrument: Instrument, article: Article, paragraphs: list[str], first: int, last: int
    ) -> Clause:
        text = "\n".join(paragraphs)
        return Clause(
            instrument=instrument,
            article_label=article.label,
            article_no=article.number,
            article_suffix=article.suffix,
            path=article.path,
            text=text,
            paragraph_first=first,
            paragraph_last=last,
            tokens=count_tokens(text),
        )
