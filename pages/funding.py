"""资金: where the money goes, fiscal against other funds, cost caps against spending, execution."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics import charts
from analytics.dashboard import cost_caps, funding_table, funding_total_row, funding_tree, top_projects
from analytics.exports import frame_csv, frame_xlsx, safe_frame
from analytics.wording import cn_date, money, percent
from pages.common import current_view, grid_columns

view = current_view()
st.title("资金")
st.caption(f"截至 {cn_date(view.filters.as_of)} · 金额单位:万元")
if view.projects.empty:
    st.info("当前筛选条件下没有项目。")
    st.stop()

s = view.summary
c = st.columns(4)
c[0].metric("年度资金总额(万元)", money(s["funding_total"]))
c[1].metric("其中财政拨款(万元)", money(view.projects["funding_fiscal"].fillna(0).sum()))
c[2].metric("已报预算执行数(万元)", money(s["spent"]))
c[3].metric("预算执行率", percent(s["execution_rate"]))

st.plotly_chart(charts.funding_treemap(funding_tree(view)), key="treemap")
st.caption("成本指标上限之和超过年度资金总额的项目(如结转项目),树图内按资金总额等比缩放,下表列出原始上限。")
largest = top_projects(view, "funding_total")
if len(largest) < len(view.projects):
    st.caption(f"下面的柱状图显示资金最多的 {len(largest)} 个项目;全部 {len(view.projects)} 个项目见明细表。")
# Full width: project names are long, and half a screen leaves the bars no room.
st.plotly_chart(charts.fiscal_other_chart(largest), key="fiscal_other")
caps = cost_caps(view)
st.plotly_chart(charts.cost_spending_chart(caps[caps["project_id"].isin(largest["project_id"])]),
                key="cost_spending")
st.plotly_chart(charts.execution_chart(largest), key="execution")

st.subheader("明细")
# The 合计 row sums every project of the view, however many rows the screen shows.
rows = funding_table(view)
table = pd.concat([rows, funding_total_row(rows)], ignore_index=True)
st.dataframe(safe_frame(table), hide_index=True, width="stretch", column_config=grid_columns(table))
d1, d2, _ = st.columns([1, 1, 4])
stamp = view.filters.as_of.isoformat()
d1.download_button("下载 CSV", lambda: frame_csv(table), file_name=f"资金_{stamp}.csv", mime="text/csv")
d2.download_button("下载 XLSX", lambda: frame_xlsx(table, "资金"), file_name=f"资金_{stamp}.xlsx",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
