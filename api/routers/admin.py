"""Key administration over HTTP, for administrators only."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from api.auth import require_roles
from api.errors import ApiError

router = APIRouter(prefix="/v1/admin", tags=["admin"],
                   dependencies=[Depends(require_roles("admin"))])  # fmt: skip


class KeyRequest(BaseModel):
    # Like the other bodies: a typo ("orgins") is a 400, not a key made without it.
    model_config = ConfigDict(extra="forbid")

    role: Literal["admin", "inspector", "enterprise"]
    name: str = Field(min_length=1, max_length=100)
    enterprise_id: str | None = Field(None, max_length=64)
    origins: list[str] = Field(default_factory=list, max_length=20)


def _public(key: object) -> dict[str, object]:
    return {name: getattr(key, name) for name in
            ("id", "name", "role", "prefix", "enterprise_id", "allowed_origins", "created_at",
             "revoked_at")}  # fmt: skip


@router.get("/keys")
def route_list_keys(request: Request) -> list[dict[str, object]]:
    return [_public(k) for k in request.app.state.key_store.list()]


@router.post("/keys", status_code=201)
def route_create_key(body: KeyRequest, request: Request) -> dict[str, object]:
    try:
        record, plaintext = request.app.state.key_store.create(
            body.role, body.name, enterprise_id=body.enterprise_id, origins=body.origins
        )
    except ValueError as exc:
        raise ApiError(400, str(exc), "invalid_key_request") from exc
    # The plaintext is shown once, here; only its hash is stored.
    return _public(record) | {"key": plaintext}
