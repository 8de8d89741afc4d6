"""Request bodies of the risk endpoints; responses are the services' dictionaries."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Body(BaseModel):
    # Unknown fields are refused so a typo ("responsable") is a 400, not silence.
    model_config = ConfigDict(extra="forbid")


class EnterpriseIn(_Body):
    id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    industry: Literal["工贸", "危化", "非煤矿山"]
    sector: str = Field("", max_length=100)
    city_code: str = Field(min_length=4, max_length=12)
    county_code: str = Field(min_length=6, max_length=12)
    address: str = Field("", max_length=300)
    credit_code: str | None = Field(None, min_length=18, max_length=18)
    risk_method: Literal["LEC", "matrix"] = "LEC"


class RegisterEntryIn(_Body):
    point: str = Field(description="Risk point id from the corpus, e.g. RS-001-01.", max_length=20)
    location: str | None = Field(None, max_length=200, description="Default: the point's usual location.")
    controls_in_place: list[int] = Field(
        default_factory=list, description="1-based numbers of the point's typical controls in place."
    )
    responsible: str = Field("", max_length=50)
    grade: Literal["重大", "较大", "一般", "低"] | None = Field(None, description="Manual grade.")
    grade_reason: str = Field("", max_length=500)


class RegisterIn(_Body):
    method: Literal["LEC", "matrix"] | None = None
    people: int = Field(0, ge=0, le=100000, description="People exposed at the same time.")
    entries: list[RegisterEntryIn] = Field(min_length=1, max_length=200)


class WorkerIn(_Body):
    name: str = Field(min_length=1, max_length=100)


class TransitionIn(_Body):
    to: Literal["已上报", "整改中", "已整改", "已验收"]
    note: str = Field("", max_length=1000)


class PatrolItemIn(_Body):
    item: str = Field(max_length=300)
    ok: bool


class PatrolIn(_Body):
    items: list[PatrolItemIn] = Field(min_length=1, max_length=50)
    note: str = Field("", max_length=1000)


class HazardReportIn(_Body):
    description: str = Field(min_length=1, max_length=2000)
    location: str = Field("", max_length=200)
    severity: Literal["一般隐患", "重大隐患"] = "一般隐患"
