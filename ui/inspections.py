"""The 检查监督 tab: oversight warnings in the inspector's area, and the leniency check."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import gradio as gr

from minqian.errors import RecordError
from minqian.inspections.desk import InspectionDesk
from minqian.inspections.lenient import assess_leniency
from minqian.inspections.warnings import TYPES
from ui.sign_in import ConsoleSessions

SIGNED_OUT = "登录已失效，请重新登录控制台。"
RANGES = {"本月": 0, "近90天": 90, "今年": -1, "全部": None}


def build_inspections_tab(desk: InspectionDesk, sessions: ConsoleSessions) -> tuple[Callable[..., Any], list[Any]]:
    """Lay out the tab and wire its events; returns the loader and its outputs."""
    with gr.Row():
        kinds = gr.CheckboxGroup(list(TYPES), value=list(TYPES), label="预警类型", elem_id="warning-types", scale=3)
        span = gr.Radio(list(RANGES), value="今年", label="时间范围", elem_id="warning-span", scale=2)
        refresh = gr.Button("刷新", scale=0, min_width=80)
    summary = gr.Markdown(elem_id="warning-summary")
    table = gr.Dataframe(headers=["类型", "企业", "最近一次检查", "原因", "涉及记录"], interactive=False, wrap=True,
                         elem_id="warning-table")  # fmt: skip
    gr.Markdown("### 轻微违法免罚判断（包容审慎）")
    with gr.Row():
        finding = gr.Textbox(label="发现的问题", placeholder="例如：车间两具灭火器过期", scale=4, elem_id="lenient-text")
        level = gr.Radio(["一般隐患", "重大隐患"], value="一般隐患", label="隐患等级", scale=1)
        check = gr.Button("判断", variant="primary", scale=0, min_width=80)
    verdict = gr.Markdown(elem_id="lenient-verdict")

    def load(chosen: list[str], window: str, request: gr.Request) -> tuple[Any, Any]:
        principal = sessions.principal(request.username)
        if principal is None:
            return SIGNED_OUT, []
        try:
            found = desk.oversight.warnings(principal, _since(window), None, tuple(chosen) or TYPES)
        except RecordError as exc:
            return str(exc), []
        counts = "，".join(f"{k} {sum(w['type'] == k for w in found)} 条" for k in TYPES if k in chosen)
        rows = [[w["type"], w["enterprise_name"] or w["enterprise"], w["at"], w["reason"], "、".join(w["inspections"])]
                for w in found]  # fmt: skip
        return f"{principal.area}{window}：{counts or '未选择预警类型'}。", rows

    def judge(text: str, chosen_level: str) -> str:
        if not text.strip():
            return "请先填写发现的问题。"
        result = assess_leniency(text, chosen_level)
        return f"{result['text']}\n\n依据：{'；'.join(result['basis'])}。是否免罚由执法人员结合现场情况最终认定。"

    for trigger in (refresh.click, kinds.change, span.change):
        trigger(load, [kinds, span], [summary, table], api_visibility="private")
    check.click(judge, [finding, level], verdict, api_visibility="private")

    def initial(request: gr.Request) -> tuple[Any, Any]:
        return load(list(TYPES), "今年", request)

    return initial, [summary, table]


def _since(window: str) -> datetime | None:
    now = datetime.now(UTC)
    days = RANGES[window]
    if days is None:
        return None
    if days == 0:
        return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if days < 0:
        return now.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    return now - timedelta(days=days)
