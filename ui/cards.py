"""Markdown cards for cited articles and search hits, shown in full."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from agent.state import CitationRecord

# Characters that would turn law text into Markdown markup or HTML.
_MARKUP = re.compile(r"([\\`*_\[\]<>#|~])")
# A line opening with "1." or "-" would become a list item.
_LIST_START = re.compile(r"^(\d+)([.)])|^([-+])(\s)")

MODE_LABELS: dict[str, str] = {
    "extractive": "根据检索到的条文摘录",
    "llm": "大模型撰写，引用已逐条核验",
    "fallback": "大模型不可用或未通过核验，改为条文摘录",
    "abstain": "未找到能直接回答的条文",
    "capabilities": "功能说明",
}


def escape_markdown(text: str) -> str:
    """Escape text so Markdown shows it literally."""
    lines = []
    for line in text.splitlines():
        line = _MARKUP.sub(r"\\\1", line)
        lines.append(_LIST_START.sub(r"\1\\\2\3\4", line))
    return "\n".join(lines)


def quote(text: str) -> str:
    """Render an article's text as a block quote, one paragraph per line."""
    paragraphs = [p for p in text.splitlines() if p.strip()]
    return "\n>\n".join(f"> {escape_markdown(p)}" for p in paragraphs)


def render_citations(
    citations: Sequence[CitationRecord], mode: str | None = None
) -> str:
    """Render the articles an answer cites; `mode` None means nothing was asked yet."""
    if mode is None and not citations:
        return "提问后，这里会列出回答所引用的条文全文及其出处信息。"
    if not citations:
        return "本轮回答没有引用条文。"
    cards = [f"**回答方式**：{MODE_LABELS.get(mode, mode or '—')}"] if mode else []
    for record in citations:
        # Plain words, not emoji: the console must read right on machines
        # with only a CJK text font.
        verified = "已核验" if record["verified"] else "未核验，请以原文为准"
        rows = [*_metadata(record), ("引用核验", verified)]
        table = "".join(f"| {name} | {value} |\n" for name, value in rows)
        head, _, body = table.partition("\n")
        cards.append(
            f"#### {escape_markdown(record['citation'])}\n\n"
            f"{head}\n|---|---|\n{body}\n{quote(record['text'])}"
        )
    return "\n\n---\n\n".join(cards)


def render_hits(hits: Sequence[Mapping[str, Any]]) -> str:
    """Render search hits as numbered cards with the full article text."""
    if not hits:
        return "没有找到符合条件的条文。可以放宽筛选条件，或换一种说法再试。"
    cards = [f"共找到 **{len(hits)}** 条。"]
    for number, hit in enumerate(hits, 1):
        rows = [
            *_metadata(hit),
            ("适用行业", escape_markdown("、".join(hit.get("industries") or [])) or "—"),
            ("相关度", f"{hit['score']:.4f}"),
        ]
        # The search tab is wide: one row of metadata under a row of names.
        table = (
            "| " + " | ".join(name for name, _ in rows) + " |\n"
            + "|---" * len(rows) + "|\n"
            + "| " + " | ".join(value for _, value in rows) + " |\n"
        )  # fmt: skip
        path = escape_markdown(str(hit.get("path") or ""))
        located = f"所在章节：{path}\n\n" if path else ""
        cards.append(
            f"#### {number}. 《{escape_markdown(hit['title'])}》"
            f"{escape_markdown(hit['article'])}\n\n"
            f"{table}\n{located}{quote(str(hit['text']))}"
        )
    return "\n\n---\n\n".join(cards)


def _metadata(item: Mapping[str, Any]) -> list[tuple[str, str]]:
    rows = [
        ("法规名称", item["title"]),
        ("条号", item["article"]),
        ("类别", item["category"]),
        ("效力状态", item["status"]),
        ("施行日期", item["effective_date"] or "未载明"),
        ("发布机关", item["issuer"] or "未载明"),
    ]
    return [(name, escape_markdown(str(value))) for name, value in rows]
