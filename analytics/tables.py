"""Recognising target tables in rows of cells, whatever file the rows came from.

Cells are identified by what they contain, never by their column alone (domain.md section 1):
extraction merges and shifts cells, so a 二级 name may stand in the first column and a value in
the third. Readers (``analytics.readers``) turn files into :class:`Row` lists; this module
turns rows into :class:`ProjectTable` objects or raises :class:`InputError`.
"""

from __future__ import annotations

import re
from functools import lru_cache

from analytics.model import Indicator, InputError, ProjectTable, Row
from analytics.review import review_table
from analytics.values import (
    normalize_text,
    parse_amount,
    parse_date_range,
    parse_target,
    reads_as_target,
    strip_html,
)

LEVEL1_ALIASES = {
    "成本指标": "成本指标",
    "产出指标": "产出指标",
    "效益指标": "效益指标",
    "满意度指标": "满意度指标",
    "满意度": "满意度指标",
    "服务对象满意度指标": "满意度指标",
}
LEVEL2_PARENTS = {
    "经济成本指标": "成本指标",
    "社会成本指标": "成本指标",
    "生态环境成本指标": "成本指标",
    "成本指标": "产出指标",
    "数量指标": "产出指标",
    "质量指标": "产出指标",
    "时效指标": "产出指标",
    "经济效益": "效益指标",
    "社会效益": "效益指标",
    "生态效益": "效益指标",
    "可持续影响": "效益指标",
    "服务对象满意度": "满意度指标",
}
for _name, _parent in list(LEVEL2_PARENTS.items()):
    if not _name.endswith("指标"):
        LEVEL2_PARENTS[_name + "指标"] = _parent
# Some provinces put cost indicators under 产出指标 (domain.md section 1): accept both parents.
ALTERNATIVE_PARENTS = {
    "成本指标": {"产出指标"},
    "经济成本指标": {"产出指标"},
    "社会成本指标": {"产出指标"},
    "生态环境成本指标": {"产出指标"},
}

TITLE = "项目支出绩效目标表"
_YEAR_RE = re.compile(r"(\d{4})\s*年度")
_LABELS = {
    "项目名称": "name",
    "主管部门": "department",
    "实施单位": "unit",
    "项目属性": "attribute",
    "项目日期范围": "period",
    "项目期": "period",
    "项目起止日期": "period",
    "项目周期": "period",
    "项目期限": "period",
    "年度资金总额": "funding_total",
    "财政拨款": "funding_fiscal",
    "其他资金": "funding_other",
    "年度绩效目标": "goal",
    "项目资金": "group",
    "年度目标": "goal",
}


@lru_cache(maxsize=8192)  # pure, and asked several times per row for the same few labels and names
def label_key(text: str) -> str:
    """A cell reduced for comparison with labels: no spaces, no parenthesised units, no 其中."""
    s = normalize_text(text).replace(" ", "")
    s = re.sub(r"\(.*?\)", "", s)
    s = s.removeprefix("其中:").removeprefix("其中")
    return s.rstrip(":")


def _label_of(text: str) -> str | None:
    return _LABELS.get(label_key(text))


def is_level1(text: str) -> bool:
    return label_key(text) in LEVEL1_ALIASES


def is_level2(text: str) -> bool:
    return label_key(text) in LEVEL2_PARENTS


