"""Files the product hands out: report templates, table downloads.

Any cell that starts like a formula is neutralised so that no spreadsheet runs it.
"""

from __future__ import annotations

import io
import re

import pandas as pd

from analytics.reports import INDICATOR_COLUMNS, LIKELIHOODS

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A signed number ("-5", "+3.5%") is read as that number, never run: it is left as typed.
_PLAIN_NUMBER = re.compile(r"[+-]\d+(?:\.\d+)?%?")


def safe_cell(value: object) -> object:
    """Text that a spreadsheet would read as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c]):
            out[c] = out[c].map(safe_cell)
    return out


def template_frames(lookup: pd.DataFrame, projects: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per indicator (identity and target filled, values empty) and one per project."""
    ind = pd.DataFrame({
        "指标编号": lookup["indicator_id"].astype(int),
        "项目名称": lookup["project_name"],
        "一级指标": lookup["level1"],
        "二级指标": lookup["level2"],
        "三级指标": lookup["name"],
        "指标值": lookup["target_text"],
    })
    for c in INDICATOR_COLUMNS[6:]:
        ind[c] = ""
    spend = pd.DataFrame({
        "项目名称": projects["name"],
        "年度": projects["year"].astype(int),
        "年度资金总额(万元)": projects["funding_total"],
        "截至日期": "",
        "预算执行数(万元)": "",
        "说明": "",
        "填报人": "",
    })
    return ind, spend


def template_csv(lookup: pd.DataFrame, projects: pd.DataFrame) -> bytes:
    """The indicator template as CSV, UTF-8 with BOM so that Excel opens the Chinese correctly."""
    ind, _ = template_frames(lookup, projects)
    return safe_frame(ind).to_csv(index=False).encode("utf-8-sig")


def template_xlsx(lookup: pd.DataFrame, projects: pd.DataFrame, grades: tuple[str, ...]) -> bytes:
    """Two sheets (指标填报, 预算执行) with drop-down lists for grades and 完成目标可能性."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    ind, spend = template_frames(lookup, projects)
    wb = Workbook()
    ws = wb.active
    ws.title = "指标填报"
    ws.append(list(ind.columns))
    for row in safe_frame(ind).itertuples(index=False):
        ws.append(list(row))
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for cell in ws[1]:
        cell.font, cell.fill = bold, fill
    widths = {"A": 9, "B": 40, "C": 11, "D": 14, "E": 40, "F": 16, "G": 14, "H": 12, "I": 11, "J": 14, "K": 40}
    for col, w in widths.items():
        ws.column_dimensions[col].width = w
    ws.freeze_panes = "G2"
    n = len(ind) + 1
    likely = DataValidation(type="list", formula1='"' + ",".join(LIKELIHOODS) + '"', allow_blank=True)
    likely.error, likely.errorTitle = "请从下拉列表中选择", "完成目标可能性"
    ws.add_data_validation(likely)
    likely.add(f"J2:J{max(n, 2)}")
    grade_list = DataValidation(type="list", formula1='"' + ",".join(grades) + '"', allow_blank=True)
    grade_list.error, grade_list.errorTitle = "定性指标请选择等级", "实际完成值"
    ws.add_data_validation(grade_list)
    for i, kind in enumerate(lookup["kind"], start=2):
        if kind == "qualitative":
            grade_list.add(f"G{i}")
    date_cells = [f"H{i}" for i in range(2, n + 1)]
    for ref in date_cells:
        ws[ref].number_format = "yyyy-mm-dd"

    ws2 = wb.create_sheet("预算执行")
    ws2.append(list(spend.columns))
    for row in safe_frame(spend).itertuples(index=False):
        ws2.append(list(row))
    for cell in ws2[1]:
        cell.font, cell.fill = bold, fill
    ws2.column_dimensions["A"].width = 50
    ws2.column_dimensions["C"].width = 16
    ws2.column_dimensions["E"].width = 16
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def frame_csv(df: pd.DataFrame) -> bytes:
    return safe_frame(df).to_csv(index=False).encode("utf-8-sig")


def frame_xlsx(df: pd.DataFrame, sheet: str = "数据") -> bytes:
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        safe_frame(df).to_excel(writer, index=False, sheet_name=sheet)
    return buf.getvalue()
