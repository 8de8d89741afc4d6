"""Who is asking, and which enterprises' records that reaches.

Every service method that reads or writes an enterprise's records takes a
Principal and calls `require_enterprise` (or filters with `visible_to`)
before touching the rows; the API, the console and the agent's tools all pass
the caller's principal down, so none of them can widen access.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from minqian.errors import AccessDenied
from minqian.regions import region_name

PrincipalRole = Literal["admin", "inspector", "reviewer", "system", "enterprise", "worker"]
# Limited to a city or county, or the province. `system` is another system's API
# client (a provincial platform pulling oversight data): it reads like an
# inspector of its area and writes nothing, because every write path checks
# for the roles allowed to make it.
AREA_ROLES = ("inspector", "reviewer", "system")
SUPERVISOR_ROLES = AREA_ROLES + ("admin",)  # may read oversight data across enterprises


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: an API key's holder or a worker identity."""

    role: PrincipalRole
    subject: str  # key id or worker id, for records and logs
    name: str = ""
    enterprise_id: str | None = None  # enterprise and worker principals
    region: str | None = None  # inspectors: a city or county code; None = province

    @property
    def area(self) -> str:
        return region_name(self.region)


@dataclass(frozen=True)
class EnterpriseArea:
    """What access checks need to know about an enterprise."""

    id: str
    city_code: str
    county_code: str


def reaches(principal: Principal, enterprise: EnterpriseArea) -> bool:
    """True when the principal may see this enterprise's records."""
    if principal.role == "admin":
        return True
    if principal.role in AREA_ROLES:
        return principal.region in (None, enterprise.city_code, enterprise.county_code)
    return principal.enterprise_id == enterprise.id


def require_enterprise(principal: Principal, enterprise: EnterpriseArea) -> None:
    """Raise AccessDenied unless the principal reaches the enterprise."""
    if not reaches(principal, enterprise):
        if principal.role in AREA_ROLES:
            raise AccessDenied(f"该企业不在您的辖区（{principal.area}）内，无权查看")
        raise AccessDenied("只能查看本企业的数据")


def require_enterprise_user(principal: Principal, enterprise_id: str) -> None:
    """Only the enterprise itself (or an administrator) may change its register."""
    if principal.role == "admin":
        return
    if principal.role != "enterprise" or principal.enterprise_id != enterprise_id:
        raise AccessDenied("只有本企业的账号才能进行此操作")