class _TableBuilder:
    def __init__(self, source: str, year: int | None, where: str):
        self.source = source
        self.table = ProjectTable(year=year, name="", location=where)
        self.goal_parts: list[str] = []
        self.in_goal = False
        self.in_indicators = False
        self.level1 = ""
        self.level2 = ""
        self.expect_end_date = False
        self.has_header_rows = False

    def fail(self, where: str, reason: str) -> InputError:
        name = f"(项目“{self.table.name}”)" if self.table.name else ""
        return InputError(f"文件“{self.source}”{where}{name}:{reason}")

    # -- header block -------------------------------------------------------------------
    def header_row(self, row: Row) -> None:
        cells = [(c, w) for c, w in zip(row.cells, row.where, strict=True) if c.strip()]
        labels = [(_label_of(c), c, w) for c, w in cells]
        if not any(k for k, _, _ in labels):
            self._unlabelled(row, cells)
            return
        self.has_header_rows = True
        self.in_goal = False
        self.expect_end_date = False
        i = 0
        while i < len(labels):
            key, _text, where = labels[i]
            if key is None or key == "group":
                i += 1
                continue
            value, value_where = "", where
            j = i + 1
            if j < len(labels) and labels[j][0] is None:
                value, value_where = labels[j][1], labels[j][2]
                j += 1
            self._assign(key, value, value_where)
            i = j

    def _unlabelled(self, row: Row, cells: list[tuple[str, str]]) -> None:
        if self.expect_end_date and len(cells) == 1:
            try:
                start, end = parse_date_range(cells[0][0])
            except ValueError as e:
                raise self.fail(cells[0][1], str(e)) from None
            self.table.end_date = end or start
            self.expect_end_date = False
            return
        if self.in_goal:
            self.goal_parts.extend(c for c, _ in cells)
            return
        if self.table.name:
            raise self.fail(row.row_where, f"无法识别的内容“{' '.join(c for c, _ in cells)[:40]}”")

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
                t.attribute = v
            elif key == "period":
                t.start_date, t.end_date = parse_date_range(v)
                self.expect_end_date = t.end_date is None
            elif key == "funding_total":
                t.funding_total = parse_amount(v)
            elif key == "funding_fiscal":
                t.funding_fiscal = parse_amount(v)
            elif key == "funding_other":
                t.funding_other = parse_amount(v) or 0.0
            elif key == "goal":
                self.in_goal = True
                if v:
                    self.goal_parts.append(value)
        except ValueError as e:
            raise self.fail(where, str(e)) from None

    # -- indicator block ----------------------------------------------------------------
    def indicator_row(self, row: Row) -> None:
        cells = [(normalize_text(c), w) for c, w in zip(row.cells, row.where, strict=True) if c.strip()]
        if not cells:
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
        if not rest:
            return
        if len(rest) == 1:
            text, where = rest[0]
            if reads_as_target(text, self.level1, "", self.table.year):
                raise self.fail(where, f"指标值“{text}”缺少对应的三级指标名称")
            raise self.fail(row.row_where, f"三级指标“{text}”缺少指标值(指标值列为空)")
        target_text, target_where = rest[-1]
        name = "".join(t for t, _ in rest[:-1])
        try:
            target = parse_target(target_text, self.level1, name, self.table.year)
        except ValueError as e:
            raise self.fail(target_where, f"三级指标“{name}”的指标值无法识别:{e}") from None
        if not self.level1:
            raise self.fail(row.row_where, f"三级指标“{name}”之前没有一级指标")
        self.table.indicators.append(Indicator(self.level1, self.level2, name, target, row.row_where))

    def _inherit(self, level1_here: str, level2_here: str, row: Row) -> None:
        if level1_here:
            self.level1 = level1_here
            self.level2 = ""
        if level2_here:
            parent = LEVEL2_PARENTS[label_key(level2_here)]
            allowed = {parent} | ALTERNATIVE_PARENTS.get(label_key(level2_here), set())
            if level1_here and level1_here not in allowed:
                self.table.warnings.append(
                    f"{row.row_where}:二级指标“{level2_here}”通常不属于一级指标“{level1_here}”"
                )
            elif not level1_here and self.level1 not in allowed:
                self.level1 = parent
            self.level2 = level2_here

    def finish(self) -> ProjectTable:
        t = self.table
        if not t.name:
            raise self.fail(t.location, "缺少项目名称")
        if t.year is None:
            if t.end_date is None:
                raise self.fail(t.location, "无法确定年度(标题中没有“XXXX年度”,也没有项目日期)")
            t.year = t.end_date.year
            t.warnings.append(f"标题中没有年度,按项目结束日期取{t.year}年度")
        if not t.indicators:
            raise self.fail(t.location, "没有任何指标行(一级/二级/三级指标和指标值)")
        t.goal_text = strip_html("\n".join(self.goal_parts))
        t.warnings.extend(review_table(t))
        return t


def parse_rows(rows: list[Row], source: str) -> list[ProjectTable]:
    """All tables found in a file's rows; the first bad table fails the whole file."""
    tables: list[ProjectTable] = []
    current: _TableBuilder | None = None
    pending_year: int | None = None
    pending_where = ""

    def close() -> None:
        nonlocal current
        if current is not None:
            tables.append(current.finish())
            current = None

    for row in rows:
        texts = [normalize_text(c) for c in row.cells if c and c.strip()]
        if not texts:
            continue
        joined = "".join(texts).replace(" ", "")
        year_match = _YEAR_RE.search(joined)
        if TITLE in joined:
            close()
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
        if joined.startswith("注:") or joined.startswith("备注:"):
            close()
            continue
        first = label_key(texts[0])
        if first == "项目名称":
            if current is not None and current.table.name:
                close()
            if current is None:
                current = _TableBuilder(source, pending_year, pending_where or row.row_where)
            pending_year, pending_where = None, ""
        if current is None:
            raise InputError(f"文件“{source}”{row.row_where}:表格开头应为“项目名称”,却是“{texts[0][:30]}”")
        keys = {label_key(t) for t in texts}
        if "一级指标" in keys and "三级指标" in keys:
            current.in_indicators = True
            current.in_goal = False
            continue
        if current.in_indicators:
            current.indicator_row(row)
        else:
            current.header_row(row)
    close()
    if not tables:
        raise InputError(f"文件“{source}”中没有找到项目支出绩效目标表(缺少“项目名称”行)")
    return tables
