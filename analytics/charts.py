"""Plotly figures: plain functions, data in and figure out, so pages, tests and exports share them.

The palette of lights and grades is defined here once; every chart and table takes it from here.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from html import unescape as unescape_html

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analytics.dashboard import LEVEL1_ORDER, LIGHT_NAMES, rank_by_score, score_bands
from analytics.engine import UNREPORTED
from analytics.safetext import escape_html
from analytics.wording import PERCENT_D3, PERCENT_OF_FRACTION_D3, cn_date, cn_dates, cn_datetimes, month_ticks

# The one palette. Lights are the traffic colours of 双监控; grey stays light so that it reads as
# "nothing yet". Colour-blind-aware, projector-safe hues.
LIGHT_COLORS = {
    "green": "#2e9d57",
    "yellow": "#e8b100",
    "red": "#d9363e",
    "blue": "#2f6fd6",
    "grey": "#a3a9b1",
}
# Grades are an order, not a warning: one plum ramp (dark = better), a hue no light uses, so a
# 良 bar is never read as 蓝灯 nor a 差 bar as 红灯 (each is more than 30 ΔE from every light).
# 未填报 is the grey of "nothing reported".
GRADE_COLORS = {"优": "#4a1046", "良": "#8e2c7e", "中": "#c46fb5", "差": "#f5b3e3"}
UNREPORTED_COLOR = LIGHT_COLORS["grey"]
GRADE_TEXT_ON = {"优": "#ffffff", "良": "#ffffff", "中": "#1a1a1a", "差": "#1a1a1a", UNREPORTED: "#1a1a1a"}
TEXT_ON = {"green": "#ffffff", "yellow": "#1a1a1a", "red": "#ffffff", "blue": "#ffffff", "grey": "#1a1a1a"}
FONT_FAMILY = "Noto Sans CJK SC, Noto Sans SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, sans-serif"
ACCENT = "#34495e"


def style(fig: go.Figure, title: str | None = None, height: int | None = None, large: bool = False) -> go.Figure:
    """The house style: CJK font everywhere (titles, hover, legend), plain background."""
    size = 22 if large else 14
    fig.update_layout(
        font={"family": FONT_FAMILY, "size": size, "color": "#1a1a1a"},
        hoverlabel={"font": {"family": FONT_FAMILY, "size": size}},
        title={"text": title, "font": {"family": FONT_FAMILY, "size": size + 4}} if title else None,
        plot_bgcolor="#ffffff",
        paper_bgcolor="#ffffff",
        margin={"l": 10, "r": 10, "t": 60 if title else 20, "b": 10},
        legend=legend_below(size),
    )
    # The axes' tick labels and titles take the room they need (long project names, two-line dates).
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)
    if height:
        fig.update_layout(height=height)
    return fig


def legend_below(size: int) -> dict:
    """The legend in one or more rows at the bottom of the figure, under the x-axis title.

    Beside the plot, a legend squeezes the bars of a half-width chart; placed at a fraction of the plot
    below it (paper y < 0), it lands on the tick labels or the axis title whenever the plot is short or
    the names long. Anchored to the figure instead (yref "container"), Plotly reserves its rows as a
    strip of the bottom margin, *added* to the room the x axis' automargin takes for its ticks and
    title, so the two never share pixels whatever the width makes of the legend's rows. xref
    "container" lets the rows use the figure's whole width rather than the plot's.
    """
    return {"font": {"family": FONT_FAMILY, "size": size}, "orientation": "h", "xref": "container",
            "yref": "container", "x": 0, "xanchor": "left", "y": 0, "yanchor": "bottom"}


def shown(texts: pd.Series) -> pd.Series:
    """Names, units and notes from files and visitors as Plotly text: Plotly renders <a href> and
    other tags in labels and hovers, so every user text is escaped before it reaches a figure."""
    return texts.astype(object).map(lambda v: "" if v is None or (isinstance(v, float) and pd.isna(v))
                                    else escape_html(v))


# Above this many projects one bar per project stops being readable; a scatter shows them all.
MAX_BARS = 40


def grade_color(grade: str) -> str:
    """A grade's bar colour; 未填报 (or anything unknown) is grey."""
    return GRADE_COLORS.get(grade, UNREPORTED_COLOR)


