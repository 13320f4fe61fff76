"""The words of the tables: labels, column headers, titles and boilerplate (domain.md sections 1, 7).

One place for every spelling the readers recognise, so that the row parser
(:mod:`analytics.tables`) and the text splitter (:mod:`analytics.textlayout`) agree on them.
All keys are in the form :func:`label_key` gives: simplified, NFKC, no spaces, no parenthesised
notes, no leading 其中.
"""

from __future__ import annotations

import re
from functools import lru_cache

from analytics.values import normalize_text

# -- indicator levels (domain.md section 1) --------------------------------------------------
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

# -- table kinds, by title ------------------------------------------------------------------
# Checked in this order against a title row with spaces removed: the first match names the kind.
KIND_TITLES: tuple[tuple[str, str], ...] = (
    ("自评表", "selfeval"),
    ("自评价表", "selfeval"),
    ("监控表", "monitor"),
    ("监控情况表", "monitor"),
    ("执行监控", "monitor"),
    ("目标表", "target"),
    ("申报表", "target"),
    ("批复表", "target"),
    ("绩效目标", "target"),
)

# -- header block labels --------------------------------------------------------------------
# label_key(cell) -> field. "group" marks a label that only heads other labels (项目资金).
HEADER_LABELS = {
    "项目名称": "name",
    "主管部门": "department",
    "项目主管部门": "department",
    "主管部门及编码": "department",
    "主管部门及代码": "department",
    "部门名称": "department",
    "预算部门": "department",
    "实施单位": "unit",
    "项目实施单位": "unit",
    "项目执行单位": "unit",
    "执行单位": "unit",
    "项目单位": "unit",
    "项目属性": "attribute",
    "项目类型": "attribute",
    "项目日期范围": "period",
    "项目期": "period",
    "项目起止日期": "period",
    "项目起止时间": "period",
    "项目周期": "period",
    "项目期限": "period",
    "项目实施期": "period",
    "实施期限": "period",
    "年度资金总额": "funding_total",
    "当年资金总额": "funding_total",
    "项目金额": "funding_total",
    "资金总额": "funding_total_any",  # a project-period total: the annual one wins when both exist
    "财政拨款": "funding_fiscal",
    "当年财政拨款": "funding_fiscal",
    "本年财政拨款": "funding_fiscal",
    "财政资金": "funding_fiscal",
    "当年一般公共预算拨款": "funding_fiscal",
    "一般公共预算拨款": "funding_fiscal",
    "当年市级财政资金": "funding_fiscal_implied",  # other funds are then total − fiscal
    "上级资金": "funding_fiscal_part",
    "区级资金": "funding_fiscal_part",
    "县级资金": "funding_fiscal_part",
    "市级资金": "funding_fiscal_part",
    "上年结转资金": "funding_carryover",
    "财政专户管理资金": "funding_other_part",
    "单位资金": "funding_other_part",
    "其他资金": "funding_other",
    "年度绩效目标": "goal",
    "年度目标": "goal",
    "总体目标": "goal",
    "年度总体目标": "goal",
    "项目年度目标": "goal",
    "绩效目标": "goal",
    "项目资金": "group",
    "项目资金情况": "group",
    "资金情况": "group",
}

