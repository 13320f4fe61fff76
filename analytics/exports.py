"""Files the product hands out: report templates, table downloads.

Any cell that starts like a formula is neutralised so that no spreadsheet runs it.
"""

from __future__ import annotations

import io
import re

import pandas as pd

from analytics.model import DEVIATION_CATEGORIES
from analytics.reports import INDICATOR_COLUMNS, LIKELIHOODS
from analytics.settings import Settings
from analytics.wording import (
    DATE_XLSX,
    DATETIME_XLSX,
    DECIMAL_XLSX,
    INTEGER_XLSX,
    MONEY_XLSX,
    PERCENT_XLSX,
    is_clock_column,
    is_money_column,
    is_percent_column,
)

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
    """One row per indicator (identity and target filled, values empty) and one per project.

    Missing texts (an indicator without 二级指标) are "", so no grid or file shows "None".
    """
    text = lambda col: lookup[col].astype(object).where(lookup[col].notna(), "")  # noqa: E731
    ind = pd.DataFrame({
        "指标编号": lookup["indicator_id"].astype(int),
        "项目名称": text("project_name"),
        "一级指标": text("level1"),
        "二级指标": text("level2"),
        "三级指标": text("name"),
        "指标值": text("target_text"),
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
        "全年预计执行数(万元)": "",
        "实际完成情况": "",
    })
    return ind, spend


# Full-width twins of the characters a spreadsheet starts a formula with: they read the same to a
# person, no spreadsheet runs them, and the upload side's NFKC normalisation turns them back.
_CSV_TWINS = str.maketrans({"=": "＝", "+": "＋", "-": "－", "@": "＠"})


def csv_text_cell(value: object) -> object:
    """A template cell for CSV: text that would start a formula begins with its full-width twin.

    A CSV cannot mark a cell as text, and an apostrophe would show in the cell; the twin does not.
    """
    if not isinstance(value, str) or not value.startswith(_FORMULA_START) or _PLAIN_NUMBER.fullmatch(value):
        return value
    stripped = value.lstrip("\t\r")
    return stripped[:1].translate(_CSV_TWINS) + stripped[1:]


def screen_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A table for an on-screen grid whose toolbar downloads CSV: formula-safe like ``csv_text_cell``,
    so a target such as "=1次" shows as "＝1次", not "'=1次"; the checks read it back as "=1次"."""
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c]):
            out[c] = out[c].map(csv_text_cell)
    return out


def template_csv(lookup: pd.DataFrame, projects: pd.DataFrame) -> bytes:
    """The indicator template as CSV, UTF-8 with BOM so that Excel opens the Chinese correctly."""
    ind, _ = template_frames(lookup, projects)
    return screen_frame(ind).to_csv(index=False).encode("utf-8-sig")


# Template columns typed as text ("@"): what the target table says, and what the reporter writes
# in words. Excel then neither runs "=1次" nor turns "96.2%" into 0.962 or "1-2" into a date.
_TEXT_COLUMNS = frozenset({"项目名称", "一级指标", "二级指标", "三级指标", "指标值", "实际完成值",
                           "完成目标可能性", "偏差原因分析及改进措施", "偏差原因类别", "全年预计完成情况",
                           "说明", "实际完成情况"})


def _put_row(ws, values: list, header: list[str]) -> None:
    """Append one row; text columns become text cells (data type "s", format "@"), never formulas."""
    ws.append([None if isinstance(v, str) else v for v in values])
    r = ws.max_row
    for i, (name, v) in enumerate(zip(header, values, strict=True), start=1):
        cell = ws.cell(r, i)
        if isinstance(v, str):
            cell.value = v
            cell.data_type = "s"  # assigned after the value: openpyxl takes "=…" for a formula
        if name in _TEXT_COLUMNS:
            cell.number_format = "@"


def _letter(header: list[str], name: str) -> str:
    """The column letter of ``name`` in a template sheet's header."""
    from openpyxl.utils import get_column_letter

    return get_column_letter(header.index(name) + 1)


def _pct(x: float) -> str:
    return f"{x:g}%"


