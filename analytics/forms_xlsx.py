"""The official forms as XLSX: one sheet per ``Form`` (analytics.formmodel), and the department workbook.

openpyxl in write-only mode: each sheet is streamed to a temporary file as it is written and closed
at once, so a workbook of 5,000 projects holds one sheet's cells in memory at a time, not millions.
Every cell gets its style by copying a prepared style array (a few distinct styles per workbook),
because assigning fonts and borders cell by cell is what costs the time in openpyxl.

What the sheets carry: real merged ranges, thin borders over the table (not over the title),
wrapped text, '#,##0.00' for money and points, '0.0%' for rates held as fractions, A4 (portrait,
or landscape for a Form that asks, e.g. the 16-column 监控表), the Form's header rows repeated on
every printed page, fitted to one page width, and the footer (截至… · 由…生成, 第 N 页 / 共 M 页) in
the page footer. No cell is a formula: every text cell is written as a string, even "=SUM(A1)".
"""

from __future__ import annotations

import io
import math
import unicodedata
from collections.abc import Callable, Iterable
from copy import copy
from decimal import Decimal

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

from analytics.formmodel import MONEY, PERCENT, POINTS, TEXT, Cell, Form
from analytics.wording import MONEY_XLSX, PERCENT_XLSX, is_money_column, is_percent_column

Progress = Callable[[int, int], None]

# 宋体 is what the official forms are printed in; a machine without it substitutes its CJK serif.
FONT_NAME = "宋体"
FONT_SIZES = {"title": 16, "normal": 10, "small": 9}
FOOTER_SIZE = 8
NUMBER_FORMATS = {MONEY: MONEY_XLSX, POINTS: MONEY_XLSX, PERCENT: PERCENT_XLSX, TEXT: "General"}
SUMMARY_SHEET = "汇总"
SUMMARY_TITLE = "项目支出绩效自评汇总表"
# Summary columns that hold scores: two decimals like every score on screen.
SUMMARY_POINTS = frozenset({"自评得分", "自评表总分", "差值"})
SUMMARY_WIDTHS = {"项目名称": 40, "主管部门": 24, "实施单位": 24}
# Row height per line of 10 pt text, in points, and the characters a column of width w holds per line.
LINE_HEIGHT = 14.0
MAX_ROW_HEIGHT = 409.0  # Excel's limit
SHEET_CHARS = 31
# SpreadsheetML paper size code of A4 (Worksheet.PAPERSIZE_A4; the write-only sheet lacks the constant).
PAPER_A4 = "9"

_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


class _Styles:
    """The few distinct cell styles of a workbook, each made once and copied onto cells."""

    def __init__(self, ws) -> None:
        self._ws = ws
        self._made: dict[tuple, object] = {}

    def cell(self, ws, value: object, kind: str = TEXT, bold: bool = False, align: str = "left",
             size: str = "normal", border: bool = True) -> WriteOnlyCell:
        key = (kind, bold, align, size, border)
        style = self._made.get(key)
        if style is None:
            template = WriteOnlyCell(self._ws)
            template.font = Font(name=FONT_NAME, size=FONT_SIZES.get(size, FONT_SIZES["normal"]), bold=bold)
            template.alignment = Alignment(horizontal=align, vertical="center", wrap_text=True)
            template.number_format = NUMBER_FORMATS.get(kind, "General")
            if border:
                template.border = _BORDER
            style = self._made[key] = template._style
        c = WriteOnlyCell(ws, value=_value(value, kind))
        c._style = copy(style)
        if isinstance(c.value, str):
            # Written after the value: openpyxl takes a text starting with "=" for a formula.
            c.data_type = "s"
        return c


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
    """Columns a text takes: a CJK or full-width character counts two (Excel's widths are in digits)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _lines(value: object, width: float) -> int:
    if value is None:
        return 1
    per_line = max(1.0, width * 1.1 - 1)
    return sum(max(1, math.ceil(display_width(part) / per_line)) for part in str(value).split("\n"))


def _row_heights(form: Form) -> dict[int, float]:
    """Rows tall enough for their wrapped text (Excel does not grow rows for merged cells by itself)."""
    widths = form.widths
    need: dict[int, float] = {}
    for c in form.cells:
        if c.value is None or c.kind != TEXT:
            continue
        span = sum(widths[c.col - 1: c.last_col])
        size = FONT_SIZES.get(c.size, FONT_SIZES["normal"]) / FONT_SIZES["normal"]
        height = _lines(c.value, span / size) * LINE_HEIGHT * size / c.rows
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
    """``name`` cut to Excel's 31 characters, made unique within a workbook by a "(2)" suffix."""
    base = (name or "表")[:SHEET_CHARS]
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


