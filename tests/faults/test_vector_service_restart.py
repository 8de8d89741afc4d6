"""The vector service is killed and started again under a running API process.

As deployed (docs/deployment.md): a `milvus-lite server` process holds the
index, `minqian ingest` fills it, the API reads it by MILVUS URI. The server
is killed with SIGKILL; while it is down, search, citation lookup, chat and
the readiness check answer promptly with a 503 saying in Chinese that the
knowledge base is unavailable. Started again on the same data dir and port,
it serves the same API process again: the same hits, the same answer.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import needs_shared
from tests.faults.processes import ApiServer, MilvusServer, Program, auth, make_admin_key, run_cli

pytestmark = needs_shared
QUESTION = "安全生产许可证有效期几年"
CITATION = "《安全生产许可证条例》第九条"
PROMPT_SECONDS = 15.0  # an answer during the outage must come within this
RECOVERY_SECONDS = 60


def _requests(key: str) -> dict[str, tuple[str, str, dict[str, Any]]]:
    headers = auth(key)
    chat = {"model": "minqian", "messages": [{"role": "user", "content": "安全生产许可证的有效期是几年？"}]}
    return {
        "search": ("GET", "/v1/search", {"params": {"q": QUESTION, "top_k": 3}, "headers": headers}),
        "cite": ("GET", "/v1/cite", {"params": {"ref": CITATION}, "headers": headers}),
        "chat": ("POST", "/v1/chat/completions", {"json": chat, "headers": headers}),
        "health": ("GET", "/healthz", {}),
    }


def _answers(client: httpx.Client, key: str) -> dict[str, tuple[int | None, Any, float]]:
    """Each request's status, body and seconds (status None: no HTTP answer at all)."""
    answers: dict[str, tuple[int | None, Any, float]] = {}
    for name, (method, path, options) in _requests(key).items():
        started = time.monotonic()
        try:
            response = client.request(method, path, **options)
        except httpx.TransportError as exc:
            answers[name] = (None, repr(exc), time.monotonic() - started)
            continue
        try:
            body: Any = response.json()
        except ValueError:
            body = response.text[:300]
        answers[name] = (response.status_code, body, time.monotonic() - started)
    return answers


def _served(answers: dict[str, tuple[int | None, Any, float]]) -> None:
    """What the API serves over the two regulations when the index is up."""
    assert {n: a[0] for n, a in answers.items()} == dict.fromkeys(answers, 200), answers
    top = answers["search"][1][0]
    assert (top["title"], top["article"]) == ("安全生产许可证条例", "第九条")
    assert answers["cite"][1]["citation"] == CITATION
    assert CITATION in [c["citation"] for c in answers["chat"][1]["citations"]]
    assert answers["health"][1]["clauses"] == 59


def test_search_and_chat_answer_again_after_the_vector_service_restarts(
    fault_env: dict[str, str], small_corpus: Path, tmp_path: Path, logs: Path, programs: list[Program]
) -> None:  # fmt: skip
    milvus = MilvusServer(tmp_path / "milvus", fault_env, logs)
    programs.append(milvus.start())
    env = dict(fault_env, MINQIAN_VECTOR_STORE__URI=milvus.uri, MINQIAN_CORPUS_PATHS=str(small_corpus))
    ingested = run_cli(dict(env, MINQIAN_DATA_DIR=str(tmp_path / "ingest")), "ingest")
    assert ingested.returncode == 0, f"ingest:\n{ingested.stderr[-3000:]}\n{milvus.tail()}"
    api = ApiServer(dict(env, MINQIAN_DATA_DIR=str(tmp_path / "api")), logs)
    programs.append(api.start())
    pid = api.process.pid if api.process else None
    key = make_admin_key(f"sqlite:///{tmp_path / 'api' / 'minqian.sqlite'}")

    with httpx.Client(base_url=api.url, timeout=PROMPT_SECONDS + 30) as client:
        _served(_answers(client, key))

        milvus.kill()
        down = _answers(client, key)
        context = f"{api.tail()}\n{milvus.tail()}"
        for name, (status, body, seconds) in down.items():
            assert status == 503, f"{name} with the vector service down: {status} {body}\n{context}"
            error = body["error"]
            assert error["code"] == "vector_store_unavailable" and "知识库" in error["message"], body
            assert seconds < PROMPT_SECONDS, f"{name} took {seconds:.1f}s to fail"

        milvus.start()  # the same data dir and port
        deadline = time.monotonic() + RECOVERY_SECONDS
        while (status := _answers(client, key)["search"][0]) != 200 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert status == 200, f"search did not answer again within {RECOVERY_SECONDS}s\n{api.tail()}"
        _served(_answers(client, key))
    assert api.alive and api.process and api.process.pid == pid, "the API process was restarted or died"