def axis_labels(names: pd.Series, ids: pd.Series) -> pd.Series:
    """Escaped names for a category axis, made unique: two projects of the same short name would
    otherwise share one category and draw their bars on top of each other."""
    labels = shown(names).reset_index(drop=True)
    dup = labels.duplicated(keep=False)
    ids = ids.reset_index(drop=True)
    return labels.where(~dup, labels + "(" + ids.astype(str) + ")")


def _legend_entry(fig: go.Figure, name: str, colour: str) -> None:
    """A legend item without data: the bars are one trace (one order), the legend explains its colours."""
    fig.add_bar(x=[None], y=[None], orientation="h", name=name, marker_color=colour, showlegend=True,
                hoverinfo="skip")


def score_chart(projects: pd.DataFrame, large: bool = False, max_marks: int | None = None,
                band: int = 5) -> go.Figure:
    """The score ranking: one bar per project, best at the top, sorted by score (ties by name)
    whatever the grade; the grade is the bar's colour, the light a marker at the end. Unreported
    projects come last, as a grey 未填报 label rather than a 0.00 bar.

    With more than MAX_BARS projects, every project is a point (score against funds) instead; with
    more than ``max_marks`` ([screens] chart_marks), the projects are counted per ``band`` points.
    """
    if max_marks is not None and len(projects) > max_marks:
        return _score_band_chart(score_bands(projects, band), len(projects), band, large)
    if len(projects) > MAX_BARS:
        return _score_scatter(projects, large)
    p = rank_by_score(projects)
    unreported = p["unreported"].fillna(False).astype(bool)
    grades = p["grade"].astype(str).where(~unreported, UNREPORTED)
    labels = axis_labels(p["short_name"], p["project_id"])
    fig = go.Figure()
    fig.add_bar(
        x=p["score"].where(~unreported, 0.0), y=labels, orientation="h", name="自评总分", showlegend=False,
        marker={"color": grades.map(grade_color).tolist(), "line": {"color": "#5b5b5b", "width": 0.5}},
        text=p["score_text"], textposition=["outside" if u else "auto" for u in unreported],
        textfont={"color": grades.map(GRADE_TEXT_ON).fillna("#1a1a1a").tolist()}, insidetextanchor="end",
        # A score that does not fit inside a short bar goes beside it, level; never turned on its side.
        textangle=0, cliponaxis=False,
        customdata=pd.DataFrame({"name": shown(p["name"]), "grade": grades,
                                 "light": p["light"].astype(str).map(LIGHT_NAMES),
                                 "score": p["score_text"]}).to_numpy(),
        hovertemplate="项目:%{customdata[0]}<br>总分:%{customdata[3]}<br>等级:%{customdata[1]}"
        "<br>监控灯:%{customdata[2]}<extra></extra>",
    )
    present = set(grades)
    for grade in [*GRADE_COLORS, UNREPORTED]:
        if grade in present:
            _legend_entry(fig, UNREPORTED if grade == UNREPORTED else f"等级 {grade}", grade_color(grade))
    lights = p["light"].astype(str)
    for light in LIGHT_COLORS:
        part = lights == light
        if not part.any():
            continue
        fig.add_scatter(
            x=[103] * int(part.sum()), y=labels[part], mode="markers", name=LIGHT_NAMES[light],
            marker={"color": LIGHT_COLORS[light], "size": 18 if large else 13, "symbol": "circle",
                    "line": {"color": "#333", "width": 1}},
            hovertemplate="%{y}<br>项目监控灯:" + LIGHT_NAMES[light] + "<extra></extra>",
        )
    # The axis order is the ranking, fixed explicitly: Plotly would otherwise order categories by
    # the trace they first appear in.
    # No axis title: the chart's title names the score, and under a half-width chart the legend's
    # rows would sit on it.
    fig.update_layout(barmode="overlay", xaxis={"range": [0, 107], "title": None},
                      yaxis={"title": None, "categoryorder": "array", "categoryarray": labels.tolist(),
                             "autorange": "reversed"})
    return style(fig, "项目自评总分排名", height=max(300, 60 + 44 * len(p)), large=large)


