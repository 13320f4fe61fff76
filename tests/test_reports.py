"""Report files of actual values and spending (domain.md section 3): every row is checked, a file
with any wrong row is refused whole with every wrong row listed, accepted files are appended.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from analytics import services
from analytics.engine import compute
from analytics.model import InputError
from analytics.reports import INDICATOR_COLUMNS, ReportRefused, read_sheets
from analytics.storage import Store
from tests.fixtures import TWIN_PROJECT, TWIN_TABLE

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "data" / "000_8af13639028b6537.txt"
SAMPLE = ROOT / "data" / "samples" / "actuals_2026.xlsx"
T = date(2026, 12, 31)

P1 = "生态环保行业管理_机动车污染防治项目"
P2 = "生态环境应急管理_2026年南昌市环境监控中心运行维护和网络安全保障项目"
P3 = "生态环保行业管理_2026年度生态环境综合技术评估服务项目"
P4 = "南昌市县级及以上集中式饮用水水源地规范化建设项目"
QUAL_P3 = "通过开展清洁生产审核,提升节能减排效果"

ACTUAL_HEADER = ["指标编号", "项目名称", "三级指标", "指标值", "实际完成值", "截至日期", "评定得分率",
                 "完成目标可能性", "偏差原因分析及改进措施", "填报人"]
SPENDING_HEADER = ["项目名称", "截至日期", "预算执行数(万元)", "说明", "填报人"]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(tmp_path / "x.duckdb")
    services.import_file(s, SEED)
    assert s.table_counts()["indicators"] == 59
    yield s
    s.close()


def csv_bytes(header: list[str], rows: list[list[object]], encoding: str = "utf-8-sig") -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode(encoding)


def xlsx_bytes(sheets: dict[str, tuple[list[str], list[list[object]]]], formats: dict | None = None) -> bytes:
    """Sheets of header + rows; ``formats`` maps (sheet, "C2") to a number format."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, (header, rows) in sheets.items():
        ws = wb.create_sheet(name)
        ws.append(header)
        for r in rows:
            ws.append(r)
    for (sheet, ref), fmt in (formats or {}).items():
        wb[sheet][ref].number_format = fmt
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def actual_row(project: str = "", name: str = "", value: object = "", as_of: str = "2026-11-30", *,
               id_: object = "", target: str = "", rate: object = "", likelihood: str = "", note: str = "",
               reporter: str = "") -> list[object]:
    return [id_, project, name, target, value, as_of, rate, likelihood, note, reporter]


def refuse(store: Store, data: bytes, file_name: str) -> ReportRefused:
    """Loading is refused with ReportRefused and not one row of any table changes."""
    before = store.table_counts()
    with pytest.raises(ReportRefused) as info:
        services.load_report(store, data, file_name, reporter="测试员", today=T)
    assert store.table_counts() == before
    assert f"文件“{file_name}”" in str(info.value) and "整个文件未导入" in str(info.value)
    return info.value


def listed(exc: ReportRefused) -> set[tuple[int, str]]:
    return {(e.row, e.column) for e in exc.errors}


def actuals_table(store: Store) -> list[tuple]:
    return store.con.execute(
        "SELECT indicator_id, as_of, value_text, value_num, value_date, grade, grade_rate, likelihood, note, "
        "reporter, source FROM actual_reports ORDER BY report_id"
    ).fetchall()


def indicator_id(store: Store, project: str, name: str) -> int:
    lk = store.indicator_lookup()
    ids = lk[(lk["project_name"] == project) & (lk["name"] == name)]["indicator_id"].tolist()
    assert len(ids) == 1, (project, name, ids)
    return int(ids[0])


# -- refused files ---------------------------------------------------------------------------------

