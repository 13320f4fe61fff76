"""总览: cards, every project's score and light, and the red and yellow items first."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics import charts
from analytics.dashboard import LIGHT_NAMES, attention_items, page_rows, score_table, score_table_shown
from analytics.engine import UNREPORTED, ZERO_FILLED
from analytics.exports import frame_csv, frame_xlsx, screen_frame
from analytics.safetext import escape_markdown
from analytics.settings import load_settings
from analytics.wording import cn_date, money, percent
from pages.common import chart, current_view
from pages.paging import page_number

# Rows of the ranking table shown on the page (the downloads hold all).
RANKING_ROWS = 50

view = current_view()
s = view.summary
st.title("总览")
rules = load_settings()
st.caption(f"截至 {cn_date(view.filters.as_of)} · 得分依据{rules.score_rules},监控灯依据{rules.light_rules}")
if not s["projects"]:
    st.info("当前筛选条件下没有项目。请在左侧调整筛选,或导入目标表。")
    st.stop()

c = st.columns(6)
c[0].metric("项目数", s["projects"])
c[1].metric("年度资金总额(万元)", money(s["funding_total"]))
c[2].metric("指标数", s["indicators"])
# Unreported projects are left out of the mean; how many there are stands beside it.
c[3].metric("平均自评得分", "—" if s["mean_score"] is None else f"{s['mean_score']:.2f}",
            delta=f"{UNREPORTED} {s['unreported']} 个" if s["unreported"] else None,
            delta_color="off", delta_arrow="off",
            help=f"只计已填报的项目;{UNREPORTED}的项目不计入平均,也不按0分计")
rate = percent(s["execution_rate"])
tp = percent(s["time_progress"])
c[4].metric("预算执行率", rate, help="已报预算执行数合计 / 年度资金总额合计")
c[5].metric("时间进度", tp, help="按资金加权的项目时间进度;执行率应与之同步")

shares = st.columns(5)
for col, light in zip(shares, ("green", "yellow", "red", "blue", "grey"), strict=True):
    col.metric(f"{LIGHT_NAMES[light]}占比", percent(s["light_shares"][light]),
               help=f"{s['lights'][light]} 个指标")

left, right = st.columns([3, 2])
screens = load_settings().screens
# Past [screens] chart_marks projects the chart counts them per score band: a mark per project would
# send megabytes and draw an unreadable cloud; the ranking table below names them one by one.
chart(charts.score_chart(view.projects, max_marks=screens.chart_marks, band=screens.score_band), "score_chart",
      "自评得分排名", left)
chart(charts.light_share_chart(s["lights"]), "light_share", "监控灯占比", right)
if len(view.projects) > screens.chart_marks:
    left.caption(f"项目多于 {screens.chart_marks} 个时,图中按每 {screens.score_band} 分一档计数,颜色为等级;"
                 "逐个项目的排名见下方得分排名表。")
zero_filled = view.projects[view.projects["score_note"] == ZERO_FILLED]
if len(zero_filled):
    # Names come from imported files: escaped.
    names = "、".join(escape_markdown(n) for n in zero_filled["short_name"].head(10))
    more = f"等 {len(zero_filled)} 个项目" if len(zero_filled) > 10 else ""
    left.caption(f"{ZERO_FILLED}:{names}{more}的项目期已结束,其未填报的指标和预算执行数计0分。")

with st.expander("得分排名表(按自评总分排序,可下载)"):
    ranking = score_table(view.projects)
    # A page sends what a person reads: the top of the ranking; the downloads hold every project.
    st.dataframe(screen_frame(score_table_shown(ranking.head(RANKING_ROWS))), hide_index=True, width="stretch")
    if len(ranking) > RANKING_ROWS:
        st.caption(f"显示前 {RANKING_ROWS} 名;全部 {len(ranking)} 个项目请下载。")
    d1, d2, _ = st.columns([1, 1, 4])
    stamp = view.filters.as_of.isoformat()
    d1.download_button("下载 CSV", lambda: frame_csv(ranking), file_name=f"得分排名_{stamp}.csv", mime="text/csv")
    d2.download_button("下载 XLSX", lambda: frame_xlsx(ranking, "得分排名"), file_name=f"得分排名_{stamp}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

st.subheader("需要关注:红灯与黄灯")
items = attention_items(view)
if items.empty:
    st.success("没有红灯或黄灯。")
else:
    st.caption(f"红灯 {int((items['light'] == 'red').sum())} 项,黄灯 {int((items['light'] == 'yellow').sum())} 项;"
               "点击“查看”打开该指标的填报历史与说明(预算执行项打开该项目的评审页);筛选条件不变。")
    # A page of the list at a time: every row is a dozen elements, and thousands of rows would stall the page.
    per_page = screens.attention_rows
    page = page_number(len(items), per_page, "项", "attention_page")
    for row in page_rows(items, page, per_page).itertuples():
        cols = st.columns([1, 4, 5, 5, 1.2])
        cols[0].markdown(charts.light_badge(row.light), unsafe_allow_html=True)
        # Names and targets come from imported files: escaped, so that no markdown link or image renders.
        cols[1].markdown(escape_markdown(row.short_name))
        cols[2].markdown(escape_markdown(f"{row.level1} · {row.item}"))
        cols[3].markdown(escape_markdown(row.detail))
        # The link names the item, not a narrower filter: the user's year, department and unit stay.
        if pd.notna(row.indicator_id):
            cols[4].page_link("pages/indicators.py", label="查看",
                              query_params={**view.filters.to_params(), "indicator": str(int(row.indicator_id))})
        else:
            cols[4].page_link("pages/review.py", label="查看",
                              query_params={**view.filters.to_params(), "review": str(int(row.project_id))})
    if len(items) > per_page:
        st.caption(f"共 {len(items)} 项,每页 {per_page} 项;在“指标”页可按监控灯筛选和搜索。")
