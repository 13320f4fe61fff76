"""Reading report files of actual values and spending (domain.md section 3).

One set of rules serves the command line, the upload page and on-screen entry: every row is
checked, and a file with any wrong row is refused whole, with every wrong row listed.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from analytics.model import DEVIATION_CATEGORIES, NOT_APPLICABLE, TABLE_KINDS, InputError
from analytics.readers import decode_text, docx_rows, open_workbook, pdf_rows
from analytics.settings import Settings
from analytics.values import MONEY_UNITS, NUMBER, decimal_of, normalize_text, parse_date, tidy_decimal
from analytics.vocab import kind_of_title, label_key

# 偏差原因类别 and 全年预计完成情况 come last, so that files made from older templates, which end at
# 偏差原因分析及改进措施, keep their columns where they were.
INDICATOR_COLUMNS = (
    "指标编号", "项目名称", "一级指标", "二级指标", "三级指标", "指标值", "实际完成值", "截至日期",
    "评定得分率", "完成目标可能性", "偏差原因分析及改进措施", "偏差原因类别", "全年预计完成情况",
)
# The templates carry no 填报人 column: on the pages the reporter is whoever is signed in. A file
# from elsewhere may still have one; only the command line (where nobody is signed in) reads it.
SPENDING_COLUMNS = ("项目名称", "截至日期", "预算执行数(万元)", "说明", "全年预计执行数(万元)", "实际完成情况")
# What the reporter types besides the value: a row with any of them and no value is refused, not
# dropped, so that nothing typed is lost without a word.
ACTUAL_INPUTS = ("评定得分率", "完成目标可能性", "偏差原因分析及改进措施", "偏差原因类别", "全年预计完成情况")
SPENDING_INPUTS = ("说明", "全年预计执行数(万元)", "全年预计执行数", "实际完成情况")
# 偏差原因类别 as the 监控表 prints it (model.DEVIATION_CATEGORIES), and the short forms people write.
_CATEGORY_READ = {**{c: c for c in DEVIATION_CATEGORIES},
                  **{c.removesuffix("保障"): c for c in DEVIATION_CATEGORIES if c.endswith("保障")},
                  "硬件": "硬件条件保障", "硬件保障": "硬件条件保障", "其它": "其他"}
# 完成目标可能性 as the official forms spell it: what the pages offer and the templates list.
LIKELIHOODS = ("确定能", "有可能", "完全不可能")
# What a file may say → what is stored. The store keeps model.LIKELIHOODS ("不可能"), as the
# imported 监控表 do; the older short spelling and the forms' long one read alike.
_LIKELIHOOD_READ = {"确定能": "确定能", "能": "确定能", "有可能": "有可能", "可能": "有可能",
                    "完全不可能": "不可能", "不可能": "不可能"}
_LIKELIHOOD_SHOWN = {"确定能": "确定能", "有可能": "有可能", "不可能": "完全不可能"}
# Stored values that need a deviation note.
_NEEDS_NOTE = ("有可能", "不可能")
NOT_DONE = ("未完成", "尚未完成")
_NUM_UNIT = re.compile(rf"^({NUMBER})\s*([^\d\s]*)$")
# In a report against a 万元 indicator a bare "万" is unambiguous.
_MONEY = {**MONEY_UNITS, "万": Decimal(1)}
# A far-future as-of date is a typing error, not a plan.
MAX_DAYS_AHEAD = 366
# A year's report for a whole department is well under 1 MB; anything near this is not a report.
REPORT_MAX_BYTES = 10 * 1024 * 1024
# The apostrophe that exports.safe_cell puts before text a spreadsheet would read as a formula
# ("'=1次" in a template's 指标值): it marks the cell as text and is not part of the value.
_NEUTRALISED = re.compile(r"^'(?=[=+\-@])")


@dataclass(frozen=True)
class RowError:
    sheet: str
    row: int
    column: str
    value: str
    reason: str
    # The indicator (or project) the row is about, "项目“…”/三级指标“…”", or what was looked up
    # when no indicator matched: a refused row is found by what it reports, not only by its number.
    subject: str = ""

    def __str__(self) -> str:
        where = f"工作表“{self.sheet}”" if self.sheet else ""
        shown = self.value if len(self.value) <= 40 else self.value[:40] + "…"
        about = f"【{self.subject}】" if self.subject else ""
        return f"{about}{where}第{self.row}行“{self.column}”列(值“{shown}”):{self.reason}"


def read_likelihood(text: str) -> str | None:
    """The stored 完成目标可能性 a cell spells ("" and unknown words give None)."""
    return _LIKELIHOOD_READ.get(normalize_text(text).replace(" ", ""))


def read_category(text: str) -> str | None:
    """The stored 偏差原因类别 a cell spells ("" and unknown words give None)."""
    return _CATEGORY_READ.get(normalize_text(text).replace(" ", ""))


def likelihood_label(stored: object) -> str:
    """A stored 完成目标可能性 as the pages show it: 不可能 reads 完全不可能."""
    if not isinstance(stored, str):
        return ""
    return _LIKELIHOOD_SHOWN.get(stored, stored)


def _indicator_subject(target: dict | None, id_text: str, project: str, name: str) -> str:
    if target is not None:
        return f"项目“{target['project_name']}”/三级指标“{target['name']}”"
    if id_text:
        return f"查找的是指标编号“{id_text}”" + (f"、项目“{project}”" if project else "")
    return f"查找的是项目“{project or '(未填)'}”/三级指标“{name or '(未填)'}”"


class ReportRefused(InputError):
    """A report file with wrong rows; nothing of it was written."""

    def __init__(self, file_name: str, errors: list[RowError]):
        self.file_name = file_name
        self.errors = errors
        lines = "\n".join(f"  {e}" for e in errors)
        super().__init__(f"文件“{file_name}”有 {len(errors)} 处错误,整个文件未导入:\n{lines}")


@dataclass
class Cell:
    value: object
    is_percent: bool = False
    is_formula: bool = False

    @property
    def text(self) -> str:
        v = self.value
        if v is None:
            return ""
        if isinstance(v, datetime):
            return v.date().isoformat() if v.time() == datetime.min.time() else v.isoformat(" ")
        if isinstance(v, date):
            return v.isoformat()
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        if isinstance(v, str):
            return _NEUTRALISED.sub("", normalize_text(v))
        return normalize_text(v)


@dataclass
class Sheet:
    name: str
    header: list[str]
    rows: list[tuple[int, list[Cell]]]


@dataclass
class ReportBatch:
    actuals: pd.DataFrame
    spending: pd.DataFrame
    errors: list[RowError] = field(default_factory=list)


def _header_key(text: object) -> str:
    # NFKC turns full-width brackets into ASCII, so "预算执行数(万元)" matches however typed.
    return normalize_text(text).replace(" ", "")


def _sheets_from_xlsx(data: bytes, file_name: str) -> list[Sheet]:
    # Formulas are kept (data_only=False) so that a formula cell can be refused, not trusted.
    wb = open_workbook(data, file_name, data_only=False)
    sheets = []
    for ws in wb.worksheets:
        rows = []
        header: list[str] | None = None
        for r in ws.iter_rows():
            cells = [
                Cell(c.value, "%" in (c.number_format or ""), c.data_type == "f") for c in r
            ]
            if header is None:
                if any(c.text for c in cells):
                    header = [_header_key(c.value) for c in cells]
                continue
            rows.append((r[0].row, cells))
        if header:
            sheets.append(Sheet(ws.title, header, rows))
    return sheets


def _sheets_from_csv(data: bytes, file_name: str) -> list[Sheet]:
    text = decode_text(data, file_name)
    # newline="" lets the csv module split lines itself: CR-only files (Excel's "CSV (Macintosh)")
    # and CR/LF inside quoted cells are read as written.
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:  # a cell past the csv module's field limit (often an unclosed quote)
        raise InputError(f"文件“{file_name}”有过长的单元格或不成对的引号,无法按CSV读取;请检查后另存再上传") from None
    if not records:
        raise InputError(f"文件“{file_name}”是空文件")
    header = [_header_key(h) for h in records[0]]
    rows = [(n, [Cell(v if v != "" else None) for v in r]) for n, r in enumerate(records[1:], start=2)]
    return [Sheet("", header, rows)]


def read_sheets(data: bytes, file_name: str) -> list[Sheet]:
    if not data.strip():
        raise InputError(f"文件“{file_name}”是空文件")
    if len(data) > REPORT_MAX_BYTES:
        raise InputError(f"文件“{file_name}”超过{REPORT_MAX_BYTES // 1024 // 1024}MB,请拆分后再上传")
    suffix = Path(file_name).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _sheets_from_xlsx(data, file_name)
    if suffix in (".csv", ".txt"):
        return _sheets_from_csv(data, file_name)
    raise InputError(f"文件“{file_name}”的类型“{suffix}”不支持,请上传.xlsx或.csv文件")


def _is_indicator_sheet(header: list[str]) -> bool:
    return "实际完成值" in header


def _is_spending_sheet(header: list[str]) -> bool:
    return "预算执行数(万元)" in header or "预算执行数" in header


def parse_number(cell: Cell, unit_normalized: str, unit: str) -> Decimal:
    """A number in the indicator's normalised unit, exact, from a cell as staff write it."""
    v = cell.value
    if isinstance(v, bool):
        raise ValueError("不是数字")
    if isinstance(v, (int, float, Decimal)):
        num = decimal_of(v)
        if cell.is_percent:
            if unit_normalized != "%":
                raise ValueError(f"单元格是百分比格式,但该指标的单位是“{unit or '无'}”")
            return num * 100
        return num
    s = cell.text.replace(" ", "")
    m = _NUM_UNIT.match(s)
    if not m:
        raise ValueError("不是数字(可写作 58.2、58.2万元、96.2% 或 12个)")
    try:
        num = decimal_of(Decimal(m.group(1).replace(",", "")))
    except InvalidOperation:
        raise ValueError("不是数字(可写作 58.2、58.2万元、96.2% 或 12个)") from None
    u = m.group(2)
    if not u or u in (unit, unit_normalized):
        return num
    if unit_normalized == "万元" and u in _MONEY:
        return num * _MONEY[u]
    raise ValueError(f"单位“{u}”与该指标的单位“{unit_normalized or unit or '无'}”不一致")


