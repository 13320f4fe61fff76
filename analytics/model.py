"""Pure domain objects for target tables. No I/O, no database, no UI."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

LEVEL1_NAMES = ("成本指标", "产出指标", "效益指标", "满意度指标")

OPERATORS = (">=", ">", "=", "<=", "<", "deadline", "qualitative")
KINDS = ("quantitative", "deadline", "qualitative")
DIRECTIONS = ("higher", "lower", "exact", "deadline", "qualitative")
# The three grades of a qualitative indicator, best first (domain.md section 4).
GRADES = ("达成", "部分达成", "未达成")
# Written as the actual value of an indicator that does not apply this year.
NOT_APPLICABLE = "不适用"

# The three kinds of table a department publishes (domain.md section 7), and their names on screen.
TABLE_KINDS = {"target": "绩效目标表", "selfeval": "绩效自评表", "monitor": "绩效监控表"}
# 完成目标可能性 of a monitoring table; 完全不可能 is read as 不可能.
LIKELIHOODS = ("确定能", "有可能", "不可能")
# 偏差原因 categories of a monitoring table.
DEVIATION_CATEGORIES = ("经费保障", "制度保障", "人员保障", "硬件条件保障", "其他")


@dataclass
class Row:
    """One printed row of a table as read from a file, with where each cell came from.

    Empty cells are "" where the file marks them; the row parser identifies cells by content.
    """

    cells: list[str]
    where: list[str]  # one location per cell, e.g. "第12行第3列" or "工作表“表1”C12单元格"
    row_where: str  # the row alone, e.g. "第12行"


class InputError(ValueError):
    """Bad input, with a message in Chinese that names the file, row and column."""


@dataclass(frozen=True)
class TargetValue:
    """A parsed 指标值 (domain.md section 2).

    ``value`` is an exact Decimal for quantitative targets (in ``unit_normalized``), an ISO date
    string for deadlines and None for qualitative targets.
    """

    text: str
    operator: str
    value: Decimal | float | str | None
    unit: str
    unit_normalized: str
    kind: str
    direction: str
    warnings: tuple[str, ...] = ()


@dataclass
class Indicator:
    """One 三级 indicator row. Beyond the target, a 自评表 or 监控表 row brings what it printed."""

    level1: str
    level2: str
    name: str
    target: TargetValue
    location: str = ""
    weight: Decimal | None = None  # 分值 / 权重 as printed
    actual_text: str = ""  # 实际完成值 (自评表) or 1-X月执行情况 (监控表), as written
    printed_score: Decimal | None = None  # 得分 as printed
    note: str = ""  # 偏差原因分析及改进措施 / 未完成原因分析 / 相关建议或举措
    likelihood: str = ""  # 完成目标可能性, one of LIKELIHOODS
    deviation_category: str = ""  # one of DEVIATION_CATEGORIES (监控表)
    forecast_text: str = ""  # 全年预计完成情况 (监控表)
    remark: str = ""  # 备注
    standard: str = ""  # 指标标准或依据 / 绩效标准, a description
    nature: str = ""  # 指标性质 as printed (≥ ≤ = 定性)
    prior_value: str = ""  # a prior year's value printed beside the target


@dataclass
class BudgetLine:
    """One row of a 自评表's or 监控表's budget block, amounts in 万元."""

    label: str  # 年度资金总额, 当年财政拨款, 上年结转资金, 其他资金, ... as canonical names
    initial: Decimal | None = None  # 年初预算数
    adjusted: Decimal | None = None  # 全年预算数 / 调整后预算数
    executed: Decimal | None = None  # 全年执行数 (自评表) or 1-X月执行数 (监控表)
    forecast: Decimal | None = None  # 全年预计执行数 (监控表)
    points: Decimal | None = None  # 分值
    rate: Decimal | None = None  # 执行率 as printed, in percent
    score: Decimal | None = None  # 得分 as printed


@dataclass
class ProjectTable:
    """One table as read from a file: a 绩效目标表, 绩效自评表 or 绩效监控表 (``kind``)."""

    year: int | None
    name: str
    department: str = ""
    unit: str = ""
    attribute: str = ""
    start_date: date | None = None
    end_date: date | None = None
    funding_total: Decimal | None = None
    funding_fiscal: Decimal | None = None
    funding_other: Decimal = Decimal(0)
    goal_text: str = ""
    indicators: list[Indicator] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    location: str = ""
    kind: str = "target"  # a key of TABLE_KINDS
    budget: list[BudgetLine] = field(default_factory=list)  # 自评表 / 监控表 budget block
    budget_points: Decimal | None = None  # the budget row's 分值 (10, or 20 in the Hubei form)
    printed_total: Decimal | None = None  # 总分 as printed (自评表)
    month: int | None = None  # the cut-off month X of a 监控表's 1-X月 columns
    goal_actual: str = ""  # 实际完成情况 / 1-X月实际完成情况 of the goal block

    @property
    def kind_name(self) -> str:
        return TABLE_KINDS[self.kind]
