"""Issue 12 item 2: what only the reporter knows for the 监控表 (domain.md section 8).

Per indicator 偏差原因类别 and 全年预计完成情况, per project (the spending rows) 全年预计执行数 and
实际完成情况: in the template (XLSX and CSV, and its 说明 sheet), in the checks of an upload, on
screen, in the store (new nullable columns, added to older database files and older backups), and
from an imported 监控表. Every test builds its own data from the seed and the sample report.
"""

from __future__ import annotations

import csv
import io
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from analytics import services
from analytics.backup import backup, restore
from analytics.exports import template_xlsx
from analytics.model import DEVIATION_CATEGORIES, BudgetLine, Indicator, ProjectTable
from analytics.reports import INDICATOR_COLUMNS, SPENDING_COLUMNS, ReportRefused, read_category
from analytics.settings import load_settings
from analytics.storage import ADDED_COLUMNS, Store
from analytics.values import parse_target
from tests.conftest import ROOT
from tests.test_reporting_pages import (  # noqa: F401 - db, prepared_db and steady_navigation are fixtures
    P1,
    P2,
    db,
    open_page,
    prepared_db,
    shared_store,
    sign_in,
    start,
    steady_navigation,
    successes,
    table_with,
)

SEED = ROOT / "data" / "000_8af13639028b6537.txt"
SAMPLE = ROOT / "data" / "samples" / "actuals_2026.xlsx"
T = date(2026, 12, 31)
D = Decimal
NEW = {"偏差原因类别", "全年预计完成情况", "全年预计执行数(万元)", "实际完成情况"}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed alone, built once; each test works on a copy."""
    path = tmp_path_factory.mktemp("monfields") / "seed.duckdb"
    store = Store.open(path)
    try:
        services.load_seed_if_empty(store)
    finally:
        store.close()
    return path


@pytest.fixture
def store(seeded: Path, tmp_path: Path):
    path = tmp_path / "work.duckdb"
    shutil.copy(seeded, path)
    s = Store.open(path)
    yield s
    s.close()


def indicator(store: Store, project: str, name: str) -> int:
    lk = store.indicator_lookup()
    (iid,) = lk.loc[(lk["project_name"] == project) & (lk["name"] == name), "indicator_id"].tolist()
    return int(iid)


def filled_template(store: Store, rows: dict[tuple[str, str], dict[str, object]],
                    spending: dict[str, dict[str, object]] | None = None) -> bytes:
    """The XLSX template as downloaded, with ``rows`` typed in by (project, 三级指标) → {column: value}.

    Strings are written as string cells, as a spreadsheet keeps what is typed into a text cell.
    """
    wb = openpyxl.load_workbook(io.BytesIO(services.template_bytes(store, None, "xlsx")))
    for sheet, typed, key_of in (("指标填报", rows, lambda r: (r["项目名称"], r["三级指标"])),
                                 ("预算执行", spending or {}, lambda r: r["项目名称"])):
        ws = wb[sheet]
        header = [c.value for c in ws[1]]
        for cells in ws.iter_rows(min_row=2):
            values = dict(zip(header, (c.value for c in cells), strict=True))
            for column, value in typed.get(key_of(values), {}).items():
                cell = cells[header.index(column)]
                cell.value = value
                if isinstance(value, str):
                    cell.data_type = "s"  # after the value: openpyxl would take "=…" for a formula
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv_bytes(header: list[str], rows: list[list[object]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows([header, *rows])
    return buf.getvalue().encode("utf-8-sig")


def refused(store: Store, data: bytes, file_name: str) -> list[str]:
    """Loading is refused whole, nothing of any table changes; the messages, one per wrong cell."""
    before = store.table_counts()
    with pytest.raises(ReportRefused) as info:
        services.load_report(store, data, file_name, reporter="测试员", today=T)
    assert store.table_counts() == before
    text = str(info.value)
    assert text.startswith(f"文件“{file_name}”有 ") and "整个文件未导入" in text
    return [str(e) for e in info.value.errors]


# -- the template ------------------------------------------------------------------------------------------------
def test_the_xlsx_template_has_the_columns_lists_and_instructions(store: Store) -> None:
    wb = openpyxl.load_workbook(io.BytesIO(services.template_bytes(store, None, "xlsx")))
    ws = wb["指标填报"]
    header = [c.value for c in ws[1]]
    assert header == list(INDICATOR_COLUMNS)
    # New columns come last: an older template's columns keep their letters (J 可能性, K 偏差原因).
    assert header[-2:] == ["偏差原因类别", "全年预计完成情况"]
    assert header[9:11] == ["完成目标可能性", "偏差原因分析及改进措施"]
    n = ws.max_row
    lists = {dv.formula1: str(dv.sqref) for dv in ws.data_validations.dataValidation}
    assert lists['"' + ",".join(DEVIATION_CATEGORIES) + '"'] == f"L2:L{n}"
    for r in range(2, n + 1):
        assert ws[f"L{r}"].value is None and ws[f"M{r}"].value is None  # nothing invented
        assert ws[f"L{r}"].number_format == "@" and ws[f"M{r}"].number_format == "@"  # typed text stays text

    spend = wb["预算执行"]
    sheader = [c.value for c in spend[1]]
    assert sheader[-2:] == ["全年预计执行数(万元)", "实际完成情况"]
    assert all(r[-2] is None and r[-1] is None for r in spend.iter_rows(min_row=2, values_only=True))
    assert spend.cell(2, sheader.index("实际完成情况") + 1).number_format == "@"

    said = dict(r for r in wb["说明"].iter_rows(min_row=2, values_only=True) if r[0])
    assert all(c in said["偏差原因类别"] for c in DEVIATION_CATEGORIES)
    assert "有可能" in said["偏差原因类别"] and "完全不可能" in said["偏差原因类别"]
    assert "偏差原因类别" in said["完成目标可能性"]  # the likelihood's rule names both fields now
    limit = load_settings().text_limits.note_chars
    assert f"最多 {limit} 个字" in said["全年预计完成情况"] and f"最多 {limit} 个字" in said["实际完成情况"]
    assert "不能为负数" in said["全年预计执行数(万元)"] and "万元" in said["全年预计执行数(万元)"]
    assert "会被拒绝" in said["未填实际完成值的行"] and "会被拒绝" in said["未填预算执行数的行"]


def test_the_instructions_follow_the_text_limit_in_the_settings(store: Store) -> None:
    import dataclasses

    s = load_settings()
    changed = dataclasses.replace(s, text_limits=dataclasses.replace(s.text_limits, note_chars=321))
    wb = openpyxl.load_workbook(io.BytesIO(template_xlsx(store.indicator_lookup(), store.projects_frame(), changed)))
    said = dict(r for r in wb["说明"].iter_rows(min_row=2, values_only=True) if r[0])
    assert "最多 321 个字" in said["全年预计完成情况"]


def test_the_csv_template_has_the_indicator_columns_and_reads_back(store: Store) -> None:
    data = services.template_bytes(store, [2], "csv")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == list(INDICATOR_COLUMNS)
    header = rows[0]
    for r in rows[1:]:
        if r[header.index("三级指标")] == "智能化系统巡检服务":
            r[header.index("实际完成值")] = "3次"
            r[header.index("截至日期")] = "2026-11-20"
            r[header.index("完成目标可能性")] = "有可能"
            r[header.index("偏差原因分析及改进措施")] = "第四次巡检安排在12月中旬"
            r[header.index("偏差原因类别")] = "硬件条件保障"
            r[header.index("全年预计完成情况")] = "4次"
    services.load_report(store, csv_bytes(header, rows[1:]), "模板.csv", reporter="李强", today=T)
    (stored,) = store.con.execute("SELECT deviation_category, forecast_text FROM actual_reports").fetchall()
    assert stored == ("硬件条件保障", "4次")


# -- uploads -----------------------------------------------------------------------------------------------------
def test_an_upload_with_the_new_columns_stores_them(store: Store) -> None:
    scan = indicator(store, P2, "智能化系统巡检服务")
    rate = indicator(store, P2, "网络使用人员满意度")
    data = filled_template(store, {
        (P2, "智能化系统巡检服务"): {"实际完成值": "3次", "截至日期": "2026-11-20", "完成目标可能性": "有可能",
                                   "偏差原因分析及改进措施": "第四次巡检排在12月", "偏差原因类别": "硬件条件保障",
                                   "全年预计完成情况": "4次"},
        # A forecast that looks like a formula stays text; short spellings of a category are read.
        (P2, "网络使用人员满意度"): {"实际完成值": "90%", "截至日期": "2026-11-20", "完成目标可能性": "确定能",
                                  "偏差原因分析及改进措施": "问卷样本偏少", "偏差原因类别": "人员",
                                  "全年预计完成情况": "=SUM(A1)"},
    }, {P2: {"截至日期": "2026-11-20", "预算执行数(万元)": 50, "全年预计执行数(万元)": "1234567.8元",
             "实际完成情况": "+系统运维正常,巡检12月补齐"}})
    result = services.load_report(store, data, "监控填报.xlsx", reporter="李强", today=T)
    assert (result.actuals, result.spending) == (2, 1)

    latest = store.latest_reports([scan, rate]).set_index("indicator_id")
    fields = ["likelihood", "deviation_category", "forecast_text"]
    assert latest.loc[scan, fields].tolist() == ["有可能", "硬件条件保障", "4次"]
    assert latest.loc[rate, ["deviation_category", "forecast_text"]].tolist() == ["人员保障", "=SUM(A1)"]
    history = store.report_history([scan])
    assert history[["deviation_category", "forecast_text"]].values.tolist() == [["硬件条件保障", "4次"]]

    # Exact: 1234567.8元 is 123.45678 万元, to the last digit, as a DECIMAL like the amount.
    (forecast, kind), = store.con.execute(
        "SELECT forecast, typeof(forecast) FROM spending_reports").fetchall()
    assert forecast == D("123.456780") and kind == "DECIMAL(18,6)"
    spent = store.latest_spending([2]).iloc[0]
    assert spent["goal_actual"] == "+系统运维正常,巡检12月补齐"
    assert spent["forecast"] == pytest.approx(123.45678)
    assert store.spending_history([2])["goal_actual"].tolist() == ["+系统运维正常,巡检12月补齐"]


def test_the_preview_shows_the_new_fields(db: Path) -> None:  # noqa: F811
    store = shared_store()
    from tests.test_reporting_pages import user

    data = filled_template(store, {
        (P2, "智能化系统巡检服务"): {"实际完成值": "3次", "截至日期": "2026-11-20", "完成目标可能性": "有可能",
                                   "偏差原因分析及改进措施": "第四次巡检排在12月", "偏差原因类别": "硬件条件保障",
                                   "全年预计完成情况": "4次"},
    }, {P2: {"截至日期": "2026-11-20", "预算执行数(万元)": "50", "全年预计执行数(万元)": "62",
             "实际完成情况": "运维正常"}})
    preview = services.preview_report(store, user("zhang"), data, "监控填报.xlsx", today=T)
    assert preview.ok, preview.errors
    assert preview.actuals[["偏差原因类别", "全年预计完成情况"]].values.tolist() == [["硬件条件保障", "4次"]]
    assert preview.spending[["全年预计执行数(万元)", "实际完成情况"]].values.tolist() == [["62.00", "运维正常"]]


def test_a_file_without_the_new_columns_keeps_the_older_rule(store: Store) -> None:
    """A file made from an older template (no 偏差原因类别 column): 有可能 needs the note only, as before."""
    header = ["项目名称", "三级指标", "实际完成值", "截至日期", "完成目标可能性", "偏差原因分析及改进措施"]
    data = csv_bytes(header, [[P2, "智能化系统巡检服务", "3次", "2026-11-20", "有可能", "第四次巡检排在12月"]])
    assert services.load_report(store, data, "旧模板.csv", today=T).actuals == 1
    stored = store.con.execute("SELECT deviation_category, forecast_text FROM actual_reports").fetchall()
    assert stored == [(None, None)]


# A good row for each refusal to stand beside: a wrong row refuses the whole file.
GOOD = [P1, "群众满意度", "96%", "2026-11-20", "确定能", "", "", ""]
HEADER = ["项目名称", "三级指标", "实际完成值", "截至日期", "完成目标可能性", "偏差原因分析及改进措施", "偏差原因类别",
          "全年预计完成情况"]


@pytest.mark.parametrize(("row", "column", "reason"), [
    ([P2, "智能化系统巡检服务", "3次", "2026-11-20", "有可能", "排期推迟", "资金问题", ""],
     "偏差原因类别", "应为经费保障、制度保障、人员保障、硬件条件保障、其他之一"),
    ([P2, "智能化系统巡检服务", "3次", "2026-11-20", "有可能", "排期推迟", "", ""],
     "偏差原因类别", "完成目标可能性为“有可能”时必须选择偏差原因类别"),
    ([P2, "智能化系统巡检服务", "3次", "2026-11-20", "不可能", "排期推迟", "", ""],
     "偏差原因类别", "完成目标可能性为“完全不可能”时必须选择偏差原因类别"),
    ([P2, "智能化系统巡检服务", "3次", "2026-11-20", "有可能", "", "人员保障", ""],
     "偏差原因分析及改进措施", "完成目标可能性为“有可能”时必须填写偏差原因和改进措施"),
    ([P2, "智能化系统巡检服务", "3次", "2026-11-20", "确定能", "", "经费保障", ""],
     "偏差原因分析及改进措施", "选择了偏差原因类别“经费保障”时必须填写偏差原因和改进措施"),
    ([P2, "智能化系统巡检服务", "", "2026-11-20", "", "", "", "4次"],
     "实际完成值", "本行填写了“全年预计完成情况”,但没有填写实际完成值"),
])
def test_wrong_indicator_rows_are_refused_with_file_row_and_column(store: Store, row: list, column: str,
                                                                    reason: str) -> None:
    messages = refused(store, csv_bytes(HEADER, [GOOD, row]), "监控.csv")
    (message,) = messages
    assert f"第3行“{column}”列" in message and reason in message, message
    assert "智能化系统巡检服务" in message  # the row is found by what it reports


def test_too_long_texts_are_refused_with_their_row_and_column(store: Store) -> None:
    limit = load_settings().text_limits.note_chars
    long = "预" * (limit + 1)
    messages = refused(store, csv_bytes(HEADER, [GOOD, [P2, "智能化系统巡检服务", "3次", "2026-11-20", "", "", "",
                                                          long]]), "监控.csv")
    assert len(messages) == 1 and "第3行“全年预计完成情况”列" in messages[0]
    assert f"最多 {limit} 个字,现有 {limit + 1} 个字" in messages[0] and "请缩短后重新上传" in messages[0]

    header = ["项目名称", "截至日期", "预算执行数(万元)", "说明", "全年预计执行数(万元)", "实际完成情况"]
    messages = refused(store, csv_bytes(header, [[P1, "2026-11-20", "50", "", "", "完成" * limit]]), "预算.csv")
    assert len(messages) == 1 and "第2行“实际完成情况”列" in messages[0] and f"最多 {limit} 个字" in messages[0]


@pytest.mark.parametrize(("forecast", "amount", "reason"), [
    ("-5", "50", "全年预计执行数不能为负数"),
    ("-5万元", "50", "全年预计执行数不能为负数"),
    ("40", "50", "全年预计执行数小于截至日期已执行的 50 万元,请核对"),
    ("很多", "50", "不是金额:全年预计执行数请填写万元金额"),
    ("12个", "50", "不是金额:全年预计执行数请填写万元金额"),
])
def test_a_wrong_forecast_is_refused(store: Store, forecast: str, amount: str, reason: str) -> None:
    header = list(SPENDING_COLUMNS)
    good = [P2, "2026-11-20", "50", "", "62", ""]
    messages = refused(store, csv_bytes(header, [good, [P1, "2026-11-20", amount, "", forecast, ""]]), "预算.csv")
    (message,) = messages
    assert "第3行“全年预计执行数(万元)”列" in message and reason in message and P1 in message, message


def test_a_forecast_or_outcome_without_the_amount_is_refused_not_dropped(store: Store) -> None:
    header = list(SPENDING_COLUMNS)
    (message,) = refused(store, csv_bytes(header, [[P1, "2026-11-20", "", "", "78", "平台已升级"]]), "预算.csv")
    assert "第2行“预算执行数(万元)”列" in message
    assert "本行填写了“全年预计执行数(万元)”“实际完成情况”,但没有填写预算执行数" in message


def test_a_forecast_in_a_formula_cell_is_refused(store: Store) -> None:
    """An XLSX formula is never taken for the number it computes."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "预算执行"
    ws.append(list(SPENDING_COLUMNS))
    ws.append([P1, "2026-11-20", 50, None, "=60+18", None])
    buf = io.BytesIO()
    wb.save(buf)
    (message,) = refused(store, buf.getvalue(), "公式.xlsx")
    assert "第2行“全年预计执行数(万元)”列" in message and "是公式" in message


