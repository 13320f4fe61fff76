"""The review deck as PPTX (issue 12 item 5): one 16:9 slide per page of ``analytics.deck``'s PDF.

The pages (``deck._pages``), their charts (``deck.page_chart``, drawn by two chromium renderers in ``deck._pipelined``)
and the layout constants are the PDF's, so page N of the PDF is slide N here. The titles, numbers and
tables are editable text and table shapes (python-pptx), the charts PNG pictures.

Scaling (5,000 slides, measured on 2 shared cores): python-pptx's ``slides.add_slide`` and
``shapes.add_picture`` walk every part of the package for a new partname and for an image of the same
SHA-1, so each slide cost more than the last (500 slides took 107 s, the sixth 500 took 310 s; 3,000
slides 1,172 s and 2.3 GB, every slide's XML tree and PNG held until ``save``). Here each slide is
drawn with python-pptx on ONE scratch slide of a scratch presentation (its package never holds more
than one picture, so its scans stay short), serialized (``part.blob``), and stored in a temporary
file; the deck's package gets a plain ``Part`` per slide and per picture whose ``blob`` reads that
file back while ``Presentation.save`` writes the zip. Partnames, the deck's rIds and slide ids come
from counters and a slide's own rIds are the scratch slide's, so nothing scans the growing package.
Shapes are stamped from prototypes (see ``_Slide``): python-pptx's per-cell styling of a table took
0.08 s a table (most of a slide's time), a deep copy of a styled row is a C-level copy. Measured
after: 5,001 slides in 793 s under load 3-9, every 500 in 54-93 s without a trend, ~21 ms a slide
here; Python's memory flat at ~500 MB with the 5,000-project view (chromium's drawing is the rest).
"""

from __future__ import annotations

import copy
import hashlib
import io
import tempfile
from typing import IO

from pptx import Presentation
from pptx.opc.constants import CONTENT_TYPE as CT
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.opc.package import Part
from pptx.opc.packuri import PackURI
from pptx.oxml.ns import qn
from pptx.oxml.text import CT_RegularTextRun
from pptx.util import Mm

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
    _pages,
    _pipelined,
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
    ids = presenter_order(view, order or settings.review.default_order)
    total = len(ids) + 1
    done = 0

    def pictures(batch: ChartBatch, slot: int, part: list[DeckPage], first: int) -> None:
        batch.start_render(slot, [page_chart(p, settings) for p in part], "png", scale=settings.deck.png_scale)

    chunks = _chunks(_pages(store, view, settings, ids), settings.deck.chunk_pages)
    writer = _Writer()
    try:
        # Two renderers draw the pictures ([deck] print_slots) while this thread makes the slides.
        for part, pngs in _pipelined(chunks, pictures, ChartBatch.finish_render, settings.deck.print_slots):
            for page, png in zip(part, pngs, strict=True):
                if isinstance(page, SummaryPage):
                    _summary_slide(writer.slide, page, png)
                else:
                    _project_slide(writer.slide, page, png)
                done += 1
                _footer(writer.slide, footer, done, total)
                writer.add()
                if progress:
                    progress(done, total)
        return writer.save()
    finally:
        writer.close()


class _Spool:
    """The bytes of the deck's finished parts in one temporary file, so that neither 5,000 pictures
    (~112 KB each at png_scale 1.5) nor 5,000 slide trees stay in memory until the zip is written."""

    def __init__(self) -> None:
        # Closed by close(), when the deck is written (a context manager cannot span the slides).
        self._file: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115

    def put(self, data: bytes) -> tuple[int, int]:
        self._file.seek(0, io.SEEK_END)
        at = self._file.tell()
        self._file.write(data)
        return at, len(data)

    def get(self, at: tuple[int, int]) -> bytes:
        self._file.seek(at[0])
        return self._file.read(at[1])

    def close(self) -> None:
        self._file.close()


class _SpooledPart(Part):
    """A finished slide or picture of the deck: a plain python-pptx ``Part`` whose ``blob`` (the property
    python-pptx's package writer reads, meant to be overridden) comes back from the spool."""

    def __init__(self, partname: PackURI, content_type: str, package, spool: _Spool, data: bytes) -> None:
        super().__init__(partname, content_type, package)
        self._spool, self._at = spool, spool.put(data)

    @property
    def blob(self) -> bytes:  # type: ignore[override]
        return self._spool.get(self._at)


