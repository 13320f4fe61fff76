"""Issue 11 item 6, "Reporting that forgives": 填报 and 填报记录 as a reporter needs them.

* The templates: targets are text cells (XLSX: data type "s", format "@"; CSV: a formula-like text
  begins with its full-width twin), never behind a visible apostrophe; an instructions sheet 说明
  built from the settings; no 填报人 column (the reporter is whoever is signed in).
* 完成目标可能性 is offered as 确定能 / 有可能 / 完全不可能 and read in the old spellings too.
* The preview compares what values mean ("96.2%" and 96.2, "175000元" and 17.5万元 are 不变) and shows
  the light the value will give, by the engine's own rules, with 完成目标可能性 and the note.
* On-screen entry: errors name the grid's row and column; the preview's rows are the grid's.
* 填报记录: a withdrawal is asked to be confirmed and the form starts empty after; spending reports
  are named by project.

The page tests reuse the seed database, users and helpers of tests/test_reporting_pages.py.
"""

from __future__ import annotations

import dataclasses
import io
from datetime import date

import openpyxl
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analytics import services
from analytics.dashboard import LIGHT_NAMES
from analytics.engine import compute
from analytics.exports import template_xlsx
from analytics.reports import read_likelihood
from analytics.settings import Band, load_settings
from tests.test_reporting_pages import (  # noqa: F401 - db, prepared_db and steady_navigation are fixtures
    P1,
    P2,
    P3,
    P4,
    actual,
    csv_file,
    db,
    errors,
    in_form,
    indicator_id,
    open_page,
    prepared_db,
    shared_store,
    sign_in,
    start,
    steady_navigation,
    successes,
    table_with,
    user,
)

pytestmark = pytest.mark.usefixtures("db")  # a fresh copy of the seed with the users, per test

AS_OF = date(2026, 11, 30)
DAY = AS_OF.isoformat()
SPENDING_HEADER = ["项目名称", "截至日期", "预算执行数(万元)", "说明"]


def spending_csv(rows: list[list[str]]) -> bytes:
    return pd.DataFrame(rows, columns=SPENDING_HEADER).to_csv(index=False).encode("utf-8-sig")


def preview_rows(data: bytes, name: str = "预览.csv") -> pd.DataFrame:
    preview = services.preview_report(shared_store(), user("zhang"), data, name, today=date(2026, 12, 31))
    assert not preview.errors, [str(e) for e in preview.errors]
    return preview.actuals


# -- templates ----------------------------------------------------------------------------------------------


def test_xlsx_template_holds_targets_as_text_cells() -> None:
    wb = openpyxl.load_workbook(io.BytesIO(services.template_bytes(shared_store(), None, "xlsx")))
    ws = wb["指标填报"]
    header = [c.value for c in ws[1]]
    assert "填报人" not in header  # the signed-in user is the reporter
    target = header.index("指标值")
    cells = [r[target] for r in ws.iter_rows(min_row=2)]
    assert {c.data_type for c in cells} == {"s"} and {c.number_format for c in cells} == {"@"}
    assert "=1次" in [c.value for c in cells]  # as the target table writes it
    texts = [c.value for s in wb.worksheets for r in s.iter_rows() for c in r if isinstance(c.value, str)]
    assert not [t for t in texts if t.startswith("'")]
    assert not [c.coordinate for s in wb.worksheets for r in s.iter_rows() for c in r if c.data_type == "f"]
    assert "填报人" not in [c.value for c in wb["预算执行"][1]]


def test_csv_template_shows_no_apostrophe_and_reads_back() -> None:
    store = shared_store()
    data = services.template_bytes(store, [1], "csv")
    text = data.decode("utf-8-sig")
    assert "'" not in text and "＝1次" in text and ",=1次" not in text
    frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert "填报人" not in frame.columns
    # The twin reads back as the target: filling the row in is accepted, not "与目标表不一致".
    once = frame["三级指标"] == "移动源污染防治相关平台升级及打包运维服务项目"  # target "=1次"
    frame.loc[once, ["实际完成值", "截至日期"]] = ["1次", DAY]
    rows = preview_rows(frame.to_csv(index=False).encode("utf-8-sig"), "模板.csv")
    assert rows[["三级指标", "新值", "状态"]].values.tolist() == [
        ["移动源污染防治相关平台升级及打包运维服务项目", "1次", "新增"]]


