"""Guided risk identification as a LangGraph sub-graph that pauses for each answer.

    begin ─ industry ─ workplaces ─ equipment ─ materials ─ people ─ select
          ─ controls (once per chosen point) ─ review (edits until 确认) ─ END

Every question is an `interrupt`: the turn ends with the question, and the
next user message resumes the node that asked. The checkpointer holds the
paused state, so a dialogue survives a restart of the service. A node that
cannot read an answer stores the problem in `risk["error"]` and loops back to
itself. Who is asking comes from the run's config, never from the state, so
a resumed dialogue is still checked against the caller of that turn.
"""

from __future__ import annotations

import logging
from typing import Any

from langchain_core.messages import AIMessage, HumanMessage
from langchain_core.runnables import RunnableConfig
from langgraph.graph import END, START, StateGraph
from langgraph.types import interrupt

from agent import risk_texts as texts
from agent.risk_register import (
    apply_edit,
    confirmation_text,
    draft_entries,
    entry_view,
    start_problem,
)  # fmt: skip
from agent.state import AssistantState
from minqian.access import Principal
from minqian.errors import RecordError
from minqian.risk.desk import RiskDesk
from minqian.risk.identification import SiteProfile, controls_in_place, parse_people, propose

logger = logging.getLogger(__name__)
TEXT_STEPS = ("workplaces", "equipment", "materials", "people")


def build_risk_dialogue(desk: RiskDesk, chooser: Any = None) -> Any:
    """Compile the sub-graph; `chooser` (an LLM helper) reads free-text answers better."""

    def ask(state: AssistantState, payload: dict[str, Any]) -> tuple[str, list[Any]]:
        answer = str(interrupt(payload)).strip()
        return answer, [AIMessage(payload["question"]), HumanMessage(answer)]

    def begin(state: AssistantState, config: RunnableConfig) -> dict[str, Any]:
        principal = _principal(config)
        problem = start_problem(desk, principal)
        if problem:
            return _finish(problem, [])
        enterprise = desk.enterprises.get(principal.enterprise_id or "")
        assert enterprise is not None  # start_problem checked it
        session = {"enterprise_id": enterprise.id, "default_industry": enterprise.industry,
                   "method": enterprise.risk_method, "profile": {}, "error": "", "step": "industry"}  # fmt: skip
        return {"risk": session}

    def industry(state: AssistantState) -> dict[str, Any]:
        risk = dict(state["risk"])
        answer, said = ask(state, texts.industry_question(risk["default_industry"], risk["error"]))
        if texts.CANCEL.match(answer):
            return _finish(texts.CANCELLED, said)
        chosen = texts.parse_industry(answer, risk["default_industry"])
        if chosen is None:
            return {"risk": {**risk, "error": "没有看懂所选行业，请回复 1、2、3 或行业名称。"}, "messages": said}
        return {"risk": {**risk, "profile": {"industry": chosen}, "error": "", "step": "workplaces"},
                "messages": said}  # fmt: skip

    def describe(state: AssistantState) -> dict[str, Any]:
        risk = dict(state["risk"])
        step = risk["step"]
        answer, said = ask(state, texts.text_question(step, risk["error"]))
        if texts.CANCEL.match(answer):
            return _finish(texts.CANCELLED, said)
        profile = dict(risk["profile"])
        if step == "people":
            people = parse_people(answer)
            if people is None:
                return {"risk": {**risk, "error": "请回复作业人数，例如“25”。"}, "messages": said}
            profile["people"] = people
        elif step == "workplaces" and len(answer) < 2:
            return {"risk": {**risk, "error": "请至少写出一个作业场所或工艺。"}, "messages": said}
        else:
            profile[step] = "" if answer in ("无", "没有") else answer
        following = TEXT_STEPS.index(step) + 1
        next_step = TEXT_STEPS[following] if following < len(TEXT_STEPS) else "select"
        return {"risk": {**risk, "profile": profile, "error": "", "step": next_step}, "messages": said}

    def select(state: AssistantState) -> dict[str, Any]:
        risk = dict(state["risk"])
        candidates = propose(desk.knowledge, SiteProfile(**risk["profile"]))
        if not candidates:
            error = "没有从描述中辨识出已知的风险场景，请换个说法再描述一次作业场所和工艺（如“打磨”“液氨”“有限空间”）。"
            return {"risk": {**risk, "error": error, "step": "workplaces"}}
        answer, said = ask(state, texts.proposal_question(candidates, risk["error"]))
        if texts.CANCEL.match(answer):
            return _finish(texts.CANCELLED, said)
        chosen = texts.parse_selection(answer, len(candidates))
        if chosen is None:
            error = f"请回复 1 到 {len(candidates)} 之间的序号，或“全部”。"
            return {"risk": {**risk, "error": error}, "messages": said}
        picked = [{"point": candidates[i].point.id, "location": candidates[i].point.location,
                   "reasons": candidates[i].reasons} for i in chosen]  # fmt: skip
        return {"risk": {**risk, "picked": picked, "assessed": [], "error": "", "step": "controls"}, "messages": said}

    def controls(state: AssistantState) -> dict[str, Any]:
        risk = dict(state["risk"])
        assessed = list(risk["assessed"])
        item = risk["picked"][len(assessed)]
        point = desk.knowledge.points[item["point"]]
        payload = texts.controls_question(point, len(assessed) + 1, len(risk["picked"]), risk["error"])
        answer, said = ask(state, payload)
        if texts.CANCEL.match(answer):
            return _finish(texts.CANCELLED, said)
        in_place = controls_in_place(point, answer)
        if chooser is not None and not in_place and answer not in ("无", "没有", "都没有"):
            in_place = chooser.choose(answer, [c.text for c in point.controls])
        assessed.append({**item, "in_place": in_place, "responsible": "", "override": None})
        done = len(assessed) == len(risk["picked"])
        return {"risk": {**risk, "assessed": assessed, "error": "", "step": "review" if done else "controls"},
                "messages": said}  # fmt: skip

    def review(state: AssistantState, config: RunnableConfig) -> dict[str, Any]:
        risk = dict(state["risk"])
        profile = SiteProfile(**risk["profile"])
        entries = draft_entries(desk, risk["assessed"], profile, risk["method"])
        views = [entry_view(e) for e in entries]
        answer, said = ask(state, texts.register_question(views, risk["method"], risk["error"]))
        if texts.CANCEL.match(answer):
            return _finish(texts.CANCELLED, said)
        if answer.strip() in ("确认", "确定", "确认无误", "保存"):
            try:
                confirmed = desk.registers.confirm(
                    _principal(config), risk["enterprise_id"], entries, risk["method"], risk["profile"]
                )
            except RecordError as exc:
                return {"risk": {**risk, "error": str(exc)}, "messages": said}
            logger.info("risk register confirmed enterprise=%s version=%s codes=%s",
                        risk["enterprise_id"], confirmed.version, len(confirmed.issued))  # fmt: skip
            return _finish(confirmation_text(confirmed), said, {"risk_register": confirmed.register_id})
        edited = apply_edit(risk, answer)
        if isinstance(edited, str):
            return {"risk": {**risk, "error": edited}, "messages": said}
        return {"risk": {**edited, "error": ""}, "messages": said}

    graph = StateGraph(AssistantState)
    for name, node in (("begin", begin), ("industry", industry), ("describe", describe),
                       ("select", select), ("controls", controls), ("review", review)):  # fmt: skip
        graph.add_node(name, node)
    graph.add_edge(START, "begin")
    graph.add_conditional_edges("begin", _next)
    for name in ("industry", "describe", "select", "controls", "review"):
        graph.add_conditional_edges(name, _next)
    return graph.compile(name="risk_identification")


