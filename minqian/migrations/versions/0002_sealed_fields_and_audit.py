"""Seal sensitive fields and add the append-only audit log.

Sealed values are longer than the names they hold, so the VARCHAR columns
that become sealed turn into TEXT (SQLite does not enforce declared lengths,
so it keeps its columns). Values already stored are sealed here, with the
keyring of the engine that runs the migration.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from minqian.audit import install_append_only_guard
from minqian.database import UtcDateTime
from minqian.security import reseal_connection, unseal_connection

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WIDENED = (
    ("workers", "name", 100, False), ("hazard_reports", "location", 200, False),
    ("inspection_records", "inspector_name", 100, False), ("inspection_records", "inspector_signature", 100, True),
    ("inspection_records", "enterprise_signature", 100, True),
)  # fmt: skip


SEALED = (
    "workers.name", "patrol_checkins.note", "hazard_reports.description", "hazard_reports.location",
    "hazard_report_events.note", "enterprise_reports.value", "enforcement_records.description",
    "inspection_records.inspector_name", "inspection_records.inspector_signature",
    "inspection_records.enterprise_signature", "inspection_findings.description", "record_amendments.reason",
    "record_amendments.changes",
)  # fmt: skip


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for table, column, length, nullable in WIDENED:
            op.alter_column(table, column, type_=sa.Text(), existing_type=sa.String(length), existing_nullable=nullable)
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.Column("actor_role", sa.String(20), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("resource", sa.String(200), nullable=False),
        sa.Column("target", sa.Text, nullable=False),
        sa.Column("enterprise_id", sa.String(64), nullable=True),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_audit_events_enterprise_id", "audit_events", ["enterprise_id"])
    op.create_index("ix_audit_events_actor", "audit_events", ["actor", "at"])
    install_append_only_guard(bind)
    reseal_connection(bind, SEALED)


def downgrade() -> None:
    bind = op.get_bind()
    unseal_connection(bind, SEALED)
    op.drop_table("audit_events")
    if bind.dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS minqian_audit_append_only()")
        for table, column, length, nullable in WIDENED:
            op.alter_column(table, column, type_=sa.String(length), existing_type=sa.Text(), existing_nullable=nullable)
