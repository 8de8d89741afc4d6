"""Which of the assistant's jobs a question is for, and follow-up resolution."""

from __future__ import annotations

import re

from agent.state import Intent

_RISK = re.compile(
    r"风险辨识|风险识别|风险评估|风险清单|风险点|风险管理码|风险码|LEC|风险分级|巡查打卡|巡查记录|"
    r"隐患上报|隐患报告|内部隐患"
)
_COEFFICIENT = re.compile(r"安全生产系数|系数|扣分|评分|信用等级|检查次数上限|还能现场检查|还能检查几次|重点检查企业")
_INSPECTION = re.compile(
    r"检查计划|执法计划|扫码入企|检查记录|重复检查|多头检查|高频次检查|检查方案|被检查了几次|检查预警|"
    r"无计划检查|免罚|免予处罚|不予处罚|包容审慎|检查清单"
)
# Words that put a question inside safety production at all.
_DOMAIN = re.compile(
    r"安全|事故|隐患|危险|危化|化学品|消防|火灾|爆炸|中毒|窒息|矿|尾矿|粉尘|有限空间|动火|"
    r"特种设备|锅炉|压力容器|起重|叉车|电梯|职业病|防护|应急|预案|演练|培训|许可证|处罚|罚款|"
    r"执法|检查|整改|责任|法|条例|办法|规定|标准|工伤|伤亡|作业|生产经营|从业人员|负责人|"
    r"企业|工人|老板|厂|车间|仓库|储存|运输|装卸|焊|电工|高处|吊装|临时用电|涉氨|制冷|报告|"
    r"瞒报|赔偿|劳动"
)
# A question about what the law requires (“应当如何建立安全风险分级管控……机制？”)
# uses the same words as one about our records; asking for norms, and not
# naming the asker's own records or an area's, makes it a law question.
_ASKS_THE_LAW = re.compile(
    r"应当|必须|依据|法律责任|哪些规定|什么规定|有何规定|规定了|要求|《|第[一二三四五六七八九十百零〇\d]+条"
)
_ASKS_RECORDS = re.compile(
    r"我们|我司|我厂|我公司|本企业|本厂|本公司|帮我|给我|我的|这家|该企业|哪些企业|哪家|本县|本市|本区|本月|今年|"
    r"管理码|风险码|打卡|巡查记录|上报|识别|辨识一下|评估一下|系数是多少|扣分|排名|几次"
)
_FOLLOW_UP = re.compile(r"^(那|那么|如果|要是|假如|还有|另外|再|它|这个|这种|这家|该企业|那个|此外|然后|并且)")


def classify_intent(question: str) -> Intent:
    """Route by keywords; ordered so that specific jobs win over general Q&A."""
    if _ASKS_THE_LAW.search(question) and not _ASKS_RECORDS.search(question) and _DOMAIN.search(question):
        return "law_qa"
    if _RISK.search(question):
        return "risk"
    if _COEFFICIENT.search(question):
        return "coefficient"
    if _INSPECTION.search(question):
        return "inspection"
    if _DOMAIN.search(question):
        return "law_qa"
    return "out_of_scope"


def standalone_question(question: str, previous: list[str]) -> str:
    """Make a follow-up stand alone by prefixing the earlier question it relies on.

    “那不整改呢？罚多少？” after “发现事故隐患要怎么处理？” becomes one query
    about not remedying hidden hazards and the penalty for it.
    """
    question = question.strip()
    if not previous:
        return question
    short = len(re.sub(r"[\s，。？！?!,.]", "", question)) <= 12
    if _FOLLOW_UP.match(question) or (short and not re.search(r"《|法|条例|办法", question)):
        return f"{previous[-1]} {question}"
    return question