def _score_scatter(projects: pd.DataFrame, large: bool) -> go.Figure:
    unreported = projects["unreported"].fillna(False).astype(bool)
    scored = projects[~unreported]
    fig = go.Figure()
    for grade, colour in GRADE_COLORS.items():
        part = scored[scored["grade"].astype(str) == grade]
        if part.empty:
            continue
        fig.add_scattergl(
            x=part["score"], y=part["funding_total"], mode="markers", name=f"等级 {grade}",
            marker={"color": colour, "size": 7, "opacity": 0.75},
            customdata=part[["name", "light"]].assign(name=shown(part["name"]),
                                                      light=part["light"].astype(str).map(LIGHT_NAMES)).to_numpy(),
            hovertemplate="项目:%{customdata[0]}<br>总分:%{x:.2f}<br>资金:%{y:,.2f} 万元<br>监控灯:%{customdata[1]}"
            "<extra></extra>",
        )
    fig.update_layout(xaxis={"range": [0, 102], "title": "自评总分"}, yaxis={"title": "年度资金总额(万元)",
                                                                        "type": "log"})
    title = f"项目自评总分与等级(共 {len(projects)} 个项目"
    title += f",另有 {int(unreported.sum())} 个{UNREPORTED}未画出)" if unreported.any() else ")"
    return style(fig, title, height=460, large=large)


def _score_band_chart(bands: pd.DataFrame, total: int, band: int, large: bool) -> go.Figure:
    """Thousands of projects as counts per score band: best band at the top, 未填报 last (grey), the
    grade the colour (one stacked trace per grade, so the legend names them) and the lights in the hover.
    A few dozen marks, whatever the number of projects."""
    order = list(dict.fromkeys(bands["band"]))
    fig = go.Figure()
    for grade in [*GRADE_COLORS, UNREPORTED]:
        part = bands[bands["grade"] == grade]
        if part.empty:
            continue
        fig.add_bar(
            y=part["band"], x=part["projects"], orientation="h",
            name=UNREPORTED if grade == UNREPORTED else f"等级 {grade}", marker_color=grade_color(grade),
            text=part["projects"], textposition="outside", cliponaxis=False, customdata=part[["lights"]].to_numpy(),
            hovertemplate="%{y} 分:%{x} 个项目<br>%{customdata[0]}<extra>" + grade + "</extra>",
        )
    fig.update_layout(barmode="stack", xaxis={"title": "项目个数", "rangemode": "tozero"},
                      yaxis={"title": None, "categoryorder": "array", "categoryarray": order,
                             "autorange": "reversed", "type": "category"})
    title = f"项目自评总分分布(共 {total} 个项目,每 {band} 分一档)"
    fig = style(fig, title, height=max(300, 90 + 30 * len(order)), large=large)
    # Best grade first in the legend too (Plotly lists stacked traces in reverse by default).
    fig.update_layout(legend_traceorder="normal")
    return fig


def light_share_chart(lights: dict[str, int], large: bool = False) -> go.Figure:
    """Share of each indicator light, as a donut."""
    names = [c for c in LIGHT_COLORS if lights.get(c, 0)]
    fig = go.Figure(go.Pie(
        labels=[LIGHT_NAMES[c] for c in names], values=[lights[c] for c in names], hole=0.55, sort=False,
        marker={"colors": [LIGHT_COLORS[c] for c in names]},
        hovertemplate="%{label}:%{value} 个指标(%{percent:" + PERCENT_OF_FRACTION_D3 + "})<extra></extra>",
        textinfo="label+percent",
        # The cards' rounding, not Plotly's three significant digits (1.69% beside a card's 1.7%).
        texttemplate="%{label}<br>%{percent:" + PERCENT_OF_FRACTION_D3 + "}",
        # Labels outside the ring take margin of their own rather than reaching into the legend's rows;
        # inside a slice they stay level (turned along a thin slice they cannot be read).
        automargin=True, insidetextorientation="horizontal",
    ))
    return style(fig, "指标监控灯分布", height=340, large=large)


