"""Use cases over the store: what the command line and the pages call."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from analytics.engine import LIGHTS, compute
from analytics.exports import template_csv, template_xlsx
from analytics.model import InputError, ProjectTable
from analytics.readers import read_tables
from analytics.reports import ReportBatch, ReportRefused, check_report
from analytics.settings import load_settings
from analytics.storage import PROJECT_ROOT, Store

DATA_DIR = PROJECT_ROOT / "data"
TARGET_SUFFIXES = (".txt", ".tsv", ".csv", ".xlsx", ".docx")


@dataclass
class ImportResult:
    file_name: str
    tables: int
    projects: list[str]
    indicators: int
    warnings: list[str] = field(default_factory=list)
    projects_new: int = 0
    versions_new: int = 0


def _stage(tables: list[ProjectTable], source: str) -> tuple[list[dict], list[dict]]:
    projects, indicators = [], []
    seen: dict[tuple, int] = {}
    for ord_, t in enumerate(tables):
        key = (t.year, t.department, t.name)
        if key in seen:
            raise InputError(f"文件“{source}”{t.location}:项目“{t.name}”({t.year}年度)在同一文件中出现了两次")
        seen[key] = ord_
        projects.append({
            "ord": ord_, "year": t.year, "department": t.department, "name": t.name,
            "unit": t.unit, "attribute": t.attribute, "start_date": t.start_date,
            "end_date": t.end_date, "funding_total": t.funding_total,
            "funding_fiscal": t.funding_fiscal, "funding_other": t.funding_other,
            "goal_text": t.goal_text, "warnings": json.dumps(t.warnings, ensure_ascii=False),
        })
        occurrences: Counter[tuple[str, str, str]] = Counter()
        for seq, ind in enumerate(t.indicators, start=1):
            k = (ind.level1, ind.level2, ind.name)
            occurrences[k] += 1
            tv = ind.target
            indicators.append({
                "ord": ord_, "seq": seq, "level1": ind.level1, "level2": ind.level2,
                "name": ind.name, "occurrence": occurrences[k], "target_text": tv.text,
                "operator": tv.operator,
                "target_num": tv.value if tv.kind == "quantitative" else None,
                "target_date": date.fromisoformat(tv.value) if tv.kind == "deadline" else None,
                "unit": tv.unit, "unit_normalized": tv.unit_normalized, "kind": tv.kind,
                "direction": tv.direction,
            })
    return projects, indicators


def import_bytes(store: Store, data: bytes, file_name: str, imported_by: str | None = None) -> ImportResult:
    """Read and store one file in one transaction; ``InputError`` leaves the store untouched."""
    tables = read_tables(data, file_name)
    projects, indicators = _stage(tables, file_name)
    warnings = [f"{t.name}:{w}" for t in tables for w in t.warnings]
    saved = store.save_tables(
        file_name, hashlib.sha256(data).hexdigest(), projects, indicators, warnings, imported_by
    )
    return ImportResult(
        file_name=file_name,
        tables=len(tables),
        projects=[t.name for t in tables],
        indicators=len(indicators),
        warnings=warnings,
        projects_new=saved["projects_new"],
        versions_new=saved["project_versions_new"] + saved["target_versions_new"],
    )


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
    return check_report(
        data, file_name, store.indicator_lookup(), store.projects_frame(), load_settings(), reporter, today
    )


def load_report(
    store: Store, data: bytes, file_name: str, reporter: str | None = None, today: date | None = None
) -> ReportResult:
    """Check and append a report file in one transaction; ``ReportRefused`` writes nothing."""
    batch = check_report_bytes(store, data, file_name, reporter, today)
    if batch.errors:
        raise ReportRefused(file_name, batch.errors)
    n_a, n_s = store.append_reports(
        batch.actuals.drop(columns="row"), batch.spending.drop(columns="row")
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
    return template_xlsx(lookup, projects, tuple(load_settings().qualitative))


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
    return flags


def project_flags(r: dict) -> list[str]:
    flags = []
    if r["flag_rate_low"]:
        flags.append("预算执行率低于90%, 需说明原因")
    if pd.isna(r["spent"]):
        flags.append("未填报预算执行数")
    return flags


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
            "score": float(r["score"]),
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
                "light": e["light"],
                "flags": indicator_flags(e),
            })
        projects.append(p)
    lights = result.indicators["light"].value_counts()
    return {
        "as_of": as_of.isoformat(),
        "summary": {
            "projects": len(projects),
            "indicators": len(result.indicators),
            "lights": {c: int(lights.get(c, 0)) for c in LIGHTS},
            "mean_score": float(result.projects["score"].mean()) if len(projects) else None,
        },
        "projects": projects,
    }