@pytest.mark.parametrize(("written", "stored"), [
    ("经费保障", "经费保障"), ("经费", "经费保障"), ("硬件", "硬件条件保障"), ("硬件条件", "硬件条件保障"),
    ("其它", "其他"), (" 制度保障 ", "制度保障"), ("资金", None), ("", None),
])
def test_category_spellings(written: str, stored: str | None) -> None:
    assert read_category(written) == stored


# -- storage: an older database file and an older backup ---------------------------------------------------------
def _old_layout(store: Store) -> None:
    """Turn a database into the layout of the previous version: the reporter's columns did not exist."""
    for table, column, _ in ADDED_COLUMNS:
        store.con.execute(f"ALTER TABLE {table} DROP COLUMN {column}")


def test_a_database_of_the_previous_version_opens_with_every_row(store: Store, tmp_path: Path) -> None:
    services.load_report(store, SAMPLE.read_bytes(), SAMPLE.name, today=T)
    path = store.path
    _old_layout(store)
    before = {t: store.con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
              for t in ("actual_reports", "spending_reports")}
    counts = store.table_counts()
    assert counts["actual_reports"] == 50 and counts["spending_reports"] == 5
    store.close()

    # A read-only open of an older file upgrades it first, as documented in Store.open.
    reopened = Store.open(path, read_only=True)
    try:
        assert reopened.table_counts() == counts
        for table, rows in before.items():
            old_columns = [c for c in reopened.con.execute(f"SELECT * FROM {table} LIMIT 0").df().columns
                           if (table, c) not in {(t, c2) for t, c2, _ in ADDED_COLUMNS}]
            kept = reopened.con.execute(f"SELECT {', '.join(old_columns)} FROM {table} ORDER BY ALL").fetchall()
            assert kept == rows, table
        for table, column, _ in ADDED_COLUMNS:
            assert reopened.con.execute(f"SELECT count({column}) FROM {table}").fetchone()[0] == 0
    finally:
        reopened.close()

    # Opened again, nothing more to do: the upgraded file has the current layout, and new reports keep the fields.
    again = Store.open(path)
    try:
        assert again.table_counts() == counts
        types = dict(again.con.execute(
            "SELECT table_name || '.' || column_name, data_type FROM duckdb_columns() "
            "WHERE table_name IN ('actual_reports', 'spending_reports')").fetchall())
        assert types["spending_reports.forecast"] == types["spending_reports.amount"] == "DECIMAL(18,6)"
        assert types["actual_reports.deviation_category"] == "VARCHAR"
        header = list(SPENDING_COLUMNS)
        data = csv_bytes(header, [[P1, "2026-12-20", "77", "", "78", "已完成"]])
        services.load_report(again, data, "新.csv", today=T)
        latest = again.latest_spending([1]).iloc[0]
        assert latest[["amount", "forecast", "goal_actual"]].tolist() == [77.0, 78.0, "已完成"]
    finally:
        again.close()


