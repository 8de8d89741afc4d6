"""Who started each conversation, so that only they can continue or read it.

A conversation id travels in requests (X-Conversation-Id, the console's
session); without an owner, anyone who learned an id could resume another
caller's guided dialogue or read its history.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Column, Engine, String, Table, select
from sqlalchemy.exc import IntegrityError

from minqian.access import Principal
from minqian.database import UtcDateTime, metadata
from minqian.errors import AccessDenied

NOT_YOURS = "该会话由其他账号发起，无权继续或查看；请开始新的会话"

conversations = Table(
    "conversations",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("owner", String(64), nullable=False),  # the principal's subject: key or worker id
    Column("owner_role", String(20), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)


class ConversationRegistry:
    """Claim a conversation for its first caller; refuse everyone else."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def claim(self, conversation_id: str, principal: Principal) -> None:
        """Record the owner of a new conversation, or check the caller is that owner."""
        owner = self.owner(conversation_id)
        if owner is None:
            try:
                with self._engine.begin() as connection:
                    connection.execute(conversations.insert().values(
                        id=conversation_id, owner=principal.subject, owner_role=principal.role,
                        created_at=datetime.now(UTC)))  # fmt: skip
                return
            except IntegrityError:
                # Two first turns raced on two processes; the one that won owns it.
                owner = self.owner(conversation_id)
        if owner != principal.subject:
            raise AccessDenied(NOT_YOURS)

    def require_owner(self, conversation_id: str, principal: Principal) -> None:
        """Refuse anyone but the owner; a conversation nobody claimed yet is open."""
        owner = self.owner(conversation_id)
        if owner is not None and owner != principal.subject:
            raise AccessDenied(NOT_YOURS)

    def owner(self, conversation_id: str) -> str | None:
        with self._engine.connect() as connection:
            query = select(conversations.c.owner).where(conversations.c.id == conversation_id)
            return connection.execute(query).scalar()
