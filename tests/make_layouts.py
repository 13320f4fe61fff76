"""The layout corpus: invented target, self-evaluation and monitoring tables in every published
layout family of domain.md section 7, written from structured specs.

    .venv/bin/python tests/make_layouts.py OUT_DIR

or ``write_corpus(out_dir) -> list[Case]`` from a test. Each :class:`Case` names a written file,
the tables a reader must find in it (as :class:`Spec`, which holds the expected reading of every
field), and for a refused file the fix a user would apply after reading the message.

Nothing here is copied from a published document: the projects, departments and numbers are
invented in the style of county and city tables of Sichuan, Hubei, Anhui, Hebei and Jiangxi.
Every 自评表 that is meant to add up does so exactly at two decimals (see ``score_problems``).
"""

from __future__ import annotations

import dataclasses
import html
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

D = Decimal
ZERO = Decimal(0)
QUANT_OPERATORS = (">=", ">", "=", "<=", "<")


class XlsxPercent(str):
    """A cell written to Excel as a number with a percent format: "98%" becomes 0.98."""


class XlsxFormula(str):
    """A cell written to Excel as an uncomputed formula ("=1次" stored as a formula)."""


# -- specs -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Ind:
    """One 三级 indicator: what the table prints and what a reader must make of it."""

    level1: str  # canonical 一级
    level2: str  # 二级 as a reader must keep it (no spaces, no "(N分)")
    name: str  # 三级 as a reader must keep it
    target: str  # the 指标值 cell as printed (Sichuan form: the value cell alone)
    operator: str  # expected: >= > = <= < deadline qualitative
    value: Decimal | str | None = None  # expected: Decimal, ISO date, or None
    unit: str = ""  # expected unit_normalized
    text: str | None = None  # expected target.text when it is not ``target``
    printed_name: str | None = None  # the 三级 cell when it is printed otherwise ("指标1:…")
    printed_level2: str | None = None  # the 二级 cell when it is printed otherwise ("数 量 指 标")
    weight: Decimal | None = None
    actual: str = ""
    score: Decimal | None = None
    note: str = ""
    likelihood: str = ""
    category: str = ""
    forecast: str = ""
    remark: str = ""
    standard: str = ""
    prior: str = ""
    nature: str = ""  # 指标性质 cell (Sichuan)
    measure: str = ""  # 度量单位 cell (Sichuan)
    block: int = 0  # Hubei 年度绩效目标 block
    category_text: str = ""  # monitor: the text printed in the category column instead of "√"

    @property
    def kind(self) -> str:
        return "quantitative" if self.operator in QUANT_OPERATORS else self.operator

    @property
    def expected_text(self) -> str:
        return self.target if self.text is None else self.text


@dataclass(frozen=True)
class Budget:
    """One budget-block row of a 自评表 or 监控表 (amounts in 万元, rate in percent)."""

    label: str  # as printed
    canonical: str
    initial: Decimal | None = None
    adjusted: Decimal | None = None
    executed: Decimal | None = None
    forecast: Decimal | None = None
    points: Decimal | None = None
    rate: Decimal | None = None
    score: Decimal | None = None
    zeros: bool = False  # printed as 0.00 throughout (Anhui): the amounts above are the sub-rows' sums


@dataclass(frozen=True)
class Spec:
    """One table: how it is printed and the reading every field must get."""

    key: str
    kind: str  # target selfeval monitor
    title: str
    year: int
    name: str
    department: str
    unit: str
    indicators: tuple[Ind, ...]
    attribute: str = ""
    period: str = ""
    start: date | None = None
    end: date | None = None
    total: Decimal | None = None
    fiscal: Decimal | None = None
    other: Decimal = ZERO
    total_text: str | None = None  # printed form of the target form's amounts
    fiscal_text: str | None = None
    other_text: str | None = None
    goal: str = ""
    goal_actual: str = ""
    form: str = "target"  # target longterm approval sichuan hubei anhui monitor
    extra: tuple[str, ...] = ()  # target form columns: remark standard weight_first
    level1_style: str = "plain"  # plain spaced points middle repeat
    dept_label: str = "主管部门"
    unit_label: str = "实施单位"
    period_label: str = "项目日期范围"
    period_end_line: str = ""  # the seed puts the end date alone on the next line
    placeholders: bool = False  # "……" rows and an empty 二级 (template leftovers)
    preamble: tuple[str, ...] = ()
    footer: tuple[str, ...] = ()
    budget: tuple[Budget, ...] = ()
    budget_points: Decimal | None = None
    printed_total: Decimal | None = None
    month: int | None = None
    longterm: tuple[Ind, ...] = ()
    prior_headers: tuple[str, str] = ("", "")
    warnings: tuple[str, ...] = ()  # substrings some warning of this table must hold
    consistent: bool = False  # a 自评表 whose printed numbers add up by the rules
    level1_points: dict[str, int] = field(default_factory=dict)
    rate_header: str = "执行率"
    no_department: bool = False


@dataclass
class Case:
    """A written file and what reading it must give."""

    file: str
    family: str
    specs: tuple[Spec, ...]
    data: bytes = b""
    refused: bool = False
    message_has: tuple[str, ...] = ()  # substrings the refusal must hold beside file, row and 请
    fix: Callable[[bytes], bytes] | None = None
    warnings: tuple[str, ...] = ()  # substrings some warning of the file must hold
    path: Path | None = None


# -- value helpers -----------------------------------------------------------------------------
def q(l1: str, l2: str, name: str, cell: str, op: str, value: str, unit: str = "", **kw: object) -> Ind:
    return Ind(l1, l2, name, cell, op, D(value), unit, **kw)  # type: ignore[arg-type]


def dl(l1: str, l2: str, name: str, cell: str, iso: str, **kw: object) -> Ind:
    return Ind(l1, l2, name, cell, "deadline", iso, "", **kw)  # type: ignore[arg-type]


def ql(l1: str, l2: str, name: str, cell: str, **kw: object) -> Ind:
    return Ind(l1, l2, name, cell, "qualitative", None, "", **kw)  # type: ignore[arg-type]


def money(x: Decimal | None, sep: bool = False) -> str:
    if x is None:
        return ""
    return f"{x:,.2f}" if sep else f"{x:.2f}"


def pct(x: Decimal | None) -> str:
    return "" if x is None else f"{x:.2f}%"


def pts(x: Decimal | None) -> str:
    return "" if x is None else (f"{x:f}".rstrip("0").rstrip(".") if "." in f"{x:f}" else f"{x:f}")


def score_problems(s: Spec) -> list[str]:
    """Where a 自评表 spec's printed numbers break the scoring rules (empty when consistent).

    The rules of domain.md sections 4 and 7: 正向/等于 weight × min(B/A, 1), 反向 weight ×
    min(A/B, 1), a deadline met in full, a graded qualitative indicator its printed score, the
    budget points × min(executed/adjusted, 1), the 总分 their sum, all at two decimals.
    """
    problems = []
    cent = D("0.01")
    by_rules = D(0)
    for i in s.indicators:
        if i.weight is None or i.score is None:
            problems.append(f"{i.name}: no weight or score")
            continue
        if i.kind == "quantitative":
            a = i.value
            b = D(re.sub(r"[^\d.]", "", str(i.actual)))
            assert isinstance(a, Decimal)
            c = min(a / b, D(1)) if i.operator in ("<=", "<") else min(b / a, D(1))
            want = i.weight * c
        elif i.kind == "deadline":
            m = re.match(r"(\d{4})年(\d{1,2})月(\d{1,2})日", i.actual)
            assert m, i.actual
            done = date(int(m[1]), int(m[2]), int(m[3]))
            want = i.weight if done.isoformat() <= str(i.value) else D(0)
        else:
            want = i.score  # graded by people: the printed score gives the rate
        by_rules += want
        if want.quantize(cent) != want or want != i.score:
            problems.append(f"{i.name}: printed {i.score}, the rules give {want}")
    amounts = next((b for b in s.budget if b.canonical == "年度资金总额"), None)
    rows = [b for b in s.budget if b.canonical != "年度资金总额"]
    if amounts is not None and amounts.zeros:
        for f in ("initial", "adjusted", "executed"):
            parts = sum((getattr(b, f) or D(0) for b in rows), D(0))
            if getattr(amounts, f) != parts:
                problems.append(f"年度资金总额 {f} {getattr(amounts, f)} is not the sub-rows' sum {parts}")
    assert amounts is not None and amounts.adjusted and amounts.executed is not None and s.budget_points
    budget_score = s.budget_points * min(amounts.executed / amounts.adjusted, D(1))
    if budget_score.quantize(cent) != budget_score:
        problems.append(f"budget score {budget_score} is not exact at two decimals")
    total = budget_score + by_rules
    if s.printed_total != total:
        problems.append(f"总分 printed {s.printed_total}, the rules give {total}")
    weights = sum((i.weight or D(0) for i in s.indicators), D(0)) + s.budget_points
    if weights != 100:
        problems.append(f"weights add up to {weights}")
    return problems


# -- grids: a table as rows of cells with its merged ranges ----------------------------------------
Merge = tuple[int, int, int, int]  # first row, first column, last row, last column (0-based)


@dataclass
class Grid:
    width: int
    rows: list[list[str]] = field(default_factory=list)
    merges: list[Merge] = field(default_factory=list)
    title_rows: int = 0  # the leading rows that are title, year and preamble (paragraphs in Word)

    def add(self, cells: Iterable[str], span_last: bool = True) -> int:
        cells = list(cells)
        assert len(cells) <= self.width, cells
        last = len(cells) - 1
        cells += [""] * (self.width - len(cells))
        self.rows.append(cells)
        r = len(self.rows) - 1
        if span_last and 0 <= last < self.width - 1:
            self.merge(r, last, r, self.width - 1)
        return r

    def merge(self, r0: int, c0: int, r1: int, c1: int) -> None:
        if (r0, c0) != (r1, c1):
            self.merges.append((r0, c0, r1, c1))

    def check(self) -> None:
        """A merge keeps only its top-left value: make sure no fixture hides text under one, and
        that no two merges overlap (Excel calls such a file damaged)."""
        owner: dict[tuple[int, int], Merge] = {}
        for m in self.merges:
            for cell in ((r, c) for r in range(m[0], m[2] + 1) for c in range(m[1], m[3] + 1)):
                if cell in owner:
                    raise AssertionError(f"merges {owner[cell]} and {m} overlap")
                owner[cell] = m
        for r0, c0, r1, c1 in self.merges:
            for r in range(r0, r1 + 1):
                for c in range(c0, c1 + 1):
                    if (r, c) != (r0, c0) and self.rows[r][c].strip():
                        raise AssertionError(f"merge {(r0, c0, r1, c1)} hides {self.rows[r][c]!r}")