# (row, column, reason fragment) of every wrong row in MANY_WRONG; rows 2, 9 and 15 are good.
MANY_WRONG_ROWS = [
    actual_row(P1, "群众满意度", "96%"),                                            # 2 good
    actual_row(P1, "不存在的指标", "5"),                                             # 3
    actual_row(P4, "新建界标", "约五十"),                                            # 4
    actual_row(P1, "移动源污染防治相关平台数据上传率", "达成"),                        # 5
    actual_row(P1, "环境空气质量PM2.5", "30", "2026-02-30"),                         # 6
    actual_row(P1, "标气标牌采购完成时间", "2026年13月1日"),                           # 7
    actual_row(P3, QUAL_P3, "达成", rate="50"),                                      # 8
    actual_row(P1, "标气、标牌采购", "1项"),                                          # 9 good
    actual_row(P1, "标气、标牌采购", "1项"),                                          # 10 duplicate of 9
    actual_row(P2, "智能化系统巡检服务", "3次", likelihood="有可能"),                  # 11
    actual_row(value="5", id_="999"),                                               # 12
    actual_row(P1, "群众满意度", "96", "2026-12-30", target="≥90%"),                 # 13
    actual_row(P2, "智能化系统巡检服务", "12个", "2026-10-31"),                       # 14
    actual_row(P4, "新建宣传牌", "87块", "2026-11-20", reporter="陈刚"),              # 15 good
    actual_row(P3, "组织土壤污染状况评估次数", "60次"),                                # 16 over 130% without a note
    actual_row(P2, value="1次", id_="3"),                                            # 17 id of project 1
]
MANY_WRONG_EXPECTED = [
    (3, "三级指标", f"在项目“{P1}”中找不到这个三级指标"),
    (4, "实际完成值", "不是数字"),
    (5, "实际完成值", "不能填写等级“达成”"),
    (6, "截至日期", "日期“2026-02-30”不存在"),
    (7, "实际完成值", "日期“2026年13月1日”不存在"),
    (8, "评定得分率", "“达成”的得分率应在[80%, 100%]之内"),
    (10, "截至日期", "与第9行是同一指标、同一截至日期的重复填报"),
    (11, "偏差原因分析及改进措施", "完成目标可能性为“有可能”时必须填写偏差原因和改进措施"),
    (12, "指标编号", "指标编号不存在"),
    (13, "指标值", "与目标表不一致(目标表为“≥95%”)"),
    (14, "实际完成值", "单位“个”与该指标的单位“次”不一致"),
    (16, "偏差原因分析及改进措施", "超额完成"),
    (17, "项目名称", f"项目“{P1}”不一致"),
]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gbk"])
def test_every_wrong_row_is_listed_and_nothing_is_written(store: Store, encoding: str) -> None:
    data = csv_bytes(ACTUAL_HEADER, MANY_WRONG_ROWS, encoding)
    exc = refuse(store, data, "填报.csv")
    message = str(exc)
    assert listed(exc) == {(row, column) for row, column, _ in MANY_WRONG_EXPECTED}
    assert f"有 {len(MANY_WRONG_EXPECTED)} 处错误" in message
    by_row = {e.row: str(e) for e in exc.errors}
    for row, column, reason in MANY_WRONG_EXPECTED:
        assert f"第{row}行“{column}”列" in by_row[row]
        assert reason in by_row[row], by_row[row]
        assert by_row[row] in message  # the message lists the row as well
    # The rows with the wrong values are quoted (decoded correctly, whatever the encoding).
    for value in ("不存在的指标", "约五十", "2026年13月1日", "12个", "999", "≥90%"):
        assert f"(值“{value}”)" in message
    # The good rows were checked but are neither listed nor written.
    assert not {2, 9, 15} & {e.row for e in exc.errors}
    assert actuals_table(store) == []


def test_only_good_rows_of_that_file_load_once_the_wrong_ones_are_fixed(store: Store) -> None:
    """The control for the test above: its good rows on their own are accepted."""
    good = [MANY_WRONG_ROWS[0], MANY_WRONG_ROWS[7], MANY_WRONG_ROWS[13]]
    r = services.load_report(store, csv_bytes(ACTUAL_HEADER, good, "gbk"), "填报.csv", today=T)
    assert (r.actuals, r.spending) == (3, 0)