def test_a_backup_keeps_the_fields_and_an_older_backup_restores(store: Store, tmp_path: Path) -> None:
    data = filled_template(store, {
        (P2, "智能化系统巡检服务"): {"实际完成值": "3次", "截至日期": "2026-11-20", "完成目标可能性": "有可能",
                                   "偏差原因分析及改进措施": "排期推迟", "偏差原因类别": "硬件条件保障",
                                   "全年预计完成情况": "4次"},
    }, {P2: {"截至日期": "2026-11-20", "预算执行数(万元)": 50, "全年预计执行数(万元)": "62.5",
             "实际完成情况": "运维正常"}})
    services.load_report(store, data, "监控填报.xlsx", today=T)
    backup(store, tmp_path / "new")
    restored = Store.open(tmp_path / "restored.duckdb")
    try:
        restore(restored, tmp_path / "new")
        sql = ("SELECT deviation_category, forecast_text FROM actual_reports UNION ALL "
               "SELECT CAST(forecast AS VARCHAR), goal_actual FROM spending_reports")
        assert restored.con.execute(sql).fetchall() == [("硬件条件保障", "4次"), ("62.500000", "运维正常")]
    finally:
        restored.close()

    # A backup written by the previous version has no such columns: it restores, with them empty.
    _old_layout(store)
    backup(store, tmp_path / "old")
    old = Store.open(tmp_path / "from_old.duckdb")
    try:
        restore(old, tmp_path / "old")
        assert old.table_counts()["actual_reports"] == 1
        rows = old.con.execute("SELECT value_text, deviation_category FROM actual_reports").fetchall()
        assert rows == [("3次", None)]
        assert old.con.execute("SELECT amount, forecast FROM spending_reports").fetchall() == [(D("50.000000"), None)]
    finally:
        old.close()


