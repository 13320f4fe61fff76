"""The official forms of one project: 项目支出绩效自评表 and 项目支出绩效目标执行监控表 (domain.md section 8).

``form_projects`` gathers what a form prints for each project of a dashboard View: the engine's
numbers (score, budget points, execution rate, each indicator's 分值 and 得分) and what the store
keeps beside them (the printed budget block, the goal's 实际完成情况, notes, 完成目标可能性).
``selfeval_form`` and ``monitor_form`` lay that out as an ``analytics.formmodel.Form``, which the
XLSX writer (``analytics.forms_xlsx``) and the PDF writer render alike. Every label and position
of the layouts is in the module-level tables below, so an office's variant is changed in one place.

Pure: no Streamlit. All SQL is in ``Store.form_sources``.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from functools import lru_cache

import numpy as np
import pandas as pd

from analytics.dashboard import LIGHT_NAMES, View, actual_text, short_name
from analytics.engine import UNREPORTED, compute
from analytics.formmodel import MONEY, PERCENT, POINTS, TEXT, Cell, Form
from analytics.reports import likelihood_label
from analytics.settings import Settings
from analytics.storage import Store, exact
from analytics.wording import DASH, cn_date, is_money_column, is_percent_column, round_percent

SELFEVAL = "selfeval"
MONITOR = "monitor"
SELFEVAL_TITLE = "项目支出绩效自评表"
MONITOR_TITLE = "项目支出绩效目标执行监控表"
CHECK = "√"
# The budget rows of a 自评表, in print order; the first is the one scored.
TOTAL_ROW = "年度资金总额"
FISCAL_ROW = "当年财政拨款"
CARRYOVER_ROW = "上年结转资金"
OTHER_ROW = "其他资金"
BUDGET_ROWS = (TOTAL_ROW, FISCAL_ROW, CARRYOVER_ROW, OTHER_ROW)
# How a budget row is labelled on the forms (the 其中 rows are parts of the total).
BUDGET_LABELS = {TOTAL_ROW: "年度资金总额", FISCAL_ROW: "其中：当年财政拨款", CARRYOVER_ROW: "上年结转资金",
                 OTHER_ROW: "其他资金"}
# The 监控表 has three budget rows (财预〔2019〕136号): its 财政拨款 is the 当年财政拨款 row.
MONITOR_BUDGET_ROWS = ((TOTAL_ROW, "年度资金总额"), (FISCAL_ROW, "其中：财政拨款"), (OTHER_ROW, "其他资金"))
# 偏差原因 categories and 完成目标可能性 columns of the 监控表, in print order.
DEVIATION_CATEGORIES = ("经费保障", "制度保障", "人员保障", "硬件条件保障", "其他")
LIKELIHOOD_COLUMNS = ("确定能", "有可能", "完全不可能")
# How an imported 监控表 keeps the category in a report's note ("偏差原因类别:经费保障;…", services._report_note).
_CATEGORY_NOTE = re.compile(r"^偏差原因类别[:：]\s*([^;；]*)[;；]?\s*")
# 指标性质 of the Sichuan form, by the stored operator.
_NATURE = {">=": "≥", ">": "≥", "<=": "≤", "<": "≤", "=": "="}
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_CHARS = 31


# -- what one form prints ----------------------------------------------------------------------
@dataclass(frozen=True)
class BudgetRow:
    """One printed budget row, amounts in 万元 (exact), None where nobody gave the figure."""

    name: str                              # one of BUDGET_ROWS
    initial: Decimal | None                # 年初预算数
    adjusted: Decimal | None               # 全年预算数 / 调整后预算数 (A)
    executed: Decimal | None               # 全年执行数 (B) as of the view's date
    rate: float | None                     # 执行率 B/A as a fraction
    period_executed: Decimal | None = None  # 1-X月执行数 (监控表)
    period_rate: float | None = None        # 1-X月执行率: 1-X月执行数 / (调整后预算数, else 年初预算数)
    forecast: Decimal | None = None         # 全年预计执行数 (a reporter's figure, never computed)

    @property
    def label(self) -> str:
        return BUDGET_LABELS[self.name]


@dataclass(frozen=True)
class FormIndicator:
    """One 三级 row: the target, the engine's weight and score, and what the reporter said."""

    indicator_id: int
    level1: str
    level2: str
    name: str
    target_text: str                  # 年度指标值 as published
    actual_text: str                  # 实际完成值 as of the view's date ("" when none)
    weight: float                     # 分值: the weight the engine scored with
    score: float                      # 得分: the engine's
    note: str                         # 偏差原因分析及改进措施
    likelihood: str                   # 完成目标可能性 as printed (确定能 / 有可能 / 完全不可能) or ""
    # One of DEVIATION_CATEGORIES or "": the category of the latest report's note (an imported 监控表
    # writes "偏差原因类别:…" there), never an older table's, which may not be about this report.
    deviation_category: str
    forecast_text: str                # 全年预计完成情况 ("" when nobody gave it)
    period_text: str                  # 1-X月执行情况: the latest value as of the cut-off ("" without month)
    remark: str                       # 备注 of an imported 监控表
    nature: str                       # 指标性质 (≥ ≤ = 定性) of the Sichuan form
    target_value: str                 # 指标值 without its operator and unit (Sichuan)
    unit: str                         # 度量单位 (Sichuan)
    period_note: str = ""             # the note of the latest report as of the cut-off (监控表)
    period_likelihood: str = ""       # its 完成目标可能性
    period_category: str = ""         # its 偏差原因 category


