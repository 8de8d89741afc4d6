"""One audit entry per /v1 request: who, which route and ids, what came of it.

Written after the response is ready and before it is sent, in a worker
thread, so an acknowledged change always has its entry. Scan routes carry a
signed code token instead of a key; the entry keeps the code id it names,
never the token, and the worker behind an X-Worker-Token header.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import Request

from minqian.access import Principal
from minqian.audit import AuditEntry

logger = logging.getLogger(__name__)

# POSTs that only read: asking and searching change no record.
READING_POSTS = frozenset({"/v1/chat/completions", "/v1/leniency"})


def entry_for(request: Request, status: int) -> AuditEntry | None:
    """The entry for this request, or None when it touches no record (not /v1, no route)."""
    route = request.scope.get("route")
    path = getattr(route, "path", None)
    if path is None or not path.startswith("/v1/"):
        return None
    principal = _principal(request)
    params: dict[str, Any] = dict(request.path_params)
    token = params.pop("token", None)
    if token is not None:
        params["code_id"] = request.app.state.risk.codes.signer.code_id(str(token))
    params |= {f"query.{k}": v for k, v in request.query_params.items()}
    if status in (401, 403):
        action = "denied"
    elif request.method in ("GET", "HEAD") or path in READING_POSTS:
        action = "read"
    else:
        action = "change"
    enterprise_id = params.get("enterprise_id") or (principal.enterprise_id if principal else None)
    channel = "scan" if path.startswith("/v1/scan/") else "api"
    return AuditEntry(principal, channel, action, f"{request.method} {path}", params,
                      str(enterprise_id)[:64] if enterprise_id else None, status)  # fmt: skip


def write_entry(request: Request, status: int) -> None:
    audit = getattr(request.app.state, "audit", None)
    try:
        entry = entry_for(request, status) if audit is not None else None
        if entry is not None:
            audit.append(entry)
    except Exception:
        # The request's own change is already committed; failing the response
        # now would tell the caller it was not. The gap is logged instead.
        # TODO: writing the entry in the change's own transaction closes it.
        logger.exception("audit entry not written method=%s path=%s status=%s",
                         request.method, request.url.path, status)  # fmt: skip


def _principal(request: Request) -> Principal | None:
    key = getattr(request.state, "api_key", None)
    if key is not None:
        return key.principal
    worker_token = request.headers.get("x-worker-token", "")
    if worker_token:
        return request.app.state.risk.workers.authenticate(worker_token)
    return None
