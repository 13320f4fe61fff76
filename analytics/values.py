"""Reading target values, amounts and dates as they are written in target tables.

Pure functions: text in, value out, or ``ValueError`` with a Chinese reason.
The rules are those of domain.md section 2.
"""

from __future__ import annotations

import calendar
import html
import re
import unicodedata
from datetime import date

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
# Factors into 万元. A bare "万" is money only where the context says so (see _normalize_unit).
MONEY_UNITS = {"万元": 1.0, "元": 1e-4, "千元": 0.1, "亿元": 1e4, "亿": 1e4}

QUALITATIVE_HINTS = (
    "提升", "提高", "改善", "有效", "明显", "显著", "符合", "达到", "持续", "稳定", "增强",
    "加强", "良好", "优良", "规范", "降低", "减少", "完善", "满足", "合格", "达标", "促进",
)

_HTML_TAG = re.compile(r"<[^>]+>")


def normalize_text(text: object) -> str:
    """Full-width to ASCII, non-breaking spaces to spaces, trimmed."""
    if text is None:
        return ""
    s = unicodedata.normalize("NFKC", str(text)).replace("\u3000", " ")
    return s.strip()


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


def parse_date_range(text: object) -> tuple[date | None, date | None]:
    """A project period: one date, two dates, 202501-202512, or a bare year."""
    s = normalize_text(text)
    if not s:
        return None, None
    m = _YEAR_ONLY_RE.match(s)
    if m:
        y = int(m.group(1))
        return _make_date(y, 1, 1, s), _make_date(y, 12, 31, s)
    found: list[date] = []
    pos = 0
    while pos < len(s):
        m = _YMD_RE.search(s, pos) or _ISO_RE.search(s, pos)
        if not m:
            break
        found.append(_make_date(int(m.group(1)), int(m.group(2)), int(m.group(3)), s))
        pos = m.end()
    if found:
        return found[0], (found[1] if len(found) > 1 else None)
    months = _YYYYMM_RE.findall(s)
    if months:
        (y1, m1), (y2, m2) = months[0], months[-1]
        end = _last_day(int(y2), int(m2), s) if len(months) > 1 else None
        return _make_date(int(y1), int(m1), 1, s), end
    ym = list(_YM_END_RE.finditer(s))
    if ym:
        start = _make_date(int(ym[0].group(1)), int(ym[0].group(2)), 1, s)
        end = _last_day(int(ym[-1].group(1)), int(ym[-1].group(2)), s) if len(ym) > 1 else None
        return start, end
    raise ValueError(f"无法识别项目日期“{s}”")


def parse_amount(text: object) -> float | None:
    """An amount in 万元 as written: "1,280.50", "78.00", "78万元", empty for none."""
    if text is None:
        return None
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return float(text)
    s = normalize_text(text).replace(" ", "")
    if s in ("", "-", "—", "/"):
        return None
    s = re.sub(r"万元$|万$", "", s)
    if not re.fullmatch(NUMBER, s):
        raise ValueError(f"金额“{text}”不是数字")
    return float(s.replace(",", ""))


def _number(s: str) -> float:
    return float(s.replace(",", ""))


def _split_operator(s: str) -> tuple[str | None, str, list[str]]:
    """Leading operator (symbol or words), the rest, and any OCR warnings."""
    for word, op in _OPERATOR_WORDS:
        if s.startswith(word):
            return op, s[len(word):].strip(), []
    # PDF extraction turns "≤" into "W" (domain.md section 2).
    if len(s) > 1 and s[0] in "Ww" and s[1].isdigit():
        return "<=", s[1:].strip(), [f"指标值“{s}”疑似识别错误(“≤”被识别为“W”),已按“≤”处理,请核对"]
    return None, s, []


def _normalize_unit(unit: str, level1: str, name: str) -> tuple[str, float]:
    """The normalised unit and the factor that converts the written number into it."""
    u = unit.strip()
    is_cost = level1 == "成本指标" or any(w in name for w in _MONEY_WORDS)
    if u == "万" and is_cost:
        return "万元", 1.0
    if u in MONEY_UNITS and (u != "亿" or is_cost):
        return "万元", MONEY_UNITS[u]
    if u == "%":
        return "%", 1.0
    return u, 1.0


def parse_target(
    text: object, level1: str = "", name: str = "", year: int | None = None
) -> TargetValue:
    """Parse one 指标值 cell (domain.md section 2); ``ValueError`` if it cannot be read."""
    raw = "" if text is None else str(text).strip()
    s = normalize_text(raw).replace(" ", "")
    if not s:
        raise ValueError("指标值为空")
    op, rest, warnings = _split_operator(s)

    # Deadlines: any date, with an optional "≤" or a trailing "前".
    if op in (None, "<=", "<", "=") and looks_like_date(rest):
        d = parse_date(rest, year)
        tail = _YMD_RE.sub("", rest) if _YMD_RE.search(rest) else ""
        if tail and not _DEADLINE_TAIL.match(tail):
            warnings.append(f"时效指标值“{raw}”含有多余文字“{tail}”")
        return TargetValue(raw, "deadline", d.isoformat(), "", "", "deadline", "deadline", tuple(warnings))

    suffix_op = None
    for word, sop in _SUFFIX_OPERATORS:
        if rest.endswith(word):
            rest, suffix_op = rest[: -len(word)], sop
            break
    m = _QUANT_RE.match(rest)
    if m:
        operator = op or suffix_op or "="
        num = _number(m.group("num"))
        unit = m.group("unit") or ""
        norm, factor = _normalize_unit(unit, level1, name)
        value = num * factor
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
        return TargetValue(
            raw, ">=", _number(m.group("lo")) * factor, unit, norm, "quantitative", "higher", tuple(warnings)
        )

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
