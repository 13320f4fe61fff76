"""资金: where the money goes, fiscal against other funds, cost caps against spending, execution."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics import charts
from analytics.dashboard import cost_caps, funding_table, funding_total_row, funding_tree, page_rows, top_projects
from analytics.exports import frame_csv, frame_xlsx, screen_frame
from analytics.settings import load_settings
from analytics.wording import cn_date, money, percent
from pages.common import chart, current_view, grid_columns
from pages.paging import page_number

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

screens = load_settings().screens
# The largest [screens] funding_projects projects have tiles and bars of their own; the rest of each
# unit is one tile, so that the tree still adds up to every 万元 without a tile per project.
named = screens.funding_projects
chart(charts.funding_treemap(funding_tree(view, named)), "treemap", "资金树图")
st.caption("成本指标上限之和超过年度资金总额的项目(如结转项目),树图内按资金总额等比缩放,下表列出原始上限。")
if len(view.projects) > named:
    st.caption(f"树图单列资金最多的 {named} 个项目,其余项目按实施单位合为“其余 N 个项目”。")
largest = top_projects(view, "funding_total", named)
if len(largest) < len(view.projects):
    st.caption(f"下面的柱状图显示资金最多的 {len(largest)} 个项目;全部 {len(view.projects)} 个项目见明细表。")
# Full width: project names are long, and half a screen leaves the bars no room.
chart(charts.fiscal_other_chart(largest), "fiscal_other", "财政拨款与其他资金")
caps = cost_caps(view)
chart(charts.cost_spending_chart(caps[caps["project_id"].isin(largest["project_id"])]), "cost_spending",
      "成本指标与已报支出")
chart(charts.execution_chart(largest), "execution", "预算执行率与时间进度")

st.subheader("明细")
rows = funding_table(view)
# One page of rows at a time (5,000 rows were a megabyte on every visit); the 合计 row sums every
# project of the view whatever page is shown, and the downloads hold every row.
per_page = screens.table_rows
page = page_number(len(rows), per_page, "个项目", "funding_page")
total = funding_total_row(rows)
shown = pd.concat([page_rows(rows, page, per_page), total], ignore_index=True)
st.dataframe(screen_frame(shown), hide_index=True, width="stretch", column_config=grid_columns(shown))
if len(rows) > per_page:
    st.caption(f"共 {len(rows)} 个项目,每页 {per_page} 个;合计行为全部项目之和,下载的文件含全部项目。")
table = pd.concat([rows, total], ignore_index=True)
d1, d2, d3, _ = st.columns([1, 1, 1.6, 2.4])
stamp = view.filters.as_of.isoformat()
d1.download_button("下载 CSV", lambda: frame_csv(table), file_name=f"资金_{stamp}.csv", mime="text/csv")
d2.download_button("下载 XLSX", lambda: frame_xlsx(table, "资金"), file_name=f"资金_{stamp}.xlsx",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
# The department workbook (汇总 plus each project's 自评表) of this same selection, on the 导出 page.
d3.page_link("pages/export.py", label="导出部门工作簿", icon=":material/download:", query_params={"kind": "workbook"})
