"""Reading table files (text, xlsx, docx, PDF, tidy CSV/XLSX) into :class:`ProjectTable`.

Every failure becomes an :class:`InputError` whose Chinese message names the file, the row
and the column, so that nothing of a bad file is ever written.
"""

from __future__ import annotations

import csv
import io
import itertools
import logging
import re
import zipfile
import zlib
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from analytics.limits import check_package as _check_limits
from analytics.model import Indicator, InputError, ProjectTable, Row
from analytics.review import review_table
from analytics.tables import parse_rows
from analytics.textlayout import text_rows
from analytics.textnorm import simplify
from analytics.values import (
    normalize_text,
    parse_amount,
    parse_date_range,
    parse_target,
    percent_cell_text,
    strip_html,
)
from analytics.vocab import LEVEL1_ALIASES, LEVEL2_PARENTS, is_instruction_sheet, label_key

if TYPE_CHECKING:
    from openpyxl import Workbook

TIDY_COLUMNS = (
    "年度", "项目名称", "主管部门", "实施单位", "项目属性", "开始日期", "结束日期", "年度资金总额",
    "财政拨款", "其他资金", "年度绩效目标", "一级指标", "二级指标", "三级指标", "指标值",
)
_TIDY_REQUIRED = ("项目名称", "三级指标", "指标值")
MAX_FILE_BYTES = 50 * 1024 * 1024


def decode_text(data: bytes, source: str) -> str:
    """UTF-8 (with or without BOM) first, then GB18030 (a superset of GBK)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(f"文件“{source}”是UTF-16编码(Excel“Unicode 文本”),请另存为UTF-8或GBK编码的CSV")
    if b"\x00" in data[:4096]:
        raise InputError(f"文件“{source}”不是文本文件(含有二进制内容),请上传CSV、Excel或Word文件")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputError(f"文件“{source}”的编码无法识别,请另存为UTF-8或GBK编码")


def _cell_text(value: object, number_format: str = "") -> str:
    """A cell as printed: "98%" for 0.98 in a percent-formatted cell, dates as ISO, 15.7 as "15.7"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)) and "%" in (number_format or ""):
        return percent_cell_text(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(round(value, 10))
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d")
    return str(value)


def check_package(data: bytes, source: str, workbook: bool = False) -> None:
    """The limits check, with a damaged deflate stream refused like any other broken package:
    zlib raises its own error type while a member is read, and that must not reach the page."""
    try:
        _check_limits(data, source, workbook=workbook)
    except (zlib.error, EOFError, zipfile.BadZipFile):
        raise InputError(f"文件“{source}”的压缩内容已损坏,无法读取;请在Excel或Word中打开后重新保存再上传") from None


def open_workbook(data: bytes, source: str, data_only: bool = True) -> Workbook:
    """An xlsx workbook, or an InputError that says why the file is not one.

    The package is checked against settings.toml [files] first (zip members, sizes, shared
    strings, rows and cells per sheet), so that what openpyxl loads is bounded by those limits.
    """
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise InputError(f"文件“{source}”不是有效的Excel(.xlsx)文件,可能已损坏或扩展名不对")
    check_package(data, source, workbook=True)
    return _load_workbook(data, source, data_only)


def _load_workbook(data: bytes, source: str, data_only: bool) -> Workbook:
    """A workbook whose package :func:`open_workbook` has already checked."""
    import openpyxl

    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=False, data_only=data_only)
    except Exception:  # openpyxl raises many types for broken packages
        raise InputError(f"文件“{source}”无法作为Excel文件打开,可能已损坏;请在Excel中打开后另存为.xlsx") from None


