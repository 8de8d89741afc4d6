"""Milvus Lite data survives the process that wrote it."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import needs_shared

pytestmark = needs_shared


def test_index_survives_a_process_restart(small_corpus, subprocess_env, tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = dict(subprocess_env, MINQIAN_DATA_DIR=str(tmp_path / "data"),
               MINQIAN_CORPUS_PATHS=str(small_corpus))  # fmt: skip
    cli = [sys.executable, "-m", "minqian.cli"]
    ingest = subprocess.run([*cli, "ingest"], env=env, capture_output=True, text=True, timeout=600)
    assert ingest.returncode == 0, ingest.stderr
    assert "文档 2 份（新增 2" in ingest.stdout

    # A new process opens the same directory and finds every row.
    found = subprocess.run(
        [*cli, "search", "--json", "--top-k", "3", "安全生产许可证的有效期"],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert found.returncode == 0, found.stderr
    hits = json.loads(found.stdout)
    assert hits[0]["title"] == "安全生产许可证条例" and hits[0]["article"] == "第九条"
    assert {"title", "article", "text", "score", "category", "status", "effective_date"} <= set(hits[0])