def _exact(value: object) -> Decimal:
    """A stored number (float today, Decimal once storage keeps DECIMAL) for exact arithmetic."""
    return decimal_of(value) if isinstance(value, (int, float, Decimal)) else Decimal(str(value))


def parse_report_date(cell: Cell, what: str) -> date:
    v = cell.value
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        raise ValueError(f"{what}不是日期")
    return parse_date(cell.text)


def parse_rate(cell: Cell) -> float:
    """A rate in percent: 85, 85%, or 0.85 in a percent-formatted cell."""
    v = cell.value
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v) * 100 if cell.is_percent else float(v)
    s = cell.text.replace(" ", "").removesuffix("%")
    # float() would also take "nan", "inf" and "1_0"; only a plain decimal is a rate.
    if not re.fullmatch(r"-?\d+(\.\d+)?", s):
        raise ValueError("评定得分率不是数字")
    return float(s)


def parse_actual(cell: Cell, target: dict, s: Settings) -> dict:
    """One 实际完成值 read against its indicator: value_num / value_date / grade, or ValueError."""
    text = cell.text
    kind = target["kind"]
    out = {"value_text": text, "value_num": None, "value_date": None, "grade": None}
    if cell.is_formula:
        raise ValueError("是公式,请填写数值本身(复制后“选择性粘贴为数值”)")
    if text == NOT_APPLICABLE:
        return out
    grade = s.grade_of(text)
    if kind == "qualitative":
        if grade is None:
            raise ValueError("定性指标请填写“达成”“部分达成”或“未达成”")
        out["grade"] = grade
        return out
    if grade is not None:
        raise ValueError(f"该指标是{'时效' if kind == 'deadline' else '定量'}指标,不能填写等级“{text}”")
    if kind == "deadline":
        if text in NOT_DONE:
            return out
        out["value_date"] = parse_report_date(cell, "完成日期")
        return out
    num = parse_number(cell, target["unit_normalized"] or "", target["unit"] or "")
    # 0.962 for 96.2%: a plain number (a number cell, or text without its unit) of at most 1
    # against a percent target above 1 is almost always a decimal fraction.
    written_bare = isinstance(cell.value, (int, float)) or not text.replace(" ", "").endswith("%")
    if (
        target["unit_normalized"] == "%"
        and not cell.is_percent
        and written_bare
        and 0 < num <= 1
        and (target["target_num"] or 0) > 1
    ):
        raise ValueError(
            f"看起来是小数形式的百分比({text}),请写成 {tidy_decimal(num * 100):f}% 或把单元格设为百分比格式"
        )
    out["value_num"] = num
    return out


