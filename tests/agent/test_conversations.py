"""Conversations persist in the checkpointer and survive a restart (SQLite and PostgreSQL)."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import pytest

from agent.checkpoints import open_checkpointer
from agent.service import AssistantService
from tests.conftest import needs_shared

pytestmark = needs_shared


@pytest.fixture(params=["sqlite", "postgresql"])
def conversation_settings(request: pytest.FixtureRequest, shared_kb, tmp_path: Path):  # type: ignore[no-untyped-def]
    url = None if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    settings = shared_kb.settings.model_copy(update={"data_dir": tmp_path})
    settings.database = settings.database.model_copy(update={"url": url})
    return settings


def test_follow_up_survives_a_restart(shared_kb, conversation_settings) -> None:  # type: ignore[no-untyped-def]
    with ExitStack() as stack:
        first = AssistantService(shared_kb, conversation_settings,
                                 open_checkpointer(conversation_settings, stack))  # fmt: skip
        opening = first.ask("发现事故隐患要怎么处理？")

    # A new service (as after a restart) finds the conversation by its id.
    with ExitStack() as stack:
        second = AssistantService(shared_kb, conversation_settings,
                                  open_checkpointer(conversation_settings, stack))  # fmt: skip
        follow = second.ask("那不整改呢？罚多少？", opening.conversation_id)
        history = second.history(opening.conversation_id)

    assert follow.question == "发现事故隐患要怎么处理？ 那不整改呢？罚多少？"
    assert "《中华人民共和国安全生产法》第一百零二条" in [c["citation"] for c in follow.citations]
    assert [m["role"] for m in history] == ["user", "assistant", "user", "assistant"]
    assert history[-1]["citations"] == follow.citations