class _Slide:
    """The scratch slide every page is drawn on, and prototypes of its shapes.

    The first shape of a kind (a text box at one place in one style, a table's frame with its header,
    a table row with its fills) is drawn by python-pptx; later ones are deep copies of that XML with
    their texts set through python-pptx's run element (``CT_RegularTextRun.text``, which escapes
    control characters as ``run.text`` does). Measured on 600 slides: python-pptx's per-cell styling
    was 97 s of 228 (profiled), 0.08 s a table.
    """

    def __init__(self, slide) -> None:
        self.slide = slide
        self._protos: dict[tuple, object] = {}
        self._next_id = 2

    def clear(self) -> None:
        """Empties the slide for the next page: its shapes and its picture's relationship (the picture
        part then leaves the scratch package, whose image scans stay one part long)."""
        tree = self.slide.shapes.element
        # The shape elements, not slide.shapes: its shape factory asks each one whether it is a
        # placeholder (an XPath a shape, 1 s of 2.3 s per 400 slides).
        for element in list(tree.iter_shape_elms()):
            tree.remove(element)
        rels = self.slide.part.rels
        for rId, rel in list(rels.items()):
            if rel.reltype != RT.SLIDE_LAYOUT:
                # Nothing refers to it any more (the picture went with the shapes).
                rels.pop(rId)
        self._next_id = 2

    def _built(self, shape) -> None:
        self._next_id = shape.shape_id + 1

    def _place(self, element) -> None:
        # Ids and names as python-pptx gives them: max + 1 from 2 (the shape tree is 1), "<kind> <id - 1>".
        cnvpr = element[0][0]
        kind = cnvpr.get("name").rsplit(" ", 1)[0]
        cnvpr.set("id", str(self._next_id))
        cnvpr.set("name", f"{kind} {self._next_id - 1}")
        self._next_id += 1
        self.slide.shapes.element.insert_element_before(element, "p:extLst")

    def text(self, x: float, y: float, w: float, h: float, value: str, size: float, bold: bool = False,
             colour: str = "#1a1a1a", align: str = "left") -> None:
        key = ("text", x, y, w, h, size, bold, colour, align)
        proto = self._protos.get(key)
        if proto is None:
            shape = _textbox(self.slide, x, y, w, h, value, size, bold, colour, align)
            self._protos[key] = copy.deepcopy(shape.element)
            self._built(shape)
            return
        element = copy.deepcopy(proto)
        _set_run(element.find(".//" + qn("a:r")), value)
        self._place(element)

    def table(self, x: float, y: float, w: float, header: list[str], rows: list[list[str]], widths: list[float],
              size: float = 8, fills: dict[tuple[int, int], str] | None = None) -> None:
        key = ("table", x, y, w, tuple(header), tuple(widths), size)
        frame = self._protos.get(key)
        if frame is None:
            frame = self._protos[key] = self._drawn(x, y, w, header, [], widths, size, {})
        element = copy.deepcopy(frame)
        tbl = element.find(".//" + qn("a:tbl"))
        for i, row in enumerate(rows, start=1):
            lit = tuple((j, fills[(i, j)]) for j in range(len(row)) if fills and (i, j) in fills)
            row_key = (key, lit)
            proto = self._protos.get(row_key)
            if proto is None:
                drawn = self._drawn(x, y, w, header, [["x"] * len(header)], widths, size,
                                    {(1, j): light for j, light in lit})
                proto = self._protos[row_key] = drawn.findall(".//" + qn("a:tr"))[1]
            tr = copy.deepcopy(proto)
            for tc, value in zip(tr.iter(qn("a:tc")), row, strict=True):
                _set_cell(tc, value)
            tbl.append(tr)
        element.cy = Mm(5.5 * (len(rows) + 1))
        self._place(element)

    def _drawn(self, x: float, y: float, w: float, header: list[str], rows: list[list[str]], widths: list[float],
               size: float, fills: dict[tuple[int, int], str]):
        # A table drawn by python-pptx and taken off the slide again: a prototype.
        shape = _table_shape(self.slide, x, y, w, header, rows, widths, size, fills)
        self.slide.shapes.element.remove(shape.element)
        return shape.element

    def picture(self, png: bytes, x: float, y: float, w: float) -> None:
        shape = self.slide.shapes.add_picture(io.BytesIO(png), Mm(x), Mm(y), width=Mm(w))
        self._built(shape)


def _set_run(run, value: str) -> None:
    if not isinstance(run, CT_RegularTextRun):
        # A copy that lost python-pptx's element classes would take the text as plain lxml text.
        raise TypeError(f"not a python-pptx text run: {type(run)!r}")
    run.text = value


def _set_cell(tc, value: str) -> None:
    run = tc.find(".//" + qn("a:r"))
    if not value:
        # As python-pptx's cell.text = "": an empty paragraph, no run.
        run.getparent().remove(run)
        return
    if "\n" not in value and "\v" not in value:
        _set_run(run, value)
        return
    # python-pptx makes paragraphs and line breaks of these (cell.text): let it, in the row's run style.
    from pptx.table import _Cell

    style = copy.deepcopy(run.rPr)
    _Cell(tc, None).text = value
    for r in tc.iter(qn("a:r")):
        if r.rPr is not None:
            r.remove(r.rPr)
        r.insert(0, copy.deepcopy(style))


