"""The assistant as a service: one call per user turn, conversations kept by id."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langgraph.types import Command

from agent.graph import build_assistant_graph
from agent.llm import LawAnswerWriter
from agent.state import CitationRecord
from minqian.access import Principal
from minqian.audit import AuditEntry, AuditLog
from minqian.audited import audited
from minqian.coefficient.desk import CoefficientDesk
from minqian.components import KnowledgeBase
from minqian.conversations import ConversationRegistry
from minqian.inspections.desk import InspectionDesk
from minqian.risk.desk import RiskDesk
from minqian.settings import Settings

logger = logging.getLogger(__name__)


@dataclass
class AssistantTurn:
    """What one turn produced."""

    conversation_id: str
    text: str
    citations: list[CitationRecord] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    mode: str = "extractive"
    question: str = ""
    # When the assistant is waiting for an answer inside a guided dialogue:
    # {"step": …, "question": …, "choices": […]}.
    prompt: dict[str, Any] | None = None


class AssistantService:
    """Answer user turns through the compiled graph and its checkpointer."""

    def __init__(self, kb: KnowledgeBase, settings: Settings, checkpointer: Any,
                 writer: LawAnswerWriter | None = None, desk: RiskDesk | None = None,
                 coefficients: CoefficientDesk | None = None,
                 inspections: InspectionDesk | None = None, conversations: ConversationRegistry | None = None,
                 audit: AuditLog | None = None) -> None:  # fmt: skip
        self.kb = kb
        self.conversations = conversations
        self.audit = audit
        self.settings = settings
        if writer is None and settings.llm.enabled:
            writer = LawAnswerWriter(settings.llm)
        self.writer = writer
        self.desk = desk
        self.coefficients = coefficients
        self.inspections = inspections
        if audit is not None:
            # The tools' reads and changes are audited call by call, on top of the turn.
            desk, coefficients, inspections = (
                audited(d, audit, "chat", n) if d is not None else None
                for d, n in ((desk, "risk"), (coefficients, "coefficient"), (inspections, "inspections"))
            )
        self.graph = build_assistant_graph(kb, writer, checkpointer, desk, coefficients, inspections)
        # Turns of different conversations run in parallel: the checkpointers
        # serialise their own connection, and the index and embedder are used
        # by concurrent searches already. Two turns of one conversation must
        # not interleave (each resumes the other's checkpoint), so they queue.
        # Known gap: that queue is per process; the same conversation sent to
        # two processes at once can still interleave.
        self._turns = _ConversationLocks()

    def ask(self, message: str, conversation_id: str | None = None,
            history: list[BaseMessage] | None = None,
            principal: Principal | None = None) -> AssistantTurn:  # fmt: skip
        """Answer `message` for `principal`; `history` seeds an unknown conversation.

        A conversation paused inside a guided dialogue is resumed with the
        message as the answer to the pending question.
        """
        started = time.perf_counter()
        conversation_id = conversation_id or uuid.uuid4().hex
        # The principal rides in the config, not the state: it is never
        # checkpointed, so a resumed dialogue is checked against this caller.
        config = {"configurable": {"thread_id": conversation_id, "principal": principal}}
        if principal is not None and self.conversations is not None:
            # Before the graph runs: a caller with another's conversation id
            # neither resumes its dialogue nor sees its history in the answer.
            self.conversations.claim(conversation_id, principal)
        with self._turns.holding(conversation_id):
            snapshot = self.graph.get_state(config)
            if snapshot.interrupts:
                result = self.graph.invoke(Command(resume=message), config)
            else:
                seed = [] if snapshot.values.get("messages") else list(history or [])
                result = self.graph.invoke({"messages": [*seed, HumanMessage(message)]}, config)
        pending = result.get("__interrupt__")
        prompt = dict(pending[0].value) if pending else None
        reply_text = prompt["question"] if prompt else str(result["messages"][-1].content)
        turn = AssistantTurn(
            conversation_id=conversation_id, text=reply_text,
            citations=[] if prompt else list(result.get("citations") or []),
            notices=[] if prompt else list(result.get("notices") or []),
            mode="risk" if prompt else str(result.get("answer_mode", "")),
            question=str(result.get("question", "")), prompt=prompt,
        )  # fmt: skip
        logger.info(
            "assistant turn conversation=%s intent=%s mode=%s citations=%s ms=%.0f",
            conversation_id, result.get("intent"), turn.mode,
            ",".join(c["citation"] for c in turn.citations),
            (time.perf_counter() - started) * 1000,
        )  # fmt: skip
        if self.audit is not None:
            # The HTTP request is audited too; this entry names what answered
            # (which records' tool), which the route alone cannot tell.
            self.audit.append(AuditEntry(principal, "chat", "read", f"assistant:{result.get('intent')}",
                                         {"conversation": conversation_id, "mode": turn.mode},
                                         principal.enterprise_id if principal else None, 200))  # fmt: skip
        return turn

    def history(self, conversation_id: str, principal: Principal | None = None) -> list[dict[str, Any]]:
        """The messages of a conversation, oldest first, for display; only to its owner."""
        if principal is not None and self.conversations is not None:
            self.conversations.require_owner(conversation_id, principal)
        state = self.graph.get_state({"configurable": {"thread_id": conversation_id}})
        messages = state.values.get("messages") or []
        shown = [
            {"role": "assistant" if isinstance(m, AIMessage) else "user", "content": str(m.content),
             "citations": m.additional_kwargs.get("citations", []) if isinstance(m, AIMessage) else []}
            for m in messages
        ]  # fmt: skip
        # The question a paused dialogue is waiting on is not a message yet.
        shown += [{"role": "assistant", "content": str(i.value["question"]), "citations": []}
                  for i in state.interrupts]  # fmt: skip
        return shown


class _ConversationLocks:
    """One lock per conversation in use, dropped when its last turn is done."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, tuple[threading.Lock, int]] = {}

    @contextmanager
    def holding(self, conversation_id: str) -> Iterator[None]:
        with self._guard:
            lock, users = self._locks.get(conversation_id, (threading.Lock(), 0))
            self._locks[conversation_id] = (lock, users + 1)
        try:
            with lock:
                yield
        finally:
            with self._guard:
                lock, users = self._locks[conversation_id]
                if users == 1:
                    del self._locks[conversation_id]
                else:
                    self._locks[conversation_id] = (lock, users - 1)