FORMULA = "是公式,请填写数值本身"


def _formula_columns(header: list[str], cells: list[Cell], handled: str) -> list[str]:
    """Columns holding a formula, except the value column, whose own check says more."""
    return [h for h, c in zip(header, cells, strict=False) if c.is_formula and h != handled]


def _pick(col: dict[str, int], cells: list[Cell], name: str) -> Cell:
    i = col.get(name)
    return cells[i] if i is not None and i < len(cells) else Cell(None)


def _read_as_of(cell: Cell, today: date) -> date:
    """截至日期: blank means today; a far-future or pre-2000 date is a typing error."""
    if not cell.text:
        return today
    as_of = parse_report_date(cell, "截至日期")
    latest = today + timedelta(days=MAX_DAYS_AHEAD)
    if as_of > latest:
        raise ValueError(f"日期太远(晚于{latest.isoformat()}),请检查年份")
    if as_of.year < 2000:
        raise ValueError("日期太早,请检查年份")
    return as_of


# An indicator id as a cell shows it: ASCII digits, or "12.0" from a number cell. float() would
# also take "inf", "nan", "1e999" and "1_2", and str.isdigit() takes "²": neither is an id.
_ID_TEXT = re.compile(r"[0-9]{1,18}(?:\.0*)?")


def _id_number(text: str) -> int | None:
    """The indicator id ``text`` spells, or None when it is not a plain number."""
    s = text.strip()
    return int(s.split(".")[0]) if _ID_TEXT.fullmatch(s) else None


