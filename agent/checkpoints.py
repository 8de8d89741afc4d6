"""Where conversations persist: SQLite by default, PostgreSQL by URL."""

from __future__ import annotations

import sqlite3
import time
from contextlib import ExitStack
from typing import Any

from minqian.errors import ConfigurationError
from minqian.settings import Settings


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
        saver = SqliteSaver(connection)
        saver.setup()
        return saver
    if url.startswith("postgresql"):
        from langgraph.checkpoint.postgres import PostgresSaver

        from minqian.database import CHECKPOINT_LOCK_KEY

        conninfo = url.replace("postgresql+psycopg://", "postgresql://", 1)
        saver = stack.enter_context(PostgresSaver.from_conn_string(conninfo))
        # setup() reads the last migration, then inserts the next ones; workers
        # started together would insert the same version, so they take turns.
        # Polling, not pg_advisory_lock: a session blocked in that call holds a
        # snapshot, which the holder's CREATE INDEX CONCURRENTLY waits on (deadlock).
        while not saver.conn.execute("SELECT pg_try_advisory_lock(%s) AS taken",
                                     (CHECKPOINT_LOCK_KEY,)).fetchone()["taken"]:  # fmt: skip
            time.sleep(0.1)
        try:
            saver.setup()
        finally:
            saver.conn.execute("SELECT pg_advisory_unlock(%s)", (CHECKPOINT_LOCK_KEY,))
        return saver
    raise ConfigurationError(
        f"MINQIAN_DATABASE__URL must start with sqlite or postgresql; got {url.split(':')[0]!r}"
    )
