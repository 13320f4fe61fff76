"""The official forms as XLSX, read back with openpyxl (issue 12 items 1, 2 and 4; domain.md section 8).

The database: the seed with the sample report (as of 2026-12-31), plus a 自评表 and a 监控表 of two
more projects built here as the parser returns them (``ProjectTable``), so the printed budget
block, weights, notes, 完成目标可能性 and 偏差原因 categories all reach the forms. Every number a
test expects comes from the engine's View (or from the arithmetic written beside it), never from
the form writer itself.
"""

from __future__ import annotations

import io
import re
import tomllib
import zipfile
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from analytics import forms, forms_xlsx, services
from analytics.dashboard import Filters, build_view
from analytics.formmodel import MONEY, TEXT, Cell, Form
from analytics.model import BudgetLine, Indicator, ProjectTable
from analytics.settings import Settings, load_settings, parse_form_settings, parse_settings
from analytics.storage import Store
from analytics.values import parse_target

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "samples" / "actuals_2026.xlsx"
AS_OF = date(2026, 12, 31)
YEAR = 2026
D = Decimal
SELF_NAME = "乡镇污水管网维护项目"
MON_NAME = "城区绿化养护项目"
DEPT = "某县生态环境局"
FORMULA_NOTE = "=SUM(A1)"
PLUS_NOTE = "+1"
SCRIPT_NOTE = "<script>alert(1)</script>"

def ind(level1: str, level2: str, name: str, target: str, actual: str = "", weight: str | None = None,
        score: str | None = None, **extra: str) -> Indicator:
    return Indicator(level1, level2, name, parse_target(target, level1, name, YEAR), location=f"{name}所在行",
                     weight=None if weight is None else D(weight), actual_text=actual,
                     printed_score=None if score is None else D(score), **extra)


def selfeval_table() -> ProjectTable:
    """A 10号 自评表 with a four-row budget block and weights.

    Budget: 81 of an adjusted 90 → 90% → 9 of 10. Indicators: 30 + 20 × 90/95 + 30 + 10.
    Total 9 + 30 + 18.947… + 30 + 10 = 97.947…; printed 95 (mis-added), so 差值 = 95 − 97.95 = −2.95.
    """
    return ProjectTable(
        year=YEAR, name=SELF_NAME, department=DEPT, unit="某县污水处理中心",
        start_date=date(YEAR, 1, 1), end_date=date(YEAR, 12, 31),
        funding_total=D("100"), funding_fiscal=D("80"), funding_other=D("20"), goal_text="维护全镇污水管网。",
        kind="selfeval", budget_points=D("10"), printed_total=D("95"), goal_actual="全年维护管网20公里。",
        budget=[BudgetLine("年度资金总额", initial=D("100"), adjusted=D("90"), executed=D("81"), points=D("10"),
                           rate=D("90"), score=D("9")),
                BudgetLine("当年财政拨款", initial=D("70"), adjusted=D("60"), executed=D("54")),
                BudgetLine("上年结转资金", initial=D("10"), adjusted=D("10"), executed=D("9")),
                BudgetLine("其他资金", initial=D("20"), adjusted=D("20"), executed=D("18"))],
        indicators=[
            ind("产出指标", "数量指标", "维护管网长度", "≥20公里", "20公里", "30", "30", note=FORMULA_NOTE),
            ind("产出指标", "质量指标", "维护合格率", "≥95%", "90%", "20", "18.95", note=PLUS_NOTE),
            ind("效益指标", "社会效益指标", "污水收集率", "≥85%", "85%", "30", "30", note=SCRIPT_NOTE),
            ind("满意度指标", "服务对象满意度指标", "群众满意度", "≥90%", "92%", "10", "10"),
        ],
    )