# -- indicator block column headers ------------------------------------------------------------
# label_key(header cell) -> column role. Roles: level1 level2 name target actual weight score note
# remark standard nature unit prior forecast likelihood category.
COLUMN_HEADERS = {
    "一级指标": "level1",
    "二级指标": "level2",
    "三级指标": "name",
    "指标名称": "name",
    "指标内容": "name",
    "指标值": "target",
    "年度指标值": "target",
    "指标目标值": "target",
    "目标值": "target",
    "年初目标值": "target",
    "预期目标值": "target",
    "全年目标值": "target",
    "实际完成值": "actual",
    "完成值": "actual",
    "全年实际值": "actual",
    "实际值": "actual",
    "全年完成值": "actual",
    "1-X月执行情况": "actual",  # normalised from 1-6月执行情况, 1—7月执行情况 ... by column_role
    "分值": "weight",
    "权重": "weight",
    "指标分值": "weight",
    "得分": "score",
    "偏差原因分析及改进措施": "note",
    "偏差原因分析": "note",
    "偏差原因": "note",
    "未完成原因分析": "note",
    "未完成原因": "note",
    "原因分析": "note",
    "相关建议或举措": "note",
    "改进措施": "note",
    "完成情况说明": "note",
    "备注": "remark",
    "绩效标准": "standard",
    "指标标准或依据": "standard",
    "指标标准": "standard",
    "评价标准": "standard",
    "指标解释": "standard",
    "指标性质": "nature",
    "指标方向": "nature",
    "度量单位": "unit",
    "计量单位": "unit",
    "单位": "unit",
    "全年预计完成情况": "forecast",
    "全年预计完成值": "forecast",
    "完成目标可能性": "likelihood",
    "经费保障": "category",
    "制度保障": "category",
    "人员保障": "category",
    "硬件条件保障": "category",
    "其他": "category",
}
_MONTHS_RE = re.compile(r"^(?:1|一)\s*[-—–~至到]\s*(\d{1,2}|[一二三四五六七八九十]+)月")
_CN_MONTH = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
             "十一": 11, "十二": 12}
# A column header naming a prior year's value ("2024年实际实现值") rather than the current target.
_PRIOR_RE = re.compile(r"^(?:上年|上一年|\d{4}年)(?:度)?(?:实际|完成)")
_CURRENT_RE = re.compile(r"^(?:预期|本年|当年|\d{4}年)(?:度)?(?:预期)?(?:目标|实现|指标)")

# -- budget block (自评表 / 监控表) -----------------------------------------------------------
BUDGET_COLUMNS = {
    "年初预算数": "initial",
    "年初预算": "initial",
    "全年预算数": "adjusted",
    "调整后预算数": "adjusted",
    "全年预算": "adjusted",
    "预算数": "adjusted",
    "全年执行数": "executed",
    "预算执行数": "executed",
    "执行数": "executed",
    "实际执行数": "executed",
    "1-X月执行数": "executed",
    "全年预计执行数": "forecast",
    "分值": "points",
    "权重": "points",
    "执行率": "rate",
    "预算执行率": "rate",
    "1-X月执行率": "rate",
    "得分": "score",
}
BUDGET_ROWS = {
    "年度资金总额": "年度资金总额",
    "资金总额": "年度资金总额",
    "当年财政拨款": "当年财政拨款",
    "财政拨款": "当年财政拨款",
    "本年财政拨款": "当年财政拨款",
    "财政资金": "当年财政拨款",
    "当年一般公共预算拨款": "当年财政拨款",
    "上年结转资金": "上年结转资金",
    "财政专户管理资金": "财政专户管理资金",
    "单位资金": "单位资金",
    "其他资金": "其他资金",
}
# The label that opens a budget block or stands for the whole budget row in a Sichuan form.
BUDGET_BLOCK_LABELS = ("项目资金", "预算执行情况", "预算执行率", "资金执行情况", "年度预算执行情况")
TOTAL_LABELS = ("总分", "合计", "总计", "自评得分", "综合得分")
GOAL_ACTUAL_LABELS = ("实际完成情况", "年度目标完成情况", "全年实际完成情况", "目标完成情况",
                      "1-X月实际完成情况")

# Qualitative targets as they end a 三级 name when cells run together ("乡镇水环境质量明显改善").
QUALITATIVE_TARGETS = (
    "明显改善", "有效改善", "持续改善", "逐步改善", "显著改善", "进一步改善", "有所改善", "改善",
    "明显提升", "有效提升", "持续提升", "稳步提升", "逐步提升", "显著提升", "进一步提升", "提升",
    "明显提高", "有效提高", "持续提高", "稳步提高", "逐步提高", "显著提高", "进一步提高", "提高",
    "持续增强", "不断增强", "明显增强", "有效增强", "增强", "符合相关规定", "符合要求", "达到要求",
    "逐年减少", "明显减少", "有效降低", "明显下降", "良好", "达标", "明显丰富", "不断丰富",
    # comparisons against a baseline (domain.md section 2), as run into a name in pasted text
    "不超过预算", "不高于预算", "不低于上年", "不低于上年度", "高于上年",
)

