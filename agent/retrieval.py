"""Hybrid clause retrieval: dense, BM25 and learned sparse, fused by RRF.

A cited article in the question ("安全生产法第二十一条") comes first; an
instrument the question names gets a small boost, since people who name the
law usually want that law's article.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field
from typing import Literal

from agent.catalog import Catalog
from agent.citations import find_references, lookup
from agent.query_analysis import QueryAnalysis, analyse_query
from ingestion.embedding_cache import CachedEmbedder
from ingestion.vector_store import ClauseIndex, StoredClause, escape
from minqian.errors import CitationNotFound
from minqian.settings import RetrievalSettings

logger = logging.getLogger(__name__)

Method = Literal["hybrid", "dense", "bm25", "learned"]
# Text that defines a term: 本法所称…是指…
_DEFINITION_TEXT = re.compile(r"(本法|本条例|本办法|本规定)(所称|下列用语)|是指")
# Text that states a time limit: 30日内, 1小时内, 三个月, 每年.
_DEADLINE_TEXT = re.compile(
    r"(\d+|[一二三四五六七八九十两半]+)\s*(个)?(小时|日|天|个月|月|年|周)(内|以内|之内|前|后)?"
    r"|每(年|半年|季度|月)"
)


@dataclass
class SearchFilters:
    """Optional restrictions; empty means no restriction."""

    categories: list[str] = field(default_factory=list)
    industries: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    instruments: list[str] = field(default_factory=list)

    def expression(self, catalog: Catalog) -> str:
        parts = []
        if self.categories:
            parts.append(f"category in {_list(self.categories)}")
        if self.statuses:
            parts.append(f"status in {_list(self.statuses)}")
        if self.industries:
            # 通用 instruments apply to every industry.
            parts.append(f"array_contains_any(industries, {_list([*self.industries, '通用'])})")
        if self.instruments:
            keys = [e.doc_key for n in self.instruments if (e := catalog.resolve(n))]
            parts.append(f"doc_key in {_list(keys or ['-'])}")
        return " and ".join(parts)


@dataclass
class Hit:
    """One retrieved clause with its fused score and per-method ranks."""

    clause: StoredClause
    score: float
    ranks: dict[str, int] = field(default_factory=dict)
    cited: bool = False

    @property
    def article_key(self) -> tuple[str, str]:
        return (self.clause["doc_key"], self.clause["article_label"])

    def as_dict(self) -> dict[str, object]:
        f = self.clause.fields
        return {
            "title": f["title"], "article": f["article_label"], "text": f["text"],
            "score": round(self.score, 6), "category": f["category"], "status": f["status"],
            "effective_date": f["effective_date"], "issuer": f["issuer"],
            "industries": list(f["industries"]), "path": f["path"],
            "paragraphs": [f["paragraph_first"], f["paragraph_last"]],
            "source": f["source"], "cited": self.cited,
        }  # fmt: skip


class ClauseRetriever:
    """Find the clauses that answer a question."""

    def __init__(self, index: ClauseIndex, embedder: CachedEmbedder, catalog: Catalog,
                 settings: RetrievalSettings) -> None:  # fmt: skip
        self.index = index
        self.embedder = embedder
        self.catalog = catalog
        self.settings = settings

    def search(self, query: str, top_k: int | None = None, filters: SearchFilters | None = None,
               method: Method = "hybrid") -> list[Hit]:  # fmt: skip
        started = time.perf_counter()
        top_k = top_k or self.settings.top_k
        expr = (filters or SearchFilters()).expression(self.catalog)
        pool = max(self.settings.candidates, top_k)

        analysis = analyse_query(query)
        ranked: dict[str, list[StoredClause]] = {}
        if method in ("hybrid", "dense", "learned"):
            vector = self.embedder.embed_query(analysis.expanded if self.settings.expand_dense else query)
            if method != "learned":
                ranked["dense"] = self.index.search_dense(vector.dense.tolist(), pool, expr)
            if method != "dense" and vector.sparse:
                ranked["learned"] = self.index.search_learned(vector.sparse, pool, expr)
        if method in ("hybrid", "bm25"):
            ranked["bm25"] = self.index.search_bm25(analysis.expanded, pool, expr)

        hits = self._fuse(ranked, analysis if method == "hybrid" else None)
        if method == "hybrid":
            hits = self._cited(query, expr) + hits
        hits = _one_per_article(hits)[:top_k]
        logger.debug(
            "search method=%s hits=%s ms=%.1f", method, len(hits),
            (time.perf_counter() - started) * 1000,
        )  # fmt: skip
        return hits

    def _fuse(self, ranked: dict[str, list[StoredClause]], analysis: QueryAnalysis | None) -> list[Hit]:
        """Reciprocal-rank fusion, then answer-type priors in units of 1/k."""
        k = self.settings.rrf_k
        weights = {"dense": self.settings.dense_weight, "bm25": self.settings.bm25_weight,
                   "learned": self.settings.learned_weight}  # fmt: skip
        hits: dict[str, Hit] = {}
        for method, clauses in ranked.items():
            for rank, clause in enumerate(clauses, 1):
                hit = hits.setdefault(clause["id"], Hit(clause, 0.0))
                hit.score += weights[method] / (k + rank)
                hit.ranks[method] = rank
        if analysis is not None:
            # Which instruments the question names: scanned once per query.
            named = {entry.doc_key for _, _, entry in self.catalog.mentioned(analysis.text)}
            for hit in hits.values():
                hit.score += self._prior(hit.clause, analysis, named) / k
        return sorted(hits.values(), key=lambda h: -h.score)

    def _prior(self, clause: StoredClause, analysis: QueryAnalysis, named: set[str]) -> float:
        s = self.settings
        prior = s.title_boost if clause["doc_key"] in named else 0.0
        is_penalty = "法律责任" in clause["path"] or "罚则" in clause["path"] or "罚款" in clause["text"]
        if analysis.wants_penalty and is_penalty:
            prior += s.penalty_boost
        elif is_penalty and not analysis.wants_penalty:
            prior -= s.penalty_boost / 2
        if analysis.wants_deadline and _DEADLINE_TEXT.search(clause["text"]):
            prior += s.deadline_boost
        if analysis.wants_definition and _DEFINITION_TEXT.search(clause["text"]):
            prior += s.definition_boost
        category = clause["category"]
        if category in ("事故案例",) and not analysis.wants_cases:
            prior -= s.list_penalty
        if category in ("检查事项", "隐患清单") and not analysis.wants_checklist:
            prior -= s.list_penalty
        return prior

    def _cited(self, query: str, expr: str) -> list[Hit]:
        hits = []
        for ref in find_references(query, self.catalog)[:3]:
            try:
                article = lookup(ref, self.catalog, self.index)
            except CitationNotFound:
                continue
            parts = article.parts
            if expr:  # a cited article still has to pass the filters
                ids = _list([p["id"] for p in parts])
                allowed = {r["id"] for r in self.index.query(f"({expr}) and id in {ids}")}
                parts = [p for p in parts if p["id"] in allowed]
            hits += [Hit(part, 1.0, {"cited": 1}, cited=True) for part in parts]
        return hits


def _one_per_article(hits: list[Hit]) -> list[Hit]:
    """Keep the best-scoring part of each article (long articles are split)."""
    seen: set[tuple[str, str]] = set()
    unique = []
    for hit in hits:
        if hit.article_key not in seen:
            seen.add(hit.article_key)
            unique.append(hit)
    return unique


def _list(values: list[str]) -> str:
    return "[" + ", ".join(escape(v) for v in values) + "]"