# python-pptx's (and PowerPoint's) first slide id; a fresh presentation has no slide.
_FIRST_SLIDE_ID = 256


class _Writer:
    """The deck's presentation, filled one finished scratch slide at a time."""

    def __init__(self) -> None:
        self.prs = Presentation()
        self.prs.slide_width, self.prs.slide_height = Mm(PAGE_W_MM), Mm(PAGE_H_MM)
        self._layout = self.prs.slide_layouts[6]
        self._spool = _Spool()
        # Pictures by SHA-1, as python-pptx shares an image between slides, without its package scan.
        self._images: dict[str, Part] = {}
        self._count = 0
        self._slide_rels = self.prs.part.rels
        self._sldIdLst = self.prs.slides.element
        scratch = Presentation()
        self.slide = _Slide(scratch.slides.add_slide(scratch.slide_layouts[6]))

    def add(self) -> None:
        """Moves what the scratch slide shows into the deck as its next slide, and clears it."""
        src = self.slide.slide.part
        self._count += 1
        package = self.prs.part.package
        part = _SpooledPart(PackURI(f"/ppt/slides/slide{self._count}.xml"), CT.PML_SLIDE, package, self._spool,
                            src.blob)
        # The same relationships under the same rIds as on the scratch slide, whose XML refers to them.
        for rId, rel in sorted(src.rels.items(), key=lambda item: int(item[0][3:])):
            if rel.reltype == RT.SLIDE_LAYOUT:
                target = self._layout.part
            elif rel.reltype == RT.IMAGE:
                target = self._image(rel.target_part)
            else:
                raise ValueError(f"unexpected relationship on a deck slide: {rel.reltype}")
            if part.relate_to(target, rel.reltype) != rId:
                raise RuntimeError(f"slide {self._count}: {rId} of the scratch slide got another id")
        # The deck's own relationship and slide id from counters: prs.part.relate_to first looks for an
        # equal relationship among all of the presentation's (a dict of them built per call) and
        # sldIdLst.add_sldId takes the max of every id by XPath; both grow with the deck (1.4 s and
        # 1.1 s per 400 slides, quadratic: ~200 s each at 5,000). _add_relationship is what relate_to
        # calls after its search, _add_sldId the element method python-pptx's xmlchemy generates.
        rId = self._slide_rels._add_relationship(RT.SLIDE, part)
        self._sldIdLst._add_sldId(id=_FIRST_SLIDE_ID + self._count - 1, rId=rId)
        self.slide.clear()

    def _image(self, src: Part) -> Part:
        blob = src.blob
        sha1 = hashlib.sha1(blob).hexdigest()
        part = self._images.get(sha1)
        if part is None:
            name = PackURI(f"/ppt/media/image{len(self._images) + 1}.{src.partname.ext}")
            part = self._images[sha1] = _SpooledPart(name, src.content_type, self.prs.part.package, self._spool,
                                                     blob)
        return part

    def save(self) -> bytes:
        # Through a file, not BytesIO: getvalue() would copy the whole zip once more.
        with tempfile.TemporaryFile() as out:
            self.prs.save(out)
            out.seek(0)
            return out.read()

    def close(self) -> None:
        self._spool.close()

def _rgb(hex_colour: str):
    from pptx.dml.color import RGBColor

    return RGBColor.from_string(hex_colour.lstrip("#"))


def _textbox(slide, x: float, y: float, w: float, h: float, value: str, size: float, bold: bool = False,
          colour: str = "#1a1a1a", align: str = "left"):
    from pptx.enum.text import PP_ALIGN
    from pptx.util import Pt

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
                 widths: list[float], size: float = 8, fills: dict[tuple[int, int], str] | None = None):
    from pptx.util import Pt

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
    return shape


def _footer(s: _Slide, footer: str, number: int, total: int) -> None:
    s.text(12, PAGE_H_MM - 11, 200, 7, footer, 8, colour="#444444")
    s.text(PAGE_W_MM - 72, PAGE_H_MM - 11, 60, 7, f"第 {number} 页 / 共 {total} 页", 8, colour="#444444",
          align="right")


def _metric(s, x: float, y: float, label: str, value: str, note: str = "", colour: str = "#1a1a1a",
            width: float = 30) -> None:
    s.text(x, y, width, 5, label, 8.5, colour="#444444")
    s.text(x, y + 4.5, width, 9, value, 16, bold=True, colour=colour)
    if note:
        s.text(x, y + 13, width, 5, note, 7.5, colour="#444444")


