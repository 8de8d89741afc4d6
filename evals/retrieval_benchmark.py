"""Retrieval benchmark: hybrid vs BM25 vs dense vs a naive 500-character baseline.

Run on the full corpus (packaged safety laws + ../shared/corpus/laws + corpus/):

    .venv/bin/python -m evals.retrieval_benchmark [--laws-dir ../shared/corpus/laws]
        [--data-dir data/eval] [--report evals/reports/retrieval.md] [--limit N]

It ingests (incrementally) into its own data dir, re-ingests to time the
unchanged case, embeds a fixed sample cold for throughput, scores every method
on the gold set, and writes a Markdown report.
"""

from __future__ import annotations

import argparse
import math
import resource
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from evals.naive_baseline import NaiveIndex
from minqian.components import KnowledgeBase, open_embedder, open_knowledge_base, open_pipeline
from minqian.logs import configure_logging, offline_environment
from minqian.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "evals" / "datasets" / "kb_gold.yaml"
# Written without sight of the gold set or the lexicon, and never tuned on.
BLIND = ROOT / "evals" / "datasets" / "kb_blind.yaml"
METHODS = ("hybrid", "bm25", "dense", "learned", "naive-500")


@dataclass
class Scores:
    """Ranking quality of one method over the gold questions."""

    ranks: list[int | None] = field(default_factory=list)
    gains: list[float] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)

    def add(self, ranked: list[set[tuple[str, str]]], gold: set[tuple[str, str]], ms: float) -> None:
        """`ranked[i]` is the set of (title, article) the i-th result covers."""
        first = next((i + 1 for i, keys in enumerate(ranked) if keys & gold), None)
        self.ranks.append(first)
        self.latencies_ms.append(ms)
        seen: set[tuple[str, str]] = set()
        dcg = 0.0
        for i, keys in enumerate(ranked[:10]):
            new = (keys & gold) - seen
            if new:
                dcg += 1 / math.log2(i + 2)
                seen |= new
        ideal = sum(1 / math.log2(i + 2) for i in range(min(len(gold), 10)))
        self.gains.append(dcg / ideal)

    def hit(self, k: int) -> float:
        return sum(1 for r in self.ranks if r is not None and r <= k) / len(self.ranks)

    @property
    def mrr(self) -> float:
        return sum(1 / r for r in self.ranks if r is not None and r <= 10) / len(self.ranks)

    @property
    def ndcg(self) -> float:
        return statistics.fmean(self.gains)

    def latency(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def load_gold(path: Path = GOLD, titles: set[str] | None = None) -> list[dict[str, object]]:
    """Gold questions, optionally only those answered by the given instruments."""
    items = yaml.safe_load(path.read_text(encoding="utf-8"))
    if titles is not None:
        items = [q for q in items if all(a["title"] in titles for a in q["answers"])]
    return items


def score_methods(kb: KnowledgeBase, naive: NaiveIndex | None, gold: list[dict[str, object]],
                  top_k: int = 10) -> dict[str, Scores]:  # fmt: skip
    wanted = [m for m in METHODS if m != "naive-500" or naive is not None]
    results = {m: Scores() for m in wanted if m != "learned" or kb.index.learned_sparse}
    kb.retriever.search("预热", 1)  # builds the lazy sparse index before timing
    for item in gold:
        question = str(item["question"])
        wanted = {(a["title"], a["article"]) for a in item["answers"]}  # type: ignore[attr-defined]
        for method, scores in results.items():
            started = time.perf_counter()
            if method == "naive-500":
                assert naive is not None
                ranked = naive.search(question, top_k)
            else:
                hits = kb.retriever.search(question, top_k, method=method)  # type: ignore[arg-type]
                ranked = [{(h.clause["title"], h.clause["article_label"])} for h in hits]
            scores.add(ranked, wanted, (time.perf_counter() - started) * 1000)
    return results


def measure_throughput(settings: Settings, kb: KnowledgeBase, sample: int = 40) -> dict[str, float]:
    """Embed a fixed sample of clauses with no cache: clauses/s and tokens/s."""
    rows = kb.index.query("article_no >= 0", limit=sample)
    texts = [f"{r['title']} {r['article_label']}\n{r['text']}" for r in rows]
    embedder = open_embedder(settings).inner
    started = time.perf_counter()
    embedder.embed_passages(texts)
    seconds = time.perf_counter() - started
    tokens = sum(r["tokens"] for r in rows)
    return {"clauses_per_s": len(rows) / seconds, "tokens_per_s": tokens / seconds}


def render(tables: dict[str, dict[str, Scores]], facts: dict[str, object]) -> str:
    lines = [
        "# Retrieval benchmark", "",
        f"Instruments indexed: {facts['instruments']}; clauses: {facts['clauses']}; "
        f"embedder: {facts['embedder']}.", "",
    ]  # fmt: skip
    for name, results in tables.items():
        count = len(next(iter(results.values())).ranks)
        lines += [
            f"## {name} ({count} questions)", "",
            "| method | hit@1 | hit@5 | MRR@10 | nDCG@10 | p50 ms | p95 ms |",
            "|---|---|---|---|---|---|---|",
        ]
        for method, s in results.items():
            lines.append(
                f"| {method} | {s.hit(1):.3f} | {s.hit(5):.3f} | {s.mrr:.3f} | {s.ndcg:.3f} "
                f"| {s.latency(0.5):.1f} | {s.latency(0.95):.1f} |"
            )
        lines.append("")
    lines += [
        f"- First ingestion in this run: {facts['ingest_seconds']:.1f} s "
        f"({facts['ingest_embedded']} clauses embedded).",
        f"- Re-ingesting the unchanged corpus: {facts['reingest_seconds']:.1f} s "
        f"(embedded {facts['reingest_embedded']}; target ≤ 15 s).",
        f"- Cold embedding throughput: {facts['clauses_per_s']:.1f} clauses/s, "
        f"{facts['tokens_per_s']:.0f} tokens/s.",
        f"- Peak memory (max RSS): {facts['peak_mb']:.0f} MB.",
        "- Targets: hybrid hit@5 ≥ 0.95, MRR ≥ 0.85, hybrid ≥ best single method, "
        "search p95 ≤ 150 ms.",
    ]
    misses = facts.get("misses") or []
    if misses:
        lines += ["", "## Hybrid misses (gold not in top 5)", ""]
        lines += [f"- {m}" for m in misses]  # type: ignore[union-attr]
    return "\n".join(lines) + "\n"


def run(settings: Settings, datasets: dict[str, list[dict[str, object]]],
        naive: bool = True) -> tuple[str, dict[str, dict[str, Scores]]]:  # fmt: skip
    """Ingest, re-ingest, score every dataset and render the report."""
    started = time.perf_counter()
    first = open_pipeline(settings).run()
    ingest_seconds = time.perf_counter() - started
    pipeline = open_pipeline(settings)
    second = pipeline.run()
    pipeline.index.close()

    kb = open_knowledge_base(settings)
    naive_index = NaiveIndex.build(kb, settings) if naive else None
    tables = {name: score_methods(kb, naive_index, gold) for name, gold in datasets.items()}
    misses = [
        f"{q['id']} {q['question']} → {q['answers'][0]['title']}{q['answers'][0]['article']}"  # type: ignore[index]
        for name, gold in datasets.items()
        for q, rank in zip(gold, tables[name]["hybrid"].ranks, strict=True)
        if rank is None or rank > 5
    ]  # fmt: skip
    facts: dict[str, object] = {
        "instruments": len(kb.catalog.entries),
        "clauses": kb.index.count(), "embedder": kb.embedder.model_id,
        "ingest_seconds": ingest_seconds, "ingest_embedded": first.embedded,
        "reingest_seconds": second.seconds, "reingest_embedded": second.embedded,
        **measure_throughput(settings, kb),
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "misses": misses,
    }  # fmt: skip
    if naive_index is not None:
        naive_index.close()
    kb.close()
    return render(tables, facts), tables


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--laws-dir", type=Path, default=ROOT.parent / "shared" / "corpus" / "laws")
    parser.add_argument("--data-dir", type=Path, default=ROOT / "data" / "eval")
    parser.add_argument("--report", type=Path, default=ROOT / "evals" / "reports" / "retrieval.md")
    parser.add_argument("--limit", type=int, default=0, help="only the first N questions")
    parser.add_argument("--no-naive", action="store_true", help="skip the naive baseline")
    parser.add_argument("--learned-sparse", action="store_true",
                        help="also index the embedder's learned sparse vectors")  # fmt: skip
    args = parser.parse_args(argv)
    offline_environment()
    configure_logging("WARNING")

    # Share the passage-vector cache of the default data dir: same text, same vectors.
    cache = ROOT / "data" / "embeddings.sqlite"
    settings = Settings(
        data_dir=args.data_dir, corpus_paths=[args.laws_dir],
        embedder={"cache_path": str(cache), "learned_sparse": args.learned_sparse},  # type: ignore[arg-type]
    )  # fmt: skip
    settings.ingestion.progress = sys.stderr.isatty()
    datasets = {
        "Gold set (tuning)": load_gold(GOLD)[: args.limit or None],
        "Blind set (held out)": load_gold(BLIND)[: args.limit or None],
    }
    report, _ = run(settings, datasets, naive=not args.no_naive)
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(report, encoding="utf-8")
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
