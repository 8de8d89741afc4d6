"""Agent tools over inspections: oversight warnings, leniency, checklists.

    “本月哪些企业被重复检查？”            → warnings of that type in the caller's area
    “灭火器过期能不能免罚？”              → the leniency list with its conditions and basis
    “某某公司的检查清单”                  → items drawn for its field and register
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from minqian.access import SUPERVISOR_ROLES, Principal
from minqian.errors import RecordError
from minqian.inspections.desk import InspectionDesk
from minqian.inspections.lenient import assess_leniency
from minqian.inspections.warnings import TYPES

_LENIENT = re.compile(r"免罚|免予处罚|不予处罚|不罚|包容审慎|轻微违法")
_CHECKLIST = re.compile(r"检查清单|检查方案|检查哪些|查什么")
_SHORT = {
    "多头": "多头检查",
    "重复": "重复检查",
    "高频": "高频次检查",
    "频繁": "高频次检查",
    "无计划": "无计划检查",
    "计划外": "无计划检查",
}


def answer_inspection(desk: InspectionDesk, principal: Principal, question: str) -> str:
    try:
        if _LENIENT.search(question):
            level = "重大隐患" if "重大" in question else "一般隐患"
            verdict = assess_leniency(question, level)
            return f"{verdict['text']}依据：{'；'.join(verdict['basis'])}。是否免罚由执法人员根据现场情况最终认定。"
        if _CHECKLIST.search(question):
            return _checklist(desk, principal, question)
        return _warnings(desk, principal, question)
    except RecordError as exc:
        return str(exc)


def _warnings(desk: InspectionDesk, principal: Principal, question: str) -> str:
    if principal.role not in SUPERVISOR_ROLES:
        return "检查预警仅向监管部门人员提供。"
    kinds = tuple(dict.fromkeys(v for k, v in _SHORT.items() if k in question)) or TYPES
    now = datetime.now(UTC)
    since = None
    if "本月" in question:
        since = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    elif "今年" in question or "本年" in question:
        since = now.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    elif "近" in question and "天" in question:
        days = re.search(r"近\s*(\d+)\s*天", question)
        since = now - timedelta(days=int(days.group(1))) if days else None
    found = desk.oversight.warnings(principal, since, None, kinds)
    scope = principal.area + ("本月" if "本月" in question else "今年" if "今年" in question else "")
    if not found:
        return f"{scope}没有{'、'.join(kinds)}预警。"
    lines = [f"{scope}共有 {len(found)} 条{'、'.join(kinds)}预警："]
    lines += [f"{n}. 【{w['type']}】{w['enterprise_name'] or w['enterprise']}："
              f"{w['reason']}（记录 {'、'.join(w['inspections'])}）"
              for n, w in enumerate(found[:20], 1)]  # fmt: skip
    return "\n".join(lines)


def _checklist(desk: InspectionDesk, principal: Principal, question: str) -> str:
    enterprises = desk.plans.coefficients.enterprises
    named = [e for e in enterprises.list(Principal("admin", "lookup")) if e.name in question]
    if not named:
        return "请写出企业全称，例如“某某有限公司的检查清单”。"
    enterprise = enterprises.require(principal, max(named, key=lambda e: len(e.name)).id)
    items = desk.catalogue.checklist(enterprise.industry, set())
    lines = [
        f"{enterprise.name}（{enterprise.industry}）适用的通用检查事项 {len(items)} 项"
        "（结合风险清单还会增加对应场景的事项）："
    ]
    lines += [f"- {i.id} {i.name}（依据：{'；'.join(i.basis[:2])}）" for i in items[:25]]
    return "\n".join(lines)
