"""Build the heavy objects once: embedder, clause index, catalog, retriever."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from agent.catalog import Catalog
from agent.retrieval import ClauseRetriever
from ingestion.embedders import build_embedder
from ingestion.embedding_cache import CachedEmbedder
from ingestion.pipeline import IngestionPipeline
from ingestion.state import IngestionState
from ingestion.vector_store import ClauseIndex
from minqian.settings import Settings

logger = logging.getLogger(__name__)


@dataclass
class KnowledgeBase:
    """Everything needed to search and cite, built from one settings object."""

    settings: Settings
    embedder: CachedEmbedder
    index: ClauseIndex
    catalog: Catalog
    retriever: ClauseRetriever

    def close(self) -> None:
        self.embedder.close()
        self.index.close()


def open_embedder(settings: Settings) -> CachedEmbedder:
    cache = settings.embedder.cache_path or settings.data_dir / "embeddings.sqlite"
    return CachedEmbedder(build_embedder(settings.embedder), cache)


def open_index(settings: Settings, embedder: CachedEmbedder, rebuild: bool = False) -> ClauseIndex:
    return ClauseIndex(
        settings.milvus_uri, settings.vector_store.collection, embedder.dim,
        embedder.has_sparse, settings.vector_store.token, rebuild_if_incompatible=rebuild,
    )  # fmt: skip


def open_knowledge_base(settings: Settings, embedder: CachedEmbedder | None = None) -> KnowledgeBase:
    """Open the index for reading; it must have been built by the same embedder."""
    embedder = embedder or open_embedder(settings)
    index = open_index(settings, embedder)
    catalog = Catalog(index)
    retriever = ClauseRetriever(index, embedder, catalog, settings.retrieval)
    return KnowledgeBase(settings, embedder, index, catalog, retriever)


def open_pipeline(settings: Settings, embedder: CachedEmbedder | None = None) -> IngestionPipeline:
    embedder = embedder or open_embedder(settings)
    index = open_index(settings, embedder, rebuild=True)
    return IngestionPipeline(settings, embedder, index, IngestionState(settings.state_db))
