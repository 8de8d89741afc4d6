"""Exact citation lookup against a real index of four shared instruments."""

from __future__ import annotations

import pytest

from agent.citations import find_references, lookup, nearest_articles, parse_reference
from minqian.errors import CitationNotFound
from tests.conftest import needs_shared

pytestmark = needs_shared


def _cite(kb, text: str):  # type: ignore[no-untyped-def]
    return lookup(parse_reference(text, kb.catalog), kb.catalog, kb.index)


@pytest.mark.parametrize(
    "reference",
    ["《中华人民共和国安全生产法》第二十一条", "《安全生产法》第二十一条", "安全生产法第21条",
     "安全生产法 第 21 条", "请问安全生产法的第二十一条怎么规定"],
)  # fmt: skip
def test_citation_forms_resolve_to_the_same_article(shared_kb, reference: str) -> None:  # type: ignore[no-untyped-def]
    article = _cite(shared_kb, reference)
    assert article.citation == "《中华人民共和国安全生产法》第二十一条"
    assert article.text.startswith("生产经营单位的主要负责人对本单位安全生产工作负有下列职责")
    assert "（七）及时、如实报告生产安全事故。" in article.text


def test_citation_by_alias_from_aliases_file(shared_kb) -> None:  # type: ignore[no-untyped-def]
    article = _cite(shared_kb, "危化品条例第二十四条")
    assert article.entry.title == "危险化学品安全管理条例"
    assert article.article_label == "第二十四条"


def test_citation_of_a_paragraph_returns_that_paragraph(shared_kb) -> None:  # type: ignore[no-untyped-def]
    whole = _cite(shared_kb, "《生产安全事故应急条例》第八条")
    second = _cite(shared_kb, "《生产安全事故应急条例》第八条第二款")
    assert second.citation == "《生产安全事故应急条例》第八条第二款"
    assert second.text == whole.text.split("\n")[1]
    with pytest.raises(CitationNotFound, match="只有 3 款，没有第九款"):
        _cite(shared_kb, "《生产安全事故应急条例》第八条第九款")


def test_long_articles_are_reassembled_from_their_parts(shared_kb) -> None:  # type: ignore[no-untyped-def]
    rows = shared_kb.index.query('title == "危险化学品安全管理条例" and paragraph_first > 0')
    assert rows, "the regulation has articles long enough to be split"
    label = rows[0]["article_label"]
    article = _cite(shared_kb, f"《危险化学品安全管理条例》{label}")
    assert len(article.parts) > 1
    assert all(part["text"] in article.text for part in article.parts)


def test_missing_article_says_so_and_offers_neighbours(shared_kb) -> None:  # type: ignore[no-untyped-def]
    ref = parse_reference("《生产安全事故应急条例》第九十条", shared_kb.catalog)
    with pytest.raises(CitationNotFound, match="没有第九十条（共 35 条）"):
        lookup(ref, shared_kb.catalog, shared_kb.index)
    near = nearest_articles(parse_reference("应急条例第36条", shared_kb.catalog), shared_kb.catalog,
                            shared_kb.index)  # fmt: skip
    assert [r["article_label"] for r in near][:2] == ["第三十五条", "第三十四条"]


def test_unknown_instrument_is_not_found(shared_kb) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CitationNotFound, match="知识库中没有《不存在条例》"):
        _cite(shared_kb, "《不存在条例》第一条")
    with pytest.raises(CitationNotFound, match="没有条文编号"):
        parse_reference("安全生产法", shared_kb.catalog)


def test_references_found_in_running_text(shared_kb) -> None:  # type: ignore[no-untyped-def]
    text = "依照《安全生产法》第二十一条和安全生产许可证条例第九条，以及第十条。"
    refs = find_references(text, shared_kb.catalog)
    assert [(r.name, r.article_no) for r in refs] == [("安全生产法", 21), ("安全生产许可证条例", 9)]
