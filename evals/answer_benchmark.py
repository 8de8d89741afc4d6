"""Answer benchmark: citations against gold, verification, abstention, latency.

Serves the API on 127.0.0.1 over the retrieval benchmark's index (run that
first, or pass --data-dir of an ingested index) and asks every question over
HTTP in the default (no LLM) mode:

    .venv/bin/python -m evals.answer_benchmark [--data-dir data/eval]
        [--report evals/reports/answers.md] [--limit N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import yaml

from agent.citations import lookup, parse_reference
from evals.retrieval_benchmark import BLIND, GOLD, ROOT, load_gold
from minqian.errors import CitationNotFound
from minqian.logs import configure_logging, offline_environment
from minqian.settings import Settings

UNANSWERABLE = ROOT / "evals" / "datasets" / "unanswerable.yaml"
ABSTAINING_MODES = {"abstain", "capabilities"}


def ask_all(url: str, key: str, questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """POST each question; keep the reply, its citations and the latency."""
    results = []
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=120) as client:
        for item in questions:
            started = time.perf_counter()
            response = client.post("/v1/chat/completions", json={
                "model": "minqian", "messages": [{"role": "user", "content": item["question"]}]})  # fmt: skip
            response.raise_for_status()
            body = response.json()
            results.append({"item": item, "body": body, "ms": (time.perf_counter() - started) * 1000})
    return results


def verified(body: dict[str, Any], kb: Any) -> bool:
    """Every citation resolves and its text is the base's text, character for character."""
    for citation in body["citations"]:
        try:
            article = lookup(parse_reference(citation["citation"], kb.catalog), kb.catalog, kb.index)
        except CitationNotFound:
            return False
        if article.text != citation["text"]:
            return False
    return True


def summarise(answered: list[dict[str, Any]], unanswerable: list[dict[str, Any]], kb: Any) -> dict[str, float]:
    precisions, recalls = [], []
    for result in answered:
        gold = {(a["title"], a["article"]) for a in result["item"]["answers"]}
        cited = {(c["title"], c["article"]) for c in result["body"]["citations"]}
        precisions.append(len(cited & gold) / len(cited) if cited else 0.0)
        recalls.append(len(cited & gold) / len(gold))
    everything = answered + unanswerable
    latencies = sorted(r["ms"] for r in everything)
    abstained = [
        r for r in unanswerable
        if r["body"]["answer_mode"] in ABSTAINING_MODES or not r["body"]["citations"]
    ]  # fmt: skip
    return {
        "precision": statistics.fmean(precisions), "recall": statistics.fmean(recalls),
        "answered_with_citations": sum(1 for r in answered if r["body"]["citations"]) / len(answered),
        "verified": sum(verified(r["body"], kb) for r in everything) / len(everything),
        "abstention": len(abstained) / len(unanswerable),
        "false_abstention": sum(1 for r in answered if not r["body"]["citations"]) / len(answered),
        "p50": latencies[len(latencies) // 2], "p95": latencies[int(0.95 * (len(latencies) - 1))],
    }  # fmt: skip


def render(tables: dict[str, dict[str, float]], misses: list[str]) -> str:
    lines = ["# Answer benchmark (default mode, no LLM)", "",
             "| set | citation precision | citation recall | answers citing | all citations verify "
             "| abstention (unanswerable) | false abstention | p50 ms | p95 ms |",
             "|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for name, t in tables.items():
        lines.append(
            f"| {name} | {t['precision']:.3f} | {t['recall']:.3f} | {t['answered_with_citations']:.3f} "
            f"| {t['verified']:.3f} | {t['abstention']:.3f} | {t['false_abstention']:.3f} "
            f"| {t['p50']:.0f} | {t['p95']:.0f} |"
        )
    lines += ["", "Precision and recall compare the (title, article) pairs cited with the gold",
              "answers; verification re-reads every citation from the index. Abstention counts",
              "unanswerable questions answered with no citation (abstain or out of scope).", ""]  # fmt: skip
    if misses:
        lines += ["## Unanswerable questions that got citations", ""] + [f"- {m}" for m in misses]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT / "data" / "eval")
    parser.add_argument("--report", type=Path, default=ROOT / "evals" / "reports" / "answers.md")
    parser.add_argument("--limit", type=int, default=0)
    args = parser.parse_args(argv)
    offline_environment()
    configure_logging("WARNING")

    from api.app import create_app
    from api.local_server import serve

    settings = Settings(data_dir=args.data_dir, embedder={  # type: ignore[arg-type]
        "cache_path": str(ROOT / "data" / "embeddings.sqlite")})  # fmt: skip
    settings.api.ui_enabled = False
    app = create_app(settings)
    _, key = app.state.key_store.create("admin", "answer-benchmark")
    unanswerable = yaml.safe_load(UNANSWERABLE.read_text(encoding="utf-8"))
    limit = args.limit or None
    tables, misses = {}, []
    with serve(app) as url:
        refused = ask_all(url, key, unanswerable[:limit])
        misses = [f"{r['item']['id']} {r['item']['question']} → "
                  + "、".join(c["citation"] for c in r["body"]["citations"])
                  for r in refused if r["body"]["citations"]]  # fmt: skip
        for name, path in (("gold", GOLD), ("blind", BLIND)):
            answered = ask_all(url, key, load_gold(path)[:limit])
            tables[name] = summarise(answered, refused, app.state.kb)
    report = render(tables, misses)
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(report, encoding="utf-8")
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
