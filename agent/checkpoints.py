"""Where conversations persist: SQLite by default, PostgreSQL by URL."""

from __future__ import annotations

import sqlite3
import time
from contextlib import ExitStack
from typing import Any

from minqian.errors import ConfigurationError
from minqian.settings import Settings


def sealed_serde(settings: Settings) -> Any:
    """LangGraph's serializer with every checkpoint blob sealed by the data keyring.

    Conversations hold what callers typed and what the tools answered
    (register entries, findings, names), so they are sealed like the records.
    Checkpoints from before sealing carry no cipher name and still load.
    """
    from langgraph.checkpoint.serde.encrypted import EncryptedSerializer

    from minqian.sealing import KeyringCipher, configured_keyring

    return _Unwrapping(EncryptedSerializer(KeyringCipher(configured_keyring(settings))))


class _AsBlob:
    """A text channel value that PostgresSaver must store as a (sealed) blob."""

    __slots__ = ("value",)

    def __init__(self, value: str) -> None:
        self.value = value


class _Unwrapping:
    """Serialises an `_AsBlob` as the text it holds, so it loads back as plain text."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def dumps_typed(self, obj: Any) -> tuple[str, bytes]:
        return self.inner.dumps_typed(obj.value if isinstance(obj, _AsBlob) else obj)

    def loads_typed(self, data: tuple[str, bytes]) -> Any:
        return self.inner.loads_typed(data)


def _sealed_postgres_saver(pool: Any, serde: Any) -> Any:
    from langgraph.checkpoint.postgres import PostgresSaver

    class SealedPostgresSaver(PostgresSaver):
        """PostgresSaver that keeps no text in the checkpoint's own JSON.

        PostgresSaver inlines str/int/bool channel values into the checkpoints
        table's JSONB, past the serializer, so the sealing serde never saw
        the user's question. Wrapped, text goes to the blob table like any
        other value; numbers, flags and None stay inline (they hold no text).
        """

        def put(self, config: Any, checkpoint: Any, metadata: Any, new_versions: Any) -> Any:
            values = {k: _AsBlob(v) if isinstance(v, str) else v for k, v in checkpoint["channel_values"].items()}
            return super().put(config, {**checkpoint, "channel_values": values}, metadata, new_versions)

    return SealedPostgresSaver(pool, serde=serde)


def open_checkpointer(settings: Settings, stack: ExitStack) -> Any:
    """A LangGraph checkpointer for the configured database; closed with `stack`."""
    url = settings.database_url
    if url.startswith("sqlite"):
        from langgraph.checkpoint.sqlite import SqliteSaver

        path = settings.data_dir / "conversations.sqlite"
        path.parent.mkdir(parents=True, exist_ok=True)
        # One connection shared by the server's worker threads; SqliteSaver
        # serialises access with its own lock.
        connection = sqlite3.connect(path, check_same_thread=False)
        stack.callback(connection.close)
        saver = SqliteSaver(connection, serde=sealed_serde(settings))
        saver.setup()
        return saver
    if url.startswith("postgresql"):
        from langgraph.checkpoint.postgres import PostgresSaver
        from psycopg.rows import dict_row
        from psycopg_pool import ConnectionPool

        from minqian.database import CHECKPOINT_LOCK_KEY

        conninfo = url.replace("postgresql+psycopg://", "postgresql://", 1)
        # A pool of checked connections, not PostgresSaver.from_conn_string's
        # single connection: after a database restart that one stayed dead and
        # every chat turn failed until the API was restarted. `check` replaces a
        # broken connection when it is taken; `timeout` bounds the wait during
        # an outage (PoolTimeout, answered 503 by api/errors.py).
        pool: ConnectionPool[Any] = ConnectionPool(
            conninfo, min_size=1, max_size=4, timeout=5, open=True, name="checkpoints",
            kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row},
            check=ConnectionPool.check_connection,
        )  # fmt: skip
        stack.callback(pool.close)
        with pool.connection() as connection:
            # setup() reads the last migration, then inserts the next ones; workers
            # started together would insert the same version, so they take turns.
            # Polling, not pg_advisory_lock: a session blocked in that call holds a
            # snapshot, which the holder's CREATE INDEX CONCURRENTLY waits on (deadlock).
            while not connection.execute("SELECT pg_try_advisory_lock(%s) AS taken",
                                         (CHECKPOINT_LOCK_KEY,)).fetchone()["taken"]:  # fmt: skip
                time.sleep(0.1)
            try:
                PostgresSaver(connection).setup()  # the lock's own session
            finally:
                connection.execute("SELECT pg_advisory_unlock(%s)", (CHECKPOINT_LOCK_KEY,))
        return _sealed_postgres_saver(pool, sealed_serde(settings))
    raise ConfigurationError(
        f"MINQIAN_DATABASE__URL must start with sqlite or postgresql; got {url.split(':')[0]!r}"
    )
