"""The optional chat model behind an OpenAI-compatible endpoint."""

from __future__ import annotations

import logging
import re
from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from agent.prompts import CHOOSE_SYSTEM, CHOOSE_USER, LAW_QA_SYSTEM, LAW_QA_USER, render_articles
from minqian.errors import MinqianError
from minqian.settings import LLMSettings

logger = logging.getLogger(__name__)


class LLMUnavailable(MinqianError):
    """The endpoint failed, timed out or answered nothing usable."""


class LawAnswerWriter:
    """Ask the configured model to write an answer from retrieved articles."""

    def __init__(self, settings: LLMSettings, model: Any | None = None) -> None:
        self.settings = settings
        self._model = model

    @property
    def model(self) -> Any:
        if self._model is None:
            from langchain_openai import ChatOpenAI

            self._model = ChatOpenAI(
                base_url=self.settings.base_url, model=self.settings.model,
                api_key=self.settings.api_key or "not-needed",
                timeout=self.settings.timeout, max_retries=0,
                temperature=self.settings.temperature,
            )  # fmt: skip
        return self._model

    def write(self, question: str, articles: list[tuple[str, str]],
              history: list[BaseMessage] | None = None) -> str:  # fmt: skip
        """Return the model's answer text, or raise LLMUnavailable."""
        messages: list[BaseMessage] = [SystemMessage(LAW_QA_SYSTEM), *(history or [])[-6:]]
        messages.append(HumanMessage(LAW_QA_USER.format(
            articles=render_articles(articles), question=question)))  # fmt: skip
        try:
            reply = self.model.invoke(messages)
        except Exception as exc:  # any transport or API error means: fall back
            logger.warning("llm failed error=%s", type(exc).__name__)
            raise LLMUnavailable(f"{type(exc).__name__}: {exc}") from exc
        text = str(getattr(reply, "content", "") or "").strip()
        if not text:
            raise LLMUnavailable("empty answer")
        return text

    def choose(self, reply: str, options: list[str]) -> list[int]:
        """0-based indexes of the options the user's free text says are in place.

        Used only where rules found nothing; a model failure or an answer that
        is not a list of valid numbers means “none understood”, never a guess.
        """
        listed = "\n".join(f"{n}. {text}" for n, text in enumerate(options, 1))
        messages = [SystemMessage(CHOOSE_SYSTEM), HumanMessage(CHOOSE_USER.format(options=listed, reply=reply))]
        try:
            answer = str(getattr(self.model.invoke(messages), "content", "") or "")
        except Exception as exc:  # the dialogue goes on without the model
            logger.warning("llm choose failed error=%s", type(exc).__name__)
            return []
        numbers = [int(n) - 1 for n in re.findall(r"\d+", answer)]
        return sorted({n for n in numbers if 0 <= n < len(options)})
