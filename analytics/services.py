"""Use cases over the store: what the command line and the pages call."""

from __future__ import annotations

import calendar
import dataclasses
import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

from analytics.auth import PermissionDenied, User, require_admin, require_reporter
from analytics.dashboard import LIGHT_NAMES
from analytics.engine import (
    DIRECTIONS,
    KINDS,
    LIGHTS,
    ZERO_FILLED,
    compute,
    compute_indicators,
    mean_score,
    time_progress,
)
from analytics.exports import template_csv, template_frames, template_xlsx
from analytics.model import (
    DEVIATION_CATEGORIES,
    GRADES,
    LIKELIHOODS,
    NOT_APPLICABLE,
    TABLE_KINDS,
    BudgetLine,
    Indicator,
    InputError,
    ProjectTable,
    TargetValue,
)
from analytics.readers import read_tables
from analytics.reports import (
    ACTUAL_INPUTS,
    INDICATOR_COLUMNS,
    SPENDING_COLUMNS,
    SPENDING_INPUTS,
    WHERE_COLUMNS,
    Cell,
    ReportBatch,
    ReportRefused,
    RowError,
    check_report,
    likelihood_label,
    parse_actual,
)
from analytics.safetext import clip, clip_file_name
from analytics.settings import Settings, TextLimits, load_settings
from analytics.storage import INDICATOR_EXTRAS, PROJECT_ROOT, Audit, Store
from analytics.values import parse_target
from analytics.wording import cn_dates, money

DATA_DIR = PROJECT_ROOT / "data"
TARGET_SUFFIXES = (".txt", ".tsv", ".csv", ".xlsx", ".docx", ".pdf")
# The audit action of an import the page refused (accounts.ACTIONS lists it for the audit page's filter).
IMPORT_FAILED = "导入失败"


# -- text caps ([limits] of settings.toml): checked here, before anything reaches the store ------
def _limits() -> TextLimits:
    return load_settings().text_limits


def _audit(username: str | None, action: str, detail: str = "", file_name: str | None = None) -> Audit:
    """An audit line cut to the caps: whatever a caller let through, one line stays small."""
    lim = _limits()
    return Audit(
        None if username is None else clip(username, lim.audit_user_chars),
        action,
        clip(detail, lim.audit_detail_chars),
        None if file_name is None else clip_file_name(file_name, lim.file_name_chars),
    )


def bounded_file_name(name: str) -> str:
    """A file name as stored (source, audit): shortened to the cap, its extension kept."""
    return clip_file_name(name, _limits().file_name_chars)


def _require_short(text: str, limit: int, what: str) -> str:
    if len(text) > limit:
        raise InputError(f"{what}过长:最多 {limit} 个字,现有 {len(text)} 个字。请缩短后重试。")
    return text


def _table_text_error(tables: list[ProjectTable], limit: int) -> str | None:
    """The first text of a table or indicator longer than ``limit``, said in Chinese; None if all fit."""
    for t in tables:
        for owner, where in ((t, f"表“{clip(t.name, 40)}”"), *((i, f"表“{clip(t.name, 40)}”的指标“{clip(i.name, 40)}”")
                                                              for i in t.indicators)):
            for f in dataclasses.fields(owner):
                value = getattr(owner, f.name)
                if isinstance(value, TargetValue):
                    value = value.text
                if isinstance(value, str) and len(value) > limit:
                    return (f"{where}中有一段文字长 {len(value)} 个字,超过上限 {limit} 个字(字段 {f.name})。"
                            "请检查文件是否损坏或粘贴了多余内容,改正后重新导入。")
    return None


def _long_cell_errors(batch: ReportBatch, lim: TextLimits) -> list[RowError]:
    """Report rows whose value, note or reporter is longer than the caps: refused like any bad cell."""
    checks = (
        (batch.actuals, "value_text", "实际完成值", lim.cell_text_chars),
        (batch.actuals, "note", "偏差原因分析及改进措施", lim.note_chars),
        (batch.actuals, "reporter", "填报人", lim.audit_user_chars),
        (batch.actuals, "forecast_text", "全年预计完成情况", lim.note_chars),
        (batch.spending, "note", "说明", lim.note_chars),
        (batch.spending, "goal_actual", "实际完成情况", lim.note_chars),
        (batch.spending, "reporter", "填报人", lim.audit_user_chars),
    )
    errors = []
    for frame, column, label, limit in checks:
        if column not in frame.columns:
            continue
        texts = frame[column].astype(object)
        too_long = texts.map(lambda v, n=limit: isinstance(v, str) and len(v) > n).astype(bool)
        for r, text in zip(frame[too_long].itertuples(), texts[too_long], strict=True):
            errors.append(RowError(r.sheet, int(r.row), label, clip(text, 60),
                                   f"内容过长:最多 {limit} 个字,现有 {len(text)} 个字,请缩短后重新上传"))
    return errors


@dataclass
class ImportResult:
    file_name: str
    tables: int
    projects: list[str]
    indicators: int
    warnings: list[str] = field(default_factory=list)
    projects_new: int = 0
    versions_new: int = 0
    kinds: list[str] = field(default_factory=list)  # per table, its TABLE_KINDS name (绩效自评表 …)
    # Per table, what a 自评表 / 监控表 brought (None for a 绩效目标表).
    taken: list[TakenIn | None] = field(default_factory=list)
    actuals_new: int = 0  # reports appended from 自评表 / 监控表 values
    spending_new: int = 0


@dataclass(frozen=True)
class TakenIn:
    """What one 自评表 or 监控表 brought besides its targets."""

    values: int  # 实际完成值 / 1-X月执行情况 turned into reports (numbers, dates or grades)
    notes: int  # values kept only as a note (free text that is not a value of its indicator)
    weights: int  # 分值 of indicators, plus the budget row's
    scores: int  # printed 得分 of indicators, plus the budget row's
    spending: int  # 全年执行数 / 1-X月执行数 taken as a spending report
    as_of: date | None


