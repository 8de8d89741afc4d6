"""Baseline: the schema of releases up to issue 6, made by create_all.

Databases reach it by being stamped (see minqian.migrations.bring_to_head),
so it has nothing to run.

Revision ID: 0001
Revises:
Create Date: 2026-12-03
"""

from collections.abc import Sequence

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