def test_ambiguous_name_asks_for_the_indicator_number(store: Store, tmp_path: Path) -> None:
    twin = tmp_path / "twin.txt"
    twin.write_text(TWIN_TABLE, encoding="utf-8")
    services.import_file(store, twin)
    lk = store.indicator_lookup()
    twins = lk[(lk["project_name"] == TWIN_PROJECT) & (lk["name"] == "巡检服务")]
    assert sorted(twins["level2"]) == ["数量指标", "质量指标"]

    exc = refuse(store, csv_bytes(ACTUAL_HEADER, [
        actual_row(TWIN_PROJECT, "服务效果", "达成"),   # good
        actual_row(TWIN_PROJECT, "巡检服务", "3次"),
    ]), "twin.csv")
    assert listed(exc) == {(3, "三级指标")}
    assert "有2个同名指标,请填写指标编号以区分" in str(exc.errors[0])

    # With the 指标编号 the same row is accepted and lands on the right indicator.
    count_id = int(twins[twins["level2"] == "数量指标"]["indicator_id"].iloc[0])
    services.load_report(store, csv_bytes(ACTUAL_HEADER, [
        actual_row(TWIN_PROJECT, "巡检服务", "3次", id_=count_id),
    ]), "twin.csv", today=T)
    assert [(r[0], r[3]) for r in actuals_table(store)] == [(count_id, 3.0)]


def test_spending_rows_unknown_project_and_negative_amount(store: Store) -> None:
    data = csv_bytes(SPENDING_HEADER, [
        [P1, "2026-11-30", "40", "", "王芳"],          # good
        ["没有这个项目", "2026-11-30", "5", "", ""],
        [P2, "2026-11-30", "-5", "", ""],
        [P3, "2026-11-30", "五万", "", ""],
        [P3, "2026-10-31", "10", "", ""],              # good
        [P3, "2026-10-31", "12", "", ""],              # duplicate of the row above
    ])
    exc = refuse(store, data, "执行.csv")
    assert listed(exc) == {(3, "项目名称"), (4, "预算执行数(万元)"), (5, "预算执行数(万元)"), (7, "截至日期")}
    by_row = {e.row: str(e) for e in exc.errors}
    assert "找不到这个项目" in by_row[3] and "没有这个项目" in by_row[3]
    assert "预算执行数不能为负数" in by_row[4]
    assert "不是数字" in by_row[5]
    assert "与第6行是同一项目、同一截至日期的重复填报" in by_row[7]


def test_wrong_spending_sheet_refuses_the_good_indicator_sheet_too(store: Store) -> None:
    data = xlsx_bytes({
        "指标填报": (ACTUAL_HEADER, [actual_row(P1, "群众满意度", "96%")]),
        "预算执行": (SPENDING_HEADER, [[P1, "2026-11-30", -1, "", ""]]),
    })
    exc = refuse(store, data, "混合.xlsx")
    assert listed(exc) == {(2, "预算执行数(万元)")}
    assert "工作表“预算执行”第2行“预算执行数(万元)”列" in str(exc)


def test_missing_columns_are_named(store: Store) -> None:
    exc = refuse(store, csv_bytes(["项目名称", "实际完成值"], [[P1, "5"]]), "缺列.csv")
    assert listed(exc) == {(1, "三级指标")}
    assert "缺少必需的列" in str(exc) and "项目名称、实际完成值" in str(exc)


@pytest.mark.parametrize(("file_name", "data", "fragment"), [
    ("空.csv", b"", "是空文件"),
    ("空白.csv", b"  \r\n ", "是空文件"),
    ("坏.xlsx", bytes(range(256)) * 8, "不是有效的Excel"),
    ("填报.pdf", b"%PDF-1.4", "不支持"),
    ("列名.csv", "名称,数值\n群众满意度,96\n".encode(), "列名不对"),
    ("未填.csv", csv_bytes(ACTUAL_HEADER, [actual_row(P1, "群众满意度", "")]), "没有填写任何"),
])
def test_whole_file_problems_raise_input_error(store: Store, file_name: str, data: bytes, fragment: str) -> None:
    before = store.table_counts()
    with pytest.raises(InputError) as info:
        services.load_report(store, data, file_name, today=T)
    assert not isinstance(info.value, ReportRefused)
    assert fragment in str(info.value) and f"文件“{file_name}”" in str(info.value)
    assert store.table_counts() == before


