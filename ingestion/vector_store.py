"""The clause index in Milvus: schema, writes and the three kinds of search.

Milvus Lite (a local directory) by default, any Milvus server or cluster by
URI; the client code is the same. Milvus Lite allows one process per
directory: run `milvus-lite server` and point every process at its URI to
share an index.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingestion.documents import Clause
from ingestion.embedders import Embedding
from minqian.errors import ConfigurationError

logger = logging.getLogger(__name__)

OUTPUT_FIELDS = [
    "id", "doc_key", "title", "short_titles", "category", "issuer", "effective_date",
    "version_date", "status", "industries", "article_label", "article_no",
    "article_suffix", "paragraph_first", "paragraph_last", "path", "text", "source",
    "source_kind", "content_hash", "tokens",
]  # fmt: skip
# Milvus's error code for a search or query on a collection that is not loaded.
COLLECTION_NOT_LOADED = 101
_VARCHAR_LIMITS = {"text": 65535, "search_text": 65535, "source": 2048, "path": 1024,
                   "short_titles": 2048, "title": 512, "issuer": 512}  # fmt: skip


@dataclass
class StoredClause:
    """A clause row as read back from the index, with its search score."""

    fields: dict[str, Any]
    score: float = 0.0

    def __getitem__(self, key: str) -> Any:
        return self.fields[key]


# Milvus string literals know only a few escapes: JSON's \uXXXX, \b and \f are
# syntax errors there (a 500 on a query parameter with a control character),
# while the other control characters are accepted literally.
_MILVUS_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


def escape(value: str) -> str:
    """Quote a string for a Milvus filter expression."""
    return '"' + value.translate(_MILVUS_ESCAPES) + '"'


class ClauseIndex:
    """Read and write clauses in one Milvus collection."""

    def __init__(self, uri: str, collection: str, dim: int, learned_sparse: bool,
                 token: str = "", rebuild_if_incompatible: bool = False) -> None:  # fmt: skip
        from pymilvus import MilvusClient

        if "://" not in uri:
            Path(uri).parent.mkdir(parents=True, exist_ok=True)
        self.uri = uri
        self.collection = collection
        self.dim = dim
        self.learned_sparse = learned_sparse
        options: dict[str, Any] = {}
        if "://" not in uri:
            # The embedded Milvus Lite server keeps gRPC's default 5-minute
            # minimum ping interval; pymilvus pings every 10 s, is told
            # "too_many_pings" and reconnects, which stalls searches ~1.5 s.
            options["grpc_options"] = {"grpc.keepalive_time_ms": 600_000,
                                       "grpc.keepalive_permit_without_calls": 0}  # fmt: skip
        self.client = MilvusClient(uri=uri, token=token, **options)
        if self.client.has_collection(collection) and not self._compatible():
            if not rebuild_if_incompatible:
                raise ConfigurationError(
                    f"the index {uri}#{collection} was built by another embedder "
                    f"(not {dim}-d{' + sparse' if learned_sparse else ''}); run "
                    "`minqian ingest` to rebuild it or configure the same embedder."
                )
            logger.warning("rebuilding incompatible collection=%s", collection)
            self.client.drop_collection(collection)
        if not self.client.has_collection(collection):
            self._create()
        self.client.load_collection(collection)

    def _compatible(self) -> bool:
        fields = {f["name"]: f for f in self.client.describe_collection(self.collection)["fields"]}
        dense = fields.get("dense", {}).get("params", {}).get("dim")
        return int(dense or 0) == self.dim and ("learned" in fields) == self.learned_sparse

    def _create(self) -> None:
        from pymilvus import DataType, Function, FunctionType

        schema = self.client.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("id", DataType.VARCHAR, is_primary=True, max_length=64)
        for name in ("doc_key", "title", "short_titles", "category", "issuer",
                     "effective_date", "version_date", "status", "article_label", "path",
                     "source", "source_kind", "content_hash"):  # fmt: skip
            schema.add_field(name, DataType.VARCHAR, max_length=_VARCHAR_LIMITS.get(name, 256))
        schema.add_field(
            "industries", DataType.ARRAY, element_type=DataType.VARCHAR,
            max_capacity=8, max_length=16,
        )  # fmt: skip
        for name in ("article_no", "article_suffix", "paragraph_first", "paragraph_last", "tokens"):
            schema.add_field(name, DataType.INT64)
        schema.add_field("text", DataType.VARCHAR, max_length=65535)
        # The default analyzer yields no tokens for Chinese; jieba needs the
        # milvus-lite[chinese] extra.
        schema.add_field(
            "search_text", DataType.VARCHAR, max_length=65535, enable_analyzer=True,
            analyzer_params={"tokenizer": "jieba"},
        )  # fmt: skip
        schema.add_field("dense", DataType.FLOAT_VECTOR, dim=self.dim)
        schema.add_field("bm25", DataType.SPARSE_FLOAT_VECTOR)
        if self.learned_sparse:
            schema.add_field("learned", DataType.SPARSE_FLOAT_VECTOR)
        schema.add_function(Function(
            name="search_text_bm25", function_type=FunctionType.BM25,
            input_field_names=["search_text"], output_field_names=["bm25"],
        ))  # fmt: skip

        index = self.client.prepare_index_params()
        index.add_index("dense", index_type="AUTOINDEX", metric_type="IP")
        index.add_index("bm25", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
        if self.learned_sparse:
            index.add_index("learned", index_type="SPARSE_INVERTED_INDEX", metric_type="IP")
        self.client.create_collection(self.collection, schema=schema, index_params=index)
        logger.info("created collection=%s dim=%s uri=%s", self.collection, self.dim, self.uri)

    def upsert(self, clauses: list[Clause], embeddings: list[Embedding]) -> None:
        rows = [self._row(c, e) for c, e in zip(clauses, embeddings, strict=True)]
        if rows:
            self.client.upsert(self.collection, rows)

    def _row(self, clause: Clause, embedding: Embedding) -> dict[str, Any]:
        meta = clause.instrument
        row: dict[str, Any] = {
            "id": clause.clause_id, "doc_key": meta.key, "title": meta.title,
            "short_titles": "|".join(meta.short_titles), "category": meta.category,
            "issuer": meta.issuer[:500], "effective_date": meta.effective_date,
            "version_date": meta.version_date, "status": meta.status,
            "industries": list(meta.industries), "article_label": clause.article_label,
            "article_no": clause.article_no, "article_suffix": clause.article_suffix,
            "paragraph_first": clause.paragraph_first, "paragraph_last": clause.paragraph_last,
            "path": " / ".join(clause.path), "text": clause.text, "source": meta.source[:2000],
            "source_kind": meta.source_kind, "content_hash": clause.hash,
            "tokens": clause.tokens, "search_text": search_text(clause),
            "dense": embedding.dense.tolist(),
        }  # fmt: skip
        if self.learned_sparse:
            row["learned"] = embedding.sparse or {0: 0.0}
        return row

    def ids_for(self, doc_key: str) -> set[str]:
        rows = self._read(
            self.client.query, self.collection, filter=f"doc_key == {escape(doc_key)}", output_fields=["id"]
        )
        return {r["id"] for r in rows}

    def delete_ids(self, ids: Iterable[str]) -> None:
        ids = list(ids)
        for start in range(0, len(ids), 500):
            self.client.delete(self.collection, ids=ids[start : start + 500])

    def delete_document(self, doc_key: str) -> None:
        self.client.delete(self.collection, filter=f"doc_key == {escape(doc_key)}")

    def query(self, filter: str, limit: int = 50) -> list[StoredClause]:
        rows = self._read(
            self.client.query, self.collection, filter=filter, output_fields=OUTPUT_FIELDS, limit=limit
        )
        return [StoredClause(dict(r)) for r in rows]

    def iterate(self, fields: list[str], batch_size: int = 2000) -> Iterator[dict[str, Any]]:
        """Every row's `fields`, in batches (query() alone stops at 16,384 rows)."""
        iterator = self.client.query_iterator(
            self.collection, batch_size=batch_size, filter="", output_fields=fields
        )
        try:
            while batch := iterator.next():
                yield from (dict(row) for row in batch)
        finally:
            iterator.close()

    def count(self) -> int:
        result = self._read(self.client.query, self.collection, filter="", output_fields=["count(*)"])
        return int(result[0]["count(*)"])

    def search_dense(self, vector: list[float], limit: int, filter: str = "") -> list[StoredClause]:
        return self._search("dense", [vector], limit, filter, {"metric_type": "IP"})

    def search_bm25(self, text: str, limit: int, filter: str = "") -> list[StoredClause]:
        return self._search("bm25", [text], limit, filter, {"metric_type": "BM25"})

    def search_learned(self, sparse: dict[int, float], limit: int, filter: str = "") -> list[StoredClause]:
        if not self.learned_sparse or not sparse:
            return []
        return self._search("learned", [sparse], limit, filter, {"metric_type": "IP"})

    def _search(self, field: str, data: list[Any], limit: int, filter: str,
                params: dict[str, Any]) -> list[StoredClause]:  # fmt: skip
        hits = self._read(
            self.client.search, self.collection, data=data, anns_field=field, limit=limit, filter=filter,
            output_fields=OUTPUT_FIELDS, search_params=params,
        )  # fmt: skip
        return [StoredClause(dict(h["entity"]), float(h["distance"])) for h in hits[0]]

    def _read(self, call: Any, *args: Any, **kwargs: Any) -> Any:
        """A query or search; if the server has the collection released, load it and try once more.

        A Milvus server that restarted (milvus-lite server, a standalone after a
        crash) comes back with every collection released: without this each
        search fails with "call load() before search" until the API restarts.
        """
        from pymilvus.exceptions import MilvusException

        try:
            return call(*args, **kwargs)
        except MilvusException as exc:
            if exc.code != COLLECTION_NOT_LOADED:
                raise
            logger.warning("collection=%s not loaded on %s (server restarted?), loading it again",
                           self.collection, self.uri)  # fmt: skip
            self.client.load_collection(self.collection)
            return call(*args, **kwargs)

    def flush(self) -> None:
        """Seal buffered rows into segments.

        Milvus Lite searches unsealed rows by rebuilding a sparse index over
        them on every query; after a large write that costs seconds a search.
        """
        self.client.flush(self.collection)

    def drop(self) -> None:
        self.client.drop_collection(self.collection)

    def close(self) -> None:
        self.client.close()


def search_text(clause: Clause) -> str:
    """What BM25 sees: titles, the section path, the label and the text."""
    meta = clause.instrument
    names = " ".join((meta.title, *meta.short_titles))
    return f"{names} {' '.join(clause.path)} {clause.article_label}\n{clause.text}"
