"""The attainment engine: completion, weights, scores, lights and grades (domain.md sections 4, 5).

Vectorised numpy over all indicators at once; the store supplies each indicator's latest
report as of a date, as numbers only. Every threshold comes from :class:`analytics.settings.Settings`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa

from analytics.model import GRADES
from analytics.settings import Settings, load_settings
from analytics.storage import Store

LIGHTS = ("green", "yellow", "red", "blue", "grey")
# The grade of a project that has nothing reported yet (domain.md section 9, "Unreported"): it is
# not 差, and it is left out of every mean score.
UNREPORTED = "未填报"
# The mark of a score whose period has ended with values missing: they count as 0 (section 4).
ZERO_FILLED = "期末未填报按0分计"


@dataclass
class Result:
    as_of: date
    indicators: pd.DataFrame
    projects: pd.DataFrame
    departments: pd.DataFrame


_EPOCH = np.datetime64("1970-01-01", "D")
KINDS = ("quantitative", "deadline", "qualitative")
DIRECTIONS = ("higher", "exact", "lower")
COST = "成本指标"


def _days(values: pd.Series | np.ndarray) -> np.ndarray:
    """Dates as float days since 1970-01-01 (NaN for missing)."""
    d = pd.to_datetime(pd.Series(values)).to_numpy().astype("datetime64[D]")
    out = (d - _EPOCH).astype(float)
    out[np.isnat(d)] = np.nan
    return out


def _progress(start: np.ndarray, end: np.ndarray, year: np.ndarray, as_of: date) -> np.ndarray:
    years = np.nan_to_num(year, nan=1970).astype(int) - 1970
    jan1 = (years.astype("datetime64[Y]").astype("datetime64[D]") - _EPOCH).astype(float)
    dec31 = ((years + 1).astype("datetime64[Y]").astype("datetime64[D]") - _EPOCH).astype(float) - 1
    start = np.where(np.isnan(start), jan1, start)
    end = np.where(np.isnan(end), dec31, end)
    total = end - start + 1
    elapsed = (np.datetime64(as_of, "D") - _EPOCH).astype(float) - start + 1
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(total > 0, elapsed / total, np.nan)
    return np.nan_to_num(np.clip(r, 0, 1), nan=0.0)


def time_progress(start: pd.Series, end: pd.Series, year: pd.Series, as_of: date) -> pd.Series:
    """Elapsed days / total days of the period, both inclusive, clamped to [0, 1]."""
    t = _progress(_days(start), _days(end), np.asarray(year, dtype=float), as_of)
    return pd.Series(t, index=getattr(start, "index", None))


def _ratio_light(r: np.ndarray, red: float, yellow: float, blue: float | None) -> np.ndarray:
    out = np.where(r < red, RED, np.where(r < yellow, YELLOW, GREEN))
    if blue is not None:
        out = np.where(r >= blue, BLUE, out)
    return out


# Lights as small integers until the end; position in LIGHTS.
GREEN, YELLOW, RED, BLUE, GREY = range(5)
# Project light = the worst of its lights; green and blue rank alike, grey only counts alone.
_RANK = np.array([1, 2, 3, 1, 0])


def _col(table: pa.Table, name: str) -> np.ndarray:
    return table.column(name).to_numpy(zero_copy_only=False)


def _year_end_day(year: np.ndarray) -> np.ndarray:
    """December 31 of each year, as days since 1970-01-01."""
    years = np.nan_to_num(year.astype(float), nan=1970).astype(int) - 1970
    return ((years + 1).astype("datetime64[Y]").astype("datetime64[D]") - _EPOCH).astype(float) - 1


def _align_weights(ids: np.ndarray, table: pa.Table) -> dict[str, np.ndarray]:
    """Imported weight and printed score per indicator of ``ids`` (NaN where none)."""
    n = len(ids)
    out = {name: np.full(n, np.nan) for name in ("weight", "printed_score")}
    if table.num_rows == 0 or n == 0:
        return out
    at = np.searchsorted(ids, _col(table, "indicator_id"))
    ok = (at < n) & (ids[np.minimum(at, n - 1)] == _col(table, "indicator_id"))
    for name in out:
        values = _col(table, name).astype(float)
        out[name][at[ok]] = values[ok]
    return out


def _align(targets: pa.Table, latest: pa.Table) -> dict[str, np.ndarray]:
    """One row per target with its latest report's columns (NaN / 0 where none)."""
    out = {name: _col(targets, name) for name in targets.column_names}
    ids = out["indicator_id"]
    n = len(ids)
    # A lookup table by id is linear; ids are a sequence, so it stays small.
    lut = np.full(int(ids.max(initial=0)) + 2, -1, dtype=np.int64)
    lut[ids] = np.arange(n)
    rep_ids = _col(latest, "indicator_id")
    at = lut[np.minimum(rep_ids, len(lut) - 1)]
    at_ok = at >= 0  # reports of retired indicators have no current target
    at = at[at_ok]
    for name in ("report_id", "actual_day", "value_num", "value_day", "grade_rate"):
        full = np.full(n, np.nan)
        full[at] = _col(latest, name)[at_ok]
        out[name] = full
    code = np.zeros(n, dtype=np.int8)
    code[at] = _col(latest, "value_code")[at_ok]
    out["value_code"] = code
    return out


