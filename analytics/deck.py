"""The review deck (issue 12 item 5): the 评审 meeting as a paged PDF and as a PPTX, one page per screen.

A summary page, then one page per project in the presenter's order (analytics.presenting): score,
grade, light, the lights per 一级, the chart of its indicators (charts.indicator_chart, drawn by
chromium: SVG in the PDF, PNG in the slides) and the indicators that need discussion with their
notes. Both files are written from the same ``DeckPage`` list, so they cannot disagree.

Every page is exactly one sheet (16:9, 297 × 167 mm): boxes of fixed size whose lists are cut to what
fits ("另有 N 项" says how many more), so page N is always the N-th screen. That is what lets a deck
of thousands of pages be made in chunks, each told where its page numbers start: laid out by
WeasyPrint up to [deck] weasyprint_max_pages pages, printed by chromium above, the chunks merged.
"""

from __future__ import annotations

import base64
import collections
import contextlib
import io
import queue
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from analytics import charts
from analytics.chart_images import ChartBatch, print_fonts_css
from analytics.dashboard import LEVEL1_ORDER, LIGHT_NAMES, View
from analytics.engine import LIGHTS, UNREPORTED
from analytics.paged import FONT_FAMILY, page_css, pdf_bytes, text
from analytics.presenting import discussions, grade_counts, presenter_order, summary_rows, unreported_projects
from analytics.settings import Settings
from analytics.storage import Store
from analytics.wording import cn_date, money, percent

Progress = Callable[[int, int], None]
# The sheet: 16:9 at A4 landscape's width. The chart's pixel size is its place on the page at 96 dpi.
PAGE_W_MM, PAGE_H_MM = 297.0, 167.06
# The chart's CSS pixels, the shape of its box on the page (139 × 74 mm and 107 × 60 mm).
CHART_PX = (700, 372)
SUMMARY_CHART_PX = (520, 290)


@dataclass
class SummaryPage:
    title: str
    as_of: str
    projects: int
    mean_score: str
    unreported: int
    execution_rate: str
    funding: str
    grades: list[tuple[str, int]]
    project_lights: list[tuple[str, int]]
    indicator_lights: list[tuple[str, int]]
    # (#, project, 主管部门, 总分, 等级, 监控灯, 执行率) of the first projects in the meeting's order.
    rows: list[tuple[str, ...]]
    more: int
    grade_counts: pd.Series


@dataclass
class ProjectPage:
    project_id: int
    name: str
    department: str
    unit: str
    funding: str
    score: str
    grade: str
    light: str
    execution_rate: str
    score_note: str
    # (一级, counts per light in LIGHTS order)
    level1: list[tuple[str, list[int]]]
    # (light, 一级, 三级, 指标值, 实际完成值, note) of the first discussion items that fit
    items: list[tuple[str, str, str, str, str, str]]
    items_total: int
    indicators: pd.DataFrame = field(repr=False)


DeckPage = SummaryPage | ProjectPage


def _counts(values: pd.Series, names: list[str]) -> list[tuple[str, int]]:
    counts = values.astype(str).value_counts()
    return [(n, int(counts.get(n, 0))) for n in names]


def summary_page(view: View, settings: Settings, order: list[int]) -> SummaryPage:
    """The deck's first page: the view's summary and the first projects in the meeting's order."""
    s = view.summary
    waiting = unreported_projects(view)
    grades = [g for g, _ in settings.grades]
    counts = grade_counts(view, grades)
    rows, more = summary_rows(view, order, settings.deck.summary_rows)
    table = [
        # The short name (without the 行业管理_ prefix) fits one line of the table; the full name heads
        # the project's own page.
        (str(i + 1), r.short_name, r.department,
         "—" if pd.isna(r.score) else f"{r.score:.2f}",
         UNREPORTED if r.project_id in waiting else r.grade, r.light, percent(r.execution_rate))
        for i, r in enumerate(rows.itertuples())
    ]
    mean = s["mean_score"]
    project_lights = view.projects["light"].astype(str)
    return SummaryPage(
        title="项目支出绩效自评汇总", as_of=cn_date(view.filters.as_of), projects=int(s["projects"]),
        mean_score="—" if mean is None else f"{mean:.2f}", unreported=int(s["unreported"]),
        execution_rate=percent(s["execution_rate"]), funding=money(s["funding_total"]),
        grades=[(str(g), int(n)) for g, n in counts.items()],
        project_lights=_counts(project_lights, list(LIGHTS)),
        indicator_lights=[(k, int(s["lights"].get(k, 0))) for k in LIGHTS],
        rows=table, more=more, grade_counts=counts,
    )


