"""The state that flows through the assistant graph."""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypedDict

from langchain_core.messages import AnyMessage
from langgraph.graph.message import add_messages

Intent = Literal["law_qa", "risk", "coefficient", "inspection", "out_of_scope"]


class CitationRecord(TypedDict):
    """One cited article as it travels to the API and the UI."""

    title: str
    article: str
    text: str
    category: str
    status: str
    effective_date: str
    issuer: str
    citation: str
    verified: bool


class AssistantState(TypedDict, total=False):
    """Conversation messages plus what the current turn worked out."""

    messages: Annotated[list[AnyMessage], add_messages]
    question: str  # the current question made standalone
    intent: Intent
    citations: list[CitationRecord]
    notices: list[str]
    answer_mode: Literal[
        "extractive", "llm", "fallback", "abstain", "capabilities", "risk", "coefficient", "inspection"
    ]
    risk: dict[str, Any]  # the guided identification in progress (agent/risk_dialogue.py)
