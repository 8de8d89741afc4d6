from __future__ import annotations

from pathlib import Path

from ingestion.tokens import count_tokens, seed_tiktoken_cache


def test_tiktoken_counts_offline_from_the_packaged_encoding(tmp_path: Path) -> None:
    cache = seed_tiktoken_cache(tmp_path / "tiktoken")
    assert (cache / "9b5ad71b2ce5302211f9c61530b329a4922fc6a4").stat().st_size > 1_000_000
    assert count_tokens("") == 0
    assert 10 < count_tokens("生产经营单位的主要负责人对本单位安全生产工作负有下列职责") < 60