def _spaced(label: str) -> str:
    return " ".join(label)


def _level1_label(s: Spec, level1: str) -> str:
    if s.level1_style == "spaced":
        return _spaced(level1)
    if level1 in s.level1_points:
        return f"{level1}({s.level1_points[level1]}分)"
    return level1


def _groups(indicators: Iterable[Ind], key: Callable[[Ind], object]) -> list[list[Ind]]:
    out: list[list[Ind]] = []
    for i in indicators:
        if out and key(out[-1][-1]) == key(i):
            out[-1].append(i)
        else:
            out.append([i])
    return out


def _start(s: Spec, width: int) -> Grid:
    g = Grid(width)
    for line in s.preamble:
        g.add([line])
    g.add([s.title])
    g.add([f"({s.year}年度)"])
    g.title_rows = len(g.rows)
    return g


def _indicator_rows(g: Grid, s: Spec, first_col: int, cells_of: Callable[[Ind], list[str]],
                    indicators: Iterable[Ind] | None = None) -> tuple[int, int]:
    """一级 | 二级 | 三级 | … rows from column ``first_col``, with the 一级 placed by the
    spec's style and merged cells for 一级 and 二级; returns the first and last row written."""
    indicators = list(s.indicators if indicators is None else indicators)
    first = len(g.rows)
    for block in _groups(indicators, lambda i: i.level1):
        label = _level1_label(s, block[0].level1)
        rows: list[int] = []
        groups = _groups(block, lambda i: i.level2)
        for group in groups:
            g_rows = []
            for n, i in enumerate(group):
                l2 = (i.printed_level2 or i.level2) if n == 0 else ""
                name = i.printed_name or i.name
                r = g.add([""] * first_col + ["", l2, name, *cells_of(i)], span_last=False)
                g_rows.append(r)
            if len(g_rows) > 1:
                g.merge(g_rows[0], first_col + 1, g_rows[-1], first_col + 1)
            rows.extend(g_rows)
            if s.placeholders and block[0].level1 == "产出指标" and group is groups[-1]:
                width = len(cells_of(group[0]))
                rows.append(g.add([""] * first_col + ["", "", "……", "……", *[""] * (width - 1)], span_last=False))
        if s.placeholders and block[0].level1 == "效益指标":
            rows.append(g.add([""] * first_col + ["", "经济效益指标", ""], span_last=False))
        if s.level1_style == "repeat":
            for r in rows:
                g.rows[r][first_col] = label
        elif s.level1_style == "middle":
            g.rows[rows[(len(rows) - 1) // 2]][first_col] = label
        else:
            g.rows[rows[0]][first_col] = label
            g.merge(rows[0], first_col, rows[-1], first_col)
    return first, len(g.rows) - 1


def _target_header(g: Grid, s: Spec) -> None:
    w = g.width
    g.add(["项目名称", s.name])
    if s.no_department:
        g.add(["归口部门", s.department, s.unit_label, s.unit])
    else:
        g.add([s.dept_label, s.department, s.unit_label, s.unit])
    r = g.add(["项目属性", s.attribute, s.period_label, s.period])
    if s.period_end_line:
        g.add(["", "", "", s.period_end_line])
        for c in range(3):
            g.merge(r, c, r + 1, c)
    total = s.total_text if s.total_text is not None else money(s.total)
    fiscal = s.fiscal_text if s.fiscal_text is not None else money(s.fiscal)
    other = s.other_text if s.other_text is not None else (money(s.other) if s.other else "")
    r = g.add(["项目资金 (万元)", "年度资金总额", total])
    g.add(["", "其中:财政拨款", fiscal])
    g.add(["", "其他资金", other])
    g.merge(r, 0, r + 2, 0)
    g.add(["年度绩效目标"])
    g.add([s.goal])
    assert w >= 4


def target_grid(s: Spec) -> Grid:
    """The target form (seed layout), with the spec's extra columns."""
    cols = ["一级指标", "二级指标", "三级指标"]
    if "weight_first" in s.extra:
        cols.append("分值")
    if "standard" in s.extra:
        cols.append("绩效标准")
    cols.append("年度指标值" if "weight_first" in s.extra else "指标值")
    if "remark" in s.extra:
        cols.append("备注")
    g = _start(s, len(cols))
    _target_header(g, s)
    g.add(cols, span_last=False)

    def cells(i: Ind) -> list[str]:
        out = []
        if "weight_first" in s.extra:
            out.append(pts(i.weight))
        if "standard" in s.extra:
            out.append(i.standard)
        out.append(i.target)
        if "remark" in s.extra:
            out.append(i.remark)
        return out

    _indicator_rows(g, s, 0, cells)
    for line in s.footer:
        g.add([line])
    return g


def approval_grid(s: Spec) -> Grid:
    """A 批复表 with a prior year's value before the current target."""
    g = _start(s, 5)
    _target_header(g, s)
    g.add(["一级指标", "二级指标", "三级指标", *s.prior_headers], span_last=False)
    _indicator_rows(g, s, 0, lambda i: [i.prior, i.target])
    for line in s.footer:
        g.add([line])
    return g


def longterm_grid(s: Spec) -> Grid:
    """长期 and 年度 column groups side by side under one 一级 column."""
    g = _start(s, 7)
    _target_header(g, s)
    g.add(["一级指标", "二级指标(长期)", "三级指标(长期)", "指标值(长期)", "二级指标(年度)", "三级指标(年度)",
           "指标值(年度)"], span_last=False)
    for level1 in dict.fromkeys(i.level1 for i in (*s.indicators, *s.longterm)):
        long = [i for i in s.longterm if i.level1 == level1]
        year = [i for i in s.indicators if i.level1 == level1]
        first = len(g.rows)
        for n in range(max(len(long), len(year))):
            cells = [level1 if n == 0 else ""]
            for side in (long, year):
                if n < len(side):
                    i = side[n]
                    same = n > 0 and side[n - 1].level2 == i.level2
                    cells += ["" if same else i.level2, i.name, i.target]
                else:
                    cells += ["", "", ""]
            g.add(cells, span_last=False)
        g.merge(first, 0, len(g.rows) - 1, 0)
    for line in s.footer:
        g.add([line])
    return g


SELFEVAL_FORMS = {
    # form: (budget block label, budget columns, indicator block label, indicator columns)
    "anhui": ("项目资金(万元)", ("年初预算数", "全年预算数(A)", "全年执行数(B)", "分值", "执行率(B/A)", "得分"),
              "绩效指标", ("一级指标", "二级指标", "三级指标", "年度指标值(A)", "实际完成值(B)", "分值", "得分",
                           "偏差原因分析及改进措施")),
    "sichuan": ("预算执行情况(10分)", ("年初预算数", "调整后预算数", "预算执行数", "分值", "执行率", "得分"),
                "绩效指标(90分)", ("一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "完成值",
                                  "权重", "得分", "未完成原因分析")),
    "hubei": ("项目资金(万元)", ("年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"),
              "", ("一级指标", "二级指标", "三级指标", "年初目标值(A)", "实际完成值(B)", "分值", "得分",
                   "偏差原因分析及改进措施")),
}


def selfeval_grid(s: Spec) -> Grid:
    """A 自评表 in the Anhui (10号 standard), Sichuan or Hubei form (domain.md sections 7, 8)."""
    budget_label, budget_cols, block_label, cols = SELFEVAL_FORMS[s.form]
    budget_cols = tuple(s.rate_header if c.startswith("执行率") and s.rate_header != "执行率" else c
                        for c in budget_cols)
    w = 1 + len(cols)
    g = _start(s, w)
    r = g.add(["项目名称", "", s.name])
    g.merge(r, 0, r, 1)
    r = g.add(["主管部门", "", s.department, "", "", "实施单位", "", s.unit])
    g.merge(r, 0, r, 1), g.merge(r, 2, r, 4), g.merge(r, 5, r, 6)
    top = g.add([budget_label, "", "", *budget_cols])
    g.merge(top, 1, top, 2)
    for b in s.budget:
        total = b.canonical == "年度资金总额"
        amounts = [D("0.00")] * 3 if b.zeros else [b.initial, b.adjusted, b.executed]
        values = [*(money(a) for a in amounts),
                  pts(b.points) if total else "—", pct(b.rate) if total else "", money(b.score) if total else "—"]
        r = g.add(["", b.label, "", *values])
        g.merge(r, 1, r, 2)
    g.merge(top, 0, len(g.rows) - 1, 0)
    r = g.add(["年度总体目标", "预期目标", "", "", "", "", "实际完成情况"])
    g.merge(r, 1, r, 5)
    r2 = g.add(["", s.goal, "", "", "", "", s.goal_actual])
    g.merge(r2, 1, r2, 5)
    g.merge(r, 0, r2, 0)
    head = g.add([block_label or "绩效指标", *cols], span_last=False)

    def cells(i: Ind) -> list[str]:
        if s.form == "sichuan":
            return [i.nature, i.target, i.measure, i.actual, pts(i.weight), money(i.score), i.note]
        return [i.target, i.actual, pts(i.weight), money(i.score), i.note]

    if s.form == "hubei":
        for n in sorted({i.block for i in s.indicators}):
            block = [i for i in s.indicators if i.block == n]
            first, last = _indicator_rows(g, s, 1, cells, block)
            points = sum((i.weight or D(0) for i in block), D(0))
            g.rows[first][0] = f"年度绩效目标{n}({pts(points)}分)"
            g.merge(first, 0, last, 0)
    else:
        _, last = _indicator_rows(g, s, 1, cells)
        g.merge(head, 0, last, 0)
    weight_col = cols.index("权重" if s.form == "sichuan" else "分值") + 1
    r = g.add(["总分", *[""] * (weight_col - 1), "100", money(s.printed_total)])
    g.merge(r, 0, r, weight_col - 1)
    for line in s.footer:
        g.add([line])
    return g


def monitor_grid(s: Spec) -> Grid:
    """The 16-column 项目支出绩效目标执行监控表 of domain.md section 8, cut off at month X."""
    x = s.month
    g = _start(s, 16)
    r = g.add(["项目名称", "", "", s.name])
    g.merge(r, 0, r, 2)
    r = g.add(["主管部门及代码", "", "", s.department, "", "", "", "", "实施单位", "", s.unit])
    g.merge(r, 0, r, 2), g.merge(r, 3, r, 7), g.merge(r, 8, r, 9)
    top = g.add(["项目资金(万元)", "", "", "", "", "年初预算数", "", f"1-{x}月执行数", "", f"1-{x}月执行率", "",
                 "全年预计执行数", ""], span_last=False)
    for c in (5, 7, 9, 11):
        g.merge(top, c, top, c + 1)
    g.merge(top, 13, top, 15)
    for b in s.budget:
        r = g.add(["", "", "", b.label, "", money(b.initial), "", money(b.executed), "", pct(b.rate), "",
                   money(b.forecast), ""], span_last=False)
        g.merge(r, 3, r, 4), g.merge(r, 13, r, 15)
        for c in (5, 7, 9, 11):
            g.merge(r, c, r, c + 1)
    g.merge(top, 0, len(g.rows) - 1, 2)
    r = g.add(["年度总体目标", "全年预期目标", "", "", "", "", "", "", f"1-{x}月实际完成情况"])
    g.merge(r, 1, r, 7)
    r2 = g.add(["", s.goal, "", "", "", "", "", "", s.goal_actual])
    g.merge(r2, 1, r2, 7), g.merge(r, 0, r2, 0)
    h1 = g.add(["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", f"1-{x}月执行情况", "全年预计完成情况",
                "偏差原因分析", "", "", "", "", "完成目标可能性", "", "", "备注"], span_last=False)
    g.add(["", "", "", "", "", "", "", "经费保障", "制度保障", "人员保障", "硬件条件保障", "其他", "确定能", "有可能",
           "完全不可能", ""], span_last=False)
    for c in (1, 2, 3, 4, 5, 6, 15):
        g.merge(h1, c, h1 + 1, c)
    g.merge(h1, 7, h1, 11), g.merge(h1, 12, h1, 14)
    categories = ("经费保障", "制度保障", "人员保障", "硬件条件保障", "其他")
    likelihoods = ("确定能", "有可能", "不可能")

    def cells(i: Ind) -> list[str]:
        cat = [(i.category_text or "√") if c == i.category else "" for c in categories]
        like = ["√" if lk == i.likelihood else "" for lk in likelihoods]
        return [i.target, i.actual, i.forecast, *cat, *like, i.remark]

    _, last = _indicator_rows(g, s, 1, cells)
    g.merge(h1, 0, last, 0)
    for line in s.footer:
        g.add([line])
    return g


def grid_of(s: Spec) -> Grid:
    builders = {"target": target_grid, "approval": approval_grid, "longterm": longterm_grid,
                "monitor": monitor_grid, "sichuan": selfeval_grid, "hubei": selfeval_grid, "anhui": selfeval_grid}
    g = builders[s.form](s)
    g.check()
    return g


# -- text renderers (the physical layouts of domain.md section 7) ---------------------------------
def _trim(cells: list[str]) -> list[str]:
    out = list(cells)
    while out and not out[-1].strip():
        out.pop()
    return out


def tab_text(grids: Iterable[Grid], seed_style: bool = True) -> str:
    """One row per line, tab separated, blank lines around title and year as in the seed."""
    lines: list[str] = []
    for g in grids:
        for r, cells in enumerate(g.rows):
            if r < g.title_rows:
                lines += ["", cells[0]] if seed_style else [cells[0]]
                continue
            if r == g.title_rows and seed_style:
                lines.append("")
            lines.append("\t".join(cells))
        lines.append("")
    return "\n".join(lines) + "\n"


def pipe_text(grids: Iterable[Grid]) -> str:
    """One row per line, " | " separated, a run of "|" for the empty cells at the end."""
    lines = []
    for g in grids:
        for cells in g.rows:
            kept = _trim(cells)
            empty = len(cells) - len(kept)
            lines.append(" | ".join(kept) + (" " + "|" * (empty + 1) if empty else ""))
        lines.append("")
    return "\n".join(lines)


def cell_lines_text(grids: Iterable[Grid]) -> str:
    """Every cell on its own line as "text |", a bare "|" for an empty cell, no row markers."""
    lines = []
    for g in grids:
        for cells in g.rows:
            lines += [f"{c} |" if c.strip() else "|" for c in cells]
    return "\n".join(lines) + "\n"


def html_blocks_text(grids: Iterable[Grid]) -> str:
    """Each cell a block separated by blank lines, U+00A0 alone for an empty cell (web copy)."""
    blocks = []
    for g in grids:
        for cells in g.rows:
            blocks += [c if c.strip() else "\u00a0" for c in cells]
    return "\n\n".join(blocks) + "\n"


def flat_text(grids: Iterable[Grid], meta: str) -> str:
    """A whole document on one line after its metadata, cells separated by spaces (Word to text)."""
    cells = [c for g in grids for row in g.rows for c in row if c.strip()]
    return meta + " " + " ".join(cells) + "\n"


def run_together_text(grids: Iterable[Grid]) -> str:
    """One row per line with no separator at all between its cells."""
    lines = []
    for g in grids:
        lines += ["".join(c for c in cells if c.strip()) for cells in g.rows]
        lines.append("")
    return "\n".join(lines)


@lru_cache(maxsize=2)
def _converter(config: str) -> object:
    import opencc

    return opencc.OpenCC(config)


def traditional(text: str) -> str:
    """Simplified to traditional as a mirror site converts (OpenCC), checked to convert back."""
    t = _converter("s2t").convert(text)  # type: ignore[attr-defined]
    back = _converter("t2s").convert(t)  # type: ignore[attr-defined]
    if back != text:
        diff = [(a, b) for a, b in zip(text, back, strict=False) if a != b][:5]
        raise AssertionError(f"traditional text would not convert back: {diff}")
    return t


RADICALS = {"门": "\u2ed4", "车": "\u2ecb"}  # ⻔ ⻋: the CJK radical code points PDF text carries


def radicals(text: str) -> str:
    for ideograph, radical in RADICALS.items():
        text = text.replace(ideograph, radical)
    return text


# -- Office and PDF renderers ------------------------------------------------------------------
def write_xlsx(path: Path, grids: list[Grid], instructions: bool = False, sheet_per_table: bool = False) -> None:
    """The tables with real merged cells; a 填表说明 sheet first when asked."""
    import openpyxl
    from openpyxl.styles import Alignment

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    if instructions:
        ws = wb.create_sheet("填表说明")
        for r, line in enumerate(("填表说明", "1.一级指标、二级指标按附件口径填写。", "2.金额单位为万元,保留两位小数。",
                                  "3.定量指标须填写计量单位。"), start=1):
            ws.cell(row=r, column=1, value=line)
    ws = None
    offset = 0
    for n, g in enumerate(grids, start=1):
        if ws is None or sheet_per_table:
            ws = wb.create_sheet(f"表{n}")
            offset = 0
        for r, cells in enumerate(g.rows):
            for c, value in enumerate(cells):
                if value == "":
                    continue
                cell = ws.cell(row=offset + r + 1, column=c + 1)
                if isinstance(value, XlsxPercent):
                    cell.value = float(D(value.rstrip("%")) / 100)
                    cell.number_format = "0%"
                elif isinstance(value, XlsxFormula):
                    cell.value = str(value)  # openpyxl stores a string starting with "=" as a formula
                else:
                    cell.value = str(value)
                    cell.data_type = "s"  # text stays text even when it starts with "=" ("=100%")
        for r0, c0, r1, c1 in g.merges:
            ws.merge_cells(start_row=offset + r0 + 1, start_column=c0 + 1, end_row=offset + r1 + 1,
                           end_column=c1 + 1)
            ws.cell(row=offset + r0 + 1, column=c0 + 1).alignment = Alignment(vertical="center")
        offset += len(g.rows) + 1
    wb.save(path)


def write_docx(path: Path, grids: list[Grid]) -> None:
    """Title, year and preamble as paragraphs, the rest as one Word table with real merges."""
    import docx

    document = docx.Document()
    for g in grids:
        for r in range(g.title_rows):
            document.add_paragraph(g.rows[r][0])
        body = g.rows[g.title_rows:]
        table = document.add_table(rows=len(body), cols=g.width)
        table.style = "Table Grid"
        # table.cell() walks the whole table each time; the cells of a fresh table, taken once,
        # stay valid through merges that never overlap.
        grid = [list(row.cells) for row in table.rows]
        for r, cells in enumerate(body):
            for c, value in enumerate(cells):
                if value:
                    grid[r][c].text = str(value)
        for r0, c0, r1, c1 in g.merges:
            if r0 < g.title_rows:
                continue
            grid[r0 - g.title_rows][c0].merge(grid[r1 - g.title_rows][c1])
        document.add_paragraph("")
    document.save(str(path))


def grid_html(grids: list[Grid]) -> str:
    """A bordered HTML table per grid with rowspan/colspan for its merges, for print-to-PDF."""
    parts = ['<html><head><meta charset="utf-8"><style>'
             '@page { size: A4 landscape; margin: 10mm; }'
             'body { font-family: "Noto Sans CJK SC", "Noto Serif CJK SC", sans-serif; font-size: 9pt; }'
             'table { border-collapse: collapse; width: 100%; page-break-after: always; }'
             'td { border: 1px solid #000; padding: 2px 4px; vertical-align: middle; }'
             'h3, p.title { text-align: center; margin: 2px; }'
             '</style></head><body>']
    for g in grids:
        for r in range(g.title_rows):
            parts.append(f'<p class="title">{html.escape(g.rows[r][0])}</p>')
        covered: set[tuple[int, int]] = set()
        spans = {}
        for r0, c0, r1, c1 in g.merges:
            spans[(r0, c0)] = (r1 - r0 + 1, c1 - c0 + 1)
            covered |= {(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)} - {(r0, c0)}
        parts.append("<table>")
        for r in range(g.title_rows, len(g.rows)):
            parts.append("<tr>")
            for c, value in enumerate(g.rows[r]):
                if (r, c) in covered:
                    continue
                rs, cs = spans.get((r, c), (1, 1))
                attrs = (f' rowspan="{rs}"' if rs > 1 else "") + (f' colspan="{cs}"' if cs > 1 else "")
                parts.append(f"<td{attrs}>{html.escape(str(value))}</td>")
            parts.append("</tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    return "".join(parts)


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def write_pdfs(jobs: list[tuple[Path, list[Grid]]]) -> None:
    """Every PDF printed by Chromium in one browser session (ruled tables with a text layer)."""
    from playwright.sync_api import sync_playwright

    if not jobs:
        return
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            for path, grids in jobs:
                page.set_content(grid_html(grids), wait_until="load")
                page.pdf(path=str(path), format="A4", landscape=True, print_background=True)
        finally:
            browser.close()


# -- the tables ----------------------------------------------------------------------------------
P, E, C, S = "产出指标", "效益指标", "成本指标", "满意度指标"
FOOTER_SIGN = ("项目负责人:王建华 财务负责人:刘敏", "单位(盖章)", "注:本表金额单位为万元。")

T_A = Spec(
    key="sichuan_sewer", kind="target", title="项目支出绩效目标表", year=2026,
    name="乡镇污水管网维护经费", department="305-临江县住房和城乡建设局", unit="临江县城乡污水处理站",
    attribute="持续性项目", period="2026年1月1日至12月31日", start=date(2026, 1, 1), end=date(2026, 12, 31),
    total=D("41.20"), fiscal=D("41.20"), goal="完成12个乡镇污水管网日常维护,管网运行正常率不低于95%。",
    indicators=(
        q(C, "经济成本指标", "管网维护成本", "≤41.2万元", "<=", "41.2", "万元"),
        q(P, "数量指标", "新建污水管网长度", "12公里", "=", "12", "公里"),
        q(P, "数量指标", "维护乡镇数量", "=12个", "=", "12", "个"),
        q(P, "质量指标", "管网运行正常率", "≥95%", ">=", "95", "%"),
        dl(P, "时效指标", "维护完成时间", "2026年12月31日", "2026-12-31"),
        ql(E, "生态效益", "乡镇水环境质量", "明显改善"),
        q(E, "可持续影响", "管网设施使用年限", "≥10年", ">=", "10", "年"),
        q(S, "服务对象满意度", "群众满意度", "≥90%", ">=", "90", "%"),
    ),
)

T_B = Spec(
    key="hebei_dust", kind="target", title="项目支出绩效目标表", year=2026,
    name="城区道路扬尘治理专项资金", department="208-白河市生态环境局", unit="白河市大气污染防治中心",
    attribute="新增性项目", period="2026.01-2026.12", start=date(2026, 1, 1), end=date(2026, 12, 31),
    total=D("1280.50"), fiscal=D("1000.00"), other=D("280.50"),
    total_text="1,280.50", fiscal_text="1,000.00", other_text="280.50",
    goal="完成城区主次干道扬尘治理,PM10年均浓度持续下降。",
    indicators=(
        q(C, "经济成本指标", "洒水抑尘作业费用", "≤600000元", "<=", "60", "万元"),
        q(C, "经济成本指标", "雾炮车租赁费用", "≤380万", "<=", "380", "万元"),
        q(P, "数量指标", "道路洒水作业里程", "≥1500公里", ">=", "1500", "公里"),
        q(P, "数量指标", "购置雾炮车数量", "=8台", "=", "8", "台"),
        q(P, "数量指标", "开展扬尘治理专项评估", XlsxFormula("=1次"), "=", "1", "次"),
        q(P, "质量指标", "道路积尘负荷达标率", "≥90%", ">=", "90", "%"),
        dl(P, "时效指标", "设备采购完成时间", "2026年6月30日", "2026-06-30"),
        q(E, "生态效益", "PM10年均浓度", "≤70微克/立方米", "<=", "70", "微克/立方米"),
        q(E, "社会效益", "群众投诉办结率", "=100%", "=", "100", "%"),
        q(S, "服务对象满意度", "市民满意度", "≥85%", ">=", "85", "%"),
    ),
)

# The seed's own layout (tab separated, end date alone on the next line), Jiangxi-style tables.
E1 = Spec(
    key="jiangxi_river", kind="target", title="项目支出绩效目标表", year=2026,
    name="河湖长制巡河保洁经费", department="411-青湖县水利局(部门)", unit="青湖县河湖管护中心",
    attribute="当年项目", period="2026年1月1日", period_end_line="2026年12月31日",
    start=date(2026, 1, 1), end=date(2026, 12, 31), total=D("36.80"), fiscal=D("36.80"),
    goal="全年开展巡河保洁,重点河段水质稳定达到Ⅲ类标准。",
    indicators=(
        q(C, "经济成本指标", "巡河保洁劳务费用", "≤30万", "<=", "30", "万元"),
        q(C, "经济成本指标", "保洁船只维护费用", "≤6.8万", "<=", "6.8", "万元"),
        q(P, "数量指标", "巡河保洁河段长度", "≥86公里", ">=", "86", "公里"),
        q(P, "数量指标", "开展集中清漂行动", "=4次", "=", "4", "次"),
        q(P, "质量指标", "河面漂浮物清理率", "≥98%", ">=", "98", "%"),
        dl(P, "时效指标", "年度保洁任务完成时间", "2026年12月25日", "2026-12-25"),
        ql(E, "生态效益", "河湖水环境质量", "有效提升"),
        q(S, "服务对象满意度", "沿河群众满意度", "≥95%", ">=", "95", "%"),
    ),
)
E2 = Spec(
    key="jiangxi_school", kind="target", title="项目支出绩效目标表", year=2026,
    name="农村义务教育学校校舍维修改造", department="506-青湖县教育体育局(部门)", unit="青湖县教育基建服务中心",
    attribute="上年结转项目", period="2025年7月1日", period_end_line="2026年8月31日",
    start=date(2025, 7, 1), end=date(2026, 8, 31), total=D("215.60"), fiscal=D("180.00"), other=D("35.60"),
    goal="完成9所农村学校校舍维修改造,消除校舍安全隐患。",
    indicators=(
        q(C, "经济成本指标", "校舍维修改造成本", "≤215.6万", "<=", "215.6", "万元"),
        q(P, "数量指标", "维修改造学校数量", "=9所", "=", "9", "所"),
        q(P, "数量指标", "维修改造校舍面积", "≥5200平方米", ">=", "5200", "平方米"),
        q(P, "质量指标", "工程验收合格率", "=100%", "=", "100", "%"),
        dl(P, "时效指标", "工程完工时间", "2026年8月20日", "2026-08-20"),
        q(E, "社会效益", "校舍安全隐患消除率", "=100%", "=", "100", "%"),
        q(S, "服务对象满意度", "师生满意度", "≥90%", ">=", "90", "%"),
    ),
)

# Extra-column variants of the target form.
V_REMARK = Spec(
    key="remark_repeat", kind="target", title="项目支出绩效目标表", year=2026,
    name="高标准农田建设管护", department="602-东坪县农业农村局", unit="东坪县农田建设服务中心",
    attribute="持续性项目", period="2026年1月-12月", start=date(2026, 1, 1), end=date(2026, 12, 31),
    total=D("88.00"), fiscal=D("88.00"), goal="完成2.2万亩高标准农田设施管护。", extra=("remark",),
    level1_style="repeat", preamble=("附件1", "报表编号:DP-2026-017", "单位名称:东坪县农业农村局",
                                     "填报日期:2026年2月20日", "单位:万元"),
    footer=("项目负责人:陈立 财务负责人:周红", "盖章", "注:备注栏填写指标口径说明。"),
    indicators=(
        q(C, "经济成本指标", "农田设施管护成本", "≤88万元", "<=", "88", "万元", remark="含沟渠清淤"),
        q(P, "数量指标", "管护高标准农田面积", "≥2.2万亩", ">=", "2.2", "万亩", remark="以验收面积为准"),
        q(P, "质量指标", "灌排设施完好率", "≥92%", ">=", "92", "%"),
        dl(P, "时效指标", "管护任务完成时间", "2026年11月30日", "2026-11-30", remark="汛前完成检修"),
        q(E, "经济效益", "亩均增产粮食", "≥50公斤", ">=", "50", "公斤"),
        q(S, "服务对象满意度", "种植户满意度", "≥90%", ">=", "90", "%", remark="抽样调查"),
    ),
)
V_STANDARD = Spec(
    key="standard_spaced", kind="target", title="项目支出绩效目标申报表", year=2026,
    name="城乡居民医保经办服务", department="702-南岭县医疗保障局", unit="南岭县医疗保险服务中心",
    attribute="持续性项目", period="2026年1月1日-2026年12月31日", start=date(2026, 1, 1), end=date(2026, 12, 31),
    total=D("52.30"), fiscal=D("52.30"), goal="做好城乡居民医保经办服务,参保率稳定在95%以上。",
    extra=("standard",), level1_style="spaced", placeholders=True,
    indicators=(
        q(P, "数量指标", "经办业务办理笔数", "≥12000笔", ">=", "12000", "笔", printed_name="指标1:经办业务办理笔数",
          printed_level2="数 量 指 标", standard="反映全年经办业务办理数量情况"),
        q(P, "数量指标", "开展医保政策宣传", "≥6次", ">=", "6", "次", printed_name="指标2:开展医保政策宣传",
          standard="反映政策宣传开展情况"),
        q(P, "质量指标", "城乡居民参保率", "≥95%", ">=", "95", "%", standard="反映参保覆盖情况"),
        ql(E, "社会效益", "群众看病就医负担", "有效减轻", standard="反映群众就医负担变化情况"),
        q(S, "服务对象满意度", "参保群众满意度", "≥90%", ">=", "90", "%", standard="反映服务对象满意程度"),
    ),
)
V_WEIGHT = Spec(
    key="weight_first_points", kind="target", title="项目支出绩效目标表", year=2026,
    name="城市公园绿地养护", department="803-北川市城市管理局", unit="北川市园林绿化服务中心",
    attribute="持续性项目", period="2026年1月1日至2026年12月31日", start=date(2026, 1, 1), end=date(2026, 12, 31),
    total=D("120.00"), fiscal=D("100.00"), other=D("20.00"), goal="养护城市公园绿地46万平方米,绿地完好率98%以上。",
    extra=("weight_first",), level1_points={"产出指标": 50, "效益指标": 30, "满意度指标": 10},
    footer=("评价结论:良好", "存在问题:部分绿地补植不及时", "改进措施:加强巡查"),
    indicators=(
        q(P, "数量指标", "养护公园绿地面积", "≥46万平方米", ">=", "46", "万平方米", weight=D(20),
          printed_level2="数量指标(20分)"),
        q(P, "质量指标", "绿地完好率", "≥98%", ">=", "98", "%", weight=D(20)),
        dl(P, "时效指标", "春季补植完成时间", "2026年4月30日", "2026-04-30", weight=D(10)),
        ql(E, "生态效益", "城市绿化覆盖水平", "稳步提高", weight=D(30)),
        q(S, "服务对象满意度", "游园市民满意度", "≥90%", ">=", "90", "%", weight=D(10)),
    ),
)
V_MIDDLE = Spec(
    key="middle_label", kind="target", title="项目支出绩效目标表", year=2026,
    name="基层公共文化服务运行", department="905-西陵县文化广电和旅游局", unit="西陵县文化馆",
    attribute="持续性项目", period="2026年1月1日至2026年12月31日", start=date(2026, 1, 1), end=date(2026, 12, 31),
    total=D("64.50"), fiscal=D("64.50"), goal="保障乡镇综合文化站免费开放,开展群众文化活动。",
    level1_style="middle", footer=("评价结论:", "存在问题:", "改进措施:"),
    indicators=(
        q(P, "数量指标", "开展送戏下乡场次", "≥40场", ">=", "40", "场"),
        q(P, "数量指标", "免费开放文化站数量", "=14个", "=", "14", "个"),
        q(P, "质量指标", "文化站开放达标率", "≥95%", ">=", "95", "%"),
        dl(P, "时效指标", "年度活动完成时间", "2026年12月20日", "2026-12-20"),
        ql(E, "社会效益", "群众文化生活", "明显丰富"),
        q(E, "社会效益", "文化活动参与人次", "≥3万人次", ">=", "3", "万人次"),
        q(S, "服务对象满意度", "群众满意度", "≥92%", ">=", "92", "%"),
    ),
)

# 长期/年度 column groups: the annual indicators are read, the long-term ones left out with a note.
L1 = Spec(
    key="longterm_forest", kind="target", title="项目支出绩效目标表(长期/年度)", year=2026,
    name="天然林保护修复", department="313-临江县林业局", unit="临江县国有林场",
    attribute="持续性项目", period="2024年1月1日至2026年12月31日", start=date(2024, 1, 1), end=date(2026, 12, 31),
    total=D("150.00"), fiscal=D("150.00"), goal="管护天然林38万亩,完成人工造林1200亩。", form="longterm",
    warnings=("长期",),
    longterm=(
        q(P, "数量指标", "三年累计管护天然林面积", "≥114万亩", ">=", "114", "万亩"),
        q(P, "质量指标", "森林覆盖率", "≥62%", ">=", "62", "%"),
        ql(E, "生态效益", "森林生态系统功能", "持续增强"),
    ),
    indicators=(
        q(P, "数量指标", "管护天然林面积", "≥38万亩", ">=", "38", "万亩"),
        q(P, "数量指标", "完成人工造林面积", "≥1200亩", ">=", "1200", "亩"),
        q(P, "质量指标", "造林成活率", "≥85%", ">=", "85", "%"),
        ql(E, "生态效益", "林区生态环境", "有效改善"),
        q(S, "服务对象满意度", "林农满意度", "≥90%", ">=", "90", "%"),
    ),
)
L2 = Spec(
    key="longterm_elderly", kind="target", title="项目支出绩效目标表(长期/年度)", year=2026,
    name="居家养老服务补贴", department="214-白河市民政局", unit="白河市养老服务指导中心",
    attribute="持续性项目", period="2026.01-2026.12", start=date(2026, 1, 1), end=date(2026, 12, 31),
    total=D("340.00"), fiscal=D("340.00"), goal="为全市困难老年人提供居家养老服务补贴。", form="longterm",
    warnings=("长期",),
    longterm=(
        q(P, "数量指标", "累计服务困难老年人人数", "≥15000人", ">=", "15000", "人"),
        q(E, "社会效益", "居家养老服务覆盖率", "≥80%", ">=", "80", "%"),
    ),
    indicators=(
        q(P, "数量指标", "享受补贴老年人人数", "≥5200人", ">=", "5200", "人"),
        q(P, "质量指标", "补贴资金发放准确率", "=100%", "=", "100", "%"),
        dl(P, "时效指标", "补贴发放完成时间", "2026年12月15日", "2026-12-15"),
        q(E, "社会效益", "困难老年人生活照料保障率", "≥95%", ">=", "95", "%"),
        q(S, "服务对象满意度", "老年人满意度", "≥92%", ">=", "92", "%"),
    ),
)

# 批复表 with a prior year's value before the current target; some rows fill only one of them.
A1 = Spec(
    key="approval_roads", kind="target", title="项目支出绩效目标批复表", year=2026,
    name="农村公路养护工程", department="317-临江县交通运输局", unit="临江县公路养护中心",
    attribute="持续性项目", period="2026年1月1日至12月31日", start=date(2026, 1, 1), end=date(2026, 12, 31),
    total=D("260.00"), fiscal=D("230.00"), other=D("30.00"), goal="完成农村公路日常养护420公里。",
    form="approval", prior_headers=("2025年实际实现值", "预期2026年实现值"),
    indicators=(
        q(C, "经济成本指标", "公路养护成本", "≤260万元", "<=", "260", "万元", prior="248万元"),
        q(P, "数量指标", "日常养护里程", "≥420公里", ">=", "420", "公里", prior="405公里"),
        q(P, "数量指标", "修复坑槽面积", "≥3000平方米", ">=", "3000", "平方米"),
        q(P, "质量指标", "优良路率", "≥75%", ">=", "75", "%", prior="73%"),
        dl(P, "时效指标", "养护任务完成时间", "2026年12月31日", "2026-12-31"),
        q(E, "社会效益", "农村公路安全通行率", "≥98%", ">=", "98", "%", prior="97.5%"),
        q(S, "服务对象满意度", "沿线群众满意度", "≥90%", ">=", "90", "%"),
    ),
)
A2 = Spec(
    key="approval_clinic", kind="target", title="项目支出绩效目标批复表", year=2025,
    name="基层医疗卫生机构设备购置", department="209-白河市卫生健康委员会", unit="白河市基层卫生服务中心",
    attribute="新增性项目", period="2025年", start=date(2025, 1, 1), end=date(2025, 12, 31),
    total=D("96.00"), fiscal=D("96.00"), goal="为12家乡镇卫生院购置基本医疗设备。",
    form="approval", prior_headers=("2024年实际实现值", "预期2025年实现值"),
    indicators=(
        q(P, "数量指标", "购置设备卫生院数量", "=12家", "=", "12", "家", prior="8家"),
        q(P, "质量指标", "设备验收合格率", "=100%", "=", "100", "%"),
        dl(P, "时效指标", "设备采购完成时间", "2025年9月30日", "2025-09-30"),
        q(E, "社会效益", "基层诊疗人次增长率", "≥5%", ">=", "5", "%", prior="3.2%"),
        q(S, "服务对象满意度", "患者满意度", "≥90%", ">=", "90", "%", prior="88%"),
    ),
)

# Monitoring tables (1-6月).
M1 = Spec(
    key="monitor_sewage", kind="monitor", title="项目支出绩效目标执行监控表", year=2026,
    name="城镇污水处理厂提标改造", department="305-临江县住房和城乡建设局", unit="临江县城乡污水处理站",
    total=D("180.00"), fiscal=D("150.00"), other=D("30.00"), month=6, form="monitor",
    goal="完成2座城镇污水处理厂提标改造,出水达到一级A标准。", goal_actual="1座已完工,1座完成主体工程。",
    budget=(
        Budget("年度资金总额", "年度资金总额", initial=D("180.00"), executed=D("81.00"), rate=D("45.00"),
               forecast=D("180.00")),
        Budget("其中:财政拨款", "当年财政拨款", initial=D("150.00"), executed=D("75.00"), rate=D("50.00"),
               forecast=D("150.00")),
        Budget("其他资金", "其他资金", initial=D("30.00"), executed=D("6.00"), rate=D("20.00"), forecast=D("30.00")),
    ),
    footer=("注:完成目标可能性为“有可能”或“完全不可能”的,须同时填写偏差原因和改进措施。",),
    indicators=(
        q(P, "数量指标", "提标改造污水处理厂数量", "=2座", "=", "2", "座", actual="1座", forecast="2座",
          likelihood="确定能"),
        q(P, "数量指标", "改造污水提升泵站", "=6处", "=", "6", "处", actual="已完成4处,2处在建",
          forecast="6处", likelihood="有可能", category="经费保障", category_text="资金拨付滞后,已协调加快拨付",
          note="资金拨付滞后,已协调加快拨付", remark="三季度完工"),
        q(P, "质量指标", "出水水质达标率", "=100%", "=", "100", "%", actual="100%", forecast="100%",
          likelihood="确定能"),
        dl(P, "时效指标", "改造工程完工时间", "2026年10月31日", "2026-10-31", actual="未完工", forecast="按期完工",
           likelihood="确定能"),
        q(E, "生态效益", "COD年削减量", "≥350吨", ">=", "350", "吨", actual="160吨", forecast="360吨",
          likelihood="确定能"),
        q(S, "服务对象满意度", "周边居民满意度", "≥90%", ">=", "90", "%", actual="未开展", forecast="85%",
          likelihood="不可能", category="其他", remark="问卷调查安排在四季度"),
    ),
)
M2 = Spec(
    key="monitor_training", kind="monitor", title="部门项目支出绩效半年监控表", year=2026,
    name="退役军人就业创业培训", department="618-东坪县退役军人事务局", unit="东坪县退役军人服务中心",
    total=D("45.00"), fiscal=D("45.00"), other=D(0), month=6, form="monitor",
    goal="开展退役军人就业创业培训300人次。", goal_actual="已培训140人次。",
    budget=(
        Budget("年度资金总额", "年度资金总额", initial=D("45.00"), executed=D("18.00"), rate=D("40.00"),
               forecast=D("45.00")),
        Budget("其中:财政拨款", "当年财政拨款", initial=D("45.00"), executed=D("18.00"), rate=D("40.00"),
               forecast=D("45.00")),
        Budget("其他资金", "其他资金"),
    ),
    indicators=(
        q(P, "数量指标", "培训退役军人人次", "≥300人次", ">=", "300", "人次", actual="140人次", forecast="300人次",
          likelihood="确定能"),
        q(P, "质量指标", "培训合格率", "≥90%", ">=", "90", "%", actual="93%", forecast="93%", likelihood="确定能"),
        q(E, "社会效益", "培训后就业率", "≥70%", ">=", "70", "%", actual="55%", forecast="68%",
          likelihood="有可能", category="人员保障", category_text="企业岗位对接不足,拟增加专场招聘会",
          note="企业岗位对接不足,拟增加专场招聘会"),
        q(S, "服务对象满意度", "参训人员满意度", "≥90%", ">=", "90", "%", actual="95%", forecast="95%",
          likelihood="确定能"),
    ),
)

# Sichuan 自评表: 预算执行情况(10分) + 绩效指标(90分); rate against the adjusted budget.
# Budget 10 × 57/60 = 9.50; indicators 20 + 20 + 10 + 9.50 + 13.50 + 4 + 10 = 87.00; 总分 96.50.
S1 = Spec(
    key="sichuan_selfeval", kind="selfeval", title="项目支出绩效自评表", year=2026,
    name="乡镇污水管网维护经费", department="305-临江县住房和城乡建设局", unit="临江县城乡污水处理站",
    total=D("50.00"), fiscal=D("50.00"), other=D(0), form="sichuan", consistent=True,
    goal="完成12个乡镇污水管网维护和新建管网12公里。", goal_actual="完成12个乡镇管网维护,新建管网12公里。",
    budget=(
        Budget("年度资金总额", "年度资金总额", D("50.00"), D("60.00"), D("57.00"), points=D(10), rate=D("95.00"),
               score=D("9.50")),
        Budget("其中:当年财政拨款", "当年财政拨款", D("50.00"), D("60.00"), D("57.00")),
        Budget("上年结转资金", "上年结转资金"),
        Budget("其他资金", "其他资金"),
    ),
    budget_points=D(10), printed_total=D("96.50"),
    footer=("项目负责人:李俊 财务负责人:张丽", "评价结论:优", "存在问题:无", "改进措施:加强日常巡查"),
    indicators=(
        q(P, "数量指标", "新建污水管网长度", "12", ">=", "12", "公里", text="≥12公里", nature="≥", measure="公里",
          actual="12", weight=D(20), score=D(20)),
        q(P, "质量指标", "管网验收合格率", "95", ">=", "95", "%", text="≥95%", nature="≥", measure="%",
          actual=XlsxPercent("98%"), weight=D(20), score=D(20)),
        dl(P, "时效指标", "工程完工时间", "2026年11月30日", "2026-11-30", text="≤2026年11月30日", nature="≤",
           actual="2026年11月20日", weight=D(10), score=D(10)),
        q(P, "经济成本指标", "管网维护成本", "57", "<=", "57", "万元", text="≤57万元", nature="≤", measure="万元",
          actual="60", weight=D(10), score=D("9.50"), note="材料价格上涨"),
        q(E, "社会效益", "污水收集率", "90", ">=", "90", "%", text="≥90%", nature="≥", measure="%", actual="81",
          weight=D(15), score=D("13.50"), note="部分农户未接入管网"),
        ql(E, "生态效益", "乡镇水环境质量", "明显改善", nature="定性", actual="达成年度指标", weight=D(5),
           score=D(4)),
        q(S, "服务对象满意度", "沿线居民满意度", "90", ">=", "90", "%", text="≥90%", nature="≥", measure="%",
          actual="92", weight=D(10), score=D(10)),
    ),
)
# Mis-added: by the rules 受益人口 (2.1 of ≥2万人) earns its 30 points, not the printed 22, so the
# rules give 95.00; the printed scores add up to 87.00; and 92.00 is printed as the 总分.
S2 = Spec(
    key="sichuan_misadded", kind="selfeval", title="项目支出绩效自评表", year=2026,
    name="农村饮水安全巩固提升", department="312-临江县水利局", unit="临江县农村供水管理站",
    total=D("80.00"), fiscal=D("80.00"), other=D(0), form="sichuan",
    goal="巩固提升8处农村集中供水工程。", goal_actual="完成8处供水工程巩固提升。",
    budget=(
        Budget("年度资金总额", "年度资金总额", D("80.00"), D("80.00"), D("72.00"), points=D(10), rate=D("90.00"),
               score=D("9.00")),
        Budget("其中:当年财政拨款", "当年财政拨款", D("80.00"), D("80.00"), D("72.00")),
    ),
    budget_points=D(10), printed_total=D("92.00"), warnings=(),
    indicators=(
        q(P, "数量指标", "巩固提升供水工程数量", "8", ">=", "8", "处", text="≥8处", nature="≥", measure="处",
          actual="8", weight=D(30), score=D(30)),
        q(P, "质量指标", "水质检测合格率", "95", ">=", "95", "%", text="≥95%", nature="≥", measure="%", actual="76",
          weight=D(20), score=D(16), note="部分水源受汛期影响"),
        q(E, "社会效益", "受益人口", "2", ">=", "2", "万人", text="≥2万人", nature="≥", measure="万人",
          actual="2.1", weight=D(30), score=D(22), note="自评打分偏低"),
        q(S, "服务对象满意度", "受益群众满意度", "90", ">=", "90", "%", text="≥90%", nature="≥", measure="%",
          actual="95", weight=D(10), score=D(10)),
    ),
)

# Hubei 自评表: 预算执行情况 20分, two 年度绩效目标 blocks of 40 points.
# Budget 20 × 76/80 = 19.00; block 1: 10 + 10 + 0 + 9.60; block 2: 15 + 19; 总分 82.60.
H1 = Spec(
    key="hubei_selfeval", kind="selfeval", title="部门预算项目支出绩效自评表", year=2026,
    name="老旧小区改造配套设施", department="401-江陵市住房和城乡建设局", unit="江陵市城市更新服务中心",
    total=D("100.00"), fiscal=D("90.00"), other=D("10.00"), form="hubei", consistent=True,
    goal="完成6个老旧小区配套设施改造。", goal_actual="6个小区改造全部完工。",
    budget=(
        Budget("年度资金总额", "年度资金总额", D("100.00"), D("80.00"), D("76.00"), points=D(20), rate=D("95.00"),
               score=D("19.00")),
        Budget("其中:财政资金", "当年财政拨款", D("90.00"), D("70.00"), D("66.00")),
        Budget("其他资金", "其他资金", D("10.00"), D("10.00"), D("10.00")),
    ),
    budget_points=D(20), printed_total=D("82.60"),
    footer=("填表人:吴静 联系电话:0716-0000000",),
    indicators=(
        q(P, "数量指标", "改造老旧小区数量", "≥6个", ">=", "6", "个", actual="6个", weight=D(10), score=D(10), block=1),
        q(P, "质量指标", "工程验收合格率", "=100%", "=", "100", "%", actual="100%", weight=D(10), score=D(10),
          block=1),
        dl(P, "时效指标", "改造完成时间", "2026年11月30日", "2026-11-30", actual="2026年12月20日", weight=D(10),
           score=D(0), note="冬季施工延误", block=1),
        q(P, "成本指标", "单个小区改造成本", "≤12万元", "<=", "12", "万元", actual="12.5万元", weight=D(10),
          score=D("9.60"), note="材料涨价", block=1),
        q(E, "社会效益", "惠及居民户数", "≥1200户", ">=", "1200", "户", actual="900户", weight=D(20), score=D(15),
          note="两个小区入住率低", block=2),
        q(S, "服务对象满意度", "居民满意度", "≥80%", ">=", "80", "%", actual="76%", weight=D(20), score=D(19),
          block=2),
    ),
)
# A second Hubei table. Budget 20 × 27/30 = 18.00; block 1: 20 + 12; block 2: 20 + 20; 总分 90.00.
H2 = Spec(
    key="hubei_selfeval_2", kind="selfeval", title="部门预算项目支出绩效自评表", year=2026,
    name="社区养老服务驿站运营补贴", department="415-江陵市民政局", unit="江陵市社会福利中心",
    total=D("30.00"), fiscal=D("30.00"), other=D(0), form="hubei", consistent=True,
    goal="支持10个社区养老服务驿站运营。", goal_actual="10个驿站正常运营。",
    budget=(
        Budget("年度资金总额", "年度资金总额", D("30.00"), D("30.00"), D("27.00"), points=D(20), rate=D("90.00"),
               score=D("18.00")),
        Budget("其中:财政资金", "当年财政拨款", D("30.00"), D("30.00"), D("27.00")),
    ),
    budget_points=D(20), printed_total=D("90.00"),
    indicators=(
        q(P, "数量指标", "运营养老服务驿站数量", "=10个", "=", "10", "个", actual="10个", weight=D(20), score=D(20),
          block=1),
        q(P, "质量指标", "助餐服务覆盖率", "≥80%", ">=", "80", "%", actual="48%", weight=D(20), score=D(12),
          note="部分驿站无厨房", block=1),
        ql(E, "社会效益", "社区老年人生活质量", "有效改善", actual="达成年度指标", weight=D(20), score=D(20), block=2),
        q(S, "服务对象满意度", "老年人满意度", "≥90%", ">=", "90", "%", actual="96%", weight=D(20), score=D(20),
          block=2),
    ),
)

# Anhui 自评表 (10号 standard) whose 年度资金总额 row is all zeros: the sub-rows hold the amounts, and
# the total row is read as their sums (with a warning that names 年度资金总额).
# Budget 10 × 38/40 = 9.50; 产出 18 + 15 + 15; 效益 22.50; 满意度 10; 总分 90.00.
ANHUI_POINTS = {"产出指标": 50, "效益指标": 30, "满意度指标": 10}
N1 = Spec(
    key="anhui_selfeval", kind="selfeval", title="项目支出绩效自评表", year=2026,
    name="高素质农民培育", department="0512-霍山县农业农村局", unit="霍山县农业技术推广中心",
    total=D("40.00"), fiscal=D("30.00"), other=D("10.00"), form="anhui", consistent=True,
    level1_points=ANHUI_POINTS, rate_header="预算执行率(B/A)",
    goal="培育高素质农民500人,带动就业200人。", goal_actual="培育450人,带动就业150人。",
    budget=(
        Budget("年度资金总额", "年度资金总额", D("40.00"), D("40.00"), D("38.00"), points=D(10), zeros=True),
        Budget("其中:当年财政拨款", "当年财政拨款", D("30.00"), D("30.00"), D("28.50")),
        Budget("上年结转资金", "上年结转资金"),
        Budget("其他资金", "其他资金", D("10.00"), D("10.00"), D("9.50")),
    ),
    budget_points=D(10), printed_total=D("90.00"), warnings=("年度资金总额",),
    footer=("评价结论:良", "存在问题:培训人数未达目标", "改进措施:提前摸底报名"),
    indicators=(
        q(P, "数量指标", "培训农民人数", "≥500人", ">=", "500", "人", actual="450人", weight=D(20), score=D(18),
          note="部分学员外出务工"),
        q(P, "质量指标", "培训合格率", "≥90%", ">=", "90", "%", actual="95%", weight=D(15), score=D(15)),
        dl(P, "时效指标", "培训完成时间", "2026年10月31日", "2026-10-31", actual="2026年10月15日", weight=D(15),
           score=D(15)),
        q(E, "社会效益", "带动就业人数", "≥200人", ">=", "200", "人", actual="150人", weight=D(30), score=D("22.50"),
          note="就业岗位不足"),
        q(S, "服务对象满意度", "参训农民满意度", "≥90%", ">=", "90", "%", actual="96%", weight=D(10), score=D(10)),
    ),
)
# A second Anhui table. Budget 10 × 19.2/24 = 8.00; 产出 25 + 25; 效益 24; 满意度 9.50; 总分 91.50.
N2 = Spec(
    key="anhui_selfeval_2", kind="selfeval", title="项目支出绩效自评表", year=2026,
    name="农村人居环境整治", department="0519-霍山县乡村振兴局", unit="霍山县人居环境整治服务站",
    total=D("24.00"), fiscal=D("24.00"), other=D(0), form="anhui", consistent=True,
    level1_points=ANHUI_POINTS, rate_header="预算执行率(B/A)",
    goal="整治20个行政村人居环境。", goal_actual="完成20个行政村整治。",
    budget=(
        Budget("年度资金总额", "年度资金总额", D("24.00"), D("24.00"), D("19.20"), points=D(10), zeros=True),
        Budget("其中:当年财政拨款", "当年财政拨款", D("24.00"), D("24.00"), D("19.20")),
        Budget("其他资金", "其他资金"),
    ),
    budget_points=D(10), printed_total=D("91.50"), warnings=("年度资金总额",),
    indicators=(
        q(P, "数量指标", "整治行政村数量", "=20个", "=", "20", "个", actual="20个", weight=D(25), score=D(25)),
        q(P, "质量指标", "整治验收合格率", "≥95%", ">=", "95", "%", actual="98%", weight=D(25), score=D(25)),
        q(E, "生态效益", "村庄垃圾清运量", "≤1500吨", "<=", "1500", "吨", actual="1875吨", weight=D(30),
          score=D(24), note="春节期间垃圾量增加"),
        q(S, "服务对象满意度", "村民满意度", "≥95%", ">=", "95", "%", actual="90.25%", weight=D(10),
          score=D("9.50")),
    ),
)


def small_target(key: str, name: str, department: str, *, dept_label: str = "主管部门",
                 period: str = "2026年1月1日至2026年12月31日",
                 start: date | None = date(2026, 1, 1), end: date | None = date(2026, 12, 31), year: int = 2026,
                 indicators: tuple[Ind, ...] | None = None, warnings: tuple[str, ...] = (),
                 no_department: bool = False) -> Spec:
    """A short target table for the no-silent-corruption cases."""
    return Spec(
        key=key, kind="target", title="项目支出绩效目标表", year=year, name=name, department=department,
        unit="白沙县水利工程管理站", attribute="持续性项目", period=period, start=start, end=end,
        total=D("25.00"), fiscal=D("25.00"), goal="保障农村饮水工程正常运行。", dept_label=dept_label,
        warnings=warnings, no_department=no_department,
        indicators=indicators or (
            q(P, "数量指标", "维修养护供水工程数量", "≥15处", ">=", "15", "处"),
            q(P, "质量指标", "供水保证率", "≥95%", ">=", "95", "%"),
            ql(E, "社会效益", "农村饮水安全保障水平", "持续提升"),
            q(S, "服务对象满意度", "用水户满意度", "≥90%", ">=", "90", "%"),
        ),
    )


SAME_NAME = "农村饮水工程维修养护"
SAME_NAME_SPECS = (
    small_target("dept_label_1", SAME_NAME, "401-白沙县水利局", dept_label="项目主管部门"),
    small_target("dept_label_2", SAME_NAME, "512-白沙县农业农村局", dept_label="主管部门及编码"),
    small_target("dept_label_3", SAME_NAME, "603-白沙县乡村振兴局", dept_label="主管部门及代码"),
)
NO_DEPT = small_target("no_department", "山洪灾害防治非工程措施运行维护", "", no_department=True,
                       warnings=("归口部门",))
NO_DEPT = dataclasses.replace(NO_DEPT, department="")
PERIODS = (
    ("2026.01-2026.12", date(2026, 1, 1), date(2026, 12, 31), 2026),
    ("2026年1月1日至12月31日", date(2026, 1, 1), date(2026, 12, 31), 2026),
    ("2025年", date(2025, 1, 1), date(2025, 12, 31), 2025),
    ("2026年1月-12月", date(2026, 1, 1), date(2026, 12, 31), 2026),
    ("2025年7月1日—2026年12月31日", date(2025, 7, 1), date(2026, 12, 31), 2026),
    ("202501-202512", date(2025, 1, 1), date(2025, 12, 31), 2025),
)
PERIOD_SPECS = tuple(
    small_target(f"period_{n}", f"小型水库安全运行管护{n}", "401-白沙县水利局", period=text, start=s, end=e, year=y)
    for n, (text, s, e, y) in enumerate(PERIODS, start=1)
)
TARGET_SPELLINGS = small_target(
    "target_spellings", "防汛抗旱物资储备", "401-白沙县水利局",
    indicators=(
        ql(C, "经济成本指标", "物资储备成本", "不超过预算"),
        q(P, "数量指标", "储备编织袋数量", "≥95%,力争100%", ">=", "95", "%"),
        dl(P, "时效指标", "物资轮换完成时间", "2026年第三季度", "2026-09-30"),
        ql(E, "社会效益", "防汛物资保障能力", "不低于上年"),
        q(S, "服务对象满意度", "基层防汛单位满意度", "≥90%", ">=", "90", "%"),
    ),
)


# -- refused files and the fix each message asks for -----------------------------------------------
def _replace(old: str, new: str) -> Callable[[bytes], bytes]:
    def fix(data: bytes) -> bytes:
        text = data.decode("utf-8")
        assert text.count(old) == 1, f"the fix expects {old!r} once"
        return text.replace(old, new).encode("utf-8")

    return fix


R_NO_VALUE = small_target("refused_no_value", "水土保持综合治理", "401-白沙县水利局")
R_NO_VALUE_LINE = "\t数量指标\t治理水土流失面积\t"
R_PERIOD = small_target("refused_period", "水利工程标准化管理", "401-白沙县水利局", period="2026年13月-2026年12月",
                        start=date(2026, 1, 1), end=date(2026, 12, 31))
# A Sichuan 自评表 whose only budget row has its numbers run together, and no split is consistent:
# 48.62 / 50 is 97.24%, not the printed 91.00% (see tests: every split is checked).
BUDGET_RUN = "505048.621091.00%9.10"
BUDGET_TABBED = "50\t50\t48.62\t10\t91.00%\t9.10"


def _sole_budget_spec() -> Spec:
    return dataclasses.replace(
        S2, key="refused_budget_run", name="小型农田水利设施维修", department="312-临江县水利局",
        budget=(Budget("年度资金总额", "年度资金总额", D("50"), D("50"), D("48.62"), points=D(10), rate=D("91.00"),
                       score=D("9.10")),),
        total=D("50"), fiscal=None, printed_total=None, consistent=False,
    )


def _budget_run_text(s: Spec, label: str, run: str) -> str:
    """The spec's tab text with one budget row's numbers run together into a single cell."""
    g = grid_of(s)
    for cells in g.rows:
        if cells[1] == label:
            cells[3:] = [run] + [""] * (len(cells) - 4)
            break
    else:
        raise AssertionError(label)
    return tab_text([g])


REPORT_FILE = ("指标编号,三级指标,实际完成值,截至日期\n"
               "1,巡河保洁河段长度,86公里,2026-12-31\n2,开展集中清漂行动,4次,2026-12-31\n")


# -- the corpus -----------------------------------------------------------------------------------
TEXT_BASES = (T_A, T_B)
META = "张晓明 Microsoft Office Word 2026-03-05T09:12:00Z 2026-03-06T10:30:00Z 白河市财政局"


def _tail_rows() -> str:
    """The last rows of a previous table: an indicator block's end and its note."""
    return ("\t\t开展人员培训\t≥2次\n"
            "\t质量指标\t培训覆盖率\t=100%\n"
            "满意度指标\t服务对象满意度\t学员满意度\t≥90%\n\n"
            "注:若为空表,则为该部门(单位)无部门预算项目支出。\n")


def cases() -> list[Case]:
    """Every file of the corpus with what reading it must give (nothing written yet)."""
    out: list[Case] = []

    def add(file: str, family: str, specs: tuple[Spec, ...], text: str | bytes, **kw: object) -> None:
        data = text.encode("utf-8") if isinstance(text, str) else text
        out.append(Case(file, family, specs, data, **kw))  # type: ignore[arg-type]

    for n, s in enumerate(TEXT_BASES, start=1):
        g = [grid_of(s)]
        add(f"01_cell_lines_{n}.txt", "cell_lines", (s,), cell_lines_text(g))
        add(f"02_pipe_rows_{n}.txt", "pipe_rows", (s,), pipe_text(g))
        add(f"03_html_blocks_{n}.txt", "html_blocks", (s,), html_blocks_text(g))
        add(f"04_flat_word_{n}.txt", "flat_word", (s,), flat_text(g, META))
        add(f"05_run_together_{n}.txt", "run_together", (s,), run_together_text(g))
        add(f"07_tail_first_{n}.txt", "tail_first", (s,), _tail_rows() + tab_text(g))
    # Labels split over two cells, as a web page's narrow columns wrap them (domain.md section 7).
    split = cell_lines_text([grid_of(N2)]).replace("年初预算数 |\n", "年初 |\n预算数 |\n")
    add("01_cell_lines_3.txt", "cell_lines", (N2,), split)
    split = cell_lines_text([grid_of(SAME_NAME_SPECS[1])]).replace("主管部门及编码 |\n", "主管部门 |\n及编码 |\n")
    add("01_cell_lines_4.txt", "cell_lines", (SAME_NAME_SPECS[1],), split)
    add("06_traditional_1.txt", "traditional", (T_A,), traditional(pipe_text([grid_of(T_A)])))
    add("06_traditional_2.txt", "traditional", (N1,), traditional(tab_text([grid_of(N1)])))
    add("06_radicals_3.txt", "traditional", (T_B,), radicals(tab_text([grid_of(T_B)])))
    add("08_longterm_1.txt", "longterm", (L1,), tab_text([grid_of(L1)]))
    add("08_longterm_2.txt", "longterm", (L2,), pipe_text([grid_of(L2)]))
    add("09_approval_1.txt", "approval", (A1,), tab_text([grid_of(A1)]))
    add("09_approval_2.txt", "approval", (A2,), pipe_text([grid_of(A2)]))
    add("10_monitor_1.txt", "monitor", (M1,), tab_text([grid_of(M1)]))
    add("10_monitor_2.txt", "monitor", (M2,), pipe_text([grid_of(M2)]))
    add("11_sichuan_1.txt", "sichuan", (S1,), tab_text([grid_of(S1)]))
    add("11_sichuan_2.txt", "sichuan", (S2,), pipe_text([grid_of(S2)]))
    add("12_hubei_1.txt", "hubei", (H1,), tab_text([grid_of(H1)]))
    add("12_hubei_2.txt", "hubei", (H2,), pipe_text([grid_of(H2)]))
    add("13_anhui_1.txt", "anhui", (N1,), tab_text([grid_of(N1)]))
    add("13_anhui_2.txt", "anhui", (N2,), pipe_text([grid_of(N2)]))
    add("14_seed_layout_1.txt", "seed", (E1, E2), tab_text([grid_of(E1), grid_of(E2)]))
    add("14_seed_layout_2.txt", "seed", (E2,), tab_text([grid_of(E2)]).replace("\n", "\r\n").encode("gbk"))
    # Extra columns, label placements, template leftovers and surroundings.
    add("15_remark_repeat.txt", "extra_columns", (V_REMARK,), pipe_text([grid_of(V_REMARK)]))
    add("15_standard_spaced.txt", "extra_columns", (V_STANDARD,), tab_text([grid_of(V_STANDARD)]))
    add("15_weight_first_points.txt", "extra_columns", (V_WEIGHT,), tab_text([grid_of(V_WEIGHT)]))
    add("15_middle_label.txt", "extra_columns", (V_MIDDLE,), pipe_text([grid_of(V_MIDDLE)]))
    # No silent corruption.
    add("16_same_name_departments.txt", "identity", SAME_NAME_SPECS, tab_text([grid_of(s) for s in SAME_NAME_SPECS]))
    add("16_no_department.txt", "identity", (NO_DEPT,), tab_text([grid_of(NO_DEPT)]))
    for s in PERIOD_SPECS:
        add(f"17_{s.key}.txt", "periods", (s,), tab_text([grid_of(s)]))
    add("18_target_spellings.txt", "targets", (TARGET_SPELLINGS,), tab_text([grid_of(TARGET_SPELLINGS)]))
    # Refused files, and the one budget row that is only a warning.
    text = tab_text([grid_of(R_NO_VALUE)]).replace("\t数量指标\t维修养护供水工程数量\t≥15处",
                                                   "\t数量指标\t维修养护供水工程数量\t≥15处\n" + R_NO_VALUE_LINE)
    add("19_refused_no_value.txt", "refused", (R_NO_VALUE,), text, refused=True,
        fix=_replace(R_NO_VALUE_LINE, R_NO_VALUE_LINE + "≥120平方公里"), message_has=("治理水土流失面积", "绩效目标表"))
    add("19_refused_period.txt", "refused", (R_PERIOD,), tab_text([grid_of(R_PERIOD)]), refused=True,
        fix=_replace("2026年13月-2026年12月", "2026年1月1日至2026年12月31日"), message_has=("2026年13月", "绩效目标表"))
    sole = _sole_budget_spec()
    add("19_refused_budget_run.txt", "refused", (sole,), _budget_run_text(sole, "年度资金总额", BUDGET_RUN),
        refused=True, fix=_replace(BUDGET_RUN, BUDGET_TABBED), message_has=("年度资金总额", "绩效自评表"))
    add("19_refused_report_file.csv", "refused", (), REPORT_FILE, refused=True,
        message_has=("填报文件", "python -m analytics actuals"))
    warn = dataclasses.replace(S2, key="budget_run_warning", name="山塘水库清淤整治")
    add("20_budget_run_warning.txt", "budget_warning", (warn,),
        _budget_run_text(warn, "其中:当年财政拨款", "808072.001091.00%9.10"), warnings=("财政拨款",))
    return out


def office_cases() -> list[tuple[Case, Callable[[Path], None]]]:
    """The same tables as .xlsx and .docx, with the writer of each file."""
    jobs: list[tuple[Case, Callable[[Path], None]]] = []

    def xlsx(file: str, family: str, specs: tuple[Spec, ...], **kw: bool) -> None:
        grids = [grid_of(s) for s in specs]
        jobs.append((Case(file, family, specs), lambda p, g=grids: write_xlsx(p, g, **kw)))

    def docx_(file: str, family: str, specs: tuple[Spec, ...]) -> None:
        grids = [grid_of(s) for s in specs]
        jobs.append((Case(file, family, specs), lambda p, g=grids: write_docx(p, g)))

    xlsx("30_targets_instructions.xlsx", "xlsx", (T_A, T_B), instructions=True)
    xlsx("31_selfeval_sheets.xlsx", "xlsx", (S1, H1, N1), sheet_per_table=True)
    xlsx("32_monitor_approval.xlsx", "xlsx", (M1, A1, L1))
    xlsx("33_variants.xlsx", "xlsx", (V_REMARK, V_WEIGHT, V_MIDDLE), sheet_per_table=True)
    docx_("40_targets.docx", "docx", (T_A, T_B))
    docx_("41_selfeval.docx", "docx", (H1, N2))
    docx_("42_monitor_longterm.docx", "docx", (M2, L2, V_STANDARD))
    return jobs


PDF_SETS: tuple[tuple[str, tuple[Spec, ...]], ...] = (
    ("50_targets.pdf", (T_A, T_B)),
    ("51_selfeval.pdf", (S1, N1)),
    ("52_monitor.pdf", (M1, H2)),
)


def write_corpus(out_dir: str | Path, pdf: bool = True) -> list[Case]:
    """Write every file of the corpus into ``out_dir``; returns the cases with their paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for case in cases():
        case.path = out_dir / case.file
        case.path.write_bytes(case.data)
        written.append(case)
    for case, writer in office_cases():
        case.path = out_dir / case.file
        writer(case.path)
        case.data = case.path.read_bytes()
        written.append(case)
    if pdf:
        jobs = [(out_dir / name, [grid_of(s) for s in specs]) for name, specs in PDF_SETS]
        write_pdfs(jobs)
        for (name, specs), (path, _) in zip(PDF_SETS, jobs, strict=True):
            written.append(Case(name, "pdf", specs, path.read_bytes(), path=path))
    return written


# -- the mixed-layout benchmark corpus ----------------------------------------------------------
TEXT_FAMILIES: dict[str, Callable[[list[Grid]], str]] = {
    "seed": tab_text,
    "pipe_rows": pipe_text,
    "cell_lines": cell_lines_text,
    "html_blocks": html_blocks_text,
    "flat_word": lambda grids: flat_text(grids, META),
    "run_together": run_together_text,
    "traditional": lambda grids: traditional(tab_text(grids)),
    "radicals": lambda grids: radicals(pipe_text(grids)),
    "tail_first": lambda grids: _tail_rows() + tab_text(grids),
}


def mixed_bases() -> list[Spec]:
    """Every readable spec of the corpus (the refused ones and the budget-run warning left out)."""
    bases = [s for s in vars(sys.modules[__name__]).values()
             if isinstance(s, Spec) and not s.key.startswith("refused") and s.key != "budget_run_warning"]
    return sorted(bases, key=lambda s: s.key)


def mixed_specs(n: int) -> list[Spec]:
    """``n`` tables cycling over every readable spec of the corpus, each a project of its own."""
    bases = mixed_bases()
    return [dataclasses.replace(bases[k % len(bases)], name=f"{bases[k % len(bases)].name}{k:05d}")
            for k in range(n)]


def write_mixed(out_dir: str | Path, n: int, office_share: float = 0.1, pdf_share: float = 0.01,
                per_file: int = 250) -> dict[str, list[tuple[Path, int]]]:
    """``n`` tables over all families and formats: text families in files of ``per_file`` tables,
    ``office_share`` of them in xlsx and docx (half each, 50 a file) and ``pdf_share`` in PDFs
    (25 a file). Returns format -> [(file, tables in it)]."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    specs = mixed_specs(n)
    n_pdf = round(n * pdf_share)
    n_office = round(n * office_share)
    pdf_specs, office_specs, text_specs = specs[:n_pdf], specs[n_pdf:n_pdf + n_office], specs[n_pdf + n_office:]
    out: dict[str, list[tuple[Path, int]]] = {"text": [], "xlsx": [], "docx": [], "pdf": []}
    families = list(TEXT_FAMILIES)
    chunks = [text_specs[i:i + per_file] for i in range(0, len(text_specs), per_file)]
    for k, chunk in enumerate(chunks):
        family = families[k % len(families)]
        grids = [grid_of(s) for s in chunk]
        path = out_dir / f"mixed_{k:03d}_{family}.txt"
        path.write_text(TEXT_FAMILIES[family](grids), encoding="utf-8")
        out["text"].append((path, len(chunk)))
    half = len(office_specs) // 2
    for fmt, part in (("xlsx", office_specs[:half]), ("docx", office_specs[half:])):
        for k in range(0, len(part), 50):
            grids = [grid_of(s) for s in part[k:k + 50]]
            path = out_dir / f"mixed_{fmt}_{k // 50:03d}.{fmt}"
            if fmt == "xlsx":
                write_xlsx(path, grids, instructions=k == 0, sheet_per_table=False)
            else:
                write_docx(path, grids)
            out[fmt].append((path, len(grids)))
    jobs = [(out_dir / f"mixed_pdf_{k // 25:03d}.pdf", [grid_of(s) for s in pdf_specs[k:k + 25]])
            for k in range(0, len(pdf_specs), 25)]
    write_pdfs(jobs)
    out["pdf"] = [(path, len(grids)) for path, grids in jobs]
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python tests/make_layouts.py OUT_DIR", file=sys.stderr)
        return 2
    written = write_corpus(argv[0])
    for case in written:
        print(f"{case.family:14} {case.file:40} {len(case.specs)} 张表{'(应拒绝)' if case.refused else ''}")
    print(f"{len(written)} files in {argv[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