def _stage(tables: list[ProjectTable], source: str) -> tuple[list[dict], list[dict]]:
    projects, indicators = [], []
    seen: dict[tuple, int] = {}
    for ord_, t in enumerate(tables):
        key = (t.year, t.department, t.name)
        if key in seen:
            first = tables[seen[key]]
            if first.kind != t.kind:
                raise InputError(
                    f"文件“{source}”{t.location}:项目“{t.name}”({t.year}年度)的{first.kind_name}和{t.kind_name}"
                    f"在同一文件中;请把它们分成两个文件,先导入{first.kind_name},再导入{t.kind_name}"
                )
            raise InputError(
                f"文件“{source}”{t.location}:项目“{t.name}”({t.year}年度)在同一文件中出现了两次;"
                "请删除重复的一张后重新导入"
            )
        seen[key] = ord_
        projects.append({
            "ord": ord_, "year": t.year, "department": t.department, "name": t.name,
            "unit": t.unit, "attribute": t.attribute, "start_date": t.start_date,
            "end_date": t.end_date, "funding_total": t.funding_total,
            "funding_fiscal": t.funding_fiscal, "funding_other": t.funding_other,
            "goal_text": t.goal_text, "warnings": json.dumps(t.warnings, ensure_ascii=False),
            "kind": t.kind, "month": t.month, "budget_points": _budget_points(t),
            "budget_adjusted": _budget_adjusted(t), "printed_total": t.printed_total,
            "goal_actual": t.goal_actual, "fingerprint": _fingerprint(t),
        })
        occurrences: Counter[tuple[str, str, str]] = Counter()
        for seq, ind in enumerate(t.indicators, start=1):
            k = (ind.level1, ind.level2, ind.name)
            occurrences[k] += 1
            indicators.append({
                "ord": ord_, "seq": seq, "level1": ind.level1, "level2": ind.level2,
                "name": ind.name, "occurrence": occurrences[k], **_target_fields(ind.target),
                **{c: getattr(ind, c) for c in INDICATOR_EXTRAS},
            })
    return projects, indicators


TOTAL_BUDGET_ROW = "年度资金总额"
_AMOUNTS = ("initial", "adjusted", "executed", "forecast")


def _fingerprint(t: ProjectTable) -> str:
    """What a table printed beyond its targets, as a digest: an unchanged re-import records nothing new."""
    printed = (
        t.kind, t.month, t.budget_points, t.printed_total, t.goal_actual,
        [dataclasses.astuple(line) for line in t.budget],
        [tuple(getattr(i, c) for c in INDICATOR_EXTRAS) for i in t.indicators],
    )
    return hashlib.sha256(repr(printed).encode("utf-8")).hexdigest()


def _total_line(budget: list[BudgetLine]) -> BudgetLine | None:
    """The budget figures the execution rate and the spending report come from.

    The 年度资金总额 row; a block's only row (a Sichuan 预算执行情况 row stands alone); and where
    the 年度资金总额 row is printed all zeros or empty while its 其中 rows hold amounts (seen in
    Anhui forms), the sum of those rows, which is what the total means.
    """
    total = next((line for line in budget if line.label == TOTAL_BUDGET_ROW), None)
    if total is None:
        return budget[0] if len(budget) == 1 else None
    parts = [line for line in budget if line is not total]
    if any(getattr(total, a) for a in _AMOUNTS) or not any(getattr(p, a) for p in parts for a in _AMOUNTS):
        return total
    summed = {a: sum((Decimal(getattr(p, a)) for p in parts if getattr(p, a) is not None), Decimal(0))
              if any(getattr(p, a) is not None for p in parts) else None for a in _AMOUNTS}
    return BudgetLine(TOTAL_BUDGET_ROW, **summed, points=total.points, rate=total.rate, score=total.score)


def _budget_points(t: ProjectTable) -> Decimal | None:
    if t.budget_points is not None:
        return t.budget_points
    line = _total_line(t.budget)
    return line.points if line is not None else None


def _budget_adjusted(t: ProjectTable) -> Decimal | None:
    """The adjusted budget (全年预算数 / 调整后预算数) the execution rate is taken against."""
    line = _total_line(t.budget)
    return line.adjusted if line is not None else None


def _as_of(t: ProjectTable) -> date | None:
    """The date a table's values hold at: a 自评表's year end, a 监控表's last day of month X."""
    if t.year is None or t.kind == "target":
        return None
    if t.kind == "selfeval":
        return date(t.year, 12, 31)
    if t.month is None or not 1 <= t.month <= 12:
        return None
    return date(t.year, t.month, calendar.monthrange(t.year, t.month)[1])


def _band_of(rate: float, s: Settings) -> str | None:
    """The qualitative grade whose band holds a rate in percent (bands are [low, high), the best closed)."""
    for name in GRADES:
        band = s.qualitative[name]
        if band.low <= rate < band.high or (name == GRADES[0] and rate == band.high):
            return name
    return None


def _likelihood(text: str) -> str | None:
    t = text.strip()
    if t == "完全不可能":
        return "不可能"
    return t if t in LIKELIHOODS else None


def _report_note(ind: Indicator) -> str:
    """Deviation reason and measures as one note; a 监控表 names the category first."""
    parts = []
    if ind.deviation_category:
        parts.append(f"偏差原因类别:{ind.deviation_category}")
    if ind.note:
        parts.append(ind.note)
    return ";".join(parts)


