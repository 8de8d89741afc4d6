"""The FastAPI application factory: services in the lifespan, thin routers on top."""

from __future__ import annotations

import json
import logging
import math
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import ExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Request, Response
from fastapi.responses import FileResponse, JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.concurrency import run_in_threadpool

from api.audit import write_entry
from api.auth import is_cross_origin
from api.errors import ApiError, error_body, install_error_handlers, unavailable
from api.idempotency import idempotent
from api.routers import admin, chat, coefficient, health, knowledge, risk, scan
from api.routers import inspections as inspections_router
from minqian.settings import Settings

logger = logging.getLogger("api.access")
STATIC = Path(__file__).resolve().parent / "static"
_CORS_HEADERS = "authorization, content-type, x-conversation-id"


def create_app(settings: Settings, knowledge_base: Any | None = None,
               writer: Any | None = None) -> FastAPI:  # fmt: skip
    """Build the app; heavy parts are opened once, unless a test passes its own."""
    from agent.checkpoints import open_checkpointer
    from agent.service import AssistantService
    from minqian.audit import AuditLog
    from minqian.coefficient.desk import open_coefficient_desk
    from minqian.components import open_knowledge_base
    from minqian.conversations import ConversationRegistry
    from minqian.database import init_schema, open_records
    from minqian.idempotency import IdempotencyStore
    from minqian.inspections.desk import open_inspection_desk
    from minqian.keys import ApiKeyStore
    from minqian.risk.desk import open_risk_desk

    stack = ExitStack()
    kb = knowledge_base or open_knowledge_base(settings)
    if knowledge_base is None:
        stack.callback(kb.close)
    engine = open_records(settings)
    init_schema(engine)
    stack.callback(engine.dispose)
    key_store = ApiKeyStore(engine)
    desk = open_risk_desk(settings, engine)
    coefficients = open_coefficient_desk(engine, desk.enterprises)
    inspections = open_inspection_desk(settings, engine, desk, coefficients.scores)
    audit = AuditLog(engine, settings.security.audit_reads)
    assistant = AssistantService(kb, settings, open_checkpointer(settings, stack), writer, desk, coefficients,
                                 inspections, ConversationRegistry(engine), audit)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Rows left unsealed by an interrupted ingest make every search rebuild
        # a sparse index; seal them, then pay BM25's lazy build before traffic.
        app.state.idempotency.purge()  # keys older than a day
        kb.index.flush()
        kb.retriever.search("安全生产", 1)
        yield
        stack.close()

    app = FastAPI(title="闽企安 API", version="0.1.0", lifespan=lifespan)
    app.state.settings = settings
    app.state.kb = kb
    app.state.key_store = key_store
    app.state.assistant = assistant
    app.state.risk = desk
    app.state.coefficients = coefficients
    app.state.inspections = inspections
    app.state.audit = audit
    app.state.idempotency = IdempotencyStore(engine)
    install_error_handlers(app)
    _install_middleware(app, settings)

    # The middleware refuses a Content-Length past the limit; max_body_size also
    # stops a chunked body without one, which would otherwise be read whole. The
    # dependency refuses JSON text that the database would fail on.
    guards: dict[str, Any] = {"max_body_size": settings.api.max_body_bytes,
                              "dependencies": [Depends(refuse_unstorable_body)]}  # fmt: skip
    for router in (health.router, knowledge.router, chat.router, admin.router, risk.router, scan.router,
                   coefficient.router, inspections_router.router):  # fmt: skip
        app.include_router(router, **guards)

    @app.get("/widget.js", include_in_schema=False)
    def route_widget() -> FileResponse:
        return FileResponse(STATIC / "widget.js", media_type="application/javascript")

    if settings.api.ui_enabled:
        from ui.console import mount_console

        mount_console(app, assistant, kb, key_store, settings.api.ui_path, coefficients=coefficients)
    return app


