"""Agent tools over risk records: registers, codes, patrols and hazard reports.

The caller's principal decides which enterprise a question is about: an
enterprise user always gets its own; an inspector names one in the question
and gets it only inside the area. Access is checked by the services, so a
question that names another enterprise gets the same refusal as the API.
"""

from __future__ import annotations

import re

from minqian.access import SUPERVISOR_ROLES, Principal
from minqian.enterprises import Enterprise
from minqian.errors import RecordError
from minqian.risk.desk import RiskDesk

IDENTIFY = re.compile(r"(做|开展|进行|帮我|开始|重新)[^，。？]{0,6}(风险辨识|风险识别|风险评估|辨识)|^风险辨识$")


def wants_identification(question: str) -> bool:
    return bool(IDENTIFY.search(question.strip()))


def answer_risk_records(desk: RiskDesk, principal: Principal, question: str) -> str:
    """A structured answer about one enterprise's risk records, or why there is none."""
    try:
        enterprise = _enterprise_in_question(desk, principal, question)
        if enterprise is None:
            return _area_overview(desk, principal)
        if re.search(r"巡查|打卡|巡检", question):
            return _patrols(desk, principal, enterprise)
        if re.search(r"隐患", question):
            return _reports(desk, principal, enterprise)
        if re.search(r"风险码|管理码|二维码|标签", question):
            return _codes(desk, principal, enterprise)
        return _register(desk, principal, enterprise)
    except RecordError as exc:
        return str(exc)


def _enterprise_in_question(desk: RiskDesk, principal: Principal, question: str) -> Enterprise | None:
    if principal.enterprise_id:
        return desk.enterprises.require(principal, principal.enterprise_id)
    named = [e for e in desk.enterprises.list(Principal("admin", "lookup")) if e.name in question]
    if not named:
        return None
    return desk.enterprises.require(principal, max(named, key=lambda e: len(e.name)).id)


def _register(desk: RiskDesk, principal: Principal, enterprise: Enterprise) -> str:
    register = desk.registers.current(principal, enterprise.id)
    if register is None:
        return f"{enterprise.name}还没有确认的风险清单。企业账号可以说“帮我做风险辨识”开始。"
    lines = [f"{enterprise.name}风险清单（第{register['version']}版，{register['confirmed_at'][:10]}确认，"
             f"{'LEC法' if register['method'] == 'LEC' else '风险矩阵法'}）："]  # fmt: skip
    for e in register["entries"]:
        lines.append(f"{e['position']}. 【{e['scenario']}】{e['name']}｜{e['location']}｜{e['grade']}风险"
                     f"（{e['grading']['formula']}）｜责任人：{e['responsible'] or '未指定'}")  # fmt: skip
        if e["controls_missing"]:
            lines.append(f"   尚未落实：{'；'.join(e['controls_missing'][:3])}")
    return "\n".join(lines)


def _codes(desk: RiskDesk, principal: Principal, enterprise: Enterprise) -> str:
    codes = desk.codes.list(principal, enterprise.id)
    if not codes:
        return f"{enterprise.name}目前没有有效的风险管理码。"
    lines = [f"{enterprise.name}有效的风险管理码 {len(codes)} 个："]
    lines += [f"- {c['id']}（第{c['version']}版）{c['risk_point']}｜{c['location']}｜{c['grade']}风险（{c['colour']}）"
              f"｜{c['url']}" for c in codes]  # fmt: skip
    return "\n".join(lines)


def _patrols(desk: RiskDesk, principal: Principal, enterprise: Enterprise) -> str:
    patrols = desk.field.patrols(principal, enterprise.id, limit=10)
    if not patrols:
        return f"{enterprise.name}还没有巡查打卡记录。"
    lines = [f"{enterprise.name}最近 {len(patrols)} 次巡查打卡："]
    for p in patrols:
        bad = [i["item"] for i in p["items"] if not i["ok"]]
        state = "全部正常" if not bad else f"异常：{'；'.join(bad)}"
        lines.append(f"- {p['checked_at'][:16].replace('T', ' ')} {p['worker']}（{p['code_id']}）{state}")
    return "\n".join(lines)


def _reports(desk: RiskDesk, principal: Principal, enterprise: Enterprise) -> str:
    reports = desk.field.reports(principal, enterprise.id)
    if not reports:
        return f"{enterprise.name}没有内部隐患报告。"
    open_count = sum(1 for r in reports if r["status"] != "已验收")
    lines = [f"{enterprise.name}内部隐患报告 {len(reports)} 条，未闭环 {open_count} 条："]
    lines += [f"- [{r['status']}] {r['severity']}｜{r['location']}｜{r['description'][:40]}"
              f"｜{r['reporter']} {r['created_at'][:10]}" for r in reports[:10]]  # fmt: skip
    return "\n".join(lines)


def _area_overview(desk: RiskDesk, principal: Principal) -> str:
    if principal.role not in SUPERVISOR_ROLES:
        return "请说明要查询的企业。"
    enterprises = desk.enterprises.list(principal)
    codes = desk.codes.list(principal)
    by_grade: dict[str, int] = {}
    for code in codes:
        by_grade[code["grade"]] = by_grade.get(code["grade"], 0) + 1
    graded = "，".join(f"{g}风险 {n} 个" for g, n in sorted(by_grade.items())) or "无"
    return (f"{principal.area}辖区登记企业 {len(enterprises)} 家，有效风险管理码 {len(codes)} 个（{graded}）。"
            "查询某家企业时请在问题中写出企业全称，例如“某某公司的风险清单”。")  # fmt: skip
