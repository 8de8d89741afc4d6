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


def test_checkpoints_are_sealed_at_rest(shared_kb, conversation_settings) -> None:  # type: ignore[no-untyped-def]
    import psycopg

    from minqian.sealing import Keyring, SealError

    secret = "我们车间的郑卫东师傅发现除尘器泄爆口被堵住了怎么办"
    with ExitStack() as stack:
        service = AssistantService(shared_kb, conversation_settings, open_checkpointer(conversation_settings, stack))
        turn = service.ask(secret)
    url = conversation_settings.database.url
    if url is None:
        files = conversation_settings.data_dir.glob("conversations.sqlite*")
        stored = b"".join(p.read_bytes() for p in files)
    else:
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as connection:
            rows = connection.execute("SELECT checkpoint::text, metadata::text FROM checkpoints").fetchall()
            blobs = connection.execute("SELECT blob FROM checkpoint_blobs WHERE blob IS NOT NULL").fetchall()
            writes = connection.execute("SELECT blob FROM checkpoint_writes").fetchall()
        stored = b"".join(str(r).encode() for r in rows) + b"".join(bytes(b[0]) for b in blobs + writes)
    assert len(stored) > 1000
    assert "郑卫东".encode() not in stored and "泄爆口".encode() not in stored
    assert "郑卫东".encode("unicode_escape") not in stored  # nor as JSON \\u escapes

    # The right keyring reads the conversation back; another one cannot.
    with ExitStack() as stack:
        again = AssistantService(shared_kb, conversation_settings, open_checkpointer(conversation_settings, stack))
        assert again.history(turn.conversation_id)[0]["content"] == secret
    other = conversation_settings.model_copy()
    other.security = other.security.model_copy(update={"data_keys": Keyring.generate("k9").spec()})
    with ExitStack() as stack, pytest.raises(SealError):
        AssistantService(shared_kb, other, open_checkpointer(other, stack)).history(turn.conversation_id)


def test_turns_of_different_conversations_run_together_and_one_conversation_queues(
    shared_kb, conversation_settings
) -> None:  # type: ignore[no-untyped-def]
    from concurrent.futures import ThreadPoolExecutor

    questions = ["发现事故隐患要怎么处理？", "生产经营单位的主要负责人有哪些职责？", "有限空间作业有哪些规定？",
                 "特种作业人员需要什么资格？"]  # fmt: skip
    with ExitStack() as stack:
        service = AssistantService(shared_kb, conversation_settings, open_checkpointer(conversation_settings, stack))
        shared = service.ask("安全生产许可证由谁颁发？").conversation_id
        follow_ups = ["那有效期多久？", "过期了怎么办？", "吊销后还能再申请吗？"]
        with ThreadPoolExecutor(6) as pool:
            separate = list(pool.map(service.ask, questions))
            same = list(pool.map(lambda q: service.ask(q, shared), follow_ups))
        history = service.history(shared)
    assert all(t.citations for t in separate), [t.text[:80] for t in separate]
    assert len({t.conversation_id for t in separate}) == len(questions)
    assert {t.conversation_id for t in same} == {shared}
    # Every turn of the shared conversation is there once, each answered before the next began.
    assert [m["role"] for m in history] == ["user", "assistant"] * 4
    assert sorted(m["content"] for m in history[2::2]) == sorted(follow_ups)
