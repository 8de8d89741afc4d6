"""The FastAPI application factory."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response

from api.routers import health, knowledge
from minqian.settings import Settings

logger = logging.getLogger("api.access")


def create_app(settings: Settings, knowledge_base: object | None = None) -> FastAPI:
    """Build the app; heavy parts are opened once in the lifespan unless given."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from minqian.components import open_knowledge_base

        kb = knowledge_base or open_knowledge_base(settings)
        app.state.kb = kb
        # The first BM25 search after open builds its index lazily: pay it now.
        kb.retriever.search("安全生产", 1)  # type: ignore[attr-defined]
        yield
        if knowledge_base is None:
            kb.close()  # type: ignore[attr-defined]

    app = FastAPI(title="闽企安 API", version="0.1.0", lifespan=lifespan)
    app.state.settings = settings

    @app.middleware("http")
    async def log_request(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex[:12]
        response = await call_next(request)
        response.headers["x-request-id"] = request_id
        logger.info(
            "request id=%s method=%s route=%s status=%s ms=%.1f",
            request_id, request.method, request.url.path, response.status_code,
            (time.perf_counter() - started) * 1000,
        )  # fmt: skip
        return response

    app.include_router(health.router)
    app.include_router(knowledge.router)
    return app
