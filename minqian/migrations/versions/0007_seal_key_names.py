"""Seal API key names: they usually name the person holding the key.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from minqian.security import reseal_connection, unseal_connection

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEALED = ("api_keys.name",)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("api_keys", "name", type_=sa.Text(), existing_type=sa.String(200), existing_nullable=False)
    reseal_connection(op.get_bind(), SEALED)


def downgrade() -> None:
    unseal_connection(op.get_bind(), SEALED)
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("api_keys", "name", type_=sa.String(200), existing_type=sa.Text(), existing_nullable=False)
