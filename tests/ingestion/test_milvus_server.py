"""The same code against a Milvus server by URI (a `milvus-lite server` process)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from minqian.components import open_knowledge_base, open_pipeline
from tests.conftest import needs_shared

pytestmark = needs_shared


@pytest.fixture
def milvus_uri(tmp_path: Path) -> Iterator[str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server_bin = shutil.which("milvus-lite", path=str(Path(sys.executable).parent))
    assert server_bin, "milvus-lite command not installed beside the interpreter"
    process = subprocess.Popen(
        [server_bin, "server", "--data-dir", str(tmp_path / "milvus-server"),
         "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.2)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=30)


def test_ingest_and_search_through_a_milvus_server_uri(make_settings, small_corpus, milvus_uri) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(corpus_paths=[small_corpus], vector_store={"uri": milvus_uri})
    pipeline = open_pipeline(settings)
    report = pipeline.run()
    pipeline.index.close()
    assert report.clauses == 59

    kb = open_knowledge_base(settings)
    try:
        hits = kb.retriever.search("安全生产许可证有效期几年", 3)
        assert (hits[0].clause["title"], hits[0].clause["article_label"]) == ("安全生产许可证条例", "第九条")
        assert kb.index.uri == milvus_uri
    finally:
        kb.close()