def test_decimal_percent_without_percent_format_is_refused(store: Store) -> None:
    data = xlsx_bytes({"指标填报": (ACTUAL_HEADER, [actual_row(P1, "群众满意度", 0.962)])})
    exc = refuse(store, data, "小数.xlsx")
    assert listed(exc) == {(2, "实际完成值")}
    assert "请写成 96.2%" in str(exc)


# -- accepted files --------------------------------------------------------------------------------

def test_sample_loads_and_a_second_load_appends(store: Store) -> None:
    data = SAMPLE.read_bytes()
    r = services.load_report(store, data, SAMPLE.name, today=T)
    assert (r.actuals, r.spending) == (50, 5)
    counts = store.table_counts()
    assert (counts["actual_reports"], counts["spending_reports"]) == (50, 5)
    first = compute(store, T).projects.set_index("project_id")["score"]

    r = services.load_report(store, data, SAMPLE.name, today=T)
    assert (r.actuals, r.spending) == (50, 5)
    counts = store.table_counts()
    assert (counts["actual_reports"], counts["spending_reports"]) == (100, 10)
    assert store.con.execute("SELECT count(DISTINCT report_id) FROM actual_reports").fetchone()[0] == 100
    assert compute(store, T).projects.set_index("project_id")["score"].tolist() == first.tolist()


def test_engine_uses_the_latest_report(store: Store) -> None:
    services.load_report(store, SAMPLE.read_bytes(), SAMPLE.name, today=T)
    upload = indicator_id(store, P1, "移动源污染防治相关平台数据上传率")
    satisfaction = indicator_id(store, P1, "群众满意度")

    def value(as_of: date, iid: int) -> float:
        ind = compute(store, as_of).indicators.set_index("indicator_id")
        return float(ind.loc[iid, "actual_num"])

    # The sample reports 96.5 as of 30 June and 98.1 as of 20 November.
    assert value(date(2026, 7, 1), upload) == 96.5
    assert value(T, upload) == 98.1
    assert value(T, satisfaction) == 96.2
    # A correction for the same as-of date entered later wins; the old report stays stored.
    services.load_report(store, csv_bytes(ACTUAL_HEADER, [
        actual_row(P1, "群众满意度", "93%", "2026-11-20", likelihood="有可能", note="问卷复核后更正"),
    ]), "更正.csv", today=T)
    assert value(T, satisfaction) == 93.0
    texts = [r[2] for r in actuals_table(store) if r[0] == satisfaction]
    assert texts == ["96.2%", "93%"]
    # An older as-of date reported later does not displace the newer one.
    services.load_report(store, csv_bytes(ACTUAL_HEADER, [
        actual_row(P1, "移动源污染防治相关平台数据上传率", "90%", "2026-09-30"),
    ]), "补报.csv", today=T)
    assert value(T, upload) == 98.1
    assert value(date(2026, 10, 1), upload) == 90.0


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig"])
def test_gbk_and_bom_csv_load(store: Store, encoding: str) -> None:
    data = csv_bytes(ACTUAL_HEADER, [
        actual_row(P1, "群众满意度", "96.2%", "2026年11月30日"),
        actual_row(P3, QUAL_P3, "部分达成年度指标并具有一定效果", rate="75"),
        actual_row(P1, "标气标牌采购完成时间", "2026/11/18"),
    ], encoding)
    assert encoding != "gbk" or not data.startswith(b"\xef\xbb\xbf")
    r = services.load_report(store, data, f"填报_{encoding}.csv", today=T)
    assert (r.actuals, r.spending) == (3, 0)
    rows = actuals_table(store)
    assert [(r[1], r[2], r[3], r[4], r[5], r[6]) for r in rows] == [
        (date(2026, 11, 30), "96.2%", Decimal("96.2"), None, None, None),
        (date(2026, 11, 30), "部分达成年度指标并具有一定效果", None, None, "部分达成", 75.0),
        (date(2026, 11, 30), "2026/11/18", None, date(2026, 11, 18), None, None),
    ]