# -- what surrounds a table ----------------------------------------------------------------
# Rows starting with one of these end the table they follow (footers, signatures, notes).
FOOTER_PREFIXES = (
    "注:", "注:", "备注:", "说明:", "填表说明", "项目负责人", "财务负责人", "单位负责人", "填表人",
    "评价结论", "存在问题", "改进措施", "盖章", "单位(盖章)", "审核人", "联系电话", "自评结论",
)
# Rows that stand around a table and carry nothing of it (print headers, attachment marks).
PREAMBLE_RE = re.compile(
    r"^(?:附件\s*\d*|附表\s*\d*|报表编号.*|表\s*\d+(?:-\d+)?|单位名称.*|填报单位.*|填报日期.*|"
    r"单位:\s*万元|金额单位.*|单位:万元|\(?单位:万元\)?|第\s*\d+\s*页.*|共\s*\d+\s*页.*|\d{1,3})$"
)
# Sheets in a workbook that explain the form rather than hold a table.
INSTRUCTION_SHEETS = ("填表说明", "说明", "填报说明", "指标说明", "目录")


@lru_cache(maxsize=16384)  # pure, and asked several times per row for the same few labels
def label_key(text: str) -> str:
    """A cell reduced for comparison with labels: no spaces, no parenthesised notes, no 其中,
    month ranges as 1-X月."""
    s = normalize_text(text).replace(" ", "").replace("\u00a0", "")
    s = re.sub(r"\(.*?\)|【.*?】|\[.*?\]", "", s)
    s = s.removeprefix("其中:").removeprefix("其中")
    s = _MONTHS_RE.sub("1-X月", s)
    return s.rstrip(":").lstrip("*")


def months_in(text: str) -> int | None:
    """The X of "1-X月" in a header ("1-6月执行数" → 6, "1至七月" → 7), else None."""
    s = normalize_text(text).replace(" ", "")
    m = _MONTHS_RE.search(s)
    if not m:
        return None
    x = m.group(1)
    n = int(x) if x.isdigit() else _CN_MONTH.get(x)
    return n if n and 1 <= n <= 12 else None


def points_in(text: str) -> str | None:
    """The points a label carries: "产出指标(50分)" → "50", "预算执行情况(10分)" → "10"."""
    m = re.search(r"\(\s*(\d+(?:\.\d+)?)\s*分\s*\)|(\d+(?:\.\d+)?)\s*分$", normalize_text(text).replace(" ", ""))
    if not m:
        return None
    return m.group(1) or m.group(2)


def column_role(text: str) -> str | None:
    """The role of an indicator-block header cell, or None when it is not one."""
    key = label_key(text)
    if not key:
        return None
    role = COLUMN_HEADERS.get(key)
    if role:
        return role
    if _PRIOR_RE.match(key):
        return "prior"
    if _CURRENT_RE.match(key) and ("值" in key or "目标" in key):
        return "target"
    if key.endswith(("指标值", "目标值", "实现值")):
        return "target"
    if key.endswith("完成值") or key.endswith("实际值") or key.endswith("执行情况"):
        return "actual"
    return None


def level1_of(text: str) -> str | None:
    """The canonical 一级 name of a cell ("产 出 指 标", "产出指标(50分)" included), else None."""
    return LEVEL1_ALIASES.get(label_key(text))


def is_level1(text: str) -> bool:
    return label_key(text) in LEVEL1_ALIASES


def is_level2(text: str) -> bool:
    return label_key(text) in LEVEL2_PARENTS


def is_instruction_sheet(title: str) -> bool:
    """A workbook sheet that explains the form (填表说明) rather than holding a table."""
    key = label_key(title)
    return any(key == s or key.startswith(s) for s in INSTRUCTION_SHEETS)


def header_field(text: str) -> str | None:
    return HEADER_LABELS.get(label_key(text))


def kind_of_title(text: str) -> str | None:
    """The table kind a title row names, or None when the row is no title."""
    s = normalize_text(text).replace(" ", "")
    if "表" not in s or len(s) > 60:
        return None
    for word, kind in KIND_TITLES:
        if word in s and ("绩效" in s or kind != "target"):
            return kind
    return None
