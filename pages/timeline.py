"""时间线: project periods with the deadlines of 时效 indicators, and the coming deadlines."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics import charts
from analytics.dashboard import SOON_DAYS, coming_deadlines, deadlines, page_rows, timeline_projects
from analytics.exports import screen_frame
from analytics.settings import load_settings
from analytics.wording import cn_date, cn_dates
from pages.common import chart, current_view
from pages.paging import page_number

view = current_view()
st.title("时间线")
st.caption(f"截至 {cn_date(view.filters.as_of)} · 红色为已逾期,黄色为 {SOON_DAYS} 天内到期")
if view.projects.empty:
    st.info("当前筛选条件下没有项目。")
    st.stop()

all_deadlines = deadlines(view)
c = st.columns(4)
c[0].metric("时效指标", len(all_deadlines))
c[1].metric("已逾期(未完成)", int((all_deadlines["state"] == "已逾期").sum()))
c[2].metric(f"{SOON_DAYS}天内到期", int((all_deadlines["state"] == "即将到期").sum()))
c[3].metric("已完成", int(all_deadlines["value_date"].notna().sum()))
screens = load_settings().screens
shown = timeline_projects(view, all_deadlines, screens.timeline_projects)
if len(shown) < len(view.projects):
    st.caption(f"图中显示截止日期最紧迫的 {len(shown)} 个项目(共 {len(view.projects)} 个);请用左侧筛选缩小范围。")
marks = all_deadlines[all_deadlines["project_id"].isin(shown["project_id"])]
chart(charts.gantt_chart(shown, marks, view.filters.as_of), "gantt", "项目时间线")

st.subheader("即将到期")
coming = coming_deadlines(view)
# Thousands of deadlines at 5,000 projects: one page of [screens] table_rows at a time, nearest first.
per_page = screens.table_rows
if coming.empty:
    st.success("没有未完成且未到期的时效指标。")
else:
    if len(coming) > per_page:
        st.caption(f"共 {len(coming)} 项,最近的在前,每页 {per_page} 项。")
    coming = page_rows(coming, page_number(len(coming), per_page, "项", "coming_page"), per_page)
    st.dataframe(screen_frame(pd.DataFrame({
        "剩余天数": coming["days_left"].astype(int),
        "截止日期": cn_dates(coming["target_date"]),
        "项目": coming["short_name"],
        "指标": coming["name"],
        "状态": coming["state"],
    })), hide_index=True, width="stretch")

overdue = all_deadlines[all_deadlines["state"].isin(["已逾期", "逾期完成"])]
if not overdue.empty:
    st.subheader("已逾期")
    if len(overdue) > per_page:
        st.caption(f"共 {len(overdue)} 项,每页 {per_page} 项。")
    overdue = page_rows(overdue, page_number(len(overdue), per_page, "项", "overdue_page"), per_page)
    st.dataframe(screen_frame(pd.DataFrame({
        "截止日期": cn_dates(overdue["target_date"]),
        "完成日期": cn_dates(overdue["value_date"]).replace("", "未完成"),
        "项目": overdue["short_name"],
        "指标": overdue["name"],
        "状态": overdue["state"],
    })), hide_index=True, width="stretch")
