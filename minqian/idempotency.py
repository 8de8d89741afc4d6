"""Idempotency keys: a write retried with the same key is stored once and answered the same.

A client whose response was lost (timeout, a proxy or the API restarted)
cannot know whether its write landed. Sent with ``Idempotency-Key``, the
retry is matched to the first attempt: a finished attempt's response is
replayed, one still running gets 409, a different request under the same
key gets 422. Keys belong to the caller (a hash of its credential), so one
caller cannot replay another's responses, and are kept for a day.

Known gap: the record and its write are separate transactions. A process
killed after the write committed and before the response was stored leaves
a pending record; after PENDING_TIMEOUT it counts as abandoned and the retry
runs again, which can store the write twice. Writing both in one transaction
(each service taking the key) is the better version.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from sqlalchemy import Column, Engine, Integer, PrimaryKeyConstraint, String, Table, delete, select, update
from sqlalchemy.exc import IntegrityError

from minqian.database import UtcDateTime, metadata
from minqian.sealing import SealedText

KEPT_FOR = timedelta(hours=24)
PENDING_TIMEOUT = timedelta(seconds=60)

idempotency_records = Table(
    "idempotency_records",
    metadata,
    Column("owner", String(64), nullable=False),  # SHA-256 of the caller's credential
    Column("key", String(100), nullable=False),
    Column("fingerprint", String(64), nullable=False),  # SHA-256 of method, path, query and body
    Column("status", Integer, nullable=True),  # None while the first attempt runs
    Column("body", SealedText("idempotency_records.body"), nullable=True),  # responses may carry names
    Column("media_type", String(100), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("owner", "key"),
)


@dataclass(frozen=True)
class Attempt:
    outcome: Literal["new", "replay", "running", "mismatch"]
    status: int | None = None
    body: str | None = None
    media_type: str | None = None


class IdempotencyStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def begin(self, owner: str, key: str, fingerprint: str) -> Attempt:
        """Claim the key for this request, or say what the earlier attempt came to."""
        now = datetime.now(UTC)
        table = idempotency_records
        for _ in range(2):
            try:
                with self._engine.begin() as connection:
                    connection.execute(table.insert().values(owner=owner, key=key, fingerprint=fingerprint,
                                                             created_at=now))  # fmt: skip
                return Attempt("new")
            except IntegrityError:
                pass
            with self._engine.begin() as connection:
                row = connection.execute(select(table).where(table.c.owner == owner, table.c.key == key)).first()
                if row is None:
                    continue  # released between our insert and this read: claim again
                if row.fingerprint != fingerprint:
                    return Attempt("mismatch")
                if row.status is not None:
                    return Attempt("replay", row.status, row.body, row.media_type)
                if now - row.created_at < PENDING_TIMEOUT:
                    return Attempt("running")
                # The first attempt's process died while it ran: let this one run.
                taken = connection.execute(update(table).where(
                    table.c.owner == owner, table.c.key == key, table.c.status.is_(None),
                    table.c.created_at == row.created_at).values(created_at=now))  # fmt: skip
                return Attempt("new") if taken.rowcount == 1 else Attempt("running")
        return Attempt("running")

    def finish(self, owner: str, key: str, status: int, body: str, media_type: str | None) -> None:
        with self._engine.begin() as connection:
            connection.execute(update(idempotency_records).where(
                idempotency_records.c.owner == owner, idempotency_records.c.key == key,
            ).values(status=status, body=body, media_type=media_type))  # fmt: skip

    def release(self, owner: str, key: str) -> None:
        """Forget an attempt that failed on our side (5xx), so a retry runs again."""
        with self._engine.begin() as connection:
            connection.execute(delete(idempotency_records).where(
                idempotency_records.c.owner == owner, idempotency_records.c.key == key))  # fmt: skip

    def purge(self) -> int:
        with self._engine.begin() as connection:
            cutoff = datetime.now(UTC) - KEPT_FOR
            return connection.execute(delete(idempotency_records).where(
                idempotency_records.c.created_at < cutoff)).rowcount  # fmt: skip


def fingerprint(method: str, path: str, query: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query.encode(), body):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()