def monitor_table() -> ProjectTable:
    """A 监控表 at 1-7月: 20 of 50 spent (40%), 48 expected for the year, three likelihoods."""
    return ProjectTable(
        year=YEAR, name=MON_NAME, department=DEPT, unit="某县园林所",
        start_date=date(YEAR, 1, 1), end_date=date(YEAR, 12, 31),
        funding_total=D("50"), funding_fiscal=D("50"), goal_text="养护城区绿地100亩。", kind="monitor", month=7,
        goal_actual="已养护60亩。",
        budget=[BudgetLine("年度资金总额", initial=D("50"), executed=D("20"), forecast=D("48")),
                BudgetLine("当年财政拨款", initial=D("50"), executed=D("20"), forecast=D("48"))],
        indicators=[
            ind("产出指标", "数量指标", "养护面积", "≥100亩", "60亩", likelihood="确定能", forecast_text="100亩"),
            ind("产出指标", "质量指标", "苗木成活率", "≥95%", "90%", likelihood="有可能",
                deviation_category="经费保障", note="资金拨付滞后;加快拨付"),
            ind("效益指标", "生态效益指标", "绿化覆盖水平", "明显提升", "未达成", likelihood="完全不可能",
                deviation_category="其他", note="受干旱影响;调整养护计划"),
        ],
    )


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("forms") / "forms.duckdb"
    store = Store.open(path)
    try:
        services.load_seed_if_empty(store)
        services.load_report(store, SAMPLE.read_bytes(), SAMPLE.name, today=AS_OF)
        services.import_tables(store, [selfeval_table()], "自评表.xlsx", "自评表", imported_by="张三")
        services.import_tables(store, [monitor_table()], "监控表.xlsx", "监控表", imported_by="张三")
    finally:
        store.close()
    return path


@pytest.fixture(scope="module")
def store(db: Path):
    s = Store.open(db, read_only=True)
    yield s
    s.close()


@pytest.fixture(scope="module")
def settings():
    return load_settings()


@pytest.fixture(scope="module")
def view(store, settings):
    return build_view(store, Filters(as_of=AS_OF), settings)


@pytest.fixture(scope="module")
def gathered(store, view, settings) -> list[forms.FormProject]:
    return forms.form_projects(store, view, settings, month=7)


FOOTER = forms.footer(AS_OF, "测试产品")


@pytest.fixture(scope="module")
def selfeval_bytes(gathered, settings) -> bytes:
    # A generator, as an export streams them.
    return forms_xlsx.forms_xlsx(forms.selfeval_form(fp, settings, FOOTER) for fp in gathered)


@pytest.fixture(scope="module")
def selfeval_book(selfeval_bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(selfeval_bytes))


@pytest.fixture(scope="module")
def monitor_bytes(gathered, settings) -> bytes:
    return forms_xlsx.forms_xlsx([forms.monitor_form(fp, settings, 7, FOOTER) for fp in gathered])


@pytest.fixture(scope="module")
def monitor_book(monitor_bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(monitor_bytes))


def project_row(view, name: str):
    rows = view.projects[view.projects["name"] == name]
    assert len(rows) == 1
    return rows.iloc[0]


def indicators_of(view, project_id: int):
    ind = view.indicators[view.indicators["project_id"] == project_id]
    return ind.sort_values("seq").reset_index(drop=True)


def sheet_of(book: openpyxl.Workbook, project_id: int, monitor: bool = False):
    prefix = f"{project_id} 监控 " if monitor else f"{project_id} "
    found = [ws for ws in book.worksheets if ws.title.startswith(prefix)
             and (monitor or not ws.title.startswith(f"{project_id} 监控"))]
    assert len(found) == 1, [ws.title for ws in book.worksheets]
    return found[0]


def merged(ws) -> set[str]:
    return {str(r) for r in ws.merged_cells.ranges}


def runs(keys: list) -> list[tuple[int, int]]:
    """(first index, last index) of each run of equal consecutive keys."""
    out: list[list[int]] = []
    for i, k in enumerate(keys):
        if out and keys[out[-1][0]] == k:
            out[-1][1] = i
        else:
            out.append([i, i])
    return [(a, b) for a, b in out]


# -- the 自评表 --------------------------------------------------------------------------------
def test_every_project_has_a_selfeval_sheet_in_view_order(selfeval_book, view) -> None:
    ids = [int(t.split(" ", 1)[0]) for t in selfeval_book.sheetnames]
    assert ids == view.projects["project_id"].astype(int).tolist()
    assert len(view.projects) == 6
    for ws in selfeval_book.worksheets:
        assert len(ws.title) <= 31


