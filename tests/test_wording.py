"""Issue 11 item 7: numbers and dates as an office writes them (analytics.wording), the funding
table's 合计 row and the XLSX downloads' number formats (read back with openpyxl)."""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from analytics import exports, wording
from analytics.dashboard import Filters, build_view, funding_table, funding_total_row, indicator_export
from analytics.storage import Store
from tests import test_pages as tp

sample_db = tp.sample_db


def test_dates_have_no_zero_padding_and_no_microseconds() -> None:
    assert wording.cn_date(date(2026, 12, 1)) == "2026年12月1日"
    assert wording.cn_date(pd.Timestamp("2026-03-05 10:00")) == "2026年3月5日"
    assert wording.cn_date("2026-01-09") == "2026年1月9日"
    assert wording.cn_date(None) == wording.cn_date(pd.NaT) == wording.cn_date("") == ""
    stamp = datetime(2026, 1, 5, 9, 3, 7, 123456)
    assert wording.cn_datetime(stamp) == "2026年1月5日 9:03"
    assert wording.cn_datetime(stamp, seconds=True) == "2026年1月5日 9:03:07"
    column = pd.Series([stamp, None, "2026-10-31 23:59:59.5"], dtype=object)
    assert wording.cn_dates(column).tolist() == ["2026年1月5日", "", "2026年10月31日"]
    assert wording.cn_datetimes(column, seconds=True).tolist() == [
        "2026年1月5日 9:03:07", "", "2026年10月31日 23:59:59"]


def test_one_rounding_for_percentages_and_two_decimals_for_money() -> None:
    assert wording.percent(0.91249) == "91.2%"
    assert wording.percent(None) == wording.percent(float("nan")) == "—"
    assert wording.percent_points(91.25) == f"{91.25:.{wording.PERCENT_DECIMALS}f}"
    assert wording.round_percent(pd.Series([0.91249, np.nan])).tolist()[0] == 91.2
    assert wording.money(615.95) == "615.95"
    assert wording.money(1234.5) == "1,234.50"
    # The other notations say the same rounding.
    assert f"{91.249:{wording.PERCENT_D3}}" == "91.2"
    assert wording.PERCENT_COLUMN % 91.249 == "91.2%"
    assert wording.PERCENT_XLSX == "0.0%" and wording.MONEY_XLSX == "#,##0.00"


def test_month_ticks_are_chinese() -> None:
    vals, words = wording.month_ticks(date(2025, 11, 20), date(2026, 3, 1))
    assert words == ["2025年11月", "12月", "2026年1月", "2月", "3月"]
    assert vals[0] == pd.Timestamp("2025-11-01")
    vals, words = wording.month_ticks(date(2026, 1, 1), date(2028, 12, 31))
    assert len(vals) <= 12 and words[0] == "2026年1月"
    # Every second month from April: no January tick, the year still shows where it changes.
    _, words = wording.month_ticks(date(2025, 4, 1), date(2026, 12, 31))
    assert words[:6] == ["2025年4月", "6月", "8月", "10月", "12月", "2026年2月"]
    assert all(w.endswith("月") and "Jan" not in w for w in words)


@pytest.fixture(scope="module")
def view(sample_db: Path):
    store = Store.open(sample_db, read_only=True)
    try:
        yield build_view(store, Filters(as_of=tp.AS_OF))
    finally:
        store.close()


def test_funding_total_row_sums_every_row(view) -> None:
    table = funding_table(view)
    total = funding_total_row(table)
    assert len(total) == 1 and total["项目名称"].iloc[0] == "合计"
    assert total["年度资金总额(万元)"].iloc[0] == pytest.approx(615.95, abs=0.005)
    assert total["预算执行数(万元)"].iloc[0] == pytest.approx(346.0, abs=0.005)
    # The execution rate of the sums, as the cards say it (56.2%), not a mean of the rows' rates.
    assert f"{total['预算执行率'].iloc[0]:.1f}%" == tp.EXECUTION
    assert total["时间进度"].iloc[0] == pytest.approx(round(view.summary["time_progress"] * 100, 1))
    # A page of rows still gets the total of what it is given: paging passes the full table.
    assert funding_total_row(table.head(2))["年度资金总额(万元)"].iloc[0] == pytest.approx(
        table["年度资金总额(万元)"].head(2).sum())
    assert list(total.columns) == list(table.columns)
    assert pd.api.types.is_datetime64_any_dtype(table["执行数截至"])