def _lookup_maps(lookup: pd.DataFrame) -> tuple[dict, dict]:
    by_id = {int(r["indicator_id"]): r for r in lookup.to_dict("records")}
    by_name: dict[tuple[str, str], list[dict]] = {}
    for r in by_id.values():
        by_name.setdefault((r["project_name"], r["name"]), []).append(r)
    return by_id, by_name


def _same_target_text(given: str, target: dict, column: str) -> bool:
    expected = {"一级指标": target["level1"], "二级指标": target["level2"], "指标值": target["target_text"]}[column]
    norm = lambda x: normalize_text(x).replace(" ", "")  # noqa: E731
    if column == "一级指标":
        return norm(given).removesuffix("指标") == norm(expected).removesuffix("指标")
    return norm(given) == norm(expected)


def check_actual_rows(
    sheet: Sheet, lookup: pd.DataFrame, s: Settings, reporter: str | None, today: date, source: str
) -> tuple[list[dict], list[RowError]]:
    """Every row of an indicator sheet checked; accepted rows as dicts ready to append."""
    col = {h: i for i, h in enumerate(sheet.header)}
    errors: list[RowError] = []
    has_id = "指标编号" in col
    missing = [c for c in ("实际完成值",) if c not in col]
    if not has_id and not ("项目名称" in col and "三级指标" in col):
        missing += [c for c in ("项目名称", "三级指标") if c not in col]
    if missing:
        found = "、".join(h for h in sheet.header if h) or "无"
        errors.append(RowError(sheet.name, 1, "、".join(missing), "", f"缺少必需的列;文件中的列为:{found}"))
        return [], errors
    by_id, by_name = _lookup_maps(lookup)
    accepted: list[dict] = []
    seen: dict[tuple[int, date], int] = {}

    for n, cells in sheet.rows:
        get = partial(_pick, col, cells)

        if not any(c.text for c in cells):
            continue
        typed = [c for c in ACTUAL_INPUTS if get(c).text]
        if not get("实际完成值").text and not typed:
            continue  # a template row left empty: nothing reported
        row_errors: list[RowError] = []

        def err(
            column: str, reason: str, value: str | None = None, n: int = n, out: list[RowError] = row_errors,
            get: partial[Cell] = get,
        ) -> None:
            out.append(RowError(sheet.name, n, column, get(column).text if value is None else value, reason))

        for column in _formula_columns(sheet.header, cells, handled="实际完成值"):
            err(column, FORMULA)
        target = None
        id_text = get("指标编号").text
        project, name = get("项目名称").text, get("三级指标").text
        found = None  # the indicator the row names, even when the row then contradicts it
        if id_text:
            number = _id_number(id_text)
            target = by_id.get(number) if number is not None else None
            found = target
            if number is None:
                err("指标编号", "指标编号不存在(指标编号应为数字,如 12;请从填报模板中复制)")
            elif target is None:
                err("指标编号", "指标编号不存在")
            elif project and project != target["project_name"]:
                err("项目名称", f"与指标编号{id_text}对应的项目“{target['project_name']}”不一致")
                target = None
        else:
            matches = by_name.get((project, name), [])
            if not project or not name:
                err("项目名称" if not project else "三级指标", "没有指标编号时,项目名称和三级指标都必须填写")
            elif not matches:
                err("三级指标", f"在项目“{project}”中找不到这个三级指标")
            elif len(matches) > 1:
                err("三级指标", f"项目“{project}”中有{len(matches)}个同名指标,请填写指标编号以区分")
            else:
                target = found = matches[0]
        if target is not None:
            for column in ("一级指标", "二级指标", "指标值"):
                given = get(column).text
                if given and not _same_target_text(given, target, column):
                    key = {"一级指标": "level1", "二级指标": "level2", "指标值": "target_text"}[column]
                    err(column, f"与目标表不一致(目标表为“{target[key]}”)")

        as_of = today
        try:
            as_of = _read_as_of(get("截至日期"), today)
        except ValueError as e:
            err("截至日期", str(e))

        parsed = None
        if not get("实际完成值").text:
            # Each report is a value with what goes with it; without the value the rest has no row to go in.
            err("实际完成值", f"本行填写了“{'”“'.join(typed)}”,但没有填写实际完成值;请填写截至日期的实际完成值,"
                           "或清空本行的其他内容", "")
        elif target is not None:
            try:
                parsed = parse_actual(get("实际完成值"), target, s)
                done = parsed["value_date"]
                if done is not None and not (date(2000, 1, 1) <= done <= today + timedelta(days=MAX_DAYS_AHEAD)):
                    raise ValueError(f"完成日期{done.isoformat()}不合理,请检查年份")
            except ValueError as e:
                err("实际完成值", str(e))
        rate = None
        if get("评定得分率").text:
            try:
                rate = parse_rate(get("评定得分率"))
            except ValueError as e:
                err("评定得分率", str(e))
            if parsed is not None and rate is not None:
                if parsed["grade"] is None:
                    err("评定得分率", "只有定性指标(达成/部分达成/未达成)才填写评定得分率")
                else:
                    band = s.qualitative[parsed["grade"]]
                    top = band.high >= 100
                    if not (band.low <= rate < band.high or (top and rate == band.high)):
                        hi = "]" if top else ")"
                        err("评定得分率", f"“{parsed['grade']}”的得分率应在[{band.low:g}%, {band.high:g}%{hi}之内")
        written = get("完成目标可能性").text
        likelihood = read_likelihood(written)
        note = get("偏差原因分析及改进措施").text
        if written and likelihood is None:
            err("完成目标可能性", "应为“确定能”“有可能”或“完全不可能”")
        elif likelihood in _NEEDS_NOTE and not note:
            err("偏差原因分析及改进措施",
                f"完成目标可能性为“{likelihood_label(likelihood)}”时必须填写偏差原因和改进措施", "")
        written_category = get("偏差原因类别").text
        category = read_category(written_category)
        categories = "、".join(DEVIATION_CATEGORIES)
        if written_category and category is None:
            err("偏差原因类别", f"应为{categories}之一;请从下拉列表中选择,或留空")
        elif category is None and likelihood in _NEEDS_NOTE and "偏差原因类别" in col:
            # Files made before the column existed keep the older rule (the note alone); the template
            # and the page have it, so what they send needs both, as the 监控表 prints both.
            err("偏差原因类别", f"完成目标可能性为“{likelihood_label(likelihood)}”时必须选择偏差原因类别"
                           f"({categories}之一)", "")
        elif category is not None and not note and likelihood not in _NEEDS_NOTE:  # else said above
            err("偏差原因分析及改进措施", f"选择了偏差原因类别“{category}”时必须填写偏差原因和改进措施", "")
        forecast = get("全年预计完成情况").text
        if parsed is not None and parsed["value_num"] is not None and target["direction"] in ("higher", "exact"):
            a = _exact(target["target_num"] or 0)
            if a > 0 and parsed["value_num"] >= _exact(s.over_completion) * a and not note:
                err("偏差原因分析及改进措施", f"实际值达到目标的{s.over_completion:.0%}以上(超额完成),需说明原因", "")

        if target is not None and not row_errors:
            key = (int(target["indicator_id"]), as_of)
            if key in seen:
                err("截至日期", f"与第{seen[key]}行是同一指标、同一截至日期的重复填报")
            else:
                seen[key] = n
        if row_errors:
            subject = _indicator_subject(found, id_text, project, name)
            errors.extend(replace(e, subject=subject) for e in row_errors)
            continue
        accepted.append({
            "indicator_id": int(target["indicator_id"]), "as_of": as_of, **parsed, "grade_rate": rate,
            "likelihood": likelihood or None, "note": note or None,
            "reporter": get("填报人").text or reporter, "source": source,
            "deviation_category": category, "forecast_text": forecast or None, "row": n, "sheet": sheet.name,
        })
    return accepted, errors


