"""The assistant as a service: one call per user turn, conversations kept by id."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

from agent.graph import build_assistant_graph
from agent.llm import LawAnswerWriter
from agent.state import CitationRecord
from minqian.components import KnowledgeBase
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


class AssistantService:
    """Answer user turns through the compiled graph and its checkpointer."""

    def __init__(self, kb: KnowledgeBase, settings: Settings, checkpointer: Any,
                 writer: LawAnswerWriter | None = None) -> None:  # fmt: skip
        self.kb = kb
        self.settings = settings
        if writer is None and settings.llm.enabled:
            writer = LawAnswerWriter(settings.llm)
        self.writer = writer
        self.graph = build_assistant_graph(kb, writer, checkpointer)
        # Milvus Lite's client and the SQLite checkpointer are shared objects;
        # one turn at a time keeps them consistent under a threaded server.
        # TODO: per-request clients would allow parallel turns on Milvus servers.
        self._lock = threading.Lock()

    def ask(self, message: str, conversation_id: str | None = None,
            history: list[BaseMessage] | None = None) -> AssistantTurn:  # fmt: skip
        """Answer `message`; `history` seeds a conversation the server does not know."""
        started = time.perf_counter()
        conversation_id = conversation_id or uuid.uuid4().hex
        config = {"configurable": {"thread_id": conversation_id}}
        with self._lock:
            known = bool(self.graph.get_state(config).values.get("messages"))
            seed = [] if known else list(history or [])
            result = self.graph.invoke({"messages": [*seed, HumanMessage(message)]}, config)
        reply = result["messages"][-1]
        turn = AssistantTurn(
            conversation_id=conversation_id, text=str(reply.content),
            citations=list(result.get("citations") or []),
            notices=list(result.get("notices") or []),
            mode=str(result.get("answer_mode", "")), question=str(result.get("question", "")),
        )  # fmt: skip
        logger.info(
            "assistant turn conversation=%s intent=%s mode=%s citations=%s ms=%.0f",
            conversation_id, result.get("intent"), turn.mode,
            ",".join(c["citation"] for c in turn.citations),
            (time.perf_counter() - started) * 1000,
        )  # fmt: skip
        return turn

    def history(self, conversation_id: str) -> list[dict[str, Any]]:
        """The messages of a conversation, oldest first, for display."""
        state = self.graph.get_state({"configurable": {"thread_id": conversation_id}})
        messages = state.values.get("messages") or []
        return [
            {"role": "assistant" if isinstance(m, AIMessage) else "user", "content": str(m.content),
             "citations": m.additional_kwargs.get("citations", []) if isinstance(m, AIMessage) else []}
            for m in messages
        ]  # fmt: skip
