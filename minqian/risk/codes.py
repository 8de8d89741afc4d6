"""Risk management codes: what a code shows, its scan URL, listing and revocation."""

from __future__ import annotations

import builtins
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select

from minqian.access import Principal, require_enterprise_user
from minqian.enterprises import Enterprise, EnterpriseStore
from minqian.errors import RecordNotFound, StateConflict
from minqian.risk.grading import GRADE_COLOURS
from minqian.risk.records import risk_codes
from minqian.risk.scenarios import AccidentCase
from minqian.risk.tokens import CodeSigner


def code_snapshot(enterprise: Enterprise, entry: dict[str, Any],
                  accidents: list[AccidentCase]) -> dict[str, Any]:  # fmt: skip
    """Everything the scan page shows, frozen at issue so a posted code never drifts."""
    return {
        "enterprise_id": enterprise.id, "enterprise": enterprise.name,
        "risk_point": entry["name"], "scenario": entry["scenario"], "point_ref": entry["point_ref"],
        "location": entry["location"], "grade": entry["grade"],
        "colour": GRADE_COLOURS[entry["grade"]], "responsible": entry["responsible"],
        "hazards": entry["hazards"], "accident_types": entry["accident_types"],
        "controls": entry["controls"], "safe_operation": entry["safe_operation"],
        "patrol_checks": entry["patrol_checks"], "emergency": entry["emergency"],
        "grading": {k: entry["grading"][k] for k in ("method", "formula", "reasons")},
        "accidents": [
            {"id": a.id, "name": a.name, "date": a.date, "accident_type": a.accident_type,
             "casualties": a.casualties, "direct_cause": a.direct_cause, "lessons": list(a.lessons)}
            for a in accidents
        ],
    }  # fmt: skip


@dataclass(frozen=True)
class ScannedCode:
    """A code found from its URL token; `valid` is False for revoked or superseded ones."""

    row: dict[str, Any]
    valid: bool

    @property
    def snapshot(self) -> dict[str, Any]:
        return json.loads(self.row["snapshot"])


class CodeBook:
    """Read, describe and revoke issued codes."""

    def __init__(self, engine: Engine, enterprises: EnterpriseStore, signer: CodeSigner,
                 public_url: str) -> None:  # fmt: skip
        self._engine = engine
        self.enterprises = enterprises
        self.signer = signer
        self.public_url = public_url.rstrip("/")

    def describe(self, row: Any) -> dict[str, Any]:
        """A code as callers see it: who, what, grade, state and its scan URL."""
        snapshot = json.loads(row["snapshot"])
        token = self.signer.token(row["id"], row["nonce"])
        return {
            "id": row["id"], "lineage": row["lineage"], "version": row["version"],
            "enterprise_id": row["enterprise_id"], "enterprise": snapshot["enterprise"],
            "risk_point": snapshot["risk_point"], "location": snapshot["location"],
            "scenario": snapshot["scenario"], "grade": row["grade"],
            "colour": GRADE_COLOURS[row["grade"]], "responsible": snapshot["responsible"],
            "status": row["status"], "url": f"{self.public_url}/r/{token}",
            "issued_at": row["issued_at"].isoformat(),
            "revoked_at": row["revoked_at"].isoformat() if row["revoked_at"] else None,
            "superseded_by": row["superseded_by"],
        }  # fmt: skip

    def list(self, principal: Principal, enterprise_id: str | None = None,
             include_withdrawn: bool = False) -> builtins.list[dict[str, Any]]:  # fmt: skip
        """Codes of one enterprise, or of every enterprise the principal reaches."""
        if enterprise_id is not None:
            ids = [self.enterprises.require(principal, enterprise_id).id]
        else:
            ids = [e.id for e in self.enterprises.list(principal)]
        query = select(risk_codes).where(risk_codes.c.enterprise_id.in_(ids))
        if not include_withdrawn:
            query = query.where(risk_codes.c.status == "有效")
        query = query.order_by(risk_codes.c.enterprise_id, risk_codes.c.issued_at, risk_codes.c.id)
        with self._engine.connect() as connection:
            return [self.describe(r) for r in connection.execute(query).mappings()]

    def get(self, principal: Principal, code_id: str) -> dict[str, Any]:
        row = self._row(code_id)
        self.enterprises.require(principal, row["enterprise_id"])
        return {**self.describe(row), "snapshot": json.loads(row["snapshot"])}

    def revoke(self, principal: Principal, code_id: str) -> dict[str, Any]:
        """Withdraw a code at once (the point was removed, the label was lost …)."""
        row = self._row(code_id)
        self.enterprises.require(principal, row["enterprise_id"])
        require_enterprise_user(principal, row["enterprise_id"])
        if row["status"] != "有效":
            raise StateConflict(f"风险码 {code_id} 已是“{row['status']}”状态")
        with self._engine.begin() as connection:
            connection.execute(risk_codes.update().where(risk_codes.c.id == code_id)
                               .values(status="已撤销", revoked_at=datetime.now(UTC)))  # fmt: skip
        return self.describe(self._row(code_id))

    def scan(self, token: str) -> ScannedCode:
        """The code a scanned URL names; RecordNotFound for forged or unknown tokens."""
        code_id = self.signer.code_id(token)
        row = self._find(code_id) if code_id else None
        if row is None or not self.signer.verify(token, row["nonce"]):
            raise RecordNotFound("二维码无效：无法识别的风险管理码")
        return ScannedCode(dict(row), row["status"] == "有效")

    def _row(self, code_id: str) -> Any:
        row = self._find(code_id)
        if row is None:
            raise RecordNotFound(f"没有编号为 {code_id} 的风险管理码")
        return row

    def _find(self, code_id: str) -> Any:
        with self._engine.connect() as connection:
            return connection.execute(
                select(risk_codes).where(risk_codes.c.id == code_id)
            ).mappings().first()  # fmt: skip