def check_spending_rows(
    sheet: Sheet, projects: pd.DataFrame, reporter: str | None, today: date, source: str,
    s: Settings | None = None,
) -> tuple[list[dict], list[RowError]]:
    col = {h: i for i, h in enumerate(sheet.header)}
    amount_col = "预算执行数(万元)" if "预算执行数(万元)" in col else "预算执行数"
    forecast_col = "全年预计执行数(万元)" if "全年预计执行数(万元)" in col else "全年预计执行数"
    errors: list[RowError] = []
    if "项目名称" not in col:
        return [], [RowError(sheet.name, 1, "项目名称", "", "预算执行表缺少“项目名称”列")]
    by_name: dict[str, list[dict]] = {}
    for r in projects.to_dict("records"):
        by_name.setdefault(r["name"], []).append(r)
    accepted: list[dict] = []
    seen: dict[tuple[int, date], int] = {}
    for n, cells in sheet.rows:
        get = partial(_pick, col, cells)

        typed = [c for c in SPENDING_INPUTS if get(c).text]
        if not any(c.text for c in cells) or (not get(amount_col).text and not typed):
            continue
        row_errors: list[RowError] = []

        def err(
            column: str, reason: str, n: int = n, out: list[RowError] = row_errors, get: partial[Cell] = get
        ) -> None:
            out.append(RowError(sheet.name, n, column, get(column).text, reason))

        if not get(amount_col).text:
            err(amount_col, f"本行填写了“{'”“'.join(typed)}”,但没有填写预算执行数;请填写截至日期的累计执行数(万元),"
                            "或清空本行的其他内容")

        for column in _formula_columns(sheet.header, cells, handled=amount_col):
            err(column, FORMULA)
        name = get("项目名称").text
        matches = by_name.get(name, [])
        if "年度" in col and get("年度").text:
            matches = [m for m in matches if str(m["year"]) == get("年度").text]
        project = None
        if not matches:
            err("项目名称", "找不到这个项目")
        elif len(matches) > 1:
            err("项目名称", f"有{len(matches)}个同名项目,请增加“年度”列区分")
        else:
            project = matches[0]
        as_of = today
        try:
            as_of = _read_as_of(get("截至日期"), today)
        except ValueError as e:
            err("截至日期", str(e))
        amount = None
        if get(amount_col).text:
            try:
                if get(amount_col).is_formula:
                    raise ValueError(FORMULA)
                amount = parse_number(get(amount_col), "万元", "万元")
                if amount < 0:
                    err(amount_col, "预算执行数不能为负数")
            except ValueError as e:
                err(amount_col, str(e))
        forecast = None
        # A formula here is already refused with the other columns above.
        if get(forecast_col).text and not get(forecast_col).is_formula:
            try:
                forecast = parse_number(get(forecast_col), "万元", "万元")
            except ValueError:
                err(forecast_col, "不是金额:全年预计执行数请填写万元金额,如 120、120万元 或 1200000元")
            else:
                if forecast < 0:
                    err(forecast_col, "全年预计执行数不能为负数;请填写预计全年执行的金额(万元),或留空")
                elif amount is not None and amount >= 0 and forecast < amount:
                    # What is spent by the 截至日期 is spent: the year cannot end below it.
                    err(forecast_col, f"全年预计执行数小于截至日期已执行的 {tidy_decimal(amount):f} 万元,请核对")
        if project is not None and amount is not None and s is not None and not row_errors:
            # domain.md section 4: at the end of the period a rate below 90% needs a reason.
            end = project.get("end_date")
            funding = project.get("funding_total")
            ended = end is not None and not pd.isna(end) and as_of >= pd.Timestamp(end).date()
            rate = amount / _exact(funding) if funding and not pd.isna(funding) else None
            if ended and rate is not None and rate < _exact(s.execution_rate_flag_below) and not get("说明").text:
                err("说明", f"项目期已结束,预算执行率 {rate * 100:.1f}% 低于"
                            f"{s.execution_rate_flag_below * 100:.0f}%,请在“说明”中写明原因")
        if project is not None and not row_errors:
            key = (int(project["project_id"]), as_of)
            if key in seen:
                err("截至日期", f"与第{seen[key]}行是同一项目、同一截至日期的重复填报")
            seen[key] = n
        if row_errors:
            subject = f"项目“{project['name']}”" if project is not None else f"查找的是项目“{name or '(未填)'}”"
            errors.extend(replace(e, subject=subject) for e in row_errors)
            continue
        accepted.append({
            "project_id": int(project["project_id"]), "as_of": as_of, "amount": amount,
            "note": get("说明").text or None, "reporter": get("填报人").text or reporter,
            "source": source, "forecast": forecast, "goal_actual": get("实际完成情况").text or None,
            "row": n, "sheet": sheet.name,
        })
    return accepted, errors


