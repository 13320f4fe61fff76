"""Numbers and dates as an office writes them: the one place every page, chart and export takes them from.

Pure functions (values in, text out), so that a card, a chart and a table never round the same
percentage two ways or write the same date as 2026年12月01日 in one place and 2026-12-01 in another.
"""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd

# One rounding for every percentage shown (完成率, 执行率, 时间进度, light shares): cards, charts, tables.
PERCENT_DECIMALS = 1
# Amounts are in 万元 with two decimals everywhere.
MONEY_DECIMALS = 2

# The same roundings in the notations of the other renderers.
PERCENT_D3 = f".{PERCENT_DECIMALS}f"          # Plotly hover/text of a value already x 100
PERCENT_OF_FRACTION_D3 = f".{PERCENT_DECIMALS}%"  # Plotly's %{percent} (a fraction)
MONEY_D3 = f",.{MONEY_DECIMALS}f"
PERCENT_COLUMN = f"%.{PERCENT_DECIMALS}f%%"   # st.column_config printf format of a value already x 100
MONEY_COLUMN = f"%,.{MONEY_DECIMALS}f"
# Excel number formats of the XLSX downloads: money, a rate stored as a real fraction, a count.
MONEY_XLSX = "#,##0." + "0" * MONEY_DECIMALS
PERCENT_XLSX = "0." + "0" * PERCENT_DECIMALS + "%"
INTEGER_XLSX = "0"
DECIMAL_XLSX = "0.00"
DATE_XLSX = "yyyy\"年\"m\"月\"d\"日\""
DATETIME_XLSX = "yyyy\"年\"m\"月\"d\"日\" h:mm:ss"

DASH = "—"
_MONTHS_IN_A_YEAR = 12


def cn_date(d: date | datetime | pd.Timestamp | str | None) -> str:
    """2026年12月1日: no zero padding, as a 通知 writes it (an ISO text is read first); "" when missing."""
    if d is None or (not isinstance(d, str) and pd.isna(d)) or d == "":
        return ""
    if isinstance(d, str):
        d = pd.Timestamp(d)
    return f"{d.year}年{d.month}月{d.day}日"


def cn_datetime(d: datetime | pd.Timestamp | None, seconds: bool = False) -> str:
    """2026年12月1日 9:05, or 9:05:07 with seconds (audit times); never microseconds; "" when missing."""
    if d is None or pd.isna(d):
        return ""
    clock = f"{d.hour}:{d.minute:02d}" + (f":{d.second:02d}" if seconds else "")
    return f"{cn_date(d)} {clock}"


def cn_dates(values: pd.Series) -> pd.Series:
    """:func:`cn_date` of a column (dates, timestamps or ISO strings), vectorised; "" where missing."""
    ts = pd.to_datetime(values, errors="coerce")
    text = ts.dt.year.astype("Int64").astype(str) + "年" + ts.dt.month.astype("Int64").astype(str) + "月" \
        + ts.dt.day.astype("Int64").astype(str) + "日"
    return text.where(ts.notna(), "").astype(object)


def cn_datetimes(values: pd.Series, seconds: bool = False) -> pd.Series:
    """:func:`cn_datetime` of a column, vectorised; "" where missing."""
    ts = pd.to_datetime(values, errors="coerce")
    clock = ts.dt.hour.astype("Int64").astype(str) + ":" + ts.dt.strftime("%M")
    if seconds:
        clock = clock + ":" + ts.dt.strftime("%S")
    return (cn_dates(ts) + " " + clock).where(ts.notna(), "").astype(object)


def percent(fraction: float | None) -> str:
    """A rate given as a fraction (0.912) as 91.2%, with the one rounding; — when there is none."""
    if fraction is None or pd.isna(fraction):
        return DASH
    return f"{fraction * 100:.{PERCENT_DECIMALS}f}%"


def percent_points(value: float | None) -> str:
    """A rate already in percent (91.2) with the one rounding, no sign: for a column headed "…%"."""
    if value is None or pd.isna(value):
        return DASH
    return f"{value:.{PERCENT_DECIMALS}f}"


def round_percent(values: pd.Series) -> pd.Series:
    """A rate column given as fractions, in percent with the one rounding (a number, for tables)."""
    return (values * 100).round(PERCENT_DECIMALS)


def money(amount: float | None) -> str:
    """An amount in 万元 as 1,234.56 (the unit is said in the label); — when there is none."""
    if amount is None or pd.isna(amount):
        return DASH
    return f"{amount:,.{MONEY_DECIMALS}f}"


def month_ticks(start: date | pd.Timestamp, end: date | pd.Timestamp,
                most: int = _MONTHS_IN_A_YEAR) -> tuple[list[pd.Timestamp], list[str]]:
    """Month ticks for a time axis from ``start`` to ``end``, in Chinese: "2026年1月" at the first tick
    and where the year changes, "2月" elsewhere; every k-th month so that at most ``most`` ticks show.

    Plotly writes "Jan 2026" on a date axis whatever the page's language: the app gives the values
    and their words itself.
    """
    first = pd.Timestamp(start).to_period("M").to_timestamp()
    last = pd.Timestamp(end)
    months = pd.date_range(first, max(last, first), freq="MS")
    step = max(1, -(-len(months) // max(1, most)))
    months = months[::step]
    # The year at the first tick and wherever it changes (a step of 2 months may skip January).
    words = [f"{m.year}年{m.month}月" if i == 0 or m.year != months[i - 1].year else f"{m.month}月"
             for i, m in enumerate(months)]
    return list(months), words


# Table columns that hold a rate already in percent (x 100): shown and exported with the one rounding.
PERCENT_COLUMNS = frozenset({"预算执行率", "时间进度", "完成率%", "完成率", "执行率", "占比"})
# Date columns whose values carry the time of day (to the second, as the audit log needs).
_CLOCK_WORDS = ("时间",)
DATE_COLUMN = "YYYY年M月D日"
DATETIME_COLUMN = "YYYY年M月D日 H:mm:ss"  # as cn_datetime: no zero before the hour


def is_money_column(name: str) -> bool:
    return "万元" in str(name)


def is_percent_column(name: str) -> bool:
    return str(name) in PERCENT_COLUMNS


def is_clock_column(name: str) -> bool:
    return any(w in str(name) for w in _CLOCK_WORDS)


def column_formats(df: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """How an on-screen grid shows each numeric or date column: ("number", printf) or ("date"/"datetime",
    day.js format). Money in 万元 with two decimals, rates with the one rounding, dates in Chinese."""
    out: dict[str, tuple[str, str]] = {}
    for name in df.columns:
        col = df[name]
        if pd.api.types.is_datetime64_any_dtype(col):
            out[name] = ("datetime", DATETIME_COLUMN) if is_clock_column(name) else ("date", DATE_COLUMN)
        elif pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
            if is_money_column(name):
                out[name] = ("number", MONEY_COLUMN)
            elif is_percent_column(name):
                out[name] = ("number", PERCENT_COLUMN)
    return out
