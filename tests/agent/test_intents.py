"""Routing: law questions that share words with the record tools still go to law Q&A."""

from __future__ import annotations

import pytest

from agent.intents import classify_intent


@pytest.mark.parametrize(("question", "intent"), [
    ("生产经营单位应当如何建立安全风险分级管控和隐患排查治理双重预防机制？", "law_qa"),
    ("《安全生产法》对风险分级管控有什么规定？", "law_qa"),
    ("重大事故隐患排查治理的法律责任是什么？", "law_qa"),
    ("检查计划应当包括哪些内容？", "law_qa"),
    ("我们的风险清单", "risk"),
    ("帮我做风险辨识，我们是粉尘涉爆企业", "risk"),
    ("风险分级结果是什么？我们有几个较大风险", "risk"),
    ("本企业的安全生产系数是多少，为什么扣分？", "coefficient"),
    ("这家企业今年还能现场检查几次？", "coefficient"),
    ("本月哪些企业被重复检查？", "inspection"),
    ("车间两具灭火器过期能免罚吗？", "inspection"),
    ("今天天气怎么样", "out_of_scope"),
])  # fmt: skip
def test_classify_intent(question: str, intent: str) -> None:
    assert classify_intent(question) == intent
