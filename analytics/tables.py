"""Recognising tables in rows of cells, whatever file the rows came from.

Three kinds of table come in (domain.md section 7): the 绩效目标表 (targets), the 绩效自评表 (targets,
actual values, weights and printed scores, a budget block) and the 绩效监控表 (targets, 1-X月 values,
完成目标可能性, a budget block). The kind is told by the title, else by the headers.

Cells are identified by what they contain, never by their column alone (domain.md section 1):
extraction merges and shifts cells, so a 二级 name may stand in the first column and a value in
the third. Where an indicator block has more columns than 一级/二级/三级/指标值, the header row
names them and each row is aligned to it on its 三级 name. Readers (``analytics.readers``) turn
files into :class:`Row` lists; this module turns rows into :class:`ProjectTable` objects or raises
:class:`InputError`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from analytics.model import (
    DEVIATION_CATEGORIES,
    BudgetLine,
    Indicator,
    InputError,
    ProjectTable,
    Row,
)
from analytics.review import review_table
from analytics.values import (
    normalize_text,
    parse_amount,
    parse_date_range,
    parse_period,
    parse_target,
    reads_as_target,
    strip_html,
)
from analytics.vocab import (
    ALTERNATIVE_PARENTS,
    BUDGET_COLUMNS,
    BUDGET_ROWS,
    FOOTER_PREFIXES,
    GOAL_ACTUAL_LABELS,
    LEVEL1_ALIASES,
    LEVEL2_PARENTS,
    PREAMBLE_RE,
    QUALITATIVE_TARGETS,
    TOTAL_LABELS,
    column_role,
    header_field,
    is_level1,
    is_level2,
    kind_of_title,
    label_key,
    months_in,
    points_in,
)

__all__ = ["LEVEL1_ALIASES", "LEVEL2_PARENTS", "label_key", "parse_rows"]

_YEAR_RE = re.compile(r"(\d{4})\s*年度")
_TEMPLATE_PREFIX = re.compile(r"^指标\s*\d+\s*[::、.]?\s*")
_PLACEHOLDER = re.compile(r"^[.…。·\-—_\s]*$")
_PLACEHOLDER_START = frozenset(".…。·-—_ \t")
_GOAL_BLOCK = re.compile(r"^(?:年度)?绩效目标\d+$|^目标\d+$")
_CHECKED = re.compile(r"[■☑√✓▇█]\s*([^■☑√✓□口☐\s]+)")
_CHECKBOX = re.compile(r"[■☑√✓□☐]|口(?=\S)")
_NUMBER_CELL = re.compile(r"^[-+]?\d+(?:\.\d+)?\s*(?:分|%)?$")
_GOAL_EXPECTED = ("预期目标", "全年预期目标", "年度预期目标", "项目年度目标", "年初设定目标")
_SIMPLE_ROLES = frozenset({"level1", "level2", "name", "target"})
# Roles whose cells are free text that may be joined with the row's note.
_LIKELIHOOD_ALIASES = {"确定能": "确定能", "有可能": "有可能", "不可能": "不可能", "完全不可能": "不可能",
                       "能": "确定能", "可能": "有可能"}
_BUDGET_FIGURES = ("initial", "adjusted", "executed", "forecast", "points", "rate", "score")
_NATURE_OPERATORS = {"≥", "≤", "=", ">", "<", "≧", "≦", ">=", "<="}
_TICK = {"√", "✓", "✔", "☑", "■", "是", "v", "V"}


def _decimal(text: str) -> Decimal | None:
    """A printed number (分值, 得分, 总分, 执行率): "10", "9.72", "10分", "97.24%"; None when empty or "—"."""
    s = normalize_text(text).replace(" ", "").replace(",", "")
    if s in ("", "-", "—", "/", "——", "--"):
        return None
    s = s.removesuffix("分").removesuffix("%")
    try:
        d = Decimal(s)
    except InvalidOperation:
        raise ValueError(f"“{text}”不是数字") from None
    if not d.is_finite():
        raise ValueError(f"“{text}”不是数字")
    return d


def _dec(value: object) -> Decimal | None:
    """An amount as an exact Decimal: a float from an older reader is taken by its shortest repr."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return value
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def _checked_options(text: str) -> str:
    """"■当年项目 □上年结转项目" → "当年项目": the ticked options of a checkbox row."""
    if not _CHECKBOX.search(text):
        return text
    picked = _CHECKED.findall(text)
    return "、".join(picked)


@dataclass
class _Column:
    index: int
    role: str
    long_term: bool = False
    label: str = ""  # the header text, for categories and likelihood options


@dataclass
class _Columns:
    """The indicator block's header: which role each position holds."""

    columns: list[_Column]
    width: int
    unknown: list[str] = field(default_factory=list)  # header cells no role was found for
    simple: bool = field(init=False)

    def __post_init__(self) -> None:
        roles = [c.role for c in self.columns if not c.long_term]
        self.simple = (
            set(roles) <= _SIMPLE_ROLES and roles.count("target") <= 1
            and not any(c.long_term for c in self.columns)
        )

    def first(self, role: str, long_term: bool = False) -> _Column | None:
        return next((c for c in self.columns if c.role == role and c.long_term == long_term), None)

    @property
    def has_long_term(self) -> bool:
        return any(c.long_term for c in self.columns)