@pytest.mark.parametrize("index", range(6))
def test_selfeval_cells_hold_the_engines_numbers(selfeval_book, view, index) -> None:
    p = view.projects.iloc[index]
    ws = sheet_of(selfeval_book, int(p["project_id"]))
    assert ws["A1"].value == "项目支出绩效自评表"
    assert ws["A2"].value == "（2026年度）"
    assert ws["C3"].value == p["name"]
    assert ws["C4"].value == p["department"] and ws["H4"].value == p["unit"]
    # Row 6: 年度资金总额 with the engine's basis, spending, points, rate and budget score.
    assert ws["C6"].value == "年度资金总额"
    assert ws["F6"].value == pytest.approx(p["budget_basis"])
    assert ws["G6"].value == pytest.approx(p["spent"])
    assert ws["H6"].value == pytest.approx(p["budget_points"])
    assert ws["I6"].value == pytest.approx(p["execution_rate"])
    assert ws["J6"].value == pytest.approx(p["budget_score"])
    for r in (7, 8, 9):
        assert ws.cell(r, 8).value == "—" and ws.cell(r, 10).value == "—"
    ind = indicators_of(view, int(p["project_id"]))
    assert ws["A12"].value == "绩效指标" and ws["D12"].value == "三级指标" and ws["G12"].value == "分值"
    for k, row in ind.iterrows():
        r = 13 + k
        assert ws.cell(r, 4).value == row["name"]
        assert ws.cell(r, 5).value == row["target_text"]
        assert ws.cell(r, 7).value == pytest.approx(row["weight"])
        assert ws.cell(r, 8).value == pytest.approx(row["score"])
    total = 13 + len(ind)
    assert ws.cell(total, 1).value == "总分"
    assert ws.cell(total, 7).value == 100
    assert ws.cell(total, 8).value == pytest.approx(p["score"])
    assert ws.max_row == total


def test_the_sample_project_1_as_the_screens_show_it(selfeval_book, view) -> None:
    # 76 of 78 万元 spent by 11-20 (the sample report): 97.4%, 9.74 of 10 points, total 99.74 (优).
    ws = sheet_of(selfeval_book, 1)
    assert ws["E6"].value == 78 and ws["G6"].value == 76
    assert ws["I6"].value == pytest.approx(76 / 78)
    assert round(ws["J6"].value, 2) == 9.74
    assert round(ws["H23"].value, 2) == 99.74
    assert ws["F13"].value == "58.2万元"  # the latest value as of the date, as the 指标 page writes it


def test_merged_ranges_of_section_8(selfeval_book, view) -> None:
    for _, p in view.projects.iterrows():
        ws = sheet_of(selfeval_book, int(p["project_id"]))
        ind = indicators_of(view, int(p["project_id"]))
        n = 12 + len(ind)
        expected = {"A1:J1", "A2:J2", "A3:B3", "C3:J3", "A4:B4", "C4:E4", "F4:G4", "H4:J4", "A5:B9",
                    "C5:D5", "C6:D6", "C7:D7", "C8:D8", "C9:D9", "A10:A11", "B10:F10", "G10:J10", "B11:F11",
                    "G11:J11", f"A12:A{n}", "I12:J12", f"A{n + 1}:F{n + 1}", f"I{n + 1}:J{n + 1}"}
        expected |= {f"I{r}:J{r}" for r in range(13, n + 1)}
        for a, b in runs(ind["level1"].tolist()):
            if b > a:
                expected.add(f"B{13 + a}:B{13 + b}")
        for a, b in runs(list(zip(ind["level1"], ind["level2"], strict=True))):
            if b > a:
                expected.add(f"C{13 + a}:C{13 + b}")
        assert merged(ws) == expected, p["name"]


def test_level1_labels_carry_the_points_the_engine_scored_with(selfeval_book, view) -> None:
    for _, p in view.projects.iterrows():
        ws = sheet_of(selfeval_book, int(p["project_id"]))
        ind = indicators_of(view, int(p["project_id"]))
        points = ind.groupby("level1")["weight"].sum()
        for a, _ in runs(ind["level1"].tolist()):
            level1 = ind["level1"].iloc[a]
            label = ws.cell(13 + a, 2).value
            m = re.fullmatch(rf"{level1}\((\d+(?:\.\d+)?)分\)", label)
            assert m, label
            assert float(m.group(1)) == pytest.approx(points[level1], abs=0.0051)  # two decimals at most
    # The 10号 pools: 产出 50 shared with 成本 (project 1: 2 成本 + 6 产出 = 8 indicators, 6.25 each).
    ws = sheet_of(selfeval_book, 1)
    assert ws["B13"].value == "成本指标(12.5分)" and ws["B15"].value == "产出指标(37.5分)"
    assert ws["B21"].value == "效益指标(30分)" and ws["B22"].value == "满意度指标(10分)"