def xlsx_sheets(data: bytes, source: str) -> list[tuple[str, list[Row]]]:
    """Each sheet's rows; merged cells keep their value only in the top-left cell, as printed.

    A percent-formatted number shows as "98%". A formula cell without a cached result (a file
    written by a script, or "=1次" typed into a 指标值 cell) shows its formula text, as Excel
    displays a text "=1次"; the value parser then reads "=" as the operator.
    """
    from openpyxl.cell.cell import MergedCell

    wb = open_workbook(data, source)
    formulas: dict[tuple[str, str], str] | None = None if _has_formulas(data) else {}
    out = []
    for ws in wb.worksheets:
        rows = []
        for r, cells_in in enumerate(ws.iter_rows(), start=1):
            cells = []
            for cell in cells_in:
                value = cell.value
                if value is None and not isinstance(cell, MergedCell):
                    if formulas is None:
                        formulas = _formula_texts(data, source)
                    value = formulas.get((ws.title, cell.coordinate))
                cells.append(simplify(_cell_text(value, cell.number_format)))
            letters = [_column_letter(c) for c in range(1, len(cells) + 1)]
            rows.append(
                Row(cells, [f"工作表“{ws.title}”{lt}{r}单元格" for lt in letters], f"工作表“{ws.title}”第{r}行")
            )
        out.append((ws.title, rows))
    return out


_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[ >/]")


def _has_formulas(data: bytes) -> bool:
    """Whether any worksheet holds a formula, asked of the package's XML without a second load."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return any(
            _FORMULA_TAG.search(z.read(name))
            for name in z.namelist()
            if name.startswith("xl/worksheets/") and name.endswith(".xml")
        )


def _formula_texts(data: bytes, source: str) -> dict[tuple[str, str], str]:
    """Every formula cell's text, by sheet and coordinate (read once per workbook, when needed)."""
    wb = _load_workbook(data, source, data_only=False)  # xlsx_sheets checked the package
    return {
        (ws.title, c.coordinate): str(c.value)
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.data_type == "f" and isinstance(c.value, str)
    }


def _column_letter(n: int) -> str:
    s = ""
    while n:
        n, rem = divmod(n - 1, 26)
        s = chr(65 + rem) + s
    return s


def docx_rows(data: bytes, source: str) -> list[Row]:
    """Paragraphs and table rows in document order; a merged cell counts once, like in print."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise InputError(f"文件“{source}”不是有效的Word(.docx)文件,可能已损坏或扩展名不对")
    check_package(data, source)
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception:  # python-docx raises many types for broken packages
        raise InputError(f"文件“{source}”无法作为Word文件打开,可能已损坏;请在Word中打开后另存为.docx") from None
    rows: list[Row] = []
    t_no = 0
    p_no = 0
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            p_no += 1
            if block.text.strip():
                rows.append(Row([simplify(block.text)], [f"第{p_no}段"], f"第{p_no}段"))
        elif isinstance(block, Table):
            t_no += 1
            above: list[object] = []
            for r, row in enumerate(block.rows, start=1):
                tcs = [cell._tc for cell in row.cells]
                cells = []
                for c, cell in enumerate(row.cells):
                    same_left = c > 0 and tcs[c] is tcs[c - 1]
                    same_above = c < len(above) and tcs[c] is above[c]
                    cells.append("" if same_left or same_above else simplify(cell.text))
                above = tcs
                rows.append(
                    Row(
                        cells,
                        [f"第{t_no}个表格第{r}行第{c}列" for c in range(1, len(cells) + 1)],
                        f"第{t_no}个表格第{r}行",
                    )
                )
    return rows


# A PDF line break inside a cell: between two CJK characters it is only wrapping, elsewhere a space.
_CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f"
_WRAP_CJK = re.compile(rf"(?<=[{_CJK}])\s*\n\s*|\s*\n\s*(?=[{_CJK}])")
# Words on one printed line are at most this far apart (points) inside one cell; a wider gap on a
# page without ruled tables separates cells (about two characters of a 10.5pt font).
_CELL_GAP = 18.0
_LINE_TOLERANCE = 3.0
_TABLE_SETTINGS = {"vertical_strategy": "lines", "horizontal_strategy": "lines"}


def _pdf_cell(text: str | None) -> str:
    """A ruled table cell: None (covered by a merge) is empty, wrapped lines are joined."""
    if not text:
        return ""
    return _WRAP_CJK.sub("", text).replace("\n", " ").strip()


def _inside(word: dict, boxes: list[tuple[float, float, float, float]]) -> bool:
    cx, cy = (word["x0"] + word["x1"]) / 2, (word["top"] + word["bottom"]) / 2
    return any(x0 <= cx <= x1 and top <= cy <= bottom for x0, top, x1, bottom in boxes)


def _text_lines(words: list[dict]) -> list[tuple[float, list[list[dict]]]]:
    """Words grouped into printed lines (top to bottom), each line's words left to right."""
    lines: list[tuple[float, list[dict]]] = []
    for w in sorted(words, key=lambda w: (w["top"], w["x0"])):
        if lines and abs(w["top"] - lines[-1][0]) <= _LINE_TOLERANCE:
            lines[-1][1].append(w)
        else:
            lines.append((w["top"], [w]))
    out = []
    for top, line in lines:
        line.sort(key=lambda w: w["x0"])
        cells: list[list[dict]] = [[line[0]]]
        for prev, w in itertools.pairwise(line):
            if w["x0"] - prev["x1"] > _CELL_GAP:
                cells.append([w])
            else:
                cells[-1].append(w)
        out.append((top, cells))
    return out


