"""OpenAI-style error bodies for every failure the API reports.

    {"error": {"message": "...", "type": "invalid_request_error", "param": null, "code": "..."}}
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from minqian.errors import AccessDenied, InvalidRecord, RecordError, RecordNotFound, StateConflict
from minqian.sealing import SealError

logger = logging.getLogger(__name__)

_TYPES = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
          404: "not_found_error", 405: "invalid_request_error", 409: "conflict_error", 410: "gone_error",
          413: "invalid_request_error", 429: "rate_limit_error", 503: "service_unavailable_error"}  # fmt: skip
# Details the framework raises itself, said in Chinese like everything else.
_FRAMEWORK_DETAILS = {"There was an error parsing the body": "请求体无法解析：须为 UTF-8 编码、嵌套不过深的 JSON",
                      "Not Found": "接口不存在", "Method Not Allowed": "该接口不支持此请求方法"}  # fmt: skip
# Service-layer record errors and the status each one means on the wire.
_RECORD_STATUS = {RecordNotFound: (404, "not_found"), AccessDenied: (403, "forbidden"),
                  InvalidRecord: (400, "invalid_record"), StateConflict: (409, "state_conflict")}  # fmt: skip


class ApiError(Exception):
    """An error with an HTTP status, a Chinese message and a stable code."""

    def __init__(self, status: int, message: str, code: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.extra = extra


def error_body(status: int, message: str, code: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"message": message, "type": _TYPES.get(status, "api_error"),
                      "param": extra.pop("param", None), "code": code, **extra}}  # fmt: skip


def install_error_handlers(app: FastAPI) -> None:
    """Map our errors, HTTP errors and validation errors to OpenAI-style bodies."""

    @app.exception_handler(ApiError)
    async def on_api_error(request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(error_body(exc.status, exc.message, exc.code, **exc.extra), exc.status)

    @app.exception_handler(RecordError)
    async def on_record_error(request: Request, exc: RecordError) -> JSONResponse:
        status, code = next((v for k, v in _RECORD_STATUS.items() if isinstance(exc, k)), (400, "record_error"))
        return JSONResponse(error_body(status, str(exc), code), status)

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        if first.get("type") == "json_invalid":
            # Its loc is a character offset, not a field.
            message = f"请求体不是有效的 JSON：位置 {first['loc'][-1]} 附近有误"
            return JSONResponse(error_body(400, message, "invalid_json"), 400)
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        message = f"请求参数无效：{where}：{first.get('msg', '')}" if where else "请求体不是有效的 JSON"
        return JSONResponse(error_body(400, message, "invalid_request", param=where or None), 400)

    _install_unavailable_handlers(app)

    @app.exception_handler(SealError)
    async def on_sealed(request: Request, exc: SealError) -> JSONResponse:
        # A key missing from this process's keyring, or an altered value:
        # an operator's problem, reported without the value or the key.
        logger.error("sealed value did not open method=%s route=%s: %s", request.method, request.url.path, exc)
        message = "数据无法解密：本服务的数据密钥与写入时不一致，请联系管理员"
        return JSONResponse(error_body(500, message, "data_key_mismatch"), 500)

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = _FRAMEWORK_DETAILS.get(exc.detail, exc.detail) if isinstance(exc.detail, str) else "请求失败"
        if exc.status_code == 413:
            # A chunked body past max_body_size; a declared Content-Length is refused earlier.
            limit = request.app.state.settings.api.max_body_bytes
            return JSONResponse(error_body(413, f"请求体过大：最多 {limit} 字节", "request_too_large"), 413)
        return JSONResponse(error_body(exc.status_code, message, f"http_{exc.status_code}"),
                            exc.status_code, headers=getattr(exc, "headers", None))  # fmt: skip


def _install_unavailable_handlers(app: FastAPI) -> None:
    """503 when the database or the vector service cannot be reached (restarting, down).

    Without these a connection refused by PostgreSQL or Milvus surfaced as a
    bare "Internal Server Error" and uvicorn dropped the keep-alive connection.
    The log line names the cause; the caller is told to retry.
    """
    import sqlite3

    import psycopg
    from pymilvus.exceptions import MilvusException
    from sqlalchemy.exc import InterfaceError, OperationalError

    database = (OperationalError, InterfaceError, psycopg.OperationalError, psycopg.InterfaceError,
                sqlite3.OperationalError)  # fmt: skip
    causes = [(kind, "database") for kind in database] + [(MilvusException, "vector_store")]
    for kind, backend in causes:
        app.add_exception_handler(kind, _unavailable(backend))


_UNAVAILABLE = {"database": "数据库暂时无法访问，请稍后重试", "vector_store": "知识库检索服务暂时无法访问，请稍后重试"}


def unavailable(request: Request, backend: str, exc: Exception) -> JSONResponse:
    """The 503 for a backend that cannot be reached, with one log line naming the cause."""
    logger.error("service unavailable backend=%s method=%s route=%s error=%s: %s", backend, request.method,
                 request.url.path, type(exc).__name__, str(exc).splitlines()[0] if str(exc) else "")  # fmt: skip
    return JSONResponse(error_body(503, _UNAVAILABLE[backend], f"{backend}_unavailable"), 503,
                        headers={"retry-after": "5"})  # fmt: skip


def _unavailable(backend: str) -> Any:
    async def handler(request: Request, exc: Exception) -> JSONResponse:
        return unavailable(request, backend, exc)

    return handler
