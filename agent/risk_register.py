"""The register draft inside the identification dialogue: build, edit, confirm."""

from __future__ import annotations

from typing import Any

from agent import risk_texts as texts
from minqian.access import Principal
from minqian.risk.desk import RiskDesk
from minqian.risk.identification import SiteProfile
from minqian.risk.registers import ConfirmedRegister, DraftEntry, draft_entry


def start_problem(desk: RiskDesk, principal: Principal) -> str:
    """Why this caller cannot run an identification, or "" when it can."""
    if principal.role != "enterprise" or not principal.enterprise_id:
        return ("风险辨识需要以企业账号进行（企业密钥绑定了企业，结果记入该企业的风险清单）。"
                "监管人员可以查看辖区企业已确认的风险清单和风险管理码。")  # fmt: skip
    if desk.enterprises.get(principal.enterprise_id) is None:
        return f"系统中没有企业 {principal.enterprise_id} 的登记信息，请联系管理员先登记企业。"
    return ""


def draft_entries(desk: RiskDesk, assessed: list[dict[str, Any]], profile: SiteProfile,
                  method: str) -> list[DraftEntry]:  # fmt: skip
    """Grade every assessed point with the chosen method, applying manual grades."""
    return [
        draft_entry(desk.knowledge, item["point"], item["in_place"], profile, method, item["location"],
                    item.get("responsible", ""), *_override(item))
        for item in assessed
    ]  # fmt: skip


def _override(item: dict[str, Any]) -> tuple[str | None, str]:
    manual = item.get("override")
    return (manual["grade"], manual["reason"]) if manual else (None, "")


def entry_view(entry: DraftEntry) -> dict[str, Any]:
    return {
        "scenario": entry.point.scenario, "name": entry.point.name, "location": entry.location,
        "grade": entry.grading.grade, "formula": entry.grading.formula,
        "reasons": entry.grading.reasons, "responsible": entry.responsible,
    }  # fmt: skip


def apply_edit(risk: dict[str, Any], answer: str) -> dict[str, Any] | str:
    """The session with one edit applied, or a message saying what was not understood."""
    edit = texts.parse_edit(answer)
    if edit is None:
        return ("没有看懂这条修改。示例：“1 责任人 张三”“2 位置 二号车间”“3 等级 重大 理由”"
                "“删除 4”“方法 矩阵”，或回复“确认”。")
    assessed = [dict(a) for a in risk["assessed"]]
    if "method" in edit:
        return {**risk, "method": "LEC" if edit["method"].lower() == "lec" else "matrix"}
    if "delete" in edit:
        index = int(edit["delete"]) - 1
        if not 0 <= index < len(assessed):
            return f"没有第 {edit['delete']} 个风险点。"
        if len(assessed) == 1:
            return "风险清单至少要保留一个风险点；不需要时可回复“取消”。"
        del assessed[index]
        return {**risk, "assessed": assessed}
    targets = range(len(assessed)) if edit["target"] == "全部" else [int(edit["target"]) - 1]
    if any(not 0 <= t < len(assessed) for t in targets):
        return f"没有第 {edit['target']} 个风险点。"
    for t in targets:
        if edit["field"] == "责任人":
            assessed[t]["responsible"] = edit["value"][:50]
        elif edit["field"] == "位置":
            assessed[t]["location"] = edit["value"][:100]
        else:
            reason = (edit.get("reason") or "").strip()
            if not reason:
                return "人工调整等级需要写明理由，例如“3 等级 重大 近三年发生过同类事故”。"
            assessed[t]["override"] = {"grade": edit["value"].removesuffix("风险"), "reason": reason}
    return {**risk, "assessed": assessed}


def confirmation_text(confirmed: ConfirmedRegister) -> str:
    lines = [f"风险清单已确认并保存（第 {confirmed.version} 版），共 {len(confirmed.entries)} 个风险点。"]
    codes = [*confirmed.issued, *confirmed.kept]
    if codes:
        lines.append("较大及以上风险点的风险管理码：")
        for n, code in enumerate(codes, 1):
            lines.append(f"{n}. {code['id']}（第{code['version']}版）{code['risk_point']}｜{code['location']}｜"
                         f"{code['grade']}风险（{code['colour']}色）｜扫码地址：{code['url']}")  # fmt: skip
        lines.append("请在控制台“风险管理码”页下载二维码或打印标签，张贴在对应风险点旁。")
    else:
        lines.append("本次没有较大及以上风险点，不需要张贴风险管理码。")
    if confirmed.withdrawn:
        lines.append(f"上一版中 {len(confirmed.withdrawn)} 个风险管理码已失效（{'、'.join(confirmed.withdrawn)}），"
                     "请撤下旧标签。")  # fmt: skip
    return "\n".join(lines)