def _indicator_report(t: ProjectTable, ind: Indicator, as_of: date, s: Settings) -> tuple[dict | None, list[str]]:
    """One row's value as a report (or None), and warnings about what could not be taken as printed."""
    text = ind.actual_text.strip()
    target = _target_fields(ind.target)
    note = _report_note(ind)
    likelihood = _likelihood(ind.likelihood)
    # The category and 全年预计完成情况 are also the report's own columns (domain.md section 9), so
    # a 监控表 printed from the reports shows them whether they were imported or typed.
    category = ind.deviation_category.strip()
    report = {"as_of": as_of, "value_text": text, "value_num": None, "value_date": None, "grade": None,
              "grade_rate": None, "likelihood": likelihood, "note": note or None,
              "deviation_category": category if category in DEVIATION_CATEGORIES else None,
              "forecast_text": ind.forecast_text.strip() or None}
    where = f"表“{t.name}”{ind.location}指标“{ind.name}”"
    warnings = []
    if ind.likelihood.strip() and likelihood is None:
        warnings.append(f"{where}:完成目标可能性“{ind.likelihood}”无法识别(应为确定能、有可能或不可能),未保存")
    elif likelihood in ("有可能", "不可能") and not ind.note.strip():
        warnings.append(f"{where}:完成目标可能性为“{likelihood}”,但没有填写偏差原因和改进措施;请补充后重新导入")
    if (target["kind"] == "qualitative" and ind.printed_score is not None and ind.weight
            and Decimal(ind.weight) > 0):
        rate = float(Decimal(ind.printed_score) / Decimal(ind.weight) * 100)
        grade = _band_of(rate, s)
        if grade is None:
            warnings.append(f"{where}:得分{ind.printed_score}不在0到分值{ind.weight}之间,未按得分定等级;"
                            "请核对该行的分值和得分")
        else:
            report.update(grade=grade, grade_rate=rate, value_text=text or grade)
            written = s.grade_of(text) if text else None
            if written is not None and written != grade:
                warnings.append(f"{where}:实际完成值写的是“{text}”,但得分{ind.printed_score}/分值{ind.weight}"
                                f"(得分率{rate:.2f}%)属于“{grade}”,已按得分计")
            return report, warnings
    if not text:
        return None, warnings
    try:
        report.update(parse_actual(Cell(text), target, s))
    except ValueError as e:
        # Progress in words ("已完成4处,2处在建") is kept for people to read, never made a number.
        report.update(value_num=None, value_date=None, grade=None, value_text=text,
                      note=";".join(p for p in (f"执行情况:{text}", note) if p))
        warnings.append(f"{where}:实际完成值“{text}”不是该指标可计分的值({e}),"
                        "已作为说明保存,不计入完成率;如需计分,请按“指标值”的单位填写数值后重新导入")
    return report, warnings


def _stage_printed(tables: list[ProjectTable], s: Settings) -> tuple[list[dict], list[dict], list[dict],
                                                                     list[str], list[TakenIn | None]]:
    """What 自评表 and 监控表 bring besides targets: budget rows, reports by (ord, seq), warnings."""
    budget, actuals, spending, warnings = [], [], [], []
    taken: list[TakenIn | None] = []
    for ord_, t in enumerate(tables):
        total = _total_line(t.budget)
        for seq, line in enumerate(t.budget, start=1):
            budget.append({"ord": ord_, "seq": seq, "label": line.label,
                           **{f: getattr(line, f) for f in (*_AMOUNTS, "points", "rate", "score")}})
        if t.kind == "target":
            taken.append(None)
            continue
        as_of = _as_of(t)
        values = notes = 0
        if as_of is None:
            warnings.append(f"{t.name}:未能确定{t.kind_name}数据的截至日期(年度或1-X月的月份),"
                            "实际完成值和执行数未作为填报导入;请核对表头的年度和“1-X月”列名后重新导入")
        else:
            for seq, ind in enumerate(t.indicators, start=1):
                report, said = _indicator_report(t, ind, as_of, s)
                warnings += said
                if report is None:
                    continue
                scored = any(report[k] is not None for k in ("value_num", "value_date", "grade"))
                values += scored or report["value_text"] == "不适用"
                notes += not scored and report["value_text"] != "不适用"
                actuals.append({"ord": ord_, "seq": seq, **report})
        executed = total.executed if total is not None and as_of is not None else None
        if executed is not None:
            spending.append({"ord": ord_, "as_of": as_of, "amount": executed, "note": None,
                             "forecast": total.forecast, "goal_actual": t.goal_actual.strip() or None})
        budget_weight = _budget_points(t) is not None
        budget_score = total is not None and total.score is not None
        taken.append(TakenIn(
            values=values, notes=notes,
            weights=sum(i.weight is not None for i in t.indicators) + budget_weight,
            scores=sum(i.printed_score is not None for i in t.indicators) + budget_score,
            spending=int(executed is not None), as_of=as_of,
        ))
    return budget, actuals, spending, warnings, taken


def _target_fields(tv: TargetValue) -> dict:
    """A parsed 指标值 as the columns of a target version."""
    return {
        "target_text": tv.text, "operator": tv.operator,
        "target_num": tv.value if tv.kind == "quantitative" else None,
        "target_date": date.fromisoformat(tv.value) if tv.kind == "deadline" else None,
        "unit": tv.unit, "unit_normalized": tv.unit_normalized, "kind": tv.kind, "direction": tv.direction,
    }


def import_bytes(store: Store, data: bytes, file_name: str, imported_by: str | None = None) -> ImportResult:
    """Read and store one file in one transaction; ``InputError`` leaves the store untouched."""
    file_name = bounded_file_name(file_name)
    tables = read_tables(data, file_name)
    return import_tables(store, tables, file_name, hashlib.sha256(data).hexdigest(), imported_by)