def test_values_are_stored_in_the_indicators_unit(store: Store) -> None:
    rows = [
        actual_row(P1, "群众满意度", 0.962),                                     # C2: percent format
        actual_row(P1, "移动源污染防治相关平台升级及打包运维服务项目费用", "582000元"),
        actual_row(P1, "标气标牌采购费用", "17.5万元"),
        actual_row(P2, "智能化系统巡检服务", "3次"),
        actual_row(P2, "网站、新媒体日常监测", 6.8),                             # a bare number: 万元
        actual_row(P4, "新建保护区隔离防护工程", "7,588米"),
        actual_row(P1, "标气标牌采购完成时间", datetime(2026, 11, 18)),           # an Excel date
    ]
    data = xlsx_bytes({"指标填报": (ACTUAL_HEADER, rows)}, {("指标填报", "E2"): "0.0%"})
    services.load_report(store, data, "单位.xlsx", today=T)
    got = {r[0]: (r[3], r[4]) for r in actuals_table(store)}
    assert got == {
        indicator_id(store, P1, "群众满意度"): (Decimal("96.2"), None),
        indicator_id(store, P1, "移动源污染防治相关平台升级及打包运维服务项目费用"): (Decimal("58.2"), None),
        indicator_id(store, P1, "标气标牌采购费用"): (17.5, None),
        indicator_id(store, P2, "智能化系统巡检服务"): (3.0, None),
        indicator_id(store, P2, "网站、新媒体日常监测"): (Decimal("6.8"), None),
        indicator_id(store, P4, "新建保护区隔离防护工程"): (7588.0, None),
        indicator_id(store, P1, "标气标牌采购完成时间"): (None, date(2026, 11, 18)),
    }


def test_reporter_source_note_and_likelihood_are_stored(store: Store) -> None:
    data = csv_bytes(ACTUAL_HEADER, [
        actual_row(P2, "智能化系统巡检服务", "3次", likelihood="有可能", note="第四次巡检排在12月", reporter="李强"),
        actual_row(P2, "网络使用人员满意度", "90%", likelihood="确定能"),
    ])
    spending = csv_bytes(SPENDING_HEADER, [[P2, "2026-11-30", "50", "含第三季度", ""]])
    services.load_report(store, data, "李强的填报.csv", reporter="默认填报人", today=T)
    services.load_report(store, spending, "执行.csv", reporter="财务科", today=T)
    rows = store.con.execute(
        "SELECT value_text, likelihood, note, reporter, source, entered_at FROM actual_reports ORDER BY report_id"
    ).fetchall()
    assert [r[:5] for r in rows] == [
        ("3次", "有可能", "第四次巡检排在12月", "李强", "李强的填报.csv"),
        ("90%", "确定能", None, "默认填报人", "李强的填报.csv"),
    ]
    assert all(r[5] is not None for r in rows)
    assert store.con.execute(
        "SELECT project_id, as_of, amount, note, reporter, source FROM spending_reports"
    ).fetchall() == [(2, date(2026, 11, 30), 50.0, "含第三季度", "财务科", "执行.csv")]


def test_missing_as_of_date_means_today(store: Store) -> None:
    services.load_report(store, csv_bytes(ACTUAL_HEADER, [actual_row(P1, "群众满意度", "96%", "")]), "a.csv",
                         today=date(2026, 8, 15))
    assert actuals_table(store)[0][1] == date(2026, 8, 15)


# -- templates -------------------------------------------------------------------------------------