def _level1_counts(indicators: pd.DataFrame) -> dict[int, list[tuple[str, list[int]]]]:
    # One crosstab over every project (analytics.dashboard.level1_lights does one project at a time,
    # a scan of all indicators each: 5,000 scans for a large deck), read out as plain lists.
    if indicators.empty:
        return {}
    # groupby-size rather than crosstab: crosstab aggregates in Python, 1 s for 70,000 indicators.
    keys = [indicators["project_id"], indicators["level1"].astype(str), indicators["light"].astype(str)]
    table = indicators.groupby(keys, observed=True).size().unstack(fill_value=0)
    table = table.reindex(columns=list(LIGHTS), fill_value=0)
    rank = {name: i for i, name in enumerate(LEVEL1_ORDER)}
    keys = sorted(table.index, key=lambda k: (k[0], rank.get(k[1], len(rank)), str(k[1])))
    values = table.loc[keys].to_numpy().tolist()
    out: dict[int, list[tuple[str, list[int]]]] = {}
    for (pid, name), counts in zip(keys, values, strict=True):
        out.setdefault(int(pid), []).append((str(name), [int(v) for v in counts]))
    return out


# What a row of the discussion table holds per line at 8.5 pt across the page (三级指标, 指标值, 实际,
# the note; a CJK character is ~3 mm, ASCII about half), the height of a one- and a two-line row, and
# the room the bottom box leaves for rows under its heading and the table's header (mm).
_ROW_CHARS = (25, 10, 10, 28)
_ROW_MM = (5.6, 9.4)
_ROWS_ROOM_MM = 30.0


def _width(value: str) -> float:
    return sum(0.55 if ch.isascii() else 1.0 for ch in value)


