"""Incremental ingestion against a real Milvus Lite directory."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from minqian.components import open_pipeline
from tests.conftest import SHARED_LAWS, needs_shared

pytestmark = needs_shared


def _run(settings, *paths: Path):  # type: ignore[no-untyped-def]
    pipeline = open_pipeline(settings)
    try:
        report = pipeline.run(paths)
        rows = pipeline.index.query("article_no >= 0", limit=5000)
        return report, rows
    finally:
        pipeline.index.close()
        pipeline.embedder.close()


def test_ingest_is_idempotent_and_embeds_nothing_the_second_time(make_settings, small_corpus):  # type: ignore[no-untyped-def]
    settings = make_settings(corpus_paths=[small_corpus])
    first, rows = _run(settings)
    assert (first.documents, first.added, first.articles) == (2, 2, 59)
    assert len(rows) == first.clauses == 59

    second, rows_again = _run(settings)
    assert (second.added, second.updated, second.unchanged, second.removed) == (0, 0, 2, 0)
    assert second.embedded == 0
    assert sorted(r["id"] for r in rows_again) == sorted(r["id"] for r in rows)


def test_ingest_replaces_an_amended_version_and_drops_repealed_articles(make_settings, small_corpus, tmp_path):  # type: ignore[no-untyped-def]
    # A cache of its own: the shared one may already hold the amended text from another run.
    settings = make_settings(corpus_paths=[small_corpus], embedder={"cache_path": str(tmp_path / "own-cache.sqlite")})
    _run(settings)
    path = small_corpus / "安全生产许可证条例.md"
    text = path.read_text(encoding="utf-8")
    amended = text.replace("安全生产许可证的有效期为3年", "安全生产许可证的有效期为5年")
    # Repeal the last article (第二十四条) in the amended version.
    amended = amended[: amended.rindex("第二十四条")]
    path.write_text(amended, encoding="utf-8")

    report, rows = _run(settings)
    assert (report.updated, report.unchanged, report.embedded) == (1, 1, 1)
    permit = [r for r in rows if r["title"] == "安全生产许可证条例"]
    assert len(permit) == 23
    ninth = next(r for r in permit if r["article_label"] == "第九条")
    assert ninth["text"].startswith("安全生产许可证的有效期为5年")
    assert not any(r["article_label"] == "第二十四条" for r in permit)


def test_ingest_removes_documents_that_are_gone(make_settings, small_corpus):  # type: ignore[no-untyped-def]
    settings = make_settings(corpus_paths=[small_corpus])
    _run(settings)
    (small_corpus / "安全生产许可证条例.md").unlink()
    report, rows = _run(settings)
    assert report.removed == 1
    assert {r["title"] for r in rows} == {"生产安全事故应急条例"}


def test_broken_file_is_reported_and_skipped_while_the_rest_ingest(make_settings, small_corpus):  # type: ignore[no-untyped-def]
    (small_corpus / "坏文件.txt").write_bytes(b"\xff\xfe\xfa broken")
    (small_corpus / "坏文件.pdf").write_bytes(b"%PDF-1.4 nothing")
    report, rows = _run(make_settings(corpus_paths=[small_corpus]))
    assert report.documents == 2 and len(rows) == 59
    reasons = dict(report.skipped)
    assert "不是 UTF-8 编码的文本" in reasons[str(small_corpus / "坏文件.txt")]
    assert "没有可读取的文字" in reasons[str(small_corpus / "坏文件.pdf")]
    assert "跳过 2 个文件" in report.summary()


def test_a_file_that_breaks_later_keeps_its_indexed_version(make_settings, small_corpus):  # type: ignore[no-untyped-def]
    settings = make_settings(corpus_paths=[small_corpus])
    _run(settings)
    (small_corpus / "安全生产许可证条例.md").write_bytes(b"\xff\xfe broken now")
    report, rows = _run(settings)
    assert report.removed == 0 and len(report.skipped) == 1
    assert len(rows) == 59


def test_same_instrument_from_two_sources_is_indexed_once(make_settings, tmp_path):  # type: ignore[no-untyped-def]
    # The packaged database holds 矿山安全法 too; the folder copy has the same
    # amendment date, so 'newest' keeps the folder copy and 'packaged' the other.
    folder = tmp_path / "mine"
    folder.mkdir()
    shutil.copyfile(SHARED_LAWS / "中华人民共和国矿山安全法.md", folder / "矿山安全法.md")
    laws = {"selection": "safety"}
    settings = make_settings(corpus_paths=[folder], laws=laws)
    settings.laws.extra_titles = []
    # Only 矿山安全法 from the database, to keep the test small.
    import minqian.settings as settings_module

    original = settings_module.SAFETY_LAW_TITLES
    try:
        settings_module.SAFETY_LAW_TITLES = ("中华人民共和国矿山安全法",)
        import ingestion.packaged_laws as packaged

        packaged.SAFETY_LAW_TITLES = settings_module.SAFETY_LAW_TITLES
        report, rows = _run(settings)
        assert report.documents == 1
        assert {r["source_kind"] for r in rows} == {"folder"}
        assert len(rows) == 50

        settings.ingestion.preferred_source = "packaged"
        report, rows = _run(settings)
        assert report.updated == 1
        assert {r["source_kind"] for r in rows} == {"packaged"}
        assert len({r["article_label"] for r in rows}) == len(rows) == 50
    finally:
        settings_module.SAFETY_LAW_TITLES = original
        packaged.SAFETY_LAW_TITLES = original


def test_killed_run_leaves_a_consistent_index_and_the_next_run_completes_it(
    make_settings, small_corpus, subprocess_env, tmp_path  # type: ignore[no-untyped-def]
) -> None:
    for name in ("危险化学品安全管理条例.md", "生产安全事故报告和调查处理条例.md"):
        shutil.copyfile(SHARED_LAWS / name, small_corpus / name)
    data_dir = tmp_path / "killed"
    env = dict(subprocess_env, MINQIAN_DATA_DIR=str(data_dir), MINQIAN_CORPUS_PATHS=str(small_corpus),
               MINQIAN_EMBEDDER__CACHE_PATH=str(tmp_path / "fresh-cache.sqlite"))  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-m", "minqian.cli", "ingest"], env=env,
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    # Kill it right after the first document is written, in the middle of the run.
    assert process.stderr is not None
    deadline = time.monotonic() + 240
    for line in process.stderr:
        if "ingested document" in line or time.monotonic() > deadline:
            break
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    process.stderr.close()

    settings = make_settings(data_dir=data_dir, corpus_paths=[small_corpus])
    report, rows = _run(settings)
    assert report.documents == 4
    assert report.added + report.updated >= 3  # the killed run finished at most one
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)) == report.clauses
    per_title = {t: sum(1 for r in rows if r["title"] == t) for t in {r["title"] for r in rows}}
    assert per_title == {"安全生产许可证条例": 24, "生产安全事故应急条例": 35,
                         "危险化学品安全管理条例": 106, "生产安全事故报告和调查处理条例": 46}  # fmt: skip
