"""The assistant graph: understand the question, route it, answer it.

    understand_question ─┬─ law_qa ───────────────→ answer_law_question → END
                         └─ risk | coefficient | inspection | out_of_scope
                                                    → describe_capabilities → END
"""

from __future__ import annotations

import logging
import re
from typing import Any, Literal

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langgraph.graph import END, START, StateGraph

from agent.answers import compose_extractive, full_articles
from agent.citations import find_references, lookup, nearest_articles
from agent.intents import classify_intent, standalone_question
from agent.llm import LawAnswerWriter, LLMUnavailable
from agent.state import AssistantState
from agent.verification import verify_answer
from minqian.components import KnowledgeBase
from minqian.errors import CitationNotFound

logger = logging.getLogger(__name__)

CAPABILITIES = {
    "risk": "风险辨识和风险管理码功能正在建设中。",
    "coefficient": "企业安全生产系数查询功能正在建设中。",
    "inspection": "检查计划、扫码入企记录和检查预警功能正在建设中。",
    "out_of_scope": "这个问题不在安全生产范围内，我无法回答。",
}
NOW_AVAILABLE = (
    "目前可以做的是：查询安全生产法律、法规、规章、标准和检查事项清单，回答相关问题并"
    "注明出处（例如“动火作业要审批吗？”“《安全生产法》第二十一条”）。"
)
FALLBACK_NOTICE = "大模型服务暂时不可用，以下是根据检索到的条文自动整理的回答。"


def _user_texts(messages: list[BaseMessage]) -> list[str]:
    return [str(m.content) for m in messages if isinstance(m, HumanMessage)]


def build_assistant_graph(kb: KnowledgeBase, writer: LawAnswerWriter | None,
                          checkpointer: Any = None) -> Any:  # fmt: skip
    """Compile the graph over a knowledge base and an optional answer writer."""

    def understand_question(state: AssistantState) -> dict[str, Any]:
        texts = _user_texts(state["messages"])
        question = standalone_question(texts[-1], texts[:-1])
        intent = classify_intent(question)
        logger.debug("understood intent=%s question=%s", intent, question)
        return {"question": question, "intent": intent, "notices": [], "citations": []}

    def route_by_intent(state: AssistantState) -> Literal["answer_law_question", "describe_capabilities"]:
        return "answer_law_question" if state["intent"] == "law_qa" else "describe_capabilities"

    def answer_law_question(state: AssistantState) -> dict[str, Any]:
        question = state["question"]
        missing = missing_reference(question, kb)
        if missing:
            return _reply(missing, [], [], "abstain")
        hits = kb.retriever.search(question, 6)
        articles = full_articles(hits, kb.catalog, kb.index)
        extractive = compose_extractive(question, articles)
        if writer is None or extractive.abstained:
            mode = "abstain" if extractive.abstained else "extractive"
            return _reply(extractive.text, extractive.citations, [], mode)

        blocks = [(a.citation, a.text) for _, a in articles[:5]]
        try:
            draft = writer.write(question, blocks, state["messages"][:-1])
        except LLMUnavailable:
            return _reply(extractive.text, extractive.citations, [FALLBACK_NOTICE], "fallback")
        verified = verify_answer(draft, kb.catalog, kb.index)
        notices = []
        if verified.marked:
            notices.append("已删除无法核实的引用：" + "；".join(verified.removed))
        if not verified.citations:
            # Nothing the model cited survived: the extractive answer is safer.
            notices.append("大模型的回答未能通过引用核验，以下是根据检索条文整理的回答。")
            return _reply(extractive.text, extractive.citations, notices, "fallback")
        return _reply(verified.text, verified.citations, notices, "llm")

    def describe_capabilities(state: AssistantState) -> dict[str, Any]:
        text = f"{CAPABILITIES[state['intent']]}{NOW_AVAILABLE}"
        return _reply(text, [], [], "capabilities")

    graph = StateGraph(AssistantState)
    graph.add_node("understand_question", understand_question)
    graph.add_node("answer_law_question", answer_law_question)
    graph.add_node("describe_capabilities", describe_capabilities)
    graph.add_edge(START, "understand_question")
    graph.add_conditional_edges("understand_question", route_by_intent)
    graph.add_edge("answer_law_question", END)
    graph.add_edge("describe_capabilities", END)
    return graph.compile(checkpointer=checkpointer, name="minqian_assistant")


def missing_reference(question: str, kb: KnowledgeBase) -> str:
    """A reply when the question cites an instrument or article the base lacks.

    Answering “《X》第九十九条写了什么” with other articles would pretend; the
    honest answer is that the base does not hold it, with the nearest ones.
    """
    named = re.findall(r"《([^》]{2,60})》", question)
    for name in named:
        if kb.catalog.resolve(name) is None:
            near = "、".join(f"《{e.title}》" for e in kb.catalog.similar(name))
            hint = f"相近的有：{near}。" if near else ""
            return f"知识库中没有《{name}》，无法引用其条文。{hint}"
    for ref in find_references(question, kb.catalog):
        try:
            lookup(ref, kb.catalog, kb.index)
        except CitationNotFound as exc:
            near = nearest_articles(ref, kb.catalog, kb.index)[:3]
            listed = "、".join(f"《{r['title']}》{r['article_label']}" for r in near)
            return f"{exc}。" + (f"最接近的条文：{listed}。" if listed else "")
    return ""


def _reply(text: str, citations: list[Any], notices: list[str], mode: str) -> dict[str, Any]:
    body = "\n\n".join([*(f"⚠ {n}" for n in notices), text])
    message = AIMessage(body, additional_kwargs={"citations": citations, "answer_mode": mode})
    return {"messages": [message], "citations": citations, "notices": notices, "answer_mode": mode}