def test_an_imported_selfeval_prints_its_budget_block_weights_goal_and_printed_total(
        selfeval_book, view, gathered) -> None:
    p = project_row(view, SELF_NAME)
    ws = sheet_of(selfeval_book, int(p["project_id"]))
    rows = {ws.cell(r, 3).value: [ws.cell(r, c).value for c in range(5, 11)] for r in range(6, 10)}
    assert rows["年度资金总额"][:3] == [100, 90, 81]
    assert rows["年度资金总额"][3:] == [10, pytest.approx(0.9), pytest.approx(9.0)]
    assert rows["其中：当年财政拨款"] == [70, 60, 54, "—", pytest.approx(0.9), "—"]
    assert rows["上年结转资金"] == [10, 10, 9, "—", pytest.approx(0.9), "—"]
    assert rows["其他资金"] == [20, 20, 18, "—", pytest.approx(0.9), "—"]
    assert ws["B11"].value == "维护全镇污水管网。" and ws["G11"].value == "全年维护管网20公里。"
    assert [ws.cell(r, 7).value for r in range(13, 17)] == [30, 20, 30, 10]
    assert ws["H14"].value == pytest.approx(20 * 90 / 95)
    assert ws["H17"].value == pytest.approx(p["score"]) == pytest.approx(9 + 30 + 20 * 90 / 95 + 30 + 10)
    fp = next(f for f in gathered if f.name == SELF_NAME)
    assert fp.printed_total == 95
    assert fp.total_row.executed == Decimal("81")  # exact, from the store's DECIMAL


def test_no_cell_is_a_formula_and_notes_stay_text(selfeval_book, view, monitor_bytes) -> None:
    p = project_row(view, SELF_NAME)
    ws = sheet_of(selfeval_book, int(p["project_id"]))
    assert ws["I13"].value == FORMULA_NOTE and ws["I13"].data_type == "s"
    assert ws["I14"].value == PLUS_NOTE and ws["I14"].data_type == "s"
    assert ws["I15"].value == SCRIPT_NOTE
    for book in (selfeval_book, openpyxl.load_workbook(io.BytesIO(monitor_bytes))):
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
    # And in the file itself: no <f> element in any sheet.
    with zipfile.ZipFile(io.BytesIO(monitor_bytes)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(name) and b"<f " not in z.read(name)


def test_number_formats_borders_and_wrapping(selfeval_book, selfeval_bytes) -> None:
    ws = sheet_of(selfeval_book, 1)
    for ref in ("E6", "F6", "G6", "E7"):
        assert ws[ref].number_format == "#,##0.00", ref
    for ref in ("H6", "J6", "G13", "H13", "H23"):
        assert ws[ref].number_format == "#,##0.00", ref
    assert ws["I6"].number_format == "0.0%"
    assert ws["D13"].alignment.wrap_text
    # The table is bordered, the title is not. Every cell of a merged range carries the border, so
    # the range reads whole in any viewer: read in read-only mode, which keeps each cell's own style
    # (a normal load restyles the covered cells of merged ranges itself).
    raw = openpyxl.load_workbook(io.BytesIO(selfeval_bytes), read_only=True)[ws.title]
    for ref in ("A3", "B3", "J3", "B9", "J23", "A22", "A21"):
        border = raw[ref].border
        assert (border.left.style, border.right.style, border.top.style, border.bottom.style) == ("thin",) * 4, ref
    assert raw["A1"].border.left.style is None and raw["A2"].border.bottom.style is None


def test_print_settings(selfeval_book, monitor_book) -> None:
    for ws, orientation, titles in ((sheet_of(selfeval_book, 1), "portrait", "$12:$12"),
                                    (sheet_of(monitor_book, 1, monitor=True), "landscape", "$11:$12")):
        assert ws.page_setup.orientation == orientation
        assert ws.page_setup.paperSize in (9, "9")
        assert ws.print_title_rows == titles
        assert int(ws.page_setup.fitToWidth) == 1 and int(ws.page_setup.fitToHeight) == 0
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.oddFooter.left.text == "截至2026年12月31日 · 由测试产品生成"
        assert "&P" in ws.oddFooter.right.text and "&N" in ws.oddFooter.right.text


def test_progress_is_reported_per_sheet(gathered, settings) -> None:
    calls = []
    forms_xlsx.forms_xlsx([forms.selfeval_form(fp, settings, FOOTER) for fp in gathered[:3]],
                          progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 3), (2, 3), (3, 3)]


