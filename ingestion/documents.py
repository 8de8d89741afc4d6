"""What ingestion reads and writes: instruments, their articles and clauses.

Vocabulary (one English word per Chinese concept):
instrument 法律文件 (a law, regulation, rule, standard or project list),
article 条, paragraph 款, item 项, and clause: the unit that is indexed, one
article or a run of its paragraphs when the article is long.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Literal

CATEGORIES: tuple[str, ...] = (
    "法律", "行政法规", "部门规章", "地方性法规", "地方政府规章", "规范性文件",
    "国家标准", "行业标准", "地方标准", "检查事项", "隐患清单", "风险清单", "事故案例",
)  # fmt: skip
STATUSES: tuple[str, ...] = ("现行有效", "已修改", "已废止", "尚未施行")
INDUSTRIES: tuple[str, ...] = ("工贸", "危化", "非煤矿山", "通用")

# Legal rank for ordering citations (立法法: 法律 > 行政法规 > 规章 > 地方性法规 ...).
CATEGORY_RANK: dict[str, int] = {name: rank for rank, name in enumerate(CATEGORIES)}

SourceKind = Literal["packaged", "folder", "project"]


def content_hash(*parts: str) -> str:
    """Stable short hash of text, used for change detection and cache keys."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8"))
        digest.update(b"\x1f")
    return digest.hexdigest()[:32]


@dataclass(frozen=True)
class Instrument:
    """Metadata of one instrument, whatever its source."""

    title: str
    category: str
    issuer: str = ""
    effective_date: str = ""
    version_date: str = ""
    status: str = "现行有效"
    industries: tuple[str, ...] = ("通用",)
    short_titles: tuple[str, ...] = ()
    source: str = ""
    source_kind: SourceKind = "folder"

    @property
    def key(self) -> str:
        """Identity across sources: the full title without spaces or brackets."""
        return instrument_key(self.title)


def instrument_key(title: str) -> str:
    return "".join(ch for ch in title if ch not in " \u3000《》<>\"“”")


@dataclass
class Article:
    """One article (条) as parsed, with its place in the instrument."""

    label: str
    number: int
    suffix: int = 0
    path: tuple[str, ...] = ()
    paragraphs: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)


@dataclass
class ParsedDocument:
    """An instrument and its articles, ready to be cut into clauses."""

    instrument: Instrument
    articles: list[Article]

    @property
    def content_hash(self) -> str:
        meta = self.instrument
        head = "|".join(
            (meta.title, meta.category, meta.issuer, meta.effective_date,
             meta.version_date, meta.status, ",".join(meta.industries),
             ",".join(meta.short_titles))
        )  # fmt: skip
        body = "\n".join(f"{a.label}|{'/'.join(a.path)}|{a.text}" for a in self.articles)
        return content_hash(head, body)


@dataclass(frozen=True)
class Clause:
    """One indexed unit: an article, or paragraphs first..last of a long one."""

    instrument: Instrument
    article_label: str
    article_no: int
    article_suffix: int
    path: tuple[str, ...]
    text: str
    paragraph_first: int = 0
    paragraph_last: int = 0
    tokens: int = 0

    @property
    def clause_id(self) -> str:
        # Stable across re-ingestion of the same instrument, so an amended
        # article overwrites its old row instead of adding a second one.
        return content_hash(
            self.instrument.key, self.article_label, str(self.paragraph_first)
        )

    @property
    def hash(self) -> str:
        return content_hash(self.embedding_text)

    @property
    def heading(self) -> str:
        """The article heading repeated on every part of a split article."""
        parts = [f"《{self.instrument.title}》", *self.path, self.article_label]
        if self.paragraph_first:
            parts.append(f"第{self.paragraph_first}款")
        return " ".join(parts)

    @property
    def embedding_text(self) -> str:
        return f"{self.heading}\n{self.text}"
