"""Reading target values, amounts and dates as they are written in target tables.

Pure functions: text in, value out, or ``ValueError`` with a Chinese reason.
The rules are those of domain.md section 2.
"""

from __future__ import annotations

import calendar
import html
import math
import re
import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from analytics.model import TargetValue

# Longest spellings first so that "不低于" wins over "低于".
_OPERATOR_WORDS: list[tuple[str, str]] = [
    ("大于等于", ">="), ("大于或等于", ">="), ("不低于", ">="), ("不少于", ">="),
    ("不小于", ">="), ("至少", ">="), ("小于等于", "<="), ("小于或等于", "<="),
    ("不高于", "<="), ("不超过", "<="), ("不大于", "<="), ("不多于", "<="), ("至多", "<="),
    (">=", ">="), ("≥", ">="), ("≧", ">="), ("⩾", ">="), ("<=", "<="), ("≤", "<="), ("≦", "<="),
    ("⩽", "<="), ("==", "="), ("=", "="), ("等于", "="), (">", ">"), ("大于", ">"), ("高于", ">"),
    ("超过", ">"), ("<", "<"), ("小于", "<"), ("低于", "<"), ("少于", "<"),
]
# One regex for all of them: alternatives are tried in the order above, so the longest still wins.
_OPERATOR_RE = re.compile("|".join(re.escape(word) for word, _ in _OPERATOR_WORDS))
_OPERATOR_OF = dict(_OPERATOR_WORDS)
_SUFFIX_OPERATORS: list[tuple[str, str]] = [
    ("及以上", ">="), ("以上", ">="), ("及以下", "<="), ("以下", "<="), ("以内", "<="),
]
_DIRECTION = {">=": "higher", ">": "higher", "=": "exact", "<=": "lower", "<": "lower"}

NUMBER = r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[-+]?\.\d+"
# A unit holds no digits, except a power after a letter (m2, m3).
_UNIT = r"[^\d\s\-~—–至到](?:[^\d\s]|(?<=[a-zA-Z])[23])*"
_QUANT_RE = re.compile(rf"^(?P<num>{NUMBER})\s*(?P<unit>{_UNIT})?$")
_RANGE_RE = re.compile(
    rf"^(?P<lo>{NUMBER})\s*(?P<u1>[^\d\s\-~—–至到]*)\s*[-~—–至到]\s*(?P<hi>{NUMBER})\s*(?P<unit>\S*)$"
)

_YMD_RE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]")
_YM_END_RE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月(?:份)?\s*(?:底|末)?")
_MD_RE = re.compile(r"^(\d{1,2})\s*月\s*(?:(\d{1,2})\s*[日号]|底|末)")
_ISO_RE = re.compile(r"(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})")
_YYYYMM_RE = re.compile(r"(?<!\d)(\d{4})(0[1-9]|1[0-2])(?!\d)")
_YEAR_ONLY_RE = re.compile(r"^(\d{4})\s*年(?:度)?$")
_DEADLINE_TAIL = re.compile(r"^(?:前|之前|以前|前完成|完成|止|截止)?$")

_MONEY_WORDS = ("费", "成本", "资金", "金额", "投资", "经费", "支出", "预算", "价", "款")
# Factors into 万元, exact: 157000元 is 15.7万元, not 15.700000000000001. A bare "万" is money
# only where the context says so (see _normalize_unit).
MONEY_UNITS = {
    "万元": Decimal(1), "元": Decimal("0.0001"), "千元": Decimal("0.1"), "亿元": Decimal(10000),
    "亿": Decimal(10000),
}
# Beyond this no amount or target is real, and a float in storage would lose it anyway.
MAX_DIGITS = 15

QUALITATIVE_HINTS = (
    "提升", "提高", "改善", "有效", "明显", "显著", "符合", "达到", "持续", "稳定", "增强",
    "加强", "良好", "优良", "规范", "降低", "减少", "完善", "满足", "合格", "达标", "促进",
)

_HTML_TAG = re.compile(r"<[^>]+>")


