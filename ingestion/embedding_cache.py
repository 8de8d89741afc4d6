"""Passage vectors cached by content hash, so unchanged text is never re-embedded."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np

from ingestion.embedders import Embedder, Embedding


class CachedEmbedder:
    """Wrap an embedder with a SQLite cache keyed by (model id, text hash)."""

    def __init__(self, embedder: Embedder, path: Path) -> None:
        self.inner = embedder
        self.model_id = embedder.model_id
        self.dim = embedder.dim
        self.has_sparse = embedder.has_sparse
        self.misses = 0
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS embeddings (model TEXT, hash TEXT, dense BLOB,"
            " sparse TEXT, PRIMARY KEY (model, hash))"
        )
        self._db.commit()

    def embed_passages(self, texts: list[str], hashes: list[str]) -> list[Embedding]:
        found = self._lookup(hashes)
        todo = [i for i, h in enumerate(hashes) if h not in found]
        if todo:
            fresh = self.inner.embed_passages([texts[i] for i in todo])
            self.misses += len(todo)
            rows = []
            for i, emb in zip(todo, fresh, strict=True):
                found[hashes[i]] = emb
                sparse = json.dumps(emb.sparse) if emb.sparse is not None else None
                rows.append((self.model_id, hashes[i], emb.dense.astype(np.float32).tobytes(), sparse))
            with self._db:
                self._db.executemany("INSERT OR REPLACE INTO embeddings VALUES (?,?,?,?)", rows)
        return [found[h] for h in hashes]

    def embed_query(self, text: str) -> Embedding:
        return self.inner.embed_query(text)

    def _lookup(self, hashes: list[str]) -> dict[str, Embedding]:
        found: dict[str, Embedding] = {}
        for start in range(0, len(hashes), 500):
            chunk = hashes[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT hash, dense, sparse FROM embeddings WHERE model = ? AND hash IN ({marks})",
                (self.model_id, *chunk),
            )
            for digest, dense, sparse in rows:
                vector = np.frombuffer(dense, dtype=np.float32).copy()
                weights = {int(k): v for k, v in json.loads(sparse).items()} if sparse else None
                found[digest] = Embedding(vector, weights)
        return found

    def close(self) -> None:
        self._db.close()