def _joined(words: list[dict]) -> str:
    return simplify(" ".join(w["text"] for w in words).strip())


def _pdf_page_rows(page: object, p_no: int) -> list[Row]:
    """One page's rows in reading order: ruled tables and text lines by their position.

    A row that a page break cuts in two comes as two rows: without its rule, nothing on the
    page tells a cut row from two rows, so no guess is made.
    """
    # A table continued from the previous page often lacks the top border of its first row (and a
    # table continued on the next page the bottom one): the page's ruled area ends there, so the
    # topmost and bottommost ends of the vertical rules close those rows.
    verticals = [e for e in page.edges if e["orientation"] == "v"]
    ends = [min(e["top"] for e in verticals), max(e["bottom"] for e in verticals)] if verticals else []
    tables = page.find_tables(table_settings={**_TABLE_SETTINGS, "explicit_horizontal_lines": ends})
    boxes = [t.bbox for t in tables]
    words = [w for w in page.extract_words(x_tolerance=3, y_tolerance=3) if not _inside(w, boxes)]
    # (top, order, rows) blocks, merged by their position on the page.
    blocks: list[tuple[float, int, list[Row]]] = []
    for k, table in enumerate(tables, start=1):
        name = f"第{p_no}页表格" if k == 1 else f"第{p_no}页第{k}个表格"
        rows = []
        for r, cells in enumerate(table.extract(), start=1):
            texts = [simplify(_pdf_cell(c)) for c in cells]
            rows.append(Row(texts, [f"{name}第{r}行第{c}列" for c in range(1, len(texts) + 1)], f"{name}第{r}行"))
        blocks.append((table.bbox[1], 0, rows))
    for n, (top, cells) in enumerate(_text_lines(words), start=1):
        where = f"第{p_no}页正文第{n}行"
        # Around a ruled table (titles, "(2026年度)", notes) a line is one cell.
        texts = [" ".join(_joined(c) for c in cells)] if tables else [_joined(c) for c in cells]
        blocks.append((top, 1, [Row(texts, [f"{where}第{c}列" for c in range(1, len(texts) + 1)], where)]))
    blocks.sort(key=lambda b: (b[0], b[1]))
    return [row for _, _, rows in blocks for row in rows]


def pdf_rows(data: bytes, source: str) -> list[Row]:
    """Rows of a PDF's pages in order: ruled tables cell by cell, the text around them line by line.

    A page without ruled tables gives its text lines, split into cells at wide gaps. A PDF with
    no text layer (a scan) is refused: there is no OCR.
    """
    import pdfplumber

    # pdfminer logs every font without a bounding box (all of Chromium's), which says nothing to users.
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    if b"%PDF-" not in data[:1024]:
        raise InputError(
            f"文件“{source}”不是有效的PDF文件,可能已损坏或扩展名不对;请重新导出PDF或导入原始的Word/Excel文件"
        )
    rows: list[Row] = []
    any_text = False
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for p_no, page in enumerate(pdf.pages, start=1):
                rows.extend(_pdf_page_rows(page, p_no))
                any_text = any_text or bool(page.chars)
                page.close()  # drop the page's parsed objects: a long PDF stays small in memory
    except InputError:
        raise
    except Exception:  # pdfminer raises many types for damaged files
        raise InputError(
            f"文件“{source}”无法作为PDF文件读取,可能已损坏或已加密;请重新导出PDF或导入原始的Word/Excel文件"
        ) from None
    if not any_text:
        raise InputError(
            f"文件“{source}”是扫描件(没有可提取的文字层),暂不支持识别图片中的文字;"
            "请导入原始的Word/Excel文件或可复制文字的PDF"
        )
    return rows


