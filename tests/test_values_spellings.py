"""Spellings of amounts, periods and targets seen in published tables (issue 9, domain.md section 2).

Each reading is pinned exactly: money as Decimal, dates as dates, and every guess as a warning.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest

from analytics import values
from analytics.readers import read_tables, xlsx_sheets
from analytics.textnorm import simplify
from tests.fixtures import SEED_FILE

# -- money is exact ------------------------------------------------------------------------------


@pytest.mark.parametrize(("written", "expected"), [
    ("1,280.50", Decimal("1280.5")), ("78.00", Decimal("78")), ("78万元", Decimal("78")), ("15.7", Decimal("15.7")),
    (15.7, Decimal("15.7")), (0.1 + 0.2, Decimal("0.3")), (78, Decimal("78")), ("", None), ("—", None),
])
def test_amounts_are_exact_decimals(written: object, expected: Decimal | None) -> None:
    got = values.parse_amount(written)
    assert got == expected
    assert got is None or isinstance(got, Decimal)


def test_157000_yuan_is_exactly_15_7_wan_and_meets_its_cap() -> None:
    actual = values.parse_target("157000元", "成本指标", "维护费用")
    cap = values.parse_target("≤15.7万", "成本指标", "维护费用")
    assert actual.value == Decimal("15.7") and cap.value == Decimal("15.7")
    assert actual.value <= cap.value
    assert values.parse_target("1.5亿元", "成本指标", "投资").value == Decimal("15000")
    assert values.MONEY_UNITS["元"] == Decimal("0.0001")


def test_a_number_too_large_is_refused_in_chinese() -> None:
    with pytest.raises(ValueError, match="过大"):
        values.parse_amount("9" * 30)
    with pytest.raises(ValueError, match="过大"):
        values.parse_amount(float("inf"))


@pytest.mark.parametrize(("value", "text"), [(0.98, "98%"), (0.985, "98.5%"), (1, "100%"), (0.001, "0.1%")])
def test_percent_cells_print_as_percent(value: float, text: str) -> None:
    assert values.percent_cell_text(value) == text


# -- periods -------------------------------------------------------------------------------------

PERIODS = [
    ("2026.01-2026.12", date(2026, 1, 1), date(2026, 12, 31)),
    ("2026.1.1-2026.12.31", date(2026, 1, 1), date(2026, 12, 31)),
    ("2026年1月1日至12月31日", date(2026, 1, 1), date(2026, 12, 31)),
    ("2026年1月-12月", date(2026, 1, 1), date(2026, 12, 31)),
    ("2026年1月至2026年12月", date(2026, 1, 1), date(2026, 12, 31)),
    ("2025年7月1日—2026年12月31日", date(2025, 7, 1), date(2026, 12, 31)),
    ("202501-202512", date(2025, 1, 1), date(2025, 12, 31)),
    ("20260101-20261231", date(2026, 1, 1), date(2026, 12, 31)),
    ("2025年", date(2025, 1, 1), date(2025, 12, 31)),
    ("2026年度", date(2026, 1, 1), date(2026, 12, 31)),
    ("2026-2028年", date(2026, 1, 1), date(2028, 12, 31)),
    ("2026/3/1 - 2026/11/30", date(2026, 3, 1), date(2026, 11, 30)),
    ("2026年1月1日", date(2026, 1, 1), None),  # the seed: the end date follows on the next line
]


@pytest.mark.parametrize(("text", "start", "end"), PERIODS, ids=[p[0] for p in PERIODS])
def test_period_spellings(text: str, start: date, end: date | None) -> None:
    assert values.parse_period(text) == (start, end, [])
    assert values.parse_date_range(text) == (start, end)


@pytest.mark.parametrize("text", ["2026年1月1日至", "2026年1月1日至2026年某月", "2026.01.01-20x6.12.31"])
def test_half_a_range_is_never_kept_silently(text: str) -> None:
    start, end, warnings = values.parse_period(text)
    assert start == date(2026, 1, 1) and end is None
    assert warnings and "结束日期无法识别" in warnings[0]
    with pytest.raises(ValueError, match="结束日期无法识别"):
        values.parse_date_range(text)


def test_a_period_without_year_takes_the_tables_with_a_warning() -> None:
    assert values.parse_period("1月1日至12月31日", 2026) == (
        date(2026, 1, 1), date(2026, 12, 31), ["项目日期“1月1日至12月31日”没有写年份,按2026年处理"]
    )
    with pytest.raises(ValueError, match="没有年份"):
        values.parse_period("1月1日至12月31日")


def test_an_end_before_the_start_is_a_warning() -> None:
    _, _, warnings = values.parse_period("2026年12月31日至2026年1月1日")
    assert warnings == ["项目日期“2026年12月31日至2026年1月1日”的结束日期早于开始日期"]


@pytest.mark.parametrize("text", ["2026年13月至2026年12月", "2026.02.30-2026.12.31", "0000年"])
def test_impossible_periods_are_refused_in_chinese(text: str) -> None:
    with pytest.raises(ValueError, match="不存在"):
        values.parse_period(text)


# -- targets -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "baseline", "symbol"), [
    ("不超过预算", "预算", "≤"), ("不高于预算", "预算", "≤"), ("不低于上年", "上年", "≥"),
    ("不低于上年水平", "上年水平", "≥"),
])
def test_comparisons_against_a_baseline_are_qualitative_with_a_note(text: str, baseline: str, symbol: str) -> None:
    got = values.parse_target(text, "成本指标", "项目成本", 2026)
    assert (got.kind, got.operator, got.value, got.direction) == ("qualitative", "qualitative", None, "qualitative")
    [note] = got.warnings
    assert f"与“{baseline}”比较" in note and f"“{symbol}数值和单位”" in note


def test_a_baseline_comparison_that_gives_the_number_keeps_it() -> None:
    got = values.parse_target("不超过预算(15.7万元)", "成本指标", "项目成本")
    assert (got.kind, got.operator, got.value, got.unit_normalized) == ("quantitative", "<=", Decimal("15.7"), "万元")
    assert "与“预算”比较" in got.warnings[-1]


@pytest.mark.parametrize("text", ["≥95%,力争100%", "≥95%，力争100%", "≥95%;争取100%"])
def test_a_second_bound_is_dropped_with_a_warning(text: str) -> None:
    got = values.parse_target(text, "产出指标", "合格率")
    assert (got.operator, got.value, got.unit_normalized, got.direction) == (">=", Decimal("95"), "%", "higher")
    assert got.warnings == (f"指标值“{text}”写了不止一个目标,按第一个“≥95%”导入",)


@pytest.mark.parametrize(("text", "year", "expected"), [
    ("2026年第三季度", None, "2026-09-30"), ("第三季度", 2026, "2026-09-30"), ("三季度末", 2026, "2026-09-30"),
    ("2026年Q3", None, "2026-09-30"), ("第一季度前", 2026, "2026-03-31"), ("2026年上半年", None, "2026-06-30"),
    ("下半年", 2025, "2025-12-31"), ("年底前", 2026, "2026-12-31"), ("年底", 2026, "2026-12-31"),
    ("2027年底", 2026, "2027-12-31"),
])
def test_quarters_halves_and_year_ends_are_deadlines(text: str, year: int | None, expected: str) -> None:
    got = values.parse_target(text, "产出指标", "完成时间", year)
    assert (got.kind, got.operator, got.value, got.direction) == ("deadline", "deadline", expected, "deadline")
    assert len(got.warnings) == 1 and expected in got.warnings[0]


def test_a_quarter_without_any_year_is_refused() -> None:
    with pytest.raises(ValueError, match="没有年份"):
        values.parse_target("第三季度", "产出指标", "完成时间", None)


@pytest.mark.parametrize(("text", "operator", "value", "unit"), [
    ("=1次", "=", Decimal("1"), "次"), ("=100%", "=", Decimal("100"), "%"),
])
def test_formula_looking_targets_read_as_the_operator(text: str, operator: str, value: Decimal, unit: str) -> None:
    got = values.parse_target(text, "产出指标", "次数")
    assert (got.operator, got.value, got.unit) == (operator, value, unit)


@pytest.mark.parametrize("text", ["=A1*2", "=SUM(B2:B5)", "=5*2"])
def test_a_real_formula_is_refused_with_what_to_do(text: str) -> None:
    with pytest.raises(ValueError, match="Excel公式且没有计算结果;请在Excel中"):
        values.parse_target(text, "产出指标", "次数")


def test_extraction_damage_stays_flagged() -> None:
    assert "超过100%" in values.parse_target("295%", "产出指标", "合格率").warnings[0]
    assert "“≤”被识别为“W”" in values.parse_target("W5%", "产出指标", "差错率").warnings[0]
    # A count starting with 2 is not flagged: nothing tells 2150次 from ≥150次.
    assert values.parse_target("2150次", "产出指标", "检查次数").warnings == ()


def test_reads_as_target_is_kept() -> None:
    assert values.reads_as_target("第三季度", year=2026)
    assert not values.reads_as_target("不超过预算")
    assert not values.reads_as_target("明显提升")


# -- spreadsheets: percent formats and uncomputed formulas --------------------------------------------


def _workbook(cells: dict[str, tuple[object, str | None]]) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "目标表"
    for ref, (value, fmt) in cells.items():
        ws[ref] = value
        if fmt:
            ws[ref].number_format = fmt
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_xlsx_percent_and_formula_cells_read_as_printed() -> None:
    data = _workbook({"A1": (0.98, "0%"), "B1": (0.985, "0.0%"), "C1": ("=1次", None), "D1": (15.7, None),
                      "E1": (157000, "#,##0"), "F1": ("績效", None)})
    [(_, rows)] = xlsx_sheets(data, "格式.xlsx")
    assert rows[0].cells == ["98%", "98.5%", "=1次", "15.7", "157000", "绩效"]


def _seed_workbook(edit) -> bytes:
    from analytics.readers import read_tables as read
    from tests.fixtures import write_xlsx_layout

    tables = read(SEED_FILE.read_bytes(), SEED_FILE.name)
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as d:
        path = write_xlsx_layout(tables[:1], Path(d) / "seed.xlsx")
        wb = openpyxl.load_workbook(path)
        edit(wb.active)
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()


def _cell_of(ws, text: str):
    return next(c for row in ws.iter_rows() for c in row if c.value == text)


def test_an_uncomputed_formula_target_is_read_as_its_text() -> None:
    def edit(ws) -> None:
        cell = _cell_of(ws, "=1项")
        cell.value = "=1项"
        cell.data_type = "f"  # as a script or Excel stores it: a formula without a cached value

    [t] = read_tables(_seed_workbook(edit), "公式.xlsx")
    got = next(i for i in t.indicators if i.target.text == "=1项")
    assert (got.target.operator, got.target.value, got.target.unit) == ("=", Decimal("1"), "项")


def test_a_percent_formatted_target_cell_is_a_percent() -> None:
    def edit(ws) -> None:
        cell = _cell_of(ws, "=100%")
        cell.value = 1.0
        cell.number_format = "0%"

    [t] = read_tables(_seed_workbook(edit), "百分比.xlsx")
    got = next(i for i in t.indicators if i.target.text == "100%")
    assert (got.target.operator, got.target.value, got.target.unit_normalized) == ("=", Decimal("100"), "%")


# -- traditional characters and radicals -------------------------------------------------------------


def test_simplify_leaves_the_seed_unchanged() -> None:
    seed = SEED_FILE.read_text(encoding="utf-8")
    assert simplify(seed) == seed


@pytest.mark.parametrize(("written", "expected"), [
    ("績效", "绩效"), ("預算執行率", "预算执行率"), ("萬元", "万元"), ("主管部\u2ed4", "主管部门"),
    ("\u2ecb\u2ed3\u2ec5\u2ec9\u2edb\u2eda\u2ee2\u2ee5\u2ec4", "车长见贝风页马鱼西"), ("\u2f08\u2f63", "人生"),
])
def test_simplify_maps_traditional_and_radicals(written: str, expected: str) -> None:
    assert simplify(written) == expected


def test_every_simplified_radical_is_mapped() -> None:
    import unicodedata

    from analytics.textnorm import RADICAL_MAP

    simplified = [cp for cp in range(0x2E80, 0x2EF4)
                  if "SIMPLIFIED" in unicodedata.name(chr(cp), "") and "J-SIMPLIFIED" not in unicodedata.name(chr(cp))]
    assert simplified and all(cp in RADICAL_MAP for cp in simplified)
    assert all(0x3400 <= RADICAL_MAP[cp] <= 0x9FFF for cp in RADICAL_MAP)


def test_simplify_is_fast_on_a_large_simplified_text() -> None:
    import time

    text = SEED_FILE.read_text(encoding="utf-8") * 2000  # about 10 MB
    simplify("預")  # the converter and its character set are built once
    t0 = time.perf_counter()
    assert simplify(text) is text
    assert time.perf_counter() - t0 < 0.5


def test_traditional_text_file_imports_with_simplified_names() -> None:
    seed = SEED_FILE.read_text(encoding="utf-8")
    import opencc

    traditional = opencc.OpenCC("s2t").convert(seed).replace("部门", "部\u2ed4")
    assert traditional != seed
    got = read_tables(traditional.encode("utf-8"), "繁體.txt")
    want = read_tables(SEED_FILE.read_bytes(), SEED_FILE.name)
    assert [(t.name, t.department, [i.name for i in t.indicators]) for t in got] == [
        (t.name, t.department, [i.name for i in t.indicators]) for t in want
    ]
