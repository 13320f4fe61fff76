"""The review deck as PPTX (issue 12 item 5): one 16:9 slide per page of ``analytics.deck``'s PDF.

The pages (``deck._pages``), their charts (``deck.page_chart``, drawn by chromium in ``deck._in_chromium``)
and the layout constants are the PDF's, so page N of the PDF is slide N here. The titles, numbers and
tables are editable text and table shapes (python-pptx), the charts PNG pictures.
"""

from __future__ import annotations

import io

from analytics import charts
from analytics.chart_images import ChartBatch
from analytics.dashboard import LIGHT_NAMES, View
from analytics.deck import (
    BODY_W_MM,
    BOTTOM_MM,
    CHART_W_MM,
    LEFT_W_MM,
    PAGE_H_MM,
    PAGE_W_MM,
    SUMMARY_CHART_PX,
    TOP_MM,
    DeckPage,
    Progress,
    ProjectPage,
    SummaryPage,
    _chunks,
    _in_chromium,
    _pages,
    page_chart,
)
from analytics.engine import LIGHTS
from analytics.presenting import presenter_order
from analytics.settings import Settings
from analytics.storage import Store


def deck_pptx(store: Store, view: View, settings: Settings, footer: str, progress: Progress | None = None,
              order: str | None = None) -> bytes:
    """The review deck as PPTX, 16:9: one slide per page of ``deck_pdf``, the titles, numbers and tables as
    editable text and table shapes, the charts as PNG pictures."""
    from pptx import Presentation
    from pptx.util import Mm

    ids = presenter_order(view, order or settings.review.default_order)
    total = len(ids) + 1
    prs = Presentation()
    prs.slide_width, prs.slide_height = Mm(PAGE_W_MM), Mm(PAGE_H_MM)
    blank = prs.slide_layouts[6]
    done = 0
    def pictures(batch: ChartBatch, part: list[DeckPage], first: int) -> list[bytes]:
        return batch.render([page_chart(p, settings) for p in part], "png", scale=settings.deck.png_scale)

    chunks = _chunks(_pages(store, view, settings, ids), settings.deck.chunk_pages)
    for part, pngs in _in_chromium(chunks, pictures):
        for page, png in zip(part, pngs, strict=True):
            slide = prs.slides.add_slide(blank)
            if isinstance(page, SummaryPage):
                _summary_slide(slide, page, png)
            else:
                _project_slide(slide, page, png)
            done += 1
            _footer(slide, footer, done, total)
            if progress:
                progress(done, total)
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()


def _rgb(hex_colour: str):
    from pptx.dml.color import RGBColor

    return RGBColor.from_string(hex_colour.lstrip("#"))


def _text(slide, x: float, y: float, w: float, h: float, value: str, size: float, bold: bool = False,
          colour: str = "#1a1a1a", align: str = "left"):
    from pptx.enum.text import PP_ALIGN
    from pptx.util import Mm, Pt

    box = slide.shapes.add_textbox(Mm(x), Mm(y), Mm(w), Mm(h))
    frame = box.text_frame
    frame.word_wrap = True
    para = frame.paragraphs[0]
    para.alignment = PP_ALIGN.RIGHT if align == "right" else PP_ALIGN.LEFT
    run = para.add_run()
    # Text, never a field or markup: python-pptx writes the characters as they are.
    run.text = value
    run.font.size, run.font.bold, run.font.name = Pt(size), bold, "Noto Sans CJK SC"
    run.font.color.rgb = _rgb(colour)
    return box


def _table_shape(slide, x: float, y: float, w: float, header: list[str], rows: list[list[str]],
                 widths: list[float], size: float = 8, fills: dict[tuple[int, int], str] | None = None) -> None:
    from pptx.util import Mm, Pt

    shape = slide.shapes.add_table(len(rows) + 1, len(header), Mm(x), Mm(y), Mm(w), Mm(5.5 * (len(rows) + 1)))
    table = shape.table
    for j, width in enumerate(widths):
        table.columns[j].width = Mm(width)
    for i, row in enumerate([header, *rows]):
        table.rows[i].height = Mm(5.5)
        for j, value in enumerate(row):
            cell = table.cell(i, j)
            cell.text = value
            cell.margin_top = cell.margin_bottom = Mm(0.6)
            for para in cell.text_frame.paragraphs:
                for run in para.runs:
                    run.font.size, run.font.name = Pt(size), "Noto Sans CJK SC"
                    run.font.bold = i == 0
                    run.font.color.rgb = _rgb("#1a1a1a")
            cell.fill.solid()
            cell.fill.fore_color.rgb = _rgb("#eef1f5" if i == 0 else "#ffffff")
            if fills and (i, j) in fills:
                light = fills[(i, j)]
                cell.fill.fore_color.rgb = _rgb(charts.LIGHT_COLORS[light])
                for para in cell.text_frame.paragraphs:
                    for run in para.runs:
                        run.font.color.rgb = _rgb(charts.TEXT_ON[light])


def _picture(slide, png: bytes, x: float, y: float, w: float) -> None:
    from pptx.util import Mm

    slide.shapes.add_picture(io.BytesIO(png), Mm(x), Mm(y), width=Mm(w))


