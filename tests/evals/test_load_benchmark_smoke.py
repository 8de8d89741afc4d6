"""The load benchmark end to end on a tiny workload, and its figure helpers on known inputs."""

from __future__ import annotations

import json
import re
from pathlib import Path

from evals.load_benchmark import main
from evals.load_workloads import WORKLOADS, check_stream, percentile


def _chunk(delta: dict[str, str], finish: str | None = None, **extra: str) -> str:
    return json.dumps({"choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra})


def test_percentiles_interpolate_and_streams_are_checked() -> None:
    assert percentile([40.0, 10.0, 30.0, 20.0], 0.5) == 25.0
    assert percentile([10.0, 20.0], 0.99) == 19.9
    assert percentile([], 0.5) != percentile([], 0.5)  # NaN
    good = [_chunk({"role": "assistant", "content": ""}), _chunk({"content": "依据《安全生产法》"}),
            _chunk({}, "stop", answer_mode="extractive"), "[DONE]"]  # fmt: skip
    assert check_stream(good) == (None, "extractive")
    assert check_stream(good[:-1])[0] == "stream without [DONE]"
    assert check_stream([good[0], good[2], "[DONE]"])[0] == "empty answer"
    assert check_stream([good[0], good[1], "[DONE]"])[0] == "stream without finish_reason"
    assert check_stream(["{not json", "[DONE]"])[0] == "malformed chunk"


def test_smoke_run_writes_well_formed_figures(small_corpus: Path, embedding_cache: Path, tmp_path: Path) -> None:
    report = tmp_path / "reports" / "load.md"
    code = main(["--corpus", str(small_corpus), "--laws", "none", "--no-project-corpus", "--no-ui",
                 "--concurrency", "2", "--requests", "2", "--embedding-cache", str(embedding_cache),
                 "--report", str(report)])  # fmt: skip
    text = report.read_text(encoding="utf-8")
    assert code == 0, text
    assert "## embedded (Milvus Lite file, SQLite)" in text and "PostgreSQL" not in text.split("## What")[0]
    assert "Knowledge base: 2 instruments" in text and "Tracebacks in the server log: 0." in text

    rows = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if cells[0] in WORKLOADS:
            rows[(cells[0], int(cells[1]))] = cells
    assert set(rows) == {(w, c) for w in WORKLOADS for c in (1, 2)}, text
    for (workload, concurrency), cells in rows.items():
        requests, errors, throughput = int(cells[2]), cells[3], float(cells[4])
        p50, p95, p99 = (float(c.replace(",", "")) for c in cells[6:9])
        assert (requests, errors) == (2, "0"), cells
        assert throughput > 0 and 0 < p50 <= p95 <= p99, cells
        assert cells[5] == "1.00×" if concurrency == 1 else cells[5].endswith("×"), cells
        if workload == "chat-stream":
            first_p50, first_p95 = (float(c.replace(",", "")) for c in cells[9].split(" / "))
            assert 0 < first_p50 <= first_p95 and first_p50 <= p99, cells
        server_cores, milvus_cores, client_cores = cells[10].split(" / ")
        assert float(server_cores) > 0 and milvus_cores == "–" and float(client_cores) > 0, cells
        server_rss, client_rss = float(cells[11]), float(cells[13])
        assert server_rss > 50 and client_rss > 20, cells  # a real process was measured, not a missing /proc entry
    modes = next(line for line in text.splitlines() if line.startswith("Answer modes"))
    # 2 requests × 2 levels × 2 chat workloads; the warm-up turns are not counted.
    assert sum(int(n) for n in re.findall(r" (\d+)", modes)) == 8, modes