# -- the 监控表 --------------------------------------------------------------------------------
def test_monitor_layout_of_section_8(monitor_book, view) -> None:
    p = project_row(view, MON_NAME)
    ws = sheet_of(monitor_book, int(p["project_id"]), monitor=True)
    n = 12 + 3
    expected = {"A1:P1", "A2:P2", "A3:C3", "D3:P3", "A4:C4", "D4:H4", "I4:J4", "K4:P4", "A5:C8",
                "D5:E5", "F5:G5", "H5:I5", "J5:K5", "L5:M5", "N5:P5", "A9:A10", "B9:H9", "I9:P9",
                "B10:H10", "I10:P10", f"A11:A{n}", "B11:B12", "C11:C12", "D11:D12", "E11:E12", "F11:F12",
                "G11:G12", "H11:L11", "M11:O11", "P11:P12", "B13:B14", f"A{n + 1}:P{n + 1}"}
    for r in range(6, 9):
        expected |= {f"D{r}:E{r}", f"F{r}:G{r}", f"H{r}:I{r}", f"J{r}:K{r}", f"L{r}:M{r}", f"N{r}:P{r}"}
    assert merged(ws) == expected
    assert ws["A1"].value == "项目支出绩效目标执行监控表"
    assert ws["A4"].value == "主管部门及代码"
    assert [ws.cell(5, c).value for c in (6, 8, 10, 12)] == ["年初预算数", "1-7月执行数", "1-7月执行率",
                                                             "全年预计执行数"]
    assert [ws.cell(12, c).value for c in range(8, 16)] == ["经费保障", "制度保障", "人员保障", "硬件条件保障", "其他",
                                                            "确定能", "有可能", "完全不可能"]
    assert ws["F11"].value == "1-7月执行情况" and ws["H11"].value == "偏差原因分析" and ws["P11"].value == "备注"
    assert "有可能" in ws[f"A{n + 1}"].value and "完全不可能" in ws[f"A{n + 1}"].value


def test_monitor_budget_block_at_the_cut_off(monitor_book, view) -> None:
    p = project_row(view, MON_NAME)
    ws = sheet_of(monitor_book, int(p["project_id"]), monitor=True)
    assert ws["D6"].value == "年度资金总额"
    assert ws["F6"].value == 50 and ws["H6"].value == 20 and ws["J6"].value == pytest.approx(0.4)
    assert ws["L6"].value == 48  # the reporter's 全年预计执行数
    assert ws["J6"].number_format == "0.0%" and ws["H6"].number_format == "#,##0.00"
    assert ws["D7"].value == "其中：财政拨款" and ws["H7"].value == 20 and ws["J7"].value == pytest.approx(0.4)
    # Seed project 1: its spending as of 07-31 is the sample's 06-30 report (30 of 78), not the
    # later 76; nobody gave a 全年预计执行数, so that cell is empty.
    ws = sheet_of(monitor_book, 1, monitor=True)
    assert ws["H6"].value == 30 and ws["J6"].value == pytest.approx(30 / 78)
    assert ws["L6"].value is None
    assert ws["F13"].value == "30万元"  # the cost indicator's value as of 06-30, not 58.2万元 of 11-20
    assert ws["G13"].value is None  # 全年预计完成情况: never invented


def test_monitor_ticks_the_likelihood_and_the_category(monitor_book, view) -> None:
    p = project_row(view, MON_NAME)
    ws = sheet_of(monitor_book, int(p["project_id"]), monitor=True)
    marks = {r: [ws.cell(r, c).value for c in range(8, 16)] for r in (13, 14, 15)}
    assert ws["D13"].value == "养护面积" and ws["F13"].value == "60亩" and ws["G13"].value == "100亩"
    assert marks[13] == [None] * 5 + ["√", None, None]
    assert marks[14] == ["资金拨付滞后;加快拨付", None, None, None, None, None, "√", None]
    assert marks[15] == [None] * 4 + ["受干旱影响;调整养护计划", None, None, "√"]
    assert ws["B10"].value == "养护城区绿地100亩。" and ws["I10"].value == "已养护60亩。"


