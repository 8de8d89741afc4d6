"""Seal what a register holds about people and the enterprise's own figures.

risk_entries.responsible names a person; risk_registers.profile is what the
enterprise reported about itself (head counts, quantities stored);
risk_codes.snapshot copies both onto the scan page.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from minqian.security import reseal_connection, unseal_connection

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


SEALED = ("risk_registers.profile", "risk_entries.responsible", "risk_codes.snapshot")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("risk_entries", "responsible", type_=sa.Text(), existing_type=sa.String(100),
                        existing_nullable=False)  # fmt: skip
    reseal_connection(op.get_bind(), SEALED)


def downgrade() -> None:
    unseal_connection(op.get_bind(), SEALED)
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("risk_entries", "responsible", type_=sa.String(100), existing_type=sa.Text(),
                        existing_nullable=False)  # fmt: skip
