"""The 条文检索 tab: hybrid clause search with filters, each hit in full."""

from __future__ import annotations

import logging
from typing import Any

import gradio as gr

from agent.answers import full_articles
from agent.retrieval import Hit, SearchFilters
from ingestion.documents import CATEGORIES, INDUSTRIES, STATUSES
from minqian.components import KnowledgeBase
from ui.cards import render_hits

logger = logging.getLogger(__name__)

MAX_TOP_K = 20
EMPTY_RESULTS = "输入检索内容，选择筛选条件后点击“检索”。"


def search_clauses(
    kb: KnowledgeBase,
    query: str,
    categories: list[str] | None,
    industries: list[str] | None,
    statuses: list[str] | None,
    top_k: float,
) -> str:
    """Search the knowledge base and render the hits as Markdown cards."""
    query = query.strip()
    if not query:
        return "请输入检索内容。"
    filters = SearchFilters(
        categories=list(categories or []),
        industries=list(industries or []),
        statuses=list(statuses or []),
    )
    hits = kb.retriever.search(query, int(top_k), filters)
    logger.info(
        "console search hits=%s filtered=%s",
        len(hits),
        bool(filters.categories or filters.industries or filters.statuses),
    )
    return render_hits([hit_in_full(kb, hit) for hit in hits])


def hit_in_full(kb: KnowledgeBase, hit: Hit) -> dict[str, Any]:
    """The hit as a dict, with the whole article when the hit is one part of it."""
    found = hit.as_dict()
    # Long articles are indexed in runs of 款 (paragraphs 0, 0 mean whole);
    # an inspector reads and cites the article, so show all of it.
    if found["paragraphs"] != [0, 0]:
        articles = full_articles([hit], kb.catalog, kb.index)
        if articles:
            found["text"] = articles[0][1].text
    return found


def build_search_tab(kb: KnowledgeBase) -> None:
    """Lay out the search tab inside the current Blocks and wire its events."""
    with gr.Row():
        query = gr.Textbox(
            label="检索内容",
            placeholder="例如：安全生产许可证有效期、动火作业审批、《安全生产法》第二十一条",
            elem_id="search-query",
            scale=4,
        )
        top_k = gr.Slider(
            1,
            MAX_TOP_K,
            value=min(kb.settings.retrieval.top_k, MAX_TOP_K),
            step=1,
            label="返回条数",
            elem_id="search-top-k",
            scale=1,
        )
    with gr.Row():
        categories = _filter(CATEGORIES, "类别", "filter-category")
        industries = _filter(INDUSTRIES, "适用行业", "filter-industry")
        statuses = _filter(STATUSES, "效力状态", "filter-status")
    button = gr.Button("检索", variant="primary", elem_id="search-button")
    results = gr.Markdown(EMPTY_RESULTS, elem_id="search-results")

    def run(
        text: str,
        chosen_categories: list[str],
        chosen_industries: list[str],
        chosen_statuses: list[str],
        limit: float,
    ) -> str:
        return search_clauses(
            kb, text, chosen_categories, chosen_industries, chosen_statuses, limit
        )

    gr.on(
        [query.submit, button.click],
        run,
        [query, categories, industries, statuses, top_k],
        results,
        api_visibility="private",
    )


def _filter(choices: tuple[str, ...], label: str, elem_id: str) -> gr.Dropdown:
    return gr.Dropdown(
        list(choices), value=[], multiselect=True, label=label, elem_id=elem_id
    )