def import_tables(store: Store, tables: list[ProjectTable], file_name: str, content_hash: str,
                  imported_by: str | None = None) -> ImportResult:
    """Store the tables read from one file in one transaction.

    A 自评表's or 监控表's values, weights, scores and budget figures are written in the same
    transaction as its targets: if any part fails, nothing of the file is stored. Its values become
    reports with the file as source and ``imported_by`` (else 命令行) as reporter; a value that is
    not a value of its indicator is kept as the report's note, with a warning.
    """
    file_name = bounded_file_name(file_name)
    problem = _table_text_error(tables, _limits().cell_text_chars)
    if problem:
        raise InputError(problem)
    projects, indicators = _stage(tables, file_name)
    budget, actuals, spending, report_warnings, taken = _stage_printed(tables, load_settings())
    warnings = [f"{t.name}:{w}" for t in tables for w in t.warnings] + report_warnings
    kinds = [TABLE_KINDS.get(t.kind, t.kind) for t in tables]
    said = "、".join(f"{n} {c} 张" for n, c in Counter(kinds).items())
    saved = store.save_tables(
        file_name, content_hash, projects, indicators, warnings, imported_by,
        _audit(imported_by or "命令行", "导入目标表", f"{said},{len(indicators)} 个指标", file_name),
        budget=budget, actuals=actuals, spending=spending,
    )
    return ImportResult(
        file_name=file_name,
        tables=len(tables),
        projects=[t.name for t in tables],
        indicators=len(indicators),
        warnings=warnings,
        projects_new=saved["projects_new"],
        versions_new=saved["project_versions_new"] + saved["target_versions_new"],
        kinds=kinds,
        taken=taken,
        actuals_new=saved["actuals_new"],
        spending_new=saved["spending_new"],
    )


def import_summary(r: ImportResult) -> list[str]:
    """What an import took in, as lines of plain text for the command line and the import page."""
    only_targets = all(k == TABLE_KINDS["target"] for k in r.kinds)
    lines = [
        f"✓ {r.file_name}:{r.tables} 张{'目标表' if only_targets else '表'},{len(r.projects)} 个项目"
        f"(新增 {r.projects_new}),{r.indicators} 个指标,{len(r.warnings)} 条审核提示,新版本 {r.versions_new} 条"
    ]
    for name, kind, taken in zip(r.projects, r.kinds or [""] * len(r.projects),
                                 r.taken or [None] * len(r.projects), strict=True):
        lines.append(f"    {kind or '项目'}:{name}")
        if taken is not None:
            as_of = taken.as_of.isoformat() if taken.as_of else "未能确定"
            lines.append(
                f"      取得实际完成值 {taken.values} 个(另有 {taken.notes} 个只能作为说明保存)、"
                f"分值 {taken.weights} 个、得分 {taken.scores} 个、预算执行数 {taken.spending} 个,截至 {as_of}"
            )
    if r.actuals_new or r.spending_new:
        lines.append(f"    新增填报:实际完成值 {r.actuals_new} 条,预算执行数 {r.spending_new} 条")
    lines.extend(f"    ⚠ {w}" for w in r.warnings)
    return lines


def import_file(store: Store, path: str | Path, imported_by: str | None = None) -> ImportResult:
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise InputError(f"文件“{p}”不存在") from None
    except IsADirectoryError:
        raise InputError(f"“{p}”是文件夹,不是文件") from None
    return import_bytes(store, data, p.name, imported_by)


def seed_files(data_dir: Path = DATA_DIR) -> list[Path]:
    """The target tables bundled in ``data/`` (sub-folders hold samples, not targets)."""
    return sorted(p for p in data_dir.glob("*") if p.is_file() and p.suffix.lower() in TARGET_SUFFIXES)


def load_seed_if_empty(store: Store, data_dir: Path = DATA_DIR) -> list[ImportResult]:
    """A first start shows real data: an empty store gets the bundled tables."""
    if not store.is_empty():
        return []
    return [import_file(store, p, imported_by="系统初始化") for p in seed_files(data_dir)]


