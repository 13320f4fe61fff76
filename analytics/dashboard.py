"""What the dashboard pages show: the engine's results joined to names, filtered, summarised.

Pages call these functions and draw what they return; nothing here knows about Streamlit.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np
import pandas as pd

from analytics.engine import LIGHTS, UNREPORTED, ZERO_FILLED, Result, compute, mean_score
from analytics.reports import likelihood_label
from analytics.settings import Settings, load_settings
from analytics.storage import Store
from analytics.wording import PERCENT_DECIMALS, cn_dates, cn_datetimes, is_money_column, percent, round_percent

LIGHT_NAMES = {"green": "绿灯", "yellow": "黄灯", "red": "红灯", "blue": "蓝灯", "grey": "灰灯"}
LIGHT_MEANINGS = {
    "green": "正常", "yellow": "预警", "red": "偏差较大", "blue": "超前完成", "grey": "未填报或不适用",
}
KIND_NAMES = {"quantitative": "定量", "deadline": "时效", "qualitative": "定性"}
LEVEL1_ORDER = ("成本指标", "产出指标", "效益指标", "满意度指标")
# How close a deadline must be to count as coming soon (domain.md section 5 uses the same 30 days).
SOON_DAYS = 30


# The query parameters that carry the sidebar's choices.
FILTER_PARAMS = frozenset({"as_of", "year", "dept", "unit", "project"})


@dataclass(frozen=True)
class Filters:
    """The sidebar's choices; empty means "all"."""

    as_of: date
    year: int | None = None
    department: str | None = None
    unit: str | None = None
    project_ids: tuple[int, ...] = ()

    def to_params(self) -> dict[str, str | list[str]]:
        """Query parameters for a link that opens the same view."""
        out: dict[str, str | list[str]] = {"as_of": self.as_of.isoformat()}
        if self.year is not None:
            out["year"] = str(self.year)
        if self.department:
            out["dept"] = self.department
        if self.unit:
            out["unit"] = self.unit
        if self.project_ids:
            out["project"] = [str(p) for p in self.project_ids]
        return out

    @classmethod
    def from_params(cls, params: dict[str, list[str]], today: date, options: pd.DataFrame) -> Filters:
        """Read query parameters; anything unknown or malformed falls back to "all" / today."""

        def first(key: str) -> str | None:
            values = params.get(key) or []
            return values[0] if values else None

        try:
            as_of = date.fromisoformat(first("as_of") or "")
        except ValueError:
            as_of = today
        year_text = first("year")
        year = _ascii_int(year_text)
        if year is not None and year not in set(options["year"]):
            year = None
        dept = first("dept")
        if dept not in set(options["department"]):
            dept = None
        unit = first("unit")
        if unit not in set(options["unit"].dropna()):
            unit = None
        known = set(options["project_id"])
        numbers = (_ascii_int(p) for p in params.get("project", []))
        ids = tuple(sorted({n for n in numbers if n is not None and n in known}))
        return cls(as_of=as_of, year=year, department=dept, unit=unit, project_ids=ids)


def _ascii_int(text: str | None) -> int | None:
    """A URL parameter's number: ASCII digits only (str.isdigit() also takes "²", which int() refuses)."""
    if text and len(text) <= 18 and text.isascii() and text.isdigit():
        return int(text)
    return None


@dataclass
class View:
    """Everything computed for one set of filters."""

    filters: Filters
    projects: pd.DataFrame
    indicators: pd.DataFrame
    summary: dict = field(default_factory=dict)


def filter_options(store: Store) -> pd.DataFrame:
    """Every current project's id, year, name, department and unit: what the sidebar offers."""
    return store.projects_frame()[["project_id", "year", "name", "department", "unit"]]