@dataclass(frozen=True)
class FormProject:
    """Everything the 自评表 and the 监控表 print for one project."""

    project_id: int
    year: int
    name: str
    department: str
    unit: str
    as_of: date                       # the view's date: what 全年执行数 and 实际完成值 hold at
    budget: tuple[BudgetRow, ...]     # BUDGET_ROWS in order
    budget_points: float              # the engine's budget points (10, 20, or an imported table's)
    execution_rate: float | None      # the engine's: spent / adjusted budget (else 年度资金总额)
    budget_score: float               # the engine's
    goal_text: str                    # 预期目标
    goal_actual: str                  # 实际完成情况 (the reporter's, else the latest imported 自评表's)
    indicators: tuple[FormIndicator, ...]
    score: float | None               # the engine's total; None while unreported
    grade: str                        # 优 / 良 / 中 / 差, or 未填报
    light: str                        # the project light's name (绿灯 …), or 未填报
    printed_total: float | None       # the 总分 an imported 自评表 printed
    unreported: bool
    month: int | None = None          # the 监控表's X; the period fields are filled only with it
    cutoff: date | None = None        # the last day of month X (not after as_of)
    period_goal_actual: str = ""      # 1-X月实际完成情况 (the reporter's at the cut-off, else a 监控表's)

    @property
    def total_row(self) -> BudgetRow:
        return self.budget[0]

    def row(self, name: str) -> BudgetRow:
        return next(r for r in self.budget if r.name == name)


# -- gathering --------------------------------------------------------------------------------
def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _text(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value)


def _amount(value: object) -> Decimal | None:
    """An amount from a float or DECIMAL column as the exact Decimal the store holds (万元)."""
    if value is None or (isinstance(value, Decimal) and not value.is_finite()):
        return None
    if not isinstance(value, Decimal) and pd.isna(value):
        return None
    return exact(value if isinstance(value, Decimal) else float(value))


def _rate(executed: Decimal | None, basis: Decimal | None) -> float | None:
    if executed is None or basis is None or basis <= 0:
        return None
    return float(executed / basis)


