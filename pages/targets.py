"""目标表: the imported target tables with their indicators and review warnings."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from analytics.dashboard import search_projects
from analytics.exports import screen_frame
from analytics.safetext import escape_markdown
from analytics.services import projects_data
from analytics.wording import cn_date, money
from pages.common import current_view, get_store, search_box

PER_PAGE = 20

st.title("目标表")
view = current_view()
if view.projects.empty:
    st.info("当前筛选条件下没有项目。请调整左侧筛选,或用 `python -m analytics import 文件` 导入目标表。")
    st.stop()

c1, c2, c3 = st.columns(3)
c1.metric("项目数", len(view.projects))
c2.metric("指标数", len(view.indicators))
c3.metric("年度资金总额(万元)", money(view.projects["funding_total"].fillna(0).sum()))

query = search_box("targets_q", "项目名称、实施单位或指标名称")
ids = search_projects(view, query)
if query:
    st.caption(f"搜索“{escape_markdown(query)}”找到 {len(ids)} 个项目")
if not ids:
    st.info("没有项目的名称、实施单位或指标名称包含所搜索的文字。请换个说法,或清空搜索框。")
    st.stop()
pages = math.ceil(len(ids) / PER_PAGE)
page = 1
if pages > 1:
    page = st.number_input(f"页码(共 {pages} 页,每页 {PER_PAGE} 个项目)", 1, pages, 1)
for p in projects_data(get_store(), ids[(page - 1) * PER_PAGE: page * PER_PAGE]):
    # Every text of a table comes from its file: escaped wherever the widget renders markdown.
    with st.expander(f"{p['year']}年度 · {escape_markdown(p['name'])}", expanded=False):
        st.markdown(
            f"**主管部门**:{escape_markdown(p['department'])}  \n**实施单位**:{escape_markdown(p['unit'])}  \n"
            f"**项目属性**:{escape_markdown(p['attribute'])}  \n"
            f"**项目期**:{cn_date(p['start_date']) or '未填'} 至 {cn_date(p['end_date']) or '未填'}  \n"
            f"**年度资金总额**:{money(p['funding_total'] or 0)} 万元(财政拨款 {money(p['funding_fiscal'] or 0)},"
            f"其他资金 {money(p['funding_other'])})"
        )
        if p["goal_text"]:
            st.caption(escape_markdown(p["goal_text"]))
        for w in p["warnings"]:
            st.warning(escape_markdown(w), icon=":material/warning:")
        table = pd.DataFrame(p["indicators"]).rename(
            columns={"level1": "一级指标", "level2": "二级指标", "name": "三级指标", "target_text": "指标值"}
        )
        st.dataframe(screen_frame(table[["一级指标", "二级指标", "三级指标", "指标值"]]), hide_index=True,
                     width="stretch")
