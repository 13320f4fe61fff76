"""填报记录: the signed-in reporter's reports (all reports for an administrator), with withdrawal.

A withdrawn report stays stored and visible as withdrawn; the engine ignores it. A withdrawal is
checked, then asked to be confirmed; once done, the form starts empty again.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from analytics.auth import ADMIN, REPORTER
from analytics.exports import screen_frame
from analytics.model import InputError
from analytics.safetext import escape_markdown
from analytics.services import (
    check_withdrawal,
    indicator_names,
    my_reports,
    my_spending_reports,
    project_names,
    withdraw_report,
)
from analytics.wording import cn_date, cn_dates, cn_datetimes, money
from pages.common import current_user_or_stop, get_store

user = current_user_or_stop((ADMIN, REPORTER))
store = get_store()
st.title("填报记录")
st.caption("撤回后该条填报仍保留并标为“已撤回”,计算时不再使用。" + ("管理员可撤回任何人的填报。" if user.is_admin
                                                                 else "只能撤回自己的填报。"))
if st.session_state.get("withdraw_done"):
    st.success(st.session_state.pop("withdraw_done"))

actual, spend = st.tabs(["指标填报", "预算执行填报"])
names = indicator_names(store)
projects = project_names(store)


def withdraw_form(reports: pd.DataFrame, kind: str, label: Callable[[int], str | None]) -> None:
    """Pick a report and give a reason; a withdrawal that would succeed is then asked to be confirmed."""
    live = reports[~reports["withdrawn"]]
    if live.empty:
        return
    pending_key, round_key = f"withdraw_{kind}_pending", f"withdraw_{kind}_round"
    # A new key per finished withdrawal: the form comes back empty, not with the last choice and reason.
    with st.form(f"withdraw_{kind}_{st.session_state.get(round_key, 0)}"):
        st.markdown("**撤回一条填报**")
        rid = st.selectbox("填报", live["report_id"].astype(int).tolist(), format_func=label, placeholder="请选择")
        reason = st.text_input("撤回原因")
        if st.form_submit_button("撤回"):
            try:
                check_withdrawal(store, user, int(rid), kind, reason)
            except InputError as e:
                st.session_state.pop(pending_key, None)
                st.error(escape_markdown(e))
            else:
                st.session_state[pending_key] = (int(rid), reason.strip())
    pending = st.session_state.get(pending_key)
    if pending is None:
        return
    rid, reason = pending
    st.warning(escape_markdown(f"确定撤回“{label(rid)}”吗?撤回原因:{reason}。撤回后计算不再使用这条填报。"))
    yes, no, _ = st.columns([1, 1, 4])
    if yes.button("确认撤回", type="primary", key=f"confirm_{kind}"):
        st.session_state.pop(pending_key)
        try:
            withdraw_report(store, user, rid, kind, reason)
        except InputError as e:
            st.error(escape_markdown(e))
            return
        st.session_state["withdraw_done"] = f"已撤回填报 #{rid}。"
        st.session_state[round_key] = st.session_state.get(round_key, 0) + 1
        st.rerun()
    if no.button("取消", key=f"cancel_{kind}"):
        st.session_state.pop(pending_key)
        st.rerun()


with actual:
    reports = my_reports(store, user)
    if reports.empty:
        st.info("还没有指标填报。")
    else:
        shown = pd.DataFrame({
            "编号": reports["report_id"],
            "项目 · 指标": reports["indicator_id"].map(names),
            "实际完成值": reports["value_text"],
            "截至日期": cn_dates(reports["as_of"]),
            "偏差原因及说明": reports["note"],
            "偏差原因类别": reports["deviation_category"],
            "全年预计完成情况": reports["forecast_text"],
            "填报人": reports["reporter"],
            "填报时间": cn_datetimes(reports["entered_at"]),
            "来源文件": reports["source"],
            "状态": reports["withdrawn"].map({True: "已撤回", False: "有效"}),
            "撤回原因": reports["withdraw_reason"],
        }).astype(object)
        st.dataframe(screen_frame(shown.where(shown.notna(), "")), hide_index=True, width="stretch", placeholder="")
        labels = {int(r.report_id): f"#{r.report_id} {names.get(int(r.indicator_id), '')}:{r.value_text}"
                  for r in reports.itertuples()}
        withdraw_form(reports, "actual", labels.get)

with spend:
    reports = my_spending_reports(store, user)
    if reports.empty:
        st.info("还没有预算执行填报。")
    else:
        shown = pd.DataFrame({
            "编号": reports["report_id"],
            "项目": reports["project_id"].map(projects),
            "预算执行数(万元)": reports["amount"].map(money),
            "截至日期": cn_dates(reports["as_of"]),
            "说明": reports["note"],
            "全年预计执行数(万元)": reports["forecast"].map(lambda v: "" if pd.isna(v) else money(v)),
            "实际完成情况": reports["goal_actual"],
            "填报人": reports["reporter"],
            "填报时间": cn_datetimes(reports["entered_at"]),
            "来源文件": reports["source"],
            "状态": reports["withdrawn"].map({True: "已撤回", False: "有效"}),
        }).astype(object)
        st.dataframe(screen_frame(shown.where(shown.notna(), "")), hide_index=True, width="stretch", placeholder="")
        labels = {int(r.report_id): f"#{r.report_id} {projects.get(int(r.project_id), '')}:{money(r.amount)} 万元"
                                    f"(截至{cn_date(r.as_of)})" for r in reports.itertuples()}
        withdraw_form(reports, "spending", labels.get)
