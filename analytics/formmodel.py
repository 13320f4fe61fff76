"""The official forms as a grid of cells, independent of the file they go into.

domain.md section 8 gives the layouts of the 项目支出绩效自评表 and the 项目支出绩效目标执行监控表.
``analytics.forms`` builds a ``Form`` for one project from the engine's numbers; the XLSX writer
(``analytics.forms_xlsx``) and the paged PDF writer (``analytics.paged``) both render that same
``Form``, so the two files cannot disagree and a layout change is made in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

# What a cell holds, for number formats: XLSX formats and PDF text are chosen by kind.
TEXT = "text"
MONEY = "money"          # 万元, two decimals
PERCENT = "percent"      # a fraction (0.962 is 96.2%)
POINTS = "points"        # 分值 / 得分, two decimals
KINDS = (TEXT, MONEY, PERCENT, POINTS)


@dataclass(frozen=True)
class Cell:
    """One cell of the form; ``rows``/``cols`` > 1 make it a merged range from (row, col)."""

    row: int                                  # 1-based, as in domain.md section 8
    col: int                                  # 1-based: A is 1
    value: str | Decimal | float | int | None
    kind: str = TEXT
    rows: int = 1
    cols: int = 1
    bold: bool = False
    align: str = "left"                       # "left", "center" or "right"
    size: str = "normal"                      # "title", "normal" or "small"

    @property
    def last_row(self) -> int:
        return self.row + self.rows - 1

    @property
    def last_col(self) -> int:
        return self.col + self.cols - 1


@dataclass(frozen=True)
class Form:
    """One project's form: every cell, the column widths, and how it prints."""

    kind: str                                 # "selfeval" or "monitor"
    sheet_name: str                           # ≤ 31 characters, unique within a workbook
    title: str
    widths: tuple[float, ...]                 # column widths in characters, A first
    cells: tuple[Cell, ...]
    header_rows: tuple[int, int]              # the indicator header rows, repeated on every printed page
    footer: str                               # "截至2026年12月1日 · 由…生成"
    landscape: bool = False
    notes: tuple[str, ...] = field(default=())

    @property
    def n_rows(self) -> int:
        return max(c.last_row for c in self.cells)

    @property
    def n_cols(self) -> int:
        return len(self.widths)

    def merges(self) -> list[tuple[int, int, int, int]]:
        """(first row, first col, last row, last col) of every merged range."""
        return [(c.row, c.col, c.last_row, c.last_col) for c in self.cells if c.rows > 1 or c.cols > 1]

    def at(self, row: int, col: int) -> Cell | None:
        """The cell whose range covers (row, col), if any."""
        for c in self.cells:
            if c.row <= row <= c.last_row and c.col <= col <= c.last_col:
                return c
        return None