def funding_treemap(tree: pd.DataFrame) -> go.Figure:
    """Department → unit → project → cost item, sized by 万元.

    Node ids are short numbers, not the paths of names: every id and parent is sent to the browser,
    and a path of Chinese names is hundreds of bytes a tile in Plotly's JSON (issue 11 item 12). A
    tile that stands for many projects (one "合计" item) has no item tile under it.
    """
    levels = ["department", "unit", "project"]
    t = tree.reset_index(drop=True)
    nodes, start = [], 0
    parent = pd.Series("", index=t.index)
    for depth in range(1, len(levels) + 1):
        # One node per group of this level, numbered after the nodes of the levels above.
        keys = levels[:depth]
        number = t.groupby(keys, sort=False).ngroup() + start
        first = ~t.duplicated(keys)
        nodes.append(pd.DataFrame({"id": number[first].astype(str), "label": t.loc[first, keys[-1]].map(escape_html),
                                   "parent": parent[first],
                                   "value": t.groupby(number)["amount"].sum().reindex(number[first]).to_numpy()}))
        start = int(number.max()) + 1 if len(t) else start
        parent = number.astype(str)
    # The items under each project, but not the one "合计" of a tile that stands for many projects.
    alone = t.groupby(parent)["item"].transform("size") == 1
    items = t[~(alone & (t["item"] == "合计"))]
    nodes.append(pd.DataFrame({"id": (start + np.arange(len(items))).astype(str),
                               "label": items["item"].map(escape_html), "parent": parent[items.index],
                               "value": items["amount"].astype(float)}))
    frame = pd.concat(nodes, ignore_index=True)
    ids, labels, parents, values = (frame["id"].tolist(), frame["label"].tolist(), frame["parent"].tolist(),
                                    frame["value"].astype(float).tolist())
    fig = go.Figure(go.Treemap(
        ids=ids, labels=labels, parents=parents, values=values, branchvalues="total",
        hovertemplate="%{label}<br>%{value:,.2f} 万元<extra></extra>", texttemplate="%{label}<br>%{value:,.2f}万元",
        marker={"colorscale": [[0, "#dfe9f3"], [1, "#2f6fd6"]]},
    ))
    return style(fig, "资金构成:主管部门 → 实施单位 → 项目 → 成本指标(万元)", height=520)


def fiscal_other_chart(projects: pd.DataFrame) -> go.Figure:
    """Fiscal against other funds per project, stacked."""
    p = projects.sort_values("funding_total")
    fig = go.Figure()
    fig.add_bar(y=shown(p["short_name"]), x=p["funding_fiscal"].fillna(0), name="财政拨款", orientation="h",
                marker_color="#2f6fd6", hovertemplate="%{y}<br>财政拨款:%{x:,.2f} 万元<extra></extra>")
    fig.add_bar(y=shown(p["short_name"]), x=p["funding_other"].fillna(0), name="其他资金", orientation="h",
                marker_color="#9bc1ee", hovertemplate="%{y}<br>其他资金:%{x:,.2f} 万元<extra></extra>")
    fig.update_layout(barmode="stack", xaxis={"title": "万元"})
    return style(fig, "财政拨款与其他资金", height=max(280, 60 + 44 * len(p)))


def cost_spending_chart(caps: pd.DataFrame) -> go.Figure:
    """Cost caps against reported spending and funding per project."""
    fig = go.Figure()
    names = shown(caps["project"])
    fig.add_bar(y=names, x=caps["funding"], name="年度资金总额", orientation="h", marker_color="#c9d6e3",
                hovertemplate="%{y}<br>年度资金总额:%{x:,.2f} 万元<extra></extra>")
    fig.add_bar(y=names, x=caps["caps"], name="成本指标上限合计", orientation="h", marker_color="#8e6bbf",
                hovertemplate="%{y}<br>成本指标上限合计:%{x:,.2f} 万元<extra></extra>")
    fig.add_bar(y=names, x=caps["spent"], name="预算执行数", orientation="h", marker_color=ACCENT,
                hovertemplate="%{y}<br>预算执行数:%{x:,.2f} 万元<extra></extra>")
    fig.update_layout(barmode="group", xaxis={"title": "万元"})
    return style(fig, "成本上限与已报支出", height=max(300, 80 + 70 * len(caps)))


