"""The 安全生产系数 tab: published coefficients of an area, ranked, charted and explained.

Every read goes through the coefficient services with the signed-in user's
principal, so the tab shows exactly the enterprises and roll-ups the API would
show the same key: a county inspector their county, a city inspector the city.
"""

from __future__ import annotations

from collections.abc import Callable
from statistics import mean
from typing import Any

import gradio as gr
import pandas as pd
from pandas.io.formats.style import Styler

from minqian.access import Principal
from minqian.coefficient.desk import CoefficientDesk
from minqian.coefficient.facts import Period
from minqian.coefficient.service import CoefficientService, group_by
from minqian.errors import RecordError
from ui.cards import escape_markdown
from ui.risk import SIGNED_OUT
from ui.sign_in import ConsoleSessions

Rows = list[dict[str, Any]]
Shown = dict[Any, Any]  # component → new value, for the components that change

MAX_PERIODS = 24
GRADE_COLOURS = {"A": "#2e7d32", "B": "#7cb342", "C": "#f9a825", "D": "#c62828"}
POINT_COLOURS = {"得分": "#1976d2", "扣分": "#ef9a9a"}
ORDERS = [("系数从低到高", "asc"), ("系数从高到低", "desc")]
RANK_HEADERS = ["排名", "企业", "市", "县", "行业", "系数", "等级", "现场检查上限", "检查方式", "重点检查"]
LOST_HEADERS = ["指标", "得分/满分", "扣分原因", "依据"]
CHANGE_HEADERS = ["指标", "上期得分", "本期得分", "变化", "上期说明", "本期说明"]
ROLLUP_HEADERS = ["级别", "地区", "企业数", "综合系数", "D级占比", "等级分布", "审核状态", "审核时间", "备注"]
LEVELS = {"city": "市", "county": "县"}


def published_periods(scores: CoefficientService, principal: Principal) -> list[str]:
    """Published periods with coefficients in the principal's reach, newest first."""
    # TODO: the service names only the latest period, so this walks back a month
    # at a time and stops at the first unpublished one; the ideal is a
    # CoefficientService.periods(principal), one DISTINCT query over the snapshots.
    latest, found = scores.latest_period(), []
    period = Period.parse(latest) if latest else None
    while period is not None and len(found) < MAX_PERIODS and scores.listing(principal, period.label):
        found.append(period.label)
        period = period.previous()
    return found


def ranked(rows: Rows, order: str) -> Rows:
    """The listing (lowest first from the service) in the chosen order, each row with its place."""
    if order == "desc":
        rows = sorted(rows, key=lambda r: (-r["coefficient"], r["enterprise"]))
    return [{**row, "rank": place} for place, row in enumerate(rows, start=1)]


def ranking_table(rows: Rows, query: str | None) -> Styler:
    """The ranking rows whose name (or exact id) matches the query, grades in colour."""
    needle = (query or "").strip().casefold()
    shown = [r for r in rows if needle in r["name"].casefold() or needle == r["enterprise"].casefold()]
    frame = pd.DataFrame(
        [[r["rank"], r["name"], r["city"], r["county"], r["industry"], r["coefficient"], r["grade"],
          r["onsite_cap"], r["mode"], "是" if r["key_inspection"] else "否"] for r in shown],
        columns=RANK_HEADERS,
    )  # fmt: skip
    paint = {g: f"color: {c}; font-weight: 600" for g, c in GRADE_COLOURS.items()}
    return frame.style.format({"系数": "{:.1f}"}).map(lambda g: paint.get(g, ""), subset=["等级"])


def count_grades(rows: Rows, grades: tuple[str, ...]) -> dict[str, int]:
    return {g: sum(1 for r in rows if r["grade"] == g) for g in grades}


def summarise(rows: Rows, counts: dict[str, int], area: str, period: str) -> str:
    spread = "、".join(f"{g} 级 {n} 家" for g, n in counts.items())
    key = sum(1 for r in rows if r["key_inspection"])
    average = mean(r["coefficient"] for r in rows)
    return (
        f"**{area} · {period}**：企业 **{len(rows)}** 家，平均系数 **{average:.1f}**；"
        f"{spread}；重点检查企业 **{key}** 家。"
    )