ACTUAL_FRAME_COLUMNS = ("indicator_id", "as_of", "value_text", "value_num", "value_date", "grade", "grade_rate",
                        "likelihood", "note", "reporter", "source", "deviation_category", "forecast_text")
SPENDING_FRAME_COLUMNS = ("project_id", "as_of", "amount", "note", "reporter", "source", "forecast", "goal_actual")
# Where an accepted row came from, for messages about it; not stored.
WHERE_COLUMNS = ("row", "sheet")


def actuals_frame(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=[*ACTUAL_FRAME_COLUMNS, *WHERE_COLUMNS])
    for c in ("value_num", "grade_rate"):
        df[c] = df[c].astype(float)
    for c in ("as_of", "value_date"):
        df[c] = pd.to_datetime(df[c]).astype("datetime64[s]")
    for c in ("value_text", "grade", "likelihood", "note", "reporter", "source", "deviation_category",
              "forecast_text"):
        df[c] = df[c].astype(object).where(df[c].notna(), None)
    df["indicator_id"] = df["indicator_id"].astype(np.int64)
    return df


def spending_frame(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=[*SPENDING_FRAME_COLUMNS, *WHERE_COLUMNS])
    df["amount"] = df["amount"].astype(float)
    df["as_of"] = pd.to_datetime(df["as_of"]).astype("datetime64[s]")
    df["project_id"] = df["project_id"].astype(np.int64)
    # The forecast stays an exact Decimal (object column) up to the store, which casts it to DECIMAL.
    df["forecast"] = df["forecast"].astype(object).where(df["forecast"].notna(), None)
    for c in ("note", "reporter", "source", "goal_actual"):
        df[c] = df[c].astype(object).where(df[c].notna(), None)
    return df