def _install_middleware(app: FastAPI, settings: Settings) -> None:
    @app.middleware("http")
    async def guard_and_log(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex[:12]
        response = await _guarded(request, lambda r: idempotent(r, call_next), settings)
        await run_in_threadpool(write_entry, request, response.status_code)
        response.headers["x-request-id"] = request_id
        logger.info(
            "request id=%s method=%s route=%s status=%s ms=%.1f",
            request_id, request.method, request.url.path, response.status_code,
            (time.perf_counter() - started) * 1000,
        )  # fmt: skip
        return response


async def _guarded(request: Request, call_next: Callable[[Request], Awaitable[Response]],
                   settings: Settings) -> Response:  # fmt: skip
    """NUL in the URL, body-size limit and CORS: only origins some enterprise key lists get headers."""
    # PostgreSQL text cannot hold NUL: a %00 in a path or query would fail in the driver.
    if b"%00" in request.scope.get("raw_path", b"") + request.scope.get("query_string", b""):
        return JSONResponse(error_body(400, "请求地址中不能含有 NUL 字符（%00）", "invalid_request"), 400)
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > settings.api.max_body_bytes:
        message = f"请求体过大：最多 {settings.api.max_body_bytes} 字节，收到 {length} 字节"
        return JSONResponse(error_body(413, message, "request_too_large"), 413)

    origin = request.headers.get("origin", "")
    cross = is_cross_origin(request)
    try:
        allowed = cross and origin in request.app.state.key_store.origins_in_use()
    except DBAPIError as exc:
        return unavailable(request, "database", exc)  # outside the routes, so their 503 handlers do not see it
    if cross and request.method == "OPTIONS":
        if not allowed:
            return JSONResponse(error_body(403, f"不允许来自 {origin} 的跨域请求", "origin_not_allowed"), 403)
        return Response(status_code=204, headers=_cors(origin))
    response = await call_next(request)
    if allowed:
        response.headers.update(_cors(origin))
    return response


async def refuse_unstorable_body(request: Request) -> None:
    """400 for JSON values no database stores: NUL, half a UTF-16 surrogate pair, NaN.

    JSON may spell both (\\u0000, \\ud800) and pydantic lets some through (list
    items, unions); PostgreSQL then refuses the NUL and UTF-8 the surrogate, as a 500.
    """
    if "json" not in request.headers.get("content-type", ""):
        return  # a raw body (the CSV import) is checked where it is decoded
    try:
        parsed = json.loads(await request.body())
    except (ValueError, RecursionError):
        return  # not this guard's to report: the route's own parsing says what is wrong
    # Iterative: a body nested close to the parser's recursion limit must not overflow here.
    stack: list[tuple[str, Any]] = [("", parsed)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, dict):
            # Keys first: a bad key must not end up in the path a message shows.
            if problem := next((p for k in value if (p := _unstorable(k))), None):
                raise _refused(where, f"字段名{problem}")
            stack.extend((_join(where, k), v) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((_join(where, n), v) for n, v in enumerate(value))
        elif isinstance(value, str) and (problem := _unstorable(value)):
            raise _refused(where, problem)
        elif isinstance(value, float) and not math.isfinite(value):
            # Python's parser reads NaN, Infinity and 1e400, which JSON itself does not have.
            raise _refused(where, "不能是 NaN 或无穷大")


def _unstorable(text: str) -> str | None:
    if "\x00" in text:
        return "不能含有 NUL 字符"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "含有不成对的 Unicode 代理项（如 \\ud800），不是有效的文本"
    return None


def _join(where: str, key: object) -> str:
    return f"{where}.{key}" if where else str(key)


def _refused(where: str, problem: str) -> ApiError:
    return ApiError(400, f"请求参数无效：{where or '请求体'}：{problem}", "invalid_request", param=where or None)


def _cors(origin: str) -> dict[str, str]:
    return {
        "access-control-allow-origin": origin,
        "access-control-allow-methods": "GET, POST, OPTIONS",
        "access-control-allow-headers": _CORS_HEADERS,
        "access-control-expose-headers": "x-conversation-id",
        "access-control-max-age": "600",
        "vary": "Origin",
    }
