"""Worker identities: issued by an enterprise, used on the scan page to sign records.

Reading a posted code needs nothing; recording a patrol or a hazard report
needs a worker token, so every record names a real person the enterprise
vouched for, and a worker who leaves is revoked without touching the codes.
"""

from __future__ import annotations

import builtins
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select

from minqian.access import Principal, require_enterprise_user
from minqian.enterprises import EnterpriseStore
from minqian.errors import InvalidRecord, RecordNotFound
from minqian.risk.records import workers
from minqian.risk.tokens import WORKER_PREFIX, hash_token, new_worker_token


class WorkerRegistry:
    """Issue, check, list and revoke worker identities."""

    def __init__(self, engine: Engine, enterprises: EnterpriseStore) -> None:
        self._engine = engine
        self.enterprises = enterprises

    def issue(self, principal: Principal, enterprise_id: str, name: str) -> tuple[dict[str, Any], str]:
        """A new worker identity and its token, shown only now."""
        self.enterprises.require(principal, enterprise_id)
        require_enterprise_user(principal, enterprise_id)
        name = name.strip()
        if not name or len(name) > 100:
            raise InvalidRecord("员工姓名不能为空，且不超过 100 个字")
        token = new_worker_token()
        row = {
            "id": uuid.uuid4().hex, "enterprise_id": enterprise_id, "name": name,
            "token_hash": hash_token(token), "prefix": token[len(WORKER_PREFIX):][:8],
            "created_at": datetime.now(UTC), "revoked_at": None,
        }  # fmt: skip
        with self._engine.begin() as connection:
            connection.execute(workers.insert().values(row))
        return _worker(row), token

    def authenticate(self, token: str) -> Principal | None:
        """The worker a token belongs to, as a principal, if it is active."""
        if not token.startswith(WORKER_PREFIX):
            return None
        query = select(workers).where(workers.c.token_hash == hash_token(token),
                                      workers.c.revoked_at.is_(None))  # fmt: skip
        with self._engine.connect() as connection:
            row = connection.execute(query).mappings().first()
        return Principal("worker", row["id"], row["name"], row["enterprise_id"]) if row else None

    def list(self, principal: Principal, enterprise_id: str) -> builtins.list[dict[str, Any]]:
        self.enterprises.require(principal, enterprise_id)
        query = select(workers).where(workers.c.enterprise_id == enterprise_id).order_by(workers.c.created_at)
        with self._engine.connect() as connection:
            return [_worker(r) for r in connection.execute(query).mappings()]

    def names(self, ids: set[str]) -> dict[str, str]:
        """Worker names by id, for showing who made a record."""
        if not ids:
            return {}
        query = select(workers.c.id, workers.c.name).where(workers.c.id.in_(ids))
        with self._engine.connect() as connection:
            return {r.id: r.name for r in connection.execute(query)}

    def revoke(self, principal: Principal, worker_id: str) -> dict[str, Any]:
        with self._engine.connect() as connection:
            row = connection.execute(select(workers).where(workers.c.id == worker_id)).mappings().first()
        if row is None:
            raise RecordNotFound(f"没有 ID 为 {worker_id} 的员工")
        self.enterprises.require(principal, row["enterprise_id"])
        require_enterprise_user(principal, row["enterprise_id"])
        with self._engine.begin() as connection:
            connection.execute(workers.update().where(workers.c.id == worker_id, workers.c.revoked_at.is_(None))
                               .values(revoked_at=datetime.now(UTC)))  # fmt: skip
        return {**_worker(row), "active": False}


def _worker(row: Any) -> dict[str, Any]:
    return {
        "id": row["id"], "enterprise_id": row["enterprise_id"], "name": row["name"],
        "prefix": row["prefix"], "created_at": row["created_at"].isoformat(),
        "active": row["revoked_at"] is None,
    }  # fmt: skip
