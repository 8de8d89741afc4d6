"""Clause search and exact citation lookup over the knowledge base."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from agent.citations import lookup, nearest_articles, parse_reference
from agent.retrieval import SearchFilters
from api.auth import require_roles
from api.errors import ApiError
from minqian.errors import CitationNotFound

# Laws are public knowledge, but the service is not: every role needs a key.
router = APIRouter(
    prefix="/v1", tags=["knowledge"],
    dependencies=[Depends(require_roles("admin", "inspector", "system", "enterprise"))],
)  # fmt: skip


class ClauseHit(BaseModel):
    title: str
    article: str
    text: str
    score: float
    category: str
    status: str
    effective_date: str
    issuer: str = ""
    industries: list[str] = Field(default_factory=list)
    path: str = ""
    cited: bool = False


@router.get("/search", response_model=list[ClauseHit])
def route_search(
    request: Request,
    q: str = Query(..., min_length=1, max_length=500, description="问题或关键词"),
    top_k: int = Query(8, ge=1, le=50),
    category: list[str] = Query(default=[]),
    industry: list[str] = Query(default=[]),
    status: list[str] = Query(default=[]),
    method: Literal["hybrid", "dense", "bm25", "learned"] = "hybrid",
) -> list[dict[str, object]]:
    kb = request.app.state.kb
    hits = kb.retriever.search(q, top_k, SearchFilters(category, industry, status), method)
    return [h.as_dict() for h in hits]


@router.get("/cite")
def route_cite(
    request: Request, ref: str = Query(..., min_length=3, max_length=200)
) -> dict[str, object]:
    kb = request.app.state.kb
    parsed = None
    try:
        parsed = parse_reference(ref, kb.catalog)
        article = lookup(parsed, kb.catalog, kb.index)
    except CitationNotFound as exc:
        nearest = nearest_articles(parsed, kb.catalog, kb.index) if parsed else []
        raise ApiError(
            404, f"未找到：{exc}", "citation_not_found",
            nearest=[f"《{r['title']}》{r['article_label']}" for r in nearest[:3]],
        ) from exc  # fmt: skip
    f = article.fields
    return {
        "citation": article.citation, "title": article.entry.title,
        "article": article.article_label, "text": article.text,
        "category": f["category"], "status": f["status"],
        "effective_date": f["effective_date"], "issuer": f["issuer"],
    }  # fmt: skip