def normalize_text(text: object) -> str:
    """Full-width to ASCII, non-breaking spaces to spaces, trimmed."""
    if text is None:
        return ""
    if isinstance(text, str):
        return _normalize_str(text)
    return unicodedata.normalize("NFKC", str(text)).replace("\u3000", " ").strip()


@lru_cache(maxsize=1 << 16)  # every cell is normalised several times on its way through the readers
def _normalize_str(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace("\u3000", " ").strip()


def strip_html(text: str) -> str:
    """Drop HTML tags the budget system leaves in goal texts; paragraphs become lines."""
    s = re.sub(r"(?i)</p>\s*<p[^>]*>|<br\s*/?>", "\n", text)
    s = html.unescape(_HTML_TAG.sub("", s))
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in s.splitlines()]
    return "\n".join(line for line in lines if line)


def _last_day(year: int, month: int, text: str = "") -> date:
    if not (1 <= month <= 12 and 1 <= year <= 9999):
        raise ValueError(f"日期“{text or f'{year}年{month}月'}”不存在")
    return date(year, month, calendar.monthrange(year, month)[1])


def _make_date(y: int, m: int, d: int, text: str) -> date:
    try:
        return date(y, m, d)
    except ValueError:
        raise ValueError(f"日期“{text}”不存在") from None


def parse_date(text: object, year: int | None = None) -> date:
    """One date as written in tables: 2026年12月30日, 2026-12-30, 2026/12/30, 2026年12月底."""
    s = normalize_text(text)
    if not s:
        raise ValueError("日期为空")
    m = _YMD_RE.search(s) or _ISO_RE.search(s)
    if m:
        return _make_date(int(m.group(1)), int(m.group(2)), int(m.group(3)), s)
    m = _YM_END_RE.search(s)
    if m:
        month = int(m.group(2))
        if not 1 <= month <= 12:
            raise ValueError(f"日期“{s}”不存在")
        return _last_day(int(m.group(1)), month, s)
    m = _MD_RE.match(s)
    if m and year:
        month = int(m.group(1))
        if not 1 <= month <= 12:
            raise ValueError(f"日期“{s}”不存在")
        if m.group(2):
            return _make_date(year, month, int(m.group(2)), s)
        return _last_day(year, month, s)
    raise ValueError(f"无法识别日期“{s}”")


def looks_like_date(text: str) -> bool:
    s = normalize_text(text)
    return bool(_YMD_RE.search(s) or _ISO_RE.search(s) or _YM_END_RE.search(s) or _MD_RE.match(s))


# One date-like piece of a period, most specific spelling first so that "2026.01-2026.12" is two
# months and never the day "2026.01-20". Groups: y m d of a full date, y m of a month, m d or m
# inheriting the year, a year alone.
_PERIOD_TOKEN = re.compile(
    r"(?P<ymd1>(?P<y1>\d{4})年(?P<m1>\d{1,2})月(?P<d1>\d{1,2})[日号]?)"
    r"|(?P<ymd2>(?<!\d)(?P<y2>\d{4})[-/.](?P<m2>\d{1,2})[-/.](?P<d2>\d{1,2})(?!\d))"
    r"|(?P<ymd3>(?<!\d)(?P<y3>\d{4})(?P<m3>0[1-9]|1[0-2])(?P<d3>0[1-9]|[12]\d|3[01])(?!\d))"
    r"|(?P<ym1>(?P<y4>\d{4})年(?P<m4>\d{1,2})月(?:份)?(?:底|末|初)?)"
    r"|(?P<ym2>(?<!\d)(?P<y5>\d{4})[-/.](?P<m5>\d{1,2})(?!\d))"
    r"|(?P<ym3>(?<!\d)(?P<y6>\d{4})(?P<m6>\d{2})(?!\d))"
    r"|(?P<md>(?<![\d.])(?P<m7>\d{1,2})月(?P<d7>\d{1,2})[日号])"
    r"|(?P<mo>(?<![\d.])(?P<m8>\d{1,2})月(?:份)?(?:底|末|初)?)"
    r"|(?P<yr>(?<!\d)(?P<y9>\d{4})(?:年度?(?![^-~—–至到,,、()()\s])|(?=\s*[-~—–至到]\s*\d{4}年度?$)))"
)
_CLOCK = re.compile(r"\s\d{1,2}:\d{2}(?::\d{2})?")  # a spreadsheet's "2026-01-01 00:00:00"
# What may stand between and around the dates of a period without being lost information.
_PERIOD_FILLER = re.compile(r"[-~—–至到起止从自,,、()()\s]|共|期间|年度|年|之间|为期")