def _next(state: AssistantState) -> str:
    risk = state.get("risk") or {}
    step = risk.get("step", "done")
    if step == "done":
        return END
    return {"industry": "industry", "select": "select", "controls": "controls",
            "review": "review"}.get(step, "describe")  # fmt: skip


def _principal(config: RunnableConfig) -> Principal:
    principal = (config.get("configurable") or {}).get("principal")
    if not isinstance(principal, Principal):
        # A turn with no caller (an eval, a script) may read but never confirm.
        return Principal("worker", "anonymous")
    return principal


def _finish(text: str, said: list[Any], extra: dict[str, Any] | None = None) -> dict[str, Any]:
    message = AIMessage(text, additional_kwargs={"citations": [], "answer_mode": "risk", **(extra or {})})
    return {"risk": {"step": "done"}, "messages": [*said, message], "citations": [], "notices": [],
            "answer_mode": "risk"}  # fmt: skip


def standalone_risk_dialogue(desk: RiskDesk, checkpointer: Any, chooser: Any = None) -> Any:
    """The sub-graph alone behind a checkpointer, for evaluations and scripts."""
    graph = StateGraph(AssistantState)
    graph.add_node("identify_risks", build_risk_dialogue(desk, chooser))
    graph.add_edge(START, "identify_risks")
    graph.add_edge("identify_risks", END)
    return graph.compile(checkpointer=checkpointer, name="risk_identification_only")
