"""The assistant graph: understand the question, route it, answer it.

    understand_question ─┬─ law_qa ─────────────→ answer_law_question → END
                         ├─ risk: identify ─────→ identify_risks (sub-graph, pauses) → END
                         ├─ risk: records ──────→ answer_risk_records → END
                         └─ coefficient | inspection | out_of_scope
                                                  → describe_capabilities → END
"""

from __future__ import annotations

import logging
import re
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.runnables import RunnableConfig
from langgraph.graph import END, START, StateGraph

from agent.answers import compose_extractive, full_articles
from agent.citations import find_references, lookup, nearest_articles
from agent.coefficient_tools import answer_coefficient
from agent.inspection_tools import answer_inspection
from agent.intents import classify_intent, standalone_question
from agent.llm import LawAnswerWriter, LLMUnavailable
from agent.risk_dialogue import build_risk_dialogue
from agent.risk_tools import answer_risk_records, wants_identification
from agent.state import AssistantState
from agent.verification import verify_answer, withhold_names
from minqian.access import Principal
from minqian.coefficient.desk import CoefficientDesk
from minqian.components import KnowledgeBase
from minqian.errors import CitationNotFound
from minqian.inspections.desk import InspectionDesk
from minqian.risk.desk import RiskDesk

logger = logging.getLogger(__name__)

CAPABILITIES = {
    "risk": "风险辨识和风险管理码功能未启用。",
    "coefficient": "企业安全生产系数查询功能未启用。",
    "inspection": "检查计划、扫码入企记录和检查预警功能未启用。",
    "out_of_scope": "这个问题不在安全生产范围内，我无法回答。",
}
NOW_AVAILABLE = (
    "目前可以做的是：查询安全生产法律、法规、规章、标准和检查事项清单，回答相关问题并"
    "注明出处（例如“动火作业要审批吗？”“《安全生产法》第二十一条”）；企业账号可以说"
    "“帮我做风险辨识”，并查询本企业的风险清单、风险管理码、巡查记录和隐患报告。"
)
FALLBACK_NOTICE = "大模型服务暂时不可用，以下是根据检索到的条文自动整理的回答。"


def _user_texts(messages: list[BaseMessage]) -> list[str]:
    return [str(m.content) for m in messages if isinstance(m, HumanMessage)]


def build_assistant_graph(kb: KnowledgeBase, writer: LawAnswerWriter | None,
                          checkpointer: Any = None, desk: RiskDesk | None = None,
                          coefficients: CoefficientDesk | None = None,
                          inspections: InspectionDesk | None = None) -> Any:  # fmt: skip
    """Compile the graph over a knowledge base, an optional writer and risk desk."""

    def understand_question(state: AssistantState) -> dict[str, Any]:
        texts = _user_texts(state["messages"])
        question = standalone_question(texts[-1], texts[:-1])
        intent = classify_intent(question)
        logger.debug("understood intent=%s question=%s", intent, question)
        return {"question": question, "intent": intent, "notices": [], "citations": []}

    def route_by_intent(state: AssistantState) -> str:
        if state["intent"] == "law_qa":
            return "answer_law_question"
        if state["intent"] == "risk" and desk is not None:
            return "identify_risks" if wants_identification(state["question"]) else "answer_risk_records"
        if state["intent"] == "coefficient" and coefficients is not None:
            return "answer_coefficient"
        if state["intent"] == "inspection" and inspections is not None:
            return "answer_inspection"
        return "describe_capabilities"

    def inspection(state: AssistantState, config: RunnableConfig) -> dict[str, Any]:
        assert inspections is not None
        principal = (config.get("configurable") or {}).get("principal") or Principal("worker", "anonymous")
        return _reply(answer_inspection(inspections, principal, state["question"]), [], [], "inspection")

    def coefficient(state: AssistantState, config: RunnableConfig) -> dict[str, Any]:
        assert coefficients is not None
        principal = (config.get("configurable") or {}).get("principal") or Principal("worker", "anonymous")
        return _reply(answer_coefficient(coefficients, principal, state["question"]), [], [], "coefficient")

    def records(state: AssistantState, config: RunnableConfig) -> dict[str, Any]:
        assert desk is not None
        principal = (config.get("configurable") or {}).get("principal") or Principal("worker", "anonymous")
        return _reply(answer_risk_records(desk, principal, state["question"]), [], [], "risk")

    def unreachable_names(config: RunnableConfig) -> list[str]:
        """Names and ids of the enterprises the caller may not see (none known without a desk)."""
        if desk is None:
            return []
        principal = (config.get("configurable") or {}).get("principal") or Principal("worker", "anonymous")
        return [v for e in desk.enterprises.outside_reach(principal) for v in (e.name, e.id)]

    def answer_law_question(state: AssistantState, config: RunnableConfig) -> dict[str, Any]:
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
        # Before the citation check, so a withheld sentence's citations are not kept either.
        draft, withheld = withhold_names(draft, unreachable_names(config))
        verified = verify_answer(draft, kb.catalog, kb.index)
        notices = []
        if withheld:
            notices.append("已删除涉及无权查看的企业的内容。")
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
    routes = ["answer_law_question", "describe_capabilities"]
    if desk is not None:
        chooser = writer if writer is not None and hasattr(writer, "choose") else None
        graph.add_node("identify_risks", build_risk_dialogue(desk, chooser))
        graph.add_node("answer_risk_records", records)
        graph.add_edge("identify_risks", END)
        graph.add_edge("answer_risk_records", END)
        routes += ["identify_risks", "answer_risk_records"]
    if inspections is not None:
        graph.add_node("answer_inspection", inspection)
        graph.add_edge("answer_inspection", END)
        routes.append("answer_inspection")
    if coefficients is not None:
        graph.add_node("answer_coefficient", coefficient)
        graph.add_edge("answer_coefficient", END)
        routes.append("answer_coefficient")
    graph.add_edge(START, "understand_question")
    graph.add_conditional_edges("understand_question", route_by_intent, routes)
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