def _period_parts(m: re.Match[str]) -> tuple[int | None, int | None, int | None]:
    g = m.groupdict()
    for y, mo, d in (("y1", "m1", "d1"), ("y2", "m2", "d2"), ("y3", "m3", "d3")):
        if g[y]:
            return int(g[y]), int(g[mo]), int(g[d])
    for y, mo in (("y4", "m4"), ("y5", "m5"), ("y6", "m6")):
        if g[y]:
            return int(g[y]), int(g[mo]), None
    if g["m7"]:
        return None, int(g["m7"]), int(g["d7"])
    if g["m8"]:
        return None, int(g["m8"]), None
    return int(g["y9"]), None, None


def _period_start(y: int, m: int | None, d: int | None, text: str) -> date:
    if m is not None and not 1 <= m <= 12:
        raise ValueError(f"日期“{text}”中的月份{m}不存在")
    return _make_date(y, m or 1, d or 1, text)


def _period_end(y: int, m: int | None, d: int | None, text: str) -> date:
    if m is None:
        return _make_date(y, 12, 31, text)
    if d is None:
        return _last_day(y, m, text)
    return _make_date(y, m, d, text)


def parse_period(text: object, year: int | None = None) -> tuple[date | None, date | None, list[str]]:
    """A project period as published, with warnings for whatever had to be guessed or was lost.

    Reads "2026.01-2026.12", "2026.1.1-2026.12.31", "2026年1月1日至12月31日" (the second date
    inherits the year), "2026年1月-12月", "2025年7月1日—2026年12月31日", "202501-202512", "2025年",
    "2026年度", "2026-2028年" and a single date (the seed writes the end date on the next line:
    the end is then None, without a warning). Month-only ends stand for the month's first and
    last day. ``year`` (the table's) fills a missing year, with a warning. A range whose second
    end cannot be read keeps its start, warns, and leaves the end None.
    """
    s = _CLOCK.sub("", normalize_text(text)).replace(" ", "")
    if not s:
        return None, None, []
    tokens = list(_PERIOD_TOKEN.finditer(s))
    if not tokens:
        raise ValueError(f"无法识别项目日期“{s}”")
    warnings: list[str] = []
    leftover = _PERIOD_FILLER.sub("", _PERIOD_TOKEN.sub("", s))
    parts: list[tuple[int, int | None, int | None]] = []
    last_year = None
    for m in tokens:
        y, mo, d = _period_parts(m)
        if y is None:
            y = last_year or year
            if y is None:
                raise ValueError(f"项目日期“{s}”中的“{m.group(0)}”没有年份")
            if last_year is None:
                warnings.append(f"项目日期“{s}”没有写年份,按{y}年处理")
        last_year = y
        parts.append((y, mo, d))
    start = _period_start(*parts[0], s)
    single_day = len(parts) == 1 and parts[0][2] is not None
    end = None if single_day else _period_end(*parts[-1], s)
    if len(parts) > 2:
        warnings.append(f"项目日期“{s}”含有{len(parts)}个日期,取第一个为开始、最后一个为结束")
    unread = bool(re.search(r"[\d月日号]", leftover))  # a date part that no spelling above took
    if single_day and (unread or re.search(r"[-~—–至到]$", s)):
        warnings.append(f"项目日期“{s}”只读出了开始日期,结束日期无法识别;请写成“2026年1月1日至2026年12月31日”")
    elif unread:
        warnings.append(f"项目日期“{s}”中的“{leftover}”无法识别为日期,请核对项目起止日期")
    if end is not None and end < start:
        warnings.append(f"项目日期“{s}”的结束日期早于开始日期")
    return start, end, warnings


