"""Operations on sealed fields: which columns are sealed, key usage, resealing.

Key rotation: put a new key first in the keyring (``minqian security
rotate`` does it for a key file; with MINQIAN_SECURITY__DATA_KEYS the
operator prepends it), restart, then ``minqian security reseal`` rewrites
every value not yet under the current key. Each batch is its own
transaction and each update only applies if the value is still the one that
was read, so a reseal can run beside the live service, be interrupted and be
run again; until it finishes both keys are needed. ``status`` shows how many
values each key still holds, so the old key is dropped only at zero.
"""

from __future__ import annotations

import importlib
import logging
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, ColumnElement, Connection, Engine, String, Table, Text, select, type_coerce, update

from minqian.database import RECORD_MODULES, UtcDateTime, metadata
from minqian.errors import ConfigurationError
from minqian.sealing import DIALECT_ATTRIBUTE, Keyring, SealedText, SealError, is_sealed, key_id_of, keyring_of

logger = logging.getLogger(__name__)

# One value sealed under each key id the database has seen. Two processes
# that each made their own "k1" (no shared MINQIAN_SECURITY__DATA_KEYS) would
# otherwise both write, and neither could read the other's records.
data_key_checks = Table(
    "data_key_checks",
    metadata,
    Column("key_id", String(16), primary_key=True),
    Column("sealed", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)
CHECK_CONTEXT = "data_key_checks"
CHECK_TEXT = "minqian data key check"


@dataclass(frozen=True)
class SealedColumn:
    table: Table
    column: Column[str]

    @property
    def name(self) -> str:
        return f"{self.table.name}.{self.column.name}"


def sealed_columns() -> list[SealedColumn]:
    for module in RECORD_MODULES:
        importlib.import_module(module)
    return [SealedColumn(t, c) for t in metadata.sorted_tables for c in t.columns if isinstance(c.type, SealedText)]


def check_keyring(connection: Connection) -> None:
    """Refuse a keyring whose keys differ from those that sealed this database."""
    keyring = getattr(connection.dialect, DIALECT_ATTRIBUTE, None)
    if keyring is None:
        return
    known = dict(connection.execute(select(data_key_checks.c.key_id, data_key_checks.c.sealed)).tuples().all())
    for key_id in keyring.keys:
        if key_id not in known:
            connection.execute(data_key_checks.insert().values(
                key_id=key_id, sealed=keyring.seal(CHECK_TEXT, CHECK_CONTEXT, key_id), created_at=datetime.now(UTC)))
            continue
        try:
            keyring.open(known[key_id], CHECK_CONTEXT)
        except SealError as exc:
            raise ConfigurationError(
                f"data key {key_id!r} is not the key {key_id!r} that sealed this database; every process "
                "needs the same MINQIAN_SECURITY__DATA_KEYS (or the same data_keys file)"
            ) from exc


def key_usage(engine: Engine) -> dict[str, Counter[str]]:
    """Per sealed column: how many values each key holds ("plaintext" for unsealed ones)."""
    usage: dict[str, Counter[str]] = {}
    with engine.connect() as connection:
        for sealed in sealed_columns():
            counts: Counter[str] = Counter()
            for raw in connection.execute(select(_raw(sealed)).where(sealed.column.is_not(None))).scalars():
                counts[key_id_of(raw) or "plaintext"] += 1
            usage[sealed.name] = counts
    return usage


def reseal(engine: Engine, batch: int = 500) -> int:
    """Seal every value that is plaintext or under an older key; returns how many changed."""
    changed = 0
    for sealed in sealed_columns():
        while True:
            with engine.begin() as connection:
                done = _reseal_batch(connection, sealed, batch)
            changed += done
            if done < batch:
                break
    logger.info("resealed %d values", changed)
    return changed


def reseal_connection(connection: Connection, names: Collection[str]) -> int:
    """Reseal these columns inside one open transaction (migrations that introduce sealing).

    A migration names its own columns: the columns sealed in the current code
    may not yet fit sealed values at that revision.
    """
    total = 0
    for sealed in _named(names):
        while (done := _reseal_batch(connection, sealed, 1000)) == 1000:
            total += done
        total += done
    return total


def unseal_connection(connection: Connection, names: Collection[str]) -> int:
    """Write these columns' sealed values back as plaintext (downgrading past sealing)."""
    keyring = keyring_of(connection.dialect)
    opened = 0
    for sealed in _named(names):
        keys = list(sealed.table.primary_key.columns)
        rows = connection.execute(select(*keys, _raw(sealed)).where(sealed.column.is_not(None))).all()
        for *key, raw in rows:
            if is_sealed(raw):
                plain = {sealed.column.name: type_coerce(keyring.open(raw, sealed.name), Text)}
                connection.execute(update(sealed.table).where(*_matching(keys, key)).values(plain))
                opened += 1
    return opened


def _named(names: Collection[str]) -> list[SealedColumn]:
    known = {c.name: c for c in sealed_columns()}
    return [known[name] for name in names]


def _reseal_batch(connection: Connection, sealed: SealedColumn, batch: int) -> int:
    keyring: Keyring = keyring_of(connection.dialect)
    current_prefix = f"mqenc1:{keyring.current}:"
    keys = list(sealed.table.primary_key.columns)
    raw = _raw(sealed)
    stale = connection.execute(
        select(*keys, raw).where(sealed.column.is_not(None), ~raw.startswith(current_prefix, autoescape=True))
        .limit(batch)
    ).all()
    for *key, value in stale:
        plain = keyring.open(value, sealed.name) if is_sealed(value) else value
        # SealedText seals the plaintext on bind; the raw comparison makes the
        # update a no-op if the service changed the value since it was read.
        connection.execute(update(sealed.table).where(*_matching(keys, key), raw == value)
                           .values({sealed.column.name: plain}))  # fmt: skip
    return len(stale)


def _raw(sealed: SealedColumn):  # type: ignore[no-untyped-def]
    """The column as stored, without opening it."""
    return type_coerce(sealed.column, Text)


def _matching(columns: list[Column[Any]], values: list[Any]) -> list[ColumnElement[bool]]:
    return [column == value for column, value in zip(columns, values, strict=True)]