def narrow(options: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """The projects that the year, department and unit choices leave (before picking projects)."""
    keep = pd.Series(True, index=options.index)
    if filters.year is not None:
        keep &= options["year"] == filters.year
    if filters.department:
        keep &= options["department"] == filters.department
    if filters.unit:
        keep &= options["unit"] == filters.unit
    return options[keep]


def build_view(store: Store, filters: Filters, settings: Settings | None = None,
               result: Result | None = None) -> View:
    """The engine's result at the filters' as-of date, with names, restricted to the filters.

    ``result`` is the engine's result for every project at that date when the caller has it already
    (the pages cache it per date): a change of department or unit then only narrows it.
    """
    s = settings or load_settings()
    result = result if result is not None else compute(store, filters.as_of, s)
    info = store.projects_frame()
    chosen = narrow(info, filters)
    if filters.project_ids:
        chosen = chosen[chosen["project_id"].isin(filters.project_ids)]
    ids = chosen["project_id"].tolist()

    engine_cols = [c for c in result.projects.columns if c not in ("year", "department", "funding_total")]
    projects = chosen.merge(result.projects[engine_cols], on="project_id", how="left")
    projects["spent_as_of"] = pd.to_datetime(projects["spent_as_of"])
    for c in ("funding_total", "funding_fiscal", "funding_other"):
        projects[c] = projects[c].astype(float)
    projects["funding_other"] = projects["funding_other"].fillna(0.0)
    projects["short_name"] = projects["name"].map(short_name)
    projects["score_text"] = score_text(projects)
    projects["score_note"] = np.where(projects["flag_zero_filled"].fillna(False).astype(bool), ZERO_FILLED, "")

    narrowed = len(chosen) < len(info)
    meta = store.indicators_frame(ids if narrowed else None)
    indicators = meta.merge(result.indicators, on=["indicator_id", "project_id"], how="left")
    indicators = indicators.merge(projects[["project_id", "name", "short_name", "unit"]].rename(
        columns={"name": "project_name", "unit": "project_unit"}), on="project_id", how="left")
    indicators["light"] = indicators["light"].astype(str)
    indicators["kind_name"] = indicators["kind"].map(KIND_NAMES)
    indicators["light_name"] = indicators["light"].map(LIGHT_NAMES)
    indicators["actual_text"] = actual_text(indicators)
    indicators["target_date"] = pd.to_datetime(indicators["target_date"])
    return View(filters, projects, indicators, summarise(projects, indicators))


def short_name(name: str) -> str:
    """A project name without its budget-category prefix ("生态环保行业管理_…"), for chart axes."""
    return name.split("_", 1)[1] if "_" in name else name


def actual_text(ind: pd.DataFrame) -> pd.Series:
    """The latest actual value as people read it: number with unit, date, or grade."""
    num = ind["actual_num"].map(lambda v: "" if pd.isna(v) else f"{v:,.4g}")
    unit = ind["unit_normalized"].fillna("")
    text = np.where(num != "", num + unit, "")
    dates = cn_dates(ind["value_date"])
    text = np.where(dates != "", dates, text)
    grades = ind["grade"].astype(object).where(ind["grade"].notna(), "")
    text = np.where(grades != "", grades, text)
    text = np.where(ind["not_applicable"].fillna(False).astype(bool), "不适用", text)
    return pd.Series(text, index=ind.index)


def score_text(projects: pd.DataFrame) -> pd.Series:
    """A project's score as every page and export shows it: two decimals, or 未填报."""
    unreported = projects["unreported"].fillna(False).astype(bool)
    text = projects["score"].map(lambda v: "" if pd.isna(v) else f"{v:.2f}")
    return text.where(~unreported, UNREPORTED)


def rank_by_score(projects: pd.DataFrame) -> pd.DataFrame:
    """Projects best first: by score, ties by name, whatever the grade; unreported ones last (by name)."""
    unreported = projects["unreported"].fillna(False).astype(bool)
    key = projects.assign(_unreported=unreported, _score=projects["score"].where(~unreported))
    ranked = key.sort_values(["_unreported", "_score", "name"], ascending=[True, False, True],
                             na_position="last", kind="mergesort")
    return ranked.drop(columns=["_unreported", "_score"]).reset_index(drop=True)


def score_table(projects: pd.DataFrame) -> pd.DataFrame:
    """The score ranking as a table (for the screen and the downloads): rank, names, score, grade,
    light and the 期末未填报按0分计 note. Unreported projects come last with no rank and no score
    (empty cells in the files), their grade and light 未填报."""
    p = rank_by_score(projects)
    unreported = p["unreported"].fillna(False).astype(bool)
    rank = pd.array(np.arange(1, len(p) + 1), dtype="Int64")
    rank[unreported.to_numpy()] = pd.NA
    return pd.DataFrame({
        "排名": rank,
        "项目名称": p["name"],
        "主管部门": p["department"].astype(str),
        "实施单位": p["unit"],
        "自评总分": p["score"].where(~unreported).round(2),
        "等级": p["grade"].astype(str).where(~unreported, UNREPORTED),
        "监控灯": p["light"].astype(str).map(LIGHT_NAMES).where(~unreported, UNREPORTED),
        "说明": p["score_note"],
    })


def score_table_shown(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`score_table` as the screen shows it: text cells, 未填报 where there is no score yet."""
    return table.assign(
        排名=table["排名"].map(lambda v: "—" if pd.isna(v) else str(int(v))),
        自评总分=table["自评总分"].map(lambda v: UNREPORTED if pd.isna(v) else f"{v:.2f}"),
    )


def page_count(rows: int, per_page: int) -> int:
    """How many pages of ``per_page`` rows hold ``rows`` rows; an empty table still has its one page."""
    return max(1, -(-rows // per_page))


def page_rows(table: pd.DataFrame, page: int, per_page: int) -> pd.DataFrame:
    """Page ``page`` (from 1; clamped to the pages there are) of ``table``, ``per_page`` rows a page: what
    a screen sends of a long table, while totals and downloads take the whole table."""
    page = min(max(1, page), page_count(len(table), per_page))
    return table.iloc[(page - 1) * per_page: page * per_page]


def score_bands(projects: pd.DataFrame, width: int) -> pd.DataFrame:
    """Projects counted per band of ``width`` score points and per grade, best band first, then 未填报:
    what a chart of thousands of projects shows instead of one mark each (issue 11 item 12).

    Rows: ``band`` (its label, "85–90"), ``low`` (its lower bound; NA for 未填报), ``grade``,
    ``projects`` and ``lights`` (how many of them have each project light, as text). Every band from the
    highest to the lowest score present is listed, an empty one with no grade and 0 projects, so that the
    axis keeps its scale; the top band also holds 100. Every project is counted once.
    """
    unreported = (projects["unreported"].fillna(False).astype(bool) | projects["score"].isna()).to_numpy()
    top = (int(np.ceil(100 / width)) - 1) * width
    low = (np.floor(projects["score"].clip(lower=0).fillna(0).to_numpy() / width) * width).clip(max=top).astype(int)
    # 未填报 is a band of its own, below every score (-1 sorts it last).
    low = np.where(unreported, -1, low)
    grade = np.where(unreported, UNREPORTED, projects["grade"].astype(str).to_numpy())
    light = projects["light"].astype(str).to_numpy()
    keyed = pd.DataFrame({"low": low, "grade": grade, "light": light})
    table = keyed.groupby(["low", "grade", "light"]).size().unstack("light", fill_value=0)
    table = table.reindex(columns=[c for c in LIGHTS if c in table.columns])
    counted = pd.DataFrame({"projects": table.sum(axis=1)}).reset_index()
    # One line per band and grade (a few dozen at most, whatever the number of projects).
    names = [LIGHT_NAMES[c] for c in table.columns]
    counted["lights"] = [" · ".join(f"{n} {k}" for n, k in zip(names, row, strict=True) if k)
                         for row in table.to_numpy()]
    scored = counted["low"] >= 0
    if scored.any():
        lows = counted.loc[scored, "low"]
        grid = pd.DataFrame({"low": np.arange(lows.max(), lows.min() - 1, -width)})
        counted = pd.concat([grid.merge(counted[scored], on="low", how="left"), counted[~scored]], ignore_index=True)
        counted = counted.fillna({"grade": "", "projects": 0, "lights": ""})
    # Within a band, the better grade first: the one whose projects score higher.
    best = projects.loc[~unreported].groupby(grade[~unreported])["score"].max()
    counted = counted.assign(_best=counted["grade"].map(best).fillna(-1.0)).sort_values(
        ["low", "_best"], ascending=[False, False], kind="mergesort")
    out = pd.DataFrame({
        "band": np.where(counted["low"] < 0, UNREPORTED,
                         counted["low"].astype(int).astype(str) + "–"
                         + (counted["low"] + width).clip(upper=100).astype(int).astype(str)),
        "low": counted["low"].astype("Int64").where(counted["low"] >= 0),
        "grade": counted["grade"], "projects": counted["projects"].astype(int), "lights": counted["lights"],
    })
    return out.reset_index(drop=True)


def summarise(projects: pd.DataFrame, indicators: pd.DataFrame) -> dict:
    """The overview's cards."""
    funding = float(projects["funding_total"].fillna(0).sum())
    spent = float(projects["spent"].fillna(0).sum())
    counts = indicators["light"].value_counts()
    n = len(indicators)
    # The funding-weighted time progress is what the total execution rate should keep pace with.
    weights = projects["funding_total"].fillna(0)
    tp = float((projects["time_progress"] * weights).sum() / weights.sum()) if weights.sum() > 0 else None
    mean, n_unreported = mean_score(projects)
    return {
        "projects": len(projects),
        "funding_total": funding,
        "indicators": n,
        "lights": {c: int(counts.get(c, 0)) for c in LIGHTS},
        "light_shares": {c: (int(counts.get(c, 0)) / n if n else 0.0) for c in LIGHTS},
        # Unreported projects are not 0 points: they are left out of the mean and counted beside it.
        "mean_score": mean,
        "unreported": n_unreported,
        "spent": spent,
        "execution_rate": spent / funding if funding > 0 else None,
        "time_progress": tp,
    }


def attention_items(view: View) -> pd.DataFrame:
    """Red then yellow items, indicators and project budgets together, each naming its project."""
    ind = view.indicators
    flagged = ind[ind["light"].isin(["red", "yellow"])]
    actual = flagged["actual_text"].where(flagged["actual_text"] != "", "未填报")
    items = flagged.assign(
        item=flagged["name"], what="指标", detail=flagged["target_text"].fillna("") + " / 实际 " + actual
    )[["light", "project_id", "indicator_id", "project_name", "short_name", "level1", "item", "what", "detail"]]
    proj = view.projects
    budget = proj[proj["budget_light"].isin(["red", "yellow"])]
    budget_items = pd.DataFrame({
        "light": budget["budget_light"].astype(str),
        "project_id": budget["project_id"],
        "indicator_id": pd.array([pd.NA] * len(budget), dtype="Int64"),
        "project_name": budget["name"],
        "short_name": budget["short_name"],
        "level1": "预算执行",
        "item": "预算执行率",
        "what": "预算",
        "detail": [f"执行率 {percent(r)},时间进度 {percent(t)}"
                   for r, t in zip(budget["execution_rate"], budget["time_progress"], strict=True)],
    })
    out = pd.concat([items, budget_items], ignore_index=True)
    out["order"] = out["light"].map({"red": 0, "yellow": 1})
    out["light_name"] = out["light"].map(LIGHT_NAMES)
    return out.sort_values(["order", "project_id", "level1"], ignore_index=True).drop(columns="order")


def funding_tree(view: View, max_projects: int = 150) -> pd.DataFrame:
    """Rows for a treemap: department → unit → project → cost indicator (万元).

    A project's cost caps share its funding; what the caps leave is shown as 其他支出, and caps
    above the funding (seed project 4) are scaled down inside the tree, the table shows the caps.
    """
    p = view.projects.set_index("project_id")
    cost = _cost(view)
    funding = p["funding_total"].fillna(0.0)
    caps = cost.groupby("project_id")["target_num"].sum().reindex(p.index, fill_value=0.0)
    scale = np.where((caps > funding) & (funding > 0), funding / caps.where(caps > 0, 1.0), 1.0)
    scale = pd.Series(scale, index=p.index)
    items = pd.DataFrame({
        "project_id": cost["project_id"],
        "item": cost["name"],
        "amount": cost["target_num"].fillna(0.0) * cost["project_id"].map(scale),
    })
    rest = pd.DataFrame({
        "project_id": p.index,
        "item": "其他支出(未列成本指标)",
        "amount": (funding - caps * scale).clip(lower=0.0).to_numpy(),
    })
    rest = rest[(rest["amount"] > 1e-9) | ~rest["project_id"].isin(cost["project_id"])]
    out = pd.concat([items, rest], ignore_index=True)
    out["department"] = out["project_id"].map(p["department"])
    out["unit"] = out["project_id"].map(p["unit"]).fillna("(未填实施单位)")
    out["project"] = out["project_id"].map(p["short_name"])
    if len(p) > max_projects:
        # Thousands of tiles are unreadable: the largest projects keep theirs, the rest of each
        # unit becomes one tile, so every 万元 is still counted.
        big = set(funding.nlargest(max_projects).index)
        small = ~out["project_id"].isin(big)
        counts = out[small].groupby("unit")["project_id"].nunique()
        out.loc[small, "project"] = "其余 " + out.loc[small, "unit"].map(counts).astype(str) + " 个项目"
        out.loc[small, "item"] = "合计"
        out = out.groupby(["department", "unit", "project", "item"], as_index=False, sort=False)["amount"].sum()
    return out[["department", "unit", "project", "item", "amount"]]


def top_projects(view: View, column: str, n: int = 30) -> pd.DataFrame:
    """The n projects with the largest value of a column: what a per-project bar chart can show."""
    return view.projects.nlargest(n, column) if len(view.projects) > n else view.projects


def _cost(view: View) -> pd.DataFrame:
    """Cost indicators whose target is an amount (万元)."""
    ind = view.indicators
    return ind[(ind["level1"] == "成本指标") & (ind["unit_normalized"] == "万元")]


def funding_table(view: View) -> pd.DataFrame:
    """Per project: funds, cost caps, spending, execution rate and time progress (for download)."""
    caps = _cost(view).groupby("project_id")["target_num"].sum()
    p = view.projects
    return pd.DataFrame({
        "项目名称": p["name"],
        "主管部门": p["department"],
        "实施单位": p["unit"],
        "年度资金总额(万元)": p["funding_total"].round(2),
        "财政拨款(万元)": p["funding_fiscal"].round(2),
        "其他资金(万元)": p["funding_other"].round(2),
        "成本指标上限合计(万元)": p["project_id"].map(caps).fillna(0).round(2),
        "预算执行数(万元)": p["spent"].round(2),
        # A date, not text: the grid shows it as 2026年12月1日 and the XLSX keeps it a date cell.
        "执行数截至": pd.to_datetime(p["spent_as_of"]).dt.normalize(),
        "预算执行率": round_percent(p["execution_rate"]),
        "时间进度": round_percent(p["time_progress"]),
        "预算灯": p["budget_light"].astype(str).map(LIGHT_NAMES),
    })


def funding_total_row(table: pd.DataFrame) -> pd.DataFrame:
    """The 合计 row of :func:`funding_table`, over every row given (all projects of the view, whatever
    page of them the screen shows): amounts summed, the execution rate of the sums and the time
    progress weighted by funding, as the cards compute them."""
    money = [c for c in table.columns if is_money_column(c)]
    funding = table["年度资金总额(万元)"].fillna(0)
    spent = table["预算执行数(万元)"].fillna(0)
    total = float(funding.sum())
    weighted = (table["时间进度"] * funding).sum() / total if total > 0 else np.nan
    row = {c: np.nan for c in table.columns} | {c: round(float(table[c].fillna(0).sum()), 2) for c in money}
    row |= {
        "项目名称": "合计", "主管部门": "", "实施单位": "", "预算灯": "",
        "执行数截至": pd.NaT,
        "预算执行率": round(float(spent.sum()) / total * 100, PERCENT_DECIMALS) if total > 0 else np.nan,
        "时间进度": round(float(weighted), PERCENT_DECIMALS) if pd.notna(weighted) else np.nan,
    }
    return pd.DataFrame([row], columns=table.columns).astype(table.dtypes.to_dict())


def cost_caps(view: View) -> pd.DataFrame:
    """Cost caps (成本指标 targets in 万元) per project against its reported spending."""
    caps = _cost(view).groupby("project_id")["target_num"].sum()
    p = view.projects
    return pd.DataFrame({
        "project_id": p["project_id"],
        "project": p["short_name"],
        "caps": p["project_id"].map(caps).fillna(0.0),
        "spent": p["spent"].fillna(0.0),
        "funding": p["funding_total"].fillna(0.0),
    })


def indicator_table(view: View, project_ids: tuple[int, ...] = (), level1: tuple[str, ...] = (),
                    level2: tuple[str, ...] = (), lights: tuple[str, ...] = (),
                    kinds: tuple[str, ...] = ()) -> pd.DataFrame:
    """The 指标 page's table after its own filters, in the order of the target tables."""
    ind = view.indicators
    keep = pd.Series(True, index=ind.index)
    for col, chosen in (("project_id", project_ids), ("level1", level1), ("level2", level2), ("light", lights),
                        ("kind", kinds)):
        if chosen:
            keep &= ind[col].isin(chosen)
    return ind[keep].sort_values(["project_id", "seq"], ignore_index=True)


def indicator_history(store: Store, view: View, indicator_id: int) -> tuple[pd.Series, pd.DataFrame]:
    """One indicator's row of the view and all its reports (withdrawn ones marked)."""
    row = view.indicators.loc[view.indicators["indicator_id"] == indicator_id].iloc[0]
    hist = store.report_history([indicator_id])
    hist["value"] = np.where(hist["grade"].notna(), hist["grade"],
                             np.where(hist["value_date"].notna(), hist["value_date"].astype(str), hist["value_text"]))
    return row, hist


def expectation_line(row: pd.Series, project: pd.Series, cumulative_units: frozenset[str],
                     points: int = 24) -> pd.DataFrame:
    """The time-progress expectation of a quantitative target over the project period."""
    start = pd.Timestamp(project["start_date"] or date(int(project["year"]), 1, 1))
    end = pd.Timestamp(project["end_date"] or date(int(project["year"]), 12, 31))
    days = pd.date_range(start, end, periods=points)
    target = float(row["target_num"]) if pd.notna(row["target_num"]) else np.nan
    if row["unit_normalized"] in cumulative_units:
        t = ((days - start).days + 1) / ((end - start).days + 1)
        values = target * np.clip(t, 0, 1)
    else:
        values = np.full(points, target)
    return pd.DataFrame({"date": days, "expected": values})


def deadlines(view: View) -> pd.DataFrame:
    """Deadlines of 时效 indicators with days left and their state at the as-of date, nearest first."""
    ind = view.indicators[view.indicators["kind"] == "deadline"].copy()
    as_of = pd.Timestamp(view.filters.as_of)
    ind["days_left"] = (ind["target_date"] - as_of).dt.days
    done = ind["value_date"].notna()
    ind["state"] = np.select(
        [done & (ind["light"] == "green"), done, ind["not_applicable"].fillna(False).astype(bool),
         ind["days_left"] < 0, ind["days_left"] <= SOON_DAYS],
        ["已按期完成", "逾期完成", "不适用", "已逾期", "即将到期"],
        "未到期",
    )
    ind["marker"] = np.select(
        [ind["state"].isin(["已逾期", "逾期完成"]), ind["state"] == "即将到期", ind["state"] == "已按期完成"],
        ["red", "yellow", "green"], "grey",
    )
    cols = ["indicator_id", "project_id", "project_name", "short_name", "name", "target_date", "value_date",
            "days_left", "state", "marker", "light"]
    return ind[cols].sort_values(["days_left", "project_id"], ignore_index=True)


def coming_deadlines(view: View) -> pd.DataFrame:
    """Deadlines not yet completed and not yet passed, nearest first."""
    d = deadlines(view)
    return d[(d["value_date"].isna()) & (d["days_left"] >= 0) & (d["state"] != "不适用")].reset_index(drop=True)


def level1_lights(view: View, project_id: int | None = None) -> pd.DataFrame:
    """Light counts per 一级 indicator (for one project, or all in the view)."""
    ind = view.indicators
    if project_id is not None:
        ind = ind[ind["project_id"] == project_id]
    table = pd.crosstab(ind["level1"], ind["light"]).reindex(columns=list(LIGHTS), fill_value=0)
    order = [x for x in LEVEL1_ORDER if x in table.index] + [x for x in table.index if x not in LEVEL1_ORDER]
    return table.reindex(order)


def with_project(filters: Filters, project_id: int) -> Filters:
    """The same filters narrowed to one project (the link behind an attention item)."""
    return replace(filters, project_ids=(project_id,))


def review_order(view: View) -> list[int]:
    """The projects of a review meeting in the order the table lists them (by year, then id)."""
    return view.projects["project_id"].astype(int).tolist()


def review_table(store: Store, view: View, project_id: int, reports: pd.DataFrame | None = None) -> pd.DataFrame:
    """One project's indicators for the meeting: result, light and the reporter's deviation note.

    ``reports``: the report history of (at least) these indicators, read once for many projects by a
    caller that wants thousands of tables (the review deck); else it is read here.
    """
    ind, reports = project_rows(store, view, project_id, reports)
    return review_rows(ind, reports).drop(columns="project_id")


def project_rows(store: Store, view: View, project_id: int, reports: pd.DataFrame | None = None,
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A project's indicators in table order and the report history behind them (``reports`` when
    the caller has read it already)."""
    ind = view.indicators[view.indicators["project_id"] == project_id].sort_values("seq")
    if reports is None:
        reports = store.report_history(ind["indicator_id"].astype(int).tolist())
    return ind, reports


def review_rows(indicators: pd.DataFrame, reports: pd.DataFrame) -> pd.DataFrame:
    """``review_table`` of any indicator rows at once (a project's, or thousands of projects' for the
    deck), in their order, with a ``project_id`` column: one vectorised pass instead of a scan of the
    view per project. ``reports``: the report history behind their current values."""
    ind = indicators
    latest = reports.drop_duplicates("report_id").set_index("report_id")
    ids = ind["report_id"]
    has = ids.notna().to_numpy()
    note = np.full(len(ind), "", dtype=object)
    likely = np.full(len(ind), "", dtype=object)
    if has.any():
        picked = latest.reindex(ids[has].astype(int).to_numpy())
        note[has] = picked["note"].fillna("").to_numpy()
        likely[has] = picked["likelihood"].map(likelihood_label).to_numpy()  # 不可能 reads 完全不可能
    return pd.DataFrame({
        "project_id": ind["project_id"].to_numpy(),
        "light": ind["light"].to_numpy(),
        "一级指标": ind["level1"].to_numpy(),
        "三级指标": ind["name"].to_numpy(),
        "指标值": ind["target_text"].to_numpy(),
        "实际完成值": ind["actual_text"].replace("", "未填报").to_numpy(),
        "完成率%": round_percent(ind["completion"]).to_numpy(),
        "得分": ind["score"].round(2).to_numpy(),
        "完成目标可能性": likely,
        "偏差原因分析及改进措施": note,
    })


def indicator_export(table: pd.DataFrame) -> pd.DataFrame:
    """The 指标 table with Chinese headers, as shown and downloaded."""
    return pd.DataFrame({
        "监控灯": table["light_name"],
        "项目": table["short_name"],
        "一级指标": table["level1"],
        "二级指标": table["level2"],
        "三级指标": table["name"],
        "类型": table["kind_name"],
        "指标值": table["target_text"],
        "最新实际值": table["actual_text"],
        "截至": pd.to_datetime(table["actual_as_of"]).dt.normalize(),
        "完成率%": round_percent(table["completion"]),
        "权重": table["weight"].round(2),
        "得分": table["score"].round(2),
    })


def timeline_projects(view: View, dl: pd.DataFrame, n: int = 40) -> pd.DataFrame:
    """The projects a Gantt chart can show: all of them, or the n with the most urgent deadlines
    (open and overdue first, then the nearest), then those without deadlines."""
    if len(view.projects) <= n:
        return view.projects
    urgency = dl.assign(
        rank=np.where(dl["value_date"].isna() & (dl["days_left"] < 0), -1e6 + dl["days_left"],
                      np.where(dl["value_date"].isna(), dl["days_left"], 1e6))
    ).groupby("project_id")["rank"].min()
    order = view.projects.assign(rank=view.projects["project_id"].map(urgency).fillna(2e6))
    return order.nsmallest(n, "rank").drop(columns="rank")


def project_matches(candidates: pd.DataFrame, query: str, limit: int) -> list[int]:
    """Project ids whose name, unit or department holds ``query`` (NFKC, case-folded), first ``limit``.

    Order as the candidates come (the sidebar's order); an empty query matches the first ``limit``.
    """
    wanted = search_key(query)
    if not wanted:
        return [int(p) for p in candidates["project_id"].head(limit)]
    text = (candidates["name"].fillna("") + "\n" + candidates["unit"].fillna("") + "\n"
            + candidates["department"].fillna("")).map(search_key)
    hits = candidates.loc[text.str.contains(wanted, regex=False), "project_id"]
    return [int(p) for p in hits.head(limit)]


def search_key(text: str) -> str:
    """Text as a search compares it: NFKC (full-width Ａ１ as A1, compatibility forms unfolded) and case
    folded, so that what a user types matches however the imported table wrote it."""
    return unicodedata.normalize("NFKC", text).casefold().strip()


def bounded_query(text: str | None, limit: int) -> str:
    """A search text as the page uses it: trimmed and at most ``limit`` characters (a URL can carry more)."""
    return (text or "").strip()[:limit]


def _contains(columns: list[pd.Series], query: str) -> pd.Series:
    key = search_key(query)
    hit = pd.Series(False, index=columns[0].index)
    for col in columns:
        hit |= col.fillna("").astype(str).map(search_key).str.contains(key, regex=False)
    return hit


def search_indicators(table: pd.DataFrame, query: str) -> pd.DataFrame:
    """The rows of an indicator table whose project, 实施单位 or indicator name contains ``query``."""
    if not search_key(query) or table.empty:
        return table
    keep = _contains([table["project_name"], table["short_name"], table["project_unit"], table["name"]], query)
    return table[keep].reset_index(drop=True)


def search_projects(view: View, query: str) -> list[int]:
    """The ids of the view's projects (in its order) whose name or 实施单位, or any of whose indicator
    names, contains ``query``; every project when the query is empty."""
    ids = view.projects["project_id"].astype(int)
    if not search_key(query):
        return ids.tolist()
    by_project = _contains([view.projects["name"], view.projects["unit"]], query)
    ind = view.indicators
    by_indicator = set(ind.loc[_contains([ind["name"]], query), "project_id"].astype(int)) if not ind.empty else set()
    return [int(p) for p, hit in zip(ids, by_project, strict=True) if hit or int(p) in by_indicator]


def narrowed_filters(filters: Filters) -> list[str]:
    """What of the global filters narrows the view (year, department, unit, projects), said in Chinese;
    empty when every project is shown. The as-of date picks a moment, not projects: it is not listed."""
    said = []
    if filters.year is not None:
        said.append(f"{filters.year}年度")
    if filters.department:
        said.append(f"主管部门:{filters.department}")
    if filters.unit:
        said.append(f"实施单位:{filters.unit}")
    if filters.project_ids:
        said.append(f"{len(filters.project_ids)} 个项目")
    return said


def target_version_table(versions: pd.DataFrame) -> pd.DataFrame:
    """An indicator's target versions with Chinese headers, the one in force marked "当前".

    The newest version is the one in force when it is active; a retired indicator (newest version
    inactive) has none, and every older version is history whatever its flag says.
    """
    newest = versions["version"].max() if not versions.empty else None
    current = (versions["version"] == newest) & versions["active"].astype(bool)
    return pd.DataFrame({
        "版本": versions["version"].astype(int),
        "状态": np.where(current, "当前", np.where(versions["version"] == newest, "已停用", "历史")),
        "时间": cn_datetimes(versions["recorded_at"], seconds=True),
        "指标值": versions["target_text"],
        "修订人": versions["changed_by"].fillna(""),
        "原因": versions["reason"].fillna(""),
        "来源文件": versions["file_name"].fillna(""),
    })