def test_instructions_sheet_is_built_from_the_settings() -> None:
    s = load_settings()
    changed = dataclasses.replace(
        s, over_completion=1.5, execution_rate_flag_below=0.85,
        qualitative={"达成": Band(85, 100, 95, ()), "部分达成": Band(55, 85, 70, ()), "未达成": Band(0, 55, 20, ())},
        grades=(("优", 92.0), ("良", 81.0), ("中", 61.0), ("差", 0.0)),
    )
    lookup = pd.DataFrame({"indicator_id": [1], "project_name": ["项目甲"], "level1": ["产出指标"],
                           "level2": [None], "name": ["指标甲"], "target_text": ["≥95%"], "kind": ["quantitative"]})
    projects = pd.DataFrame({"name": ["项目甲"], "year": [2026], "funding_total": [10.0]})
    wb = openpyxl.load_workbook(io.BytesIO(template_xlsx(lookup, projects, changed)))
    assert wb.sheetnames == ["指标填报", "预算执行", "说明"]
    rows = dict(r for r in wb["说明"].iter_rows(min_row=2, values_only=True) if r[0])
    for column in ("指标编号", "实际完成值", "截至日期", "评定得分率", "完成目标可能性", "偏差原因分析及改进措施",
                   "预算执行数(万元)", "填报人"):
        assert rows[column], column
    assert "150%" in rows["偏差原因分析及改进措施"]
    assert "85%" in rows["说明"]
    assert rows["达成"] == "[85%, 100%](不填按 95%)"
    assert rows["部分达成"] == "[55%, 85%)(不填按 70%)"
    assert rows["优"] == "92 分及以上" and rows["差"] == "低于 61 分"
    assert "完全不可能" in rows["完成目标可能性"]
    # No cell of the indicator sheet says "None": a missing 二级指标 is blank.
    assert wb["指标填报"]["D2"].value is None


# -- 完成目标可能性 --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("written", "stored"), [
    ("确定能", "确定能"), ("有可能", "有可能"), ("完全不可能", "不可能"), ("不可能", "不可能"), ("可能", "有可能"),
    ("不太可能", None), ("", None),
])
def test_likelihood_spellings(written: str, stored: str | None) -> None:
    assert read_likelihood(written) == stored


def test_the_old_and_the_official_spelling_are_read_and_shown_officially() -> None:
    rows = preview_rows(csv_file([
        actual(P1, "群众满意度", "80%", DAY, likelihood="不可能", note="问卷延期"),
        actual(P1, "移动源污染防治相关平台数据上传率", "90%", DAY, likelihood="完全不可能", note="平台停机"),
    ]))
    assert rows["完成目标可能性"].tolist() == ["完全不可能", "完全不可能"]
    refused = services.preview_report(shared_store(), user("zhang"), csv_file([
        actual(P1, "群众满意度", "80%", DAY, likelihood="不太可能", note="x")]), "x.csv")
    assert [e.reason for e in refused.errors] == ["应为“确定能”“有可能”或“完全不可能”"]


# -- the preview ----------------------------------------------------------------------------------------------


def test_preview_compares_normalised_values() -> None:
    store = shared_store()
    services.commit_report(store, user("zhang"), csv_file([
        actual(P1, "群众满意度", "96.2%", DAY),
        actual(P1, "标气标牌采购费用", "175000元", DAY),
    ]), "先报.csv")
    same = preview_rows(csv_file([
        actual(P1, "群众满意度", "96.2", DAY),
        actual(P1, "标气标牌采购费用", "17.5万元", DAY),
    ]))
    assert same[["三级指标", "原值", "新值", "状态"]].values.tolist() == [
        ["群众满意度", "96.2%", "96.2", "不变"], ["标气标牌采购费用", "175000元", "17.5万元", "不变"]]
    assert preview_rows(csv_file([actual(P1, "标气标牌采购费用", "17.5万", DAY)]))["状态"].tolist() == ["不变"]
    changed = preview_rows(csv_file([
        actual(P1, "群众满意度", "96.3%", DAY),
        actual(P1, "标气标牌采购费用", "17.5万元", "2026-11-29"),  # same value, another 截至日期
    ]))
    assert changed["状态"].tolist() == ["更改", "更改"]


def test_preview_shows_the_light_the_engine_will_give() -> None:
    store = shared_store()
    rows = [
        actual(P1, "群众满意度", "96%", DAY),                          # green
        actual(P1, "环境空气质量PM2.5", "50", DAY, note="供暖季"),      # lower is better, missed: red
        actual(P1, "标气标牌采购完成时间", "2026-11-15", DAY),          # deadline met: green
        actual(P2, "智能化系统巡检服务", "1次", DAY, likelihood="有可能", note="设备到货晚"),  # cumulative: red
        actual(P2, "网络使用人员满意度", "85%", DAY),                  # 85 / 95: green above 80% of target
        actual(P3, "通过开展清洁生产审核,提升节能减排效果", "部分达成", DAY),  # yellow
        actual(P4, "新建界标", "不适用", DAY),                         # grey
        actual(P4, "新建道路警示牌", "40块", DAY),
    ]
    preview = preview_rows(csv_file(rows))
    assert preview["偏差原因分析及改进措施"].tolist()[:2] == ["", "供暖季"]
    assert preview["完成目标可能性"].tolist()[3] == "有可能"
    services.commit_report(store, user("zhang"), csv_file(rows), "先报.csv")
    engine = compute(store, AS_OF).indicators.set_index("indicator_id")
    ids = [indicator_id(store, r[0], r[1]) for r in rows]
    expected = [LIGHT_NAMES[str(engine.loc[i, "light"])] for i in ids]
    assert preview["提交后信号灯"].tolist() == expected
    assert set(expected) >= {"绿灯", "红灯", "黄灯", "灰灯"}  # the sample covers the rules, not one branch


