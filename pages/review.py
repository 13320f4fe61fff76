"""评审: the year-end review on a projector. Large type, high contrast, one screen at a time.

A summary of all projects first, then one screen per project; the current screen is in the URL
(``?review=<project id>``), so the meeting can share a link to any screen.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics import charts
from analytics.dashboard import LIGHT_NAMES, level1_lights, review_order, review_table
from analytics.exports import safe_frame
from analytics.safetext import escape_html, escape_markdown
from pages.common import current_view, get_store

st.markdown(
    """<style>
    .block-container {max-width: 100%; padding-top: 4.5rem;}
    .block-container p, .block-container li, .block-container td, .block-container th {font-size: 1.35rem;}
    .block-container [data-testid="stMetricValue"], .block-container [data-testid="stMetricValue"] p
        {font-size: 3rem; font-weight: 700; line-height: 1.2;}
    .block-container [data-testid="stMetricLabel"] p {font-size: 1.3rem;}
    h1 {font-size: 2.6rem !important;}
    </style>""",
    unsafe_allow_html=True,
)

view = current_view()
order = review_order(view)
if not order:
    st.info("当前筛选条件下没有项目。")
    st.stop()

screens = ["summary", *[str(p) for p in order]]
current = st.query_params.get("review", "summary")
if current not in screens:
    current = "summary"
index = screens.index(current)


def go(to: int) -> None:
    st.query_params["review"] = screens[to]


nav = st.columns([1, 6, 1])
nav[0].button("◀ 上一个", on_click=go, args=(index - 1,), disabled=index == 0, width="stretch")
nav[2].button("下一个 ▶", on_click=go, args=(index + 1,), disabled=index == len(screens) - 1, width="stretch")
nav[1].markdown(f"<div style='text-align:center;font-size:1.3rem'>第 {index + 1} / {len(screens)} 屏 · 截至 "
                f"{view.filters.as_of:%Y年%m月%d日}</div>", unsafe_allow_html=True)

if current == "summary":
    st.title("项目支出绩效自评汇总")
    s = view.summary
    c = st.columns(4)
    c[0].metric("项目数", s["projects"])
    c[1].metric("平均得分", "—" if s["mean_score"] is None else f"{s['mean_score']:.2f}")
    c[2].metric("预算执行率", "—" if s["execution_rate"] is None else f"{s['execution_rate'] * 100:.1f}%")
    c[3].metric("红灯指标", s["lights"]["red"])
    p = view.projects
    if len(p) > 30:
        # A projector shows a few dozen rows; beyond that a scrollable table keeps the screen usable.
        st.dataframe(safe_frame(pd.DataFrame({
            "项目": p["short_name"], "总分": p["score"].round(2), "等级": p["grade"].astype(str),
            "监控灯": p["light"].astype(str).map(LIGHT_NAMES),
            "预算执行率%": (p["execution_rate"] * 100).round(1),
        })), hide_index=True, width="stretch", height=600)
        st.plotly_chart(charts.score_chart(p, large=True), key="review_scores")
        st.stop()
    rate = p["execution_rate"].map(lambda v: "—" if pd.isna(v) else f"{v * 100:.1f}%")
    # Project names come from imported files: escaped, never rendered as HTML or markdown.
    rows = "".join(
        f"<tr><td>{i + 1}</td><td>{escape_html(r.short_name)}</td><td style='text-align:right'>{r.score:.2f}</td>"
        f"<td style='text-align:center'>{r.grade}</td><td>{charts.light_badge(str(r.light), large=True)}</td>"
        f"<td style='text-align:right'>{rate.iloc[i]}</td></tr>"
        for i, r in enumerate(p.itertuples())
    )
    st.markdown(
        "<table style='width:100%;font-size:1.5rem;border-collapse:collapse' class='review-summary'>"
        "<tr><th>#</th><th>项目</th><th>总分</th><th>等级</th><th>监控灯</th><th>预算执行率</th></tr>"
        f"{rows}</table>",
        unsafe_allow_html=True,
    )
    st.plotly_chart(charts.score_chart(p, large=True), key="review_scores")
else:
    pid = int(current)
    p = view.projects.loc[view.projects["project_id"] == pid].iloc[0]
    st.title(escape_markdown(p["short_name"]))
    st.caption(f"{escape_markdown(p['department'])} · {escape_markdown(p['unit'])} · "
               f"年度资金 {p['funding_total']:,.2f} 万元")
    c = st.columns([1, 1, 1, 1])
    c[0].metric("自评总分", f"{p['score']:.2f}")
    c[1].metric("等级", str(p["grade"]))
    c[2].metric("预算执行率", "—" if pd.isna(p["execution_rate"]) else f"{p['execution_rate'] * 100:.1f}%")
    c[3].markdown("<div style='font-size:1.3rem'>项目监控灯</div>" + charts.light_badge(str(p["light"]), large=True),
                  unsafe_allow_html=True)
    st.plotly_chart(charts.level1_lights_chart(level1_lights(view, pid), large=True), key="review_level1")
    table = review_table(get_store(), view, pid)
    light_of = {v: k for k, v in LIGHT_NAMES.items()}
    shown = safe_frame(table).assign(监控灯=table["light"].map(LIGHT_NAMES)).drop(columns="light")
    shown = shown[["监控灯", *[c for c in shown.columns if c != "监控灯"]]]
    st.dataframe(
        shown.style.map(lambda v: charts.light_cell_style(light_of.get(v, "")), subset=["监控灯"])
        .format({"完成率%": "{:.1f}", "得分": "{:.2f}"}, na_rep="—")
        .set_properties(**{"font-size": "1.2rem"}),
        hide_index=True, width="stretch", height=min(44 * (len(shown) + 1), 900),
    )
