"""What the guided risk identification says and how it reads the answers.

Each question offers choices or an example, because most users answer on a
phone and without a model every answer has to be read by rules.
"""

from __future__ import annotations

import re
from typing import Any

from minqian.risk.grading import CODED_GRADES, GRADES
from minqian.risk.identification import Candidate
from minqian.risk.scenarios import RiskPoint

INDUSTRIES = ("工贸", "危化", "非煤矿山")
CANCEL = re.compile(r"^(取消|退出|不做了|结束辨识)[。！!]?$")
CANCELLED = "已退出风险辨识，本次填写的内容未保存。需要时说“帮我做风险辨识”重新开始。"
FOOTER = "（回复“取消”可退出）"
KIND_LABELS = {"engineering": "工程技术", "management": "管理", "ppe": "个体防护", "emergency": "应急处置"}


def industry_question(default: str | None, error: str = "") -> dict[str, Any]:
    known = f"系统登记的行业是“{default}”，回复“是”确认，或选择：" if default else "请选择："
    text = (f"{_error(error)}好的，我们一起做风险辨识，共五个问题，之后我会列出可能的风险点并逐个评估。\n"
            f"第1步：贵企业属于哪个行业？{known}1. 工贸　2. 危化　3. 非煤矿山{FOOTER}")  # fmt: skip
    return {"step": "industry", "question": text, "choices": list(INDUSTRIES)}


def text_question(step: str, error: str = "") -> dict[str, Any]:
    prompts = {
        "workplaces": "第2步：请描述主要作业场所和生产工艺，例如“铝合金轮毂打磨抛光车间、喷涂线”"
                      "“速冻加工车间、氨制冷机房”。",
        "equipment": "第3步：主要设备设施有哪些？例如“布袋除尘器、液氨储罐、叉车、行车、锅炉”。没有可回复“无”。",
        "materials": "第4步：涉及哪些危险物质，各约多少？例如“液氨15吨、甲醇300吨、铝粉尘”。没有可回复“无”。",
        "people": "第5步：这些场所同一时间一般有多少人作业？请回复人数，例如“25”。",
    }  # fmt: skip
    return {"step": step, "question": f"{_error(error)}{prompts[step]}{FOOTER}", "choices": []}


def proposal_question(candidates: list[Candidate], error: str = "") -> dict[str, Any]:
    lines = [f"{_error(error)}根据您的描述，初步辨识出以下 {len(candidates)} 个风险点："]
    for n, c in enumerate(candidates, 1):
        why = f"——{'；'.join(c.reasons)}" if c.reasons else ""
        lines.append(f"{n}. 【{c.point.scenario}】{c.point.name}（{c.point.location}）{why}")
    lines.append("请回复要纳入风险清单的序号，如“1 2 4”，或回复“全部”。" + FOOTER)
    return {"step": "select", "question": "\n".join(lines), "choices": ["全部"],
            "points": [c.point.id for c in candidates]}  # fmt: skip


def controls_question(point: RiskPoint, position: int, total: int, error: str = "") -> dict[str, Any]:
    lines = [f"{_error(error)}风险点 {position}/{total}：【{point.scenario}】{point.name}（{point.location}）",
             f"可能导致：{'、'.join(point.accident_types)}；主要危险因素：{'；'.join(point.hazard_factors[:3])}。",
             "以下是典型管控措施，请回复已经落实的序号（如“1 2 5”），全部落实回复“全部”，都没有回复“无”，"
             "也可以直接用文字说明现场做法："]  # fmt: skip
    for n, control in enumerate(point.controls, 1):
        lines.append(f"{n}. [{KIND_LABELS.get(control.kind, control.kind)}] {control.text}")
    return {"step": "controls", "question": "\n".join(lines) + FOOTER, "choices": ["全部", "无"],
            "point": point.id, "controls": [c.text for c in point.controls]}  # fmt: skip


def register_question(entries: list[dict[str, Any]], method: str, error: str = "") -> dict[str, Any]:
    name = "LEC法" if method == "LEC" else "5×5风险矩阵法"
    lines = [f"{_error(error)}风险清单草稿（评估方法：{name}）："]
    for n, e in enumerate(entries, 1):
        who = e.get("responsible") or "待指定"
        lines.append(f"{n}. 【{e['scenario']}】{e['name']}｜位置：{e['location']}｜{e['grade']}风险"
                     f"（{e['formula']}）｜责任人：{who}")  # fmt: skip
        lines.append(f"   依据：{'；'.join(e['reasons'][1:])}")
    coded = sum(1 for e in entries if e["grade"] in CODED_GRADES)
    lines.append(f"其中较大及以上风险 {coded} 个，确认后将为它们生成风险管理码。")
    lines.append("可以修改：“1 责任人 张三”“全部 责任人 张三”“2 位置 二号车间”"
                 "“3 等级 重大 理由”“删除 4”“方法 矩阵”或“方法 LEC”。确认无误请回复“确认”。" + FOOTER)
    return {"step": "review", "question": "\n".join(lines), "choices": ["确认"]}


def parse_industry(reply: str, default: str | None) -> str | None:
    reply = reply.strip()
    if default and re.fullmatch(r"(是|对|确认|没错|正确|是的)[。！!]?", reply):
        return default
    if reply in ("1", "2", "3"):
        return INDUSTRIES[int(reply) - 1]
    for industry in INDUSTRIES:
        if industry in reply or (industry == "非煤矿山" and "矿" in reply):
            return industry
    if re.search(r"化工|化学品", reply):
        return "危化"
    return None


def parse_selection(reply: str, count: int) -> list[int] | None:
    """0-based indexes chosen, or None when the reply is not a selection."""
    reply = reply.strip()
    if re.fullmatch(r"(全部|都要|所有|全选|全部纳入)[。！!]?", reply):
        return list(range(count))
    numbers = [int(n) - 1 for n in re.findall(r"\d+", reply)]
    if not numbers or any(not 0 <= n < count for n in numbers):
        return None
    return sorted(set(numbers))


EDIT = re.compile(
    r"^(?:(?P<target>\d+|全部)\s*(?P<field>责任人|位置|等级)\s*(?P<value>\S+)(?:\s+(?P<reason>.+))?"
    r"|删除\s*(?P<delete>\d+)|方法\s*(?P<method>LEC|lec|矩阵|matrix))$"
)


def parse_edit(reply: str) -> dict[str, str] | None:
    """One register edit from the reply, or None when it is not one."""
    match = EDIT.match(reply.strip())
    if not match:
        return None
    found = {k: v for k, v in match.groupdict().items() if v}
    if found.get("field") == "等级" and found["value"].rstrip("风险") not in GRADES:
        return None
    return found


def _error(error: str) -> str:
    return f"⚠ {error}\n" if error else ""