def _footer(slide, footer: str, number: int, total: int) -> None:
    _text(slide, 12, PAGE_H_MM - 11, 200, 7, footer, 8, colour="#444444")
    _text(slide, PAGE_W_MM - 72, PAGE_H_MM - 11, 60, 7, f"第 {number} 页 / 共 {total} 页", 8, colour="#444444",
          align="right")


def _metric(slide, x: float, y: float, label: str, value: str, note: str = "", colour: str = "#1a1a1a",
            width: float = 30) -> None:
    _text(slide, x, y, width, 5, label, 8.5, colour="#444444")
    _text(slide, x, y + 4.5, width, 9, value, 16, bold=True, colour=colour)
    if note:
        _text(slide, x, y + 13, width, 5, note, 7.5, colour="#444444")


def _summary_slide(slide, page: SummaryPage, png: bytes) -> None:
    _text(slide, 12, 8, 273, 10, page.title, 20, bold=True)
    _text(slide, 12, 18, 200, 6, f"截至 {page.as_of}", 10, colour="#333333")
    for k, (label, value, note) in enumerate((
        ("项目数", str(page.projects), f"年度资金 {page.funding} 万元"),
        ("平均得分", page.mean_score, f"未填报 {page.unreported} 个项目,不计入平均"),
        ("预算执行率", page.execution_rate, ""),
        ("红灯指标", str(dict(page.indicator_lights)["red"]), ""),
    )):
        _metric(slide, 12 + k * 68, 25, label, value, note, width=64)
    rows = [[n, name, dept, score, grade, LIGHT_NAMES.get(light, light), rate]
            for n, name, dept, score, grade, light, rate in page.rows]
    fills = {(i + 1, 5): r[5] for i, r in enumerate(page.rows)}
    _table_shape(slide, 12, 45, 160, ["#", "项目", "主管部门", "总分", "等级", "监控灯", "执行率"], rows,
                 [9, 62, 32, 15, 13, 15, 14], fills=fills)
    if page.more:
        _text(slide, 12, 45 + 5.5 * (len(rows) + 1) + 1, 160, 6, f"另有 {page.more} 个项目,见后续各页。", 8.5)
    _picture(slide, png, 178, 45, 107)
    y = 45 + 107 * SUMMARY_CHART_PX[1] / SUMMARY_CHART_PX[0] + 1
    _text(slide, 178, y, 107, 5, "项目等级:" + " · ".join(f"{k} {n}" for k, n in page.grades), 8.5)
    lights = " · ".join(f"{LIGHT_NAMES[k]} {n}" for k, n in page.project_lights)
    _text(slide, 178, y + 5, 107, 5, "项目监控灯:" + lights, 8.5)
    _text(slide, 178, y + 10, 107, 5,
          "指标监控灯:" + " · ".join(f"{LIGHT_NAMES[k]} {n}" for k, n in page.indicator_lights), 8.5)


def _project_slide(slide, page: ProjectPage, png: bytes) -> None:
    # The PDF page's boxes (mm from the sheet's corner: 12 mm margins, see _CSS): header, numbers and
    # lights at the left, the chart at the right, the discussion across the bottom.
    left, top = 12.0, 12.0
    _text(slide, left, 6, BODY_W_MM, 12, page.name, 17, bold=True)
    _text(slide, left, 18, BODY_W_MM, 6, f"{page.department} · {page.unit} · 年度资金 {page.funding} 万元", 9,
          colour="#333333")
    light_colour = charts.LIGHT_COLORS.get(page.light, "#1a1a1a")
    y0 = top + TOP_MM
    for k, (label, value, note, colour) in enumerate((
        ("自评总分", page.score, page.score_note, "#1a1a1a"),
        ("等级", page.grade, "", "#1a1a1a"),
        ("项目监控灯", LIGHT_NAMES.get(page.light, page.light), "", light_colour),
        ("预算执行率", page.execution_rate, "", "#1a1a1a"),
    )):
        _metric(slide, left + k * 32, y0, label, value, note, colour)
    _text(slide, left, y0 + 20, LEFT_W_MM, 6, "各一级指标监控灯", 10, bold=True)
    rows = [[name, *(str(n) for n in counts)] for name, counts in page.level1]
    _table_shape(slide, left, y0 + 26, LEFT_W_MM, ["一级指标", *(LIGHT_NAMES[k] for k in LIGHTS)], rows,
                 [33, 19, 19, 19, 19, 19])
    y = top + BOTTOM_MM
    if page.items:
        more = page.items_total - len(page.items)
        extra = f",另有 {more} 项" if more else ""
        _text(slide, left, y, BODY_W_MM, 6, f"需要讨论的指标({page.items_total} 项{extra})", 10, bold=True)
        items = [[LIGHT_NAMES.get(light, light), l1, name, target, actual, note]
                 for light, l1, name, target, actual, note in page.items]
        fills = {(i + 1, 0): r[0] for i, r in enumerate(page.items)}
        header = ["监控灯", "一级", "三级指标", "指标值", "实际", "偏差原因分析及改进措施"]
        _table_shape(slide, left, y + 6, BODY_W_MM, header, items, [19, 22, 79, 33, 33, 87], size=7.5,
                     fills=fills)
    else:
        _text(slide, left, y, BODY_W_MM, 6, "需要讨论的指标:没有红灯、黄灯或需说明的指标。", 10)
    _picture(slide, png, left + LEFT_W_MM + 6, y0, CHART_W_MM)
