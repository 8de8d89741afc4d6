"""The audit log: who read or changed which records, append-only and hash-chained.

Every entry carries the SHA-256 of the previous entry and of its own content,
so deleting or editing a row (by someone who bypasses the database triggers
that refuse UPDATE and DELETE) breaks the chain at that row; `verify` finds
the first broken link. Entries are written in the request's own thread, so a
change that returned 2xx has its entry; a crash loses no acknowledged entry.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DDL, Column, Connection, Engine, Index, Integer, String, Table, Text, event, select, text

from minqian.access import Principal
from minqian.database import UtcDateTime, metadata

logger = logging.getLogger(__name__)

AUDIT_LOCK_KEY = 0x6D71_0003  # PostgreSQL advisory lock serialising the chain
GENESIS = "0" * 64

audit_events = Table(
    "audit_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime, nullable=False),
    Column("actor_role", String(20), nullable=False),
    Column("actor", String(64), nullable=False),  # key id, worker id, "anonymous" or "cli"
    Column("channel", String(10), nullable=False),  # api | scan | chat | console | cli
    Column("action", String(10), nullable=False),  # read | change | denied
    Column("resource", String(200), nullable=False),  # route template or tool name
    Column("target", Text, nullable=False),  # JSON: ids the request named
    Column("enterprise_id", String(64), nullable=True, index=True),
    Column("status", Integer, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Index("ix_audit_events_actor", "actor", "at"),
)

_SQLITE_GUARD = [
    "CREATE TRIGGER IF NOT EXISTS audit_events_no_update BEFORE UPDATE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_events_no_delete BEFORE DELETE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
]
_POSTGRES_GUARD = [
    "CREATE OR REPLACE FUNCTION minqian_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'audit_events is append-only'; END $$",
    "CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events "
    "FOR EACH ROW EXECUTE FUNCTION minqian_audit_append_only()",
    "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
    "FOR EACH STATEMENT EXECUTE FUNCTION minqian_audit_append_only()",
]


def install_append_only_guard(connection: Connection) -> None:
    """Make the database itself refuse to change or remove audit entries."""
    statements = _POSTGRES_GUARD if connection.dialect.name == "postgresql" else _SQLITE_GUARD
    for statement in statements:
        connection.execute(text(statement))


# create_all (fresh databases) installs the guard right after the table; the
# migration that introduced the table installs it on upgraded ones.
for _statement in _SQLITE_GUARD:
    event.listen(audit_events, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
for _statement in _POSTGRES_GUARD:
    event.listen(audit_events, "after_create", DDL(_statement.replace("%", "%%")).execute_if(dialect="postgresql"))


@dataclass(frozen=True)
class AuditEntry:
    principal: Principal | None
    channel: str
    action: str
    resource: str
    target: dict[str, Any]
    enterprise_id: str | None
    status: int


class AuditLog:
    """Append entries and read them back; nothing here updates or deletes."""

    def __init__(self, engine: Engine, record_reads: bool = True) -> None:
        self._engine = engine
        self.record_reads = record_reads
        # SQLite has one writer at a time anyway; the lock keeps this process's
        # threads from reading the same chain head.
        self._lock = threading.Lock()

    def append(self, entry: AuditEntry) -> None:
        if entry.action == "read" and not self.record_reads:
            return
        principal = entry.principal
        row = {
            "at": datetime.now(UTC),
            "actor_role": principal.role if principal else "anonymous",
            "actor": principal.subject if principal else "anonymous",
            "channel": entry.channel, "action": entry.action, "resource": entry.resource[:200],
            "target": json.dumps(entry.target, ensure_ascii=False, sort_keys=True, default=str),
            "enterprise_id": entry.enterprise_id, "status": entry.status,
        }  # fmt: skip
        with self._lock, self._engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_LOCK_KEY})
            last = connection.execute(select(audit_events.c.hash).order_by(audit_events.c.id.desc()).limit(1))
            row["prev_hash"] = last.scalar() or GENESIS
            row["hash"] = entry_hash(row)
            connection.execute(audit_events.insert().values(row))

    def entries(self, actor: str | None = None, enterprise_id: str | None = None,
                since: datetime | None = None, limit: int = 200) -> list[dict[str, Any]]:  # fmt: skip
        query = select(audit_events).order_by(audit_events.c.id.desc()).limit(limit)
        if actor:
            query = query.where(audit_events.c.actor == actor)
        if enterprise_id:
            query = query.where(audit_events.c.enterprise_id == enterprise_id)
        if since:
            query = query.where(audit_events.c.at >= since)
        with self._engine.connect() as connection:
            return [_view(row) for row in connection.execute(query).mappings()]

    def verify(self) -> tuple[int, int | None]:
        """Walk the chain: (entries checked, id of the first broken entry or None)."""
        checked, previous = 0, GENESIS
        for row in self._rows():
            if row["prev_hash"] != previous or entry_hash(row) != row["hash"]:
                return checked, row["id"]
            previous, checked = row["hash"], checked + 1
        return checked, None

    def _rows(self) -> Iterator[dict[str, Any]]:
        with self._engine.connect() as connection:
            query = select(audit_events).order_by(audit_events.c.id)
            result = connection.execution_options(yield_per=1000).execute(query)
            for row in result.mappings():
                yield dict(row)


def entry_hash(row: dict[str, Any]) -> str:
    fields = [row["prev_hash"], row["at"].astimezone(UTC).isoformat(), row["actor_role"], row["actor"],
              row["channel"], row["action"], row["resource"], row["target"], row["enterprise_id"] or "",
              str(row["status"])]  # fmt: skip
    return hashlib.sha256("\x1f".join(fields).encode()).hexdigest()


def _view(row: Any) -> dict[str, Any]:
    return {"id": row["id"], "at": row["at"].isoformat(), "actor_role": row["actor_role"], "actor": row["actor"],
            "channel": row["channel"], "action": row["action"], "resource": row["resource"],
            "target": json.loads(row["target"]), "enterprise_id": row["enterprise_id"],
            "status": row["status"]}  # fmt: skip
