"""导出: the official forms, the department workbook and the review deck of the sidebar's selection."""

from __future__ import annotations

import streamlit as st

from analytics.exporting import KINDS, MIME, ExportRefused, ExportRequest, file_name, run_export, scope_text
from analytics.settings import load_settings
from pages.common import current_filters, current_view, filter_chip, get_store, page_user

# The last file made in this session: (request, name, bytes). One file only, so a session holds at
# most one export in memory however often it generates.
RESULT_KEY = "export_result"
GO_KEY = "export_requested"
WHAT = {
    "selfeval": "每个项目一张自评表(domain.md 第 8 节的格式)",
    "monitor": "每个项目一张目标执行监控表,截至所选月份月底",
    "workbook": "汇总表加每个项目的自评表",
    "deck": "评审会用:一页汇总,每个项目一页(得分、等级、信号灯、需讨论的指标)",
}

s = load_settings()
st.title("导出")
filters = current_filters()
filter_chip(filters)
view = current_view()
names = dict(zip(view.projects["project_id"], view.projects["name"], strict=True))
st.caption(f"所选范围:{scope_text(filters, names)};共 {len(view.projects)} 个项目。"
           "范围由左侧筛选决定;每次导出都记入审计日志。")
if view.projects.empty:
    st.info("当前筛选条件下没有项目。请调整左侧筛选后再导出。")
    st.stop()

# A button elsewhere (评审, 资金) opens this page with ?kind=… to preselect what it offers.
wanted = st.query_params.get("kind")
kinds = list(KINDS)
kind = st.radio("导出内容", kinds, index=kinds.index(wanted) if wanted in KINDS else 0,
                format_func=lambda k: KINDS[k][0], horizontal=True, key="export_kind")
st.caption(WHAT[kind])
c1, c2, _ = st.columns([1, 1, 2])
fmt = c1.radio("文件类型", KINDS[kind][1], format_func=str.upper, horizontal=True, key=f"export_fmt_{kind}")
month = None
if kind == "monitor":
    month = int(c2.number_input("截止月份(1-X月)", min_value=1, max_value=12, step=1,
                                value=s.forms.monitor_month, key="export_month"))
req = ExportRequest(kind, fmt, filters, month)

# A callback, not the button's return value: it is kept in the session, so the request survives a
# rerun that app.py may start before this page runs (a button's True lasts one run only).
st.button("生成文件", type="primary", key="export_go", on_click=lambda: st.session_state.update({GO_KEY: True}))
if st.session_state.pop(GO_KEY, False):
    bar = st.progress(0.0, text="正在准备…")

    def progress(done: int, total: int) -> None:
        bar.progress(min(done / total, 1.0) if total else 1.0, text=f"已完成 {done} / {total}")

    user = page_user()
    try:
        with st.spinner("正在生成…"):
            data = run_export(get_store(), req, user.username if user else None,
                              user.display_name if user else "访客", s, progress)
    except ExportRefused as e:
        bar.empty()
        st.session_state.pop(RESULT_KEY, None)
        st.error(str(e))
    else:
        bar.progress(1.0, text="已完成")
        st.session_state[RESULT_KEY] = (req, file_name(req), data)

made = st.session_state.get(RESULT_KEY)
if made is not None:
    made_req, name, data = made
    if made_req == req:
        st.download_button(f"下载 {name}", data, file_name=name, mime=MIME[made_req.fmt], type="primary",
                           on_click="ignore", key="export_download")
        st.caption(f"{len(data) / 1024:,.0f} KB")
    else:
        st.caption("选择已改变:请重新生成文件。")