def _is_tidy(header: list[str]) -> bool:
    """A header row of the tidy form: several tidy column names, at least one of them required.

    Deliberately loose, so that a tidy file missing a required column is reported as such by
    :func:`tidy_tables` ("缺少列:指标值") instead of failing as a malformed published layout.
    """
    keys = {normalize_text(h) for h in header if h and h.strip()}
    found = keys & set(TIDY_COLUMNS)
    return len(found) >= 3 and bool(found & set(_TIDY_REQUIRED))


# A 年度 cell: four ASCII digits, or "2026.0" from a number cell. float() would take "inf" (and
# then int() raises OverflowError) and "1e3"; str.isdigit() takes "²".
_YEAR_TEXT = re.compile(r"([0-9]{4})(?:\.0*)?")


def _year_number(text: str) -> int | None:
    m = _YEAR_TEXT.fullmatch(text.strip())
    return int(m.group(1)) if m else None


def tidy_tables(header: list[str], records: list[tuple[int, list[str]]], source: str) -> list[ProjectTable]:
    """The tidy form: one row per indicator, project columns repeated on each row."""
    col = {normalize_text(h): i for i, h in enumerate(header)}
    missing = [c for c in _TIDY_REQUIRED if c not in col]
    if missing:
        raise InputError(f"文件“{source}”缺少列:{'、'.join(missing)}")

    def get(cells: list[str], name: str) -> str:
        i = col.get(name)
        return normalize_text(cells[i]) if i is not None and i < len(cells) else ""

    tables: dict[tuple[str, str, str], ProjectTable] = {}
    for n, cells in records:
        if not any(c.strip() for c in cells):
            continue

        def fail(column: str, reason: str, n: int = n) -> InputError:
            return InputError(f"文件“{source}”第{n}行“{column}”列:{reason}")

        key = (get(cells, "年度"), get(cells, "主管部门"), get(cells, "项目名称"))
        if not key[2]:
            raise fail("项目名称", "项目名称为空")
        t = tables.get(key)
        if t is None:
            year = _year_number(key[0]) if key[0] else None
            if key[0] and year is None:
                raise fail("年度", f"年度“{key[0]}”不是年份,请写成四位数字(如 2026)")
            t = ProjectTable(year=year, name=key[2], department=key[1], location=f"第{n}行")
            t.unit = get(cells, "实施单位")
            t.attribute = get(cells, "项目属性")
            for column in ("开始日期", "结束日期"):
                try:
                    start, _ = parse_date_range(get(cells, column))
                except ValueError as e:
                    raise fail(column, str(e)) from None
                setattr(t, "start_date" if column == "开始日期" else "end_date", start)
            amounts = (("年度资金总额", "funding_total"), ("财政拨款", "funding_fiscal"), ("其他资金", "funding_other"))
            for column, attr in amounts:
                try:
                    setattr(t, attr, parse_amount(get(cells, column)))
                except ValueError as e:
                    raise fail(column, str(e)) from None
            t.funding_other = t.funding_other or Decimal(0)
            # Free text as written (no NFKC), exactly as the layout readers keep it.
            goal_i = col.get("年度绩效目标")
            t.goal_text = strip_html(cells[goal_i] if goal_i is not None and goal_i < len(cells) else "")
            if t.year is None and t.end_date:
                t.year = t.end_date.year
            tables[key] = t
        level1 = LEVEL1_ALIASES.get(label_key(get(cells, "一级指标")), "")
        level2 = get(cells, "二级指标")
        if not level1 and label_key(level2) in LEVEL2_PARENTS:
            level1 = LEVEL2_PARENTS[label_key(level2)]
        if not level1:
            raise fail("一级指标", f"无法识别一级指标“{get(cells, '一级指标')}”")
        name = get(cells, "三级指标")
        if not name:
            raise fail("三级指标", "三级指标为空")
        try:
            target = parse_target(get(cells, "指标值"), level1, name, t.year)
        except ValueError as e:
            raise fail("指标值", str(e)) from None
        t.indicators.append(Indicator(level1, level2, name, target, f"第{n}行"))
    if not tables:
        raise InputError(f"文件“{source}”没有任何指标行")
    for t in tables.values():
        if t.year is None:
            raise InputError(f"文件“{source}”{t.location}“年度”列:项目“{t.name}”缺少年度")
        t.warnings.extend(review_table(t))
    return list(tables.values())