def execution_chart(projects: pd.DataFrame, large: bool = False) -> go.Figure:
    """Execution rate per project (coloured by its budget light) against its time progress."""
    # Highest rate at the top, ties by name, projects without spending last.
    p = projects.sort_values(["execution_rate", "name"], ascending=[False, True], na_position="last",
                             kind="mergesort").reset_index(drop=True)
    labels = axis_labels(p["short_name"], p["project_id"])
    fig = go.Figure()
    for light in LIGHT_COLORS:
        part = p["budget_light"].astype(str) == light
        if not part.any():
            continue
        fig.add_bar(
            y=labels[part], x=(p.loc[part, "execution_rate"].fillna(0) * 100), orientation="h",
            name=f"执行率({LIGHT_NAMES[light]})", marker_color=LIGHT_COLORS[light],
            hovertemplate="%{y}<br>预算执行率:%{x:" + PERCENT_D3 + "}%<extra></extra>",
        )
    fig.add_scatter(
        y=labels, x=p["time_progress"] * 100, mode="markers", name="时间进度",
        marker={"symbol": "line-ns", "size": 30, "line": {"width": 4, "color": "#1a1a1a"}},
        hovertemplate="%{y}<br>时间进度:%{x:" + PERCENT_D3 + "}%<extra></extra>",
    )
    # Traces are per light (the legend), so the ranking is the axis order, set explicitly.
    fig.update_layout(barmode="overlay", xaxis={"title": "%", "range": [0, 110]},
                      yaxis={"categoryorder": "array", "categoryarray": labels.tolist(), "autorange": "reversed"})
    return style(fig, "预算执行率与时间进度", height=max(300, 60 + 44 * len(p)), large=large)


# A day in a hover as an office writes it (d3's %-m drops the zero): 2026年12月1日.
CN_DAY_FORMAT = "%Y年%-m月%-d日"
CN_DAY = "%{x|" + CN_DAY_FORMAT + "}"


def chinese_months(dates: pd.Series) -> dict:
    """Axis settings for a date axis with Chinese month ticks ("2026年1月", "2月", …) in place of
    Plotly's "Jan 2026", and Chinese dates in the unified hover."""
    dates = pd.to_datetime(dates, errors="coerce").dropna()
    if dates.empty:
        return {"hoverformat": CN_DAY_FORMAT}
    vals, words = month_ticks(dates.min(), dates.max())
    return {"tickmode": "array", "tickvals": vals, "ticktext": words, "hoverformat": CN_DAY_FORMAT}


def history_chart(history: pd.DataFrame, target: float | None, expected: pd.DataFrame | None, unit: str,
                  title: str) -> go.Figure:
    """An indicator's reported values over time with the target line and the time-progress expectation."""
    fig = go.Figure()
    live = history[~history["withdrawn"]] if "withdrawn" in history else history
    gone = history[history["withdrawn"]] if "withdrawn" in history else history.iloc[0:0]
    fig.add_scatter(
        x=live["as_of"], y=live["value_num"], mode="lines+markers", name="实际完成值",
        line={"color": ACCENT, "width": 3}, marker={"size": 10},
        customdata=live[["reporter", "entered_at", "note"]].assign(entered_at=cn_datetimes(live["entered_at"]))
        .apply(shown).to_numpy(),
        hovertemplate="截至 " + CN_DAY + "<br>实际:%{y:,.4g}" + unit
        + "<br>填报人:%{customdata[0]}<br>填报时间:%{customdata[1]}<br>说明:%{customdata[2]}<extra></extra>",
    )
    if len(gone):
        fig.add_scatter(x=gone["as_of"], y=gone["value_num"], mode="markers", name="已撤回",
                        marker={"symbol": "x", "size": 11, "color": LIGHT_COLORS["grey"]},
                        hovertemplate="已撤回:%{y:,.4g}<extra></extra>")
    if expected is not None and len(expected):
        fig.add_scatter(x=expected["date"], y=expected["expected"], mode="lines", name="按时间进度的预期",
                        line={"dash": "dot", "color": LIGHT_COLORS["yellow"], "width": 2},
                        hovertemplate=CN_DAY + " 预期:%{y:,.4g}" + unit + "<extra></extra>")
    if target is not None and not pd.isna(target):
        fig.add_hline(y=target, line={"color": LIGHT_COLORS["red"], "width": 2, "dash": "dash"},
                      annotation_text=f"目标值 {target:,.4g}{unit}", annotation_font_family=FONT_FAMILY)
    dates = pd.to_datetime(history["as_of"])
    if expected is not None and len(expected):
        dates = pd.concat([dates, pd.to_datetime(expected["date"])])
    fig.update_layout(xaxis={"title": "截至日期", **chinese_months(dates)}, yaxis={"title": unit or "数值"})
    return style(fig, escape_html(title), height=380)