def _clean(value: object) -> object:
    if value is None or (not isinstance(value, (list, tuple, str)) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value


def projects_data(store: Store, project_ids: list[int] | None = None) -> list[dict]:
    """Projects with their indicators in the stable ``projects`` JSON contract."""
    pf = store.projects_frame(project_ids)
    inf = store.indicators_frame(project_ids)
    by_project: dict[int, list[dict]] = {}
    for r in inf.to_dict("records"):
        target = r["target_num"] if r["kind"] == "quantitative" else r["target_date"]
        by_project.setdefault(int(r["project_id"]), []).append({
            "indicator_id": int(r["indicator_id"]),
            "level1": r["level1"],
            "level2": r["level2"],
            "name": r["name"],
            "target_text": r["target_text"],
            "operator": r["operator"],
            "target_value": _clean(target),
            "unit": r["unit"],
            "unit_normalized": r["unit_normalized"],
            "kind": r["kind"],
            "direction": r["direction"],
        })
    out = []
    for r in pf.to_dict("records"):
        pid = int(r["project_id"])
        out.append({
            "project_id": pid,
            "year": int(r["year"]),
            "name": r["name"],
            "department": r["department"],
            "unit": r["unit"],
            "attribute": r["attribute"],
            "start_date": _clean(r["start_date"]),
            "end_date": _clean(r["end_date"]),
            "funding_total": _clean(r["funding_total"]),
            "funding_fiscal": _clean(r["funding_fiscal"]),
            "funding_other": _clean(r["funding_other"]) or 0.0,
            "goal_text": r["goal_text"],
            "warnings": json.loads(r["warnings"]),
            "indicators": by_project.get(pid, []),
        })
    return out


# -- reports of actual values and spending ------------------------------------------------
@dataclass
class ReportResult:
    file_name: str
    actuals: int
    spending: int


def check_report_bytes(
    store: Store, data: bytes, file_name: str, reporter: str | None = None, today: date | None = None
) -> ReportBatch:
    """Every row of a report file checked against the current targets; nothing written."""
    batch = check_report(
        data, bounded_file_name(file_name), store.indicator_lookup(), store.projects_frame(), load_settings(),
        reporter, today,
    )
    batch.errors.extend(_long_cell_errors(batch, _limits()))
    return batch


def load_report(
    store: Store, data: bytes, file_name: str, reporter: str | None = None, today: date | None = None
) -> ReportResult:
    """Check and append a report file in one transaction; ``ReportRefused`` writes nothing."""
    batch = check_report_bytes(store, data, file_name, reporter, today)
    if batch.errors:
        raise ReportRefused(file_name, batch.errors)
    file_name = bounded_file_name(file_name)
    said = f"指标 {len(batch.actuals)} 条,预算执行 {len(batch.spending)} 条"
    n_a, n_s = store.append_reports(
        batch.actuals.drop(columns=list(WHERE_COLUMNS)), batch.spending.drop(columns=list(WHERE_COLUMNS)),
        _audit(reporter or "命令行", "填报", said, file_name),
    )
    return ReportResult(file_name, n_a, n_s)


def template_bytes(store: Store, project_ids: list[int] | None, fmt: str) -> bytes:
    """The report template for the chosen projects (all when None), as xlsx or csv."""
    lookup = store.indicator_lookup()
    projects = store.projects_frame(project_ids)
    if project_ids:
        lookup = lookup[lookup["project_id"].isin(project_ids)]
    if fmt == "csv":
        return template_csv(lookup, projects)
    return template_xlsx(lookup, projects, load_settings())


def _actual_value(r: dict) -> object:
    if r["grade"] is not None and not pd.isna(r["grade"]):
        return r["grade"]
    if not pd.isna(r["value_date"]):
        return _clean(r["value_date"])
    if not pd.isna(r["actual_num"]):
        return float(r["actual_num"])
    return None


def indicator_flags(r: dict) -> list[str]:
    flags = []
    if r["not_applicable"]:
        flags.append("不适用")
    if r["flag_missing"]:
        flags.append("未填报")
    if r["flag_over"]:
        flags.append("超额完成, 需说明原因")
    if r["flag_negative"]:
        flags.append("实际值为负数, 按0计")
    if r["flag_no_weight"]:
        flags.append("自评表未给出该指标的分值, 按0分计")
    return flags


def project_flags(r: dict) -> list[str]:
    flags = []
    if r["flag_rate_low"]:
        flags.append("预算执行率低于90%, 需说明原因")
    if pd.isna(r["spent"]):
        flags.append("未填报预算执行数")
    if r["flag_printed_total"]:
        flags.append(PRINTED_TOTAL_DIFFERS)
    if r["flag_zero_filled"]:
        flags.append(ZERO_FILLED)
    return flags


PRINTED_TOTAL_DIFFERS = "自评表总分与按规则计算不一致"


def report_data(store: Store, as_of: date) -> dict:
    """The ``report`` JSON: the projects contract plus attainment, lights and scores."""
    result = compute(store, as_of)
    base = {p["project_id"]: p for p in projects_data(store)}
    ind = {int(r["indicator_id"]): r for r in result.indicators.to_dict("records")}
    projects = []
    for r in result.projects.to_dict("records"):
        p = base[int(r["project_id"])]
        p.update({
            "time_progress": float(r["time_progress"]),
            "spent": _clean(r["spent"]),
            "execution_rate": _clean(r["execution_rate"]),
            "budget_score": float(r["budget_score"]),
            "budget_light": r["budget_light"],
            # An unreported project has no score yet (not 0): null, grade 未填报 (domain.md section 9).
            "score": None if r["unreported"] else float(r["score"]),
            "unreported": bool(r["unreported"]),
            "printed_score": _clean(r["printed_total"]),
            "grade": r["grade"],
            "light": r["light"],
            "flags": project_flags(r),
        })
        for i in p["indicators"]:
            e = ind[i["indicator_id"]]
            i.update({
                "actual": _actual_value(e),
                "actual_as_of": _clean(e["actual_as_of"]),
                "completion": _clean(e["completion"]),
                "weight": float(e["weight"]),
                "score": float(e["score"]),
                "printed_score": _clean(e["printed_score"]),
                "light": e["light"],
                "flags": indicator_flags(e),
            })
        projects.append(p)
    lights = result.indicators["light"].value_counts()
    mean, n_unreported = mean_score(result.projects)
    return {
        "as_of": as_of.isoformat(),
        "summary": {
            "projects": len(projects),
            "indicators": len(result.indicators),
            "lights": {c: int(lights.get(c, 0)) for c in LIGHTS},
            "mean_score": mean,
            "unreported": n_unreported,
        },
        "projects": projects,
    }


# -- reporting on screen: preview, commit, entry, withdrawal, revision ------------------------
ON_SCREEN = "页面填报"


@dataclass
class Preview:
    """Every row of an upload checked, before anything is written."""

    file_name: str
    errors: list[RowError]
    actuals: pd.DataFrame  # one row per accepted indicator row, with 状态 新增 / 更改 / 不变
    spending: pd.DataFrame
    batch: ReportBatch | None = None

    @property
    def ok(self) -> bool:
        return not self.errors and (len(self.actuals) > 0 or len(self.spending) > 0)


def _unit_errors(actor: User, batch: ReportBatch, lookup: pd.DataFrame, projects: pd.DataFrame) -> list[RowError]:
    """Rows for projects outside the reporter's units: refused on the server, whatever the page showed.

    ``lookup`` is indexed by indicator_id and ``projects`` by project_id.
    """
    a, s = batch.actuals, batch.spending
    a_unit = a["indicator_id"].map(lookup["implementing_unit"])
    s_unit = s["project_id"].map(projects["unit"])
    refused_a = a[~a_unit.map(actor.may_report_for).astype(bool)]
    refused_s = s[~s_unit.map(actor.may_report_for).astype(bool)]
    return [
        RowError(r.sheet, int(r.row), "项目名称", name, f"您没有实施单位“{unit}”的填报权限")
        for rows, names, units in (
            (refused_a, refused_a["indicator_id"].map(lookup["project_name"]), a_unit),
            (refused_s, refused_s["project_id"].map(projects["name"]), s_unit),
        )
        for r, name, unit in zip(rows.itertuples(), names, units[rows.index], strict=True)
    ]


def _comparable(cell_text: object, target: dict, s: Settings) -> tuple | None:
    """What a report value means against its indicator, for "is it the same": "96.2%" and 96.2,
    "175000元" and 17.5万元 compare equal. None when the text no longer parses (a revised target).
    """
    if not isinstance(cell_text, str):
        return None
    try:
        v = parse_actual(Cell(cell_text), target, s)
    except ValueError:
        return None
    num = v["value_num"]
    return (cell_text == NOT_APPLICABLE, None if num is None else Decimal(num).normalize(), v["value_date"],
            v["grade"])


def _same_value(old_text: object, new_text: str, target: dict, s: Settings) -> bool:
    if not isinstance(old_text, str):
        return False
    old, new = _comparable(old_text, target, s), _comparable(new_text, target, s)
    return old == new if old is not None and new is not None else old_text == new_text


def _days_since_epoch(values: pd.Series) -> np.ndarray:
    d = pd.to_datetime(values).to_numpy().astype("datetime64[D]")
    out = (d - np.datetime64("1970-01-01", "D")).astype(float)
    out[np.isnat(d)] = np.nan
    return out


def preview_lights(a: pd.DataFrame, lookup: pd.DataFrame, projects: pd.DataFrame, s: Settings) -> pd.Series:
    """The light each accepted report row will give at its 截至日期, by the engine's own rules.

    ``lookup`` is indexed by indicator_id and ``projects`` by project_id; the rows are laid out as
    the engine's columns and handed to ``engine.compute_indicators``.
    """
    out = pd.Series("", index=a.index, dtype=object)
    if a.empty:
        return out
    t = lookup.loc[a["indicator_id"].astype(int)]
    p = projects.loc[t["project_id"].astype(int)]
    code_of = lambda values, names: np.array([names.index(v) + 1 if v in names else 0  # noqa: E731
                                              for v in values], dtype=np.int8)
    value_code = np.where(a["value_text"].to_numpy() == NOT_APPLICABLE, -1,
                          code_of(a["grade"].tolist(), list(GRADES))).astype(np.int8)
    ind = {
        "kind_code": code_of(t["kind"].tolist(), list(KINDS)),
        "direction_code": code_of(t["direction"].tolist(), list(DIRECTIONS)),
        "unit_normalized_code": code_of(t["unit_normalized"].tolist(), sorted(s.cumulative_units)),
        "target_num": t["target_num"].astype(float).to_numpy(),
        "target_day": _days_since_epoch(t["target_date"]),
        "value_num": a["value_num"].astype(float).to_numpy(),
        "value_day": _days_since_epoch(a["value_date"]),
        "grade_rate": a["grade_rate"].astype(float).to_numpy(),
        "value_code": value_code,
    }
    as_of = pd.to_datetime(a["as_of"]).dt.date.to_numpy()
    for day in sorted(set(as_of)):
        rows = as_of == day
        tp = time_progress(p["start_date"], p["end_date"], p["year"], day).to_numpy()
        lights = compute_indicators(ind, tp, day, s)["light"]
        out[rows] = [LIGHT_NAMES[LIGHTS[code]] for code in lights[rows]]
    return out


def preview_report(store: Store, actor: User, data: bytes, file_name: str, today: date | None = None) -> Preview:
    """Check an upload for the signed-in reporter and say, row by row, what committing would change.

    A value is 不变 when it means the same as the latest report (same number in the indicator's
    unit, date or grade) at the same 截至日期, however it is written.
    """
    require_reporter(actor)
    settings = load_settings()
    lookup_frame, projects_frame = store.indicator_lookup(), store.projects_frame()
    file_name = bounded_file_name(file_name)
    batch = check_report(data, file_name, lookup_frame, projects_frame, settings, actor.username, today)
    batch.errors.extend(_long_cell_errors(batch, _limits()))
    lookup = lookup_frame.set_index("indicator_id")
    projects = projects_frame.set_index("project_id")
    errors = sorted(batch.errors + _unit_errors(actor, batch, lookup, projects),
                    key=lambda e: (e.sheet, e.row, e.column))
    a = batch.actuals
    old = store.latest_reports(a["indicator_id"].astype(int).tolist()).set_index("indicator_id")
    prev_text = a["indicator_id"].map(old["value_text"]) if len(old) else pd.Series(None, index=a.index)
    prev_as_of = a["indicator_id"].map(old["as_of"]) if len(old) else pd.Series(None, index=a.index)
    targets = lookup.reset_index().set_index("indicator_id", drop=False)
    same_value = [_same_value(o, n, targets.loc[int(i)].to_dict(), settings)
                  for o, n, i in zip(prev_text, a["value_text"], a["indicator_id"], strict=True)]
    same = np.array(same_value, dtype=bool) & (pd.to_datetime(prev_as_of) == pd.to_datetime(a["as_of"])).to_numpy()
    blank = lambda col: a[col].astype(object).where(a[col].notna(), "")  # noqa: E731
    actuals = pd.DataFrame({
        "状态": np.where(prev_text.isna(), "新增", np.where(same, "不变", "更改")),
        "行": a["row"],
        "项目": a["indicator_id"].map(lookup["project_name"]),
        "三级指标": a["indicator_id"].map(lookup["name"]),
        "截至日期": cn_dates(a["as_of"]),
        "原值": prev_text.astype(object).where(prev_text.notna(), ""),
        "新值": a["value_text"],
        "提交后信号灯": preview_lights(a, lookup, projects, settings),
        "完成目标可能性": a["likelihood"].map(likelihood_label),
        "偏差原因分析及改进措施": blank("note"),
        "偏差原因类别": blank("deviation_category"),
        "全年预计完成情况": blank("forecast_text"),
    })
    s = batch.spending
    old_s = store.latest_spending(s["project_id"].astype(int).tolist()).set_index("project_id")
    prev_amount = s["project_id"].map(old_s["amount"]) if len(old_s) else pd.Series(np.nan, index=s.index)
    unchanged = np.isclose(prev_amount.astype(float), s["amount"].astype(float), rtol=0, atol=1e-9)
    spending = pd.DataFrame({
        "状态": np.where(prev_amount.isna(), "新增", np.where(unchanged, "不变", "更改")),
        "行": s["row"],
        "项目": s["project_id"].map(projects["name"]),
        "截至日期": cn_dates(s["as_of"]),
        "原值(万元)": prev_amount.map(lambda v: "" if pd.isna(v) else money(v)),
        "新值(万元)": s["amount"].map(money),
        "说明": s["note"].astype(object).where(s["note"].notna(), ""),
        "全年预计执行数(万元)": s["forecast"].map(lambda v: "" if v is None or pd.isna(v) else money(v)),
        "实际完成情况": s["goal_actual"].astype(object).where(s["goal_actual"].notna(), ""),
    })
    return Preview(file_name, errors, actuals, spending, batch)


def commit_report(store: Store, actor: User, data: bytes, file_name: str, today: date | None = None) -> ReportResult:
    """Check again on the server and append the whole file in one transaction, or refuse it whole."""
    preview = preview_report(store, actor, data, file_name, today)
    if preview.errors:
        raise ReportRefused(file_name, preview.errors)
    batch = preview.batch
    file_name = preview.file_name
    # Who reported is whoever is signed in; a 填报人 typed in the file does not decide ownership.
    actuals = batch.actuals.drop(columns=list(WHERE_COLUMNS)).assign(reporter=actor.username)
    spending = batch.spending.drop(columns=list(WHERE_COLUMNS)).assign(reporter=actor.username)
    said = f"指标 {len(actuals)} 条,预算执行 {len(spending)} 条"
    n_a, n_s = store.append_reports(actuals, spending, _audit(actor.username, "填报", said, file_name))
    return ReportResult(file_name, n_a, n_s)


def reportable_projects(store: Store, actor: User) -> pd.DataFrame:
    """The projects whose implementing unit the user may report for."""
    projects = store.projects_frame()
    if actor.is_admin:
        return projects
    return projects[projects["unit"].isin(actor.units)]


def entry_frame(store: Store, actor: User, project_id: int) -> pd.DataFrame:
    """One project's indicators for the on-screen table: identity and target, values empty."""
    require_reporter(actor)
    _require_project(store, actor, project_id)
    lookup = store.indicator_lookup()
    lookup = lookup[lookup["project_id"] == project_id]
    latest = store.latest_reports(lookup["indicator_id"].astype(int).tolist()).set_index("indicator_id")
    frame = template_frames(lookup, store.projects_frame([project_id]))[0]
    frame.insert(6, "最新实际值", frame["指标编号"].map(latest["value_text"]).fillna("") if len(latest) else "")
    frame["截至日期"] = date.today().isoformat()
    # Numbered as the grid shows its rows, so that entry_rows can name them in messages.
    frame.index = pd.RangeIndex(1, len(frame) + 1)
    return frame


def _require_project(store: Store, actor: User, project_id: int) -> None:
    unit = store.projects_frame([project_id])["unit"]
    if unit.empty:
        raise InputError("项目不存在")
    if not actor.may_report_for(unit.iloc[0]):
        raise PermissionDenied(f"您没有实施单位“{unit.iloc[0]}”的填报权限")


def _filled(frame: pd.DataFrame, spending: bool) -> pd.DataFrame:
    """The rows of an on-screen grid with anything typed (a value, a note, a forecast …): the only
    ones sent to the checks, which refuse a row with a note but no value rather than drop it."""
    typed = ["预算执行数(万元)", *SPENDING_INPUTS] if spending else ["实际完成值", *ACTUAL_INPUTS]
    present = [c for c in typed if c in frame.columns]
    cells = frame[present].astype(object).where(frame[present].notna(), "").astype(str)
    return frame[(cells.apply(lambda col: col.str.strip()) != "").any(axis=1)]


def has_entries(frame: pd.DataFrame, spending: bool = False) -> bool:
    """Whether anything was typed into an on-screen grid, so that its rows need checking."""
    return not _filled(frame, spending).empty


def entries_csv(frame: pd.DataFrame, spending: bool = False) -> bytes:
    """Rows typed on screen as the CSV a reporter would upload: the same rules read them."""
    columns = SPENDING_COLUMNS if spending else INDICATOR_COLUMNS
    out = _filled(frame, spending).reindex(columns=list(columns)).astype(object)
    return out.where(out.notna(), "").to_csv(index=False).encode("utf-8")


def entry_rows(frame: pd.DataFrame, spending: bool = False) -> dict[int, int]:
    """Row of the CSV ``entries_csv`` makes (2 = first data row) → row of the grid as numbered on screen.

    The grid is numbered by its index (``entry_frame`` numbers it from 1), so a message can name
    the row the user typed in rather than a line of a file nobody sees.
    """
    return {n: int(i) for n, i in enumerate(_filled(frame, spending).index, start=2)}


def grid_errors(errors: list[RowError], rows: dict[int, int]) -> pd.DataFrame:
    """Errors of an on-screen entry, placed in the grid: "表格第 3 行“实际完成值”列"."""
    def where(e: RowError) -> str:
        at = rows.get(e.row)
        return f"表格第 {at} 行“{e.column}”列" if at is not None else f"表格“{e.column}”列"
    return pd.DataFrame({"位置": [where(e) for e in errors], "值": [e.value for e in errors],
                         "原因": [e.reason for e in errors]})


def spending_entry_frame(store: Store, actor: User, project_id: int) -> pd.DataFrame:
    """One project's spending row for the on-screen table, numbered from 1 like the indicator grid."""
    require_reporter(actor)
    _require_project(store, actor, project_id)
    p = store.projects_frame([project_id])
    frame = pd.DataFrame({"项目名称": p["name"], "截至日期": date.today().isoformat(), "预算执行数(万元)": "",
                          "说明": "", "全年预计执行数(万元)": "", "实际完成情况": ""})
    frame.index = pd.RangeIndex(1, len(frame) + 1)
    return frame


def check_withdrawal(store: Store, actor: User, report_id: int, report_type: str, reason: str) -> dict:
    """Everything a withdrawal needs, checked without writing: the page asks for confirmation only
    for a withdrawal that would succeed. Returns the report's owner row."""
    require_reporter(actor)
    owner = store.report_owner(report_id, report_type)
    if owner is None:
        raise InputError("找不到这条填报")
    if not actor.is_admin and owner["reporter"] != actor.username:
        raise PermissionDenied("只能撤回自己的填报")
    if not reason.strip():
        raise InputError("请写明撤回原因")
    _require_short(reason.strip(), _limits().reason_chars, "撤回原因")
    if owner["withdrawn"]:
        raise InputError("该填报已撤回")
    return owner


def withdraw_report(store: Store, actor: User, report_id: int, report_type: str, reason: str) -> None:
    """A reporter withdraws their own report; an administrator any. The report stays stored."""
    owner = check_withdrawal(store, actor, report_id, report_type, reason)
    try:
        store.withdraw(report_id, report_type, actor.username, reason.strip(),
                       _audit(actor.username, "撤回", f"{'指标' if report_type == 'actual' else '预算执行'}填报 "
                             f"#{report_id}:{reason.strip()}", owner["source"]))
    except ValueError as e:
        raise InputError(str(e)) from None


def my_reports(store: Store, actor: User) -> pd.DataFrame:
    """Reports the user may withdraw (their own; all for an administrator), newest first."""
    require_reporter(actor)
    hist = store.report_history(reporter=None if actor.is_admin else actor.username)
    return hist.sort_values("report_id", ascending=False, ignore_index=True)


def revise_target(store: Store, actor: User, indicator_id: int, target_text: str, reason: str) -> int:
    """An administrator's new target for an indicator; the old versions stay visible."""
    require_admin(actor, "修订目标")
    if not reason.strip():
        raise InputError("请写明修订原因")
    _require_short(reason.strip(), _limits().reason_chars, "修订原因")
    _require_short(target_text, _limits().cell_text_chars, "指标值")
    lookup = store.indicator_lookup().set_index("indicator_id")
    if indicator_id not in lookup.index:
        raise InputError("指标不存在")
    row = lookup.loc[indicator_id]
    try:
        t = parse_target(target_text, row["level1"], row["name"], int(row["year"]))
    except ValueError as e:
        raise InputError(f"指标值“{target_text}”无法识别:{e}") from None
    target = _target_fields(t)
    said = f"{row['project_name']} · {row['name']}:{row['target_text']} → {t.text}({reason.strip()})"
    return store.revise_target(indicator_id, target, actor.username, reason.strip(),
                               _audit(actor.username, "修订目标", said))


def import_upload(store: Store, actor: User, data: bytes, file_name: str) -> ImportResult:
    """An administrator imports a target table from the page."""
    require_admin(actor, "导入目标表")
    try:
        return import_bytes(store, data, file_name, imported_by=actor.username)
    except InputError as e:
        # The import's own transaction has rolled back with nothing stored; the failure is logged in a
        # transaction of its own, so the audit log shows who tried which file and why it was refused.
        store.log(_audit(actor.username, IMPORT_FAILED, str(e), bounded_file_name(file_name)))
        raise


def my_spending_reports(store: Store, actor: User) -> pd.DataFrame:
    """Spending reports the user may withdraw (their own; all for an administrator), newest first."""
    require_reporter(actor)
    hist = store.spending_history(reporter=None if actor.is_admin else actor.username)
    return hist.sort_values("report_id", ascending=False, ignore_index=True)


def target_versions(store: Store, indicator_id: int) -> pd.DataFrame:
    """Every version of an indicator's target: imported, revised on screen, or retired."""
    return store.target_history(indicator_id)


def indicator_names(store: Store) -> dict[int, str]:
    """"项目 · 三级指标" for every current indicator, for lists and pickers."""
    lookup = store.indicator_lookup()
    return dict(zip(lookup["indicator_id"].astype(int), lookup["project_name"] + " · " + lookup["name"],
                    strict=True))


def project_names(store: Store) -> dict[int, str]:
    """Project name by id, so that a spending report is named by its project, not its number."""
    p = store.projects_frame()
    return dict(zip(p["project_id"].astype(int), p["name"], strict=True))
