"""指标: every indicator with its light, target, latest actual, completion, weight and score; the
history of one indicator's reports against its target and the time-progress expectation."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics import charts
from analytics.dashboard import (
    KIND_NAMES,
    LIGHT_NAMES,
    expectation_line,
    indicator_export,
    indicator_history,
    indicator_table,
    page_rows,
    project_matches,
    search_indicators,
    target_version_table,
)
from analytics.exports import frame_csv, screen_frame
from analytics.reports import likelihood_label
from analytics.safetext import escape_markdown
from analytics.services import target_versions
from analytics.settings import load_settings
from analytics.wording import PERCENT_DECIMALS, cn_date, cn_dates, cn_datetimes, percent
from pages.common import chart, current_view, get_store, search_box
from pages.paging import page_number


def _ascii_id(text: str | None) -> int | None:
    # A URL parameter is typed by anyone: only plain ASCII digits name an indicator.
    return int(text) if text and text.isascii() and text.isdigit() and len(text) < 19 else None


view = current_view()
st.title("指标")
st.caption(f"截至 {cn_date(view.filters.as_of)}")
ind = view.indicators
if ind.empty:
    st.info("当前筛选条件下没有指标。")
    st.stop()

names = dict(zip(view.projects["project_id"], view.projects["short_name"], strict=True))
screens = load_settings().screens
query = search_box("indicators_q", "项目、实施单位或指标名称")
f = st.columns(5)
# As in the sidebar: past [screens] project_options projects the list searches instead of sending every name.
st.session_state["ind_projects"] = [p for p in st.session_state.get("ind_projects", []) if p in names]
offered = list(names)
if len(names) > screens.project_options:
    project_query = f[0].text_input("查找项目", key="ind_project_query", max_chars=screens.search_chars,
                                    placeholder="项目名称、实施单位或主管部门的一部分")
    matches = project_matches(view.projects, project_query, screens.project_options)
    offered = list(dict.fromkeys([*st.session_state["ind_projects"], *matches]))
projects = f[0].multiselect("项目", offered, format_func=lambda p: names[p], placeholder="全部", key="ind_projects")
level1 = f[1].multiselect("一级指标", sorted(ind["level1"].unique()), placeholder="全部")
level2_options = sorted(ind[ind["level1"].isin(level1) | (not level1)]["level2"].unique())
level2 = f[2].multiselect("二级指标", level2_options, placeholder="全部")
lights = f[3].multiselect("监控灯", list(LIGHT_NAMES), format_func=LIGHT_NAMES.get, placeholder="全部")
kinds = f[4].multiselect("类型", list(KIND_NAMES), format_func=KIND_NAMES.get, placeholder="全部")
table = search_indicators(indicator_table(view, tuple(projects), tuple(level1), tuple(level2), tuple(lights),
                                          tuple(kinds)), query)

# ?indicator=<id> (the 总览 page's "查看") names one indicator: its history opens first, above the table.
linked = _ascii_id(st.query_params.get("indicator"))
if linked is not None and not (ind["indicator_id"] == linked).any():
    st.warning("链接指定的指标不在当前筛选范围内(可能已停用,或不属于所选年度、部门或单位)。"
               "请点击上方“清除筛选”或在下方选择指标。")
    linked = None
history_box = st.container()

# Styling and sending tens of thousands of rows would stall the page: one page of [screens] table_rows
# at a time; filters and the search narrow, the CSV has every row.
per_page = screens.table_rows
full = table
page = page_number(len(full), per_page, "个指标", "indicators_page")
table = page_rows(full, page, per_page)
shown = indicator_export(table)
light_of = dict(zip(LIGHT_NAMES.values(), LIGHT_NAMES, strict=True))
# Cells from files and visitors are formula-safe here too (the table's own toolbar exports them as CSV),
# by the full-width twin rather than an apostrophe, so that a target "=1次" reads as "＝1次".
styled = screen_frame(shown).style.map(lambda v: charts.light_cell_style(light_of.get(v, "")),
                                       subset=["监控灯"]).format(
    {"完成率%": "{:." + str(PERCENT_DECIMALS) + "f}", "权重": "{:.2f}", "得分": "{:.2f}", "截至": cn_date},
    na_rep="—")
found = f"搜索“{escape_markdown(query)}”找到 " if query else "共 "
if len(full) > per_page:
    st.caption(f"{found}{len(full)} 个指标,每页 {per_page} 个;请用上面的筛选或搜索缩小范围,或下载全部。")
else:
    st.caption(f"{found}{len(full)} 个指标")
if full.empty and query:
    st.info("没有指标的项目、实施单位或名称包含所搜索的文字。请换个说法,或清空搜索框。")
else:
    st.dataframe(styled, hide_index=True, width="stretch", height=min(38 * (len(shown) + 1), 560))
    st.download_button("下载 CSV", lambda: frame_csv(indicator_export(full)),
                       file_name=f"指标_{view.filters.as_of.isoformat()}.csv", mime="text/csv")

labels = {int(r.indicator_id): f"{r.short_name} · {r.name}" for r in table.itertuples()}
if linked is not None and linked not in labels:
    # The linked indicator stays choosable whatever the page's own filters leave in the table.
    r = ind.loc[ind["indicator_id"] == linked].iloc[0]
    labels = {linked: f"{r['short_name']} · {r['name']}", **labels}
if linked is not None and st.session_state.get("_indicator_url") != linked:
    st.session_state["history_indicator"] = linked
st.session_state["_indicator_url"] = linked
if not labels:
    st.stop()
with history_box if linked is not None else st.container():
    st.subheader("单个指标的填报历史")
    chosen = st.selectbox("指标", list(labels), format_func=labels.get, key="history_indicator", placeholder="请选择")
    if linked is not None and chosen != linked:
        # Choosing another indicator moves the link with it, so a reload or a copied URL shows the same.
        st.query_params["indicator"] = str(chosen)
        st.session_state["_indicator_url"] = chosen
    row, hist = indicator_history(get_store(), view, int(chosen))
    project = view.projects.loc[view.projects["project_id"] == row["project_id"]].iloc[0]
    c = st.columns(4)
    c[0].metric("指标值", escape_markdown(row["target_text"]))
    c[1].metric("最新实际值", escape_markdown(row["actual_text"]) if row["actual_text"] else "未填报")
    c[2].metric("完成率", "—" if pd.isna(row["completion"]) else percent(row["completion"]))
    c[3].markdown(charts.light_badge(row["light"], large=True), unsafe_allow_html=True)
    if row["kind"] == "quantitative" and not hist.empty:
        expected = expectation_line(row, project, load_settings().cumulative_units)
        chart(charts.history_chart(hist, row["target_num"], expected, row["unit_normalized"] or "",
                                   f"{row['name']}:填报值与目标"), "history_chart", "指标填报历史")
    versions = target_versions(get_store(), int(chosen))
    if len(versions) > 1:
        with st.expander(f"指标值共有 {len(versions)} 个版本(修订后旧值仍保留)"):
            st.dataframe(screen_frame(target_version_table(versions)), hide_index=True, width="stretch")
    if hist.empty:
        st.info("该指标还没有填报记录。")
    else:
        reports = pd.DataFrame({
            "截至日期": cn_dates(hist["as_of"]),
            "实际完成值": hist["value"],
            "评定得分率": hist["grade_rate"],
            "完成目标可能性": hist["likelihood"].map(likelihood_label),  # stored 不可能 reads 完全不可能
            "偏差原因及改进措施": hist["note"],
            "填报人": hist["reporter"],
            "填报时间": cn_datetimes(hist["entered_at"]),
            "来源": hist["source"],
            "状态": hist["withdrawn"].map({True: "已撤回", False: "有效"}),
        }).astype(object)
        st.dataframe(screen_frame(reports.where(reports.notna(), "")), hide_index=True, width="stretch")
