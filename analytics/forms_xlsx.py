"""The official forms as XLSX: one sheet per ``Form`` (analytics.formmodel), and the department workbook.

openpyxl in write-only mode: each sheet is streamed to a temporary file as it is written and closed
at once, so a workbook of 5,000 projects holds one sheet's cells in memory at a time, not millions.
openpyxl writes the workbook, the styles, each sheet's columns, merges, print setup and footer; the
rows of a sheet are handed to its writer as prepared XML elements (``_RowsWriter``), each cell
naming one of the workbook's few styles by id, because building an openpyxl Cell per cell is what
costs the time (openpyxl's own cell path took ~80 s of CPU for 5,000 projects, this one a fraction).

What the sheets carry: real merged ranges, thin borders over the table (not over the title),
wrapped text, '#,##0.00' for money and points, '0.0%' for rates held as fractions, A4 (portrait,
or landscape for a Form that asks, e.g. the 16-column 监控表), the Form's header rows repeated on
every printed page, fitted to one page width, and the footer (截至… · 由…生成, 第 N 页 / 共 M 页) in
the page footer. No cell is a formula: every text cell is written as a string, even "=SUM(A1)".
"""

from __future__ import annotations

import io
import math
import os
import re
import tempfile
from collections.abc import Callable, Iterable
from decimal import Decimal

import pandas as pd
from lxml import etree
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet._writer import ALL_TEMP_FILES, WorksheetWriter
from openpyxl.worksheet.properties import PageSetupProperties

from analytics.formmodel import MONEY, PERCENT, POINTS, TEXT, Cell, Form
from analytics.forms import summary_form
from analytics.wording import MONEY_XLSX, PERCENT_XLSX

Progress = Callable[[int, int], None]

# 宋体 is what the official forms are printed in; a machine without it substitutes its CJK serif.
FONT_NAME = "宋体"
FONT_SIZES = {"title": 16, "normal": 10, "small": 9}
FOOTER_SIZE = 8
NUMBER_FORMATS = {MONEY: MONEY_XLSX, POINTS: MONEY_XLSX, PERCENT: PERCENT_XLSX, TEXT: "General"}
# Row height per line of 10 pt text, in points, and the characters a column of width w holds per line.
LINE_HEIGHT = 14.0
MAX_ROW_HEIGHT = 409.0  # Excel's limit
SHEET_CHARS = 31
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
# SpreadsheetML paper size code of A4 (Worksheet.PAPERSIZE_A4; the write-only sheet lacks the constant).
PAPER_A4 = "9"

_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


class _Styles:
    """The few distinct cell styles of a workbook: each made once on a template cell, then named by
    its style id on every cell that has it."""

    def __init__(self, wb: Workbook) -> None:
        self._wb = wb
        self._ids: dict[tuple, str] = {}

    def id(self, kind: str = TEXT, bold: bool = False, align: str = "left", size: str = "normal",
           border: bool = True) -> str:
        key = (kind, bold, align, size, border)
        found = self._ids.get(key)
        if found is None:
            template = WriteOnlyCell(_StyleParent(self._wb))
            template.font = Font(name=FONT_NAME, size=FONT_SIZES.get(size, FONT_SIZES["normal"]), bold=bold)
            template.alignment = Alignment(horizontal=align, vertical="center", wrap_text=True)
            template.number_format = NUMBER_FORMATS.get(kind, "General")
            if border:
                template.border = _BORDER
            found = self._ids[key] = str(template.style_id)  # registers the style with the workbook
        return found


class _StyleParent:
    """What a template cell needs to register its style: a parent whose parent is the workbook."""

    def __init__(self, wb: Workbook) -> None:
        self.parent = wb