def _print_setup(ws, landscape: bool, title_rows: tuple[int, int] | None, footer: str) -> None:
    ws.page_setup.paperSize = PAPER_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as it takes
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = 0.6
    ws.page_margins.bottom = 0.7
    if title_rows is not None:
        ws.print_title_rows = f"{title_rows[0]}:{title_rows[1]}"
    ws.oddFooter.left.text = _footer_text(footer)
    ws.oddFooter.left.size = FOOTER_SIZE
    ws.oddFooter.right.text = "第 &P 页 / 共 &N 页"
    ws.oddFooter.right.size = FOOTER_SIZE


def _write_form(wb: Workbook, form: Form, taken: set[str]) -> None:
    ws = wb.create_sheet(unique_sheet_name(form.sheet_name, taken))
    styles = _Styles(ws)
    for i, w in enumerate(form.widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    heights = _row_heights(form)
    for r, h in heights.items():
        ws.row_dimensions[r].height = h
    _print_setup(ws, form.landscape, form.header_rows, form.footer)

    n_rows, n_cols = form.n_rows, form.n_cols
    start = _table_start(form)
    grid: list[list[Cell | None]] = [[None] * n_cols for _ in range(n_rows)]
    for c in form.cells:
        grid[c.row - 1][c.col - 1] = c
        if c.rows > 1 or c.cols > 1:
            ws.merged_cells.add(f"{get_column_letter(c.col)}{c.row}:{get_column_letter(c.last_col)}{c.last_row}")
    for r in range(n_rows):
        border = r + 1 >= start
        row = []
        for k in range(n_cols):
            c = grid[r][k]
            if c is not None:
                row.append(styles.cell(ws, c.value, c.kind, c.bold, c.align, c.size, border))
            elif border:
                # The rest of a merged range (and any gap) carries the border, so the table reads whole.
                row.append(styles.cell(ws, None, border=True))
            else:
                row.append(None)
        ws.append(row)
    if form.notes:
        ws.append([])
        row = [None] * n_cols
        for i, note in enumerate(form.notes):
            row[i * n_cols // len(form.notes)] = styles.cell(ws, note, border=False)
        ws.append(row)
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
    for done, form in enumerate(forms, start=1):
        _write_form(wb, form, taken)
        if progress is not None:
            progress(done, total)
    if total == 0:
        wb.create_sheet("表")  # a workbook needs a sheet
    return _save(wb)


def _summary_sheet(wb: Workbook, summary: pd.DataFrame, footer: str, taken: set[str]) -> None:
    ws = wb.create_sheet(unique_sheet_name(SUMMARY_SHEET, taken))
    styles = _Styles(ws)
    columns = list(summary.columns)
    n = len(columns)
    for i, name in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = SUMMARY_WIDTHS.get(name, 13)
    _print_setup(ws, landscape=True, title_rows=(3, 3), footer=footer)
    ws.merged_cells.add(f"A1:{get_column_letter(n)}1")
    ws.merged_cells.add(f"A2:{get_column_letter(n)}2")
    ws.row_dimensions[1].height = 26
    ws.append([styles.cell(ws, SUMMARY_TITLE, bold=True, align="center", size="title", border=False)])
    ws.append([styles.cell(ws, footer.split(" · ")[0], align="center", border=False)])
    ws.append([styles.cell(ws, name, bold=True, align="center") for name in columns])
    kinds = {}
    for name in columns:
        if is_money_column(name):
            kinds[name] = MONEY
        elif is_percent_column(name):
            kinds[name] = PERCENT
        elif name in SUMMARY_POINTS:
            kinds[name] = POINTS
        else:
            kinds[name] = TEXT
    for values in summary.itertuples(index=False, name=None):
        row = []
        for name, value in zip(columns, values, strict=True):
            kind = kinds[name]
            if value is None or (not isinstance(value, str) and pd.isna(value)):
                value = None
            elif kind == PERCENT:
                value = float(value) / 100  # the rate in percent as a real fraction, shown 91.2%
            if isinstance(value, str) and kind != TEXT:
                row.append(styles.cell(ws, value, TEXT, align="center"))  # 未填报 where a score would be
            else:
                row.append(styles.cell(ws, value, kind, align="left" if kind == TEXT else "right"))
        ws.append(row)
    ws.close()


def workbook_xlsx(summary: pd.DataFrame, forms: Iterable[Form], progress: Progress | None = None,
                  footer: str | None = None) -> bytes:
    """The department workbook: the 汇总 sheet (``forms.summary_frame``) first, then one sheet per
    Form (each project's 自评表). ``footer`` defaults to the first Form's; ``progress(done, total)``
    after each sheet, the 汇总 included."""
    forms = list(forms)
    total = len(forms) + 1
    wb = Workbook(write_only=True)
    taken: set[str] = set()
    _summary_sheet(wb, summary, footer if footer is not None else (forms[0].footer if forms else ""), taken)
    if progress is not None:
        progress(1, total)
    for done, form in enumerate(forms, start=2):
        _write_form(wb, form, taken)
        if progress is not None:
            progress(done, total)
    return _save(wb)
