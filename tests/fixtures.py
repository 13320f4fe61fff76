"""Test fixtures: the same target tables written in every format the readers accept.

Each helper takes ``list[ProjectTable]`` (usually parsed from the seed) and writes the published
layout (``analytics.layout.table_rows``) or the tidy form (``analytics.layout.tidy_frame``) as
a real file: xlsx with real merged cells, docx with real merged table cells, GBK text with CRLF,
text with " | " separated cells, tidy CSV and tidy XLSX.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from analytics.layout import NOTE, TITLE_TEXT, table_rows, tidy_frame, to_text
from analytics.model import ProjectTable

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SEED_FILE = PROJECT_ROOT / "data" / "000_8af13639028b6537.txt"


def _check_merges(rows: list[list[str]], merges: list[tuple[int, int, int, int]]) -> None:
    """A merge keeps only its top-left value; make sure no fixture silently loses text."""
    for r0, c0, r1, c1 in merges:
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                if (r, c) != (r0, c0) and rows[r][c].strip():
                    raise AssertionError(f"merged range {(r0, c0, r1, c1)} would hide {rows[r][c]!r}")


def _text_cell(ws, row: int, column: int, value: object) -> None:
    """Write a value; text stays text even when it starts with "=" ("=100%", "=1次").

    openpyxl would store such a string as a formula without a cached result, which a reader
    with ``data_only=True`` sees as an empty cell. Published tables hold these as text.
    """
    cell = ws.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"


def write_xlsx_layout(tables: list[ProjectTable], path: Path, tables_per_sheet: int | None = None) -> Path:
    """The published layout in Excel with real merged cells.

    ``tables_per_sheet=None`` puts every table on one sheet; otherwise each sheet holds that many
    tables. Tables sharing a sheet are separated by one blank row.
    """
    import openpyxl

    per_sheet = tables_per_sheet or max(len(tables), 1)
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for s, start in enumerate(range(0, len(tables), per_sheet), start=1):
        ws = wb.create_sheet(f"目标表{s}")
        offset = 0  # 0-based row where the next table starts
        for t in tables[start : start + per_sheet]:
            rows, merges = table_rows(t)
            _check_merges(rows, merges)
            for r, cells in enumerate(rows):
                for c, value in enumerate(cells):
                    if value != "":
                        _text_cell(ws, offset + r + 1, c + 1, value)
            for r0, c0, r1, c1 in merges:
                ws.merge_cells(
                    start_row=offset + r0 + 1, start_column=c0 + 1, end_row=offset + r1 + 1, end_column=c1 + 1
                )
            offset += len(rows) + 1  # one blank row between tables
    path = Path(path)
    wb.save(path)
    return path


def write_docx_layout(tables: list[ProjectTable], path: Path) -> Path:
    """The published layout in Word: title and year as paragraphs, one 4-column table per
    project with real merged cells, and the note as a paragraph."""
    import docx

    document = docx.Document()
    for t in tables:
        rows, merges = table_rows(t)
        _check_merges(rows, merges)
        assert rows[0][0] == TITLE_TEXT and rows[1][0].startswith("(") and rows[-1][0] == NOTE
        document.add_paragraph(rows[0][0])
        document.add_paragraph(rows[1][0])
        body = rows[2:-1]
        table = document.add_table(rows=len(body), cols=4)
        for r, cells in enumerate(body):
            for c, value in enumerate(cells):
                if value:
                    table.cell(r, c).text = value
        last = len(rows) - 1
        for r0, c0, r1, c1 in merges:
            if r0 < 2 or r0 == last:
                continue  # title, year and note are paragraphs, not table rows
            if (r0, c0) == (r1, c1):
                continue
            table.cell(r0 - 2, c0).merge(table.cell(r1 - 2, c1))
        document.add_paragraph(rows[-1][0])
    path = Path(path)
    document.save(str(path))
    return path


def gbk_crlf_text(tables: list[ProjectTable]) -> bytes:
    """The seed's tab-separated text layout, GBK encoded, with Windows line ends."""
    return to_text(tables, "\t").replace("\n", "\r\n").encode("gbk")


def pipe_text(tables: list[ProjectTable]) -> str:
    """The text layout with cells separated by " | "."""
    return to_text(tables, " | ")


def bom_text(tables: list[ProjectTable]) -> bytes:
    """The tab-separated text layout in UTF-8 with a byte order mark."""
    return to_text(tables, "\t").encode("utf-8-sig")


def write_tidy_csv(tables: list[ProjectTable], path: Path, encoding: str = "utf-8-sig") -> Path:
    """The tidy form (one row per indicator) as CSV."""
    path = Path(path)
    tidy_frame(tables).to_csv(path, index=False, encoding=encoding)
    return path


def write_tidy_xlsx(tables: list[ProjectTable], path: Path) -> Path:
    """The tidy form (one row per indicator) as an Excel sheet: year and amounts as numbers,
    everything else as text (pandas ``to_excel`` would turn "=100%" into a formula)."""
    import openpyxl

    frame = tidy_frame(tables)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "指标"
    for c, name in enumerate(frame.columns, start=1):
        _text_cell(ws, 1, c, name)
    for r, record in enumerate(frame.itertuples(index=False), start=2):
        for c, value in enumerate(record, start=1):
            if hasattr(value, "item"):
                value = value.item()  # numpy scalar to a Python number
            if value is None or value == "" or (isinstance(value, float) and value != value):
                continue
            _text_cell(ws, r, c, value)
    path = Path(path)
    wb.save(path)
    return path


def small_table(project: str, indicators: str, unit: str = "南昌市生态环境污染防治中心", goal: str = "测试。") -> str:
    """A one-project target table in the seed's text layout; ``indicators`` are its tab-separated
    一级/二级/三级/指标值 lines."""
    return f"""项目支出绩效目标表

(2026年度)

项目名称\t{project}\t\t
主管部门\t402-南昌市生态环境局(部门)\t实施单位\t{unit}
项目属性\t当年项目\t项目日期范围\t2026年1月1日
\t\t\t2026年12月31日
项目资金 (万元)\t年度资金总额\t10.00\t
\t其中:财政拨款\t10.00\t
\t其他资金\t\t
年度绩效目标\t\t\t
{goal}\t\t\t
一级指标\t二级指标\t三级指标\t指标值
{indicators.strip()}

注:若为空表,则为该部门(单位)无部门预算项目支出。
"""


# One project with two indicators named 巡检服务 under different 二级: an ambiguous name.
TWIN_PROJECT = "测试项目_同名指标"
TWIN_TABLE = small_table(TWIN_PROJECT, """
产出指标\t数量指标\t巡检服务\t=4次
\t质量指标\t巡检服务\t=100%
效益指标\t社会效益\t服务效果\t提升
满意度\t服务对象满意度\t满意度\t≥95%
""", goal="测试同名指标。")


def copy_db(base: Path, to: Path) -> Path:
    """A copy of a database file with its write-ahead log, if it has one (the log holds the last commits)."""
    shutil.copy(base, to)
    wal = base.with_name(base.name + ".wal")
    if wal.exists():
        shutil.copy(wal, to.with_name(to.name + ".wal"))
    return to