def test_monitor_form_refuses_another_month(gathered, settings) -> None:
    with pytest.raises(ValueError):
        forms.monitor_form(gathered[0], settings, 6, FOOTER)


# -- the department workbook ----------------------------------------------------------------------
def test_workbook_has_the_summary_first_then_every_selfeval(view, gathered, settings) -> None:
    calls = []
    data = forms_xlsx.workbook_xlsx(forms.summary_frame(view),
                                    [forms.selfeval_form(fp, settings, FOOTER) for fp in gathered],
                                    progress=lambda d, t: calls.append((d, t)))
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames[0] == "汇总" and len(book.sheetnames) == 1 + len(view.projects)
    assert calls[-1] == (7, 7) and len(calls) == 7
    ws = book["汇总"]
    header = [c.value for c in ws[3]]
    assert header == list(forms.SUMMARY_COLUMNS)
    col = {name: i + 1 for i, name in enumerate(header)}
    assert ws.print_title_rows == "$3:$3" and ws.page_setup.orientation == "landscape"
    rows = {ws.cell(r, 1).value: r for r in range(4, ws.max_row + 1)}
    assert len(rows) == len(view.projects)
    for _, p in view.projects.iterrows():
        r = rows[p["name"]]
        assert ws.cell(r, col["年度资金总额(万元)"]).value == pytest.approx(p["funding_total"])
        assert ws.cell(r, col["全年执行数(万元)"]).value == pytest.approx(p["spent"])
        assert ws.cell(r, col["执行率"]).value == pytest.approx(round(p["execution_rate"] * 100, 1) / 100)
        assert ws.cell(r, col["执行率"]).number_format == "0.0%"
        assert ws.cell(r, col["自评得分"]).value == pytest.approx(round(p["score"], 2))
        assert ws.cell(r, col["等级"]).value == p["grade"]
    r = rows[SELF_NAME]
    assert ws.cell(r, col["自评表总分"]).value == 95
    assert ws.cell(r, col["差值"]).value == pytest.approx(95 - 97.95)
    assert ws.cell(rows["生态环保行业管理_机动车污染防治项目"], col["自评表总分"]).value is None
    assert ws.cell(rows["生态环保行业管理_机动车污染防治项目"], col["监控灯"]).value == "绿灯"


def test_summary_reads_unreported_before_anything_counts(store, settings) -> None:
    # On 2026-06-01 no report counts yet for the 2026 projects; seed project 4 ended in April.
    early = build_view(store, Filters(as_of=date(2026, 6, 1)), settings)
    table = forms.summary_frame(early)
    by_name = table.set_index("项目名称")
    assert by_name.loc["生态环保行业管理_机动车污染防治项目", "自评得分"] == "未填报"
    assert by_name.loc["生态环保行业管理_机动车污染防治项目", "等级"] == "未填报"
    assert by_name.loc["生态环保行业管理_机动车污染防治项目", "监控灯"] == "未填报"
    assert by_name.loc["南昌市县级及以上集中式饮用水水源地规范化建设项目", "等级"] == "差"
    data = forms_xlsx.workbook_xlsx(table, [])
    ws = openpyxl.load_workbook(io.BytesIO(data))["汇总"]
    values = [ws.cell(r, 7).value for r in range(4, ws.max_row + 1)]
    assert values.count("未填报") == int(early.projects["unreported"].sum()) >= 3
    # The 自评表 of an unreported project prints 未填报 as its total, not 0.00.
    fps = forms.form_projects(store, early, settings)
    fp = next(f for f in fps if f.name == "生态环保行业管理_机动车污染防治项目")
    form = forms.selfeval_form(fp, settings, FOOTER)
    total_row = form.n_rows
    assert form.at(total_row, 8).value == "未填报"


# -- schemes --------------------------------------------------------------------------------------
def _settings_with(scheme: str) -> Settings:
    with open(ROOT / "settings.toml", "rb") as f:
        data = tomllib.load(f)
    data["forms"] = {**data.get("forms", {}), "scheme": scheme}
    return parse_settings(data)