def region_frame(rows: Rows, principal: Principal, grade_for: Callable[[float], str]) -> tuple[pd.DataFrame, str]:
    """Composite (mean) coefficient per city for the province, per county below it."""
    level = "city" if principal.region is None else "county"
    groups = group_by(rows, level)
    composites = {name: round(mean(r["coefficient"] for r in group), 1) for name, group in groups.items()}
    frame = pd.DataFrame({"地区": list(composites), "综合系数": list(composites.values())})
    frame["等级"] = [grade_for(c) for c in composites.values()]
    return frame, "各设区市综合系数" if level == "city" else "各县（市、区）综合系数"


def dimension_frame(breakdown: dict[str, Any], dimensions: tuple[str, ...]) -> pd.DataFrame:
    """Points kept and lost per dimension; stacked, a bar reaches the dimension's maximum."""
    totals = breakdown["dimensions"]
    names = [d for d in dimensions if d in totals]
    kept = [totals[d]["points"] for d in names]
    lost = [round(totals[d]["max"] - totals[d]["points"], 2) for d in names]
    # Vega-Lite stacks colour values in code-point order: 得 before 扣 keeps the
    # points kept at the bottom of each bar.
    return pd.DataFrame({"维度": names * 2, "分值": kept + lost, "类别": ["得分"] * len(names) + ["扣分"] * len(names)})


def markdown_table(headers: list[str], rows: list[list[Any]]) -> str:
    """A Markdown table with every cell shown literally, on one line."""
    cells = [[escape_markdown(str(c)).replace("\n", " ") for c in row] for row in rows]
    lines = [headers, ["---"] * len(headers), *cells]
    return "\n".join("| " + " | ".join(line) + " |" for line in lines)


def lost_table(breakdown: dict[str, Any]) -> str:
    items = sorted((i for i in breakdown["items"] if i["lost"] > 0), key=lambda i: -i["lost"])
    rows = [[f"{i['indicator']} {i['name']}", f"{i['points']:g}/{i['max_points']:g}", i["reason"],
             "；".join(i["basis"])] for i in items]  # fmt: skip
    heading = "##### 失分指标（按扣分多少排列）\n\n"
    return heading + (markdown_table(LOST_HEADERS, rows) if rows else "各项指标均为满分。")


def change_table(comparison: dict[str, Any]) -> str:
    """The change from the previous period: the coefficient, the grade, then indicator by indicator."""
    rows = [[f"{c['indicator']} {c['name']}", "—" if c["before"] is None else f"{c['before']:g}", f"{c['after']:g}",
             f"{c['delta']:+g}", c["reason_before"], c["reason_after"]] for c in comparison["changes"]]  # fmt: skip
    note = (
        f"##### 与 {comparison['before']} 相比\n\n系数 {comparison['coefficient_before']:g} → "
        f"{comparison['coefficient_after']:g}（{comparison['delta']:+g}），"
        f"等级 {comparison['grade_before']} → {comparison['grade_after']}。"
    )
    return note + ("\n\n" + markdown_table(CHANGE_HEADERS, rows) if rows else "各指标得分没有变化。")


def rollup_table(rollups: Rows) -> str:
    if not rollups:
        return "本期尚未生成市县综合系数（由管理员生成，本地区审核人员审核）。"
    rows = [[LEVELS.get(r["level"], r["level"]), r["region_name"], r["enterprises"], f"{r['composite']:g}",
             f"{r['share_low']:.0%}", " ".join(f"{g}:{n}" for g, n in r["distribution"].items()), r["status"],
             (r["reviewed_at"] or "")[:10], r["note"]] for r in rollups]  # fmt: skip
    return markdown_table(ROLLUP_HEADERS, rows)


def describe(explained: dict[str, Any], label: Callable[[str], str]) -> str:
    """The head of one enterprise's breakdown: coefficient, grade, vetoes, supervision."""
    grade = explained["grade"]
    lines = [
        f"#### {escape_markdown(explained['name'])}（{explained['enterprise']}）",
        f"{explained['city']}{explained['county']} · {explained['industry']} · {explained['period']} "
        f"系数 **{explained['coefficient']:g}**，等级 **{grade}（{label(grade)}）**，"
        f"规则版本 {explained['rules_version']}。",
    ]
    for veto in explained["breakdown"]["vetoes"]:
        lines.append(f"- 否决项：{veto['name']}，等级最高为 {veto['cap']}（{'；'.join(veto['basis'])}）")
    lines.append(f"- 监管安排：{'；'.join(explained['supervision']['reasons'])}。")
    return "\n".join(lines)


