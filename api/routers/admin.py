"""Key administration and the audit log over HTTP, for administrators only."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from api.auth import require_roles
from api.errors import ApiError

router = APIRouter(prefix="/v1/admin", tags=["admin"],
                   dependencies=[Depends(require_roles("admin"))])  # fmt: skip


class KeyRequest(BaseModel):
    # Like the other bodies: a typo ("orgins") is a 400, not a key made without it.
    model_config = ConfigDict(extra="forbid")

    role: Literal["admin", "inspector", "reviewer", "system", "enterprise"]
    name: str = Field(min_length=1, max_length=100)
    enterprise_id: str | None = Field(None, max_length=64)
    region: str | None = Field(None, max_length=12)
    origins: list[str] = Field(default_factory=list, max_length=20)


def _public(key: object) -> dict[str, object]:
    return {name: getattr(key, name) for name in
            ("id", "name", "role", "prefix", "enterprise_id", "allowed_origins", "created_at",
             "revoked_at", "region_code")}  # fmt: skip


@router.get("/keys")
def route_list_keys(request: Request) -> list[dict[str, object]]:
    return [_public(k) for k in request.app.state.key_store.list()]


@router.post("/keys", status_code=201)
def route_create_key(body: KeyRequest, request: Request) -> dict[str, object]:
    # A key bound to an enterprise nobody registered would open nothing and
    # hide a typo; the CLI refuses it the same way.
    if body.enterprise_id and request.app.state.risk.enterprises.get(body.enterprise_id) is None:
        raise ApiError(400, f"企业 {body.enterprise_id} 不存在，请先登记企业", "unknown_enterprise")
    try:
        record, plaintext = request.app.state.key_store.create(
            body.role, body.name, enterprise_id=body.enterprise_id, origins=body.origins, region=body.region
        )
    except ValueError as exc:
        raise ApiError(400, str(exc), "invalid_key_request") from exc
    # The plaintext is shown once, here; only its hash is stored.
    return _public(record) | {"key": plaintext}


@router.get("/audit")
def route_audit(request: Request, actor: str | None = Query(None, max_length=64),
                enterprise_id: str | None = Query(None, max_length=64), since: datetime | None = None,
                limit: int = Query(200, ge=1, le=1000)) -> dict[str, object]:  # fmt: skip
    """The newest audit entries first, filtered by who or which enterprise."""
    if since is not None and since.tzinfo is None:
        raise ApiError(400, "since 须带时区，例如 2026-12-01T00:00:00+08:00", "invalid_since", param="since")
    return {"data": request.app.state.audit.entries(actor, enterprise_id, since, limit)}


@router.get("/audit/verify")
def route_audit_verify(request: Request) -> dict[str, object]:
    """Walk the hash chain; `broken_at` is the first entry that was altered or follows a removed one."""
    checked, broken = request.app.state.audit.verify()
    return {"checked": checked, "intact": broken is None, "broken_at": broken}
