"""API keys on every /v1 request, checked on the server; browser origins per key."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from fastapi import Depends, Request

from api.errors import ApiError
from minqian.keys import ApiKey, ApiKeyStore


def _store(request: Request) -> ApiKeyStore:
    return request.app.state.key_store


def current_key(request: Request, store: ApiKeyStore = Depends(_store)) -> ApiKey:
    """The caller's key from `Authorization: Bearer …`, or 401."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "缺少 API 密钥：请在 Authorization 头中使用 Bearer 密钥", "missing_api_key")
    key = store.authenticate(token.strip())
    if key is None:
        raise ApiError(401, "API 密钥无效或已被吊销", "invalid_api_key")
    _check_origin(request, key)
    request.state.api_key = key
    return key


def require_roles(*roles: str) -> Callable[..., ApiKey]:
    """A dependency that lets only the given roles through (403 otherwise)."""

    def check(key: ApiKey = Depends(current_key)) -> ApiKey:
        if key.role not in roles:
            raise ApiError(403, f"角色 {key.role} 无权访问此接口", "forbidden_role")
        return key

    return check


def is_cross_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    return bool(origin) and urlsplit(origin).netloc != request.headers.get("host", "")


def _check_origin(request: Request, key: ApiKey) -> None:
    """A browser on another site may use only an enterprise key listing that site."""
    if not is_cross_origin(request):
        return
    origin = request.headers["origin"]
    if key.role != "enterprise" or origin not in key.allowed_origins:
        raise ApiError(403, f"此密钥不允许从 {origin} 调用", "origin_not_allowed")
