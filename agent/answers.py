"""Answers built from retrieved articles alone: conclusion, then the articles in full.

With no chat model, the assistant answers extractively: it picks the articles
that answer, draws a short conclusion from their sentences that match the
question, and quotes each article whole, ordered by legal rank. When nothing
retrieved covers the question, it says so and shows the nearest articles.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import jieba

from agent.catalog import Catalog
from agent.citations import CitedArticle, lookup, parse_reference
from agent.query_analysis import analyse_query
from agent.retrieval import Hit
from agent.state import CitationRecord
from ingestion.documents import CATEGORY_RANK
from ingestion.vector_store import ClauseIndex
from minqian.errors import CitationNotFound

_SENTENCE = re.compile(r"[^。；！？\n]+[。；！？]?")
_STOPWORDS = set(("的 了 吗 呢 吧 啊 是 在 和 与 及 或 要 会 能 可以 怎么 什么 哪些 多少 如何 有 没 没有 不 就 都 被 "
                  "把 对 我 我们 你 他 她 它 这 那 个 一 请问 一下 应该 需要").split())  # fmt: skip
# An answer needs this share of the question's content words in its articles
# (tuned on the gold set: 0.34 abstained on a fifth of answerable questions).
MIN_COVERAGE = 0.25


@dataclass
class ComposedAnswer:
    """Markdown text plus the articles it cites."""

    text: str
    citations: list[CitationRecord]
    abstained: bool = False


def content_terms(text: str) -> set[str]:
    """Content words of a question (jieba), with the lexicon's legal terms."""
    analysis = analyse_query(text)
    words = {w for w in jieba.lcut(analysis.expanded) if len(w) > 1 and w not in _STOPWORDS}
    return {w for w in words if not re.fullmatch(r"[\W\d_]+", w)}


def coverage(terms: set[str], text: str) -> float:
    return sum(1 for t in terms if t in text) / len(terms) if terms else 0.0


def full_articles(hits: list[Hit], catalog: Catalog, index: ClauseIndex) -> list[tuple[Hit, CitedArticle]]:
    """The whole article behind each hit (a hit may be one part of a long article)."""
    found = []
    for hit in hits:
        f = hit.clause.fields
        try:
            ref = parse_reference(f"《{f['title']}》{f['article_label']}", catalog)
            article = lookup(ref, catalog, index)
        except CitationNotFound:
            # Sections of documents without articles have no 第X条 to cite.
            # TODO: cite standard sections (4.2.1) by number once standards
            # are ingested; today they are found by search but not quoted.
            continue
        found.append((hit, article))
    return found


def citation_record(article: CitedArticle, verified: bool = True) -> CitationRecord:
    f = article.fields
    return CitationRecord(
        title=article.entry.title, article=article.article_label, text=article.text,
        category=str(f.get("category", "")), status=str(f.get("status", "")),
        effective_date=str(f.get("effective_date", "")), issuer=str(f.get("issuer", "")),
        citation=article.citation, verified=verified,
    )  # fmt: skip


def choose_articles(question: str, articles: list[tuple[Hit, CitedArticle]],
                    limit: int = 3) -> list[tuple[Hit, CitedArticle]]:  # fmt: skip
    """The articles that answer: the best hit, and others close to it in score."""
    if not articles:
        return []
    terms = content_terms(question)
    top_score = articles[0][0].score
    chosen = []
    for hit, article in articles:
        close = hit.cited or hit.score >= 0.75 * top_score
        if close and (hit.cited or coverage(terms, article.text + article.entry.title) >= MIN_COVERAGE):
            chosen.append((hit, article))
        if len(chosen) == limit:
            break
    return chosen


def compose_extractive(question: str, articles: list[tuple[Hit, CitedArticle]]) -> ComposedAnswer:
    """Conclusion from matching sentences, then every chosen article in full."""
    chosen = choose_articles(question, articles)
    if not chosen:
        return _abstain(articles)
    terms = content_terms(question)
    ordered = sorted(
        chosen,
        key=lambda pair: (CATEGORY_RANK.get(pair[1].fields.get("category", ""), 99), -pair[0].score),  # type: ignore[arg-type]
    )

    lines = ["**结论**", ""]
    for _, article in ordered:
        sentences = _best_sentences(article.text, terms)
        lines.append(f"- 依据{article.citation}：{''.join(sentences)}")
    lines += ["", "**引用条文**", ""]
    lines += [_quote(article) for _, article in ordered]
    records = [citation_record(article) for _, article in ordered]
    return ComposedAnswer("\n".join(lines).strip(), records)


def _best_sentences(text: str, terms: set[str], limit: int = 2) -> list[str]:
    sentences = [s.strip() for s in _SENTENCE.findall(text) if s.strip()]
    scored = sorted(
        range(len(sentences)), key=lambda i: (-sum(t in sentences[i] for t in terms), i)
    )
    keep = sorted(scored[:limit])
    return [sentences[i] for i in keep]


def _quote(article: CitedArticle) -> str:
    f = article.fields
    meta = f"{f.get('category', '')}｜{f.get('status', '')}｜施行日期 {f.get('effective_date') or '未载明'}"
    body = "\n".join(f"> {line}" for line in article.text.splitlines())
    return f"{article.citation}（{meta}）\n{body}\n"


def _abstain(articles: list[tuple[Hit, CitedArticle]]) -> ComposedAnswer:
    lines = ["知识库中没有找到能直接回答这个问题的条文，以下是最接近的条文，仅供参考："]
    for _, article in articles[:3]:
        lines.append(f"- {article.citation}：{article.text[:80]}{'…' if len(article.text) > 80 else ''}")
    if not articles:
        lines = ["知识库中没有找到与这个问题相关的条文。"]
    lines.append("\n可以换一种说法，或写明法规名称和条号（如《安全生产法》第二十一条）再问。")
    return ComposedAnswer("\n".join(lines), [], abstained=True)