def gantt_chart(projects: pd.DataFrame, deadlines: pd.DataFrame, as_of: date) -> go.Figure:
    """Project periods as bars, 时效 deadlines as markers coloured by state, a line at the as-of date."""
    p = projects.copy()
    start = pd.to_datetime(p["start_date"]).fillna(pd.to_datetime(p["year"].astype(str) + "-01-01"))
    end = pd.to_datetime(p["end_date"]).fillna(pd.to_datetime(p["year"].astype(str) + "-12-31"))
    duration_ms = (end - start).dt.total_seconds() * 1000 + 86_400_000
    fig = go.Figure(go.Bar(
        y=shown(p["short_name"]), x=duration_ms, base=start.dt.strftime("%Y-%m-%d"), orientation="h", name="项目期",
        marker_color="#c9d6e3",
        customdata=pd.DataFrame({"s": cn_dates(start), "e": cn_dates(end)}).to_numpy(),
        hovertemplate="%{y}<br>项目期:%{customdata[0]} 至 %{customdata[1]}<extra></extra>",
    ))
    names = {"red": "已逾期/逾期完成", "yellow": "30天内到期", "green": "按期完成", "grey": "未到期"}
    for colour, label in names.items():
        part = deadlines[deadlines["marker"] == colour]
        if part.empty:
            continue
        fig.add_scatter(
            y=shown(part["short_name"]), x=part["target_date"], mode="markers", name=label,
            marker={"symbol": "diamond", "size": 16, "color": LIGHT_COLORS[colour],
                    "line": {"color": "#333", "width": 1}},
            customdata=part[["name", "state", "days_left"]].assign(name=shown(part["name"])).to_numpy(),
            hovertemplate="%{customdata[0]}<br>截止:" + CN_DAY + "<br>%{customdata[1]},剩余 %{customdata[2]} 天"
            "<extra></extra>",
        )
    fig.add_vline(x=pd.Timestamp(as_of).timestamp() * 1000, line={"color": ACCENT, "width": 2, "dash": "dash"})
    # The label sits above the plot area (its bottom on the plot's top edge), where no row and so no
    # deadline marker can be; a deadline on the as-of date would otherwise be drawn under it.
    fig.add_annotation(x=pd.Timestamp(as_of).timestamp() * 1000, y=1, yref="paper", yanchor="bottom", yshift=2,
                       showarrow=False, text=f"截至 {cn_date(as_of)}", font={"family": FONT_FAMILY},
                       bgcolor="#ffffff")
    span = pd.concat([start, end, pd.to_datetime(deadlines["target_date"]), pd.Series([pd.Timestamp(as_of)])])
    fig.update_layout(xaxis={"type": "date", "title": None, **chinese_months(span)}, yaxis={"autorange": "reversed"},
                      barmode="overlay")
    return style(fig, "项目期与时效指标截止日期", height=max(320, 80 + 48 * len(p)))


def light_badge(light: str, large: bool = False) -> str:
    """A coloured label for a light, for tables and lists (HTML; the text is ours, never user input)."""
    size = "1.4rem" if large else "0.9rem"
    return (
        f'<span style="background:{LIGHT_COLORS[light]};color:{TEXT_ON[light]};padding:2px 10px;'
        f'border-radius:10px;font-size:{size};white-space:nowrap">{LIGHT_NAMES[light]}</span>'
    )


def light_cell_style(light: str) -> str:
    """CSS for a table cell showing a light (pandas Styler)."""
    return f"background-color:{LIGHT_COLORS.get(light, '#ffffff')};color:{TEXT_ON.get(light, '#1a1a1a')}"


def _for_the_room(fig: go.Figure, height: int, font_px: int, title_gap: int = 56) -> go.Figure:
    """A figure sized for one 评审 screen: the height the screen leaves, and no label smaller than
    ``font_px`` (bar labels that would have to shrink below it are hidden rather than shrunk)."""
    body = font_px + 2
    fig.update_layout(
        height=height,
        font={"family": FONT_FAMILY, "size": body},
        title={"font": {"family": FONT_FAMILY, "size": font_px + 6}},
        legend=legend_below(body),
        hoverlabel={"font": {"family": FONT_FAMILY, "size": body}},
        uniformtext={"minsize": font_px, "mode": "hide"},
        margin={"l": 10, "r": 10, "t": title_gap, "b": 10},
    )
    fig.update_xaxes(tickfont={"size": body}, title_font={"size": body}, automargin=True)
    fig.update_yaxes(tickfont={"size": body}, title_font={"size": body}, automargin=True)
    fig.update_traces(textfont_size=body, selector={"type": "bar"})
    return fig