# -- the pages -----------------------------------------------------------------------------------------------


def edit(at: AppTest, key: str, rows: dict[int, dict[str, str]]) -> None:
    """Type into the grid ``key``: ``rows`` by the grid's row number (1 = first), as the user sees it."""
    at.session_state[key] = {"edited_rows": {n - 1: cells for n, cells in rows.items()},
                             "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception, at.exception


def test_on_screen_errors_point_at_the_grid() -> None:
    at = open_page(sign_in(start(), "zhang"), "pages/report.py", "填报")
    grid = at.data_editor(key="entry_1_0").value
    assert grid.index.tolist() == list(range(1, 11))  # numbered as shown
    assert not grid.isna().any().any()  # every cell a value or "": nothing for the grid to show as "None"
    assert grid.loc[3, "指标值"] == "＝1次"  # formula-safe without an apostrophe
    edit(at, "entry_1_0", {
        3: {"实际完成值": "很多"},                                      # 移动源…打包运维服务项目, =1次
        5: {"实际完成值": "90%", "完成目标可能性": "有可能"},            # 数据上传率: a note and a category
    })
    assert errors(at) == ["有 3 处错误,尚未提交。请在上面的表格中改正:"]
    shown = table_with(at, "位置")
    assert shown["位置"].tolist() == ["表格第 3 行“实际完成值”列", "表格第 5 行“偏差原因分析及改进措施”列",
                                    "表格第 5 行“偏差原因类别”列"]
    assert shown["值"].tolist() == ["很多", "", ""]

    edit(at, "entry_1_0", {5: {"实际完成值": "98%", "完成目标可能性": "确定能"}, 9: {"实际完成值": "30"}})
    assert errors(at) == []
    preview = table_with(at, "表格行")
    assert preview[["表格行", "三级指标", "新值", "完成目标可能性"]].values.tolist() == [
        [5, "移动源污染防治相关平台数据上传率", "98%", "确定能"], [9, "环境空气质量PM2.5", "30", ""]]


def test_withdrawal_is_confirmed_and_the_form_starts_empty() -> None:
    store = shared_store()
    services.commit_report(store, user("zhang"), csv_file([
        actual(P1, "群众满意度", "96%", DAY), actual(P1, "环境空气质量PM2.5", "30", DAY)]), "张.csv")
    at = open_page(sign_in(start(), "zhang"), "pages/history.py", "填报记录")
    first = in_form(at.selectbox, "withdraw_actual", "填报").value
    in_form(at.text_input, "withdraw_actual", "撤回原因").input("填错了")
    in_form(at.button, "withdraw_actual", "撤回").click()
    at.run()
    assert not at.exception, at.exception
    (ask,) = [w.value for w in at.warning]
    assert ask.startswith("确定撤回“#") and "填错了" in ask
    assert store.table_counts()["withdrawals"] == 0

    at.button(key="cancel_actual").click()
    at.run()
    assert not at.warning and store.table_counts()["withdrawals"] == 0

    in_form(at.button, "withdraw_actual", "撤回").click()  # the form kept its choice and reason
    at.run()
    at.button(key="confirm_actual").click()
    at.run()
    assert not at.exception, at.exception
    assert successes(at) == [f"已撤回填报 #{first}。"]
    assert store.report_history()[["report_id", "withdrawn"]].set_index("report_id")["withdrawn"][first]
    assert in_form(at.text_input, "withdraw_actual", "撤回原因").value == ""  # starts empty
    assert not at.warning


def test_spending_reports_are_named_by_project() -> None:
    store = shared_store()
    services.commit_report(store, user("zhang"), spending_csv([[P1, DAY, "50", ""]]), "预算.csv")
    at = open_page(sign_in(start(), "zhang"), "pages/history.py", "填报记录")
    shown = table_with(at, "预算执行数(万元)")
    assert shown["项目"].tolist() == [P1] and "项目编号" not in shown.columns
    choice = in_form(at.selectbox, "withdraw_spending", "填报")
    (rid,) = choice.options
    assert P1 in rid and "50.00 万元" in rid and "项目1" not in rid


def test_review_table_and_indicator_history_read_the_official_spelling() -> None:
    """A stored 不可能 (imported 监控表 and reports alike) reads 完全不可能 on 评审 and 指标."""
    from analytics.dashboard import Filters, build_view, review_table

    store = shared_store()
    services.commit_report(store, user("zhang"), csv_file([
        actual(P1, "群众满意度", "80%", DAY, likelihood="不可能", note="问卷延期")]), "先报.csv")
    assert store.report_history()["likelihood"].tolist() == ["不可能"]  # what the store keeps
    table = review_table(store, build_view(store, Filters(as_of=AS_OF)), 1)
    assert table.loc[table["三级指标"] == "群众满意度", "完成目标可能性"].tolist() == ["完全不可能"]
    assert set(table["完成目标可能性"]) == {"", "完全不可能"}
