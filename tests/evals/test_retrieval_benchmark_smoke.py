"""A small run of the retrieval benchmark on the shared test index."""

from __future__ import annotations

from evals.naive_baseline import NaiveIndex
from evals.retrieval_benchmark import GOLD, Scores, load_gold, render, score_methods
from tests.conftest import needs_shared

pytestmark = needs_shared


def test_scores_compute_hit_mrr_and_ndcg() -> None:
    scores = Scores()
    gold = {("法", "第一条"), ("法", "第二条")}
    scores.add([{("法", "第九条")}, {("法", "第二条")}, {("法", "第一条")}], gold, 5.0)
    scores.add([{("法", "第九条")}], gold, 7.0)
    assert (scores.hit(1), scores.hit(5), scores.mrr) == (0.0, 0.5, 0.25)
    ideal = 1 + 1 / 1.584962500721156
    assert abs(scores.ndcg - ((1 / 1.584962500721156 + 0.5) / ideal) / 2) < 1e-9
    assert scores.latency(0.5) == 7.0


def test_benchmark_smoke_run_scores_every_method(shared_kb) -> None:  # type: ignore[no-untyped-def]
    titles = {e.title for e in shared_kb.catalog.entries.values()}
    gold = load_gold(GOLD, titles)[:12]
    assert len(gold) == 12
    naive = NaiveIndex.build(shared_kb, shared_kb.settings)
    results = score_methods(shared_kb, naive, gold)
    assert set(results) == {"hybrid", "bm25", "dense", "naive-500"}
    assert all(len(s.ranks) == 12 for s in results.values())
    # On its own corpus the structured hybrid must beat the naive baseline.
    assert results["hybrid"].hit(5) >= results["naive-500"].hit(5)
    assert results["hybrid"].hit(5) >= 0.5
    facts = {
        "instruments": 4, "clauses": shared_kb.index.count(), "embedder": "x",
        "ingest_seconds": 1.0, "ingest_embedded": 1, "reingest_seconds": 0.1,
        "reingest_embedded": 0, "clauses_per_s": 1.0, "tokens_per_s": 1.0, "peak_mb": 1.0,
    }  # fmt: skip
    report = render({"smoke": results}, facts)
    assert "| hybrid |" in report and "| naive-500 |" in report
