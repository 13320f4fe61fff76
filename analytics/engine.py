"""The attainment engine: completion, weights, scores, lights and grades (domain.md sections 4, 5).

Vectorised pandas over all indicators at once; the store supplies each indicator's latest
report as of a date. Every threshold comes from :class:`analytics.settings.Settings`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from analytics.reports import NOT_APPLICABLE
from analytics.settings import Settings, load_settings
from analytics.storage import Store

LIGHTS = ("green", "yellow", "red", "blue", "grey")
# Project light = the worst of its lights; green and blue rank alike, grey only counts alone.
_RANK = {"grey": 0, "blue": 1, "green": 1, "yellow": 2, "red": 3}


@dataclass
class Result:
    as_of: date
    indicators: pd.DataFrame
    projects: pd.DataFrame
    departments: pd.DataFrame


def time_progress(start: pd.Series, end: pd.Series, year: pd.Series, as_of: date) -> pd.Series:
    """Elapsed days / total days of the period, both inclusive, clamped to [0, 1]."""
    start = pd.to_datetime(start).fillna(pd.to_datetime(year.astype("Int64").astype(str) + "-01-01"))
    end = pd.to_datetime(end).fillna(pd.to_datetime(year.astype("Int64").astype(str) + "-12-31"))
    total = (end - start).dt.days + 1
    elapsed = (pd.Timestamp(as_of) - start).dt.days + 1
    return (elapsed / total.where(total > 0)).clip(0, 1).fillna(0.0)


def _ratio_light(r: np.ndarray, red: float, yellow: float, blue: float | None) -> np.ndarray:
    out = np.where(r < red, "red", np.where(r < yellow, "yellow", "green"))
    if blue is not None:
        out = np.where(r >= blue, "blue", out)
    return out


def compute_indicators(ind: pd.DataFrame, t: pd.Series, as_of: date, s: Settings) -> pd.DataFrame:
    """Completion, light and flags per indicator; ``t`` is the project's time progress per row."""
    ind = ind.copy()
    kind, direction = ind["kind"].to_numpy(), ind["direction"].to_numpy()
    a = ind["target_num"].to_numpy(dtype=float)
    b_raw = ind["value_num"].to_numpy(dtype=float)
    b = np.clip(b_raw, 0, None)  # negative actuals count as 0
    na = ind["not_applicable"].to_numpy(dtype=bool)
    quant = kind == "quantitative"
    higher = quant & np.isin(direction, ["higher", "exact"])
    lower = quant & (direction == "lower")
    deadline = kind == "deadline"
    qual = kind == "qualitative"
    has_num = ~np.isnan(b)
    target_date = pd.to_datetime(ind["target_date"])
    done_date = pd.to_datetime(ind["value_date"])
    has_date = done_date.notna().to_numpy()
    grade = ind["grade"].fillna("").to_numpy()
    has_grade = grade != ""

    with np.errstate(divide="ignore", invalid="ignore"):
        c_higher = np.where(a == 0, (b <= 0).astype(float), np.minimum(b / a, 1.0))
        if s.lower_is_better == "ratio":
            c_lower = np.where(b <= a, 1.0, a / b)
        else:
            c_lower = np.where(b <= a, 1.0, np.where(a > 0, np.maximum(0.0, 1 - (b - a) / a), 0.0))
    c_deadline = (done_date <= target_date).to_numpy().astype(float)
    defaults = {g: band.default for g, band in s.qualitative.items()}
    rate = ind["grade_rate"].fillna(ind["grade"].map(defaults)).to_numpy(dtype=float)
    completion = np.select(
        [higher & has_num, lower & has_num, deadline & has_date, qual & has_grade],
        [c_higher, c_lower, c_deadline, rate / 100.0],
        default=np.nan,
    )
    completion = np.where(na, np.nan, completion)
    reported = ~np.isnan(completion)

    # Lights at the as-of date (section 5).
    cumulative = ind["unit_normalized"].isin(s.cumulative_units).to_numpy()
    tt = t.to_numpy(dtype=float)
    expectation = np.where(cumulative, a * tt, a)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = b / expectation * 100
    higher_light = np.where(
        a == 0, np.where(b <= 0, "green", "red"),
        np.where(expectation <= 0, "green", _ratio_light(r, s.red_below, s.yellow_below, s.blue_from)),
    )
    days_left = (target_date - pd.Timestamp(as_of)).dt.days.to_numpy()
    open_deadline = np.where(
        days_left < 0, "red", np.where(days_left <= s.deadline_warning_days, "yellow", "green")
    )
    deadline_light = np.where(has_date, np.where(c_deadline == 1, "green", "red"), open_deadline)
    qual_light = np.select(
        [grade == "达成", grade == "部分达成", grade == "未达成"], ["green", "yellow", "red"], "grey"
    )
    light = np.select(
        # 不适用 first: a not-applicable deadline is left out, not red after its date.
        [na, deadline, higher & has_num, lower & has_num, qual & has_grade],
        ["grey", deadline_light, higher_light, np.where(b <= a, "green", "red"), qual_light],
        default="grey",
    )

    ind["completion"] = completion
    ind["light"] = light
    ind["flag_missing"] = ~reported & ~na
    ind["flag_over"] = higher & has_num & (a > 0) & (b >= s.over_completion * a)
    ind["flag_negative"] = has_num & (b_raw < 0)
    ind["actual_num"] = np.where(has_num, b_raw, np.nan)
    return ind


