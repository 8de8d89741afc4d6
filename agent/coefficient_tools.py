"""Agent tools over safety coefficients: one enterprise's score and why, rankings, caps.

    “某某公司的安全生产系数是多少，为什么扣分？”  → explain
    “本县系数最低的十家企业”                      → ranking within the caller's area
    “这家企业今年还能现场检查几次？”              → cap minus this year's visits

The caller's principal bounds every answer; the services refuse the rest.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from ingestion.numerals import chinese_to_int
from minqian.access import Principal
from minqian.coefficient.desk import CoefficientDesk
from minqian.enterprises import Enterprise
from minqian.errors import RecordError

_RANKING = re.compile(r"(最低|最高|排名|倒数|前\s*[\d一二三四五六七八九十]+)")
_COUNT = re.compile(r"([\d]+|[一二三四五六七八九十]+)\s*(家|个|名)")
_VISITS = re.compile(r"还能.{0,4}检查|检查.{0,4}还剩|剩余.{0,4}检查")


def answer_coefficient(desk: CoefficientDesk, principal: Principal, question: str) -> str:
    try:
        if _RANKING.search(question) and not _VISITS.search(question):
            return _ranking(desk, principal, question)
        enterprise = _enterprise(desk, principal, question)
        if enterprise is None:
            return "请在问题中写出企业全称，例如“某某有限公司的安全生产系数是多少？”。"
        if _VISITS.search(question):
            return _remaining_visits(desk, principal, enterprise)
        return _explain(desk, principal, enterprise)
    except RecordError as exc:
        return str(exc)


def _enterprise(desk: CoefficientDesk, principal: Principal, question: str) -> Enterprise | None:
    if principal.enterprise_id:
        return desk.scores.enterprises.require(principal, principal.enterprise_id)
    everyone = desk.scores.enterprises.list(Principal("admin", "lookup"))
    named = [e for e in everyone if e.name in question or e.id in question]
    if not named:
        return None
    return desk.scores.enterprises.require(principal, max(named, key=lambda e: len(e.name)).id)


def _explain(desk: CoefficientDesk, principal: Principal, enterprise: Enterprise) -> str:
    shown = desk.scores.explain(principal, enterprise.id)
    breakdown = shown["breakdown"]
    lines = [f"{enterprise.name}{shown['period']}安全生产系数 {shown['coefficient']:g} 分，"
             f"等级 {shown['grade']}（{breakdown['label']}），评估规则 {shown['rules_version']}。"]  # fmt: skip
    for veto in breakdown["vetoes"]:
        lines.append(f"否决项：{veto['name']}，等级最高为 {veto['cap']}（依据：{'；'.join(veto['basis'])}）。")
    lost = sorted((i for i in breakdown["items"] if i["lost"] > 0), key=lambda i: -i["lost"])
    if lost:
        lines.append("扣分情况：")
        lines += [f"- {i['dimension']}·{i['name']}：得 {i['points']:g}/{i['max_points']:g} 分，{i['reason']}"
                  f"（{i['source']}；依据：{'；'.join(i['basis'])}）" for i in lost[:8]]  # fmt: skip
    else:
        lines.append("各项指标均为满分。")
    plan = shown["supervision"]
    lines.append(f"监管安排：年度现场检查上限 {plan['onsite_cap']} 次，{plan['mode']}"
                 f"{'，列入重点检查企业名单' if plan['key_inspection'] else ''}。")  # fmt: skip
    return "\n".join(lines)


def _ranking(desk: CoefficientDesk, principal: Principal, question: str) -> str:
    rows = desk.scores.listing(principal)
    if not rows:
        return "辖区内还没有发布的企业安全生产系数。"
    count = _COUNT.search(question)
    n = min(int(count.group(1)) if count and count.group(1).isdigit() else
            (chinese_to_int(count.group(1)) if count else 10), 50)  # fmt: skip
    highest = "最高" in question
    chosen = list(reversed(rows))[:n] if highest else rows[:n]
    lines = [f"{principal.area}{rows[0]['period']}安全生产系数{'最高' if highest else '最低'}的 {len(chosen)} 家企业："]
    lines += [f"{k}. {r['name']}（{r['county']}，{r['industry']}）{r['coefficient']:g} 分，等级 {r['grade']}"
              f"{'，重点检查' if r['key_inspection'] else ''}" for k, r in enumerate(chosen, 1)]  # fmt: skip
    return "\n".join(lines)


def _remaining_visits(desk: CoefficientDesk, principal: Principal, enterprise: Enterprise) -> str:
    shown = desk.scores.explain(principal, enterprise.id)
    plan = shown["supervision"]
    year = datetime.now(UTC).year
    done = desk.scores.onsite_visits(principal, enterprise.id, year)
    left = max(plan["onsite_cap"] - done, 0)
    reasons = "；".join(plan["reasons"])
    return (f"{enterprise.name}{year}年现场检查上限 {plan['onsite_cap']} 次（{reasons}），今年已现场检查 {done} 次，"
            f"还可现场检查 {left} 次。" + ("已达上限，如确需检查须按专项检查报批。" if left == 0 else ""))  # fmt: skip
