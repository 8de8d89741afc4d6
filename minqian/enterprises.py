"""Enterprises under supervision: identity, field, area, and the risk method they chose."""

from __future__ import annotations

import builtins
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Boolean, Column, Engine, String, Table, select

from minqian.access import AREA_ROLES, EnterpriseArea, Principal, reaches, require_enterprise
from minqian.audited import unaudited
from minqian.database import UtcDateTime, metadata
from minqian.errors import AccessDenied, InvalidRecord, RecordNotFound
from minqian.regions import city_of

FIELDS = ("工贸", "危化", "非煤矿山")
SIZES = ("大型", "中型", "小型", "微型")
RISK_METHODS = ("LEC", "matrix")

enterprises = Table(
    "enterprises",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("credit_code", String(18), nullable=True),  # 统一社会信用代码
    Column("industry", String(20), nullable=False),  # one of FIELDS
    Column("sector", String(100), nullable=False, default=""),  # e.g. 机械、轻工、冶金
    Column("city_code", String(12), nullable=False),
    Column("county_code", String(12), nullable=False),
    Column("address", String(300), nullable=False, default=""),
    Column("risk_method", String(10), nullable=False, default="LEC"),
    Column("size", String(10), nullable=True),  # 大型 | 中型 | 小型 | 微型
    Column("synthetic", Boolean, nullable=False, default=False),
    Column("created_at", UtcDateTime, nullable=False),
)


@dataclass(frozen=True)
class Enterprise:
    id: str
    name: str
    industry: str
    sector: str
    city_code: str
    county_code: str
    address: str = ""
    credit_code: str | None = None
    risk_method: str = "LEC"
    synthetic: bool = False
    size: str | None = None

    @property
    def area(self) -> EnterpriseArea:
        return EnterpriseArea(self.id, self.city_code, self.county_code)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class EnterpriseStore:
    """Read and register enterprises; reads are filtered by the caller's reach."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(self, enterprise: Enterprise, *, by: Principal | None = None) -> Enterprise:
        """Register an enterprise, or raise InvalidRecord naming the bad field.

        `by` is the caller when the request comes from outside (the API): only
        an administrator may register. Local operators (CLI, demo seeding,
        benchmarks) pass none.
        """
        if by is not None and by.role != "admin":
            raise AccessDenied("只有管理员可以登记企业")
        if not enterprise.id.strip() or not enterprise.name.strip():
            raise InvalidRecord("企业 ID 和名称不能为空")
        if enterprise.industry not in FIELDS:
            raise InvalidRecord(f"行业应为 {'、'.join(FIELDS)} 之一，收到 {enterprise.industry!r}")
        if enterprise.size is not None and enterprise.size not in SIZES:
            raise InvalidRecord(f"企业规模应为 {'、'.join(SIZES)} 之一，收到 {enterprise.size!r}")
        if enterprise.risk_method not in RISK_METHODS:
            raise InvalidRecord(f"风险评估方法应为 LEC 或 matrix，收到 {enterprise.risk_method!r}")
        try:
            city = city_of(enterprise.county_code)
        except ValueError as exc:
            raise InvalidRecord(str(exc)) from None
        if city.code != enterprise.city_code:
            raise InvalidRecord(f"县（市、区）{enterprise.county_code} 不属于 {enterprise.city_code}")
        if self.get(enterprise.id) is not None:
            raise InvalidRecord(f"企业 ID {enterprise.id} 已存在")
        with self._engine.begin() as connection:
            connection.execute(enterprises.insert().values(**asdict(enterprise), created_at=datetime.now(UTC)))
        return enterprise

    def get(self, enterprise_id: str) -> Enterprise | None:
        query = select(enterprises).where(enterprises.c.id == enterprise_id)
        with self._engine.connect() as connection:
            row = connection.execute(query).mappings().first()
        return _to_enterprise(row) if row else None

    def require(self, principal: Principal, enterprise_id: str) -> Enterprise:
        """The enterprise if the principal reaches it; 404 first so ids are not probed."""
        enterprise = self.get(enterprise_id)
        if enterprise is None:
            raise RecordNotFound(f"没有 ID 为 {enterprise_id} 的企业")
        require_enterprise(principal, enterprise.area)
        return enterprise

    @unaudited
    def outside_reach(self, principal: Principal) -> builtins.list[Enterprise]:
        """Every enterprise the principal may not see: what the assistant must never name to it."""
        with self._engine.connect() as connection:
            rows = connection.execute(select(enterprises).order_by(enterprises.c.id)).mappings().all()
        return [e for e in map(_to_enterprise, rows) if not reaches(principal, e.area)]

    def list(self, principal: Principal) -> builtins.list[Enterprise]:
        """Every enterprise the principal reaches, by id."""
        query = select(enterprises).order_by(enterprises.c.id)
        if principal.role in ("enterprise", "worker"):
            query = query.where(enterprises.c.id == (principal.enterprise_id or ""))
        elif principal.role in AREA_ROLES and principal.region:
            query = query.where(
                (enterprises.c.city_code == principal.region)
                | (enterprises.c.county_code == principal.region)
            )
        with self._engine.connect() as connection:
            return [_to_enterprise(row) for row in connection.execute(query).mappings()]

    def set_risk_method(self, enterprise_id: str, method: str) -> None:
        if method not in RISK_METHODS:
            raise InvalidRecord(f"风险评估方法应为 LEC 或 matrix，收到 {method!r}")
        with self._engine.begin() as connection:
            connection.execute(
                enterprises.update().where(enterprises.c.id == enterprise_id).values(risk_method=method)
            )


def _to_enterprise(row: Any) -> Enterprise:
    fields = {k: row[k] for k in Enterprise.__dataclass_fields__}
    return Enterprise(**fields)
