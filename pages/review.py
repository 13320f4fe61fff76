"""评审: the year-end review on a projector, one screen at a time.

Made for 1280×720 in full screen: the sidebar is hidden (a button brings it back), and each screen
fits without scrolling: a summary of the projects first, then one screen per project with its
score, grade, light, the lights per 一级 and the indicators that need discussion; the full indicator
table opens below. ←/→ and PageUp/PageDown step through the screens. The current screen and the
presenter's order are in the URL (``?review=<project id>&order=score``), so a link opens the same
screen in the same order.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics import charts
from analytics.dashboard import LIGHT_NAMES, level1_lights, review_table
from analytics.engine import UNREPORTED
from analytics.presenting import (
    ORDER_NAMES,
    discussion,
    grade_counts,
    presenter_order,
    rows_that_fit,
    screen_index,
    screens,
    step,
    summary_rows,
    unreported_projects,
)
from analytics.safetext import escape_html, escape_markdown
from analytics.settings import REVIEW_ORDERS, load_settings
from analytics.wording import cn_date, money, percent, percent_points
from pages.common import chart, current_view, get_store

SIDEBAR_KEY = "review_sidebar_shown"
ORDER_KEY = "review_order_choice"
# What a 1280×720 screen leaves for the chart beside the discussion table and for the summary's chart.
PROJECT_CHART_PX = 175
SUMMARY_CHART_PX = 400

rules = load_settings().review
body, table_px = rules.body_px, rules.table_px


def css(sidebar_shown: bool) -> str:
    """The room's type sizes and a tight layout; without the sidebar, Streamlit's header goes too (its
    toolbar would cover the top of the screen), and the page's own button brings the sidebar back."""
    hidden = "" if sidebar_shown else """
    [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"]
        {display: none !important;}"""
    top = "3.5rem" if sidebar_shown else "0.6rem"
    return f"""<style>{hidden}
    [data-testid="stMainBlockContainer"] {{max-width: 100%; padding: {top} 1.5rem 0.6rem 1.5rem;}}
    [data-testid="stMainBlockContainer"] [data-testid="stVerticalBlock"] {{gap: 0.45rem;}}
    [data-testid="stMain"] [data-testid="stMarkdownContainer"] :is(p, li),
    [data-testid="stMain"] [data-testid="stCaptionContainer"] p,
    [data-testid="stMain"] button p, [data-testid="stMain"] summary :is(p, span),
    [data-testid="stMain"] [data-testid="stMetricLabel"] p,
    [data-testid="stMain"] input, [data-testid="stMain"] .review-text {{font-size: {body}px;}}
    [data-testid="stMain"] :is(h1, h1 *) {{font-size: {body + 14}px !important; line-height: 1.25;}}
    [data-testid="stMain"] h1 {{padding: 0 !important;}}
    [data-testid="stMain"] [data-testid="stCaptionContainer"] p {{color: #333;}}
    [data-testid="stMain"] [data-testid="stMetricValue"] :is(div, p)
        {{font-size: {body + 18}px !important; font-weight: 700; line-height: 1.15;}}
    .review-info {{text-align: center; font-size: {body + 2}px;}}
    .review-badge {{font-size: {body + 8}px; padding: 4px 16px; border-radius: 12px; white-space: nowrap;}}
    table.review-table {{width: 100%; border-collapse: collapse; table-layout: fixed;}}
    table.review-table :is(th, td, div, span) {{font-size: {table_px}px; line-height: 1.3;}}
    table.review-table th {{text-align: left; background: #eef1f5; padding: 6px 8px;}}
    table.review-table td {{padding: 5px 8px; border-top: 1px solid #d5dbe3; vertical-align: top;}}
    table.review-table .num {{text-align: right; white-space: nowrap;}}
    table.review-table .one-line {{white-space: nowrap; overflow: hidden; text-overflow: ellipsis;}}
    table.review-table .two-lines {{display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical;
        overflow: hidden;}}
    table.review-table .light {{padding: 1px 8px; border-radius: 8px; white-space: nowrap;}}
    </style>"""


# ←/→ and PageUp/PageDown click the page's own previous/next buttons, so a key press is the same
# Streamlit event (and URL change) as a click. One listener per browser tab: a rerun replaces it, and
# it does nothing on pages without the buttons.
KEYS = """<script>
(() => {
  const doc = window.document;
  if (window.__perfReviewKeys) doc.removeEventListener("keydown", window.__perfReviewKeys, true);
  window.__perfReviewKeys = (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey || e.repeat) return;
    // Keys stay with a text field, and with an open list; a closed select box (the order, just chosen)
    // has nothing to do with them.
    const t = e.target;
    const closedSelect = t && t.getAttribute && t.getAttribute("role") === "combobox"
      && t.getAttribute("aria-expanded") !== "true";
    if (t && !closedSelect && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    const which = {ArrowRight: "next", PageDown: "next", ArrowLeft: "prev", PageUp: "prev"}[e.key];
    if (!which) return;
    const button = doc.querySelector(".st-key-review_" + which + " button");
    if (!button) return;
    e.preventDefault();
    if (!button.disabled) button.click();
  };
  doc.addEventListener("keydown", window.__perfReviewKeys, true);
})();
</script>"""


