"""The 智能问答 tab: chat, the cited articles beside it, and past conversations."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterator
from typing import Any

import gradio as gr

from agent.service import AssistantService
from minqian.errors import AccessDenied
from ui.cards import render_citations
from ui.sign_in import ConsoleSessions

logger = logging.getLogger(__name__)

# The service returns a finished, verified answer; showing it in about this
# many growing slices reads as typing without delaying it noticeably.
STREAM_STEPS = 40
STREAM_PAUSE_SECONDS = 0.02
MIN_SLICE_CHARS = 8
TITLE_CHARS = 24
FAILED_REPLY = "抱歉，这次回答没有完成，请稍后再问一次。"

# [title, conversation id] pairs, newest first, for one browser session.
Conversations = list[list[str]]
Message = dict[str, Any]


def stream_slices(text: str, steps: int = STREAM_STEPS) -> Iterator[str]:
    """Yield ever longer prefixes of `text`, ending with all of it."""
    size = max(MIN_SLICE_CHARS, -(-len(text) // steps))
    yield from (text[:end] for end in range(size, len(text), size))
    yield text


def conversation_title(question: str) -> str:
    """Name a conversation after its first question, shortened for the list."""
    flat = " ".join(question.split())
    return flat if len(flat) <= TITLE_CHARS else flat[: TITLE_CHARS - 1] + "…"


def build_chat_tab(service: AssistantService, sessions: ConsoleSessions | None = None) -> None:
    """Lay out the chat tab inside the current Blocks and wire its events."""
    conversation_id = gr.State(None)
    conversations = gr.State([])
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=200):
            new_button = gr.Button("新对话", variant="secondary", elem_id="new-chat")
            history = gr.Radio(
                [], label="历史对话", elem_id="conversations", interactive=True
            )
        with gr.Column(scale=3, min_width=360):
            chatbot = gr.Chatbot(
                label="问答",
                elem_id="chat",
                height=620,
                feedback_options=None,
                # "share" posts to Hugging Face Spaces: no use in a closed console.
                buttons=["copy", "copy_all"],
                placeholder="请输入安全生产方面的问题，回答会注明所依据的条文。",
            )
            with gr.Row():
                question = gr.Textbox(
                    show_label=False,
                    placeholder="例如：安全生产许可证的有效期是几年？",
                    elem_id="question",
                    scale=5,
                    lines=1,
                    max_lines=4,
                )
                send = gr.Button("发送", variant="primary", scale=1, min_width=80)
        with gr.Column(scale=2, min_width=300):
            gr.Markdown("### 引用条文")
            citations = gr.Markdown(
                render_citations([]), elem_id="citations", max_height=640
            )

    def answer(
        text: str, chat: list[Message], current: str | None, known: Conversations,
        request: gr.Request,
    ) -> Iterator[tuple[Any, ...]]:
        text = text.strip()
        limit = service.settings.api.max_message_chars
        if not text or len(text) > limit:
            if text:
                gr.Warning(f"问题太长：最多 {limit} 个字，当前 {len(text)} 个字。")
            yield (gr.skip(),) * 7
            return
        # The id is chosen here so the conversation is listed at once and
        # stays listed even if the user moves on before the answer is shown.
        cid = current or uuid.uuid4().hex
        if current is None:
            known = [[conversation_title(text), cid], *known]
        listing = gr.update(choices=[(title, c) for title, c in known], value=cid)
        chat = [*chat, {"role": "user", "content": text}]
        # Sending stays off until the answer is complete, so a second question
        # cannot start from a conversation that is still being written.
        yield "", chat, gr.skip(), listing, cid, known, _sending(False)

        try:
            principal = sessions.principal(request.username) if sessions else None
            turn = service.ask(text, cid, principal=principal)
        except Exception:
            logger.exception("console turn failed conversation=%s", cid)
            failed = {"role": "assistant", "content": FAILED_REPLY}
            yield gr.skip(), [*chat, failed], *(gr.skip(),) * 4, _sending(True)
            return
        cited = render_citations(turn.citations, turn.mode)
        listed = (gr.skip(),) * 3  # the list, id and titles are already shown
        slices = list(stream_slices(turn.text))
        for number, partial in enumerate(slices, 1):
            reply = {"role": "assistant", "content": partial}
            done = _sending(True) if number == len(slices) else gr.skip()
            yield gr.skip(), [*chat, reply], cited, *listed, done
            time.sleep(STREAM_PAUSE_SECONDS)

    def open_conversation(chosen: str | None, request: gr.Request) -> tuple[Any, ...]:
        if not chosen:
            return (gr.skip(),) * 4
        # The id comes from the browser: the service checks it is this user's.
        principal = sessions.principal(request.username) if sessions else None
        try:
            messages = service.history(chosen, principal)
        except AccessDenied as exc:
            gr.Warning(str(exc))
            return (gr.skip(),) * 4
        chat = [{"role": m["role"], "content": m["content"]} for m in messages]
        replies = [m for m in messages if m["role"] == "assistant"]
        last = replies[-1]["citations"] if replies else []
        # The stored messages keep citations but not how the answer was made.
        return chat, render_citations(last, ""), chosen, _sending(True)

    def start_new() -> tuple[Any, ...]:
        cleared = render_citations([])
        return [], cleared, None, gr.update(value=None), "", _sending(True)

    answering = gr.on(
        [question.submit, send.click],
        answer,
        [question, chatbot, conversation_id, conversations],
        [question, chatbot, citations, history, conversation_id, conversations, send],
        api_visibility="private",
    )
    # Switching conversation stops an answer still being shown, which would
    # otherwise keep writing into the conversation now on screen; the turn
    # itself still completes and is stored. `input` fires only on a user's
    # pick, not when an answer updates the list.
    history.input(
        open_conversation,
        [history],
        [chatbot, citations, conversation_id, send],
        cancels=[answering],
        api_visibility="private",
    )
    # The chat's own clear button would otherwise empty the screen while the
    # next question silently continued the old conversation.
    gr.on(
        [new_button.click, chatbot.clear],
        start_new,
        None,
        [chatbot, citations, conversation_id, history, question, send],
        cancels=[answering],
        api_visibility="private",
    )


def _sending(enabled: bool) -> Any:
    return gr.update(interactive=enabled)