def instructions(s: Settings) -> list[tuple[str, str]]:
    """The 说明 sheet: each column, the qualitative grades with their 评定得分率, the project grades.

    Every number comes from the settings, so the sheet says what the checks and the engine do.
    """
    limits = s.text_limits
    bands = s.qualitative
    grade_names = "、".join(bands)
    needs_note = "、".join(f"“{x}”" for x in LIKELIHOODS[1:])
    categories = "、".join(DEVIATION_CATEGORIES)
    rows: list[tuple[str, str]] = [
        ("“指标填报”表", ""),
        ("指标编号", "系统中的指标编号,据此找到指标。请勿修改。"),
        ("项目名称、一级指标、二级指标、三级指标、指标值",
         "目标表中的内容,仅供对照。请勿修改:与目标表不一致的行会被拒绝。"),
        ("实际完成值", "定量指标填数值,可带单位,如 96.2%、58.2万元、12个;时效指标填完成日期(如 2026-10-31)"
                   f"或“未完成”;定性指标选{grade_names}之一;不适用的指标填“不适用”。此列留空的行不导入。"),
        ("截至日期", "实际完成值统计到的日期,如 2026-12-31;留空按上传当天。"),
        ("评定得分率", "只有定性指标填写,单位为 %;须在所选等级的范围之内(见下表),不填时按该等级的默认得分率计。"),
        ("完成目标可能性", f"选{'、'.join(LIKELIHOODS)}之一;选{needs_note}时必须填写偏差原因分析及改进措施,"
                     "并选择偏差原因类别。"),
        ("偏差原因分析及改进措施",
         f"偏差的原因和改进措施;实际值达到目标的 {s.over_completion:.0%} 以上(超额完成)时也须说明。"),
        ("偏差原因类别", f"选{categories}之一(监控表按类别打“√”);完成目标可能性为{needs_note}时必须选择,"
                   "选择了类别时须同时填写偏差原因分析及改进措施;其他情况可不填。"),
        ("全年预计完成情况", f"预计到年底能完成的情况,如“12公里”“全部完成”;可不填,最多 {limits.note_chars} 个字。"),
        ("未填实际完成值的行", "只填写了完成目标可能性、偏差原因或全年预计完成情况而没有实际完成值的行会被拒绝:"
                 "请同时填写实际完成值,或清空这些内容。"),
        ("“预算执行”表", ""),
        ("项目名称、年度、年度资金总额(万元)", "仅供对照,请勿修改。"),
        ("截至日期", "预算执行数统计到的日期;留空按上传当天。"),
        ("预算执行数(万元)", "截至日期的累计执行数,单位万元;此列留空的行不导入。"),
        ("说明", f"项目期结束后预算执行率低于 {s.execution_rate_flag_below:.0%} 时必须写明原因。"),
        ("全年预计执行数(万元)", "预计全年执行的金额,单位万元,不能为负数,也不能小于截至日期的预算执行数;可不填。"),
        ("实际完成情况", f"年度总体目标的实际完成情况(自评表、监控表中的“实际完成情况”);可不填,"
                   f"最多 {limits.note_chars} 个字。"),
        ("未填预算执行数的行", "只填写了说明、全年预计执行数或实际完成情况而没有预算执行数的行会被拒绝。"),
        ("填报人", "模板中没有填报人列:填报人记为上传文件时登录的用户。"),
        ("", ""),
        ("定性指标等级", "评定得分率范围(不填时按)"),
    ]
    for name, band in bands.items():
        top = "]" if band.high >= 100 else ")"
        rows.append((name, f"[{_pct(band.low)}, {_pct(band.high)}{top}(不填按 {_pct(band.default)})"))
    rows += [("", ""), ("项目评定等级", "综合得分(满分 100)")]
    for name, low in s.grades:
        rows.append((name, f"{low:g} 分及以上" if low > 0 else f"低于 {min(g for _, g in s.grades if g > 0):g} 分"))
    return rows