def light_badge(light: str, cls: str = "review-badge") -> str:
    return (f'<span class="{cls}" style="background:{charts.LIGHT_COLORS[light]};color:{charts.TEXT_ON[light]}">'
            f"{LIGHT_NAMES[light]}</span>")


def html_table(header: list[tuple[str, str]], rows: list[list[str]]) -> str:
    """A table of already escaped cells; ``header`` holds (title, CSS width) per column."""
    cols = "".join(f'<col style="width:{w}">' for _, w in header)
    head = "".join(f"<th>{t}</th>" for t, _ in header)
    body_rows = "".join("<tr>" + "".join(r) + "</tr>" for r in rows)
    return f'<table class="review-table"><colgroup>{cols}</colgroup><tr>{head}</tr>{body_rows}</table>'


def cell(text: object, cls: str = "", clipped: bool = False) -> str:
    """A table cell of user text, escaped. A ``clipped`` cell (class one-line or two-lines) keeps its
    full text as a tooltip; the full table below shows all of it."""
    value = "" if text is None or (isinstance(text, float) and pd.isna(text)) else escape_html(text)
    if clipped:
        return f'<td><div class="{cls}" title="{value}">{value}</div></td>'
    return f'<td class="{cls}">{value}</td>'


def discussion_note(note: str, hint: str) -> str:
    """The reporter's deviation note, after the reason a flagged indicator is on the list."""
    return ";".join(t for t in (hint, note) if t)


def choose_order() -> str:
    """The presenter's order: the URL's when it names one, else the settings' default."""
    wanted = st.query_params.get("order")
    order = wanted if wanted in REVIEW_ORDERS else rules.default_order
    if st.session_state.get(ORDER_KEY) != order:
        st.session_state[ORDER_KEY] = order
    return order


def remember_order() -> None:
    st.query_params["order"] = st.session_state[ORDER_KEY]


def go(screen: str) -> None:
    st.query_params["review"] = screen


def toggle_sidebar() -> None:
    st.session_state[SIDEBAR_KEY] = not st.session_state.get(SIDEBAR_KEY, False)


view = current_view()
sidebar_shown = bool(st.session_state.get(SIDEBAR_KEY, False))
st.html(css(sidebar_shown))
st.html(KEYS, unsafe_allow_javascript=True)

with st.sidebar:
    # In the sidebar, which the room does not see: every review screen must fit 1280×720 as it is.
    st.page_link("pages/export.py", label="导出评审材料(PDF / PPTX)", icon=":material/download:",
                 query_params={"kind": "deck"})

order_name = choose_order()
order = presenter_order(view, order_name)
if not order:
    st.info("当前筛选条件下没有项目。请在侧边栏放宽筛选条件。")
    st.button("显示侧边栏" if not sidebar_shown else "隐藏侧边栏", on_click=toggle_sidebar, key="review_sidebar")
    st.stop()

all_screens = screens(order)
current = st.query_params.get("review")
index = screen_index(all_screens, current)
waiting = unreported_projects(view)

nav = st.columns([1.25, 3.1, 1.75, 1.45, 1.25], vertical_alignment="center")
nav[0].button("◀ 上一个", on_click=go, args=(all_screens[step(index, -1, len(all_screens))],), disabled=index == 0,
              width="stretch", key="review_prev")
nav[1].html(f'<div class="review-info">第 {index + 1} / {len(all_screens)} 屏 · 截至 '
            f"{cn_date(view.filters.as_of)}</div>")
nav[2].selectbox("演示顺序", list(REVIEW_ORDERS), format_func=ORDER_NAMES.__getitem__, key=ORDER_KEY,
                 on_change=remember_order, label_visibility="collapsed", placeholder="请选择")
nav[3].button("隐藏侧边栏" if sidebar_shown else "显示侧边栏", on_click=toggle_sidebar, width="stretch",
              key="review_sidebar")
nav[4].button("下一个 ▶", on_click=go, args=(all_screens[step(index, 1, len(all_screens))],),
              disabled=index == len(all_screens) - 1, width="stretch", key="review_next")

