"""审计日志: sign-ins, failed sign-ins, imports, reports, withdrawals, revisions and user changes."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pandas as pd
import streamlit as st

from analytics.accounts import ACTIONS, audit_log
from analytics.auth import ADMIN
from analytics.exports import frame_csv, frame_xlsx, screen_frame
from pages.common import current_user_or_stop, get_store, grid_columns

user = current_user_or_stop((ADMIN,))
store = get_store()
st.title("审计日志")
c = st.columns(4)
since = c[0].date_input("自", value=datetime.now().date() - timedelta(days=30), format="YYYY-MM-DD")
until = c[1].date_input("至", value=datetime.now().date(), format="YYYY-MM-DD")
who = c[2].text_input("用户名")
actions = c[3].multiselect("操作", ACTIONS, placeholder="全部")
log = audit_log(store, user, datetime.combine(since, time.min), datetime.combine(until, time.min) + timedelta(days=1),
                who.strip() or None, actions or None)
# To the second: sign-ins and failures come in bursts, and minutes alone cannot order them.
# An empty cell is blank, never "None" (a sign-in has no file, an unknown name no user).
# A datetime to the second (no microseconds): the grid writes it in Chinese, the XLSX keeps a date cell.
log = log.assign(occurred_at=pd.to_datetime(log["occurred_at"]).dt.floor("s"),
                 username=log["username"].fillna(""), detail=log["detail"].fillna(""),
                 file_name=log["file_name"].fillna(""))
shown = log.rename(columns={"audit_id": "编号", "occurred_at": "时间", "username": "用户", "action": "操作",
                            "detail": "内容", "file_name": "文件"})
st.caption(f"共 {len(shown)} 条")
# User names, details and file names come from visitors: formula-safe, because the table's own toolbar
# offers "Download as CSV" of exactly what it is given.
st.dataframe(screen_frame(shown), hide_index=True, width="stretch", column_config=grid_columns(shown))
d1, d2, _ = st.columns([1, 1, 4])
d1.download_button("导出 CSV", lambda: frame_csv(shown), file_name="审计日志.csv", mime="text/csv")
d2.download_button("导出 XLSX", lambda: frame_xlsx(shown, "审计日志"), file_name="审计日志.xlsx",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
