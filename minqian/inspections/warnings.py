"""Oversight warnings on inspections, each with the reason it fired.

    多头检查   different departments at one enterprise within `multi_department_days`
    重复检查   one department, largely the same items, within `repeat_days`
    高频次检查 visits in a calendar year beyond the enterprise's on-site cap
    无计划检查 a visit with neither an approved plan nor a special approval

The rules are pure functions over visits, so the simulation in evals/ and the
service share them; the thresholds come from settings.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from minqian.settings import InspectionSettings

TYPES = ("多头检查", "重复检查", "高频次检查", "无计划检查")


@dataclass(frozen=True)
class Visit:
    id: str
    enterprise_id: str
    department: str
    started_at: datetime
    items: frozenset[str]
    plan_id: str | None
    approval_id: str | None


@dataclass(frozen=True)
class Warning:
    type: str
    enterprise: str
    inspections: tuple[str, ...]
    reason: str
    at: str  # when the last visit involved started

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "inspections": list(self.inspections)}


def evaluate(visits: list[Visit], caps: dict[str, int], rules: InspectionSettings) -> list[Warning]:
    by_enterprise: dict[str, list[Visit]] = defaultdict(list)
    for visit in visits:
        by_enterprise[visit.enterprise_id].append(visit)
    found: list[Warning] = []
    for enterprise_id, own in sorted(by_enterprise.items()):
        own.sort(key=lambda v: (v.started_at, v.id))
        found += _multi_department(enterprise_id, own, rules)
        found += _repeated(enterprise_id, own, rules)
        found += _over_cap(enterprise_id, own, caps.get(enterprise_id))
        found += [Warning("无计划检查", enterprise_id, (v.id,),
                          f"{v.department}{_day(v)}的检查既不在已审批的年度计划中，也没有专项检查审批", _day(v))
                  for v in own if not v.plan_id and not v.approval_id]  # fmt: skip
    return found


def _multi_department(enterprise_id: str, own: list[Visit], rules: InspectionSettings) -> list[Warning]:
    warnings, cluster = [], []
    for visit in own:
        if cluster and _days(cluster[0], visit) > rules.multi_department_days:
            warnings += _cluster_warning(enterprise_id, cluster, rules)
            cluster = []
        cluster.append(visit)
    return warnings + _cluster_warning(enterprise_id, cluster, rules)


def _cluster_warning(enterprise_id: str, cluster: list[Visit], rules: InspectionSettings) -> list[Warning]:
    departments = sorted({v.department for v in cluster})
    if len(departments) < 2:
        return []
    span = _days(cluster[0], cluster[-1])
    reason = (f"{_day(cluster[0])}至{_day(cluster[-1])}（{span}天内，阈值{rules.multi_department_days}天）"
              f"{'、'.join(departments)}等{len(departments)}个部门先后检查同一企业")  # fmt: skip
    return [Warning("多头检查", enterprise_id, tuple(v.id for v in cluster), reason, _day(cluster[-1]))]


def _repeated(enterprise_id: str, own: list[Visit], rules: InspectionSettings) -> list[Warning]:
    warnings = []
    for later_index, later in enumerate(own):
        for earlier in reversed(own[:later_index]):
            gap = _days(earlier, later)
            if gap > rules.repeat_days:
                break
            if earlier.department != later.department or not later.items:
                continue
            shared = len(earlier.items & later.items) / len(later.items)
            if shared >= rules.repeat_item_overlap:
                reason = (f"{later.department}在{gap}天内（阈值{rules.repeat_days}天）两次检查，"
                          f"后一次{shared:.0%}的检查事项与{_day(earlier)}的检查相同")  # fmt: skip
                warnings.append(Warning("重复检查", enterprise_id, (earlier.id, later.id), reason, _day(later)))
                break
    return warnings


def _over_cap(enterprise_id: str, own: list[Visit], cap: int | None) -> list[Warning]:
    if cap is None:
        return []
    warnings = []
    by_year: dict[int, list[Visit]] = defaultdict(list)
    for visit in own:
        by_year[visit.started_at.year].append(visit)
    for year, visits in sorted(by_year.items()):
        if len(visits) > cap:
            extra = visits[cap:]
            reason = (f"{year}年已现场检查{len(visits)}次，超过年度上限{cap}次；"
                      f"超出的为第{cap + 1}次起（{'、'.join(_day(v) for v in extra)}）")  # fmt: skip
            warnings.append(Warning("高频次检查", enterprise_id, tuple(v.id for v in visits), reason, _day(visits[-1])))
    return warnings


def _days(earlier: Visit, later: Visit) -> int:
    # Calendar days, as inspectors count them: a visit on 3 March is 30 days after 1 February's.
    return (later.started_at.date() - earlier.started_at.date()).days


def _day(visit: Visit) -> str:
    return visit.started_at.date().isoformat()