def _rank(light: np.ndarray) -> np.ndarray:
    return np.select([light == "red", light == "yellow", (light == "green") | (light == "blue")], [3, 2, 1], 0)


def compute(store: Store, as_of: date, settings: Settings | None = None) -> Result:
    """Everything the reports and pages show, for one as-of date."""
    s = settings or load_settings()
    proj = store.engine_projects(as_of).sort_values("project_id", ignore_index=True)
    ind = store.engine_indicators(as_of, NOT_APPLICABLE)

    proj["time_progress"] = time_progress(proj["start_date"], proj["end_date"], proj["year"], as_of)
    # Position of each indicator's project in ``proj``: aggregations become bincounts.
    pos = np.searchsorted(proj["project_id"].to_numpy(), ind["project_id"].to_numpy())
    n_proj = len(proj)
    t = pd.Series(proj["time_progress"].to_numpy()[pos], index=ind.index)
    ind = compute_indicators(ind, t, as_of, s)

    # Weights: each pool's points split equally over its project's applicable indicators.
    level1 = ind["level1"].to_numpy(dtype=object)
    pool = np.where(level1 == "成本指标", s.cost_pool, level1)
    pool_names = list(s.pools)
    pool_idx = np.select([pool == name for name in pool_names], list(range(len(pool_names))), -1)
    points = np.array([s.pools[n] for n in pool_names] + [0.0])[pool_idx]
    applicable = ~ind["not_applicable"].to_numpy()
    group = pos * (len(pool_names) + 1) + (pool_idx + 1)
    n_in_pool = np.bincount(group, weights=applicable, minlength=n_proj * (len(pool_names) + 1))[group]
    with np.errstate(divide="ignore", invalid="ignore"):
        weight = np.where(applicable & (n_in_pool > 0), points / n_in_pool, 0.0)
    ind["pool_points"] = points
    ind["weight"] = weight
    ind["score"] = weight * np.nan_to_num(ind["completion"].to_numpy(dtype=float), nan=0.0)

    # Budget execution.
    funding = proj["funding_total"].to_numpy(dtype=float)
    spent = proj["spent"].to_numpy(dtype=float)
    tp = proj["time_progress"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(funding > 0, spent / funding, np.nan)
        r = np.where(tp > 0, rate / tp * 100, np.nan)
    proj["execution_rate"] = rate
    proj["budget_score"] = s.budget_points * np.nan_to_num(np.minimum(rate, 1.0), nan=0.0)
    budget_light = np.where(r < s.budget_red_below, "red", np.where(r < s.budget_yellow_below, "yellow", "green"))
    proj["budget_light"] = np.where(np.isnan(r), np.where(np.isnan(rate), "grey", "green"), budget_light)
    proj["flag_rate_low"] = (rate < s.execution_rate_flag_below) & (tp >= 1)

    raw = np.bincount(pos, weights=ind["score"].to_numpy(), minlength=n_proj)
    weights = np.bincount(pos, weights=weight, minlength=n_proj)
    proj["indicator_score"] = raw
    proj["score"] = (raw + proj["budget_score"].to_numpy()) * 100 / (weights + s.budget_points)
    proj["grade"] = grade_of(proj["score"], s)

    light = ind["light"].to_numpy()
    worst = np.zeros(n_proj, dtype=int)
    np.maximum.at(worst, pos, _rank(light))
    worst = np.maximum(worst, _rank(proj["budget_light"].to_numpy()))
    any_green = np.bincount(pos, weights=light == "green", minlength=n_proj) > 0
    any_green |= proj["budget_light"].to_numpy() == "green"
    proj["light"] = np.select([worst == 3, worst == 2, worst == 1],
                              ["red", "yellow", np.where(any_green, "green", "blue")], "grey")
    for colour in LIGHTS:
        proj[f"n_{colour}"] = np.bincount(pos, weights=light == colour, minlength=n_proj).astype(int)
    proj["n_indicators"] = np.bincount(pos, minlength=n_proj)

    dep = proj.groupby("department").agg(
        projects=("project_id", "size"),
        funding_total=("funding_total", "sum"),
        spent=("spent", "sum"),
        mean_score=("score", "mean"),
        **{f"n_{c}": (f"n_{c}", "sum") for c in LIGHTS},
    ).reset_index()
    dep["execution_rate"] = dep["spent"] / dep["funding_total"].where(dep["funding_total"] > 0)
    return Result(as_of, ind, proj, dep)


def grade_of(score: pd.Series, s: Settings) -> pd.Series:
    """The grade band of each total (bands best first, each with its lower bound)."""
    conditions = [score >= low for _, low in s.grades]
    return pd.Series(np.select(conditions, [g for g, _ in s.grades], default=s.grades[-1][0]), index=score.index)