# The columns of the 填报 template (analytics.reports): a file headed by them reports values.
_REPORT_HEADERS = ("指标编号", "实际完成值", "截至日期", "预算执行数")


def _header_keys(cells: list[str]) -> set[str]:
    return {label_key(c) for c in cells if c and c.strip()}


def is_report_header(cells: list[str]) -> bool:
    """A header row of the report template (指标编号 | … | 实际完成值 | 截至日期, or 预算执行数(万元))."""
    keys = _header_keys(cells)
    if "截至日期" in keys and ({"实际完成值", "预算执行数"} & keys):
        return True
    return "指标编号" in keys and "实际完成值" in keys


def _refuse_report(first_rows: list[list[str]], source: str) -> None:
    if any(is_report_header(r) for r in first_rows):
        raise InputError(
            f"文件“{source}”是实际完成值/预算执行数填报文件,不是目标表;请在“填报”页上传,"
            f"或用命令 python -m analytics actuals {source}"
        )


def _first_nonblank(rows: list[Row]) -> list[list[str]]:
    return [r.cells for r in rows if any(c.strip() for c in r.cells)][:1]


def read_tables(data: bytes, source: str) -> list[ProjectTable]:
    """All tables (绩效目标表, 绩效自评表, 绩效监控表) in one file's bytes; ``source`` names it in messages.

    Text, CSV, xlsx, docx and PDF are read into rows, every cell simplified (traditional
    characters and radical code points, see :func:`analytics.textnorm.simplify`); a file of the
    report template is refused with a pointer to where it belongs.
    """
    if not data.strip():
        raise InputError(f"文件“{source}”是空文件")
    if len(data) > MAX_FILE_BYTES:
        raise InputError(f"文件“{source}”超过{MAX_FILE_BYTES // 1024 // 1024}MB,请拆分后再导入")
    suffix = Path(source).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        sheets = [(t, rows) for t, rows in xlsx_sheets(data, source) if not is_instruction_sheet(t)]
        _refuse_report([c for _, rows in sheets for c in _first_nonblank(rows)], source)
        tables: list[ProjectTable] = []
        for _title, rows in sheets:
            nonblank = [r for r in rows if any(c.strip() for c in r.cells)]
            if not nonblank:
                continue
            if _is_tidy(nonblank[0].cells):
                header = nonblank[0].cells
                start = rows.index(nonblank[0])  # 0-based: the header is sheet row start + 1
                records = [(start + i + 2, r.cells) for i, r in enumerate(rows[start + 1 :])]
                tables.extend(tidy_tables(header, records, source))
            else:
                tables.extend(parse_rows(rows, source))
        if not tables:
            raise InputError(f"文件“{source}”的所有工作表都是空的")
        return tables
    if suffix == ".docx":
        return parse_rows(docx_rows(data, source), source)
    if suffix == ".pdf":
        return parse_rows(pdf_rows(data, source), source)
    if suffix == ".xls" or suffix == ".doc":
        raise InputError(f"文件“{source}”是旧版Office格式,请另存为.xlsx或.docx后再导入")
    text = simplify(decode_text(data, source))
    if suffix == ".csv":
        # newline="": the csv module splits CR-only lines (Excel's "CSV (Macintosh)") itself.
        records = list(csv.reader(io.StringIO(text, newline="")))
        _refuse_report([r for r in records if any(c.strip() for c in r)][:1], source)
        if records and _is_tidy(records[0]):
            return tidy_tables(records[0], [(i + 2, r) for i, r in enumerate(records[1:])], source)
        rows = [
            Row(r, [f"第{n}行第{c}列" for c in range(1, len(r) + 1)], f"第{n}行")
            for n, r in enumerate(records, start=1)
        ]
        return parse_rows(rows, source)
    rows = text_rows(text)
    _refuse_report(_first_nonblank(rows), source)
    return parse_rows(rows, source)


def read_file(path: str | Path) -> list[ProjectTable]:
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise InputError(f"文件“{p}”不存在") from None
    except IsADirectoryError:
        raise InputError(f"“{p}”是文件夹,不是文件") from None
    return read_tables(data, p.name)
