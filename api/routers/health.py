"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter, Request

router = APIRouter(tags=["health"])


@router.get("/healthz")
def route_health(request: Request) -> dict[str, object]:
    kb = request.app.state.kb
    return {"status": "ok", "instruments": len(kb.catalog.entries), "clauses": kb.index.count()}