def parse_date_range(text: object) -> tuple[date | None, date | None]:
    """A project period (see :func:`parse_period`); ``ValueError`` rather than half a range.

    The seed's one-date-per-line form still gives (start, None): its end follows on the next line.
    """
    start, end, warnings = parse_period(text)
    if warnings:
        raise ValueError(";".join(warnings))
    return start, end


def tidy_decimal(d: Decimal) -> Decimal:
    """The shortest exact form: 15.7000 → 15.7, 100.00 → 100 (never 1E+2)."""
    d = d.normalize()
    return d.quantize(Decimal(1)) if d.as_tuple().exponent > 0 else d


def decimal_of(value: int | float | Decimal) -> Decimal:
    """A number cell's value as the decimal it was typed as.

    Spreadsheet cells hold binary floats: 15.7 arrives as 15.699999999999999289..., so the float
    is rounded to 10 places through its shortest repr before it becomes a Decimal.
    """
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, int):
        d = Decimal(value)
    else:
        if not math.isfinite(value):
            raise ValueError("数字过大或不是有限数,请检查")
        d = Decimal(repr(round(value, 10)))
    if not d.is_finite() or d.adjusted() >= MAX_DIGITS:
        raise ValueError("数字过大,请检查")
    return tidy_decimal(d)


def _number(s: str) -> Decimal:
    try:
        d = Decimal(s.replace(",", ""))
    except InvalidOperation:
        raise ValueError(f"“{s}”不是数字") from None
    if d.adjusted() >= MAX_DIGITS:
        raise ValueError(f"数字“{s}”过大,请检查")
    return d


def parse_amount(text: object) -> Decimal | None:
    """An amount in 万元 as written: "1,280.50", "78.00", "78万元", empty for none; exact."""
    if text is None:
        return None
    if isinstance(text, (int, float, Decimal)) and not isinstance(text, bool):
        return decimal_of(text)
    s = normalize_text(text).replace(" ", "")
    if s in ("", "-", "—", "/"):
        return None
    s = re.sub(r"万元$|万$", "", s)
    if not re.fullmatch(NUMBER, s):
        raise ValueError(f"金额“{text}”不是数字")
    return tidy_decimal(_number(s))


def percent_cell_text(value: float | int | Decimal) -> str:
    """The text a percent-formatted spreadsheet cell shows: 0.98 → "98%", 0.985 → "98.5%"."""
    return f"{tidy_decimal(decimal_of(value) * 100):f}%"


def _split_operator(s: str) -> tuple[str | None, str, list[str]]:
    """Leading operator (symbol or words), the rest, and any OCR warnings."""
    m = _OPERATOR_RE.match(s)
    if m:
        return _OPERATOR_OF[m.group(0)], s[m.end():].strip(), []
    # PDF extraction turns "≤" into "W" (domain.md section 2).
    if len(s) > 1 and s[0] in "Ww" and s[1].isdigit():
        return "<=", s[1:].strip(), [f"指标值“{s}”疑似识别错误(“≤”被识别为“W”),已按“≤”处理,请核对"]
    return None, s, []


def _normalize_unit(unit: str, level1: str, name: str) -> tuple[str, Decimal]:
    """The normalised unit and the factor that converts the written number into it."""
    u = unit.strip()
    is_cost = level1 == "成本指标" or any(w in name for w in _MONEY_WORDS)
    if u == "万" and is_cost:
        return "万元", Decimal(1)
    if u in MONEY_UNITS and (u != "亿" or is_cost):
        return "万元", MONEY_UNITS[u]
    return u, Decimal(1)


