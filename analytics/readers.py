"""Reading target-table files (text, xlsx, docx, tidy CSV/XLSX) into :class:`ProjectTable`.

Every failure becomes an :class:`InputError` whose Chinese message names the file, the row
and the column, so that nothing of a bad file is ever written.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from analytics.model import Indicator, InputError, ProjectTable, Row
from analytics.review import review_table
from analytics.tables import LEVEL1_ALIASES, LEVEL2_PARENTS, label_key, parse_rows
from analytics.values import (
    normalize_text,
    parse_amount,
    parse_date_range,
    parse_target,
    strip_html,
)

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


def _split_line(line: str) -> list[str]:
    if "\t" in line:
        return line.split("\t")
    if "|" in line:
        cells = [c.strip() for c in line.split("|")]
        if line.strip().startswith("|"):
            cells = cells[1:]
        if line.strip().endswith("|"):
            cells = cells[:-1]
        return cells
    return [line]


def text_rows(text: str) -> list[Row]:
    rows = []
    for n, line in enumerate(text.splitlines(), start=1):
        cells = _split_line(line)
        if all(set(c.strip()) <= set("-: ") for c in cells) and any(c.strip() for c in cells):
            continue  # a markdown separator row such as |---|---|
        rows.append(Row(cells, [f"第{n}行第{c}列" for c in range(1, len(cells) + 1)], f"第{n}行"))
    return rows


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d")
    return str(value)


def open_workbook(data: bytes, source: str, data_only: bool = True) -> Workbook:
    """An xlsx workbook, or an InputError that says why the file is not one."""
    import openpyxl

    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise InputError(f"文件“{source}”不是有效的Excel(.xlsx)文件,可能已损坏或扩展名不对")
    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=False, data_only=data_only)
    except Exception:  # openpyxl raises many types for broken packages
        raise InputError(f"文件“{source}”无法作为Excel文件打开,可能已损坏;请在Excel中打开后另存为.xlsx") from None


def xlsx_sheets(data: bytes, source: str) -> list[tuple[str, list[Row]]]:
    """Each sheet's rows; merged cells keep their value only in the top-left cell, as printed."""
    wb = open_workbook(data, source)
    out = []
    for ws in wb.worksheets:
        rows = []
        for r, values in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = [_cell_text(v) for v in values]
            letters = [_column_letter(c) for c in range(1, len(cells) + 1)]
            rows.append(
                Row(cells, [f"工作表“{ws.title}”{lt}{r}单元格" for lt in letters], f"工作表“{ws.title}”第{r}行")
            )
        out.append((ws.title, rows))
    return out


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
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as e:
        raise InputError(f"文件“{source}”无法作为Word文件打开:{type(e).__name__}") from None
    rows: list[Row] = []
    t_no = 0
    p_no = 0
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            p_no += 1
            if block.text.strip():
                rows.append(Row([block.text], [f"第{p_no}段"], f"第{p_no}段"))
        elif isinstance(block, Table):
            t_no += 1
            above: list[object] = []
            for r, row in enumerate(block.rows, start=1):
                tcs = [cell._tc for cell in row.cells]
                cells = []
                for c, cell in enumerate(row.cells):
                    same_left = c > 0 and tcs[c] is tcs[c - 1]
                    same_above = c < len(above) and tcs[c] is above[c]
                    cells.append("" if same_left or same_above else cell.text)
                above = tcs
                rows.append(
                    Row(
                        cells,
                        [f"第{t_no}个表格第{r}行第{c}列" for c in range(1, len(cells) + 1)],
                        f"第{t_no}个表格第{r}行",
                    )
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
            try:
                year = int(float(key[0])) if key[0] else None
            except ValueError:
                raise fail("年度", f"年度“{key[0]}”不是年份") from None
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
            t.funding_other = t.funding_other or 0.0
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


def read_tables(data: bytes, source: str) -> list[ProjectTable]:
    """All target tables in one file's bytes; ``source`` is the name used in messages."""
    if not data.strip():
        raise InputError(f"文件“{source}”是空文件")
    if len(data) > MAX_FILE_BYTES:
        raise InputError(f"文件“{source}”超过{MAX_FILE_BYTES // 1024 // 1024}MB,请拆分后再导入")
    suffix = Path(source).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        tables: list[ProjectTable] = []
        for _title, rows in xlsx_sheets(data, source):
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
    if suffix == ".xls" or suffix == ".doc":
        raise InputError(f"文件“{source}”是旧版Office格式,请另存为.xlsx或.docx后再导入")
    text = decode_text(data, source)
    if suffix == ".csv":
        records = list(csv.reader(io.StringIO(text)))
        if records and _is_tidy(records[0]):
            return tidy_tables(records[0], [(i + 2, r) for i, r in enumerate(records[1:])], source)
        rows = [
            Row(r, [f"第{n}行第{c}列" for c in range(1, len(r) + 1)], f"第{n}行")
            for n, r in enumerate(records, start=1)
        ]
        return parse_rows(rows, source)
    return parse_rows(text_rows(text), source)


def read_file(path: str | Path) -> list[ProjectTable]:
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise InputError(f"文件“{p}”不存在") from None
    except IsADirectoryError:
        raise InputError(f"“{p}”是文件夹,不是文件") from None
    return read_tables(data, p.name)