def rows_that_fit(rows: list[tuple[str, ...]], limit: int) -> int:
    """How many discussion rows a project page lists: at most ``limit``, and no more than its bottom box
    holds (a cell is cut after two lines; the count of the rest is printed)."""
    used = 0.0
    for n, row in enumerate(rows):
        cells = (row[2], row[3], row[4], row[5])
        lines = max(min(2, max(1, -int(-_width(c) // cap))) for c, cap in zip(cells, _ROW_CHARS, strict=True))
        used += _ROW_MM[lines - 1]
        if n >= limit or used > _ROWS_ROOM_MM:
            return n
    return len(rows)


_REPORT_BATCH = 250


def project_pages(store: Store, view: View, settings: Settings, order: list[int]) -> Iterator[ProjectPage]:
    """One page per project in ``order``; built one at a time, so a large deck never holds them all."""
    # Plain dicts: a row of the frame by .loc cost 1 ms a project.
    projects = view.projects.set_index("project_id").to_dict("index")
    waiting = unreported_projects(view)
    level1 = _level1_counts(view.indicators)
    # One sort, then each project's rows as one slice (a sort per project was 6 s for 5,000).
    ind = view.indicators.sort_values(["project_id", "seq"], kind="stable").reset_index(drop=True)
    pids = ind["project_id"].astype(int).to_numpy()
    starts = np.flatnonzero(np.r_[True, pids[1:] != pids[:-1]])
    ends = [*starts[1:].tolist(), len(ind)]
    bounds = {p: (a, b) for p, a, b in zip(pids[starts].tolist(), starts.tolist(), ends, strict=True)}
    limit = settings.deck.discussion_rows
    empty = ind.iloc[0:0]
    items_of: dict[int, pd.DataFrame] = {}
    for n, pid in enumerate(order):
        if n % _REPORT_BATCH == 0:
            # The reports behind the next projects' current values (the notes) in one read, and their
            # discussion items in one pass (a query and a scan per project were 0.05 s each).
            rows = [ind.iloc[slice(*bounds[p])] for p in order[n:n + _REPORT_BATCH] if p in bounds]
            batch = pd.concat(rows) if rows else empty
            history = store.report_history(batch["indicator_id"].astype(int).tolist())
            reports = history[history["report_id"].isin(batch["report_id"].dropna().astype(int))]
            found = discussions(batch, reports)
            items_of = {int(k): g for k, g in found.groupby("project_id", sort=False)}
        p = projects[pid]
        unreported = pid in waiting
        items = items_of.get(int(pid), _NO_ITEMS)
        rows = [
            (str(r.light), str(r.一级指标), str(r.三级指标), str(r.指标值), str(r.实际完成值),
             ";".join(t for t in (r.提示, r.偏差原因分析及改进措施) if t))
            for r in items.head(limit).itertuples(index=False)
        ]
        rows = rows[:rows_that_fit(rows, limit)]
        yield ProjectPage(
            project_id=int(pid), name=str(p["name"]), department=str(p["department"]), unit=str(p["unit"]),
            funding=money(p["funding_total"]), score="—" if unreported else f"{float(p['score']):.2f}",
            grade=UNREPORTED if unreported else str(p["grade"]), light=str(p["light"]),
            execution_rate=percent(p["execution_rate"]), score_note=str(p.get("score_note") or ""),
            level1=level1.get(int(pid), []), items=rows, items_total=len(items),
            indicators=ind.iloc[slice(*bounds[pid])] if pid in bounds else empty,
        )


_NO_ITEMS = pd.DataFrame(columns=["light", "一级指标", "三级指标", "指标值", "实际完成值", "偏差原因分析及改进措施",
                                  "提示"])


def page_chart(page: DeckPage, settings: Settings) -> dict:
    """The chart of a page as Plotly figure JSON: the grade distribution on the summary, the indicators
    on a project page (charts.indicator_chart_spec, sized to its box on the page)."""
    if isinstance(page, SummaryPage):
        w, h = SUMMARY_CHART_PX
        fig = charts.review_grade_chart(page.grade_counts, h, 13)
        fig.update_layout(width=w)
        return fig.to_plotly_json()
    w, h = CHART_PX
    spec = charts.indicator_chart_spec(page.indicators, max_bars=settings.deck.chart_bars, font_px=15,
                                       fixed_margins=True)
    spec["layout"].update(width=w, height=h)
    return spec


# ---- PDF ---------------------------------------------------------------------------------------

# Fixed boxes (mm inside the page margins, 273 × 136): the header, the numbers and lights at the left,
# the chart at the right, the discussion table across the bottom. Absolute positions, so that no
# list, however long, pushes the chart off its page; each box clips what it cannot hold.
BODY_W_MM, BODY_H_MM = PAGE_W_MM - 24, PAGE_H_MM - 12 - 18 - 1
TOP_MM, TOP_H_MM, LEFT_W_MM = 18.0, 74.0, 128.0
CHART_W_MM = BODY_W_MM - LEFT_W_MM - 6
BOTTOM_MM = TOP_MM + TOP_H_MM + 1
_CSS = f"""
body {{ margin: 0; }}
section {{ height: {BODY_H_MM}mm; overflow: hidden; break-after: page; position: relative; }}
section:last-child {{ break-after: auto; }}
h1 {{ font-size: 15pt; margin: 0; line-height: 1.2; height: 12mm; overflow: hidden; }}
.sub {{ color: #333; font-size: 9pt; height: 5mm; overflow: hidden; white-space: nowrap; }}
.box {{ position: absolute; overflow: hidden; }}
.left {{ left: 0; top: {TOP_MM}mm; width: {LEFT_W_MM}mm; height: {TOP_H_MM}mm; }}
.right {{ left: {LEFT_W_MM + 6}mm; top: {TOP_MM}mm; width: {CHART_W_MM}mm; height: {TOP_H_MM}mm; }}
.bottom {{ left: 0; top: {BOTTOM_MM}mm; width: {BODY_W_MM}mm; height: {BODY_H_MM - BOTTOM_MM}mm; }}
.summary-left {{ left: 0; top: {TOP_MM + 22}mm; width: 160mm; height: {BODY_H_MM - TOP_MM - 22}mm; }}
.summary-right {{ left: 166mm; top: {TOP_MM + 22}mm; width: {BODY_W_MM - 166}mm;
                  height: {BODY_H_MM - TOP_MM - 22}mm; }}
.metrics {{ display: flex; gap: 2mm; margin-bottom: 2mm; height: 17mm; }}
.metric {{ flex: 1 1 0; border: 0.3mm solid #c9d1db; border-radius: 1.5mm; padding: 1mm 2mm; overflow: hidden; }}
.metric .k {{ font-size: 8.5pt; color: #444; }}
.metric .v {{ font-size: 15pt; font-weight: bold; line-height: 1.2; }}
.metric .n {{ font-size: 7.5pt; color: #444; white-space: nowrap; }}
.badge {{ padding: 0.3mm 2mm; border-radius: 2mm; font-size: 10pt; white-space: nowrap; font-weight: normal; }}
table {{ width: 100%; border-collapse: collapse; table-layout: fixed; font-size: 8.5pt; }}
th {{ background: #eef1f5; text-align: left; padding: 0.7mm 1.2mm; font-weight: bold; white-space: nowrap;
      overflow: hidden; }}
td {{ border-top: 0.2mm solid #d5dbe3; padding: 0.6mm 1.2mm; vertical-align: top; }}
td div.c {{ max-height: 2.6em; overflow: hidden; line-height: 1.3; }}
td div.one {{ white-space: nowrap; overflow: hidden; text-overflow: ellipsis; line-height: 1.3; }}
td.num, th.num {{ text-align: right; }}
td .badge {{ font-size: 8pt; padding: 0 1.5mm; }}
.note {{ font-size: 8.5pt; color: #333; margin-top: 1mm; }}
h2 {{ font-size: 10pt; margin: 0 0 1mm 0; }}
img.chart {{ width: 100%; }}
"""


def _badge(light: str) -> str:
    colour, on = charts.LIGHT_COLORS.get(light, "#ffffff"), charts.TEXT_ON.get(light, "#1a1a1a")
    return f'<span class="badge" style="background:{colour};color:{on}">{text(LIGHT_NAMES.get(light, light))}</span>'


def _cell(value: object, cls: str = "", one_line: bool = False) -> str:
    klass = f' class="{cls}"' if cls else ""
    return f'<td{klass}><div class="{"one" if one_line else "c"}">{text(value)}</div></td>'


def _table(header: list[tuple[str, str, str]], rows: list[str]) -> str:
    cols = "".join(f'<col style="width:{w}">' for _, w, _ in header)
    head = "".join(f'<th class="{c}">{text(t)}</th>' for t, _, c in header)
    return f"<table><colgroup>{cols}</colgroup><tr>{head}</tr>{''.join(rows)}</table>"


def _svg_img(svg: bytes | str, inline: bool = False) -> str:
    if isinstance(svg, str):
        # The id of an empty box that the printing browser fills (ChartBatch.start_print).
        return f'<div class="chart" id="{text(svg)}"></div>'
    if inline:
        # Plotly's own markup (its texts are XML-escaped), sized to the box like the image would be.
        # An HTML parser keeps the first of two same-named attributes: this style, not Plotly's empty one.
        markup = svg.decode("utf-8").replace("<svg ", '<svg style="width:100%;height:auto" ', 1)
        return f'<div class="chart">{markup}</div>'
    return f'<img class="chart" src="data:image/svg+xml;base64,{base64.b64encode(svg).decode()}">'


def _counts_line(pairs: list[tuple[str, int]], names: dict[str, str] | None = None) -> str:
    return " · ".join(f"{text((names or {}).get(k, k))} {n}" for k, n in pairs)


def summary_html(page: SummaryPage, chart_svg: bytes, inline: bool = False) -> str:
    metrics = "".join(
        f'<div class="metric"><div class="k">{text(k)}</div><div class="v">{text(v)}</div>'
        f'<div class="n">{text(n)}</div></div>'
        for k, v, n in (
            ("项目数", page.projects, f"年度资金 {page.funding} 万元"),
            ("平均得分", page.mean_score, f"未填报 {page.unreported} 个项目,不计入平均"),
            ("预算执行率", page.execution_rate, ""),
            ("红灯指标", dict(page.indicator_lights)["red"], ""),
        )
    )
    rows = [
        "<tr>" + _cell(n, "num") + _cell(name, one_line=True) + _cell(dept, one_line=True) + _cell(score, "num")
        + _cell(grade) + f"<td>{_badge(light)}</td>" + _cell(rate, "num") + "</tr>"
        for n, name, dept, score, grade, light, rate in page.rows
    ]
    table = _table([("#", "6%", "num"), ("项目", "auto", ""), ("主管部门", "20%", ""), ("总分", "10%", "num"),
                    ("等级", "10%", ""), ("监控灯", "12%", ""), ("执行率", "11%", "num")], rows)
    more = f'<div class="note">另有 {page.more} 个项目,见后续各页。</div>' if page.more else ""
    return (
        f"<section><h1>{text(page.title)}</h1><div class=\"sub\">截至 {text(page.as_of)}</div>"
        f'<div class="box" style="left:0;top:{TOP_MM}mm;width:{BODY_W_MM}mm"><div class="metrics">{metrics}</div></div>'
        f'<div class="box summary-left">{table}{more}</div>'
        f'<div class="box summary-right">{_svg_img(chart_svg, inline)}'
        f'<div class="note">项目等级:{_counts_line(page.grades)}</div>'
        f'<div class="note">项目监控灯:{_counts_line(page.project_lights, LIGHT_NAMES)}</div>'
        f'<div class="note">指标监控灯:{_counts_line(page.indicator_lights, LIGHT_NAMES)}</div>'
        "</div></section>"
    )


def project_html(page: ProjectPage, chart_svg: bytes, inline: bool = False) -> str:
    metrics = (
        f'<div class="metric"><div class="k">自评总分</div><div class="v">{text(page.score)}</div>'
        f'<div class="n">{text(page.score_note)}</div></div>'
        f'<div class="metric"><div class="k">等级</div><div class="v">{text(page.grade)}</div></div>'
        f'<div class="metric"><div class="k">项目监控灯</div><div class="v">{_badge(page.light)}</div></div>'
        f'<div class="metric"><div class="k">预算执行率</div><div class="v">{text(page.execution_rate)}</div></div>'
    )
    level1_rows = ["<tr>" + _cell(name, one_line=True) + "".join(_cell(n, "num") for n in counts) + "</tr>"
                   for name, counts in page.level1]
    level1 = _table([("一级指标", "auto", "")] + [(LIGHT_NAMES[k], "13%", "num") for k in LIGHTS], level1_rows)
    if page.items:
        rows = ["<tr>" + f"<td>{_badge(light)}</td>" + _cell(l1, one_line=True) + _cell(name) + _cell(target)
                + _cell(actual) + _cell(note) + "</tr>" for light, l1, name, target, actual, note in page.items]
        more = page.items_total - len(page.items)
        extra = f",另有 {more} 项" if more else ""
        items = (f"<h2>需要讨论的指标({page.items_total} 项{extra})</h2>"
                 + _table([("监控灯", "7%", ""), ("一级", "8%", ""), ("三级指标", "29%", ""), ("指标值", "12%", ""),
                           ("实际", "12%", ""), ("偏差原因分析及改进措施", "auto", "")], rows))
    else:
        items = "<h2>需要讨论的指标</h2><div class=\"note\">没有红灯、黄灯或需说明的指标。</div>"
    return (
        f"<section><h1>{text(page.name)}</h1>"
        f'<div class="sub">{text(page.department)} · {text(page.unit)} · 年度资金 {text(page.funding)} 万元</div>'
        f'<div class="box left"><div class="metrics">{metrics}</div><h2>各一级指标监控灯</h2>{level1}</div>'
        f'<div class="box right">{_svg_img(chart_svg, inline)}</div>'
        f'<div class="box bottom">{items}</div></section>'
    )


def _css(footer: str, first_page: int, total: int, fonts: str = "") -> str:
    # Page numbers of a chunk: its first page counts from ``first_page`` and the total is the whole
    # deck's (counter(pages) would be the chunk's own).
    numbers = (f'@page {{ @bottom-right {{ content: "第 " counter(page) " 页 / 共 {total} 页"; }} }}'
               f"@page :first {{ counter-increment: page {first_page}; }}")
    return (fonts + page_css(size=f"{PAGE_W_MM}mm {PAGE_H_MM}mm", footer=footer) + numbers + _CSS
            + f"html {{ font-family: {FONT_FAMILY}; }}")


def _document(sections: list[str], footer: str, first_page: int, total: int) -> str:
    return (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><style>'
            f'{_css(footer, first_page, total)}</style></head><body>{"".join(sections)}</body></html>')


def _pages(store: Store, view: View, settings: Settings, order: list[int]) -> Iterator[DeckPage]:
    yield summary_page(view, settings, order)
    yield from project_pages(store, view, settings, order)


class _Joined:
    """PDF chunks kept in a temporary folder as they come and joined (pypdfium2) at the end, once the
    browsers are closed: a joined document grows by the objects of every page imported (measured:
    python went from 0.4 to 0.9 GB over a 5,000-page deck while both renderers held theirs)."""

    def __init__(self) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="deck-")
        self._parts: list[Path] = []

    def add(self, part: bytes) -> None:
        path = Path(self._folder.name) / f"{len(self._parts):05d}.pdf"
        path.write_bytes(part)
        self._parts.append(path)

    def value(self) -> bytes:
        import pypdfium2 as pdfium

        try:
            if len(self._parts) <= 1:
                return self._parts[0].read_bytes() if self._parts else b""
            joined = pdfium.PdfDocument.new()
            for path in self._parts:
                doc = pdfium.PdfDocument(path)
                joined.import_pages(doc)
                doc.close()
            out = io.BytesIO()
            joined.save(out)
            joined.close()
            return out.getvalue()
        finally:
            self._folder.cleanup()


def _chunks(pages: Iterator[DeckPage], size: int) -> Iterator[list[DeckPage]]:
    part: list[DeckPage] = []
    for page in pages:
        part.append(page)
        if len(part) == size:
            yield part
            part = []
    if part:
        yield part


def _sections(chunk: list[tuple[DeckPage, bytes | str]], inline: bool = False) -> list[str]:
    return [summary_html(p, svg, inline) if isinstance(p, SummaryPage) else project_html(p, svg, inline)
            for p, svg in chunk]


def deck_pdf(store: Store, view: View, settings: Settings, footer: str, progress: Progress | None = None,
             order: str | None = None) -> bytes:
    """The review deck as a paged PDF: the summary page, then one page per project in the presenter's
    order (``order``, else settings' [review] default_order). ``progress(done, total)`` after each page.

    Up to [deck] weasyprint_max_pages pages, WeasyPrint lays the pages out (analytics.paged, fonts
    embedded as CID fonts); a larger deck is printed by chromium from the same HTML and CSS, 50 times
    faster a page (WeasyPrint takes 0.2-0.7 s a page here, chromium 0.015 s), its fonts embedded as
    Type 3 glyph programs (Skia does not embed CFF-flavoured CJK fonts as CID fonts), still text.
    """
    ids = presenter_order(view, order or settings.review.default_order)
    total = len(ids) + 1
    pages = _pages(store, view, settings, ids)
    joined = _Joined()
    done = 0

    def advance(n: int) -> None:
        nonlocal done
        for _ in range(n):
            done += 1
            if progress:
                progress(done, total)

    if total <= settings.deck.weasyprint_max_pages:
        def charts_only(batch: ChartBatch, slot: int, part: list[DeckPage], first: int) -> None:
            batch.start_render(slot, [page_chart(p, settings) for p in part], "svg")

        chunks = _chunks(pages, settings.deck.chunk_pages)
        for part, svgs in _pipelined(chunks, charts_only, ChartBatch.finish_render, 1):
            sections = _sections(list(zip(part, svgs, strict=True)))
            joined.add(pdf_bytes(_document(sections, footer, done + 1, total)))
            advance(len(part))
        return joined.value()
    fonts = print_fonts_css()

    def start(batch: ChartBatch, slot: int, part: list[DeckPage], first: int) -> None:
        # The charts inline (drawn into the page), not as images: an SVG image cannot use the
        # document's fonts.
        boxes = [f"chart-{k}" for k in range(len(part))]
        body = "".join(_sections(list(zip(part, boxes, strict=True)), inline=True))
        charts = [(box, page_chart(p, settings)) for box, p in zip(boxes, part, strict=True)]
        batch.start_print(slot, _css(footer, first, total, fonts), body, charts)

    chunks = _chunks(pages, settings.deck.print_chunk_pages)
    for part, pdf in _pipelined(chunks, start, ChartBatch.finish_print, settings.deck.print_slots):
        joined.add(pdf)
        advance(len(part))
    return joined.value()


Start = Callable[[ChartBatch, int, list[DeckPage], int], None]
Finish = Callable[[ChartBatch, int], object]


def _pipelined(chunks: Iterator[list[DeckPage]], start: Start, finish: Finish, slots: int,
               ) -> Iterator[tuple[list[DeckPage], object]]:
    """(chunk, result) per chunk, in order. A second thread with one chromium (Playwright's sync API
    stays in the thread that started it) runs ``start(batch, slot, chunk, first_page)`` for up to
    ``slots`` chunks, then ``finish(batch, slot)`` of the oldest for its result, and so on: with two
    slots one renderer draws while the other prints. This thread builds the next chunks' pages (the
    store's reads, the tables) and does whatever it does with a result (WeasyPrint, slides, joining)
    meanwhile, so both cores work; the store is only ever read here. Results come back to this
    thread, where a Streamlit progress bar can be updated."""
    work: queue.Queue = queue.Queue(maxsize=1)
    done: queue.Queue = queue.Queue()

    def consume() -> None:
        try:
            with ChartBatch() as batch:
                begun: collections.deque = collections.deque()
                free = list(range(max(1, slots)))
                ended = False
                while begun or not ended:
                    if free and not ended:
                        item = work.get()
                        if item is None:
                            ended = True
                            continue
                        part, first = item
                        slot = free.pop(0)
                        start(batch, slot, part, first)
                        begun.append((part, slot))
                        continue
                    part, slot = begun.popleft()
                    done.put((part, finish(batch, slot)))
                    free.append(slot)
        except BaseException as e:
            done.put(e)
            # Let a put() waiting in the other thread through, so that it sees the error.
            with contextlib.suppress(queue.Empty):
                while True:
                    work.get_nowait()

    worker = threading.Thread(target=consume, name="deck-chromium", daemon=True)
    worker.start()
    sent = received = 0

    def ready(block: bool) -> Iterator[tuple[list[DeckPage], object]]:
        nonlocal received
        while received < sent and (block or not done.empty()):
            item = done.get()
            if isinstance(item, BaseException):
                raise item
            received += 1
            yield item

    try:
        first = 1
        for part in chunks:
            work.put((part, first))
            first += len(part)
            sent += 1
            yield from ready(block=False)
        work.put(None)
        yield from ready(block=True)
    finally:
        # Whatever happened here, the worker finds the end mark next and closes its browser.
        with contextlib.suppress(queue.Empty):
            while True:
                work.get_nowait()
        work.put(None)
        worker.join()
