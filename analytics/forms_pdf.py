"""The official forms (自评表, 监控表) and the department workbook as paged PDF through WeasyPrint.

A ``Form`` (analytics.formmodel) is the same grid the XLSX writer fills; here it becomes an HTML
table with the merges as colspan/rowspan, and WeasyPrint's paged media give A4 pages, the indicator
header repeated on every page (a <thead>), the footer and 第 N 页 / 共 M 页. Text stays text (the
CJK font is embedded as a subset) and every value reaches the HTML through ``paged.text``.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import multiprocessing
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from analytics import paged
from analytics.formmodel import MONEY, PERCENT, POINTS, Cell, Form
from analytics.settings import load_settings
from analytics.wording import (
    DASH,
    MONEY_DECIMALS,
    is_money_column,
    is_percent_column,
    money,
    percent,
    percent_points,
)

Progress = Callable[[int, int], None]

# 汇总 rows per document, per form of a chunk: a 汇总 row is a line, a form a page or more.
SUMMARY_ROWS_PER_FORM = 25

# Type sizes: a 10-column form on A4 portrait and a 16-column one on landscape both need small type
# to keep 偏差原因 and 三级 names readable without one indicator row filling half a page.
FORM_CSS = """
section.form { width: 100%; }
section.form + section.form, section.summary + section.form { break-before: page; }
/* Separate borders, each cell drawing its right and bottom rule (and the left one in column A, the
   top one in a table's first ruled row and in the repeated header): a row that ends a page keeps its
   bottom rule and the header on the next page its top rule, which collapsed borders lose there. */
