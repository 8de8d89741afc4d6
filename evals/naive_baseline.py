"""The naive baseline: fixed 500-character chunks that ignore article structure.

Each instrument's text is laid end to end (as a plain splitter would see it)
and cut every 500 characters; a chunk counts as finding every article it
overlaps. Vectors come from the same embedder (and cache) as the real index;
search is exact dot product in memory, which flatters its latency.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ingestion.documents import content_hash
from minqian.components import KnowledgeBase, open_embedder
from minqian.settings import Settings

CHUNK_CHARS = 500


@dataclass
class NaiveChunk:
    text: str
    covers: set[tuple[str, str]]


class NaiveIndex:
    """500-character chunks with their dense vectors."""

    def __init__(self, kb: KnowledgeBase, chunks: list[NaiveChunk], vectors: np.ndarray) -> None:
        self.kb = kb
        self.chunks = chunks
        self.vectors = vectors

    @classmethod
    def build(cls, kb: KnowledgeBase, settings: Settings) -> NaiveIndex:
        chunks = list(_chunk_all(kb))
        embedder = open_embedder(settings)
        texts = [c.text for c in chunks]
        vectors = embedder.embed_passages(texts, [content_hash("naive", t) for t in texts])
        embedder.close()
        return cls(kb, chunks, np.stack([v.dense for v in vectors]))

    def search(self, question: str, top_k: int) -> list[set[tuple[str, str]]]:
        query = self.kb.embedder.embed_query(question).dense
        order = np.argsort(-(self.vectors @ query))[:top_k]
        return [self.chunks[i].covers for i in order]

    def close(self) -> None:
        self.vectors = np.zeros((0, 0))


def _chunk_all(kb: KnowledgeBase):  # type: ignore[no-untyped-def]
    by_doc: dict[str, list[dict[str, object]]] = {}
    fields = ["doc_key", "title", "article_label", "article_no", "article_suffix",
              "paragraph_first", "text"]  # fmt: skip
    for row in kb.index.iterate(fields):
        by_doc.setdefault(str(row["doc_key"]), []).append(row)

    for rows in by_doc.values():
        rows.sort(key=lambda r: (r["article_no"], r["article_suffix"], r["paragraph_first"]))
        text, spans = "", []
        for row in rows:
            start = len(text)
            text += f"{row['article_label']} {row['text']}\n"
            spans.append((start, len(text), (row["title"], row["article_label"])))
        for begin in range(0, len(text), CHUNK_CHARS):
            end = begin + CHUNK_CHARS
            covers = {key for s, e, key in spans if s < end and e > begin}
            yield NaiveChunk(text[begin:end], covers)  # type: ignore[arg-type]