# A table's title or indicator header stands within its first rows.
_TITLE_ROWS = 12


def table_kind(rows: list[list[str]]) -> str | None:
    """The kind (a key of TABLE_KINDS) of a published table these first rows begin, else None."""
    rows = [r for r in rows if any(c and str(c).strip() for c in r)][:_TITLE_ROWS]
    for cells in rows:
        kind = kind_of_title("".join(str(c) for c in cells if c))
        if kind:
            return kind
    for cells in rows:
        keys = {label_key(str(c)) for c in cells if c}
        if {"一级指标", "三级指标"} <= keys:
            return "target"
    return None


def _refuse_table(rows: list[list[str]], file_name: str) -> None:
    kind = table_kind(rows)
    if kind is not None:
        raise InputError(
            f"文件“{file_name}”是{TABLE_KINDS[kind]},不是填报文件;请在“管理”页导入,"
            f"或用命令 python -m analytics import {file_name}"
        )


def _document_rows(data: bytes, file_name: str) -> list[list[str]]:
    """The first rows of a Word or PDF file, only to say which table it holds."""
    reader = docx_rows if file_name.lower().endswith(".docx") else pdf_rows
    try:
        return [r.cells for r in reader(data, file_name)[: _TITLE_ROWS * 2]]
    except InputError:
        return []  # unreadable as a document too: the type message below says what is accepted


