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
from dataclasses import dataclass

from sqlalchemy import Column, Connection, Engine, Table, Text, select, type_coerce, update

from minqian.database import RECORD_MODULES, metadata
from minqian.sealing import Keyring, SealedText, is_sealed, key_id_of, keyring_of

logger = logging.getLogger(__name__)


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


def reseal_connection(connection: Connection) -> int:
    """Reseal inside one open transaction (the migration that introduced sealing)."""
    total = 0
    for sealed in sealed_columns():
        while (done := _reseal_batch(connection, sealed, 1000)) == 1000:
            total += done
        total += done
    return total


def unseal_connection(connection: Connection) -> int:
    """Write every sealed value back as plaintext (downgrading past sealing)."""
    keyring = keyring_of(connection.dialect)
    opened = 0
    for sealed in sealed_columns():
        pk = _primary_key(sealed.table)
        rows = connection.execute(select(pk, _raw(sealed)).where(sealed.column.is_not(None))).all()
        for key, raw in rows:
            if is_sealed(raw):
                plain = keyring.open(raw, sealed.name)
                connection.execute(update(sealed.table).where(pk == key).values({sealed.column.name: type_coerce(plain, Text)}))
                opened += 1
    return opened


def _reseal_batch(connection: Connection, sealed: SealedColumn, batch: int) -> int:
    keyring: Keyring = keyring_of(connection.dialect)
    current_prefix = f"mqenc1:{keyring.current}:"
    pk = _primary_key(sealed.table)
    raw = _raw(sealed)
    stale = connection.execute(
        select(pk, raw).where(sealed.column.is_not(None), ~raw.startswith(current_prefix, autoescape=True)).limit(batch)
    ).all()
    for key, value in stale:
        plain = keyring.open(value, sealed.name) if is_sealed(value) else value
        # SealedText seals the plaintext on bind; the raw comparison makes the
        # update a no-op if the service changed the value since it was read.
        connection.execute(update(sealed.table).where(pk == key, raw == value).values({sealed.column.name: plain}))
    return len(stale)


def _raw(sealed: SealedColumn):  # type: ignore[no-untyped-def]
    """The column as stored, without opening it."""
    return type_coerce(sealed.column, Text)


def _primary_key(table: Table) -> Column[object]:
    (pk,) = table.primary_key.columns
    return pk