def template_xlsx(lookup: pd.DataFrame, projects: pd.DataFrame, s: Settings) -> bytes:
    """Three sheets (指标填报, 预算执行, 说明) with drop-down lists for grades and 完成目标可能性.

    Texts are text cells: nothing a target says can run as a formula, and no apostrophe shows.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    ind, spend = template_frames(lookup, projects)
    wb = Workbook()
    ws = wb.active
    ws.title = "指标填报"
    header = list(ind.columns)
    ws.append(header)
    for row in ind.itertuples(index=False):
        _put_row(ws, list(row), header)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for cell in ws[1]:
        cell.font, cell.fill = bold, fill
    widths = {"A": 9, "B": 40, "C": 11, "D": 14, "E": 40, "F": 16, "G": 14, "H": 12, "I": 11, "J": 14, "K": 40,
              "L": 14, "M": 30}
    for col, w in widths.items():
        ws.column_dimensions[col].width = w
    ws.freeze_panes = "G2"
    n = len(ind) + 1
    likely = DataValidation(type="list", formula1='"' + ",".join(LIKELIHOODS) + '"', allow_blank=True)
    likely.error, likely.errorTitle = "请从下拉列表中选择", "完成目标可能性"
    ws.add_data_validation(likely)
    likely.add(f"J2:J{max(n, 2)}")
    grade_list = DataValidation(type="list", formula1='"' + ",".join(s.qualitative) + '"', allow_blank=True)
    grade_list.error, grade_list.errorTitle = "定性指标请选择等级", "实际完成值"
    ws.add_data_validation(grade_list)
    for i, kind in enumerate(lookup["kind"], start=2):
        if kind == "qualitative":
            grade_list.add(f"G{i}")
    for i in range(2, n + 1):
        ws[f"H{i}"].number_format = "yyyy-mm-dd"
    category = DataValidation(type="list", formula1='"' + ",".join(DEVIATION_CATEGORIES) + '"', allow_blank=True)
    category.error, category.errorTitle = "请从下拉列表中选择", "偏差原因类别"
    ws.add_data_validation(category)
    category.add(f"{_letter(header, '偏差原因类别')}2:{_letter(header, '偏差原因类别')}{max(n, 2)}")

    ws2 = wb.create_sheet("预算执行")
    sheader = list(spend.columns)
    ws2.append(sheader)
    for row in spend.itertuples(index=False):
        _put_row(ws2, list(row), sheader)
    for cell in ws2[1]:
        cell.font, cell.fill = bold, fill
    ws2.column_dimensions["A"].width = 50
    ws2.column_dimensions["C"].width = 16
    ws2.column_dimensions["E"].width = 16
    ws2.column_dimensions["F"].width = 40
    ws2.column_dimensions[_letter(sheader, "全年预计执行数(万元)")].width = 20
    ws2.column_dimensions[_letter(sheader, "实际完成情况")].width = 50

    # First row "列名 | 说明" is no report header: the reader passes this sheet by.
    ws3 = wb.create_sheet("说明")
    ws3.append(["列名", "说明"])
    for cell in ws3[1]:
        cell.font, cell.fill = bold, fill
    for name, text in instructions(s):
        _put_row(ws3, [name, text], ["", ""])
        if (name and not text) or name in ("定性指标等级", "项目评定等级"):
            ws3.cell(ws3.max_row, 1).font = bold
            ws3.cell(ws3.max_row, 2).font = bold
    ws3.column_dimensions["A"].width = 36
    ws3.column_dimensions["B"].width = 90
    for row in ws3.iter_rows(min_row=2):
        row[1].alignment = Alignment(wrap_text=True, vertical="top")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def frame_csv(df: pd.DataFrame) -> bytes:
    return safe_frame(df).to_csv(index=False).encode("utf-8-sig")


def xlsx_formats(df: pd.DataFrame) -> dict[str, str]:
    """The Excel number format of each numeric or date column of a download: money '#,##0.00',
    rates (kept in percent on screen) as real fractions '0.0%', whole numbers '0', other numbers
    (scores, weights) '0.00', dates as dates.
    Text columns get none: they stay text cells."""
    out: dict[str, str] = {}
    for name in df.columns:
        col = df[name]
        if pd.api.types.is_datetime64_any_dtype(col):
            out[name] = DATETIME_XLSX if is_clock_column(name) else DATE_XLSX
        elif pd.api.types.is_bool_dtype(col) or not pd.api.types.is_numeric_dtype(col):
            continue
        elif is_money_column(name):
            out[name] = MONEY_XLSX
        elif is_percent_column(name):
            out[name] = PERCENT_XLSX
        elif pd.api.types.is_integer_dtype(col):
            out[name] = INTEGER_XLSX
        else:
            out[name] = DECIMAL_XLSX  # scores and weights: two decimals, as the screens show them
    return out


def frame_xlsx(df: pd.DataFrame, sheet: str = "数据") -> bytes:
    """A table as one sheet: numbers as number cells in the formats of :func:`xlsx_formats` (a rate
    column of 91.2 becomes the fraction 0.912 shown as 91.2%), texts formula-safe."""
    formats = xlsx_formats(df)
    out = safe_frame(df)
    for name, fmt in formats.items():
        if fmt == PERCENT_XLSX:
            out[name] = out[name] / 100
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        out.to_excel(writer, index=False, sheet_name=sheet)
        ws = writer.sheets[sheet]
        for i, name in enumerate(out.columns, start=1):
            fmt = formats.get(name)
            if fmt is None:
                continue
            for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                cell.number_format = fmt
            letter = ws.cell(1, i).column_letter
            ws.column_dimensions[letter].width = max(ws.column_dimensions[letter].width or 0, 14)
    return buf.getvalue()