class _RowsWriter(WorksheetWriter):
    """openpyxl's worksheet writer, given the sheet's rows as prepared XML.

    openpyxl builds a Cell object per cell and writes it through several layers; at 1.5 million
    cells (a 5,000-project workbook) that is most of a minute. Here ``sheetData`` is built as text
    (each text escaped, see ``_cell_xml``), parsed once by lxml (the library openpyxl writes with)
    and handed to openpyxl's stream; everything else of the sheet (columns, merges, print setup,
    footer) openpyxl writes as usual.

    The temporary file openpyxl streams the sheet to is made in ``SPOOL_DIR`` when there is one
    (memory-backed /dev/shm: on a busy disk, creating and removing 5,000 files cost more than
    writing them); openpyxl removes it when the workbook is saved, or at exit.
    """

    def __init__(self, ws, sheet_data: str, merges: list[str], look: dict[str, etree._Element | None]) -> None:
        self._look = look
        out = None
        if SPOOL_DIR is not None:
            fd, out = tempfile.mkstemp(prefix="openpyxl.", dir=SPOOL_DIR)
            os.close(fd)
            ALL_TEMP_FILES.append(out)  # what openpyxl's cleanup and exit handler remove
        super().__init__(ws, out)
        self._sheet_data = sheet_data
        self._merges = merges

    def write_rows(self) -> None:
        xf = self.xf.send(True)
        xf.write(etree.fromstring(self._sheet_data))
        self.xf.send(None)

    # The parts every sheet of one look shares, serialised once (see _Looks).
    def _send(self, part: str) -> None:
        el = self._look[part]
        if el is not None:
            self.xf.send(el)

    def write_properties(self) -> None:
        self._send("properties")

    def write_views(self) -> None:
        self._send("views")

    def write_format(self) -> None:
        self._send("format")

    def write_cols(self) -> None:
        self._send("cols")

    def write_print(self) -> None:
        self._send("print")

    def write_margins(self) -> None:
        self._send("margins")

    def write_page(self) -> None:
        self._send("page")

    def write_header(self) -> None:
        self._send("header")

    def write_merged_cells(self) -> None:
        # The ranges as written, without openpyxl parsing each into a CellRange twice.
        if self._merges:
            el = etree.Element("mergeCells", count=str(len(self._merges)))
            for ref in self._merges:
                etree.SubElement(el, "mergeCell", ref=ref)
            self.xf.send(el)


class _Looks:
    """The XML of a sheet's look (sheet properties, view, column widths, print options, margins,
    page setup, footer), made once per distinct look of a workbook: 5,000 自评表 share one, and
    building openpyxl's objects for each sheet anew is a good part of the time."""

    def __init__(self) -> None:
        self._made: dict[tuple, dict[str, etree._Element | None]] = {}

    def of(self, ws, form: Form) -> dict[str, etree._Element | None]:
        key = (form.widths, form.landscape, form.footer)
        found = self._made.get(key)
        if found is None:
            for i, w in enumerate(form.widths, start=1):
                ws.column_dimensions[get_column_letter(i)].width = w
            _print_setup(ws, form.landscape, form.footer)
            ws.sheet_format.outlineLevelCol = ws.column_dimensions.max_outline
            found = self._made[key] = {
                "properties": ws.sheet_properties.to_tree(), "views": ws.views.to_tree(),
                "format": ws.sheet_format.to_tree(), "cols": ws.column_dimensions.to_tree(),
                **{part: (obj.to_tree() if obj else None) for part, obj in (
                    ("print", ws.print_options), ("margins", ws.page_margins), ("page", ws.page_setup),
                    ("header", ws.HeaderFooter))},
            }
        return found


def _spool_dir() -> str | None:
    shm = "/dev/shm"
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK | os.X_OK) else None


SPOOL_DIR = _spool_dir()
_ESCAPE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def _cell_xml(ref: str, style: str, value: object) -> str:
    """One <c>: a number as <v>, any text as an inline string (escaped, never a formula: "=SUM(A1)"
    is the text =SUM(A1)), None as a styled blank. Characters XML 1.0 cannot hold (control codes from
    a pasted Word text) are dropped."""
    if value is None:
        return f'<c r="{ref}" s="{style}"/>'
    if isinstance(value, str):
        text = ILLEGAL_CHARACTERS_RE.sub("", value).translate(_ESCAPE)
        space = ' xml:space="preserve"' if text != text.strip() else ""
        return f'<c r="{ref}" s="{style}" t="inlineStr"><is><t{space}>{text}</t></is></c>'
    if isinstance(value, Decimal):
        number = format(value, "f")  # positional: str() may give "0E-6", which not every reader takes
    elif isinstance(value, int):
        number = str(value)
    else:
        number = repr(float(value))
    return f'<c r="{ref}" s="{style}"><v>{number}</v></c>'