def build_coefficient_tab(
    desk: CoefficientDesk, sessions: ConsoleSessions
) -> tuple[Callable[..., Any], list[Any], set[Any]]:
    """Lay out the tab and wire its events; returns the loader, its inputs and its outputs."""
    rules = desk.scores.rules
    with gr.Row():
        period = gr.Dropdown([], label="发布期间", elem_id="coefficient-period", scale=1)
        order = gr.Radio(ORDERS, value="asc", label="排序", elem_id="coefficient-order", scale=2)
        search = gr.Textbox(label="按企业名称搜索", placeholder="输入企业名称中的字词", elem_id="coefficient-search",
                            scale=2)  # fmt: skip
        refresh = gr.Button("刷新", scale=0, min_width=80)
    summary = gr.Markdown(elem_id="coefficient-summary")
    ranking = gr.Dataframe(headers=RANK_HEADERS, interactive=False, wrap=True, max_height=360,
                           label="系数排名（点击一行查看该企业）", elem_id="coefficient-ranking")  # fmt: skip
    with gr.Row():
        grades = gr.BarPlot(x="等级", y="企业数", color="等级", color_map=GRADE_COLOURS, title="等级分布",
                            height=280, elem_id="coefficient-grades")  # fmt: skip
        regions = gr.BarPlot(x="地区", y="综合系数", color="等级", color_map=GRADE_COLOURS, title="综合系数",
                             y_lim=[0, 100], sort="y", height=280, elem_id="coefficient-regions")  # fmt: skip
    gr.Markdown("### 企业系数明细")
    enterprise = gr.Dropdown([], label="选择企业", elem_id="coefficient-enterprise")
    detail = gr.Markdown(elem_id="coefficient-detail")
    with gr.Row():
        # A list `sort` breaks Gradio 6.17's plot (structuredClone of a Svelte proxy),
        # and names would sort by code point, so the heaviest dimensions come first.
        points = gr.BarPlot(x="维度", y="分值", color="类别", color_map=POINT_COLOURS, sort="-y", x_label_angle=-30,
                            title="各维度得分（满分 = 得分 + 扣分）", height=320,
                            elem_id="coefficient-dimensions")  # fmt: skip
        trend = gr.LinePlot(x="期间", y="系数", title="系数变化趋势", y_lim=[0, 100], height=320,
                            elem_id="coefficient-trend")  # fmt: skip
    # Read-only tables are Markdown: a Gradio 6.17 Dataframe costs the browser
    # about a second to measure and draw, and the tab would show four of them.
    lost = gr.Markdown(elem_id="coefficient-lost")
    changes = gr.Markdown(elem_id="coefficient-changes")
    gr.Markdown("### 市县综合系数（闽应急规〔2025〕1号 第13条：审核后纳入区域风险指数）")
    rollups = gr.Markdown(elem_id="coefficient-rollups")
    listed, periods = gr.State([]), gr.State([])
    details = {detail, points, trend, lost, changes}
    views = {period, periods, summary, ranking, grades, regions, enterprise, rollups, listed} | details

    def show_enterprise(principal: Principal, enterprise_id: str, chosen: str, known: list[str]) -> Shown:
        try:
            explained = desk.scores.explain(principal, enterprise_id, chosen)
            history = desk.scores.history(principal, enterprise_id)
        except RecordError as exc:
            gr.Warning(str(exc))
            return {detail: str(exc), lost: "", changes: ""}
        breakdown = explained["breakdown"]
        shown = {
            detail: describe(explained, rules.label),
            lost: lost_table(breakdown),
            points: dimension_frame(breakdown, rules.dimensions),
            trend: pd.DataFrame({"期间": [h["period"] for h in history], "系数": [h["coefficient"] for h in history]}),
        }
        earlier = known[known.index(chosen) + 1 :] if chosen in known else []
        if not earlier or earlier[0] not in {h["period"] for h in history}:
            return {**shown, changes: "没有上一期的发布数据，暂无逐项对比。"}
        try:
            return {**shown, changes: change_table(desk.scores.compare(principal, enterprise_id, earlier[0], chosen))}
        except RecordError as exc:
            return {**shown, changes: str(exc)}

    def show_period(principal: Principal, chosen: str, known: list[str], enterprise_id: str | None, ordering: str,
                    query: str | None) -> Shown:  # fmt: skip
        try:
            rows = ranked(desk.scores.listing(principal, chosen), ordering)
            found = desk.rollups.list(principal, chosen)
        except RecordError as exc:
            gr.Warning(str(exc))
            return {summary: str(exc)}
        if not rows:
            return {summary: f"{principal.area}在 {chosen} 没有发布的安全生产系数。", ranking: [], listed: []}
        frame, title = region_frame(rows, principal, rules.grade_for)
        current = enterprise_id if enterprise_id in {r["enterprise"] for r in rows} else rows[0]["enterprise"]
        counts = count_grades(rows, rules.grade_order)
        choices = [(f"{r['name']}（{r['coefficient']:g}，{r['grade']}）", r["enterprise"]) for r in rows]
        return {
            summary: summarise(rows, counts, principal.area, chosen),
            listed: rows,
            ranking: ranking_table(rows, query),
            grades: pd.DataFrame({"等级": list(counts), "企业数": list(counts.values())}),
            regions: gr.update(value=frame, title=title),
            enterprise: gr.update(choices=choices, value=current),
            rollups: rollup_table(found),
            **show_enterprise(principal, current, chosen, known),
        }

    def load(chosen: str | None, enterprise_id: str | None, ordering: str, query: str | None,
             request: gr.Request) -> Shown:  # fmt: skip
        principal = sessions.principal(request.username)
        if principal is None:
            return {summary: SIGNED_OUT}
        try:
            known = published_periods(desk.scores, principal)
        except RecordError as exc:
            gr.Warning(str(exc))
            return {summary: str(exc)}
        if not known:
            return {summary: f"{principal.area}还没有发布的安全生产系数。", period: gr.update(choices=[], value=None)}
        chosen = chosen if chosen in known else known[0]
        shown = show_period(principal, chosen, known, enterprise_id, ordering, query)
        return {period: gr.update(choices=known, value=chosen), periods: known, **shown}

    def change_period(chosen: str, known: list[str], enterprise_id: str | None, ordering: str, query: str | None,
                      request: gr.Request) -> Shown:  # fmt: skip
        principal = sessions.principal(request.username)
        if principal is None:
            return {summary: SIGNED_OUT}
        return show_period(principal, chosen, known, enterprise_id, ordering, query)

    def choose(enterprise_id: str | None, chosen: str, known: list[str], request: gr.Request) -> Shown:
        principal = sessions.principal(request.username)
        if principal is None or not enterprise_id:
            return {detail: SIGNED_OUT if principal is None else ""}
        return show_enterprise(principal, enterprise_id, chosen, known)

    def pick(rows: Rows, chosen: str, known: list[str], evt: gr.SelectData, request: gr.Request) -> Shown:
        # The 排名 cell is the row's place in the full ranking, whatever the search hides.
        enterprise_id = rows[int(evt.row_value[0]) - 1]["enterprise"]
        return {enterprise: enterprise_id, **choose(enterprise_id, chosen, known, request)}

    def reorder(rows: Rows, ordering: str, query: str | None) -> Shown:
        again = ranked(sorted(rows, key=lambda r: (r["coefficient"], r["enterprise"])), ordering)
        return {listed: again, ranking: ranking_table(again, query)}

    private: dict[str, Any] = {"api_visibility": "private"}
    inputs = [period, enterprise, order, search]
    period.input(change_period, [period, periods, enterprise, order, search], views, **private)
    enterprise.input(choose, [enterprise, period, periods], details, **private)
    ranking.select(pick, [listed, period, periods], details | {enterprise}, **private)
    order.input(reorder, [listed, order, search], {listed, ranking}, **private)
    search.change(ranking_table, [listed, search], ranking, **private)
    refresh.click(load, inputs, views, **private)
    return load, inputs, views