def validations(ws) -> dict[str, list[str]]:
    """Each list validation's formula → the cells it covers."""
    return {dv.formula1: str(dv.sqref).split() for dv in ws.data_validations.dataValidation}


def test_xlsx_template_for_all_projects(store: Store) -> None:
    wb = openpyxl.load_workbook(io.BytesIO(services.template_bytes(store, None, "xlsx")))
    assert wb.sheetnames == ["指标填报", "预算执行", "说明"]  # issue 11: an instructions sheet
    ws = wb["指标填报"]
    header = [c.value for c in ws[1]]
    assert header == list(INDICATOR_COLUMNS)
    rows = [dict(zip(header, (c.value for c in r), strict=True)) for r in ws.iter_rows(min_row=2)]
    lk = store.indicator_lookup()
    assert [r["指标编号"] for r in rows] == lk["indicator_id"].tolist()
    assert len(rows) == 59
    for r, (_, t) in zip(rows, lk.iterrows(), strict=True):
        assert r["项目名称"] == t["project_name"] and r["三级指标"] == t["name"]
        assert r["指标值"] == t["target_text"]  # a text cell: "=1次" shows as written, no apostrophe (issue 11)
        assert r["实际完成值"] is None and r["截至日期"] is None
    dv = validations(ws)
    assert dv['"确定能,有可能,完全不可能"'] == ["J2:J60"]  # the official spelling (issue 11)
    qual_rows = [f"G{i}" for i, kind in enumerate(lk["kind"], start=2) if kind == "qualitative"]
    assert sorted(dv['"达成,部分达成,未达成"']) == sorted(qual_rows) == ["G40", "G58", "G59"]
    assert all(ws.cell(i, c).data_type != "f" for i in range(1, 61) for c in range(1, 12))

    spend = wb["预算执行"]
    sheader = [c.value for c in spend[1]]
    assert "预算执行数(万元)" in sheader and "截至日期" in sheader
    assert [r[0].value for r in spend.iter_rows(min_row=2)] == [P1, P2, P3, P4]