table.grid { width: 100%; border-collapse: separate; border-spacing: 0; table-layout: fixed; }
table.grid td, table.grid th {
  border-right: 0.6pt solid #000; border-bottom: 0.6pt solid #000; padding: 1.2mm 1.2mm;
  vertical-align: middle; white-space: pre-wrap; overflow-wrap: anywhere; font-weight: normal;
  line-height: 1.3; box-decoration-break: clone;
}
table.grid .a { border-left: 0.6pt solid #000; }
table.grid .t, table.grid th { border-top: 0.6pt solid #000; }
table.grid td.bare { border: none; }
table.grid td.o { border-bottom: none; }
table.grid + table.grid { margin-top: -0.6pt; }
table.grid tr { break-inside: avoid; }
.b { font-weight: bold !important; }
.l { text-align: left; } .c { text-align: center; } .r { text-align: right; }
.title { font-size: 16pt; font-weight: bold; padding: 0 0 1mm 0 !important; }
.small { font-size: 7.5pt; }
section.form.portrait { font-size: 9pt; }
section.form.landscape { font-size: 8pt; }
p.note { margin: 1.5mm 0 0 0; font-size: 8pt; white-space: pre-wrap; }
h1.summary { font-size: 15pt; text-align: center; margin: 0 0 3mm 0; }
table.summary { width: 100%; border-collapse: collapse; font-size: 8pt; }
table.summary th, table.summary td { border: 0.6pt solid #000; padding: 1mm 1.2mm; }
table.summary th { background: #eee; text-align: center; font-weight: bold; }
table.summary td.num { text-align: right; white-space: nowrap; }
table.summary tr { break-inside: avoid; }
"""


def points(value: float | Decimal | None) -> str:
    """分值 / 得分 with two decimals, as the screens print them; — when there is none."""
    if value is None or pd.isna(value):
        return DASH
    return f"{value:.{MONEY_DECIMALS}f}"


def cell_text(cell: Cell) -> str:
    """What a cell prints: numbers by the cell's kind (the screens' roundings), text as written."""
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, str):
        return value                       # "—", a typed note, a label: never reformatted
    if cell.kind == MONEY:
        return money(value)
    if cell.kind == PERCENT:
        return percent(value)
    if cell.kind == POINTS:
        return points(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))             # a whole number in a text cell (分值 100) without ".0"
    return str(value)


@dataclass(frozen=True)
class _Placed:
    """A cell cut to one part of the form (top block, header, body), where it starts and spans."""

    cell: Cell
    row: int
    rows: int
    text: bool = True                      # False: the continuation of a split cell prints nothing
    open_below: bool = False               # no bottom rule: the next row's cell continues this one


def _parts(form: Form, breaks: frozenset[int] = frozenset()) -> tuple[list[_Placed], list[_Placed],
                                                                      list[_Placed]]:
    """The cells of the top block, the indicator header and the indicator body.

    A merge that crosses from the header into the body (A12:A(n) "绩效指标") is cut: the label
    stays in the header, which is repeated on every page, and in the body the column is one empty
    cell per row without rules between them, so it reads as one merged column on every page and no
    rowspan reaches from a <thead> into a <tbody> (which no table model allows).

    ``breaks`` are the body rows that begin a page: a merge in the body that runs over one (a 一级
    or 二级 over many indicators) is cut there and its label printed again at the top of the page,
    so every page says which 一级 and 二级 its rows belong to.
    """
    head_first, head_last = form.header_rows
    top: list[_Placed] = []
    head: list[_Placed] = []
    body: list[_Placed] = []
    bounds = ((top, 1, head_first - 1), (head, head_first, head_last), (body, head_last + 1, form.n_rows))
    for cell in form.cells:
        first = True
        for part, lo, hi in bounds:
            start, end = max(cell.row, lo), min(cell.last_row, hi)
            if start > end:
                continue
            if part is body and not first:
                part.extend(_Placed(cell, r, 1, text=False, open_below=r < end and r + 1 not in breaks)
                            for r in range(start, end + 1))
            elif part is body:
                cuts = [start, *sorted(b for b in breaks if start < b <= end), end + 1]
                part.extend(_Placed(cell, a, b - a) for a, b in itertools.pairwise(cuts))
            else:
                part.append(_Placed(cell, start, end - start + 1, text=first))
            first = False
    return top, head, body


def _classes(cell: Cell, bare: bool, top: bool, open_below: bool = False) -> str:
    names = [{"left": "l", "center": "c", "right": "r"}.get(cell.align, "l")]
    if open_below:
        names.append("o")
    if cell.col == 1:
        names.append("a")
    if top:
        names.append("t")
    if cell.bold:
        names.append("b")
    if cell.size == "title":
        names.append("title")
    elif cell.size == "small":
        names.append("small")
    if bare:
        names.append("bare")
    return " ".join(names)


def _rows_html(placed: Sequence[_Placed], first: int, last: int, tag: str, bare_rows: frozenset[int],
               mark: str = "") -> str:
    """Rows first … last; with ``mark`` each <tr> carries data-r="mark:row", found again in the layout."""
    by_row: dict[int, list[_Placed]] = {}
    for p in placed:
        by_row.setdefault(p.row, []).append(p)
    out = []
    ruled = min((r for r in range(first, last + 1) if r not in bare_rows), default=None)
    for r in range(first, last + 1):
        cells = []
        for p in sorted(by_row.get(r, ()), key=lambda q: q.cell.col):
            span = (f' colspan="{p.cell.cols}"' if p.cell.cols > 1 else "") + \
                   (f' rowspan="{p.rows}"' if p.rows > 1 else "")
            body = paged.text(cell_text(p.cell)) if p.text else ""
            classes = _classes(p.cell, r in bare_rows, r == ruled, p.open_below)
            cells.append(f'<{tag} class="{classes}"{span}>{body}</{tag}>')
        attr = f' data-r="{mark}:{r}"' if mark else ""
        out.append(f"<tr{attr}>" + "".join(cells) + "</tr>")
    return "".join(out)


def _colgroup(widths: Sequence[float]) -> str:
    total = sum(widths) or 1
    return "<colgroup>" + "".join(f'<col style="width:{w * 100 / total:.3f}%">' for w in widths) + "</colgroup>"


def _title_rows(form: Form, top: Sequence[_Placed]) -> frozenset[int]:
    """The leading rows that are one cell across the width (title, year): printed without rules."""
    bare = set()
    for r in range(1, form.header_rows[0]):
        row = [p for p in top if p.row == r]
        if len(row) == 1 and row[0].cell.cols == form.n_cols and row[0].rows == 1:
            bare.add(r)
        else:
            break
    return frozenset(bare)


def form_html(form: Form, breaks: Iterable[int] = (), mark: str = "") -> str:
    """One form as HTML (a <section>): its top block as one table, the indicator table as another
    whose header rows are a <thead> (WeasyPrint repeats it on every page), the notes below.

    ``breaks``: body rows known to begin a page (from a first layout), where merged labels repeat;
    ``mark`` tags the body rows so that a layout can tell which row begins each page."""
    top, head, body = _parts(form, frozenset(breaks))
    head_first, head_last = form.header_rows
    bare = _title_rows(form, top)
    cols = _colgroup(form.widths)
    orientation = "landscape" if form.landscape else "portrait"
    html = [f'<section class="form {orientation}" style="page: {_page_name(form)}">']
    if head_first > 1:
        html.append(f'<table class="grid top">{cols}<tbody>'
                    f'{_rows_html(top, 1, head_first - 1, "td", bare)}</tbody></table>')
    html.append(f'<table class="grid indicators">{cols}'
                f'<thead>{_rows_html(head, head_first, head_last, "th", frozenset())}</thead>'
                f'<tbody>{_rows_html(body, head_last + 1, form.n_rows, "td", frozenset(), mark)}</tbody></table>')
    html.extend(f'<p class="note">{paged.text(n)}</p>' for n in form.notes)
    html.append("</section>")
    return "".join(html)


def page_name(landscape: bool, footer: str) -> str:
    """The named @page of a form: one per (orientation, footer), since the footer is a margin box."""
    digest = hashlib.sha1(footer.encode()).hexdigest()[:12]
    return f"{'l' if landscape else 'p'}{digest}"


def _page_name(form: Form) -> str:
    return page_name(form.landscape, form.footer)


def summary_html(summary: pd.DataFrame, title: str, footer: str) -> str:
    """The 汇总 table: one row per project, the frame's columns as given, the header on every page."""
    return _summary_section(summary, title, footer)


def _summary_section(summary: pd.DataFrame, title: str | None, footer: str) -> str:
    heads = "".join(f"<th>{paged.text(c)}</th>" for c in summary.columns)
    kinds = [_column_kind(str(c), summary[c]) for c in summary.columns]
    rows = []
    for values in summary.itertuples(index=False, name=None):
        tds = []
        for kind, v in zip(kinds, values, strict=True):
            shown = _summary_text(kind, v)
            tds.append(f'<td class="num">{paged.text(shown)}</td>' if kind != "text"
                       else f"<td>{paged.text(shown)}</td>")
        rows.append("<tr>" + "".join(tds) + "</tr>")
    heading = f'<h1 class="summary">{paged.text(title)}</h1>' if title is not None else ""
    return (f'<section class="summary" style="page: {page_name(False, footer)}">{heading}'
            f'<table class="summary"><thead><tr>{heads}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
            "</section>")


def _column_kind(name: str, column: pd.Series) -> str:
    """How a 汇总 column prints, by its name as the screens' tables decide: "…万元" two decimals with
    separators, wording's rate columns (执行率, 完成率 …) hold percent already (x 100) and print with
    the one rounding and "%", "…分" columns (得分, 分值) two decimals, other numbers as they are."""
    if not (pd.api.types.is_numeric_dtype(column) or column.map(lambda v: isinstance(v, Decimal)).any()):
        return "text"
    if pd.api.types.is_bool_dtype(column):
        return "text"
    if is_money_column(name):
        return MONEY
    if is_percent_column(name):
        return "percent_points"            # a rate already x 100, as the screens' tables hold it
    return POINTS if "分" in name else "number"


def _summary_text(kind: str, value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return DASH if kind != "text" else ""
    if kind == MONEY:
        return money(value)                # type: ignore[arg-type]
    if kind == "percent_points":
        return percent_points(value) + "%"  # type: ignore[arg-type]
    if kind == POINTS:
        return points(value)               # type: ignore[arg-type]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _document(sections: Sequence[str], pages: Iterable[tuple[bool, str]], first_page: int | None,
              total: int | None) -> str:
    rules = "".join(paged.page_css(landscape=landscape, footer=footer, name=page_name(landscape, footer),
                                   total=total) for landscape, footer in dict.fromkeys(pages))
    if first_page is not None:
        rules += paged.first_page_css(first_page)
    return (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><style>{rules}{FORM_CSS}'
            f'</style></head><body>{"".join(sections)}</body></html>')


Breaks = tuple[tuple[int, ...], ...]       # per form of a chunk: the body rows that begin a page


@dataclass(frozen=True)
class _Chunk:
    """What one WeasyPrint document holds: 汇总 sections (already HTML) and forms."""

    head: tuple[str, ...]
    forms: tuple[Form, ...]
    footer: str = ""                       # the 汇总's footer, when there is one

    def document(self, breaks: Breaks | None = None, first_page: int | None = None,
                 total: int | None = None) -> str:
        marks = breaks if breaks is not None else ((),) * len(self.forms)
        sections = [*self.head, *(form_html(f, b, str(i))
                                  for i, (f, b) in enumerate(zip(self.forms, marks, strict=True)))]
        pages = [(False, self.footer)] * bool(self.head) + [(f.landscape, f.footer) for f in self.forms]
        return _document(sections, pages, first_page, total)


def _chunks(forms: Sequence[Form], size: int) -> list[_Chunk]:
    return [_Chunk((), tuple(forms[i:i + size])) for i in range(0, len(forms), size)]


def _page_starts(layout: object, forms: int) -> Breaks:
    """For each form, the body rows that begin a page of this layout (a WeasyPrint Document)."""
    starts: list[list[int]] = [[] for _ in range(forms)]
    for page in layout.pages:                                   # type: ignore[attr-defined]
        # WeasyPrint's laid-out boxes (a private attribute: without it no label is repeated).
        for box in _boxes(page):
            mark = getattr(box, "element", None)
            mark = mark.get("data-r") if mark is not None and box.element_tag == "tr" else None
            if mark:
                f, r = mark.split(":")
                if int(r) not in starts[int(f)]:
                    starts[int(f)].append(int(r))
                break
    return tuple(tuple(s) for s in starts)


def _layout(document: str) -> object:
    import weasyprint  # loaded on first use: only an export pays for Pango

    return weasyprint.HTML(string=document).render()


# A form that certainly fits on one page needs no counting layout. The bound is pessimistic on
# purpose: CJK characters 1 em wide and every other one 0.65 em (Noto's digits are ~0.55), lines
# 1.45 em high (the CSS says 1.3), a wrapped text's lines 25% short (CJK punctuation rules, Latin
# words), and 8% of the page spare.
_LINE_EM = 1.45
_FILL = 0.75
_SPARE = 0.92
_PT_PER_MM = 72 / 25.4
_PAD_PT = 2 * 1.2 * _PT_PER_MM + 0.6


def _ems(text: str) -> float:
    """A line's width in em, at most: CJK and full-width characters 1 em, the rest (digits, Latin,
    ASCII punctuation; ~0.55 em in Noto Sans CJK) 0.65 em."""
    return sum(1.0 if ord(ch) >= 0x2E80 or ch in "—…≥≤√" else 0.65 for ch in text)


def _lines(ems: float, per_line: float) -> int:
    """Lines a text of this width takes at most: one if it fits, else as if each line were 25% short."""
    return 1 if ems <= per_line else math.ceil(ems / (per_line * _FILL))


def surely_one_page(form: Form) -> bool:
    """True when the form fits on one page by a pessimistic bound (False says nothing)."""
    width_mm, height_mm = (297, 210) if form.landscape else (210, 297)
    width_pt = (width_mm - 24) * _PT_PER_MM
    height_pt = (height_mm - 30) * _PT_PER_MM * _SPARE
    base = 8.0 if form.landscape else 9.0
    total_width = sum(form.widths) or 1

    def height(cell: Cell) -> float:
        size = 16.0 if cell.size == "title" else 7.5 if cell.size == "small" else base
        span = sum(form.widths[cell.col - 1:cell.last_col])
        per_line = max(0.5, (width_pt * span / total_width - _PAD_PT) / size)    # in em
        text = cell_text(cell)
        lines = sum(_lines(_ems(line), per_line) for line in text.split("\n")) if text else 1
        return lines * size * _LINE_EM + _PAD_PT

    rows = dict.fromkeys(range(1, form.n_rows + 1), base * _LINE_EM + _PAD_PT)
    for cell in form.cells:
        if cell.rows == 1:
            rows[cell.row] = max(rows[cell.row], height(cell))
    for cell in form.cells:
        if cell.rows > 1:
            # A merged cell taller than its rows makes them taller (here its last one).
            spanned = sum(rows[r] for r in range(cell.row, cell.last_row + 1))
            rows[cell.last_row] += max(0.0, height(cell) - spanned)
    notes = sum((1 + len(n) // max(1, int(width_pt / 8 * _FILL))) * 8 * _LINE_EM + 5 for n in form.notes)
    return sum(rows.values()) + notes <= height_pt


def _boxes(page: object) -> Iterator:
    root = getattr(page, "_page_box", None)
    return root.descendants() if root is not None else iter(())


def _count(chunk: _Chunk) -> tuple[int, Breaks]:
    """Pass one: the chunk's page count and, per form, the body rows that begin a page. Only the
    forms that may take more than a page (and the 汇总) are laid out; the others take one."""
    unsure = [i for i, f in enumerate(chunk.forms) if not surely_one_page(f)]
    first_body = [(f.header_rows[1] + 1,) if f.n_rows > f.header_rows[1] else () for f in chunk.forms]
    breaks = list(first_body)
    pages = len(chunk.forms) - len(unsure)
    if unsure or chunk.head:
        sub = _Chunk(chunk.head, tuple(chunk.forms[i] for i in unsure), chunk.footer)
        layout = _layout(sub.document())
        pages += len(layout.pages)                              # type: ignore[attr-defined]
        for i, starts in zip(unsure, _page_starts(layout, len(unsure)), strict=True):
            breaks[i] = starts
    return pages, tuple(breaks)


def _write(chunk: _Chunk, counted: tuple[int, Breaks], first_page: int | None = None,
           total: int | None = None) -> tuple[bytes, int]:
    """Pass two: the chunk with its labels repeated at the page starts ``counted`` by pass one,
    numbered from ``first_page`` of ``total``; the PDF and its page count. Repeating a label can
    make a row taller and move a page break; then the pages are not those counted, and the chunk
    is written without the repeats (the numbers in the footer do not move a break)."""
    pages, breaks = counted
    if any(len(b) > 1 for b in breaks):
        labelled = _layout(chunk.document(breaks, first_page, total))
        multi = [i for i, b in enumerate(breaks) if len(b) > 1]
        found = _page_starts(labelled, len(chunk.forms))
        if len(labelled.pages) == pages and all(found[i] == breaks[i] for i in multi):  # type: ignore[attr-defined]
            return labelled.write_pdf(), pages                  # type: ignore[attr-defined]
    plain = _layout(chunk.document(None, first_page, total))
    return plain.write_pdf(), len(plain.pages)                  # type: ignore[attr-defined]


def _render(chunks: Sequence[_Chunk], total_forms: int, progress: Progress | None) -> bytes:
    """One PDF of the chunks, numbered across the whole file.

    One chunk is one WeasyPrint document with its own 共 M 页. Several are laid out twice: first to
    count each chunk's pages (so that every chunk knows its first page number and the file's total)
    and find where its pages begin, then to write, each numbered from its offset, and joined. Both
    passes run in ``workers`` processes. Each form counts half when its chunk is counted and half
    when it is written, so ``progress(done, total)`` moves through both passes.
    """
    report = progress or (lambda done, total: None)
    if not chunks:
        raise ValueError("nothing to print: no form was given")
    workers = max(1, min(load_settings().pdf.workers, len(chunks)))
    halves = 0

    def advance(chunk: _Chunk) -> None:
        nonlocal halves
        before = halves // 2
        halves += len(chunk.forms)
        for done in range(before + 1, halves // 2 + 1):
            report(done, total_forms)

    if len(chunks) == 1:
        # One document: WeasyPrint counts its own pages. The first layout says where pages begin.
        chunk = chunks[0]
        plain = _layout(chunk.document())
        breaks = _page_starts(plain, len(chunk.forms))
        advance(chunk)
        if any(len(b) > 1 for b in breaks):
            labelled = _layout(chunk.document(breaks))
            if (len(labelled.pages), _page_starts(labelled, len(chunk.forms))) == \
                    (len(plain.pages), breaks):                  # type: ignore[attr-defined]
                plain = labelled
        out = plain.write_pdf()                                 # type: ignore[attr-defined]
        advance(chunk)
        return out
    with _pool(workers) as pool:
        counted: list[tuple[int, Breaks]] = []
        for chunk, result in zip(chunks, pool.map(_count, chunks), strict=True):
            counted.append(result)
            advance(chunk)
        parts = _write_all(pool, chunks, counted, advance)
        if [n for _, n in parts] != [n for n, _ in counted]:
            # A page count bound was wrong (it should not be): number again by the pages written.
            counted = [(n, b) for (_, n), (_, b) in zip(parts, counted, strict=True)]
            parts = _write_all(pool, chunks, counted, lambda chunk: None)
    return paged.join_pdfs(pdf for pdf, _ in parts)


def _write_all(pool: _InProcess | ProcessPoolExecutor, chunks: Sequence[_Chunk], counted: list[tuple[int, Breaks]],
               advance: Callable[[_Chunk], None]) -> list[tuple[bytes, int]]:
    counts = [n for n, _ in counted]
    total = sum(counts)
    firsts = [1 + sum(counts[:i]) for i in range(len(counts))]
    parts = []
    for chunk, part in zip(chunks, pool.map(_write, chunks, counted, firsts, [total] * len(chunks)), strict=True):
        parts.append(part)
        advance(chunk)
    return parts


class _InProcess:
    """A pool of one: the chunks in this process, in order (no start-up cost for a small export)."""

    def map(self, fn: Callable, *items: Iterable) -> Iterator:
        return map(fn, *items)

    def __enter__(self) -> _InProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def _pool(workers: int) -> _InProcess | ProcessPoolExecutor:
    if workers <= 1:
        return _InProcess()
    # spawn, not fork: the dashboard runs exports from a script thread, and forking a threaded
    # process can leave a lock held in the child.
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))


def forms_pdf(forms: Iterable[Form], progress: Progress | None = None) -> bytes:
    """One PDF of the forms, each from a new page, A4 (landscape for a landscape form), the form's
    footer at the bottom left and 第 N 页 / 共 M 页 at the right; ``progress(done, total)`` per form."""
    items = list(forms)
    return _render(_chunks(items, load_settings().pdf.forms_per_chunk), len(items), progress)


def workbook_pdf(summary: pd.DataFrame, forms: Iterable[Form], title: str, footer: str,
                 progress: Progress | None = None) -> bytes:
    """The department workbook: the 汇总 table (``summary``'s columns as given, its header on every
    page) under ``title``, then each project's 自评表 from a new page; ``footer`` under the 汇总."""
    items = list(forms)
    size = load_settings().pdf.forms_per_chunk
    rows = size * SUMMARY_ROWS_PER_FORM
    # A long 汇总 is cut into documents of ``rows`` rows (each from a new page, its header repeated):
    # one table of 5,000 rows would be laid out, and held, as one document.
    heads = [_Chunk((_summary_section(summary.iloc[i:i + rows], title if i == 0 else None, footer),), (), footer)
             for i in range(0, max(len(summary), 1), rows)]
    if len(heads) == 1 and len(items) <= size:
        # A small workbook is one document: no second layout pass to number the pages.
        return _render([_Chunk(heads[0].head, tuple(items), footer)], len(items), progress)
    return _render([*heads, *_chunks(items, size)], len(items), progress)
