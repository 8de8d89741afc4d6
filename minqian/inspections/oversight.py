"""Warnings over the records a principal may see, with the caps the coefficient set."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select

from minqian.access import Principal
from minqian.coefficient.service import CoefficientService
from minqian.inspections.records import inspection_records, inspection_schemes
from minqian.inspections.warnings import TYPES, Visit, evaluate
from minqian.settings import InspectionSettings


class OversightService:
    def __init__(self, engine: Engine, coefficients: CoefficientService, rules: InspectionSettings) -> None:
        self._engine = engine
        self.coefficients = coefficients
        self.rules = rules

    def warnings(self, principal: Principal, since: datetime | None = None, until: datetime | None = None,
                 kinds: tuple[str, ...] = TYPES) -> list[dict[str, Any]]:  # fmt: skip
        """Warnings among visits in reach; a warning is kept if its last visit falls in the range."""
        visible = {e.id: e for e in self.coefficients.enterprises.list(principal)}
        visits = self.visits(list(visible))
        caps = {r["enterprise"]: r["onsite_cap"] for r in self.coefficients.listing(principal)}
        names = {k: v.name for k, v in visible.items()}
        shown = []
        for warning in evaluate(visits, caps, self.rules):
            if warning.type not in kinds:
                continue
            if since and warning.at < since.date().isoformat() or until and warning.at > until.date().isoformat():
                continue
            shown.append({**warning.as_dict(), "enterprise_name": names.get(warning.enterprise, "")})
        return shown

    def visits(self, enterprise_ids: list[str]) -> list[Visit]:
        query = (select(inspection_records.c.id, inspection_records.c.enterprise_id, inspection_records.c.department,
                        inspection_records.c.started_at, inspection_records.c.plan_id,
                        inspection_records.c.approval_id, inspection_schemes.c["items"])
                 .join(inspection_schemes, inspection_schemes.c.id == inspection_records.c.scheme_id, isouter=True)
                 .where(inspection_records.c.enterprise_id.in_(enterprise_ids)))  # fmt: skip
        with self._engine.connect() as connection:
            return [Visit(r.id, r.enterprise_id, r.department, r.started_at, frozenset(json.loads(r.items or "[]")),
                          r.plan_id, r.approval_id) for r in connection.execute(query)]  # fmt: skip