def compute_indicators(ind: dict[str, np.ndarray], t: np.ndarray, as_of: date, s: Settings) -> dict[str, np.ndarray]:
    """Completion, light and flags per indicator; ``t`` is the project's time progress per row.

    ``ind`` holds one array per column of :meth:`Store.engine_indicators`, aligned by ``_align``.
    """
    kind, direction = ind["kind_code"], ind["direction_code"]
    a = ind["target_num"].astype(float)
    b_raw = ind["value_num"].astype(float)
    b = np.clip(b_raw, 0, None)  # negative actuals count as 0
    code = ind["value_code"]
    na = code == -1
    quant = kind == 1
    higher = quant & (direction != 3)
    lower = quant & (direction == 3)
    deadline = kind == 2
    qual = kind == 3
    has_num = ~np.isnan(b)
    target_day = ind["target_day"].astype(float)
    done_day = ind["value_day"].astype(float)
    has_date = ~np.isnan(done_day)
    has_grade = code > 0

    with np.errstate(divide="ignore", invalid="ignore"):
        c_higher = np.where(a == 0, (b <= 0).astype(float), np.minimum(b / a, 1.0))
        if s.lower_is_better == "ratio":
            c_lower = np.where(b <= a, 1.0, a / b)
        else:
            c_lower = np.where(b <= a, 1.0, np.where(a > 0, np.maximum(0.0, 1 - (b - a) / a), 0.0))
    c_deadline = (done_day <= target_day).astype(float)
    defaults = np.array([np.nan] + [s.qualitative[g].default for g in GRADES])
    rate = ind["grade_rate"].astype(float)
    rate = np.where(np.isnan(rate), defaults[np.clip(code, 0, None)], rate)
    completion = np.select(
        [higher & has_num, lower & has_num, deadline & has_date, qual & has_grade],
        [c_higher, c_lower, c_deadline, rate / 100.0],
        default=np.nan,
    )
    completion = np.where(na, np.nan, completion)
    reported = ~np.isnan(completion)

    # Lights at the as-of date (section 5).
    cumulative = ind["unit_normalized_code"] > 0
    expectation = np.where(cumulative, a * t, a)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = b / expectation * 100
    higher_light = np.where(
        a == 0, np.where(b <= 0, GREEN, RED),
        np.where(expectation <= 0, GREEN, _ratio_light(r, s.red_below, s.yellow_below, s.blue_from)),
    )
    days_left = target_day - (np.datetime64(as_of, "D") - _EPOCH).astype(float)
    open_deadline = np.where(days_left < 0, RED, np.where(days_left <= s.deadline_warning_days, YELLOW, GREEN))
    deadline_light = np.where(has_date, np.where(c_deadline == 1, GREEN, RED), open_deadline)
    qual_light = np.array([GREY, GREEN, YELLOW, RED])[np.clip(code, 0, None)]
    light = np.select(
        # 不适用 first: a not-applicable deadline is left out, not red after its date.
        [na, deadline, higher & has_num, lower & has_num, qual & has_grade],
        [GREY, deadline_light, higher_light, np.where(b <= a, GREEN, RED), qual_light],
        default=GREY,
    )
    return {
        "completion": completion,
        "light": light,
        "not_applicable": na,
        "flag_missing": ~reported & ~na,
        "flag_over": higher & has_num & (a > 0) & (b >= s.over_completion * a),
        "flag_negative": has_num & (b_raw < 0),
    }