def review_lights_chart(counts: pd.DataFrame, height: int, font_px: int) -> go.Figure:
    """The lights per 一级 indicator of one project for a 评审 screen: one horizontal stacked bar per
    一级 (short, so that it fits beside the score), the counts on the bars, the legend below."""
    fig = go.Figure()
    order = [x for x in LEVEL1_ORDER if x in counts.index] + [x for x in counts.index if x not in LEVEL1_ORDER]
    counts = counts.reindex(order)
    names = shown(pd.Series(counts.index))
    for light, colour in LIGHT_COLORS.items():
        if light not in counts or not counts[light].sum():
            continue
        fig.add_bar(y=names, x=counts[light], name=LIGHT_NAMES[light], marker_color=colour, orientation="h",
                    text=counts[light].where(counts[light] > 0, ""), textposition="inside", textangle=0,
                    insidetextanchor="middle", textfont={"color": TEXT_ON[light]},
                    hovertemplate="%{y}<br>" + LIGHT_NAMES[light] + ":%{x} 个<extra></extra>")
    # The counts are the bars' labels; the legend goes below, where the axis' numbers would be.
    fig.update_layout(barmode="stack", bargap=0.12, xaxis={"title": None, "showticklabels": False, "showgrid": False},
                      yaxis={"title": None, "autorange": "reversed", "dtick": 1})
    fig = _for_the_room(style(fig, None, large=True), height, font_px, title_gap=4)
    legend = {**legend_below(font_px), "traceorder": "normal"}
    fig.update_layout(showlegend=True, legend=legend, margin={"b": 4},
                      # A count fits a bar of this thickness, though not with Plotly's padding: shown at
                      # font_px rather than hidden.
                      uniformtext={"minsize": font_px, "mode": "show"})
    fig.update_traces(textfont_size=font_px, selector={"type": "bar"})
    return fig


