"""What ingestion remembers between runs, in a SQLite file beside the index.

A document row is written 'pending' before its clauses touch the index and
'done' after, so a run killed half-way is finished by the next one.
Parsed folder files are kept by content hash, so unchanged PDFs and DOCX are
not partitioned again.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ingestion.documents import Article, Instrument, ParsedDocument

# Bump when parsing changes, so cached parses of unchanged files are redone.
PARSER_VERSION = "1"


class IngestionState:
    """Per-document ingestion records and the parse cache."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path)
        self._db.row_factory = sqlite3.Row
        with self._db:
            self._db.executescript(
                """
                CREATE TABLE IF NOT EXISTS documents (
                    doc_key TEXT PRIMARY KEY, title TEXT, source TEXT, source_kind TEXT,
                    doc_hash TEXT, status TEXT, clauses INTEGER, version_date TEXT,
                    effective_date TEXT, doc_status TEXT, alternates TEXT,
                    updated_at TEXT DEFAULT CURRENT_TIMESTAMP);
                CREATE TABLE IF NOT EXISTS parsed_files (
                    file_hash TEXT, parser TEXT, document TEXT,
                    PRIMARY KEY (file_hash, parser));
                CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
                """
            )

    def documents(self) -> dict[str, sqlite3.Row]:
        rows = self._db.execute("SELECT * FROM documents").fetchall()
        return {row["doc_key"]: row for row in rows}

    def mark_pending(self, document: ParsedDocument, alternates: list[dict[str, str]]) -> None:
        meta = document.instrument
        with self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO documents (doc_key, title, source, source_kind,"
                " doc_hash, status, clauses, version_date, effective_date, doc_status,"
                " alternates) VALUES (?,?,?,?,?,'pending',0,?,?,?,?)",
                (meta.key, meta.title, meta.source, meta.source_kind, document.content_hash,
                 meta.version_date, meta.effective_date, meta.status,
                 json.dumps(alternates, ensure_ascii=False)),
            )  # fmt: skip

    def mark_done(self, doc_key: str, clauses: int) -> None:
        with self._db:
            self._db.execute(
                "UPDATE documents SET status='done', clauses=?, updated_at=CURRENT_TIMESTAMP"
                " WHERE doc_key=?",
                (clauses, doc_key),
            )

    def update_alternates(self, doc_key: str, alternates: list[dict[str, str]]) -> None:
        with self._db:
            self._db.execute(
                "UPDATE documents SET alternates=? WHERE doc_key=?",
                (json.dumps(alternates, ensure_ascii=False), doc_key),
            )

    def forget(self, doc_key: str) -> None:
        with self._db:
            self._db.execute("DELETE FROM documents WHERE doc_key=?", (doc_key,))

    def get_meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row["value"] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self._db:
            self._db.execute("INSERT OR REPLACE INTO meta VALUES (?,?)", (key, value))

    def reset(self) -> None:
        with self._db:
            self._db.execute("DELETE FROM documents")

    def cached_parse(self, file_hash: str) -> ParsedDocument | None:
        row = self._db.execute(
            "SELECT document FROM parsed_files WHERE file_hash=? AND parser=?",
            (file_hash, PARSER_VERSION),
        ).fetchone()
        return _decode(json.loads(row["document"])) if row else None

    def store_parse(self, file_hash: str, document: ParsedDocument) -> None:
        with self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO parsed_files VALUES (?,?,?)",
                (file_hash, PARSER_VERSION, json.dumps(asdict(document), ensure_ascii=False)),
            )

    def close(self) -> None:
        self._db.close()


def _decode(data: dict[str, Any]) -> ParsedDocument:
    meta = data["instrument"]
    for name in ("industries", "short_titles"):
        meta[name] = tuple(meta[name])
    articles = [Article(**{**a, "path": tuple(a["path"])}) for a in data["articles"]]
    return ParsedDocument(Instrument(**meta), articles)