def test_sichuan_scheme_scores_90_over_every_indicator_and_prints_its_columns(store) -> None:
    s = _settings_with("四川")
    assert s.single_pool and s.pools == {"绩效指标": 90.0} and s.budget_points == 10
    v = build_view(store, Filters(as_of=AS_OF), s)
    ind = indicators_of(v, 1)
    assert ind["weight"].tolist() == pytest.approx([9.0] * 10)  # 90 over its 10 indicators, whatever the 一级
    fp = next(f for f in forms.form_projects(store, v, s) if f.project_id == 1)
    data = forms_xlsx.forms_xlsx([forms.selfeval_form(fp, s, FOOTER)])
    ws = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    assert ws["A5"].value == "预算执行情况(10分)" and ws["A12"].value == "绩效指标(90分)"
    assert ws["C5"].value == "单位：万元"
    assert [ws.cell(12, c).value for c in range(2, 12)] == ["一级指标", "二级指标", "三级指标", "指标性质", "指标值",
                                                            "度量单位", "完成值", "权重", "得分", "未完成原因分析"]
    assert (ws["E13"].value, ws["F13"].value, ws["G13"].value) == ("≤", "60", "万")
    assert ws["I13"].value == pytest.approx(9.0) and ws["B13"].value == "成本指标"
    p = v.projects[v.projects["project_id"] == 1].iloc[0]
    n = 13 + len(ind)
    assert ws.cell(n, 10).value == pytest.approx(p["score"]) and ws.cell(n, 9).value == 100
    assert ws["I6"].value == 10 and ws["K6"].value == pytest.approx(p["budget_score"])
    signatures = [ws.cell(n + 2, c).value for c in range(1, 13) if ws.cell(n + 2, c).value]
    assert signatures == ["项目负责人：", "财务负责人："]
    # A project with an imported 自评表 keeps the table's weights.
    own = indicators_of(v, int(project_row(v, SELF_NAME)["project_id"]))
    assert own["weight"].tolist() == [30, 20, 30, 10]


def test_hubei_scheme_scores_the_budget_20_times_the_rate(store) -> None:
    s = _settings_with("湖北")
    assert s.budget_points == 20 and sum(s.pools.values()) == 80
    v = build_view(store, Filters(as_of=AS_OF), s)
    p = v.projects[v.projects["project_id"] == 1].iloc[0]
    assert p["budget_score"] == pytest.approx(20 * 76 / 78)
    fp = next(f for f in forms.form_projects(store, v, s) if f.project_id == 1)
    form = forms.selfeval_form(fp, s, FOOTER)
    data = forms_xlsx.forms_xlsx([form])
    ws = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    assert ws["H6"].value == 20 and ws["J6"].value == pytest.approx(20 * 76 / 78)
    assert ws["E12"].value == "年初目标值（A）"
    assert ws["A5"].value == "预算执行情况(20分)" and ws["C5"].value == "单位：万元"
    # 产出 40 shared by 2 成本 + 6 产出 (5 each); 效益 30; 满意度 10.
    assert ws["B13"].value == "成本指标(10分)" and ws["B15"].value == "产出指标(30分)"
    assert ws["H23"].value == pytest.approx(p["score"])


def test_form_settings_are_checked() -> None:
    assert parse_form_settings({}).monitor_month == 7
    for bad in ({"scheme": "广东"}, {"monitor_month": 13}, {"monitor_month": True}, {"product_name": " "},
                {"colour": "red"}):
        with pytest.raises(ValueError):
            parse_form_settings(bad)


def test_sheet_names_are_valid_and_unique() -> None:
    assert forms.sheet_name(3, "生态环保行业管理_综合[技术]:评估/服务*项目?") == "3 综合_技术__评估_服务_项目_"
    taken: set[str] = set()
    names = [forms_xlsx.unique_sheet_name("同名项目" * 10, taken) for _ in range(3)]
    assert len(set(names)) == 3 and all(len(n) <= 31 for n in names)


# -- the writer on its own --------------------------------------------------------------------------
def _grid_form(values: list[object], name: str = "表一", notes: tuple[str, ...] = ()) -> Form:
    cells = [Cell(1, 1, "标题", cols=3, bold=True, align="center", size="title")]
    cells += [Cell(2, k + 1, v, MONEY if isinstance(v, Decimal) else TEXT) for k, v in enumerate(values)]
    return Form(kind="selfeval", sheet_name=name, title="标题", widths=(10, 10, 10), cells=tuple(cells),
                header_rows=(2, 2), footer="截至2026年12月31日 · 由A&B生成", notes=notes)


