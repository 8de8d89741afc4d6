"""The inspector console: a Gradio app mounted on the FastAPI app.

It calls the assistant and the retriever in-process, the same services the
HTTP API uses, and opens only to inspector and admin API keys.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

import gradio as gr
from fastapi import FastAPI

from agent.service import AssistantService
from minqian.audited import audited
from minqian.coefficient.desk import CoefficientDesk
from minqian.components import KnowledgeBase
from minqian.keys import ApiKeyStore
from ui.cards import escape_markdown
from ui.chat import build_chat_tab
from ui.coefficient import build_coefficient_tab
from ui.inspections import build_inspections_tab
from ui.risk import build_risk_tab
from ui.search import build_search_tab
from ui.sign_in import SIGN_IN_MESSAGE, ConsoleSessions, console_sign_in

T = TypeVar("T")

TITLE = "闽企安 · 检查员控制台"
CSS = """
#citations { font-size: 0.92em; }
#citations blockquote, #search-results blockquote { white-space: normal; }
#console-user { text-align: right; }
"""


def build_console(service: AssistantService, kb: KnowledgeBase, sessions: ConsoleSessions | None = None,
                  coefficients: CoefficientDesk | None = None) -> gr.Blocks:  # fmt: skip
    """Build the console's tabs over the given services."""
    return in_running_loop(lambda: _build_console(service, kb, sessions, coefficients))


def _build_console(service: AssistantService, kb: KnowledgeBase, sessions: ConsoleSessions | None,
                   coefficients: CoefficientDesk | None) -> gr.Blocks:  # fmt: skip
    with gr.Blocks(title=TITLE, analytics_enabled=False) as console:
        with gr.Row(equal_height=True):
            gr.Markdown(f"## {TITLE}")
            user = gr.Markdown(elem_id="console-user")
            # Gradio's logout defaults to every session of this user name, and
            # names are free text: end only this browser's session.
            gr.Button(
                "退出登录",
                link="logout?all_session=false",
                size="sm",
                scale=0,
                min_width=100,
            )
        with gr.Tab("智能问答", id="chat"):
            build_chat_tab(service, sessions)
        with gr.Tab("条文检索", id="search"):
            build_search_tab(kb)
        # The tabs call the services in-process; wrapped, each call is audited
        # like an API request (minqian/audited.py).
        audit = getattr(service, "audit", None)
        risk, inspections = service.desk, getattr(service, "inspections", None)
        if audit is not None:
            risk = audited(risk, audit, "console", "risk") if risk is not None else None
            coefficients = audited(coefficients, audit, "console", "coefficient") if coefficients else None
            inspections = audited(inspections, audit, "console", "inspections") if inspections else None
        if risk is not None and sessions is not None:
            with gr.Tab("风险管理", id="risk") as risk_tab:
                load_enterprises, targets = build_risk_tab(risk, sessions)
            # Gradio renders a tab's components when it is first shown, so the
            # list is filled then, not at page load.
            risk_tab.select(load_enterprises, None, targets, api_visibility="private")
        if coefficients is not None and sessions is not None:
            with gr.Tab("安全生产系数", id="coefficient") as coefficient_tab:
                load_coefficients, inputs, views = build_coefficient_tab(coefficients, sessions)
            coefficient_tab.select(load_coefficients, inputs, views, api_visibility="private")
        if inspections is not None and sessions is not None:
            with gr.Tab("检查监督", id="inspections") as inspections_tab:
                load_warnings, warning_views = build_inspections_tab(inspections, sessions)
            inspections_tab.select(load_warnings, None, warning_views, api_visibility="private")
        console.load(show_user, None, user, api_visibility="private")
    return console


def show_user(request: gr.Request) -> str:
    """Greet the signed-in inspector by the name they signed in with."""
    name = escape_markdown(request.username or "未登录")
    return f"当前用户：**{name}**"


def mount_console(
    app: FastAPI,
    service: AssistantService,
    kb: KnowledgeBase,
    key_store: ApiKeyStore,
    path: str,
    coefficients: CoefficientDesk | None = None,
) -> FastAPI:
    """Mount the console at `path`, behind sign-in with an inspector or admin key."""
    sessions = ConsoleSessions(key_store)
    console = build_console(service, kb, sessions, coefficients)
    return in_running_loop(lambda: _mount(app, console, key_store, sessions, path))


def _mount(
    app: FastAPI, console: gr.Blocks, key_store: ApiKeyStore, sessions: ConsoleSessions, path: str
) -> FastAPI:
    return gr.mount_gradio_app(
        app,
        console,
        path=path,
        auth=console_sign_in(key_store, sessions),
        auth_message=SIGN_IN_MESSAGE,
        # The footer links to English pages (API docs, Gradio, settings).
        footer_links=[],
        css=CSS,
        ssr_mode=False,
        mcp_server=False,
    )


def in_running_loop(build: Callable[[], T]) -> T:
    """Call `build` with an event loop running, starting a short-lived one if needed."""
    # Gradio 6.17 makes each asyncio.Lock of its queue and app through
    # utils.safe_get_lock, which, with no running loop, opens a new event loop
    # and abandons it unclosed (ResourceWarning, two sockets each). Inside a
    # running loop it makes none; the locks bind to uvicorn's loop on first use.
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        return build()

    async def run() -> T:
        return build()

    return asyncio.run(run())
