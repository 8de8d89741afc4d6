"""The 风险管理 tab: an area's enterprises, their registers, codes, patrols and reports.

Every read goes through the risk services with the signed-in user's
principal, so the tab shows exactly what the API would show the same key.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gradio as gr

from minqian.errors import RecordError
from minqian.risk.desk import RiskDesk
from minqian.risk.labels import label_for, label_pdf, qr_png
from ui.sign_in import ConsoleSessions

SIGNED_OUT = "登录已失效，请重新登录控制台。"


def build_risk_tab(desk: RiskDesk, sessions: ConsoleSessions) -> tuple[Callable[..., Any], list[Any]]:
    """Lay out the tab and wire its events; returns the loader of the enterprise list."""
    with gr.Row():
        enterprise = gr.Dropdown([], label="企业（仅显示您辖区内的企业）", elem_id="risk-enterprise", scale=3)
        refresh = gr.Button("刷新", scale=0, min_width=80)
    summary = gr.Markdown(elem_id="risk-summary")
    with gr.Tab("风险清单"):
        register = gr.Dataframe(headers=["序号", "场景", "风险点", "位置", "等级", "计算", "责任人", "未落实措施"],
                                interactive=False, wrap=True, elem_id="risk-register")  # fmt: skip
    with gr.Tab("风险管理码"):
        codes = gr.Dataframe(headers=["编号", "版本", "风险点", "位置", "等级", "状态", "扫码地址"],
                             interactive=False, wrap=True, elem_id="risk-codes")  # fmt: skip
        with gr.Row():
            chosen = gr.Dropdown([], label="选择风险管理码", elem_id="risk-code-choice")
            size = gr.Radio([("A4 告知卡", "a4"), ("小贴纸 60×40mm", "sticker")], value="a4", label="标签尺寸")
            make = gr.Button("生成二维码和标签", variant="primary")
        with gr.Row():
            image = gr.Image(label="二维码", type="filepath", height=260, elem_id="risk-qr")
            label = gr.File(label="可打印标签（PDF）", elem_id="risk-label")
    with gr.Tab("巡查打卡"):
        patrols = gr.Dataframe(headers=["时间", "员工", "风险码", "结果", "备注"], interactive=False, wrap=True)
    with gr.Tab("隐患上报"):
        reports = gr.Dataframe(headers=["上报时间", "状态", "等级", "位置", "描述", "上报人"],
                               interactive=False, wrap=True)  # fmt: skip

    def list_enterprises(request: gr.Request) -> Any:
        principal = sessions.principal(request.username)
        if principal is None:
            return gr.update(choices=[], value=None), SIGNED_OUT
        listed = desk.enterprises.list(principal)
        choices = [(f"{e.name}（{e.id}）", e.id) for e in listed]
        return gr.update(choices=choices, value=None), f"{principal.area}：共 {len(listed)} 家企业。"

    def show(enterprise_id: str | None, request: gr.Request) -> tuple[Any, ...]:
        principal = sessions.principal(request.username)
        if principal is None or not enterprise_id:
            # Refilling the list clears the choice, which fires this handler too:
            # skipping the summary keeps the list's count from being wiped by it.
            return SIGNED_OUT if principal is None else gr.skip(), [], [], gr.update(choices=[]), [], []
        try:
            current = desk.registers.current(principal, enterprise_id)
            listed = desk.codes.list(principal, enterprise_id, include_withdrawn=True)
            walks = desk.field.patrols(principal, enterprise_id, limit=50)
            found = desk.field.reports(principal, enterprise_id)
        except RecordError as exc:
            return str(exc), [], [], gr.update(choices=[]), [], []
        entries = (current or {}).get("entries", [])
        rows = [[e["position"], e["scenario"], e["name"], e["location"], e["grade"], e["grading"]["formula"],
                 e["responsible"], "；".join(e["controls_missing"][:3])] for e in entries]  # fmt: skip
        active = [c for c in listed if c["status"] == "有效"]
        text = (f"风险清单第 {current['version']} 版（{current['confirmed_at'][:10]}确认），{len(rows)} 个风险点，"
                f"有效风险管理码 {len(active)} 个。" if current else "该企业还没有确认的风险清单。")  # fmt: skip
        return (
            text, rows,
            [[c["id"], c["version"], c["risk_point"], c["location"], c["grade"], c["status"], c["url"]]
             for c in listed],
            gr.update(choices=[(f"{c['id']} {c['risk_point']}", c["id"]) for c in active], value=None),
            [[p["checked_at"][:16].replace("T", " "), p["worker"], p["code_id"],
              "正常" if p["all_ok"] else "有异常", p["note"]] for p in walks],
            [[r["created_at"][:16].replace("T", " "), r["status"], r["severity"], r["location"], r["description"],
              r["reporter"]] for r in found],
        )  # fmt: skip

    def make_label(code_id: str | None, chosen_size: str, request: gr.Request) -> tuple[Any, Any]:
        principal = sessions.principal(request.username)
        if principal is None or not code_id:
            return None, None
        try:
            code = desk.codes.get(principal, code_id)
        except RecordError as exc:
            raise gr.Error(str(exc)) from None
        folder = Path(tempfile.mkdtemp(prefix="minqian-label-"))
        png = folder / f"{code_id}.png"
        png.write_bytes(qr_png(code["url"]))
        pdf = folder / f"{code_id}-v{code['version']}-{chosen_size}.pdf"
        pdf.write_bytes(label_pdf(label_for(code), chosen_size))  # type: ignore[arg-type]
        return str(png), str(pdf)

    outputs = [summary, register, codes, chosen, patrols, reports]
    enterprise.change(show, enterprise, outputs, api_visibility="private")
    refresh.click(list_enterprises, None, [enterprise, summary], api_visibility="private")
    make.click(make_label, [chosen, size], [image, label], api_visibility="private")
    return list_enterprises, [enterprise, summary]