def test_text_is_kept_as_written_and_numbers_exactly(tmp_path) -> None:
    form = _grid_form(["  前后空格  ", "控制\x0b字符\x00", D("15.700000")])
    ws = openpyxl.load_workbook(io.BytesIO(forms_xlsx.forms_xlsx([form]))).worksheets[0]
    assert ws["A2"].value == "  前后空格  "
    assert ws["B2"].value == "控制字符"  # characters XML cannot hold are dropped, not the file refused
    assert ws["C2"].value == 15.7 and ws["C2"].number_format == "#,##0.00"
    # A literal "&" is "&&" in the footer language (a lone "&B" would switch bold on); openpyxl reads
    # the code back as stored.
    assert ws.oddFooter.left.text == "截至2026年12月31日 · 由A&&B生成"


def test_sheet_names_are_made_unique_and_spool_files_removed() -> None:
    spool = Path(forms_xlsx.SPOOL_DIR) if forms_xlsx.SPOOL_DIR else None
    before = set(spool.glob("openpyxl.*")) if spool else set()
    book = openpyxl.load_workbook(io.BytesIO(forms_xlsx.forms_xlsx(
        [_grid_form(["a"], name="同名"), _grid_form(["b"], name="同名"), _grid_form(["c"], name="a:b/c")])))
    assert book.sheetnames == ["同名", "同名(2)", "a_b_c"]
    if spool:
        assert set(spool.glob("openpyxl.*")) == before
    empty = openpyxl.load_workbook(io.BytesIO(forms_xlsx.forms_xlsx([])))
    assert len(empty.sheetnames) == 1


def test_notes_print_under_the_table_without_borders() -> None:
    data = forms_xlsx.forms_xlsx([_grid_form(["a", "b", "c"], notes=("项目负责人：", "财务负责人："))])
    raw = openpyxl.load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    rows = list(raw.iter_rows(values_only=True))
    assert rows[3][0] == "项目负责人：" and rows[3][1] == "财务负责人："
    assert raw["A4"].border.left.style is None and raw["A2"].border.left.style == "thin"


def test_the_reporters_category_forecasts_and_outcome_fill_the_monitor_form(store, view, settings) -> None:
    # The sample report of 11-20 gives project 2's 漏洞扫描 有可能 with a note, the category 人员保障 and
    # 全年预计 "5个"; its spending row 全年预计执行数 62 and the goal outcome (the reporter's columns).
    fp = next(f for f in forms.form_projects(store, view, settings, month=11) if f.project_id == 2)
    assert fp.cutoff == date(2026, 11, 30)
    data = forms_xlsx.forms_xlsx([forms.monitor_form(fp, settings, 11, FOOTER)])
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    scan = "开展南昌市生态环境局大数据平台等系统漏洞扫描"
    row = next(r for r in range(13, ws.max_row) if ws.cell(r, 4).value == scan)
    # 经费 / 制度 / 人员 / 硬件 / 其他 in H..L: the reason stands under 人员保障 (J).
    assert [ws.cell(row, c).value for c in range(8, 13)] == [None, None, "扫描排期推迟,12月补做", None, None]
    assert [ws.cell(row, c).value for c in range(13, 16)] == [None, "√", None]
    assert ws.cell(row, 16).value is None
    assert ws.cell(row, 7).value == "5个"
    assert ws.cell(row, 6).value == "4个" and ws["F5"].value == "年初预算数" and ws["H5"].value == "1-11月执行数"
    assert ws["H6"].value == 50  # the 11-20 spending report
    assert ws["L6"].value == 62  # its 全年预计执行数
    assert "漏洞扫描和巡检服务12月补齐" in str(ws["I10"].value)

    # A reason without a category is never put under one by guess: it goes to 备注.
    bare = [replace(i, period_category="") if i.name == scan else i for i in fp.indicators]
    data = forms_xlsx.forms_xlsx([forms.monitor_form(replace(fp, indicators=tuple(bare)), settings, 11, FOOTER)])
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    assert [ws.cell(row, c).value for c in range(8, 13)] == [None] * 5
    assert ws.cell(row, 16).value == "扫描排期推迟,12月补做"
