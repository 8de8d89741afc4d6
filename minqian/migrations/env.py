"""Alembic environment: migrations run on the connection `minqian.migrations` hands in."""

from __future__ import annotations

from alembic import context

from minqian.database import metadata

# init_schema opens the connection (and holds PostgreSQL's schema lock); a
# migration never opens its own, so it runs inside that transaction.
connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