# -- an imported 监控表 --------------------------------------------------------------------------------------------
def _monitor_table() -> ProjectTable:
    """A 1-6月 监控表 as the parser returns it: categories, 全年预计 per row, 全年预计执行数, the goal outcome."""
    def ind(level2: str, name: str, target: str, actual: str, **extra: str) -> Indicator:
        return Indicator("产出指标", level2, name, parse_target(target, "产出指标", name, 2026),
                         location=f"{name}所在行", actual_text=actual, **extra)

    return ProjectTable(
        year=2026, name="城区污水管网改造项目", department="某县住房和城乡建设局", unit="某县城市管理服务中心",
        start_date=date(2026, 1, 1), end_date=date(2026, 12, 31), funding_total=D("100"),
        funding_fiscal=D("100"), kind="monitor", month=6, goal_actual="已完成管网改造6公里。",
        budget=[BudgetLine("年度资金总额", initial=D("100"), executed=D("41.2"), forecast=D("96.5"))],
        indicators=[
            ind("数量指标", "新建污水管网长度", "≥12公里", "6公里", likelihood="确定能", forecast_text="12公里"),
            ind("质量指标", "工程验收合格率", "≥95%", "90%", likelihood="有可能", deviation_category="经费保障",
                note="资金拨付滞后;加快资金拨付进度", forecast_text="95%"),
        ],
    )