def check_report(
    data: bytes,
    file_name: str,
    lookup: pd.DataFrame,
    projects: pd.DataFrame,
    s: Settings,
    reporter: str | None = None,
    today: date | None = None,
) -> ReportBatch:
    """Check a whole report file; the batch's ``errors`` lists every wrong row."""
    today = today or date.today()
    if Path(file_name).suffix.lower() in (".docx", ".pdf"):
        _refuse_table(_document_rows(data, file_name), file_name)
    sheets = read_sheets(data, file_name)
    actual_rows: list[dict] = []
    spending_rows: list[dict] = []
    errors: list[RowError] = []
    recognised = False
    for sheet in sheets:
        if _is_indicator_sheet(sheet.header):
            recognised = True
            rows, errs = check_actual_rows(sheet, lookup, s, reporter, today, file_name)
            actual_rows += rows
            errors += errs
        elif _is_spending_sheet(sheet.header):
            recognised = True
            rows, errs = check_spending_rows(sheet, projects, reporter, today, file_name, s)
            spending_rows += rows
            errors += errs
    if not recognised:
        for sheet in sheets:
            _refuse_table([sheet.header, *([c.text for c in cells] for _, cells in sheet.rows[:_TITLE_ROWS])],
                          file_name)
        found = "、".join(h for h in sheets[0].header if h) if sheets else "无"
        raise InputError(
            f"文件“{file_name}”的列名不对:需要“实际完成值”列(指标填报)或“预算执行数(万元)”列(预算执行);"
            f"文件中的列为:{found}"
        )
    if not errors and not actual_rows and not spending_rows:
        raise InputError(f"文件“{file_name}”中没有填写任何实际完成值或预算执行数")
    return ReportBatch(actuals_frame(actual_rows), spending_frame(spending_rows), errors)