def _summary_slide(s: _Slide, page: SummaryPage, png: bytes) -> None:
    s.text(12, 8, 273, 10, page.title, 20, bold=True)
    s.text(12, 18, 200, 6, f"截至 {page.as_of}", 10, colour="#333333")
    for k, (label, value, note) in enumerate((
        ("项目数", str(page.projects), f"年度资金 {page.funding} 万元"),
        ("平均得分", page.mean_score, f"未填报 {page.unreported} 个项目,不计入平均"),
        ("预算执行率", page.execution_rate, ""),
        ("红灯指标", str(dict(page.indicator_lights)["red"]), ""),
    )):
        _metric(s, 12 + k * 68, 25, label, value, note, width=64)
    rows = [[n, name, dept, score, grade, LIGHT_NAMES.get(light, light), rate]
            for n, name, dept, score, grade, light, rate in page.rows]
    fills = {(i + 1, 5): r[5] for i, r in enumerate(page.rows)}
    s.table(12, 45, 160, ["#", "项目", "主管部门", "总分", "等级", "监控灯", "执行率"], rows,
                 [9, 62, 32, 15, 13, 15, 14], fills=fills)
    if page.more:
        s.text(12, 45 + 5.5 * (len(rows) + 1) + 1, 160, 6, f"另有 {page.more} 个项目,见后续各页。", 8.5)
    s.picture(png, 178, 45, 107)
    y = 45 + 107 * SUMMARY_CHART_PX[1] / SUMMARY_CHART_PX[0] + 1
    s.text(178, y, 107, 5, "项目等级:" + " · ".join(f"{k} {n}" for k, n in page.grades), 8.5)
    lights = " · ".join(f"{LIGHT_NAMES[k]} {n}" for k, n in page.project_lights)
    s.text(178, y + 5, 107, 5, "项目监控灯:" + lights, 8.5)
    s.text(178, y + 10, 107, 5,
          "指标监控灯:" + " · ".join(f"{LIGHT_NAMES[k]} {n}" for k, n in page.indicator_lights), 8.5)


def _project_slide(s: _Slide, page: ProjectPage, png: bytes) -> None:
    # The PDF page's boxes (mm from the sheet's corner: 12 mm margins, see _CSS): header, numbers and
    # lights at the left, the chart at the right, the discussion across the bottom.
    left, top = 12.0, 12.0
    s.text(left, 6, BODY_W_MM, 12, page.name, 17, bold=True)
    s.text(left, 18, BODY_W_MM, 6, f"{page.department} · {page.unit} · 年度资金 {page.funding} 万元", 9,
          colour="#333333")
    light_colour = charts.LIGHT_COLORS.get(page.light, "#1a1a1a")
    y0 = top + TOP_MM
    for k, (label, value, note, colour) in enumerate((
        ("自评总分", page.score, page.score_note, "#1a1a1a"),
        ("等级", page.grade, "", "#1a1a1a"),
        ("项目监控灯", LIGHT_NAMES.get(page.light, page.light), "", light_colour),
        ("预算执行率", page.execution_rate, "", "#1a1a1a"),
    )):
        _metric(s, left + k * 32, y0, label, value, note, colour)
    s.text(left, y0 + 20, LEFT_W_MM, 6, "各一级指标监控灯", 10, bold=True)
    rows = [[name, *(str(n) for n in counts)] for name, counts in page.level1]
    s.table(left, y0 + 26, LEFT_W_MM, ["一级指标", *(LIGHT_NAMES[k] for k in LIGHTS)], rows,
                 [33, 19, 19, 19, 19, 19])
    y = top + BOTTOM_MM
    if page.items:
        more = page.items_total - len(page.items)
        extra = f",另有 {more} 项" if more else ""
        s.text(left, y, BODY_W_MM, 6, f"需要讨论的指标({page.items_total} 项{extra})", 10, bold=True)
        items = [[LIGHT_NAMES.get(light, light), l1, name, target, actual, note]
                 for light, l1, name, target, actual, note in page.items]
        fills = {(i + 1, 0): r[0] for i, r in enumerate(page.items)}
        header = ["监控灯", "一级", "三级指标", "指标值", "实际", "偏差原因分析及改进措施"]
        s.table(left, y + 6, BODY_W_MM, header, items, [19, 22, 79, 33, 33, 87], size=7.5,
                     fills=fills)
    else:
        s.text(left, y, BODY_W_MM, 6, "需要讨论的指标:没有红灯、黄灯或需说明的指标。", 10)
    s.picture(png, left + LEFT_W_MM + 6, y0, CHART_W_MM)
