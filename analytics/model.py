"""Pure domain objects for target tables. No I/O, no database, no UI."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

LEVEL1_NAMES = ("成本指标", "产出指标", "效益指标", "满意度指标")

OPERATORS = (">=", ">", "=", "<=", "<", "deadline", "qualitative")
KINDS = ("quantitative", "deadline", "qualitative")
DIRECTIONS = ("higher", "lower", "exact", "deadline", "qualitative")
# The three grades of a qualitative indicator, best first (domain.md section 4).
GRADES = ("达成", "部分达成", "未达成")
# Written as the actual value of an indicator that does not apply this year.
NOT_APPLICABLE = "不适用"


class InputError(ValueError):
    """Bad input, with a message in Chinese that names the file, row and column."""


@dataclass(frozen=True)
class TargetValue:
    """A parsed 指标值 (domain.md section 2).

    ``value`` is a float for quantitative targets (in ``unit_normalized``), an ISO date
    string for deadlines and None for qualitative targets.
    """

    text: str
    operator: str
    value: float | str | None
    unit: str
    unit_normalized: str
    kind: str
    direction: str
    warnings: tuple[str, ...] = ()


@dataclass
class Indicator:
    level1: str
    level2: str
    name: str
    target: TargetValue
    location: str = ""


@dataclass
class ProjectTable:
    """One 项目支出绩效目标表 as read from a file."""

    year: int | None
    name: str
    department: str = ""
    unit: str = ""
    attribute: str = ""
    start_date: date | None = None
    end_date: date | None = None
    funding_total: float | None = None
    funding_fiscal: float | None = None
    funding_other: float = 0.0
    goal_text: str = ""
    indicators: list[Indicator] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    location: str = ""
