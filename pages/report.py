"""填报: download the template, upload a file or type values on screen; see every row checked
before anything is written, then commit the whole file in one transaction."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from analytics.auth import ADMIN, REPORTER
from analytics.exports import screen_frame
from analytics.model import DEVIATION_CATEGORIES, InputError
from analytics.reports import LIKELIHOODS, ReportRefused
from analytics.safetext import escape_markdown
from analytics.services import (
    ON_SCREEN,
    commit_report,
    entries_csv,
    entry_frame,
    entry_rows,
    grid_errors,
    has_entries,
    preview_report,
    reportable_projects,
    spending_entry_frame,
    template_bytes,
)
from analytics.settings import load_settings
from analytics.wording import cn_date
from pages.common import current_user_or_stop, get_store

user = current_user_or_stop((ADMIN, REPORTER))
store = get_store()
settings = load_settings()
st.title("填报")
projects = reportable_projects(store, user)
if projects.empty:
    st.warning("您还没有被分配可填报的实施单位,请联系管理员。")
    st.stop()
names = dict(zip(projects["project_id"].astype(int), projects["name"], strict=True))
st.caption(f"可填报的项目:{len(names)} 个。所有行检查通过后才会写入;已写入的值不会被覆盖,更正请再报一次。")


def show_errors(errors: list, grid: dict[int, int] | None = None) -> None:
    """Every refused row; typed on screen (``grid`` given), placed in the grid the user typed in."""
    if grid is not None:
        st.error(f"有 {len(errors)} 处错误,尚未提交。请在上面的表格中改正:")
        st.dataframe(screen_frame(grid_errors(errors, grid)), hide_index=True, width="stretch", placeholder="")
        return
    st.error(f"有 {len(errors)} 处错误,整个文件不会写入。请改正后重新上传:")
    st.dataframe(screen_frame(pd.DataFrame([{"工作表": e.sheet, "行": e.row, "列": e.column, "值": e.value,
                                           "原因": e.reason} for e in errors])),
                 hide_index=True, width="stretch", placeholder="")


def check_and_commit(data: bytes, file_name: str, key: str, grid: dict[int, int] | None = None) -> None:
    """The preview of one file (uploaded, or typed on screen: ``grid`` maps its rows to the grid's)
    and the button that commits it."""
    try:
        preview = preview_report(store, user, data, file_name)
    except InputError as e:
        st.error(escape_markdown(e))
        return
    if preview.errors:
        show_errors(preview.errors, grid)
        return
    a, s = preview.actuals, preview.spending
    if grid is not None:  # rows as the grid numbers them, not lines of the CSV made from it
        a, s = (f.assign(行=f["行"].map(grid)).rename(columns={"行": "表格行"}) for f in (a, s))
    counts = pd.concat([a["状态"], s["状态"]]).value_counts()
    st.success(f"全部 {len(a) + len(s)} 行检查通过:新增 {counts.get('新增', 0)} 行,更改 {counts.get('更改', 0)} 行,"
               f"不变 {counts.get('不变', 0)} 行。")
    # Long project names narrower, so that the new value and the light it gives are on screen.
    narrow = {"状态": st.column_config.TextColumn(width=50), "行": st.column_config.NumberColumn(width=40),
              "表格行": st.column_config.NumberColumn(width=55), "项目": st.column_config.TextColumn(width=170),
              "截至日期": st.column_config.TextColumn(width=95)}
    if len(a):
        st.markdown("**指标填报**")
        st.dataframe(screen_frame(a), hide_index=True, width="stretch", placeholder="", column_config={
            **narrow, "三级指标": st.column_config.TextColumn(width=200),
            "原值": st.column_config.TextColumn(width=85), "新值": st.column_config.TextColumn(width=85),
            "提交后信号灯": st.column_config.TextColumn(width=95, help="按计分规则,提交后该指标显示的信号灯"),
            "完成目标可能性": st.column_config.TextColumn(width=115)})
    if len(s):
        st.markdown("**预算执行**")
        st.dataframe(screen_frame(s), hide_index=True, width="stretch", placeholder="", column_config=narrow)
    if st.button("提交全部", type="primary", key=f"commit_{key}"):
        try:
            result = commit_report(store, user, data, file_name)
        except ReportRefused as e:
            show_errors(e.errors, grid)
            return
        except InputError as e:
            st.error(escape_markdown(e))
            return
        st.session_state[f"{key}_done"] = (f"已提交:指标 {result.actuals} 条,预算执行 {result.spending} 条。"
                                           "总览等页面已按新数据计算。")
        st.session_state[f"{key}_round"] = st.session_state.get(f"{key}_round", 0) + 1
        st.rerun()


# At 1366 px the whole grid fits without scrolling: the indicator (三级指标, its target, its latest
# value), then what the reporter types. The project is the one chosen above the grid; 一级/二级指标
# and 指标编号 stay in the data (the checks match rows by 指标编号) but are not shown.
EDITABLE = ("实际完成值", "截至日期", "评定得分率", "完成目标可能性", "偏差原因分析及改进措施")
ENTRY_ORDER = ("三级指标", "指标值", "最新实际值", *EDITABLE)
# What only the reporter knows for the 监控表 goes in a second grid under the first, row for row: the
# first is as wide as 1366 px allows already.
MONITOR_EDITABLE = ("偏差原因类别", "全年预计完成情况")
MONITOR_ORDER = ("三级指标", *MONITOR_EDITABLE)
# Names are longer than any column 1366 px leaves them (13 characters on average, 22 for one in ten):
# rows taller than 4rem let the grid wrap them onto three lines instead of cutting them mid-word.
ENTRY_ROW_PX = 66
# Streamlit sizes the grid for rows of the default height: tall enough for ten taller rows and the header
# (with its borders), so a project's rows are all on screen at once up to ten, as before.
ENTRY_HEADER_PX = 42


upload, onscreen, spending = st.tabs(["上传文件", "在线填报指标", "在线填报预算执行"])

with upload:
    st.subheader("1. 下载模板")
    chosen = st.multiselect("模板包含的项目", list(names), format_func=names.get, default=list(names)[:20],
                            key="template_projects", placeholder="选择项目")
    c1, c2, _ = st.columns([1, 1, 4])
    ids = chosen or list(names)
    c1.download_button("下载 XLSX 模板", lambda: template_bytes(store, ids, "xlsx"), file_name="填报模板.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    c2.download_button("下载 CSV 模板", lambda: template_bytes(store, ids, "csv"), file_name="填报模板.csv",
                       mime="text/csv")
    st.subheader("2. 上传填好的文件")
    if st.session_state.get("upload_done"):
        st.success(st.session_state.pop("upload_done"))
    file = st.file_uploader("XLSX 或 CSV(UTF-8 或 GBK)", type=["xlsx", "csv"],
                            key=f"upload_{st.session_state.get('upload_round', 0)}")
    if file is not None:
        check_and_commit(file.getvalue(), file.name, "upload")

with onscreen:
    if st.session_state.get("entry_done"):
        st.success(st.session_state.pop("entry_done"))
    pid = st.selectbox("项目", list(names), format_func=names.get, key="entry_project", placeholder="请选择")
    frame = entry_frame(store, user, int(pid))
    locked = [c for c in frame.columns if c not in EDITABLE]
    # The locked cells (names, targets) may start like a formula ("=1次"): the editor's toolbar exports
    # them as CSV, so they begin with their full-width twin, which reads the same and never runs.
    edited = st.data_editor(
        # placeholder="": an empty cell (a choice not made yet) is blank, not Streamlit's grey "None".
        screen_frame(frame), hide_index=False, width="stretch", placeholder="", disabled=locked,
        num_rows="fixed", row_height=ENTRY_ROW_PX, height=ENTRY_HEADER_PX + ENTRY_ROW_PX * min(len(frame), 10),
        column_order=ENTRY_ORDER, key=f"entry_{pid}_{st.session_state.get('entry_round', 0)}",
        column_config={
            "_index": st.column_config.NumberColumn("行", width=40),
            "三级指标": st.column_config.TextColumn(width=145, help="点击单元格可看全文"),
            "指标值": st.column_config.TextColumn(width=75),
            "最新实际值": st.column_config.TextColumn("最新值", width=60, help="最近一次填报的实际完成值"),
            "实际完成值": st.column_config.TextColumn(
                width=105, help="数值带单位、日期,或 达成/部分达成/未达成/不适用"),
            "截至日期": st.column_config.TextColumn(width=90, help="YYYY-MM-DD,默认今天"),
            "评定得分率": st.column_config.TextColumn(width=100, help="仅定性指标,单位 %"),
            "完成目标可能性": st.column_config.SelectboxColumn(options=list(LIKELIHOODS), width=134),
            "偏差原因分析及改进措施": st.column_config.TextColumn("偏差原因及改进措施", width=155),
        },
    )
    st.caption(f"“{LIKELIHOODS[1]}”“{LIKELIHOODS[2]}”、超额完成(≥{settings.over_completion:.0%})时"
               "必须填写偏差原因分析及改进措施。")
    st.markdown("**监控表栏目**(与上表逐行对应)")
    monitor = st.data_editor(
        screen_frame(frame[list(MONITOR_ORDER)]), hide_index=False, width="stretch", placeholder="",
        disabled=["三级指标"], num_rows="fixed", row_height=ENTRY_ROW_PX,
        height=ENTRY_HEADER_PX + ENTRY_ROW_PX * min(len(frame), 10), column_order=MONITOR_ORDER,
        key=f"monitor_{pid}_{st.session_state.get('entry_round', 0)}",
        column_config={
            "_index": st.column_config.NumberColumn("行", width=40),
            "三级指标": st.column_config.TextColumn(width=220),
            "偏差原因类别": st.column_config.SelectboxColumn(options=list(DEVIATION_CATEGORIES), width=140),
            "全年预计完成情况": st.column_config.TextColumn(
                width=300, help="预计到年底的完成情况,如“12公里”“全部完成”"),
        },
    )
    st.caption(f"“{LIKELIHOODS[1]}”“{LIKELIHOODS[2]}”时还须选择偏差原因类别;选择了类别时须填写偏差原因分析及改进措施。"
               "只填本表而上表没有实际完成值的行不会提交,会提示补填。")
    edited = edited.assign(**{c: monitor[c] for c in MONITOR_EDITABLE})
    if has_entries(edited):
        check_and_commit(entries_csv(edited), f"{ON_SCREEN}.csv", "entry", entry_rows(edited))

with spending:
    if st.session_state.get("spend_done"):
        st.success(st.session_state.pop("spend_done"))
    pid = st.selectbox("项目", list(names), format_func=names.get, key="spend_project", placeholder="请选择")
    edited = st.data_editor(
        screen_frame(spending_entry_frame(store, user, int(pid))), hide_index=False, width="stretch",
        placeholder="",
        num_rows="fixed", disabled=["项目名称"], key=f"spend_{pid}_{st.session_state.get('spend_round', 0)}",
        column_config={"_index": st.column_config.NumberColumn("行", width=40),
                       "项目名称": st.column_config.TextColumn(width=180),
                       "预算执行数(万元)": st.column_config.TextColumn(help="截至日期的累计执行数,万元"),
                       "全年预计执行数(万元)": st.column_config.TextColumn(
                           help="预计全年执行的金额,万元;不能小于截至日期的执行数"),
                       "实际完成情况": st.column_config.TextColumn(
                           width=220, help="年度总体目标的实际完成情况,写入自评表、监控表")},
    )
    st.caption(f"项目期结束后执行率低于{settings.execution_rate_flag_below:.0%}时必须在“说明”中写明原因。"
               f"全年预计执行数和实际完成情况可不填。今天:{cn_date(date.today())}")
    if has_entries(edited, spending=True):
        check_and_commit(entries_csv(edited, spending=True), f"{ON_SCREEN}-预算执行.csv", "spend",
                         entry_rows(edited, spending=True))
