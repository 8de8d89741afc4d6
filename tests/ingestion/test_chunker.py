from __future__ import annotations

from ingestion.chunker import ClauseChunker, group_paragraphs, parse_articles, parse_sections
from ingestion.documents import Instrument, ParsedDocument

LAW = """# 示例安全条例

第一编 总则
## 第一章 一般规定
第一条 为了示例，制定本条例。
第二条 生产经营单位应当遵守下列规定：
（一）建立责任制；
（二）开展培训。
违反前款规定的，依照本条例第九条处罚。
### 第一节 特别规定
第二条之一 新增的条文。
第三条 单位应当做到：
1. 每日巡查；
2. 每周检查。
第二条 规定的事项由县级部门负责。
## 第二章 附则
第四条 本条例自2025年1月1日起施行。
"""


def _articles():  # type: ignore[no-untyped-def]
    return parse_articles(LAW.splitlines())


def test_chunker_reads_labels_in_order_including_suffix() -> None:
    labels = [a.label for a in _articles()]
    assert labels == ["第一条", "第二条", "第二条之一", "第三条", "第四条"]
    assert [(a.number, a.suffix) for a in _articles()][2] == (2, 1)


def test_chunker_keeps_items_with_their_paragraph() -> None:
    second = _articles()[1]
    assert second.paragraphs == [
        "生产经营单位应当遵守下列规定：\n（一）建立责任制；\n（二）开展培训。",
        "违反前款规定的，依照本条例第九条处罚。",
    ]


def test_chunker_keeps_numbered_lists_and_quoting_lines_in_the_article() -> None:
    third = _articles()[3]
    # "1." lists are not 项 but stay with their paragraph; a line that opens
    # with an earlier article's label quotes it rather than starting it.
    assert third.paragraphs == [
        "单位应当做到：\n1. 每日巡查；\n2. 每周检查。",
        "第二条 规定的事项由县级部门负责。",
    ]


def test_chunker_tracks_part_chapter_section_and_annex() -> None:
    paths = {a.label: a.path for a in _articles()}
    assert paths["第一条"] == ("第一编 总则", "第一章 一般规定")
    assert paths["第二条之一"] == ("第一编 总则", "第一章 一般规定", "第一节 特别规定")
    assert paths["第四条"] == ("第一编 总则", "第二章 附则")


def test_chunker_handles_documents_without_chapters_and_a_bare_annex() -> None:
    text = "办法\n第一条 甲。\n第二条 乙。\n附  则\n第三条 丙。"
    articles = parse_articles(text.splitlines())
    assert [a.path for a in articles] == [(), (), ("附则",)]


def test_chunker_falls_back_to_sections_when_there_are_no_articles() -> None:
    text = "GB 示例标准\n4 一般要求\n应当通风。\n4.1 检测\n作业前检测氧含量。"
    sections = parse_sections(text.splitlines(), "GB 示例标准")
    assert [s.label for s in sections] == ["4", "4.1"]
    assert sections[1].paragraphs == ["4.1 检测", "作业前检测氧含量。"]


def test_chunker_splits_long_articles_at_paragraphs_and_repeats_the_heading() -> None:
    paragraphs = [f"第{n}款的内容，" + "安全生产责任重大。" * 30 for n in range(1, 5)]
    text = "第十条 " + "\n".join(paragraphs) + "\n（一）附属的项。"
    instrument = Instrument(title="示例法", category="法律")
    document = ParsedDocument(instrument, parse_articles(text.splitlines()))
    clauses = ClauseChunker(max_tokens=300).chunk(document)

    assert len(clauses) > 1
    assert all(c.tokens <= 300 or c.paragraph_first == c.paragraph_last for c in clauses)
    assert clauses[0].paragraph_first == 1
    assert clauses[-1].paragraph_last == 4
    assert "（一）附属的项。" in clauses[-1].text  # the item stayed with its paragraph
    assert all("《示例法》" in c.heading and "第十条" in c.heading for c in clauses)
    assert len({c.clause_id for c in clauses}) == len(clauses)


def test_chunker_keeps_short_articles_whole() -> None:
    instrument = Instrument(title="示例法", category="法律")
    document = ParsedDocument(instrument, _articles())
    clauses = ClauseChunker(max_tokens=600).chunk(document)
    assert len(clauses) == 5
    assert all(c.paragraph_first == 0 for c in clauses)


def test_group_paragraphs_joins_items() -> None:
    assert group_paragraphs(["甲：", "（一）乙；", "(二)丙。", "丁。"]) == [
        "甲：\n（一）乙；\n(二)丙。",
        "丁。",
    ]