def review_grade_chart(counts: pd.Series, height: int, font_px: int) -> go.Figure:
    """How many projects have each grade (and how many reported nothing yet), for the summary screen."""
    colours = [grade_color(str(g)) for g in counts.index]
    fig = go.Figure(go.Bar(
        x=[str(g) for g in counts.index], y=counts.to_numpy(), marker_color=colours, text=counts.to_numpy(),
        textposition="outside", cliponaxis=False, hovertemplate="%{x}:%{y} 个项目<extra></extra>",
    ))
    fig.update_layout(yaxis={"title": "项目个数", "rangemode": "tozero", "dtick": max(1, int(counts.max()) // 5 or 1)},
                      xaxis={"title": None}, showlegend=False)
    return _for_the_room(style(fig, "项目等级分布", large=True), height, font_px)


# Widths in em of Noto Sans CJK: ideographs and full-width punctuation are one em; no Latin letter or
# digit is wider than this (W, M come closest), most are about 0.55.
LATIN_EM = 0.72


def label_ems(value: str) -> float:
    """A label's width in em at most (an estimate that errs wide, never narrow, for Latin text)."""
    return sum(LATIN_EM if ch.isascii() else 1.0 for ch in value)


def _plain(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


# Beyond this completion the bar stops growing: an indicator at 400% would flatten every other bar.
INDICATOR_RATE_CAP = 1.5


def indicator_chart_spec(indicators: pd.DataFrame, max_bars: int = 20, font_px: int = 12,
                         fixed_margins: bool = False) -> dict:
    """One project's indicators for the review deck, as Plotly's figure JSON (data and layout): a
    horizontal bar per 三级 indicator (table order, top down) at its completion rate, coloured by its
    light, the rate at the bar's end and 未填报 where nothing is reported; a dotted line at 100%, the
    target. Columns used: name, level1, light, completion (a fraction).

    A plain dict rather than a ``go.Figure``: the deck draws thousands, and building and validating a
    Figure costs 0.03-0.1 s each here, more than drawing it. ``indicator_chart`` is the same as a
    Figure. A project with more than ``max_bars`` indicators shows its first ``max_bars`` and says
    how many more there are in the title, so that every page keeps one readable chart.

    ``fixed_margins``: the margins computed here from the labels' widths instead of Plotly's
    automargin, which lays the figure out a second time once it has measured the labels: measured,
    a chart then takes 0.015-0.03 s to draw instead of 0.04-0.08 s (the deck draws 5,000).
    """
    more = max(len(indicators) - max_bars, 0)
    ind = indicators.head(max_bars)
    # Plain lists of at most max_bars values: pandas' per-call overhead on a dozen rows was most of
    # the 0.01 s a page this took, 50 s of a 5,000-page deck.
    rate = pd.to_numeric(ind["completion"], errors="coerce").to_numpy(dtype=float)
    lights = ind["light"].astype(str).tolist()
    # Level-1 name before the indicator name: two indicators of the same name under different 一级
    # then stay two bars, and the reader sees which block each belongs to.
    names = [escape_html(f"{_plain(a)[:2]}·{_plain(b)[:16]}")
             for a, b in zip(ind["level1"].tolist(), ind["name"].tolist(), strict=True)]
    seen = Counter(names)
    labels = [f"{n}({i})" if seen[n] > 1 else n for i, n in enumerate(names, start=1)]
    text = ["未填报" if np.isnan(r) else f"{r * 100:.1f}%" for r in rate]
    title = "指标完成率" + (f"(前 {max_bars} 项,另有 {more} 项)" if more else "")
    capped = np.minimum(rate, INDICATOR_RATE_CAP)
    # Room right of the longest bar for its label; 100% always in view, as the target line.
    top = max(100.0, float(np.nanmax(capped) * 100)) if (~np.isnan(rate)).any() else 100.0
    bars = np.round(np.nan_to_num(capped, nan=0.0) * 100, 2).tolist()
    margin = {"l": 8, "r": 8, "t": 36, "b": 8}
    if fixed_margins:
        # The widest label (a CJK character is one em in Noto Sans CJK; Latin letters and digits are
        # narrower than LATIN_EM, which errs wide), the tick labels' standoff, and room under the plot
        # for the tick labels and the axis title, each a line and a half.
        widest = max((label_ems(unescape_html(x)) for x in labels), default=0.0)
        margin.update(l=int(widest * font_px) + 14, b=int(font_px * 3.4))
    font = {"family": FONT_FAMILY, "size": font_px, "color": "#1a1a1a"}
    return {
        "data": [{
            "type": "bar", "orientation": "h", "showlegend": False, "textposition": "outside", "textangle": 0,
            "cliponaxis": False, "x": bars,
            "y": labels, "text": text, "marker": {"color": [LIGHT_COLORS.get(x, LIGHT_COLORS["grey"]) for x in lights]},
            "hovertemplate": "%{y}<br>完成率:%{text}<extra></extra>",
        }],
        "layout": {
            "font": font, "hoverlabel": {"font": font},
            "title": {"text": title, "font": {**font, "size": font_px + 3}, "x": 0.01, "xanchor": "left"},
            "plot_bgcolor": "#ffffff", "paper_bgcolor": "#ffffff", "showlegend": False, "bargap": 0.25,
            "margin": margin,
            "xaxis": {"title": {"text": "完成率(%)"}, "range": [0, top + 25], "ticksuffix": "%",
                      "automargin": not fixed_margins,
                      "gridcolor": "#e5e8ec", "zeroline": False},
            "yaxis": {"title": {"text": None}, "autorange": "reversed", "categoryorder": "array",
                      "categoryarray": labels, "automargin": not fixed_margins},
            "shapes": [{"type": "line", "xref": "x", "yref": "paper", "x0": 100, "x1": 100, "y0": 0, "y1": 1,
                        "line": {"color": ACCENT, "width": 1, "dash": "dot"}}],
        },
    }


def indicator_chart(indicators: pd.DataFrame, max_bars: int = 20, font_px: int = 12) -> go.Figure:
    """``indicator_chart_spec`` as a Figure (for a page or an image download)."""
    fig = go.Figure(indicator_chart_spec(indicators, max_bars, font_px))
    # The spec is complete without plotly.py's default template; with it the figure would differ
    # from the deck's drawing of the same spec.
    fig.update_layout(template="none")
    return fig