def compute(store: Store, as_of: date, settings: Settings | None = None) -> Result:
    """Everything the reports and pages show, for one as-of date."""
    s = settings or load_settings()
    pool_names = list(s.pools)
    level1_names = [*pool_names, COST]
    targets, latest = store.engine_indicators(as_of, {
        "kind": list(KINDS), "direction": list(DIRECTIONS), "level1": level1_names,
        "unit_normalized": sorted(s.cumulative_units),
    })
    ind = _align(targets, latest)
    imported = _align_weights(ind["indicator_id"], store.engine_weights())
    projects = store.engine_projects(as_of)
    proj = {name: _col(projects, name) for name in projects.column_names if name != "department"}
    weighted = proj.pop("weighted").astype(bool)
    n_proj = len(proj["project_id"])
    tp = _progress(proj.pop("start_day").astype(float), proj.pop("end_day").astype(float),
                   proj["year"].astype(float), as_of)
    proj["time_progress"] = tp
    # Position of each indicator's project: aggregations become bincounts.
    pos = np.searchsorted(proj["project_id"], ind["project_id"])
    out = compute_indicators(ind, tp[pos], as_of, s)

    # Weights: each pool's points split equally over its project's applicable indicators, unless
    # the project's latest 自评表 gave weights (domain.md section 7, "Scoring schemes").
    level1 = ind["level1_code"].astype(int)
    cost_idx = pool_names.index(s.cost_pool) + 1 if s.cost_pool in pool_names else 0
    pool_idx = np.where(level1 == len(level1_names), cost_idx, np.where(level1 <= len(pool_names), level1, 0))
    if s.single_pool:
        # One pool whatever the 一级 (Sichuan's 绩效指标(90分) over every 三级): its names are not pools.
        pool_idx = np.ones_like(pool_idx)
    points = np.array([0.0] + [s.pools[n] for n in pool_names])[pool_idx]
    applicable = ~out["not_applicable"]
    n_pools = len(pool_names) + 1
    group = pos * n_pools + pool_idx
    n_in_pool = np.bincount(group, weights=applicable, minlength=n_proj * n_pools)[group]
    with np.errstate(divide="ignore", invalid="ignore"):
        equal = np.where(applicable & (n_in_pool > 0), points / n_in_pool, 0.0)
    by_table = weighted[pos]
    given = imported["weight"]
    weight = np.where(by_table, np.where(applicable, np.nan_to_num(given, nan=0.0), 0.0), equal)
    out["flag_no_weight"] = by_table & applicable & np.isnan(given)
    score = weight * np.nan_to_num(out["completion"], nan=0.0)

    # Budget execution: against the adjusted budget of a 自评表 / 监控表 where one was printed.
    funding = proj["funding_total"].astype(float)
    adjusted = proj.pop("adjusted_budget").astype(float)
    basis = np.where(adjusted > 0, adjusted, funding)
    spent = proj["spent"].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(basis > 0, spent / basis, np.nan)
        r = np.where(tp > 0, rate / tp * 100, np.nan)
    table_points = proj.pop("budget_points").astype(float)
    budget_points = np.where(np.isnan(table_points), s.budget_points, table_points)
    budget_score = budget_points * np.nan_to_num(np.minimum(rate, 1.0), nan=0.0)
    budget = np.where(r < s.budget_red_below, RED, np.where(r < s.budget_yellow_below, YELLOW, GREEN))
    budget = np.where(np.isnan(r), np.where(np.isnan(rate), GREY, GREEN), budget)

    raw = np.bincount(pos, weights=score, minlength=n_proj)
    weights = np.bincount(pos, weights=weight, minlength=n_proj)
    with np.errstate(divide="ignore", invalid="ignore"):
        total = np.nan_to_num((raw + budget_score) * 100 / (weights + budget_points), nan=0.0)
    # The printed 总分 is what the year-end table says: compared once the year has ended.
    printed = proj.pop("printed_total").astype(float)
    year_over = _year_end_day(proj["year"]) <= (np.datetime64(as_of, "D") - _EPOCH).astype(float)
    flag_printed = ~np.isnan(printed) & year_over & (np.abs(printed - total) > s.printed_total_tolerance)

    # Unreported (domain.md section 9): no indicator has a value that counts yet and the period
    # runs on. Once the period has ended the score is final, missing values count 0 and say so.
    has_value = ~np.isnan(out["completion"]) | out["not_applicable"]
    n_reported = np.bincount(pos, weights=has_value, minlength=n_proj).astype(int)
    n_missing = np.bincount(pos, weights=out["flag_missing"], minlength=n_proj).astype(int)
    period_ended = tp >= 1
    unreported = (n_reported == 0) & ~period_ended
    zero_filled = period_ended & ((n_missing > 0) | np.isnan(spent))

    light = out["light"]
    worst = np.zeros(n_proj, dtype=int)
    np.maximum.at(worst, pos, _RANK[light])
    worst = np.maximum(worst, _RANK[budget])
    counts = np.bincount(pos * len(LIGHTS) + light, minlength=n_proj * len(LIGHTS)).reshape(n_proj, len(LIGHTS))
    any_green = (counts[:, GREEN] > 0) | (budget == GREEN)
    project_light = np.select([worst == 3, worst == 2, worst == 1], [RED, YELLOW, np.where(any_green, GREEN, BLUE)],
                              GREY)
    # An overdue deadline still shows on its indicator; the project itself reads 未填报, not 红灯.
    project_light = np.where(unreported, GREY, project_light)
    grade_codes = np.where(unreported, len(s.grades), _grade_codes(total, s))
    department = projects.column("department").combine_chunks().dictionary_encode()
    dep_codes = department.indices.to_numpy(zero_copy_only=False)
    dep_names = department.dictionary.to_pylist()
    spent_as_of = _dates(proj.pop("spent_day").astype(float))
    grade_names = [g for g, _ in s.grades] + [UNREPORTED]
    proj_frame = pd.DataFrame({
        **proj,
        "department": pd.Categorical.from_codes(dep_codes, categories=dep_names),
        "spent_as_of": spent_as_of,
        "budget_basis": basis,
        "execution_rate": rate,
        "budget_points": budget_points,
        "budget_score": budget_score,
        "budget_light": _lights(budget),
        "flag_rate_low": (rate < s.execution_rate_flag_below) & (tp >= 1),
        "indicator_score": raw,
        "score": total,
        "weighted": weighted,
        "printed_total": printed,
        "flag_printed_total": flag_printed,
        "grade": pd.Categorical.from_codes(grade_codes, categories=grade_names),
        "unreported": unreported,
        "period_ended": period_ended,
        "flag_zero_filled": zero_filled,
        "n_reported": n_reported,
        "light": _lights(project_light),
        **{f"n_{colour}": counts[:, i] for i, colour in enumerate(LIGHTS)},
        "n_indicators": counts.sum(axis=1),
    })

    code = ind["value_code"]
    indicators = pd.DataFrame({
        "indicator_id": ind["indicator_id"],
        "project_id": ind["project_id"],
        "report_id": pd.array(ind["report_id"], dtype="Int64"),
        "actual_as_of": _dates(ind["actual_day"]),
        "actual_num": ind["value_num"],
        "value_date": _dates(ind["value_day"]),
        "grade": pd.Categorical.from_codes(np.clip(code, 0, None) - 1, categories=list(GRADES)),
        "grade_rate": ind["grade_rate"],
        "pool_points": points,
        "weight": weight,
        "score": score,
        "printed_score": imported["printed_score"],
        **out,
        "light": _lights(light),
    })

    n_dep = len(dep_names)

    def per_dep(values: np.ndarray) -> np.ndarray:
        return np.bincount(dep_codes, weights=values, minlength=n_dep)

    projects_per_dep = np.bincount(dep_codes, minlength=n_dep)
    dep_funding = per_dep(np.nan_to_num(funding))
    dep_spent = per_dep(np.nan_to_num(spent))
    with np.errstate(divide="ignore", invalid="ignore"):
        dep = pd.DataFrame({
            "department": dep_names,
            "projects": projects_per_dep,
            "funding_total": dep_funding,
            "spent": dep_spent,
            "mean_score": per_dep(np.where(unreported, 0.0, total)) / per_dep((~unreported).astype(float)),
            "n_unreported": per_dep(unreported.astype(float)).astype(int),
            **{f"n_{colour}": per_dep(counts[:, i]).astype(int) for i, colour in enumerate(LIGHTS)},
            "execution_rate": np.where(dep_funding > 0, dep_spent / dep_funding, np.nan),
        })
    dep = dep.sort_values("department", ignore_index=True)
    return Result(as_of, indicators, proj_frame, dep)