def test_an_imported_monitor_table_lands_its_fields_in_the_reports(store: Store) -> None:
    r = services.import_tables(store, [_monitor_table()], "半年监控表.xlsx", "h1", imported_by="张三")
    assert (r.actuals_new, r.spending_new) == (2, 1)
    rows = dict((name, rest) for name, *rest in store.con.execute(
        "SELECT i.name, a.as_of, a.likelihood, a.deviation_category, a.forecast_text FROM actual_reports a "
        "JOIN indicators i USING (indicator_id)").fetchall())
    june = date(2026, 6, 30)
    assert rows["新建污水管网长度"] == [june, "确定能", None, "12公里"]
    assert rows["工程验收合格率"] == [june, "有可能", "经费保障", "95%"]
    assert store.con.execute("SELECT as_of, amount, forecast, goal_actual FROM spending_reports").fetchall() == [
        (june, D("41.2"), D("96.5"), "已完成管网改造6公里。")]
    # Read by month X's cut-off like the forms do: as of 31 July the June report is the latest.
    pid = int(store.projects_frame().query("name == '城区污水管网改造项目'")["project_id"].iloc[0])
    assert store.latest_spending([pid], as_of=date(2026, 7, 31)).iloc[0]["goal_actual"] == "已完成管网改造6公里。"
    assert store.latest_spending([pid], as_of=date(2026, 5, 31)).empty

    # The same table again adds nothing; a changed forecast is a new report, the old one kept.
    again = services.import_tables(store, [_monitor_table()], "半年监控表.pdf", "h2", imported_by="张三")
    assert (again.actuals_new, again.spending_new) == (0, 0)
    changed = _monitor_table()
    changed.indicators[1].forecast_text = "93%"
    changed.budget[0].forecast = D("90")
    later = services.import_tables(store, [changed], "半年监控表-修订.xlsx", "h3", imported_by="张三")
    assert (later.actuals_new, later.spending_new) == (1, 1)
    assert store.con.execute("SELECT forecast FROM spending_reports ORDER BY report_id").fetchall() == [
        (D("96.5"),), (D("90"),)]