def test_xlsx_template_for_one_project(store: Store) -> None:
    wb = openpyxl.load_workbook(io.BytesIO(services.template_bytes(store, [1], "xlsx")))
    ws = wb["指标填报"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == list(range(1, 11))
    assert {r[1] for r in rows} == {P1}
    assert validations(ws) == {'"确定能,有可能,完全不可能"': ["J2:J11"],  # project 1 has no qualitative indicator
                               '"经费保障,制度保障,人员保障,硬件条件保障,其他"': ["L2:L11"]}
    assert [r[0] for r in wb["预算执行"].iter_rows(min_row=2, values_only=True)] == [P1]


def test_csv_template_has_bom_and_parses_back(store: Store) -> None:
    data = services.template_bytes(store, [3, 4], "csv")
    assert data.startswith(b"\xef\xbb\xbf")
    records = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert records[0] == list(INDICATOR_COLUMNS)
    assert [int(r[0]) for r in records[1:]] == list(range(24, 60))
    [sheet] = read_sheets(data, "模板.csv")
    assert sheet.header == list(INDICATOR_COLUMNS)
    assert len(sheet.rows) == 17 + 19
    assert all(cells[6].value is None for _, cells in sheet.rows)


def fill_value(t) -> object:
    """An actual that exactly meets the target."""
    if t["kind"] == "qualitative":
        return "达成"
    if t["kind"] == "deadline":
        return t["target_date"].date().isoformat()
    return f"{t['target_num']:g}{t['unit'] or ''}"


def test_filled_xlsx_template_loads(store: Store) -> None:
    """Round trip: generate, fill 实际完成值 and 预算执行数 in a copy, load; every target met."""
    wb = openpyxl.load_workbook(io.BytesIO(services.template_bytes(store, None, "xlsx")))
    lk = store.indicator_lookup().set_index("indicator_id")
    for r in wb["指标填报"].iter_rows(min_row=2):
        r[6].value = fill_value(lk.loc[r[0].value])
        r[7].value = datetime(2026, 12, 20)
    funding = store.projects_frame().set_index("name")["funding_total"]
    for r in wb["预算执行"].iter_rows(min_row=2):
        r[3].value, r[4].value = "2026-12-20", float(funding[r[0].value])
    # The template has no 填报人 column (issue 11); one added to a file is still read by the command line.
    ws = wb["指标填报"]
    ws.cell(1, 12, "填报人")
    for i in range(2, ws.max_row + 1):
        ws.cell(i, 12, "模板填报人")
    buf = io.BytesIO()
    wb.save(buf)
    result = services.load_report(store, buf.getvalue(), "模板.xlsx", today=T)
    assert (result.actuals, result.spending) == (59, 4)
    assert {r[9] for r in actuals_table(store)} == {"模板填报人"}
    projects = compute(store, T).projects
    assert projects["score"].tolist() == pytest.approx([100.0] * 4)
    assert set(projects["grade"]) == {"优"}


def test_filled_csv_template_loads(store: Store) -> None:
    data = services.template_bytes(store, [1, 2], "csv")
    records = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    lk = store.indicator_lookup().set_index("indicator_id")
    for r in records[1:]:
        r[6] = str(fill_value(lk.loc[int(r[0])]))
    result = services.load_report(store, csv_bytes(records[0], records[1:], "gbk"), "模板.csv", today=T)
    assert (result.actuals, result.spending) == (23, 0)


def test_a_database_from_the_previous_schema_is_upgraded(tmp_path: Path) -> None:
    """Databases made before value_code and the current_indicators table open and score alike."""
    path = tmp_path / "old.duckdb"
    store = Store.open(path)
    services.import_file(store, SEED)
    services.load_report(store, SAMPLE.read_bytes(), SAMPLE.name, today=T)
    expected = compute(store, T).projects["score"].tolist()
    code_sql = "SELECT report_id, value_code FROM actual_reports ORDER BY report_id"
    codes = store.con.execute(code_sql).fetchall()
    assert {c for _, c in codes} >= {0, 2, 3}  # the sample has numbers and two grades
    # Turn it back into the earlier layout: no value_code column, current_indicators a view.
    store.con.execute("ALTER TABLE actual_reports DROP COLUMN value_code")
    store.con.execute("DROP TABLE current_indicators")
    store.con.execute(
        "CREATE VIEW current_indicators AS SELECT i.indicator_id, i.project_id, i.seq, i.level1, i.level2, "
        "i.name, t.target_text, t.operator, t.target_num, t.target_date, t.unit, t.unit_normalized, t.kind, "
        "t.direction, t.version FROM indicators i JOIN (SELECT * FROM target_versions QUALIFY row_number() "
        "OVER (PARTITION BY indicator_id ORDER BY version DESC) = 1) t USING (indicator_id) WHERE t.active"
    )
    store.close()
    store = Store.open(path)
    try:
        assert compute(store, T).projects["score"].tolist() == expected
        assert store.con.execute(code_sql).fetchall() == codes
    finally:
        store.close()


def test_a_low_rate_at_the_end_of_the_period_needs_a_reason(store: Store) -> None:
    """domain.md section 4: below 90% once the period has ended, 说明 is required; mid-year it is not."""
    before = store.table_counts()
    header = ["项目名称", "截至日期", "预算执行数(万元)", "说明"]
    exc = refuse(store, csv_bytes(header, [[P1, "2026-12-31", "50", ""]]), "预算.csv")
    assert listed(exc) == {(2, "说明")}
    assert "低于90%" in str(exc)
    assert store.table_counts() == before
    services.load_report(store, csv_bytes(header, [[P1, "2026-12-31", "50", "采购延期"]]), "预算.csv", today=T)
    services.load_report(store, csv_bytes(header, [[P1, "2026-06-30", "10", ""]]), "年中.csv", today=T)
    assert store.table_counts()["spending_reports"] == before["spending_reports"] + 2
