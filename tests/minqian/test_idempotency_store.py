"""The idempotency store's states on SQLite and PostgreSQL, and its concurrency."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import Engine, text

from minqian.idempotency import IdempotencyStore


def test_claim_replay_mismatch_and_release(engine: Engine) -> None:
    store = IdempotencyStore(engine)
    assert store.begin("owner", "k-1", "f-1").outcome == "new"
    assert store.begin("owner", "k-1", "f-1").outcome == "running"
    assert store.begin("owner", "k-1", "f-2").outcome == "mismatch"
    assert store.begin("someone-else", "k-1", "f-1").outcome == "new"  # keys are per caller
    store.finish("owner", "k-1", 201, '{"id": "w-1", "name": "王芳"}', "application/json")
    replay = store.begin("owner", "k-1", "f-1")
    assert (replay.outcome, replay.status, replay.body) == ("replay", 201, '{"id": "w-1", "name": "王芳"}')
    with engine.connect() as connection:  # the stored answer is sealed like the record it names
        stored = connection.execute(text("SELECT body FROM idempotency_records WHERE key = 'k-1' AND owner = 'owner'"))
        assert "王芳" not in stored.scalar()
    store.release("someone-else", "k-1")
    assert store.begin("someone-else", "k-1", "f-1").outcome == "new"
    assert store.purge() == 0  # nothing is a day old


def test_one_of_many_concurrent_claims_wins(engine: Engine) -> None:
    store = IdempotencyStore(engine)
    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(lambda _: store.begin("owner", "race", "f").outcome, range(16)))
    assert outcomes.count("new") == 1 and set(outcomes) == {"new", "running"}
