"""What the 评审 page puts on each screen of a review meeting: the order, the screens, the indicators
that need discussion. Plain data; pages/review.py draws it (nothing here knows about Streamlit)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.dashboard import View, project_rows, rank_by_score, review_rows
from analytics.engine import UNREPORTED
from analytics.settings import REVIEW_ORDERS
from analytics.storage import Store

# The presenter's choices as the page offers them, in REVIEW_ORDERS' order.
ORDER_NAMES = {"score": "按得分", "department": "按主管部门", "imported": "按导入顺序"}
SUMMARY = "summary"
# Why a green or blue indicator still needs discussion (the engine's flags).
FLAG_REASONS = {
    "flag_over": "超额完成,需说明原因",
    "flag_negative": "实际值为负数,请核对",
    "flag_no_weight": "自评表未给出权重",
}
_LIGHT_RANK = {"red": 0, "yellow": 1}


def _waiting(projects: pd.DataFrame) -> pd.Series:
    return projects["unreported"].fillna(False).astype(bool)


def unreported_projects(view: View) -> set[int]:
    """Projects the engine calls 未填报 (docs/domain.md section 9): nothing that counts reported yet
    while their period runs. Their score is the engine's 0 of nothing, not a result to present."""
    p = view.projects
    return set(p.loc[_waiting(p), "project_id"].astype(int))


def presenter_order(view: View, order: str) -> list[int]:
    """The project ids in the presenter's order.

    "score": the ranking of 总览 (best first, ties by name, nothing reported last); "department": by
    主管部门, then as "score" within it; "imported": as the tables were imported (year, then project id).
    """
    if order not in REVIEW_ORDERS:
        raise ValueError(f"unknown review order {order!r}")
    if order == "imported":
        return view.projects["project_id"].astype(int).tolist()
    ranked = rank_by_score(view.projects)
    if order == "department":
        ranked = ranked.assign(_dept=ranked["department"].astype(str)).sort_values("_dept", kind="stable")
    return ranked["project_id"].astype(int).tolist()


def screens(order: list[int]) -> list[str]:
    """The screens of the meeting as named in the URL (``?review=``): the summary, then one per project."""
    return [SUMMARY, *(str(p) for p in order)]


def screen_index(screens_: list[str], wanted: str | None) -> int:
    """Where a link's ``?review=`` lands: its screen, or the summary when it names none of them."""
    return screens_.index(wanted) if wanted in screens_ else 0


def step(index: int, delta: int, count: int) -> int:
    """The screen ``delta`` away, held within the meeting (the first and the last stay put)."""
    return min(max(index + delta, 0), count - 1)


def summary_rows(view: View, order: list[int], limit: int) -> tuple[pd.DataFrame, int]:
    """The first ``limit`` projects of the summary screen in the meeting's order, and how many more
    there are. Score and grade are None for a project with nothing reported."""
    p = view.projects.set_index("project_id").loc[order[:limit]].reset_index()
    mask = _waiting(p)
    rows = pd.DataFrame({
        "project_id": p["project_id"].astype(int),
        "short_name": p["short_name"],
        "name": p["name"],
        "department": p["department"].astype(str),
        "score": p["score"].astype(float).where(~mask),
        "grade": p["grade"].astype(str).where(~mask),
        "light": p["light"].astype(str),
        "execution_rate": p["execution_rate"].astype(float),
    })
    return rows, max(len(order) - limit, 0)


def discussion(store: Store, view: View, project_id: int, reports: pd.DataFrame | None = None) -> pd.DataFrame:
    """A project's indicators that need discussion: red, then yellow, then flagged ones, in table order.

    Columns: light, 一级指标, 三级指标, 指标值, 实际完成值, 偏差原因分析及改进措施, 提示 (why a flagged
    green or blue one is there). The whole table is ``review_table`` (``reports`` as there).
    """
    return discussions(*project_rows(store, view, project_id, reports)).drop(columns="project_id")


def discussions(indicators: pd.DataFrame, reports: pd.DataFrame) -> pd.DataFrame:
    """``discussion`` of any indicator rows at once (``indicators`` in table order within each project),
    with a ``project_id`` column, each project's rows together and ranked: the review deck asks this of
    5,000 projects, where one scan of the view per project cost 0.04 s each."""
    table = review_rows(indicators, reports)
    ind = indicators.reset_index(drop=True)
    flags = np.full(len(ind), "", dtype=object)
    for column, reason in FLAG_REASONS.items():
        hit = ind[column].fillna(False).astype(bool).to_numpy()
        flags[hit & (flags == "")] = reason
    rank = table["light"].map(_LIGHT_RANK).astype(float).to_numpy()
    rank = np.where(np.isnan(rank), np.where(flags != "", 2.0, np.nan), rank)
    keep = ~np.isnan(rank)
    columns = ["project_id", "light", "一级指标", "三级指标", "指标值", "实际完成值", "偏差原因分析及改进措施"]
    out = table.loc[keep, columns]
    # Projects stay in the order they come; within one, red before yellow before flagged, then table order.
    first = pd.factorize(table["project_id"])[0]
    out = out.assign(提示=flags[keep], _p=first[keep], _rank=rank[keep], _seq=np.arange(len(table))[keep])
    return (out.sort_values(["_p", "_rank", "_seq"], kind="stable").drop(columns=["_p", "_rank", "_seq"])
            .reset_index(drop=True))


def grade_counts(view: View, grades: list[str]) -> pd.Series:
    """How many projects have each grade (best first), and how many have nothing reported yet."""
    waiting = _waiting(view.projects)
    counts = view.projects.loc[~waiting, "grade"].astype(str).value_counts()
    return pd.Series([int(counts.get(g, 0)) for g in grades] + [int(waiting.sum())], index=[*grades, UNREPORTED])


# How many characters of a line the discussion table's columns hold at 1280 px wide and 18 px type
# (三级指标, 指标值 and 实际, the note), and how many lines all its rows may take together; a cell is
# cut after two lines. pages/review.py sets the column widths these come from.
_NAME_CHARS, _VALUE_CHARS, _NOTE_CHARS, _TABLE_LINES = 22, 5, 18, 8


def _lines(text: str, per_line: int) -> int:
    # ASCII (digits, Latin) is about half as wide as a Chinese character.
    width = sum(0.55 if ch.isascii() else 1.0 for ch in text)
    return min(2, max(1, -(-int(width + 0.999) // per_line)))


def rows_that_fit(items: pd.DataFrame, limit: int) -> int:
    """How many of the discussion rows a 评审 screen shows: at most ``limit``, and no more than fit in
    the lines the screen leaves (a long name, value or note takes two). The rest are in the full table."""
    used = 0
    for n, r in enumerate(items.itertuples(index=False)):
        note = ";".join(t for t in (r.提示, r.偏差原因分析及改进措施) if t)
        lines = max(_lines(str(r.三级指标), _NAME_CHARS), _lines(str(r.指标值), _VALUE_CHARS),
                    _lines(str(r.实际完成值), _VALUE_CHARS), _lines(note, _NOTE_CHARS))
        if n >= limit or used + lines > _TABLE_LINES:
            return n
        used += lines
    return len(items)