_DONE_BY = r"(?:前|之前|以前|前完成|完成|止|截止)?"
_QUARTER_RE = re.compile(
    rf"^(?:(?P<y>\d{{4}})年(?:度)?)?(?:第?(?P<q>[一二三四1-4])季度|[Qq](?P<q2>[1-4]))(?:末|底)?{_DONE_BY}$"
)
_HALF_RE = re.compile(rf"^(?:(?P<y>\d{{4}})年(?:度)?)?(?P<h>上|下)半年(?:末|底)?{_DONE_BY}$")
_YEAR_END_RE = re.compile(rf"^(?:(?P<y>\d{{4}})|本|当|今)?年(?:底|末|内){_DONE_BY}$")
_PERIOD_HINT = re.compile(r"季|半年|年[底末内]|[Qq][1-4]")
_QUARTER_END = {1: (3, 31), 2: (6, 30), 3: (9, 30), 4: (12, 31)}
_CN_DIGIT = {"一": 1, "二": 2, "三": 3, "四": 4}
# What a relative target compares against ("不超过预算", "不低于上年水平"); longest first.
BASELINES = (
    "上年度水平", "上年同期水平", "上年同期", "上年水平", "上一年度", "上一年", "上年度", "上年", "去年",
    "往年", "批复预算", "年度预算", "预算数", "预算", "计划数", "计划", "国家标准", "行业标准", "规定标准",
    "标准", "合同约定", "合同",
)
# An Excel formula without a cached result: a cell reference, a function, or arithmetic. "=1次" and
# "=100%" are not: there "=" is the operator of the target.
_FORMULA_RE = re.compile(r"^=\s*(?:[A-Za-z_]+\s*\(|\$?[A-Za-z]{1,3}\$?\d+|[\d.]+\s*[-+*/^&]\s*[\d.(])")
_SECOND_BOUND = re.compile(r"[,;]|力争|争取|确保|努力")


def _period_deadline(rest: str, year: int | None, raw: str) -> tuple[date, str] | None:
    """A quarter, half year or year end as a deadline, with the reading as a warning."""
    m = _QUARTER_RE.match(rest)
    h = _HALF_RE.match(rest) if not m else None
    e = _YEAR_END_RE.match(rest) if not (m or h) else None
    found = m or h or e
    if not found:
        return None
    y = int(found.group("y")) if found.group("y") else year
    if y is None:
        raise ValueError(f"时效指标值“{raw}”没有年份,无法确定日期;请写成如“2026年9月30日前”")
    if m:
        q = int(m.group("q2") or _CN_DIGIT.get(m.group("q"), m.group("q") or 0))
        month, day = _QUARTER_END[q]
        what = f"第{q}季度末"
    elif h:
        month, day = (6, 30) if h.group("h") == "上" else (12, 31)
        what = f"{h.group('h')}半年末"
    else:
        month, day = 12, 31
        what = "年底"
    d = _make_date(y, month, day, raw)
    return d, f"时效指标值“{raw}”按{what}{d.isoformat()}处理"


def _measured(raw: str, s: str, level1: str, name: str, year: int | None) -> TargetValue | None:
    """A quantitative or deadline target, None for anything else; ``ValueError`` for a bad date."""
    op, rest, warnings = _split_operator(s)

    # Deadlines: any date, with an optional "≤" or a trailing "前".
    if op in (None, "<=", "<", "=") and looks_like_date(rest):
        d = parse_date(rest, year)
        tail = _YMD_RE.sub("", rest) if _YMD_RE.search(rest) else ""
        if tail and not _DEADLINE_TAIL.match(tail):
            warnings.append(f"时效指标值“{raw}”含有多余文字“{tail}”")
        return TargetValue(raw, "deadline", d.isoformat(), "", "", "deadline", "deadline", tuple(warnings))
    if op in (None, "<=", "<", "=") and _PERIOD_HINT.search(rest):
        period = _period_deadline(rest, year, raw)
        if period:
            d, note = period
            return TargetValue(raw, "deadline", d.isoformat(), "", "", "deadline", "deadline", (*warnings, note))

    suffix_op = None
    for word, sop in _SUFFIX_OPERATORS:
        if rest.endswith(word):
            rest, suffix_op = rest[: -len(word)], sop
            break
    m = _QUANT_RE.match(rest)
    if m:
        operator = op or suffix_op or "="
        unit = m.group("unit") or ""
        norm, factor = _normalize_unit(unit, level1, name)
        value = tidy_decimal(_number(m.group("num")) * factor)
        if norm == "%" and value > 100:
            warnings.append(
                f"百分比指标值“{raw}”超过100%,可能是识别错误(如“≥95%”被识别为“295%”),请核对"
            )
        return TargetValue(raw, operator, value, unit, norm, "quantitative", _DIRECTION[operator], tuple(warnings))

    m = _RANGE_RE.match(rest)
    if m and op is None:
        unit = m.group("unit") or m.group("u1") or ""
        norm, factor = _normalize_unit(unit, level1, name)
        warnings.append(f"指标值“{raw}”是区间,按下限“≥{m.group('lo')}{unit}”处理")
        value = tidy_decimal(_number(m.group("lo")) * factor)
        return TargetValue(raw, ">=", value, unit, norm, "quantitative", "higher", tuple(warnings))
    return None


