"""Hybrid retrieval and its filters on a real index."""

from __future__ import annotations

from agent.retrieval import SearchFilters
from tests.conftest import needs_shared

pytestmark = needs_shared


def test_hybrid_finds_the_article_for_a_plain_question(shared_kb) -> None:  # type: ignore[no-untyped-def]
    hits = shared_kb.retriever.search("安全生产许可证有效期是几年", 5)
    assert (hits[0].clause["title"], hits[0].clause["article_label"]) == ("安全生产许可证条例", "第九条")
    assert {"dense", "bm25"} <= set(hits[0].ranks)


def test_a_cited_article_comes_first(shared_kb) -> None:  # type: ignore[no-untyped-def]
    hits = shared_kb.retriever.search("安全生产法第二十一条讲了什么", 5)
    assert hits[0].cited and hits[0].clause["article_label"] == "第二十一条"
    assert len({h.article_key for h in hits}) == len(hits)


def test_filters_restrict_category_status_industry_and_instrument(shared_kb) -> None:  # type: ignore[no-untyped-def]
    search = shared_kb.retriever.search
    laws = search("应急预案演练", 8, SearchFilters(categories=["法律"]))
    assert laws and {h.clause["category"] for h in laws} == {"法律"}
    assert search("应急预案演练", 8, SearchFilters(statuses=["已废止"])) == []
    chem = search("储存", 8, SearchFilters(industries=["危化"]))
    assert {tuple(h.clause["industries"]) for h in chem} <= {("危化",), ("通用",)}
    only = search("事故", 8, SearchFilters(instruments=["应急条例"]))
    assert only and {h.clause["title"] for h in only} == {"生产安全事故应急条例"}


def test_each_single_method_runs_alone(shared_kb) -> None:  # type: ignore[no-untyped-def]
    for method in ("dense", "bm25"):
        hits = shared_kb.retriever.search("安全生产许可证有效期", 3, method=method)
        assert hits and all(set(h.ranks) == {method} for h in hits)