def _float(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def split_note(note: str) -> tuple[str, str]:
    """(category, note) of a stored note: an imported 监控表 writes "偏差原因类别:经费保障;reason"."""
    m = _CATEGORY_NOTE.match(note)
    if not m:
        return "", note
    category = m.group(1).strip()
    return (category if category in DEVIATION_CATEGORIES else ""), note[m.end():] if category else note


def _target_parts(kind: str, operator: str, target_text: str, unit: str) -> tuple[str, str, str]:
    """(指标性质, 指标值, 度量单位) of a target, as the Sichuan form prints them."""
    if kind == "qualitative":
        return "定性", target_text, ""
    if kind == "deadline":
        # A deadline is met on or before its date (domain.md section 4).
        return "≤", target_text, ""
    value = target_text.strip()
    value = value.lstrip("≥≤=＝><")
    if unit and value.endswith(unit):
        value = value[: -len(unit)]
    return _NATURE.get(operator, operator), value.strip(), unit


def _budget_rows(p: dict, lines: pd.DataFrame | None, as_of: date) -> tuple[BudgetRow, ...]:
    """The four budget rows: the engine's total, the project's funds and what a table printed.

    The 年度资金总额 row is the engine's: 年初 = the printed line (else 年度资金总额), 全年预算数 = the
    basis the rate is taken against, 全年执行数 = the spending the score used. A 其中 row takes the
    printed line's figures; without one, 年初 is the project's 财政拨款 / 其他资金, 全年预算数 repeats it
    while the budget is not adjusted, and 全年执行数 stays empty (never split by guess).
    """
    by_label: dict[str, pd.Series] = {}
    printed_at: date | None = None
    if lines is not None and len(lines):
        by_label = {str(r["label"]): r for _, r in lines.iterrows()}
        first = lines.iloc[0]
        # A table's figures hold at its own date; a view before that date must not show them.
        if first["kind"] == "selfeval":
            printed_at = date(int(p["year"]), 12, 31)
        elif first["kind"] == "monitor" and pd.notna(first["month"]):
            printed_at = month_end(int(p["year"]), int(first["month"]))
    in_time = printed_at is not None and printed_at <= as_of
    funding = _amount(p["funding_total"])
    basis = _amount(p["budget_basis"])
    adjusted = basis is not None and funding is not None and basis != funding
    total_line = by_label.get(TOTAL_ROW)
    total_initial = _amount(total_line["initial"]) if total_line is not None else None
    rows = [BudgetRow(
        TOTAL_ROW, total_initial if total_initial is not None else funding, basis, _amount(p["spent"]),
        _float(p["execution_rate"]),
        forecast=_amount(total_line["forecast"]) if total_line is not None else None,
    )]
    own = {FISCAL_ROW: _amount(p["funding_fiscal"]), CARRYOVER_ROW: None, OTHER_ROW: _amount(p["funding_other"])}
    for name in BUDGET_ROWS[1:]:
        line = by_label.get(name)
        if line is not None:
            initial = _amount(line["initial"])
            row_adjusted = _amount(line["adjusted"])
            if row_adjusted is None and not adjusted:
                row_adjusted = initial  # a 监控表 prints no 全年预算数: while nothing is adjusted it is 年初
            executed = _amount(line["executed"]) if in_time and line["kind"] == "selfeval" else None
            rows.append(BudgetRow(name, initial, row_adjusted, executed, _rate(executed, row_adjusted),
                                  forecast=_amount(line["forecast"])))
        else:
            initial = own[name]
            rows.append(BudgetRow(name, initial, None if adjusted else initial, None, None))
    return tuple(rows)


def _period_rows(rows: tuple[BudgetRow, ...], lines: pd.DataFrame | None, month: int, spent: Decimal | None,
                 rate: float | None) -> tuple[BudgetRow, ...]:
    """The budget rows with their 1-X月 figures: the total's is the engine's spending as of the cut-off;
    a 其中 row's only what a 监控表 of the same month printed."""
    printed: dict[str, pd.Series] = {}
    if lines is not None and len(lines) and lines.iloc[0]["kind"] == "monitor" \
            and pd.notna(lines.iloc[0]["month"]) and int(lines.iloc[0]["month"]) == month:
        printed = {str(r["label"]): r for _, r in lines.iterrows()}
    out = [replace(rows[0], period_executed=spent, period_rate=rate)]
    for r in rows[1:]:
        line = printed.get(r.name)
        executed = _amount(line["executed"]) if line is not None else None
        basis = r.adjusted if r.adjusted is not None else r.initial
        out.append(replace(r, period_executed=executed, period_rate=_rate(executed, basis)))
    return tuple(out)


def _report_texts(frame: pd.DataFrame, texts: pd.DataFrame) -> pd.DataFrame:
    """note, likelihood, category, 全年预计完成情况 and the written value of each row's report (report_id),
    "" when none."""
    t = texts.set_index("report_id")
    ids = frame["report_id"]
    has = ids.notna().to_numpy()
    out = pd.DataFrame({"note": "", "likelihood": "", "category": "", "value_text": "", "forecast": ""},
                       index=frame.index)
    if has.any():
        picked = t.reindex(ids[has].astype("int64").to_numpy())
        notes = picked["note"].map(_text).tolist()
        split = [split_note(n) for n in notes]
        # The reporter's own 偏差原因类别 (the template's column, the screen) wins over a note prefix
        # an imported 监控表 wrote before the column existed.
        given = picked["deviation_category"].map(_text).tolist()
        out.loc[has, "category"] = [g if g in DEVIATION_CATEGORIES else c for g, (c, _) in zip(given, split,
                                                                                               strict=True)]
        out.loc[has, "note"] = [n for _, n in split]
        out.loc[has, "forecast"] = picked["forecast_text"].map(_text).tolist()
        out.loc[has, "likelihood"] = picked["likelihood"].map(likelihood_label).tolist()
        out.loc[has, "value_text"] = picked["value_text"].map(_text).tolist()
    return out


def _by_project(frame: pd.DataFrame) -> dict[int, dict]:
    return {int(r["project_id"]): r for r in frame.to_dict("records")}


def _written(shown: pd.Series, written: pd.Series) -> pd.Series:
    """The value as the screens show it, else as written (progress in words that is not a number)."""
    return shown.where(shown.astype(bool), written)


def form_projects(store: Store, view: View, settings: Settings, month: int | None = None) -> list[FormProject]:
    """What the forms print for each project of ``view``, in the view's order.

    Project figures and indicator weights and scores are the engine's (``view``). With ``month``
    (the 监控表's X), the 1-X月 figures are the engine's as of the last day of month X of each
    project's year (not after the view's date): spending, execution rate and each indicator's latest
    value; 全年预计 figures are printed only where a reporter gave them.
    """
    projects = view.projects
    if projects.empty:
        return []
    as_of = view.filters.as_of
    ind = view.indicators.sort_values(["project_id", "seq"], kind="mergesort")
    ids = projects["project_id"].astype("int64").tolist()
    report_ids = ind["report_id"].dropna().astype("int64").tolist()

    period_ind: pd.DataFrame | None = None
    period_proj: dict[int, dict] | None = None
    cutoffs: dict[int, date] = {}
    if month is not None:
        if not 1 <= month <= 12:
            raise ValueError(f"month must be 1..12, not {month}")
        cutoffs = {int(y): min(month_end(int(y), month), as_of) for y in projects["year"].unique()}
        parts_i, parts_p = [], []
        for year, cutoff in cutoffs.items():
            # The engine at the cut-off: the same rules, the reports that counted on that day.
            result = compute(store, cutoff, settings)
            in_year = projects.loc[projects["year"] == year, "project_id"]
            parts_p.append(result.projects[result.projects["project_id"].isin(in_year)])
            parts_i.append(result.indicators[result.indicators["project_id"].isin(in_year)])
        period_proj = {int(r["project_id"]): r for r in pd.concat(parts_p).to_dict("records")}
        period_ind = pd.concat(parts_i)
        period_ind = period_ind.merge(ind[["indicator_id", "unit_normalized"]], on="indicator_id", how="inner")
        period_ind = period_ind.assign(shown=actual_text(period_ind)).set_index("indicator_id")
        report_ids += period_ind["report_id"].dropna().astype("int64").tolist()

    sources = store.form_sources(ids, sorted(set(report_ids)))
    texts = sources["reports"]
    reported = _report_texts(ind, texts)
    actual = _written(ind["actual_text"].fillna(""), reported["value_text"])
    extras = sources["extras"].set_index("indicator_id")
    ext = extras.reindex(ind["indicator_id"].to_numpy())
    goals = {int(g["project_id"]): g for g in sources["goals"].to_dict("records")}
    lines = {int(k): g for k, g in sources["budget"].groupby("project_id")}

    if period_ind is not None:
        pi = period_ind.reindex(ind["indicator_id"].to_numpy())
        pi.index = ind.index
        period_texts = _report_texts(pi, texts)
        period_shown = _written(pi["shown"].fillna(""), period_texts["value_text"])
    def texts_of(column: pd.Series) -> list[str]:
        # Plain lists: iterating pandas (Arrow-backed) columns value by value costs more than the rest.
        return [_text(v) for v in column.tolist()]

    n = len(ind)
    empty = [""] * n
    cols = {
        "indicator_id": ind["indicator_id"].astype("int64").tolist(),
        "project_id": ind["project_id"].astype("int64").tolist(),
        "level1": texts_of(ind["level1"]), "level2": texts_of(ind["level2"]), "name": texts_of(ind["name"]),
        "target_text": texts_of(ind["target_text"]), "actual_text": texts_of(actual),
        "weight": np.nan_to_num(ind["weight"].to_numpy(dtype=float)).tolist(),
        "score": np.nan_to_num(ind["score"].to_numpy(dtype=float)).tolist(),
        "note": reported["note"].tolist(), "likelihood": reported["likelihood"].tolist(),
        "category": reported["category"].tolist(),
        # 全年预计完成情况: the reporter's (as of the cut-off on a 监控表), else what an imported table printed.
        "forecast_text": [r or e for r, e in zip(
            (period_texts if period_ind is not None else reported)["forecast"].tolist(),
            texts_of(ext["forecast_text"]), strict=True)],
        "remark": texts_of(ext["remark"]),
        "nature": texts_of(ext["nature"]), "kind": texts_of(ind["kind"]), "operator": texts_of(ind["operator"]),
        "unit": texts_of(ind["unit"]),
        "period_text": period_shown.tolist() if period_ind is not None else empty,
        "period_note": period_texts["note"].tolist() if period_ind is not None else empty,
        "period_likelihood": period_texts["likelihood"].tolist() if period_ind is not None else empty,
        "period_category": period_texts["category"].tolist() if period_ind is not None else empty,
    }
    rows: dict[int, list[FormIndicator]] = {}
    for i in range(n):
        c = {k: v[i] for k, v in cols.items()}
        default_nature, value, measure = _target_parts(c["kind"], c["operator"], c["target_text"], c["unit"])
        rows.setdefault(c["project_id"], []).append(FormIndicator(
            indicator_id=c["indicator_id"], level1=c["level1"], level2=c["level2"], name=c["name"],
            target_text=c["target_text"], actual_text=c["actual_text"], weight=c["weight"], score=c["score"],
            note=c["note"], likelihood=c["likelihood"],
            deviation_category=c["category"], forecast_text=c["forecast_text"],
            period_text=c["period_text"], remark=c["remark"], nature=c["nature"] or default_nature,
            target_value=value, unit=measure, period_note=c["period_note"],
            period_likelihood=c["period_likelihood"],
            period_category=c["period_category"],
        ))

    # The reporter's project-level fields (spending rows): 全年预计执行数 and 实际完成情况, from the latest
    # spending report as of the view's date, and as of the cut-off for the 监控表's 1-X月 figures.
    spending = _by_project(store.latest_spending(ids, as_of))
    period_spending: dict[int, dict] = {}
    for year, cutoff in cutoffs.items():
        in_year = projects.loc[projects["year"] == year, "project_id"].astype("int64").tolist()
        period_spending.update(_by_project(store.latest_spending(in_year, cutoff)))

    out = []
    for p in projects.to_dict("records"):
        pid = int(p["project_id"])
        unreported = bool(p["unreported"]) if pd.notna(p["unreported"]) else False
        budget = _budget_rows(p, lines.get(pid), as_of)
        goal = goals.get(pid)
        extra: dict = {}
        if period_proj is not None:
            cutoff = cutoffs[int(p["year"])]
            pp = period_proj[pid]
            budget = _period_rows(budget, lines.get(pid), month, _amount(pp["spent"]), _float(pp["execution_rate"]))
            same_month = goal is not None and pd.notna(goal["monitor_month"]) and int(goal["monitor_month"]) == month
            given = period_spending.get(pid, {})
            extra = {"month": month, "cutoff": cutoff,
                     "period_goal_actual": _text(given.get("goal_actual"))
                     or (_text(goal["monitor_goal_actual"]) if same_month else "")}
            if _amount(given.get("forecast")) is not None:
                budget = (replace(budget[0], forecast=_amount(given["forecast"])), *budget[1:])
        score = None if unreported or pd.isna(p["score"]) else float(p["score"])
        out.append(FormProject(
            project_id=pid, year=int(p["year"]), name=_text(p["name"]), department=_text(p["department"]),
            unit=_text(p["unit"]), as_of=as_of, budget=budget,
            budget_points=float(p["budget_points"]),
            execution_rate=_float(p["execution_rate"]), budget_score=float(np.nan_to_num(p["budget_score"])),
            goal_text=_text(p["goal_text"]),
            goal_actual=_text(spending.get(pid, {}).get("goal_actual"))
            or (_text(goal["selfeval_goal_actual"]) if goal is not None else ""),
            indicators=tuple(rows.get(pid, ())), score=score,
            grade=UNREPORTED if unreported else _text(p["grade"]),
            light=UNREPORTED if unreported else LIGHT_NAMES.get(str(p["light"]), ""),
            printed_total=_float(p["printed_total"]), unreported=unreported, **extra,
        ))
    return out


# -- layouts (domain.md section 8) --------------------------------------------------------------
@lru_cache(maxsize=256)
def _span(letters: str) -> tuple[int, int]:
    """"C:J" → (3, 10); "E" → (5, 5)."""
    first, _, last = letters.partition(":")
    return _column(first), _column(last or first)


def _column(letters: str) -> int:
    return sum((ord(ch) - 64) * 26 ** i for i, ch in enumerate(reversed(letters)))


@dataclass(frozen=True)
class SelfevalLayout:
    """Where each part of a 自评表 goes: column spans as letters ("C:J"), labels as printed."""

    widths: tuple[float, ...]
    name: tuple[str, str]                         # 项目名称 label, value
    dept: tuple[str, str, str, str]               # 主管部门 label, value, 实施单位 label, value
    budget_label: str                             # over rows 5..9 at the left; "{points}" → budget points
    budget_label_cols: str
    budget_row_cols: str                          # the row labels (年度资金总额 …)
    budget_columns: tuple[tuple[str, str, str], ...]  # (field, header, cols): initial … score
    goal: tuple[str, str, str]                    # 年度总体目标 label col, 预期目标 cols, 实际完成情况 cols
    group_label: str                              # A12:A(n); "{points}" → the indicators' points
    indicator_columns: tuple[tuple[str, str, str], ...]  # (field, header, cols)
    total: tuple[str, str, str, str]              # 总分 label, 100, the total, the rest
    level1_points: bool = True                    # "产出指标(50分)"
    signatures: tuple[str, ...] = ()              # lines under the table
    budget_unit: str = ""                         # over the row labels, where the block's label has no unit


_SELFEVAL_10 = SelfevalLayout(
    widths=(7, 11, 14, 26, 14, 14, 14, 9, 11, 18),
    name=("A:B", "C:J"),
    dept=("A:B", "C:E", "F:G", "H:J"),
    budget_label="项目资金（万元）", budget_label_cols="A:B", budget_row_cols="C:D",
    budget_columns=(("initial", "年初预算数", "E"), ("adjusted", "全年预算数（A）", "F"),
                    ("executed", "全年执行数（B）", "G"), ("points", "分值", "H"), ("rate", "执行率（B/A）", "I"),
                    ("score", "得分", "J")),
    goal=("A", "B:F", "G:J"),
    group_label="绩效指标",
    indicator_columns=(("level1", "一级指标", "B"), ("level2", "二级指标", "C"), ("name", "三级指标", "D"),
                       ("target_text", "年度指标值（A）", "E"), ("actual_text", "实际完成值（B）", "F"),
                       ("weight", "分值", "G"), ("score", "得分", "H"), ("note", "偏差原因分析及改进措施", "I:J")),
    total=("A:F", "G", "H", "I:J"),
)
# Sichuan 一体化: 预算执行情况(10分) + 绩效指标(90分);
# 指标性质 | 指标值 | 度量单位 | 完成值 | 权重 | 得分 | 未完成原因分析.
_SELFEVAL_SICHUAN = SelfevalLayout(
    widths=(7, 10, 12, 24, 7, 11, 9, 13, 9, 9, 10, 16),
    name=("A:B", "C:L"),
    dept=("A:B", "C:F", "G:H", "I:L"),
    budget_label="预算执行情况({points}分)", budget_label_cols="A:B", budget_row_cols="C:D",
    budget_columns=(("initial", "年初预算数", "E:F"), ("adjusted", "调整后预算数（A）", "G"),
                    ("executed", "预算执行数（B）", "H"), ("points", "分值", "I"), ("rate", "执行率（B/A）", "J"),
                    ("score", "得分", "K:L")),
    goal=("A", "B:G", "H:L"),
    group_label="绩效指标({points}分)",
    indicator_columns=(("level1", "一级指标", "B"), ("level2", "二级指标", "C"), ("name", "三级指标", "D"),
                       ("nature", "指标性质", "E"), ("target_value", "指标值", "F"), ("unit", "度量单位", "G"),
                       ("actual_text", "完成值", "H"), ("weight", "权重", "I"), ("score", "得分", "J"),
                       ("note", "未完成原因分析", "K:L")),
    total=("A:H", "I", "J", "K:L"),
    level1_points=False,
    signatures=("项目负责人：", "财务负责人："),
    budget_unit="单位：万元",
)
# Hubei: the 10号 grid headed 预算执行情况(20分) (the scheme's budget points), targets headed 年初目标值（A）.
_SELFEVAL_HUBEI = replace(
    _SELFEVAL_10,
    budget_label="预算执行情况({points}分)", budget_unit="单位：万元",
    indicator_columns=tuple((f, "年初目标值（A）" if f == "target_text" else h, c)
                            for f, h, c in _SELFEVAL_10.indicator_columns),
)
SELFEVAL_LAYOUTS: dict[str, SelfevalLayout] = {"10号": _SELFEVAL_10, "四川": _SELFEVAL_SICHUAN, "湖北": _SELFEVAL_HUBEI}
# Rows of the 自评表 before the indicators (domain.md section 8): title, year, name, dept, budget 5-9, goal 10-11.
SELFEVAL_ROWS = {"title": 1, "year": 2, "name": 3, "dept": 4, "budget": 5, "goal": 10, "indicators": 12}


@dataclass(frozen=True)
class MonitorLayout:
    """Where each part of a 监控表 goes; "{month}" in a label is the cut-off month X."""

    widths: tuple[float, ...]
    name: tuple[str, str]
    dept: tuple[str, str, str, str]
    dept_label: str
    budget_label_cols: str
    budget_row_cols: str
    budget_columns: tuple[tuple[str, str, str], ...]   # (field, header, cols); "" field: an empty block
    goal: tuple[str, str, str]
    goal_labels: tuple[str, str]
    indicator_columns: tuple[tuple[str, str, str], ...]  # merged over the two header rows
    deviation: tuple[str, str]                            # group label, cols (one per category)
    likelihood: tuple[str, str]
    remark: tuple[str, str]
    notes: str


MONITOR_LAYOUT = MonitorLayout(
    widths=(6, 9, 11, 22, 12, 14, 13, 8, 8, 8, 8, 8, 7, 7, 8, 14),
    name=("A:C", "D:P"),
    dept=("A:C", "D:H", "I:J", "K:P"),
    dept_label="主管部门及代码",
    budget_label_cols="A:C", budget_row_cols="D:E",
    budget_columns=(("initial", "年初预算数", "F:G"), ("period_executed", "1-{month}月执行数", "H:I"),
                    ("period_rate", "1-{month}月执行率", "J:K"), ("forecast", "全年预计执行数", "L:M"),
                    ("", "", "N:P")),
    goal=("A", "B:H", "I:P"),
    goal_labels=("全年预期目标", "1-{month}月实际完成情况"),
    indicator_columns=(("level1", "一级指标", "B"), ("level2", "二级指标", "C"), ("name", "三级指标", "D"),
                       ("target_text", "年度指标值", "E"), ("period_text", "1-{month}月执行情况", "F"),
                       ("forecast_text", "全年预计完成情况", "G")),
    deviation=("偏差原因分析", "H:L"),
    likelihood=("完成目标可能性", "M:O"),
    remark=("备注", "P"),
    notes="注：完成目标可能性为“有可能”或“完全不可能”的，须同时填写偏差原因和改进措施。",
)
MONITOR_ROWS = {"title": 1, "year": 2, "name": 3, "dept": 4, "budget": 5, "goal": 9, "indicators": 11}


# -- building the grid ----------------------------------------------------------------------------
class _Grid:
    """Cells in the making; one place for spans so the layouts above stay declarative."""

    def __init__(self) -> None:
        self.cells: list[Cell] = []

    def put(self, row: int, cols: str, value: object, kind: str = TEXT, rows: int = 1, bold: bool = False,
            align: str = "left", size: str = "normal") -> None:
        first, last = _span(cols)
        if isinstance(value, float) and np.isnan(value):
            value = None
        self.cells.append(Cell(row, first, value, kind, rows, last - first + 1, bold, align, size))


def points_text(points: float) -> str:
    """Points in a label: "50", "44.5" (no trailing zeros)."""
    text = f"{points:.2f}".rstrip("0").rstrip(".")
    return text or "0"


def footer(as_of: date, generated_by: str) -> str:
    """The footer of every form: "截至2026年12月1日 · 由…生成"."""
    return f"截至{cn_date(as_of)} · 由{generated_by}生成"


def sheet_name(project_id: int, name: str, prefix: str = "") -> str:
    """A sheet name Excel accepts (≤ 31 characters, none of []:*?/\\), naming the project by id."""
    text = _SHEET_FORBIDDEN.sub("_", f"{project_id} {prefix}{short_name(name)}")
    return text[:SHEET_CHARS].strip() or str(project_id)


def _runs(keys: Sequence[object]) -> list[tuple[int, int]]:
    """(start, length) of each run of equal consecutive keys."""
    out: list[tuple[int, int]] = []
    for i, k in enumerate(keys):
        if out and keys[out[-1][0]] == k:
            out[-1] = (out[-1][0], out[-1][1] + 1)
        else:
            out.append((i, 1))
    return out


def _head(g: _Grid, title: str, fp: FormProject, last_col: str, name: tuple[str, str],
          dept: tuple[str, str, str, str], dept_label: str) -> None:
    g.put(1, f"A:{last_col}", title, bold=True, align="center", size="title")
    g.put(2, f"A:{last_col}", f"（{fp.year}年度）", align="center")
    g.put(3, name[0], "项目名称", bold=True, align="center")
    g.put(3, name[1], fp.name)
    g.put(4, dept[0], dept_label, bold=True, align="center")
    g.put(4, dept[1], fp.department)
    g.put(4, dept[2], "实施单位", bold=True, align="center")
    g.put(4, dept[3], fp.unit)


def _level_rows(g: _Grid, first_row: int, indicators: Sequence[FormIndicator], cols: dict[str, str],
                level1_label: Callable[[str], str]) -> None:
    """一级 merged per run with its label, 二级 merged per run within it."""
    l1 = [i.level1 for i in indicators]
    for start, n in _runs(l1):
        g.put(first_row + start, cols["level1"], level1_label(l1[start]), rows=n, align="center")
    l2 = [(i.level1, i.level2) for i in indicators]
    for start, n in _runs(l2):
        g.put(first_row + start, cols["level2"], l2[start][1], rows=n, align="center")


def selfeval_form(fp: FormProject, settings: Settings, footer: str) -> Form:
    """The 项目支出绩效自评表 of one project in the layout of its scheme ([forms] scheme)."""
    lay = SELFEVAL_LAYOUTS[settings.forms.scheme]
    last_col = chr(64 + len(lay.widths))
    g = _Grid()
    _head(g, SELFEVAL_TITLE, fp, last_col, lay.name, lay.dept, "主管部门")

    r0 = SELFEVAL_ROWS["budget"]
    budget_points = points_text(fp.budget_points)
    g.put(r0, lay.budget_label_cols, lay.budget_label.format(points=budget_points), rows=1 + len(BUDGET_ROWS),
          bold=True, align="center")
    g.put(r0, lay.budget_row_cols, lay.budget_unit, align="center")
    for _, header, cols in lay.budget_columns:
        g.put(r0, cols, header.format(points=budget_points), bold=True, align="center")
    for k, row in enumerate(fp.budget, start=1):
        scored = row.name == TOTAL_ROW
        g.put(r0 + k, lay.budget_row_cols, row.label)
        values = {
            "initial": (row.initial, MONEY), "adjusted": (row.adjusted, MONEY), "executed": (row.executed, MONEY),
            "points": (fp.budget_points, POINTS) if scored else (DASH, TEXT),
            "rate": ((fp.execution_rate if scored else row.rate), PERCENT),
            "score": (fp.budget_score, POINTS) if scored else (DASH, TEXT),
        }
        for field_name, _, cols in lay.budget_columns:
            value, kind = values[field_name]
            g.put(r0 + k, cols, value, kind, align="center" if kind == TEXT else "right")

    r = SELFEVAL_ROWS["goal"]
    label, expected, achieved = lay.goal
    g.put(r, label, "年度总体目标", rows=2, bold=True, align="center")
    g.put(r, expected, "预期目标", bold=True, align="center")
    g.put(r, achieved, "实际完成情况", bold=True, align="center")
    g.put(r + 1, expected, fp.goal_text)
    g.put(r + 1, achieved, fp.goal_actual)

    h = SELFEVAL_ROWS["indicators"]
    inds = fp.indicators
    cols = {f: c for f, _, c in lay.indicator_columns}
    points = sum(i.weight for i in inds)
    g.put(h, "A", lay.group_label.format(points=points_text(points)), rows=1 + len(inds), bold=True, align="center")
    for _, header, c in lay.indicator_columns:
        g.put(h, c, header, bold=True, align="center")
    level1_points: dict[str, float] = {}
    for i in inds:
        level1_points[i.level1] = level1_points.get(i.level1, 0.0) + i.weight
    _level_rows(g, h + 1, inds, cols, lambda l1: f"{l1}({points_text(level1_points[l1])}分)"
                if lay.level1_points else l1)
    for k, i in enumerate(inds, start=h + 1):
        for field_name, _, c in lay.indicator_columns:
            if field_name in ("level1", "level2"):
                continue
            value = getattr(i, field_name)
            kind = POINTS if field_name in ("weight", "score") else TEXT
            g.put(k, c, value, kind, align="right" if kind == POINTS else "left")

    t = h + len(inds) + 1
    label, hundred, total, rest = lay.total
    g.put(t, label, "总分", bold=True, align="center")
    g.put(t, hundred, 100, POINTS, bold=True, align="right")
    g.put(t, total, UNREPORTED if fp.score is None else fp.score, TEXT if fp.score is None else POINTS,
          bold=True, align="right")
    g.put(t, rest, "")
    return Form(
        kind=SELFEVAL, sheet_name=sheet_name(fp.project_id, fp.name), title=SELFEVAL_TITLE, widths=lay.widths,
        cells=tuple(g.cells), header_rows=(h, h), footer=footer, landscape=False, notes=lay.signatures,
    )


def monitor_form(fp: FormProject, settings: Settings, month: int, footer: str) -> Form:
    """The 项目支出绩效目标执行监控表 of one project at 1-X月 (``fp`` gathered with the same month)."""
    if fp.month != month:
        raise ValueError(f"the project was gathered for month {fp.month}, not {month}: "
                         "call form_projects(..., month=...) with the form's month")
    lay = MONITOR_LAYOUT
    last_col = chr(64 + len(lay.widths))
    g = _Grid()
    _head(g, MONITOR_TITLE, fp, last_col, lay.name, lay.dept, lay.dept_label)

    r0 = MONITOR_ROWS["budget"]
    g.put(r0, lay.budget_label_cols, "项目资金（万元）", rows=1 + len(MONITOR_BUDGET_ROWS), bold=True, align="center")
    g.put(r0, lay.budget_row_cols, "")
    for _, header, cols in lay.budget_columns:
        g.put(r0, cols, header.format(month=month), bold=True, align="center")
    for k, (name, label) in enumerate(MONITOR_BUDGET_ROWS, start=1):
        row = fp.row(name)
        g.put(r0 + k, lay.budget_row_cols, label)
        for field_name, _, cols in lay.budget_columns:
            value = getattr(row, field_name) if field_name else None
            kind = PERCENT if field_name == "period_rate" else MONEY if field_name else TEXT
            g.put(r0 + k, cols, value, kind, align="right")

    r = MONITOR_ROWS["goal"]
    label, expected, achieved = lay.goal
    g.put(r, label, "年度总体目标", rows=2, bold=True, align="center")
    g.put(r, expected, lay.goal_labels[0], bold=True, align="center")
    g.put(r, achieved, lay.goal_labels[1].format(month=month), bold=True, align="center")
    g.put(r + 1, expected, fp.goal_text)
    g.put(r + 1, achieved, fp.period_goal_actual)

    h = MONITOR_ROWS["indicators"]
    inds = fp.indicators
    g.put(h, "A", "绩效指标", rows=2 + len(inds), bold=True, align="center")
    for _, header, c in lay.indicator_columns:
        g.put(h, c, header.format(month=month), rows=2, bold=True, align="center")
    dev_first, _ = _span(lay.deviation[1])
    lik_first, _ = _span(lay.likelihood[1])
    g.put(h, lay.deviation[1], lay.deviation[0], bold=True, align="center")
    g.put(h, lay.likelihood[1], lay.likelihood[0], bold=True, align="center")
    g.put(h, lay.remark[1], lay.remark[0], rows=2, bold=True, align="center")
    for k, name in enumerate(DEVIATION_CATEGORIES):
        g.put(h + 1, chr(64 + dev_first + k), name, bold=True, align="center")
    for k, name in enumerate(LIKELIHOOD_COLUMNS):
        g.put(h + 1, chr(64 + lik_first + k), name, bold=True, align="center")
    cols = {f: c for f, _, c in lay.indicator_columns}
    first = h + 2
    _level_rows(g, first, inds, cols, lambda l1: l1)
    for k, i in enumerate(inds, start=first):
        for field_name, _, c in lay.indicator_columns:
            if field_name not in ("level1", "level2"):
                g.put(k, c, getattr(i, field_name))
        remark = i.remark
        if i.period_category in DEVIATION_CATEGORIES:
            # The reason text under its category; a category without a reason is ticked.
            at = dev_first + DEVIATION_CATEGORIES.index(i.period_category)
            for j in range(len(DEVIATION_CATEGORIES)):
                mark = (i.period_note or CHECK) if dev_first + j == at else None
                g.put(k, chr(64 + dev_first + j), mark, align="left" if i.period_note else "center")
        else:
            for j in range(len(DEVIATION_CATEGORIES)):
                g.put(k, chr(64 + dev_first + j), None)
            # A reason given without a category is not put under one by guess: it goes to 备注.
            remark = "；".join(x for x in (i.period_note, remark) if x)
        for j, name in enumerate(LIKELIHOOD_COLUMNS):
            g.put(k, chr(64 + lik_first + j), CHECK if i.period_likelihood == name else None, align="center")
        g.put(k, lay.remark[1], remark)
    n = first + len(inds)
    g.put(n, f"A:{last_col}", lay.notes, size="small")
    return Form(
        kind=MONITOR, sheet_name=sheet_name(fp.project_id, fp.name, "监控 "), title=MONITOR_TITLE,
        widths=lay.widths, cells=tuple(g.cells), header_rows=(h, h + 1), footer=footer, landscape=True,
    )


# -- the 汇总 of a department workbook --------------------------------------------------------------
SUMMARY = "summary"
SUMMARY_SHEET = "汇总"
SUMMARY_TITLE = "项目支出绩效自评汇总表"
# Summary columns that hold scores: two decimals like every score on screen.
SUMMARY_POINTS = frozenset({"自评得分", "自评表总分", "差值"})
SUMMARY_WIDTHS = {"项目名称": 40, "主管部门": 24, "实施单位": 24}
SUMMARY_COLUMNS = ("项目名称", "主管部门", "实施单位", "年度资金总额(万元)", "全年执行数(万元)", "执行率", "自评得分",
                   "等级", "监控灯", "自评表总分", "差值")


def summary_frame(view: View) -> pd.DataFrame:
    """One row per project of the view: funds, execution rate, score, grade, light, and the 总分 an
    imported 自评表 printed beside the computed score with their difference (printed − computed, as
    both are shown: two decimals). An unreported project reads 未填报 for its score, grade and light.

    Amounts are exact Decimals (万元); 执行率 is in percent with the one rounding (as the 资金 table),
    which the workbook writes as a real fraction '0.0%'.
    """
    p = view.projects
    unreported = p["unreported"].fillna(False).astype(bool)
    score = p["score"].round(2)
    printed = p["printed_total"].astype(float)
    diff = (printed - score).round(2).where(printed.notna() & ~unreported)
    return pd.DataFrame({
        "项目名称": p["name"],
        "主管部门": p["department"].astype(str),
        "实施单位": p["unit"].fillna(""),
        "年度资金总额(万元)": p["funding_total"].map(_amount),
        "全年执行数(万元)": p["spent"].map(_amount),
        "执行率": round_percent(p["execution_rate"]),
        "自评得分": score.astype(object).where(~unreported, UNREPORTED),
        "等级": p["grade"].astype(str).where(~unreported, UNREPORTED),
        "监控灯": p["light"].astype(str).map(LIGHT_NAMES).where(~unreported, UNREPORTED),
        "自评表总分": printed.astype(object).where(printed.notna(), None),
        "差值": diff.astype(object).where(diff.notna(), None),
    }, columns=list(SUMMARY_COLUMNS)).reset_index(drop=True)


def summary_form(summary: pd.DataFrame, footer: str) -> Form:
    """The 汇总 of a department workbook (``summary_frame``) as a Form, for the XLSX and the PDF alike:
    title, the as-of line, the header row (repeated on every printed page), one row per project.
    Money columns '#,##0.00', 执行率 (in percent in the frame) as a real fraction '0.0%', scores two
    decimals; a 未填报 where a score would be stays text."""
    columns = [str(c) for c in summary.columns]
    n = len(columns)
    cells = [Cell(1, 1, SUMMARY_TITLE, TEXT, cols=n, bold=True, align="center", size="title"),
             Cell(2, 1, footer.split(" · ")[0], TEXT, cols=n, align="center")]
    cells += [Cell(3, k, name, TEXT, bold=True, align="center") for k, name in enumerate(columns, start=1)]
    kinds = [MONEY if is_money_column(c) else PERCENT if is_percent_column(c) else POINTS if c in SUMMARY_POINTS
             else TEXT for c in columns]
    for r, values in enumerate(summary.itertuples(index=False, name=None), start=4):
        for k, (kind, value) in enumerate(zip(kinds, values, strict=True), start=1):
            if value is None or (not isinstance(value, str) and pd.isna(value)):
                value = None
            elif kind == PERCENT and not isinstance(value, str):
                value = float(value) / 100  # the rate in percent as a real fraction, shown 91.2%
            if isinstance(value, str) and kind != TEXT:
                cells.append(Cell(r, k, value, TEXT, align="center"))
            else:
                cells.append(Cell(r, k, value, kind, align="left" if kind == TEXT else "right"))
    return Form(kind=SUMMARY, sheet_name=SUMMARY_SHEET, title=SUMMARY_TITLE,
                widths=tuple(float(SUMMARY_WIDTHS.get(c, 13)) for c in columns), cells=tuple(cells),
                header_rows=(3, 3), footer=footer, landscape=True)
