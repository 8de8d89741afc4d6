"""Incremental, idempotent ingestion of every source into the clause index."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ingestion.chunker import ClauseChunker
from ingestion.documents import ParsedDocument
from ingestion.embedding_cache import CachedEmbedder
from ingestion.sources import collect_documents
from ingestion.state import IngestionState
from ingestion.vector_store import ClauseIndex
from minqian.settings import Settings

logger = logging.getLogger(__name__)


@dataclass
class IngestReport:
    """What a run did, for the closing summary."""

    documents: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    clauses: int = 0
    articles: int = 0
    embedded: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        lines = [
            f"文档 {self.documents} 份（新增 {self.added}，更新 {self.updated}，"
            f"未变 {self.unchanged}，移除 {self.removed}）",
            f"条文 {self.articles} 条，索引单元 {self.clauses} 个，新嵌入 {self.embedded} 个",
            f"用时 {self.seconds:.1f} 秒",
        ]
        if self.skipped:
            lines.append(f"跳过 {len(self.skipped)} 个文件：")
            lines += [f"  - {source}：{reason}" for source, reason in self.skipped]
        return "\n".join(lines)


class IngestionPipeline:
    """Bring the index in line with the sources named in settings and arguments."""

    def __init__(self, settings: Settings, embedder: CachedEmbedder, index: ClauseIndex,
                 state: IngestionState) -> None:  # fmt: skip
        self.settings = settings
        self.embedder = embedder
        self.index = index
        self.state = state
        self.chunker = ClauseChunker(settings.ingestion.max_chunk_tokens)

    def run(self, extra_paths: Iterable[Path] = ()) -> IngestReport:
        started = time.perf_counter()
        report = IngestReport()
        self._check_model()
        collection = collect_documents(self.settings, list(extra_paths), self.state)
        report.skipped = collection.skipped
        known = self.state.documents()

        todo: list[ParsedDocument] = []
        for document in collection.documents:
            key = document.instrument.key
            row = known.get(key)
            alternates = collection.alternates.get(key, [])
            if row and row["status"] == "done" and row["doc_hash"] == document.content_hash:
                report.unchanged += 1
                report.clauses += row["clauses"]
                self.state.update_alternates(key, alternates)
            else:
                todo.append(document)
        report.documents = len(collection.documents)
        report.articles = sum(len(d.articles) for d in collection.documents)

        for document in self._progress(todo):
            key = document.instrument.key
            was_known = key in known
            report.clauses += self._ingest(document, collection.alternates.get(key, []))
            report.updated += was_known
            report.added += not was_known

        wanted = {d.instrument.key for d in collection.documents}
        for key, row in known.items():
            if key in wanted or row["source"] in collection.unreadable_sources:
                continue
            self.index.delete_document(key)
            self.state.forget(key)
            report.removed += 1
            logger.info("removed document title=%s source=%s", row["title"], row["source"])

        if todo or report.removed:
            self.index.flush()
        report.embedded = self.embedder.misses
        report.seconds = time.perf_counter() - started
        logger.info(
            "ingestion done documents=%s added=%s updated=%s unchanged=%s removed=%s "
            "embedded=%s skipped=%s seconds=%.1f",
            report.documents, report.added, report.updated, report.unchanged,
            report.removed, report.embedded, len(report.skipped), report.seconds,
        )  # fmt: skip
        return report

    def _ingest(self, document: ParsedDocument, alternates: list[dict[str, str]]) -> int:
        started = time.perf_counter()
        meta = document.instrument
        clauses = self.chunker.chunk(document)
        self.state.mark_pending(document, alternates)
        before = self.index.ids_for(meta.key)

        batch = self.settings.ingestion.batch_size
        for start in range(0, len(clauses), batch):
            part = clauses[start : start + batch]
            vectors = self.embedder.embed_passages(
                [c.embedding_text for c in part], [c.hash for c in part]
            )
            self.index.upsert(part, vectors)
        # Rows of articles the new version no longer has (renumbered, repealed).
        stale = before - {c.clause_id for c in clauses}
        self.index.delete_ids(stale)
        self.state.mark_done(meta.key, len(clauses))
        logger.info(
            "ingested document title=%s source=%s category=%s articles=%s clauses=%s "
            "stale=%s seconds=%.2f",
            meta.title, meta.source, meta.category, len(document.articles), len(clauses),
            len(stale), time.perf_counter() - started,
        )  # fmt: skip
        return len(clauses)

    def _check_model(self) -> None:
        """Re-embed everything when the model changed or the index lost its rows."""
        model = f"{self.embedder.model_id}|{self.index.uri}|{self.index.collection}"
        previous = self.state.get_meta("model")
        if previous is not None and previous != model:
            logger.warning("embedder or index changed from=%s to=%s: rebuilding", previous, model)
            self.index.drop()
            self.index = ClauseIndex(
                self.index.uri, self.index.collection, self.embedder.dim,
                self.embedder.has_sparse, self.settings.vector_store.token,
            )  # fmt: skip
            self.state.reset()
        elif self.state.documents() and self.index.count() == 0:
            logger.warning("index is empty but state lists documents: re-ingesting all")
            self.state.reset()
        self.state.set_meta("model", model)

    def _progress(self, documents: list[ParsedDocument]) -> Iterable[ParsedDocument]:
        if not documents or not self.settings.ingestion.progress or not sys.stderr.isatty():
            return documents
        from tqdm import tqdm

        return tqdm(documents, desc="入库", unit="份", file=sys.stderr)