def _against_baseline(raw: str, s: str, level1: str, name: str, year: int | None) -> TargetValue | None:
    """"不超过预算", "不低于上年水平": a comparison with a baseline the table may or may not give."""
    op, rest, _ = _split_operator(s)
    suffix_op = None
    for word, sop in _SUFFIX_OPERATORS:
        if rest.endswith(word):
            rest, suffix_op = rest[: -len(word)], sop
            break
    op = op or suffix_op
    baseline = next((b for b in BASELINES if rest.startswith(b)), None)
    if op is None or baseline is None:
        return None
    given = re.sub(r"^[的(),:\s]+|[()\s]+$", "", rest[len(baseline):]).removeprefix("水平")
    symbol = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "=": "="}[op]
    if given:
        number = _measured(raw, symbol + given, level1, name, year)
        if number is not None and number.kind == "quantitative":
            note = f"指标值“{raw}”是与“{baseline}”比较,按其中写明的数值“{symbol}{given}”导入,请核对"
            return TargetValue(raw, op, number.value, number.unit, number.unit_normalized, "quantitative",
                               number.direction, (*number.warnings, note))
    note = (
        f"指标值“{raw}”是与“{baseline}”比较的相对目标,表中没有写出{baseline}的数值,已按定性指标导入;"
        f"如需按数值评分,请写成“{symbol}数值和单位”(如“{symbol}100万元”)"
    )
    return TargetValue(raw, "qualitative", None, "", "", "qualitative", "qualitative", (note,))


def parse_target(
    text: object, level1: str = "", name: str = "", year: int | None = None
) -> TargetValue:
    """Parse one 指标值 cell (domain.md section 2); ``ValueError`` if it cannot be read.

    ``year`` (the table's) dates a quarter, half year or year end ("第三季度" → 09-30). Whatever
    is read by interpretation (a second bound dropped, a baseline comparison, a quarter end) is
    one of the returned warnings.
    """
    raw = "" if text is None else str(text).strip()
    s = normalize_text(raw).replace(" ", "")
    if not s:
        raise ValueError("指标值为空")
    if _FORMULA_RE.match(s):
        raise ValueError(f"指标值“{raw}”是Excel公式且没有计算结果;请在Excel中把该单元格改为数值或文字后重新导入")
    found = _measured(raw, s, level1, name, year) or _against_baseline(raw, s, level1, name, year)
    if found is not None:
        return found
    parts = _SECOND_BOUND.split(s, maxsplit=1)
    if len(parts) == 2 and parts[0]:
        first = _measured(raw, parts[0], level1, name, year)
        if first is not None:
            note = f"指标值“{raw}”写了不止一个目标,按第一个“{parts[0]}”导入"
            return TargetValue(raw, first.operator, first.value, first.unit, first.unit_normalized, first.kind,
                               first.direction, (*first.warnings, note))
    op, _, warnings = _split_operator(s)
    if op is not None or re.fullmatch(r"[\d.,%\-~]+", s):
        raise ValueError(f"无法识别指标值“{raw}”")
    if re.search(r"\d", s):
        warnings.append(f"定性指标值“{raw}”含有数字,请确认是否应为定量指标")
    return TargetValue(raw, "qualitative", None, "", "", "qualitative", "qualitative", tuple(warnings))


def reads_as_target(text: str, level1: str = "", name: str = "", year: int | None = None) -> bool:
    """True when a cell is a quantitative or deadline target (not a free phrase)."""
    try:
        return parse_target(text, level1, name, year).kind != "qualitative"
    except ValueError:
        return False