def _indicator_header(row: Row) -> _Columns | None:
    """The columns of an indicator header row ("一级指标 | 二级指标 | 三级指标 | 指标值 | …"), else None."""
    cols: list[_Column] = []
    unknown: list[str] = []
    for i, cell in enumerate(row.cells):
        text = normalize_text(cell)
        if not text:
            continue
        role = column_role(text)
        if role is None:
            if label_key(text) != "绩效指标":  # the merged label left of the block
                unknown.append(text)
            continue
        long_term = "长期" in text.replace(" ", "") and "年度" not in text.replace(" ", "")
        cols.append(_Column(i, role, long_term, label_key(text)))
    roles = {c.role for c in cols}
    if "name" in roles and ({"level1", "level2", "target"} & roles):
        return _Columns(cols, len(row.cells), unknown)
    return None


def _sub_header(row: Row, columns: _Columns) -> bool:
    """Refine a two-row header (监控表: 偏差原因分析 over 经费保障…其他, 完成目标可能性 over 确定能…)."""
    cells = [(i, normalize_text(c)) for i, c in enumerate(row.cells) if normalize_text(c)]
    if not cells:
        return False
    keys = [label_key(t) for _, t in cells]
    if not all(k in DEVIATION_CATEGORIES or k in _LIKELIHOOD_ALIASES for k in keys):
        return False
    positional = len(row.cells) >= columns.width
    groups = {"category": [c for c in columns.columns if c.role in ("note", "category")],
              "likelihood": [c for c in columns.columns if c.role == "likelihood"]}
    next_at = {g: (cols[0].index if cols else None) for g, cols in groups.items()}
    added: list[_Column] = []
    for (i, _text), key in zip(cells, keys, strict=True):
        group = "category" if key in DEVIATION_CATEGORIES else "likelihood"
        if positional:
            at = i
        else:
            at = next_at[group]
            if at is None:
                continue
            next_at[group] = at + 1
        role = "category" if group == "category" else "option"
        added.append(_Column(at, role, False, key))
    replaced = {c.index for c in added}
    has_categories = any(a.role == "category" for a in added)
    kept = [c for c in columns.columns
            if not (c.index in replaced or (c.role == "likelihood" and added)
                    or (c.role == "note" and c.label.startswith("偏差原因") and has_categories))]
    columns.columns = sorted(kept + added, key=lambda c: c.index)
    return True


def _budget_header(row: Row) -> list[tuple[int, str]] | None:
    """The columns of a budget block header (年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分)."""
    cols = []
    for i, cell in enumerate(row.cells):
        role = BUDGET_COLUMNS.get(label_key(cell))
        if role:
            cols.append((i, role))
    roles = {r for _, r in cols}
    if len(roles & {"initial", "adjusted", "executed", "forecast"}) >= 2:
        return cols
    return None


