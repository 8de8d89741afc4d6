"""Wire schemas of the OpenAI-compatible chat API, plus our `citations` extension."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class ChatMessage(BaseModel):
    """One message; content may be a string or OpenAI content parts."""

    model_config = ConfigDict(extra="ignore")

    role: Literal["system", "user", "assistant", "tool", "developer"]
    content: str | list[dict[str, Any]] | None = None

    @property
    def text(self) -> str:
        if isinstance(self.content, list):
            return "".join(str(p.get("text", "")) for p in self.content if p.get("type") == "text")
        return self.content or ""


class ChatCompletionRequest(BaseModel):
    """The subset of the OpenAI request that matters here; other fields are ignored."""

    model_config = ConfigDict(extra="ignore")

    model: str = "minqian"
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    conversation_id: str | None = Field(
        None, max_length=64, pattern=r"^[A-Za-z0-9_-]+$",
        description="Continue a stored conversation; also accepted as X-Conversation-Id.",
    )  # fmt: skip

    @field_validator("messages")
    @classmethod
    def _last_is_user(cls, messages: list[ChatMessage]) -> list[ChatMessage]:
        if messages[-1].role != "user" or not messages[-1].text.strip():
            raise ValueError("最后一条消息必须是非空的 user 消息")
        return messages


class Citation(BaseModel):
    """A cited article, verbatim from the knowledge base."""

    title: str
    article: str
    text: str
    category: str
    status: str
    effective_date: str
    issuer: str = ""
    citation: str
    verified: bool = True


class Usage(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ChatCompletionMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class ChatCompletionChoice(BaseModel):
    index: int = 0
    message: ChatCompletionMessage
    finish_reason: Literal["stop"] = "stop"


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[ChatCompletionChoice]
    usage: Usage
    citations: list[Citation]
    conversation_id: str
    answer_mode: str
    prompt: dict[str, Any] | None = Field(
        None, description="Set while a guided dialogue waits for an answer: step, question, choices."
    )
