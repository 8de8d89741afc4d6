"""Markdown cards: law text shown literally, metadata complete."""

from __future__ import annotations

from agent.state import CitationRecord
from ui.cards import escape_markdown, quote, render_citations, render_hits

RECORD = CitationRecord(
    title="安全生产许可证条例", article="第九条",
    text="安全生产许可证的有效期为3年。\n企业在安全生产许可证有效期内……",
    category="行政法规", status="现行有效", effective_date="2004-01-13",
    issuer="国务院", citation="《安全生产许可证条例》第九条", verified=True,
)  # fmt: skip


def test_escape_markdown_keeps_markup_and_list_numbers_literal() -> None:
    assert escape_markdown("1. 第*一*项 <b>") == "1\\. 第\\*一\\*项 \\<b\\>"
    assert escape_markdown("- 甲\n# 乙") == "\\- 甲\n\\# 乙"


def test_quote_puts_each_paragraph_in_the_block_quote() -> None:
    assert quote("第一款。\n\n第二款。") == "> 第一款。\n>\n> 第二款。"


def test_render_citations_shows_every_field_and_the_full_text() -> None:
    card = render_citations([RECORD], "extractive")

    assert card.startswith("**回答方式**：根据检索到的条文摘录")
    assert "#### 《安全生产许可证条例》第九条" in card
    assert "| 法规名称 | 安全生产许可证条例 |\n|---|---|\n| 条号 | 第九条 |" in card
    for row in ("| 类别 | 行政法规 |", "| 效力状态 | 现行有效 |", "| 施行日期 | 2004-01-13 |",
                "| 发布机关 | 国务院 |", "| 引用核验 | 已核验 |"):  # fmt: skip
        assert row in card
    assert "> 安全生产许可证的有效期为3年。\n>\n> 企业在" in card


def test_render_citations_marks_unverified_and_distinguishes_empty_states() -> None:
    unverified = render_citations([{**RECORD, "verified": False}], "llm")
    assert "| 引用核验 | 未核验，请以原文为准 |" in unverified
    assert render_citations([]).startswith("提问后")
    assert render_citations([], "capabilities") == "本轮回答没有引用条文。"


def test_render_hits_numbers_cards_with_metadata_row_and_section() -> None:
    hit = {**RECORD, "score": 0.13831, "industries": ["通用"], "path": "第二章 / 第一节"}

    cards = render_hits([hit])

    assert cards.startswith("共找到 **1** 条。")
    assert "#### 1. 《安全生产许可证条例》第九条" in cards
    row = "| 安全生产许可证条例 | 第九条 | 行政法规 | 现行有效 | 2004-01-13 | 国务院 |"
    assert row + " 通用 | 0.1383 |" in cards
    assert "所在章节：第二章 / 第一节" in cards
    assert render_hits([]).startswith("没有找到符合条件的条文")