def _sheet(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data)).active


def test_xlsx_cells_are_numbers_percents_and_dates(view) -> None:
    rows = funding_table(view)
    table = pd.concat([rows, funding_total_row(rows)], ignore_index=True)
    ws = _sheet(exports.frame_xlsx(table, "资金"))
    header = [c.value for c in ws[1]]
    col = {name: i + 1 for i, name in enumerate(header)}
    first = 2
    money = ws.cell(first, col["年度资金总额(万元)"])
    assert isinstance(money.value, (int, float)) and money.number_format == "#,##0.00"
    assert money.value == pytest.approx(table["年度资金总额(万元)"].iloc[0])
    rate = ws.cell(first, col["预算执行率"])
    # A real fraction shown as a percent: 91.2 on screen is 0.912 in the cell.
    assert rate.number_format == "0.0%"
    assert rate.value == pytest.approx(table["预算执行率"].iloc[0] / 100)
    when = ws.cell(first, col["执行数截至"])
    assert isinstance(when.value, datetime) and "年" in when.number_format
    name = ws.cell(first, col["项目名称"])
    assert name.data_type == "s" and name.number_format == "General"
    last = ws.max_row
    assert ws.cell(last, col["项目名称"]).value == "合计"
    assert ws.cell(last, col["年度资金总额(万元)"]).value == pytest.approx(615.95, abs=0.005)


def test_xlsx_integers_scores_and_formula_texts(view) -> None:
    shown = indicator_export(view.indicators.head(5))
    ws = _sheet(exports.frame_xlsx(shown.assign(序号=np.arange(1, len(shown) + 1), 指标值="=1+1")))
    col = {c.value: i + 1 for i, c in enumerate(ws[1])}
    assert ws.cell(2, col["序号"]).number_format == "0" and ws.cell(2, col["序号"]).value == 1
    assert ws.cell(2, col["得分"]).number_format == "0.00"
    assert ws.cell(2, col["完成率%"]).number_format == "0.0%"
    # A text that starts like a formula stays text (exports.safe_cell), never a formula.
    formula = ws.cell(2, col["指标值"])
    assert formula.data_type == "s" and str(formula.value).startswith("'=")


def test_the_rules_cited_on_screen_come_from_the_settings() -> None:
    import tomllib

    from analytics.settings import DEFAULT_SETTINGS, parse_settings

    data = tomllib.loads(DEFAULT_SETTINGS.read_text(encoding="utf-8"))
    assert "财预〔2020〕10号" in parse_settings(data).score_rules
    data["score"]["rules"] = "某省《项目支出绩效评价实施细则》"
    data["lights"].pop("rules")
    changed = parse_settings(data)
    assert changed.score_rules == "某省《项目支出绩效评价实施细则》"
    assert "财预〔2019〕136号" in changed.light_rules  # the default when the file names none


def test_xlsx_times_are_date_cells_to_the_second() -> None:
    log = pd.DataFrame({"编号": [1], "时间": [pd.Timestamp("2026-12-01 09:05:07.654321").floor("s")],
                        "操作": ["登录"]})
    ws = _sheet(exports.frame_xlsx(log, "审计日志"))
    cell = ws.cell(2, 2)
    assert cell.value == datetime(2026, 12, 1, 9, 5, 7) and cell.number_format == wording.DATETIME_XLSX
    assert wording.column_formats(log) == {"时间": ("datetime", wording.DATETIME_COLUMN)}