def _value(value: object, kind: str) -> object:
    """What a cell stores: numbers stay numbers (Decimal exactly), empty is None, anything else text."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float, Decimal)):
        if isinstance(value, float) and not math.isfinite(value):
            return None
        return value if kind != TEXT else str(value)
    return str(value)


def display_width(text: str) -> int:
    """Columns a text takes, about: a CJK character (3 bytes in UTF-8) counts two, ASCII one (Excel's
    widths are in digits). By byte count, as this runs for every text cell of thousands of sheets."""
    return (len(text.encode("utf-8")) + len(text)) // 2


def _lines(text: str, per_line: float) -> int:
    return sum(max(1, math.ceil(display_width(part) / per_line)) for part in text.split("\n"))


def _row_heights(form: Form) -> dict[int, float]:
    """Rows tall enough for their wrapped text (Excel does not grow rows for merged cells by itself)."""
    widths = form.widths
    need: dict[int, float] = {}
    for c in form.cells:
        if c.value is None or c.kind != TEXT:
            continue
        text = str(c.value)
        size = FONT_SIZES.get(c.size, FONT_SIZES["normal"]) / FONT_SIZES["normal"]
        per_line = max(1.0, sum(widths[c.col - 1: c.last_col]) / size * 1.1 - 1)
        if size == 1 and len(text) * 2 <= per_line and "\n" not in text:
            continue  # one line of normal text: the default height holds it
        height = _lines(text, per_line) * LINE_HEIGHT * size / c.rows
        for r in range(c.row, c.last_row + 1):
            need[r] = max(need.get(r, 0.0), height)
    return {r: min(MAX_ROW_HEIGHT, h) for r, h in need.items() if h > LINE_HEIGHT * 1.05}


def _table_start(form: Form) -> int:
    """The first row of the bordered table: the rows above it are each one full-width title cell."""
    full = {c.row for c in form.cells if c.col == 1 and c.cols == form.n_cols and c.rows == 1}
    row = 1
    while row in full:
        row += 1
    return row


def unique_sheet_name(name: str, taken: set[str]) -> str:
    """``name`` as Excel takes it (none of []:*?/\\, at most 31 characters), made unique within a
    workbook (case-insensitively) by a "(2)" suffix."""
    base = (_SHEET_FORBIDDEN.sub("_", name).strip("'").strip() or "表")[:SHEET_CHARS]
    candidate, n = base, 1
    while candidate.casefold() in taken:
        n += 1
        suffix = f"({n})"
        candidate = base[: SHEET_CHARS - len(suffix)] + suffix
    taken.add(candidate.casefold())
    return candidate


def _footer_text(text: str) -> str:
    # "&" starts a code in Excel's header/footer language; a literal one is doubled.
    return text.replace("&", "&&")


def _print_setup(ws, landscape: bool, footer: str) -> None:
    ws.page_setup.paperSize = PAPER_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as it takes
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = 0.6
    ws.page_margins.bottom = 0.7
    ws.oddFooter.left.text = _footer_text(footer)
    ws.oddFooter.left.size = FOOTER_SIZE
    ws.oddFooter.right.text = "第 &P 页 / 共 &N 页"
    ws.oddFooter.right.size = FOOTER_SIZE


def _sheet_data(form: Form, styles: _Styles, heights: dict[int, float]) -> str:
    """The sheet's <sheetData>: every cell of the table styled and bordered (the covered cells of a
    merged range too, so the range reads whole in any viewer), the title rows bare, then the Form's
    notes (signature lines) under the table without borders."""
    n_rows, n_cols = form.n_rows, form.n_cols
    letters = [get_column_letter(k) for k in range(1, n_cols + 1)]
    start = _table_start(form)
    grid: list[list[Cell | None]] = [[None] * n_cols for _ in range(n_rows)]
    for c in form.cells:
        grid[c.row - 1][c.col - 1] = c
    blank = styles.id(border=True)
    out = ["<sheetData>"]
    for r in range(1, n_rows + 1):
        height = f' ht="{heights[r]:.1f}" customHeight="1"' if r in heights else ""
        out.append(f'<row r="{r}"{height}>')
        border = r >= start
        for k, c in enumerate(grid[r - 1]):
            if c is not None:
                out.append(_cell_xml(f"{letters[k]}{r}", styles.id(c.kind, c.bold, c.align, c.size, border),
                                     _value(c.value, c.kind)))
            elif border:
                out.append(_cell_xml(f"{letters[k]}{r}", blank, None))
        out.append("</row>")
    if form.notes:
        r = n_rows + 2
        out.append(f'<row r="{r}">')
        plain = styles.id(border=False)
        for i, note in enumerate(form.notes):
            out.append(_cell_xml(f"{letters[i * n_cols // len(form.notes)]}{r}", plain, _value(note, TEXT)))
        out.append("</row>")
    out.append("</sheetData>")
    return "".join(out)


def _new_sheet(wb: Workbook, title: str) -> WriteOnlyWorksheet:
    """A write-only sheet named ``title`` (already valid and unique: ``unique_sheet_name``).

    Workbook.create_sheet compares each new title with every sheet's, case-folded: 12.5 million
    comparisons for 5,000 sheets. The sheet is made unattached (its title check is skipped), then
    named and added as create_sheet would.
    """
    ws = WriteOnlyWorksheet(parent=None, title=None)
    ws._parent = wb
    ws._WorkbookChild__title = title
    wb._add_sheet(ws)
    return ws


def _write_form(wb: Workbook, form: Form, taken: set[str], styles: _Styles, looks: _Looks) -> None:
    ws = _new_sheet(wb, unique_sheet_name(form.sheet_name, taken))
    # The header rows repeat on every printed page (a defined name of the workbook, per sheet).
    ws.print_title_rows = f"{form.header_rows[0]}:{form.header_rows[1]}"
    merges = [f"{get_column_letter(c.col)}{c.row}:{get_column_letter(c.last_col)}{c.last_row}"
              for c in form.cells if c.rows > 1 or c.cols > 1]
    ws._writer = _RowsWriter(ws, _sheet_data(form, styles, _row_heights(form)), merges, looks.of(ws, form))
    ws._writer.write_top()
    ws.close()  # streamed to its temporary file now: the workbook keeps no cells of this sheet


def _save(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def forms_xlsx(forms: Iterable[Form], progress: Progress | None = None) -> bytes:
    """One sheet per Form, in order; ``progress(done, total)`` after each sheet."""
    forms = list(forms)
    total = len(forms)
    wb = Workbook(write_only=True)
    taken: set[str] = set()
    styles, looks = _Styles(wb), _Looks()
    for done, form in enumerate(forms, start=1):
        _write_form(wb, form, taken, styles, looks)
        if progress is not None:
            progress(done, total)
    if total == 0:
        wb.create_sheet("表")  # a workbook needs a sheet
    return _save(wb)


def workbook_xlsx(summary: pd.DataFrame, forms: Iterable[Form], progress: Progress | None = None,
                  footer: str | None = None) -> bytes:
    """The department workbook: the 汇总 sheet (``forms.summary_frame``) first, then one sheet per
    Form (each project's 自评表). ``footer`` defaults to the first Form's; ``progress(done, total)``
    after each sheet, the 汇总 included."""
    forms = list(forms)
    total = len(forms) + 1
    wb = Workbook(write_only=True)
    taken: set[str] = set()
    styles, looks = _Styles(wb), _Looks()
    _write_form(wb, summary_form(summary, footer if footer is not None else (forms[0].footer if forms else "")),
                taken, styles, looks)
    if progress is not None:
        progress(1, total)
    for done, form in enumerate(forms, start=2):
        _write_form(wb, form, taken, styles, looks)
        if progress is not None:
            progress(done, total)
    return _save(wb)