# -- on screen ---------------------------------------------------------------------------------------------------
def _edit(at, key: str, rows: dict[int, dict[str, str]]) -> None:
    at.session_state[key] = {"edited_rows": {n - 1: cells for n, cells in rows.items()},
                             "added_rows": [], "deleted_rows": []}


def test_on_screen_entry_stores_the_new_fields(db: Path) -> None:  # noqa: F811
    at = open_page(sign_in(start(), "zhang"), "pages/report.py", "填报")
    entry = at.data_editor(key="entry_1_0").value
    monitor = at.data_editor(key="monitor_1_0").value
    assert monitor.index.tolist() == entry.index.tolist()  # row for row, numbered alike
    assert monitor["三级指标"].tolist() == entry["三级指标"].tolist()
    assert set(monitor.columns) >= {"偏差原因类别", "全年预计完成情况"}
    (row,) = entry.index[entry["三级指标"] == "移动源污染防治相关平台数据上传率"].tolist()

    # A category is needed with 有可能: the error names the grid's row and the column.
    _edit(at, "entry_1_0", {row: {"实际完成值": "90%", "完成目标可能性": "有可能",
                                  "偏差原因分析及改进措施": "平台停机"}})
    at.run()
    assert not at.exception, at.exception
    shown = table_with(at, "位置")
    assert shown["位置"].tolist() == [f"表格第 {row} 行“偏差原因类别”列"]

    _edit(at, "monitor_1_0", {row: {"偏差原因类别": "硬件条件保障", "全年预计完成情况": "98%"}})
    at.run()
    assert not at.exception, at.exception
    assert successes(at) == ["全部 1 行检查通过:新增 1 行,更改 0 行,不变 0 行。"]
    preview = table_with(at, "表格行")
    assert preview[["表格行", "偏差原因类别", "全年预计完成情况"]].values.tolist() == [[row, "硬件条件保障", "98%"]]
    at.button(key="commit_entry").click()
    at.run()
    assert not at.exception, at.exception
    assert successes(at)[0].startswith("已提交:指标 1 条")
    store = shared_store()
    iid = indicator(store, P1, "移动源污染防治相关平台数据上传率")
    latest = store.latest_reports([iid]).iloc[0]
    assert latest[["value_text", "likelihood", "note", "deviation_category", "forecast_text", "reporter"]].tolist() == [
        "90%", "有可能", "平台停机", "硬件条件保障", "98%", "zhang"]
    # Both grids start afresh after the commit.
    assert at.data_editor(key="monitor_1_1").value["偏差原因类别"].tolist() == [""] * len(entry)

    # Spending on screen: 全年预计执行数 and 实际完成情况 with the amount.
    _edit(at, "spend_1_0", {1: {"预算执行数(万元)": "70", "截至日期": "2026-12-20", "全年预计执行数(万元)": "78",
                               "实际完成情况": "平台升级和采购已完成"}})
    at.run()
    assert not at.exception, at.exception
    assert table_with(at, "实际完成情况")[["全年预计执行数(万元)", "实际完成情况"]].values.tolist() == [
        ["78.00", "平台升级和采购已完成"]]
    at.button(key="commit_spend").click()
    at.run()
    assert not at.exception, at.exception
    assert store.con.execute("SELECT amount, forecast, goal_actual, reporter FROM spending_reports").fetchall() == [
        (D("70"), D("78"), "平台升级和采购已完成", "zhang")]


def test_on_screen_a_forecast_without_a_value_is_pointed_at_not_dropped(db: Path) -> None:  # noqa: F811
    at = open_page(sign_in(start(), "zhang"), "pages/report.py", "填报")
    _edit(at, "monitor_1_0", {2: {"全年预计完成情况": "18万元"}})
    at.run()
    assert not at.exception, at.exception
    shown = table_with(at, "位置")
    assert shown["位置"].tolist() == ["表格第 2 行“实际完成值”列"]
    assert "全年预计完成情况" in shown["原因"].iloc[0]
    assert shared_store().table_counts()["actual_reports"] == 0

    _edit(at, "spend_1_0", {1: {"全年预计执行数(万元)": "-3", "预算执行数(万元)": "10"}})
    at.run()
    shown = [t for t in (d.value for d in at.dataframe if d.editing_mode == "read_only") if "位置" in t.columns]
    assert any("表格第 1 行“全年预计执行数(万元)”列" in v and "不能为负数" in r
               for t in shown for v, r in zip(t["位置"], t["原因"], strict=True))
