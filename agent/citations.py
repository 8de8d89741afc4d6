"""Exact citation lookup: 《安全生产法》第二十一条, 安全生产法第21条, 危化品条例第二十四条第二款."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from agent.catalog import Catalog, CatalogEntry
from ingestion.chunker import group_paragraphs
from ingestion.numerals import CHINESE_NUMERAL, chinese_to_int, int_to_chinese
from ingestion.vector_store import ClauseIndex, StoredClause, escape
from minqian.errors import CitationNotFound

_NUM = rf"(?:{CHINESE_NUMERAL}|\d+)"
_ARTICLE_REF = re.compile(
    rf"第\s*({_NUM})\s*条(?:\s*之\s*({_NUM}))?(?:\s*第\s*({_NUM})\s*款)?"
)
_BRACKETED = re.compile(r"《([^》]{2,60})》\s*(?:的)?\s*$")
_ENTRY_ID = re.compile(r"\b([A-Z]{2}-\d{3,4})\b")


@dataclass(frozen=True)
class CitationRef:
    """A parsed reference: which instrument, article, and optionally paragraph."""

    name: str
    article_no: int
    article_suffix: int = 0
    paragraph: int = 0
    entry_id: str = ""

    @property
    def article_label(self) -> str:
        if self.entry_id:
            return self.entry_id
        label = f"第{int_to_chinese(self.article_no)}条"
        return label + (f"之{int_to_chinese(self.article_suffix)}" if self.article_suffix else "")


@dataclass
class CitedArticle:
    """A resolved article: the whole text, or the cited paragraph of it."""

    entry: CatalogEntry
    article_label: str
    text: str
    paragraph: int
    parts: list[StoredClause] = field(default_factory=list)

    @property
    def fields(self) -> dict[str, object]:
        return self.parts[0].fields if self.parts else {}

    @property
    def citation(self) -> str:
        para = f"第{int_to_chinese(self.paragraph)}款" if self.paragraph else ""
        return f"《{self.entry.title}》{self.article_label}{para}"


def find_references(text: str, catalog: Catalog) -> list[CitationRef]:
    """Every citation in `text` whose instrument name precedes its article number."""
    refs: list[CitationRef] = []
    mentions = catalog.mentioned(text)
    for match in _ARTICLE_REF.finditer(text):
        before = text[: match.start()]
        bracket = _BRACKETED.search(before)
        name = bracket.group(1) if bracket else ""
        if not name:
            # The nearest instrument named before the article number, with at
            # most a few characters ("的", "规定") between them.
            near = [m for m in mentions if m[1] <= match.start() and match.start() - m[1] <= 4]
            name = near[-1][2].title if near else ""
        if not name:
            continue
        refs.append(CitationRef(
            name=name,
            article_no=chinese_to_int(match.group(1)),
            article_suffix=chinese_to_int(match.group(2)) if match.group(2) else 0,
            paragraph=chinese_to_int(match.group(3)) if match.group(3) else 0,
        ))  # fmt: skip
    for match in _ENTRY_ID.finditer(text):
        refs.append(CitationRef(name="", article_no=0, entry_id=match.group(1)))
    return refs


def parse_reference(text: str, catalog: Catalog) -> CitationRef:
    """The first citation in `text`, or CitationNotFound saying what is missing."""
    refs = find_references(text, catalog)
    if refs:
        return refs[0]
    bracket = re.search(r"《([^》]+)》", text)
    article = _ARTICLE_REF.search(text)
    if bracket and article:
        return CitationRef(
            bracket.group(1), chinese_to_int(article.group(1)),
            chinese_to_int(article.group(2)) if article.group(2) else 0,
            chinese_to_int(article.group(3)) if article.group(3) else 0,
        )  # fmt: skip
    if not article:
        raise CitationNotFound(f"“{text}”中没有条文编号（如 第二十一条 或 第21条）")
    raise CitationNotFound(f"“{text}”中没有知识库里的法规名称")


def lookup(ref: CitationRef, catalog: Catalog, index: ClauseIndex) -> CitedArticle:
    """Fetch the cited article verbatim, or raise CitationNotFound."""
    if ref.entry_id:
        rows = index.query(f"article_label == {escape(ref.entry_id)}", limit=20)
        if not rows:
            raise CitationNotFound(f"知识库中没有编号为 {ref.entry_id} 的条目")
        entry = catalog.entries[rows[0]["doc_key"]]
        return _assemble(entry, ref.entry_id, rows, 0)
    entry = catalog.resolve(ref.name)
    if entry is None:
        raise CitationNotFound(f"知识库中没有《{ref.name}》")
    rows = index.query(
        f"doc_key == {escape(entry.doc_key)} and article_no == {ref.article_no}"
        f" and article_suffix == {ref.article_suffix}",
        limit=50,
    )
    if not rows:
        raise CitationNotFound(f"《{entry.title}》没有{ref.article_label}（共 {entry.articles} 条）")
    return _assemble(entry, ref.article_label, rows, ref.paragraph)


def _assemble(entry: CatalogEntry, label: str, rows: list[StoredClause], paragraph: int) -> CitedArticle:
    rows = sorted(rows, key=lambda r: r["paragraph_first"])
    text = "\n".join(r["text"] for r in rows)
    if paragraph:
        paragraphs = group_paragraphs(text.splitlines())
        if paragraph > len(paragraphs):
            raise CitationNotFound(
                f"《{entry.title}》{label}只有 {len(paragraphs)} 款，没有第{int_to_chinese(paragraph)}款"
            )
        text = paragraphs[paragraph - 1]
    return CitedArticle(entry, rows[0]["article_label"], text, paragraph, rows)


def nearest_articles(ref: CitationRef, catalog: Catalog, index: ClauseIndex) -> list[StoredClause]:
    """Articles next to a missing one in the same instrument, for 'not found' replies."""
    entry = catalog.resolve(ref.name) if ref.name else None
    if entry is None:
        return []
    rows = index.query(
        f"doc_key == {escape(entry.doc_key)} and paragraph_first <= 1", limit=5000
    )
    rows.sort(key=lambda r: (abs(r["article_no"] - ref.article_no), -r["article_no"]))
    return rows[:5]
