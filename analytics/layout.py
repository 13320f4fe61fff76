"""Writing target tables back out: the published layout (as rows of cells) and the tidy form.

The published layout is what the seed file shows: a title, the header block, the indicator
block with 一级/二级 only on the first row of their group (merged cells), and the note.
Synthetic data and test fixtures use it, so every reader is exercised by the same layout.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from analytics.model import ProjectTable
from analytics.readers import TIDY_COLUMNS

NOTE = "注:若为空表,则为该部门(单位)无部门预算项目支出。"


def cn_date(d: date | None) -> str:
    return f"{d.year}年{d.month}月{d.day}日" if d else ""


def _amount(v: float | None) -> str:
    return "" if v is None else f"{v:.2f}"


def table_rows(t: ProjectTable) -> tuple[list[list[str]], list[tuple[int, int, int, int]]]:
    """Rows of four cells in the published layout, and the merged ranges
    (first row, first column, last row, last column; 0-based) a spreadsheet would have."""
    rows: list[list[str]] = []
    merges: list[tuple[int, int, int, int]] = []

    def add(cells: list[str], merge_cols: tuple[int, int] | None = None) -> int:
        rows.append([*cells, "", "", "", ""][:4])
        r = len(rows) - 1
        if merge_cols:
            merges.append((r, merge_cols[0], r, merge_cols[1]))
        return r

    add([TITLE_TEXT], (0, 3))
    add([f"({t.year}年度)"], (0, 3))
    add(["项目名称", t.name], (1, 3))
    add(["主管部门", t.department, "实施单位", t.unit])
    r = add(["项目属性", t.attribute, "项目日期范围", cn_date(t.start_date)])
    add(["", "", "", cn_date(t.end_date)])
    merges.extend([(r, 0, r + 1, 0), (r, 1, r + 1, 1), (r, 2, r + 1, 2)])
    r = add(["项目资金 (万元)", "年度资金总额", _amount(t.funding_total)], (2, 3))
    add(["", "其中:财政拨款", _amount(t.funding_fiscal)], (2, 3))
    add(["", "其他资金", _amount(t.funding_other) if t.funding_other else ""], (2, 3))
    merges.append((r, 0, r + 2, 0))
    add(["年度绩效目标"], (0, 3))
    # Multi-paragraph goals are written as the budget system exports them: <p> blocks.
    goal = t.goal_text
    if "\n" in goal:
        goal = " ".join(f"<p>{p}</p>" for p in goal.split("\n"))
    add([goal], (0, 3))
    add(["一级指标", "二级指标", "三级指标", "指标值"])
    level1_start = level2_start = None
    prev1 = prev2 = None
    for ind in t.indicators:
        first1 = ind.level1 != prev1
        first2 = first1 or ind.level2 != prev2
        r = add([ind.level1 if first1 else "", ind.level2 if first2 else "", ind.name, ind.target.text])
        if first1:
            if level1_start is not None and r - 1 > level1_start:
                merges.append((level1_start, 0, r - 1, 0))
            level1_start = r
        if first2:
            if level2_start is not None and r - 1 > level2_start:
                merges.append((level2_start, 1, r - 1, 1))
            level2_start = r
        prev1, prev2 = ind.level1, ind.level2
    last = len(rows) - 1
    if level1_start is not None and last > level1_start:
        merges.append((level1_start, 0, last, 0))
    if level2_start is not None and last > level2_start:
        merges.append((level2_start, 1, last, 1))
    add([NOTE], (0, 3))
    return rows, merges


TITLE_TEXT = "项目支出绩效目标表"


def to_text(tables: list[ProjectTable], sep: str = "\t") -> str:
    """Several tables in the seed's text layout, blank lines between blocks as extracted."""
    out: list[str] = []
    for t in tables:
        rows, _ = table_rows(t)
        for cells in rows:
            standalone = cells[0] in (TITLE_TEXT, NOTE) or cells[0].startswith("(")
            out.append(sep.join(cells).rstrip(sep) if standalone else sep.join(cells))
            if cells[0] == TITLE_TEXT or cells[0].startswith("("):
                out.append("")
        out.append("")
    return "\n".join(out) + "\n"


def tidy_frame(tables: list[ProjectTable]) -> pd.DataFrame:
    """The tidy form: one row per indicator, project columns repeated on each row."""
    records = []
    for t in tables:
        for ind in t.indicators:
            records.append([
                t.year, t.name, t.department, t.unit, t.attribute,
                t.start_date.isoformat() if t.start_date else "",
                t.end_date.isoformat() if t.end_date else "",
                t.funding_total, t.funding_fiscal, t.funding_other, t.goal_text,
                ind.level1, ind.level2, ind.name, ind.target.text,
            ])
    return pd.DataFrame(records, columns=list(TIDY_COLUMNS))