def mean_score(projects: pd.DataFrame) -> tuple[float | None, int]:
    """The mean score of the projects that have reported, and how many have not (left out of it)."""
    unreported = projects["unreported"].fillna(False).astype(bool)
    scored = projects.loc[~unreported, "score"]
    return (float(scored.mean()) if len(scored) else None), int(unreported.sum())


def _lights(codes: np.ndarray) -> pd.Categorical:
    return pd.Categorical.from_codes(codes, categories=list(LIGHTS))


def _grade_codes(score: np.ndarray, s: Settings) -> np.ndarray:
    conditions = [score >= low for _, low in s.grades]
    return np.select(conditions, list(range(len(s.grades))), default=len(s.grades) - 1)


def _dates(days: np.ndarray) -> np.ndarray:
    out = np.full(len(days), np.datetime64("NaT"), dtype="datetime64[D]")
    ok = ~np.isnan(days)
    out[ok] = _EPOCH + days[ok].astype("timedelta64[D]")
    return out


def grade_of(score: pd.Series, s: Settings) -> pd.Series:
    """The grade band of each total (bands best first, each with its lower bound)."""
    names = np.array([g for g, _ in s.grades], dtype=object)
    return pd.Series(names[_grade_codes(score.to_numpy(dtype=float), s)], index=score.index)