if index == 0:
    st.title("项目支出绩效自评汇总")
    s = view.summary
    mean, n_waiting = s["mean_score"], s["unreported"]
    c = st.columns(5)
    c[0].metric("项目数", s["projects"])
    c[1].metric("平均得分", "—" if mean is None else f"{mean:.2f}")
    c[2].metric("未填报项目", n_waiting, help="尚无任何填报值的项目不计入平均得分")
    c[3].metric("预算执行率", percent(s["execution_rate"]))
    c[4].metric("红灯指标", s["lights"]["red"])
    rows, more = summary_rows(view, order, rules.summary_rows)
    left, right = st.columns([8, 4])
    table = html_table(
        [("#", "3em"), ("项目", "auto"), ("总分", "4.6em"), ("等级", "4.4em"), ("监控灯", "5em"), ("执行率", "5em")],
        [[cell(i + 1, "num"), cell(r.short_name, "one-line", clipped=True),
          cell("—" if pd.isna(r.score) else f"{r.score:.2f}", "num"),
          cell(UNREPORTED if r.project_id in waiting else r.grade), "<td>" + light_badge(r.light, "light") + "</td>",
          cell(percent(r.execution_rate), "num")]
         for i, r in enumerate(rows.itertuples())],
    )
    left.html(table)
    if more:
        left.html(f'<div class="review-text">另有 {more} 个项目,请逐屏查看,或在侧边栏缩小范围。</div>')
    grades = [g for g, _ in load_settings().grades]
    chart(charts.review_grade_chart(grade_counts(view, grades), SUMMARY_CHART_PX, rules.chart_px), "review_grades",
          "项目等级分布", right, config={"displayModeBar": False}, compact=True, buttons_in=st.sidebar)
else:
    pid = int(all_screens[index])
    p = view.projects.loc[view.projects["project_id"] == pid].iloc[0]
    unreported = pid in waiting
    st.title(escape_markdown(p["short_name"]))
    st.caption(f"{escape_markdown(p['department'])} · {escape_markdown(p['unit'])} · "
               f"年度资金 {money(p['funding_total'])} 万元")
    left, right = st.columns([7, 5], vertical_alignment="center")
    c = left.columns(4)
    # A final zero of a period that ended unreported says so, as on 总览.
    c[0].metric("自评总分", "—" if unreported else f"{p['score']:.2f}", help=p.get("score_note") or None)
    c[1].metric("等级", UNREPORTED if unreported else str(p["grade"]))
    c[2].html(f'<div class="review-text">项目监控灯</div><div style="margin-top:8px">'
              f"{light_badge(str(p['light']))}</div>")
    c[3].metric("预算执行率", percent(p["execution_rate"]))
    chart(charts.review_lights_chart(level1_lights(view, pid), PROJECT_CHART_PX, rules.chart_px), "review_level1",
          "各一级指标监控灯", right, config={"displayModeBar": False}, compact=True, buttons_in=st.sidebar)
    items = discussion(get_store(), view, pid)
    if items.empty:
        st.html('<div class="review-text"><b>需要讨论的指标</b>:没有红灯、黄灯或需说明的指标。</div>')
    else:
        shown = items.head(rows_that_fit(items, rules.discussion_rows))
        more = f",另有 {len(items) - len(shown)} 项见下方完整指标表" if len(items) > len(shown) else ""
        st.html(f'<div class="review-text"><b>需要讨论的指标({len(items)} 项{more})</b></div>')
        st.html(html_table(
            [("监控灯", "4.6em"), ("一级指标", "6.8em"), ("三级指标", "34%"), ("指标值", "6.5em"), ("实际", "6.5em"),
             ("偏差原因分析及改进措施", "auto")],
            [["<td>" + light_badge(r.light, "light") + "</td>", cell(r.一级指标, "one-line", clipped=True),
              cell(r.三级指标, "two-lines", clipped=True), cell(r.指标值, "two-lines", clipped=True),
              cell(r.实际完成值, "two-lines", clipped=True),
              cell(discussion_note(r.偏差原因分析及改进措施, r.提示), "two-lines", clipped=True)]
             for r in shown.itertuples()],
        ))
    full = review_table(get_store(), view, pid).rename(columns={"完成率%": "rate"})
    with st.expander(f"完整指标表({len(full)} 项)"):
        st.html(html_table(
            [("监控灯", "4.6em"), ("一级指标", "6em"), ("三级指标", "auto"), ("指标值", "7em"), ("实际完成值", "7em"),
             ("完成率%", "5em"), ("得分", "4.4em"), ("完成可能性", "6em"), ("偏差原因分析及改进措施", "22%")],
            [["<td>" + light_badge(r.light, "light") + "</td>", cell(r.一级指标), cell(r.三级指标), cell(r.指标值),
              cell(r.实际完成值), cell(percent_points(r.rate), "num"),
              cell("—" if pd.isna(r.得分) else f"{r.得分:.2f}", "num"), cell(r.完成目标可能性),
              cell(r.偏差原因分析及改进措施)]
             for r in full.itertuples()],
        ))