class _TableBuilder:
    def __init__(self, source: str, kind: str | None, year: int | None, where: str):
        self.source = source
        self.kind = kind
        self.table = ProjectTable(year=year, name="", location=where)
        self.goal_parts: list[str] = []
        self.goal_actual_parts: list[str] = []
        self.goal_cols: list[tuple[int, str]] | None = None
        self.in_goal = False
        self.in_indicators = False
        self.closed = False
        self.expect_sub_header = False
        self.level1 = ""
        self.level2 = ""
        self.level2_explicit = False
        self.expect_end_date = False
        self.has_header_rows = False
        self.columns: _Columns | None = None
        self.budget_cols: list[tuple[int, str]] | None = None
        self.budget_width = 0
        self.budget_label_points: Decimal | None = None
        self.level1_points: dict[str, Decimal] = {}
        self.block = 0
        self.block_points: dict[int, Decimal] = {}
        self.block_of: list[int] = []
        self.long_term_rows = 0
        self.unknown_labels: list[str] = []
        self.funding: dict[str, Decimal | None] = {}
        self.fiscal_parts: list[Decimal] = []
        self.other_parts: list[Decimal] = []
        self.pending_level2_rows: list[int] = []
        self.unreadable_budget: list[tuple[str, str]] = []

    # -- messages -------------------------------------------------------------------------
    @property
    def kind_name(self) -> str:
        return {"selfeval": "绩效自评表", "monitor": "绩效监控表"}.get(self.kind or "", "绩效目标表")

    def fail(self, where: str, reason: str) -> InputError:
        name = f"({self.kind_name}“{self.table.name}”)" if self.table.name else f"({self.kind_name})"
        return InputError(f"文件“{self.source}”{where}{name}:{reason}")

    def warn(self, where: str, text: str) -> None:
        self.table.warnings.append(f"{where}:{text}" if where else text)

    # -- header block -------------------------------------------------------------------
    def header_row(self, row: Row) -> None:
        cells = []
        for c, w in zip(row.cells, row.where, strict=True):
            text = c.strip()
            if not text:
                continue
            # "项目名称:乡镇污水管网维护经费" and "年度资金总额:41.2" hold label and value in one cell.
            head, sep, tail = normalize_text(text).partition(":") if (":" in text or "：" in text) else (text, "", "")
            if sep and tail.strip() and header_field(head):
                cells.extend([(head, w), (tail.strip(), w)])
            else:
                cells.append((text, w))
        if self.budget_cols is not None and self._budget_line(row):
            return
        budget = _budget_header(row) if any("预算" in c or "执行数" in c for c, _ in cells) else None
        if budget:
            self.budget_cols = budget
            self.budget_width = len(row.cells)
            self.in_goal = False
            for c, _w in cells:
                if label_key(c) in ("预算执行情况", "预算执行率", "资金执行情况") and points_in(c):
                    self.budget_label_points = Decimal(points_in(c))
                x = months_in(c)
                if x:
                    self.table.month = x
            return
        labels = [(header_field(c), c, w) for c, w in cells]
        if self.goal_cols is not None and not any(k for k, _, _ in labels):
            self._goal_texts(row)
            return
        if not any(k for k, _, _ in labels):
            self._unlabelled(row, cells)
            return
        self.has_header_rows = True
        self.in_goal = False
        self.expect_end_date = False
        i = 0
        while i < len(labels):
            key, text, where = labels[i]
            if key is None:
                self.unknown_labels.append(text[:20])
                i += 1
                continue
            if key == "group":
                if points_in(text) and "预算" in text:
                    self.budget_label_points = Decimal(points_in(text))
                i += 1
                continue
            value, value_where = "", where
            j = i + 1
            if key == "goal":
                expected = [(k, c) for k, (_, c, _) in enumerate(labels) if label_key(c) in _GOAL_EXPECTED
                            or label_key(c) in GOAL_ACTUAL_LABELS]
                if expected:
                    # "年度总体目标 | 预期目标 | 实际完成情况": the texts follow on the next row.
                    self.goal_cols = self._goal_columns(row)
                    self.in_goal = False
                    return
            if j < len(labels) and labels[j][0] is None:
                value, value_where = labels[j][1], labels[j][2]
                j += 1
            self._assign(key, value, value_where)
            i = j

    def _goal_columns(self, row: Row) -> list[tuple[int, str]]:
        cols = []
        for i, c in enumerate(row.cells):
            k = label_key(c)
            if k in _GOAL_EXPECTED:
                cols.append((i, "goal"))
            elif k in GOAL_ACTUAL_LABELS:
                cols.append((i, "actual"))
                x = months_in(c)
                if x:
                    self.table.month = x
        return cols

    def _goal_texts(self, row: Row) -> None:
        cols = self.goal_cols or []
        texts = [(i, c) for i, c in enumerate(row.cells) if c.strip()]
        if texts and all(label_key(c) in _GOAL_EXPECTED or label_key(c) in GOAL_ACTUAL_LABELS for _, c in texts):
            # The goal block's header continued on another row ("实际完成情况" regrouped apart).
            self.goal_cols = sorted(cols + self._goal_columns(row))
            return
        if len(row.cells) >= max((i for i, _ in cols), default=0) + 1 and len(texts) <= len(cols):
            # Positional: each text under the header cell at or before it.
            for i, text in texts:
                role = next((r for at, r in reversed(cols) if at <= i), cols[0][1] if cols else "goal")
                (self.goal_parts if role == "goal" else self.goal_actual_parts).append(text)
        else:
            for n, (_, text) in enumerate(texts):
                (self.goal_parts if n == 0 else self.goal_actual_parts).append(text)
        self.goal_cols = None

    def _unlabelled(self, row: Row, cells: list[tuple[str, str]]) -> None:
        if self.expect_end_date and len(cells) == 1:
            try:
                start, end = parse_date_range(cells[0][0])
            except ValueError as e:
                raise self.fail(cells[0][1], f"{e};请把项目期写成“2026年1月1日至2026年12月31日”的形式") from None
            self.table.end_date = end or start
            self.expect_end_date = False
            return
        if self.in_goal:
            self.goal_parts.extend(c for c, _ in cells)
            return
        text = " ".join(c for c, _ in cells)
        key = label_key(cells[0][0])
        if key == "绩效指标" or key.startswith("绩效指标"):
            return  # "绩效指标(90分)" heads the indicator block of a Sichuan form
        if key in ("预算执行情况", "预算执行率", "资金执行情况") and points_in(cells[0][0]):
            self.budget_label_points = Decimal(points_in(cells[0][0]))
            return
        if self.table.name:
            self.unknown_labels.append(cells[0][0][:20])
            self.warn(row.row_where, f"无法识别的内容“{text[:40]}”,已略过;如果它是表头标签,请改用标准名称")

    def _assign(self, key: str, value: str, where: str) -> None:
        t = self.table
        v = normalize_text(value)
        try:
            if key == "name":
                t.name = v
            elif key == "department":
                t.department = v
            elif key == "unit":
                t.unit = v
            elif key == "attribute":
                t.attribute = _checked_options(v)
            elif key == "period":
                t.start_date, t.end_date, guessed = parse_period(v, t.year)
                t.warnings.extend(f"{where}:{w}" for w in guessed)
                self.expect_end_date = t.end_date is None and not guessed
            elif key in ("funding_total", "funding_fiscal", "funding_other", "funding_total_any",
                         "funding_fiscal_implied"):
                self.funding[key] = _dec(parse_amount(v))
            elif key == "funding_fiscal_part":
                amount = _dec(parse_amount(v))
                if amount is not None:
                    self.fiscal_parts.append(amount)
            elif key in ("funding_carryover", "funding_other_part"):
                amount = _dec(parse_amount(v))
                if amount is not None:
                    self.other_parts.append(amount)
            elif key == "goal":
                self.in_goal = True
                if v:
                    self.goal_parts.append(value)
        except ValueError as e:
            what = {"period": "项目期", "name": "项目名称"}.get(key, "金额")
            raise self.fail(where, f"{what}无法识别:{e};请改正该单元格后重新导入") from None

    # -- budget block ---------------------------------------------------------------------
    def _budget_line(self, row: Row) -> bool:
        """A row of the budget block ("年度资金总额 | 50 | 50 | 48.62 | 10 | 97.24% | 9.72")."""
        at = next((i for i, c in enumerate(row.cells) if label_key(c) in BUDGET_ROWS), None)
        if at is None:
            return False
        label = BUDGET_ROWS[label_key(row.cells[at])]
        row = self._split_amount_run(row, at, label)
        picked = _budget_alignment(row, at, self.budget_cols or [])
        line = BudgetLine(label)
        try:
            for role, cell, _w in picked:
                if role in ("initial", "adjusted", "executed", "forecast"):
                    setattr(line, role, _dec(parse_amount(cell)))
                else:
                    setattr(line, role, _decimal(cell))
        except ValueError:
            self.unreadable_budget.append((row.row_where, label))
            self.warn(
                row.row_where,
                f"这是{self.kind_name}的预算执行情况行“{label}”,但数字连在一起或无法识别,已略过该行;"
                "请在该行各数字之间加入制表符后重新导入",
            )
            self.table.budget.append(BudgetLine(label))
            return True
        self.table.budget.append(line)
        return True

    def _split_amount_run(self, row: Row, at: int, label: str) -> Row:
        """A sub-row's amounts run together with nothing to check them against ("50.0060.0057.00——"):
        when every amount is printed with two decimals, the cut after each is the only one; it is
        taken, and told as a warning for the user to check."""
        rest = [c.strip() for c in row.cells[at + 1:] if c.strip()]
        amounts = sum(1 for _, role in self.budget_cols or [] if role in ("initial", "adjusted", "executed"))
        if len(rest) != 1 or amounts < 2 or not _AMOUNT_RUN.fullmatch(rest[0]):
            return row
        cells = _CENT_AMOUNT.findall(rest[0])
        if len(cells) != amounts:
            return row
        self.warn(row.row_where, f"预算执行情况行“{label}”的金额连在一起,已按每个金额两位小数拆分为"
                                 f"{'、'.join(cells)},请核对")
        marks = rest[0][sum(len(c) for c in cells):]
        tail = re.findall(r"——|—|--", marks)
        added = [*cells, *tail]
        return Row([*row.cells[: at + 1], *added], [*row.where[: at + 1], *[row.row_where] * len(added)], row.row_where)

    # -- indicator block ----------------------------------------------------------------
    def indicator_row(self, row: Row) -> None:
        cells = [(normalize_text(c), w) for c, w in zip(row.cells, row.where, strict=True) if c.strip()]
        if not cells:
            return
        if self.columns is not None and not self.columns.simple:
            self._extended_row(row)
            return
        level1_here = level2_here = ""
        rest: list[tuple[str, str]] = []
        for idx, (text, where) in enumerate(cells):
            key = label_key(text)
            nxt = label_key(cells[idx + 1][0]) if idx + 1 < len(cells) else ""
            as_level1 = key in LEVEL1_ALIASES and not level1_here and not level2_here and not rest
            if as_level1 and key in LEVEL2_PARENTS and nxt not in LEVEL2_PARENTS:
                as_level1 = False  # "服务对象满意度指标" alone before a name is the 二级
            if as_level1:
                level1_here = LEVEL1_ALIASES[key]
                self._note_points(level1_here, text)
            elif key in LEVEL2_PARENTS and not level2_here and not rest:
                level2_here = text
            else:
                rest.append((text, where))
        if len(rest) == 1 and level2_here and reads_as_target(rest[0][0], self.level1, "", self.table.year):
            # "\t\t服务对象满意度\t≥90%": a 三级 name that happens to equal a 二级 name.
            where = next(w for t, w in cells if t == level2_here)
            rest.insert(0, (level2_here, where))
            level2_here = ""
        self._inherit(level1_here, level2_here, row)
        rest = self._without_leftovers(rest)
        if not rest:
            return
        if len(rest) == 1 and not reads_as_target(rest[0][0], self.level1, "", self.table.year):
            glued = _split_glued(rest[0][0], self.level1, self.table.year)
            if glued:
                self.warn(row.row_where, f"“{rest[0][0][:40]}”中三级指标名称与指标值连在一起,"
                                         f"已拆分为“{glued[0]}”和“{glued[1]}”,请核对")
                rest = [(glued[0], rest[0][1]), (glued[1], rest[0][1])]
        if len(rest) == 1:
            text, where = rest[0]
            if reads_as_target(text, self.level1, "", self.table.year):
                raise self.fail(where, f"指标值“{text}”缺少对应的三级指标名称;请在该行填写三级指标名称后重新导入")
            raise self.fail(
                row.row_where,
                f"三级指标“{text}”缺少指标值(指标值列为空);请在该行填写指标值后重新导入,或删除该行",
            )
        target_text, target_where = rest[-1]
        name = "".join(t for t, _ in rest[:-1])
        self._add(name, target_text, target_where, row, {})

    def _without_leftovers(self, rest: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """Template leftovers: "指标1:" prefixes dropped, "……" placeholder rows ignored."""
        out = []
        for text, where in rest:
            if text[0] in _PLACEHOLDER_START and _PLACEHOLDER.match(text):
                continue
            stripped = _TEMPLATE_PREFIX.sub("", text) if not out and text[0] == "指" else text
            if stripped:
                out.append((stripped, where))
        return out

    def _note_points(self, level1: str, text: str) -> None:
        p = points_in(text) if "分" in text else None
        if p is not None:
            self.level1_points[level1] = Decimal(p)

    def _extended_row(self, row: Row) -> None:
        """A row of an indicator block with more columns than 一级/二级/三级/指标值, aligned to its header."""
        cols = self.columns
        assert cols is not None
        cells = [normalize_text(c) for c in row.cells]
        name_col = min((c for c in cols.columns if c.role == "name"), key=lambda c: c.index)
        anchor = _name_anchor(cells)
        if anchor is None or anchor >= name_col.index:
            if anchor is None:
                self._levels_only(cells, row)
                return
            offset = 0  # positions as printed (trailing empty cells may be cut off)
        else:
            # Cells on the left are missing (merged, or lost in flattened text): anchor the row's
            # first 三级 name on the header's.
            offset = name_col.index - anchor

        def cell(col: _Column | None) -> tuple[str, str]:
            if col is None:
                return "", row.row_where
            i = col.index - offset
            if 0 <= i < len(cells):
                return cells[i], row.where[i]
            return "", row.row_where

        # Levels: the 一级 and 二级 columns, or labels standing left of the name when cells shifted.
        level1_here = level2_here = ""
        l1_text, _ = cell(cols.first("level1"))
        if l1_text and is_level1(l1_text):
            level1_here = LEVEL1_ALIASES[label_key(l1_text)]
            self._note_points(level1_here, l1_text)
        annual_l2 = cols.first("level2")
        l2_text, _ = cell(annual_l2)
        if l2_text and is_level2(l2_text):
            level2_here = l2_text
        # Labels standing left of the leftmost 二级/三级 column (cells shifted by merges).
        left = min((c.index for c in cols.columns if c.role in ("level2", "name")), default=0) - offset
        for c in cells[: max(0, left)]:
            if not level1_here and is_level1(c) and not is_level2(c):
                level1_here = LEVEL1_ALIASES[label_key(c)]
                self._note_points(level1_here, c)
            elif not level2_here and annual_l2 is None and is_level2(c):
                level2_here = c
        if cols.has_long_term:
            long_name, _ = cell(cols.first("name", long_term=True))
            if long_name:
                self.long_term_rows += 1
        self._inherit(level1_here, level2_here, row)
        name, name_where = cell(cols.first("name"))
        name = _TEMPLATE_PREFIX.sub("", name)
        if not name or _PLACEHOLDER.match(name):
            return
        fields: dict[str, str] = {}
        notes: list[str] = []
        for col in cols.columns:
            if col.long_term or col.role in ("level1", "level2", "name"):
                continue
            text, _w = cell(col)
            if not text:
                continue
            if col.role == "category":
                fields["category"] = col.label
                if text not in _TICK:
                    notes.append(text)
            elif col.role == "option":
                if text in _TICK or label_key(text) in _LIKELIHOOD_ALIASES:
                    fields["likelihood"] = _LIKELIHOOD_ALIASES.get(col.label, col.label)
            elif col.role == "note":
                notes.append(text)
            elif col.role == "target" and "target" in fields:
                continue  # a second target column (another year's) never replaces the first
            else:
                fields.setdefault(col.role, text)
        if notes:
            fields["note"] = ";".join(notes)
        target_col = cols.first("target")
        target_text, target_where = cell(target_col)
        if not target_text and fields.get("prior"):
            target_text = fields["prior"]
            self.warn(row.row_where, f"三级指标“{name}”本年指标值为空,按表中上年值“{target_text}”作为目标,请核对")
        if not target_text and _RUN_ON_VALUES.search(name) and not any(fields.values()):
            # cells run together that no split made consistent (text pasted without separators):
            # the row is told and left out, the rest of the table imported (domain.md section 7)
            self.warn(row.row_where, f"三级指标“{name[:40]}”一行的各列连在一起,无法确定如何拆分,已略过该行;"
                                     "请在该行各单元格之间加入制表符后重新导入")
            return
        if not target_text:
            raise self.fail(
                row.row_where,
                f"三级指标“{name}”缺少指标值(“{target_col.label if target_col else '指标值'}”列为空);"
                "请在该行填写指标值后重新导入,或删除该行",
            )
        nature = fields.get("nature", "")
        unit = fields.get("unit", "")
        if nature in _NATURE_OPERATORS and target_text[:1].isdigit():
            target_text = nature + target_text
        if unit and re.search(r"\d$", target_text):
            target_text += unit
        self._add(name, target_text, target_where, row, fields, name_where)

    def _levels_only(self, cells: list[str], row: Row) -> None:
        """A row holding only level labels (a merged label on a line of its own)."""
        level1_here = level2_here = ""
        for c in cells:
            if c and not level1_here and is_level1(c) and not is_level2(c):
                level1_here = LEVEL1_ALIASES[label_key(c)]
                self._note_points(level1_here, c)
            elif c and not level2_here and is_level2(c):
                level2_here = c
        self._inherit(level1_here, level2_here, row)

    def _add(self, name: str, target_text: str, target_where: str, row: Row, fields: dict[str, str],
             name_where: str = "") -> None:
        try:
            target = parse_target(target_text, self.level1, name, self.table.year)
        except ValueError as e:
            raise self.fail(
                target_where,
                f"三级指标“{name}”的指标值无法识别:{e};请按“≥95%”“=1次”“2026年12月31日”等形式改正后重新导入",
            ) from None
        if not self.level1:
            raise self.fail(
                row.row_where, f"三级指标“{name}”之前没有一级指标;请在该行填写一级指标(如“产出指标”)后重新导入"
            )
        ind = Indicator(self.level1, _clean_level2(self.level2), name, target, row.row_where)
        try:
            ind.weight = _decimal(fields["weight"]) if fields.get("weight") else None
            ind.printed_score = _decimal(fields["score"]) if fields.get("score") else None
        except ValueError as e:
            raise self.fail(row.row_where, f"三级指标“{name}”的分值或得分{e};请只填写数字后重新导入") from None
        ind.actual_text = fields.get("actual", "")
        ind.note = fields.get("note", "")
        ind.remark = fields.get("remark", "")
        ind.standard = fields.get("standard", "")
        ind.nature = fields.get("nature", "")
        ind.prior_value = fields.get("prior", "")
        ind.forecast_text = fields.get("forecast", "")
        ind.deviation_category = fields.get("category", "")
        likelihood = fields.get("likelihood", "")
        if likelihood:
            canonical = _LIKELIHOOD_ALIASES.get(label_key(likelihood))
            if canonical is None:
                self.warn(row.row_where, f"三级指标“{name}”的完成目标可能性“{likelihood}”无法识别,已略过")
            ind.likelihood = canonical or ""
        if not self.level2_explicit:
            self.pending_level2_rows.append(len(self.table.indicators))
        self.table.indicators.append(ind)
        self.block_of.append(self.block)

    def _inherit(self, level1_here: str, level2_here: str, row: Row) -> None:
        if level1_here and level1_here != self.level1:
            # A repeated or vertically centred 一级 label of the current block changes nothing.
            self.pending_level2_rows = []
            self.level1 = level1_here
            self.level2 = ""
            self.level2_explicit = False
        if level2_here:
            parent = LEVEL2_PARENTS[label_key(level2_here)]
            allowed = {parent} | ALTERNATIVE_PARENTS.get(label_key(level2_here), set())
            if level1_here and level1_here not in allowed:
                self.table.warnings.append(
                    f"{row.row_where}:二级指标“{level2_here}”通常不属于一级指标“{level1_here}”"
                )
            elif not level1_here and self.level1 not in allowed:
                self.level1 = parent
                self.pending_level2_rows = []
            # A 二级 label centred in its block: the rows above it that had none belong to it.
            for i in self.pending_level2_rows:
                ind = self.table.indicators[i]
                if ind.level1 == self.level1 and not ind.level2:
                    ind.level2 = _clean_level2(level2_here)
            self.pending_level2_rows = []
            self.level2 = level2_here
            self.level2_explicit = True

    # -- the rest of the table --------------------------------------------------------------
    def total_row(self, row: Row) -> None:
        numbers = []
        for c in row.cells:
            try:
                d = _decimal(c)
            except ValueError:
                continue
            if d is not None:
                numbers.append(d)
        if numbers:
            self.table.printed_total = numbers[-1]
        self.closed = True

    def goal_block(self, row: Row, text: str) -> None:
        """"年度绩效目标1(40分) | 目标内容" inside the indicator block: a new block of indicators."""
        self.block += 1
        p = points_in(text)
        if p is not None:
            self.block_points[self.block] = Decimal(p)
        rest = [c for c in row.cells if c.strip()][1:]
        if self.in_indicators and any(is_level1(c) or is_level2(c) for c in rest):
            # "年度绩效目标1(40分) | 产出指标 | 数量指标 | …": the label leads the block's first indicator.
            at = next(i for i, c in enumerate(row.cells) if c.strip())
            self.indicator_row(Row(["" if i == at else c for i, c in enumerate(row.cells)], row.where,
                                   row.row_where))
            return
        self.goal_parts.extend(rest)

    def finish(self) -> ProjectTable:
        t = self.table
        t.kind = self.kind or self._kind_from_content()
        if not t.name:
            raise self.fail(t.location, "缺少项目名称;表格应以“项目名称”行开始,请补上该行后重新导入")
        if t.year is None:
            if t.end_date is None:
                raise self.fail(
                    t.location,
                    "无法确定年度(标题中没有“XXXX年度”,也没有项目日期);请在标题下加一行“(2026年度)”后重新导入",
                )
            t.year = t.end_date.year
            t.warnings.append(f"标题中没有年度,按项目结束日期取{t.year}年度")
        if not t.indicators:
            raise self.fail(
                t.location,
                "没有任何指标行(一级/二级/三级指标和指标值);请检查指标表头行“一级指标 二级指标 三级指标 指标值”",
            )
        if self.long_term_rows:
            t.warnings.append(f"表中的{self.long_term_rows}个长期指标未导入,只导入了年度指标")
        if not t.department:
            found = "、".join(dict.fromkeys(self.unknown_labels)) or "无"
            t.warnings.append(
                f"未读到主管部门(表头中未识别的标签:{found});该项目按无主管部门存放,不会与其他部门的同名项目合并"
            )
        readable = [b for b in t.budget if any(getattr(b, k) is not None for k in _BUDGET_FIGURES)]
        if self.unreadable_budget and not readable:
            where, label = self.unreadable_budget[0]
            raise self.fail(
                where,
                f"这是{self.kind_name}的预算执行情况行“{label}”,但数字连在一起无法拆分,表中也没有其他可读的预算行;"
                "请在该行各数字之间加入制表符后重新导入",
            )
        t.goal_text = strip_html("\n".join(self.goal_parts))
        t.goal_actual = strip_html("\n".join(self.goal_actual_parts))
        self._funding()
        self._weights()
        if t.kind == "monitor" and t.month is None:
            x = next((months_in(c.label) for c in (self.columns.columns if self.columns else []) if months_in(c.label)),
                     None)
            t.month = x
            if x is None:
                t.warnings.append("监控表中没有读到“1-X月”的截止月份,执行情况未按月份截止")
        t.warnings.extend(review_table(t))
        return t

    def _kind_from_content(self) -> str:
        t = self.table
        if t.month is not None or any(i.likelihood or i.forecast_text for i in t.indicators):
            return "monitor"
        if t.budget or any(i.actual_text or i.printed_score is not None for i in t.indicators):
            return "selfeval"
        return "target"

    def _funding(self) -> None:
        t = self.table
        f = self.funding
        total = f.get("funding_total")
        if total is None:
            total = f.get("funding_total_any")
        fiscal = f.get("funding_fiscal")
        if fiscal is None and self.fiscal_parts:
            fiscal = sum(self.fiscal_parts, Decimal(0))
        other = f.get("funding_other")
        if other is None and self.other_parts:
            other = sum(self.other_parts, Decimal(0))
        elif other is not None and self.other_parts:
            other = Decimal(other) + sum(self.other_parts, Decimal(0))
        implied = f.get("funding_fiscal_implied")
        if implied is not None:
            fiscal = implied
            if total is not None and other is None:
                other = Decimal(total) - Decimal(implied)
                t.warnings.append(f"其他资金按年度资金总额减当年市级财政资金推算为{other:.2f}万元,请核对")
        if t.budget:
            lines = {b.label: b for b in t.budget}

            def amount(label: str) -> Decimal | None:
                b = lines.get(label)
                if b is None:
                    return None
                return b.initial if b.initial is not None else b.adjusted

            subtotal = [amount(k) for k in ("当年财政拨款", "上年结转资金", "财政专户管理资金", "单位资金", "其他资金")]
            parts = sum((a for a in subtotal if a is not None), Decimal(0))
            line_total = amount("年度资金总额")
            total_line = lines.get("年度资金总额")
            zero_total = total_line is not None and all(
                (getattr(total_line, k) or 0) == 0 for k in ("initial", "adjusted", "executed")
            )
            if zero_total and parts > 0:
                t.warnings.append(
                    f"年度资金总额行全部为0,已按其中各项资金之和{parts:.2f}万元计算年度资金总额,请核对"
                )
                line_total = parts
                for k in ("initial", "adjusted", "executed"):
                    setattr(total_line, k, sum((getattr(b, k) or Decimal(0) for b in t.budget
                                                if b.label != "年度资金总额"), Decimal(0)))
            if line_total is not None:
                total = line_total
            if amount("当年财政拨款") is not None:
                fiscal = amount("当年财政拨款")
            others = [a for a in (amount(k) for k in ("上年结转资金", "财政专户管理资金", "单位资金", "其他资金"))
                      if a is not None]
            if others:
                other = sum(others, Decimal(0))
            points = [b.points for b in t.budget if b.points is not None]
            if points:
                t.budget_points = points[0]
        if t.budget_points is None and self.budget_label_points is not None:
            t.budget_points = self.budget_label_points
        t.funding_total = None if total is None else Decimal(total)
        t.funding_fiscal = None if fiscal is None else Decimal(fiscal)
        t.funding_other = Decimal(other) if other is not None else Decimal(0)

    def _weights(self) -> None:
        """Weights from the points a 自评表 prints: per indicator, else per 一级 label or goal block."""
        t = self.table
        if t.kind != "selfeval":
            return
        inds = t.indicators
        if self.block_points and all(i.weight is None for i in inds):
            for block, points in self.block_points.items():
                members = [i for i, b in zip(inds, self.block_of, strict=True) if b == block]
                for i in members:
                    i.weight = points / len(members)
        for level1, points in self.level1_points.items():
            members = [i for i in inds if i.level1 == level1 or (level1 == "产出指标" and i.level1 == "成本指标")]
            if not members:
                continue
            if all(i.weight is None for i in members):
                for i in members:
                    i.weight = points / len(members)
            else:
                given = sum((i.weight or Decimal(0) for i in members), Decimal(0))
                if given != points:
                    t.warnings.append(
                        f"一级指标“{level1}”标明{points:g}分,但其三级指标分值合计{given:g}分;按各指标分值计分,请核对"
                    )


_GLUED_QUANTITY = re.compile(r"^(?P<name>.*?[^\d.,≥≤=<>≧≦])(?P<value>[≥≤=<>≧≦]?\d[\d,]*(?:\.\d+)?[^\d\s.,]{1,5})$")


# Amounts in 万元 printed with two decimals and run together, then the dashes of empty cells.
_CENT_AMOUNT = re.compile(r"(?:0|[1-9]\d*)\.\d{2}")
_AMOUNT_RUN = re.compile(r"(?:(?:0|[1-9]\d*)\.\d{2}){2,}(?:——|—|--)*")
# A name followed by two or more figures run into it ("…数量≥8处83030.00"): not a name alone.
_RUN_ON_VALUES = re.compile(r"[^\d\s][≥≤=<>]?\d[^\d]{0,8}\d")


def _name_anchor(cells: list[str]) -> int | None:
    """Where a record's 三级 name stands: the first cell that is no level label. A name that
    reads like a 二级 label ("服务对象满意度" under "服务对象满意度") is the third label of
    a row, or the second after a 二级 one; None for a row of level labels only."""
    levels: list[int] = []
    other = None
    for i, c in enumerate(cells):
        if not c:
            continue
        if not (is_level1(c) or is_level2(c)):
            other = i
            break
        levels.append(i)
    if other is None:
        return None  # level labels only (a merged label on a row of its own)
    if len(levels) == 3 or (len(levels) == 2 and not is_level1(cells[levels[0]])):
        return levels[-1] if is_level2(cells[levels[-1]]) else other
    return other


def _split_glued(text: str, level1: str, year: int | None) -> tuple[str, str] | None:
    """A 三级 name with its value run into it: "新建污水管网长度12公里", "乡镇水环境质量明显改善"."""
    m = _GLUED_QUANTITY.match(text)
    if m and len(m.group("name")) >= 2 and reads_as_target(m.group("value"), level1, m.group("name"), year):
        return m.group("name"), m.group("value")
    for phrase in QUALITATIVE_TARGETS:
        if text.endswith(phrase) and len(text) - len(phrase) >= 4:
            return text[: -len(phrase)], phrase
    return None


@lru_cache(maxsize=4096)  # a handful of 二级 spellings, asked once per indicator
def _clean_level2(text: str) -> str:
    """A 二级 name as written, without spaces and without the points it may carry ("数量指标(20分)")."""
    s = normalize_text(text).replace(" ", "")
    return re.sub(r"\(\s*\d+(?:\.\d+)?\s*分\s*\)$", "", s)


def _budget_fit(picked: list[tuple[str, str, str]]) -> int:
    """How well the cells fit their budget columns: amounts where amounts go, "—" where points go."""
    fit = 0
    for role, cell, _w in picked:
        text = normalize_text(cell).replace(" ", "")
        if not text:
            continue
        if text in ("—", "-", "——", "/"):
            fit += 1 if role in ("points", "score", "rate") else -2
            continue
        try:
            value = _decimal(text)
        except ValueError:
            fit -= 3
            continue
        if role == "rate" and not text.endswith("%") and value is not None and value > 1:
            fit -= 1
        elif role == "points" and (text.endswith("%") or value is None or value != value.to_integral_value()
                                   or not 0 < value <= 50):
            fit -= 3  # points are whole numbers such as 10 or 20
        else:
            fit += 2
    return fit


def _budget_alignment(row: Row, at: int, cols: list[tuple[int, str]]) -> list[tuple[str, str, str]]:
    """The budget row's cells under the header's columns.

    As printed when the positions agree; text regrouped from a stream of cells may be shifted by
    an empty cell or have lost its empties, so the shifts and the plain sequence after the label
    are tried too and the one whose cells fit their columns best wins (positions first on a tie).
    """
    candidates = []
    for shift in (0, 1, -1, 2, -2):
        picked = [(role, row.cells[i + shift], row.where[i + shift]) for i, role in cols
                  if at < i + shift < len(row.cells)]
        candidates.append(picked)
    rest = [(c, w) for c, w in zip(row.cells[at + 1:], row.where[at + 1:], strict=True) if c.strip()]
    candidates.append([(role, c, w) for (_, role), (c, w) in zip(cols, rest, strict=False)])

    def fit(picked: list[tuple[str, str, str]]) -> int:
        left_out = len(rest) - sum(1 for _, c, _w in picked if c.strip())
        return _budget_fit(picked) - 3 * left_out  # a cell of the row must land somewhere

    return max(candidates, key=fit)


def _is_footer(joined: str) -> bool:
    return joined.startswith(FOOTER_PREFIXES)


def _may_be_indicator_header(joined: str) -> bool:
    """A cheap test before the cell-by-cell one: every header names its 三级 column."""
    return "三级" in joined or "指标名称" in joined or "指标内容" in joined


def parse_rows(rows: list[Row], source: str) -> list[ProjectTable]:
    """All tables found in a file's rows; the first bad table fails the whole file."""
    tables: list[ProjectTable] = []
    current: _TableBuilder | None = None
    pending_year: int | None = None
    pending_kind: str | None = None
    pending_where = ""
    skipped: list[str] = []
    first_text = ""

    def close() -> None:
        nonlocal current
        if current is not None:
            tables.append(current.finish())
            current = None

    for row in rows:
        texts = [normalize_text(c) for c in row.cells if c and c.strip()]
        if not texts:
            continue
        first_text = first_text or texts[0]
        joined = "".join(texts).replace(" ", "")
        year_match = _YEAR_RE.search(joined)
        title = kind_of_title(joined) if len(texts) <= 2 and "表" in joined else None
        if title:
            close()
            pending_kind = title
            pending_year = int(year_match.group(1)) if year_match else None
            pending_where = row.row_where
            continue
        if year_match and len(texts) == 1 and len(joined) <= 12:
            # "(2026年度)" on its own line belongs to the title above or the table below.
            if current is not None and not current.has_header_rows:
                current.table.year = int(year_match.group(1))
            else:
                pending_year = int(year_match.group(1))
            continue
        if _is_footer(joined):
            if current is not None and current.table.name:
                close()
            continue
        if len(texts) == 1 and PREAMBLE_RE.match(joined):
            continue  # "附件2", "单位:万元", a page number: print furniture, wherever it stands
        first = label_key(texts[0])
        if header_field(texts[0]) == "name" or (first.startswith("项目名称") and len(texts) == 1):
            if current is not None and current.table.name:
                close()
            if current is None:
                current = _TableBuilder(source, pending_kind, pending_year, pending_where or row.row_where)
            pending_year, pending_kind, pending_where = None, None, ""
        if current is None:
            if pending_kind is None:
                skipped.append(row.row_where)
            continue
        if current.closed:
            continue
        if first in TOTAL_LABELS and current.in_indicators:
            current.total_row(row)
            continue
        if _GOAL_BLOCK.match(first):
            current.goal_block(row, texts[0])
            continue
        header = _indicator_header(row) if _may_be_indicator_header(joined) else None
        if header is not None:
            if current.columns is None or not current.in_indicators:
                current.columns = header
                for text in header.unknown:
                    current.warn(row.row_where, f"指标表头中的“{text[:20]}”列无法识别,该列内容未导入")
            current.in_indicators = True
            current.in_goal = False
            current.expect_sub_header = True
            x = next((months_in(c) for c in row.cells if months_in(c)), None)
            if x:
                current.table.month = x
            continue
        if current.in_indicators:
            if current.expect_sub_header:
                current.expect_sub_header = False
                if current.columns is not None and _sub_header(row, current.columns):
                    continue
            if header_field(texts[0]) == "goal" and len(texts) <= 2:
                current.goal_block(row, texts[0])
                continue
            current.indicator_row(row)
        else:
            current.header_row(row)
    close()
    if not tables:
        shown = f"第一行内容是“{first_text[:30]}”" if first_text else "文件中没有文字"
        raise InputError(
            f"文件“{source}”中没有找到绩效目标表、绩效自评表或绩效监控表({shown});"
            "表格应以标题(如“项目支出绩效目标表”)或“项目名称”行开始,请检查文件内容后重新导入"
        )
    if skipped and tables:
        tables[0].warnings.append(
            f"文件开头{skipped[0]}至{skipped[-1]}的内容不属于任何表格(可能是上一张表的末尾),已略过"
        )
    return tables
