"""`Idempotency-Key` on /v1 writes: a retried write is stored once and answered the same.

Only JSON answers are kept for replay (every write answers JSON); the chat is
left out, it streams and stores no record. See minqian/idempotency.py.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Awaitable, Callable

from fastapi import Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from api.errors import error_body
from minqian.idempotency import IdempotencyStore, fingerprint

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
EXEMPT = frozenset({"/v1/chat/completions"})
_KEY = re.compile(r"[\x21-\x7e]{1,100}")  # printable ASCII, as other APIs' keys (UUIDs, ULIDs)


async def idempotent(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    key = request.headers.get("idempotency-key")
    path = request.url.path
    if key is None or request.method not in WRITES or not path.startswith("/v1/") or path in EXEMPT:
        return await call_next(request)
    if not _KEY.fullmatch(key):
        return _error(400, "Idempotency-Key 无效：须为 1–100 个可见 ASCII 字符，如 UUID", "invalid_idempotency_key")
    credential = request.headers.get("authorization") or request.headers.get("x-worker-token")
    if not credential:
        return await call_next(request)  # refused by the route; nothing to remember
    if "content-length" not in request.headers and request.headers.get("transfer-encoding"):
        # The body is read whole here to fingerprint it; without a declared
        # length the size limit could not be checked first.
        return _error(411, "带 Idempotency-Key 的请求须声明 Content-Length", "length_required")
    store: IdempotencyStore = request.app.state.idempotency
    owner = hashlib.sha256(credential.encode("latin-1")).hexdigest()
    body = await request.body()
    attempt = await run_in_threadpool(store.begin, owner, key,
                                      fingerprint(request.method, path, request.url.query, body))  # fmt: skip
    if attempt.outcome == "replay":
        return Response(attempt.body, attempt.status or 200, media_type=attempt.media_type,
                        headers={"idempotent-replayed": "true"})  # fmt: skip
    if attempt.outcome == "running":
        return _error(409, "使用同一 Idempotency-Key 的请求正在处理，请稍后重试", "idempotency_in_progress")
    if attempt.outcome == "mismatch":
        return _error(422, "该 Idempotency-Key 已用于另一个请求，请换一个新的", "idempotency_key_reused")
    try:
        response = await call_next(request)
    except BaseException:
        await run_in_threadpool(store.release, owner, key)
        raise
    if response.status_code >= 500 or "json" not in (response.media_type or response.headers.get("content-type", "")):
        await run_in_threadpool(store.release, owner, key)
        return response
    content = b"".join([chunk async for chunk in response.body_iterator])  # type: ignore[attr-defined]
    media_type = response.headers.get("content-type", "application/json")
    await run_in_threadpool(store.finish, owner, key, response.status_code, content.decode("utf-8"), media_type)
    return Response(content, response.status_code, headers=dict(response.headers))


def _error(status: int, message: str, code: str) -> JSONResponse:
    return JSONResponse(error_body(status, message, code, param="Idempotency-Key"), status)
