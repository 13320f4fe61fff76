"""The scoring and monitoring rules of docs/domain.md sections 4 and 5, each against a hand-computed number.

Every test builds small target tables in the seed's tab-separated layout, imports them, appends
report files (CSV, one XLSX) through ``services.load_report`` and reads ``services.report_data`` or
``engine.compute``. Expected values are literals with their arithmetic in a comment; nothing is
re-derived with the engine's own formulas.

Time progress used throughout (2026 has 365 days, period 2026-01-01..2026-12-31, both inclusive):
at 2026-07-01 elapsed = 31+28+31+30+31+30 + 1 = 182 days, so t = 182/365 = 0.498630...
"""

from __future__ import annotations

import csv
import io
import tomllib
from datetime import date

import openpyxl
import pandas as pd
import pytest

from analytics import engine, services
from analytics.reports import ReportRefused
from analytics.settings import DEFAULT_SETTINGS, parse_settings
from analytics.storage import Store

YEAR_END = date(2026, 12, 31)
MID_YEAR = date(2026, 7, 1)  # t = 182/365

# Indicator rows (一级, 二级, 三级, 指标值) used by many tests.
COUNT = ("产出指标", "数量指标", "完成次数", "≥10次")  # 产出 pool
COST = ("成本指标", "经济成本指标", "运维费用", "≤60万")  # 成本 shares the 产出 pool; unit 万元
PEOPLE = ("效益指标", "社会效益", "受益人数", "≥200人")  # 效益 pool
EFFECT = ("效益指标", "社会效益", "治理效果", "有效提升")  # qualitative, 效益 pool
SATISFACTION = ("满意度", "服务对象满意度", "群众满意度", "≥90%")  # 满意度 pool, a rate
DEADLINE = ("产出指标", "时效指标", "完成时间", "2026年6月30日")


@pytest.fixture(autouse=True)
def _default_settings(monkeypatch):
    """The defaults of settings.toml (= domain.md), whatever the environment says."""
    monkeypatch.delenv("PERF_SETTINGS", raising=False)


# -- helpers -----------------------------------------------------------------------------------------
def table(name: str, rows, start: str = "2026年1月1日", end: str = "2026年12月31日", funding: str = "100.00") -> str:
    """One 项目支出绩效目标表 in the seed layout (tab separated, end date alone on the next line)."""
    lines = [
        "项目支出绩效目标表", "", "(2026年度)", "",
        f"项目名称\t{name}\t\t",
        "主管部门\t402-测试局(部门)\t实施单位\t测试中心",
        f"项目属性\t当年项目\t项目日期范围\t{start}",
        f"\t\t\t{end}",
        f"项目资金 (万元)\t年度资金总额\t{funding}\t",
        f"\t其中:财政拨款\t{funding}\t",
        "\t其他资金\t\t",
        "年度绩效目标\t\t\t",
        "测试用绩效目标。\t\t\t",
        "一级指标\t二级指标\t三级指标\t指标值",
    ]
    previous = ("", "")
    for level1, level2, name3, value in rows:
        # Merged cells: 一级/二级 left empty when they repeat the row above.
        cells = [level1 if level1 != previous[0] else "", level2 if (level1, level2) != previous else "", name3, value]
        previous = (level1, level2)
        lines.append("\t".join(cells))
    lines += ["", "注:若为空表,则为该部门(单位)无部门预算项目支出。", ""]
    return "\n".join(lines)


def make_store(tmp_path, *tables: str) -> Store:
    store = Store.open(tmp_path / "x.duckdb")
    services.import_bytes(store, "\n".join(tables).encode(), "t.txt")
    return store


def _csv(header: list[str], rows) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    for r in rows:
        w.writerow(["" if v is None else (v.isoformat() if isinstance(v, date) else v) for v in r])
    return buf.getvalue().encode("utf-8")


def report(store: Store, rows, today: date = YEAR_END) -> None:
    """rows: (项目名称, 三级指标, 实际完成值, 截至日期[, 评定得分率[, 完成目标可能性[, 偏差原因分析及改进措施]]])"""
    header = ["项目名称", "三级指标", "实际完成值", "截至日期", "评定得分率", "完成目标可能性",
              "偏差原因分析及改进措施"]
    full = [tuple(r) + (None,) * (len(header) - len(r)) for r in rows]
    services.load_report(store, _csv(header, full), "r.csv", today=today)


def spend(store: Store, rows, today: date = YEAR_END) -> None:
    """rows: (项目名称, 截至日期, 预算执行数(万元)); every row carries a 说明, which a low rate at the
    end of the period requires (tested in test_reports)."""
    services.load_report(store, _csv(["项目名称", "截至日期", "预算执行数(万元)", "说明"],
                                     [(*r, "说明原因") for r in rows]), "s.csv", today=today)


def project(data: dict, name: str) -> dict:
    (p,) = [p for p in data["projects"] if p["name"] == name]
    return p


def indicator(data: dict, project_name: str, name: str) -> dict:
    (i,) = [i for i in project(data, project_name)["indicators"] if i["name"] == name]
    return i


def settings_with(**changes) -> object:
    """settings.toml with some keys replaced: changes are section -> {key: value}."""
    with open(DEFAULT_SETTINGS, "rb") as f:
        data = tomllib.load(f)
    for section, values in changes.items():
        data[section].update(values)
    return parse_settings(data)


def single(tmp_path, row, value, as_of: date = YEAR_END, **extra) -> dict:
    """One project holding the single indicator ``row``, one report of ``value``; its report JSON."""
    store = make_store(tmp_path, table("单指标项目", [row]))
    report(store, [("单指标项目", row[2], value, as_of, *extra.get("more", ()))])
    return indicator(services.report_data(store, as_of), "单指标项目", row[2])


# -- section 4: completion c per indicator ------------------------------------------------------------
QUANT = ("产出指标", "数量指标")
PERCENT = ("产出指标", "质量指标")


@pytest.mark.parametrize(
    ("row", "value", "actual", "completion"),
    [
        # 正向 (≥): c = 1 if B >= A else B / A
        ((*QUANT, "完成次数", "≥10次"), "8次", 8.0, 0.8),  # 8 / 10
        ((*QUANT, "完成次数", "≥10次"), "12次", 12.0, 1.0),  # 12 >= 10
        ((*QUANT, "完成次数", "≥10次"), "10", 10.0, 1.0),  # B = A, bare number in the target's unit
        ((*PERCENT, "合格率", "≥97%"), "96.2%", 96.2, 0.9917525773),  # 96.2 / 97
        # 等于: scored like 正向
        ((*QUANT, "巡检次数", "=4次"), "3次", 3.0, 0.75),  # 3 / 4
        ((*QUANT, "巡检次数", "=4次"), "5次", 5.0, 1.0),  # 5 >= 4
        # 等于 / 正向 with A = 0: c = 1 if B <= 0 else 0
        ((*QUANT, "事故次数", "=0次"), "0次", 0.0, 1.0),
        ((*QUANT, "事故次数", "=0次"), "2次", 2.0, 0.0),
        # 反向 (≤), default "ratio": c = 1 if B <= A else A / B
        (COST, "50万元", 50.0, 1.0),  # 50 <= 60
        (COST, "60万元", 60.0, 1.0),  # B = A
        (COST, "75万元", 75.0, 0.8),  # 60 / 75
        (COST, "150万元", 150.0, 0.4),  # 60 / 150
        (("效益指标", "生态效益", "PM2.5浓度", "≤35微克/立方米"), "40微克/立方米", 40.0, 0.875),  # 35 / 40
        # strict operators: > like ≥, < like ≤
        ((*PERCENT, "上传率", ">90%"), "81%", 81.0, 0.9),  # 81 / 90
        ((*PERCENT, "上传率", ">90%"), "90%", 90.0, 1.0),  # B = A counts as met (scored like ≥)
        ((*QUANT, "投诉次数", "<5次"), "5次", 5.0, 1.0),  # B = A counts as met (scored like ≤)
        ((*QUANT, "投诉次数", "<5次"), "8次", 8.0, 0.625),  # 5 / 8
        # 元 -> 万元 (1 万元 = 10,000 元)
        (COST, "582000元", 58.2, 1.0),  # 582000 / 10000 = 58.2 <= 60
        (COST, "750000元", 75.0, 0.8),  # 75 万元 -> 60 / 75
        # negative actuals count as 0
        ((*QUANT, "完成次数", "≥10次"), "-3次", -3.0, 0.0),  # max(-3, 0) / 10 = 0
        (COST, "-5万元", -5.0, 1.0),  # 0 <= 60
        ((*QUANT, "事故次数", "=0次"), "-2次", -2.0, 1.0),  # A = 0 and max(-2, 0) = 0 <= 0
    ],
)
def test_quantitative_completion(tmp_path, row, value, actual, completion):
    i = single(tmp_path, row, value)
    assert i["actual"] == pytest.approx(actual)
    assert i["completion"] == pytest.approx(completion)
    # the project's only indicator of its pool carries all its points: 产出 (成本 shares it) 50, 效益 30
    points = {"产出指标": 50.0, "成本指标": 50.0, "效益指标": 30.0}[row[0]]
    assert i["weight"] == pytest.approx(points)
    assert i["score"] == pytest.approx(points * completion)


def test_negative_actual_is_flagged(tmp_path):
    i = single(tmp_path, COUNT, "-3次")
    assert i["completion"] == pytest.approx(0.0)
    assert i["score"] == pytest.approx(0.0)
    assert "实际值为负数, 按0计" in i["flags"]


def test_lower_is_better_linear_alternative(tmp_path):
    store = make_store(tmp_path, table("反向项目", [
        ("成本指标", "经济成本指标", "费用甲", "≤60万"),
        ("成本指标", "经济成本指标", "费用乙", "≤60万"),
        ("成本指标", "经济成本指标", "费用丙", "≤60万"),
        ("成本指标", "经济成本指标", "费用丁", "≤60万"),
    ]))
    report(store, [
        ("反向项目", "费用甲", "50万元", YEAR_END),
        ("反向项目", "费用乙", "75万元", YEAR_END),
        ("反向项目", "费用丙", "150万元", YEAR_END),
        ("反向项目", "费用丁", "90万元", YEAR_END),
    ])
    names = store.indicators_frame().set_index("indicator_id")["name"]

    def completion(settings) -> pd.Series:
        ind = engine.compute(store, YEAR_END, settings).indicators
        return ind.set_index(ind["indicator_id"].map(names))["completion"]

    linear = settings_with(score={"lower_is_better": "linear"})
    assert linear.lower_is_better == "linear"
    got = completion(linear)
    assert got["费用甲"] == pytest.approx(1.0)  # 50 <= 60
    assert got["费用乙"] == pytest.approx(0.75)  # 1 - (75 - 60) / 60 = 1 - 0.25
    assert got["费用丙"] == pytest.approx(0.0)  # max(0, 1 - 90 / 60) = max(0, -0.5)
    assert got["费用丁"] == pytest.approx(0.5)  # 1 - 30 / 60
    ratio = completion(settings_with())
    assert ratio["费用乙"] == pytest.approx(0.8)  # 60 / 75
    assert ratio["费用丙"] == pytest.approx(0.4)  # 60 / 150
    assert ratio["费用丁"] == pytest.approx(2 / 3)  # 60 / 90


def test_percent_formatted_excel_cell(tmp_path):
    store = make_store(tmp_path, table("百分比项目", [(*PERCENT, "数据上传率", "≥97%")]))
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["项目名称", "三级指标", "实际完成值", "截至日期"])
    ws.append(["百分比项目", "数据上传率", 0.962, YEAR_END])
    ws["C2"].number_format = "0.0%"
    ws["D2"].number_format = "yyyy-mm-dd"
    buf = io.BytesIO()
    wb.save(buf)
    services.load_report(store, buf.getvalue(), "r.xlsx", today=YEAR_END)
    i = indicator(services.report_data(store, YEAR_END), "百分比项目", "数据上传率")
    assert i["actual"] == pytest.approx(96.2)  # 0.962 shown as 96.2%
    assert i["completion"] == pytest.approx(0.9917525773)  # 96.2 / 97


# -- deadlines --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("done", "completion", "light"),
    [
        ("2026-06-30", 1.0, "green"),  # on the deadline day: on time
        ("2026-05-15", 1.0, "green"),  # early
        ("2026-07-02", 0.0, "red"),  # two days late
    ],
)
def test_deadline_completed(tmp_path, done, completion, light):
    i = single(tmp_path, DEADLINE, done)
    assert i["completion"] == pytest.approx(completion)
    assert i["score"] == pytest.approx(50.0 * completion)
    assert i["light"] == light


@pytest.mark.parametrize(
    ("as_of", "light"),
    [
        (date(2026, 5, 1), "green"),  # 60 days before 2026-06-30: 未到期
        (date(2026, 5, 30), "green"),  # 31 days before
        (date(2026, 5, 31), "yellow"),  # 30 days before: within the warning window
        (date(2026, 6, 30), "yellow"),  # the deadline day itself, 0 days left
        (date(2026, 7, 1), "red"),  # one day past
        (YEAR_END, "red"),
    ],
)
def test_deadline_not_completed(tmp_path, as_of, light):
    store = make_store(tmp_path, table("时效项目", [DEADLINE]))
    data = services.report_data(store, as_of)  # nothing reported at all: still never grey
    i = indicator(data, "时效项目", "完成时间")
    assert i["light"] == light
    assert i["completion"] is None
    assert i["score"] == pytest.approx(0.0)


def test_deadline_reported_not_done(tmp_path):
    store = make_store(tmp_path, table("时效项目", [DEADLINE]))
    report(store, [("时效项目", "完成时间", "未完成", date(2026, 6, 10))])
    mid = indicator(services.report_data(store, date(2026, 6, 10)), "时效项目", "完成时间")
    assert mid["light"] == "yellow"  # 20 days before the deadline
    end = indicator(services.report_data(store, YEAR_END), "时效项目", "完成时间")
    assert end["light"] == "red"
    assert end["completion"] is None  # c = 0 at year end: no points
    assert end["score"] == pytest.approx(0.0)


# -- qualitative -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "rate", "completion", "light"),
    [
        ("达成", None, 1.0, "green"),  # default 100%
        ("部分达成", None, 0.7, "yellow"),  # default 70%
        ("未达成", None, 0.3, "red"),  # default 30%
        ("部分达成", 65, 0.65, "yellow"),  # rate inside [60, 80)
        ("达成年度指标", 85, 0.85, "green"),  # full spelling, rate inside [80, 100]
        ("部分达成年度指标并具有一定效果", None, 0.7, "yellow"),
        ("未达成年度指标且效果较差", 20, 0.2, "red"),  # rate inside [0, 60)
    ],
)
def test_qualitative_grades(tmp_path, value, rate, completion, light):
    i = single(tmp_path, EFFECT, value, more=(rate,))
    assert i["completion"] == pytest.approx(completion)
    assert i["weight"] == pytest.approx(30.0)  # the only 效益 indicator
    assert i["score"] == pytest.approx(30.0 * completion)
    assert i["light"] == light


def test_qualitative_rate_outside_band_is_refused(tmp_path):
    store = make_store(tmp_path, table("定性项目", [EFFECT]))
    with pytest.raises(ReportRefused):
        report(store, [("定性项目", "治理效果", "部分达成", YEAR_END, 55)])  # 55 is not in [60, 80)


def test_qualitative_band_edges_configurable(tmp_path, monkeypatch):
    # Hubei: 部分达成 [50, 80), 未达成 [0, 50)
    with open(DEFAULT_SETTINGS, "rb") as f:
        text = f.read().decode("utf-8")
    text = text.replace('"部分达成" = { low = 60,', '"部分达成" = { low = 50,')
    text = text.replace('"未达成" = { low = 0, high = 60,', '"未达成" = { low = 0, high = 50,')
    path = tmp_path / "hubei.toml"
    path.write_text(text, encoding="utf-8")
    assert parse_settings(tomllib.loads(text)).qualitative["部分达成"].low == 50
    monkeypatch.setenv("PERF_SETTINGS", str(path))
    store = make_store(tmp_path, table("定性项目", [EFFECT]))
    report(store, [("定性项目", "治理效果", "部分达成", YEAR_END, 55)])
    i = indicator(services.report_data(store, YEAR_END), "定性项目", "治理效果")
    assert i["completion"] == pytest.approx(0.55)
    assert i["score"] == pytest.approx(16.5)  # 30 x 0.55


# -- no value, over-completion ---------------------------------------------------------------------------
def test_no_value_reported(tmp_path):
    store = make_store(tmp_path, table("漏报项目", [COUNT, PEOPLE, SATISFACTION]))
    report(store, [("漏报项目", "完成次数", "10次", YEAR_END), ("漏报项目", "群众满意度", "95%", YEAR_END)])
    i = indicator(services.report_data(store, YEAR_END), "漏报项目", "受益人数")
    assert i["actual"] is None
    assert i["completion"] is None
    assert i["weight"] == pytest.approx(30.0)
    assert i["score"] == pytest.approx(0.0)
    assert i["light"] == "grey"
    assert i["flags"] == ["未填报"]


def test_over_completion(tmp_path):
    store = make_store(tmp_path, table("超额项目", [
        (*QUANT, "完成次数", "≥10次"), (*QUANT, "培训次数", "≥10次"), (*PERCENT, "达标率", "≥50%"),
    ]))
    report(store, [
        ("超额项目", "完成次数", "13次", YEAR_END, None, None, "新增专项任务"),  # 13 >= 1.3 x 10
        ("超额项目", "培训次数", "12.9次", YEAR_END),  # 12.9 < 13: no note needed
        ("超额项目", "达标率", "80%", YEAR_END, None, None, "监管加强"),  # 80 >= 1.3 x 50 = 65
    ])
    data = services.report_data(store, YEAR_END)
    over = indicator(data, "超额项目", "完成次数")
    assert over["completion"] == pytest.approx(1.0)
    assert over["score"] == pytest.approx(50 / 3)  # full points: 产出 pool 50 over 3 indicators
    assert "超额完成, 需说明原因" in over["flags"]
    below = indicator(data, "超额项目", "培训次数")
    assert below["completion"] == pytest.approx(1.0)
    assert "超额完成, 需说明原因" not in below["flags"]
    assert "超额完成, 需说明原因" in indicator(data, "超额项目", "达标率")["flags"]


def test_over_completion_needs_a_note(tmp_path):
    store = make_store(tmp_path, table("超额项目", [COUNT]))
    with pytest.raises(ReportRefused):
        report(store, [("超额项目", "完成次数", "13次", YEAR_END)])


# -- budget execution ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("spent", "rate", "budget_score", "flags"),
    [
        (85.0, 0.85, 8.5, ["预算执行率低于90%, 需说明原因"]),  # 85 / 100; 10 x 0.85
        (89.99, 0.8999, 8.999, ["预算执行率低于90%, 需说明原因"]),
        (90.0, 0.90, 9.0, []),  # exactly 90%: not below
        (100.0, 1.0, 10.0, []),
        (120.0, 1.2, 10.0, []),  # 10 x min(1.2, 1)
    ],
)
def test_budget_execution_at_period_end(tmp_path, spent, rate, budget_score, flags):
    store = make_store(tmp_path, table("预算项目", [COUNT]))
    spend(store, [("预算项目", YEAR_END, spent)])
    p = project(services.report_data(store, YEAR_END), "预算项目")
    assert p["execution_rate"] == pytest.approx(rate)
    assert p["budget_score"] == pytest.approx(budget_score)
    # The count indicator is unreported at the period's end: it counts 0 and the score says so (issue 11).
    assert p["flags"] == [*flags, "期末未填报按0分计"]


def test_low_execution_rate_not_flagged_mid_year(tmp_path):
    store = make_store(tmp_path, table("预算项目", [COUNT]))
    spend(store, [("预算项目", MID_YEAR, 30.0)])
    p = project(services.report_data(store, MID_YEAR), "预算项目")
    assert p["execution_rate"] == pytest.approx(0.3)
    assert p["budget_score"] == pytest.approx(3.0)  # 10 x 0.3
    assert p["flags"] == []  # the period has not ended


def test_no_spending_reported(tmp_path):
    store = make_store(tmp_path, table("预算项目", [COUNT]))
    report(store, [("预算项目", "完成次数", "10次", YEAR_END)])
    p = project(services.report_data(store, YEAR_END), "预算项目")
    assert p["execution_rate"] is None
    assert p["budget_score"] == pytest.approx(0.0)
    assert p["budget_light"] == "grey"
    assert "未填报预算执行数" in p["flags"]


# -- weights, totals, grades --------------------------------------------------------------------------
def test_pool_weights_split_equally(tmp_path):
    rows = [
        (*QUANT, "完成次数", "≥10次"), (*PERCENT, "合格率", "≥95%"), COST,  # 产出 pool (成本 shares it): 3
        PEOPLE, EFFECT,  # 效益 pool: 2
        SATISFACTION,  # 满意度 pool: 1
    ]
    store = make_store(tmp_path, table("权重项目", rows))
    data = services.report_data(store, YEAR_END)
    weights = {i["name"]: i["weight"] for i in project(data, "权重项目")["indicators"]}
    assert weights == pytest.approx({
        "完成次数": 16.666666667, "合格率": 16.666666667, "运维费用": 16.666666667,  # 50 / 3
        "受益人数": 15.0, "治理效果": 15.0,  # 30 / 2
        "群众满意度": 10.0,  # 10 / 1
    })


def test_pool_weights_without_cost(tmp_path):
    store = make_store(tmp_path, table("权重项目", [COUNT, DEADLINE, PEOPLE, SATISFACTION]))
    data = services.report_data(store, YEAR_END)
    weights = {i["name"]: i["weight"] for i in project(data, "权重项目")["indicators"]}
    assert weights == pytest.approx({"完成次数": 25.0, "完成时间": 25.0, "受益人数": 30.0, "群众满意度": 10.0})


def test_project_total_and_grade(tmp_path):
    rows = [(*QUANT, "完成次数", "≥10次"), (*PERCENT, "合格率", "≥95%"), COST, PEOPLE, EFFECT, SATISFACTION]
    store = make_store(tmp_path, table("总分项目", rows))
    report(store, [
        ("总分项目", "完成次数", "8次", YEAR_END),  # c = 0.8
        ("总分项目", "合格率", "95%", YEAR_END),  # c = 1
        ("总分项目", "运维费用", "75万元", YEAR_END),  # c = 60 / 75 = 0.8
        ("总分项目", "受益人数", "150人", YEAR_END),  # c = 150 / 200 = 0.75
        ("总分项目", "治理效果", "部分达成", YEAR_END),  # c = 0.7
        ("总分项目", "群众满意度", "81%", YEAR_END),  # c = 81 / 90 = 0.9
    ])
    spend(store, [("总分项目", YEAR_END, 85.0)])  # 8.5 points
    p = project(services.report_data(store, YEAR_END), "总分项目")
    # 产出 (0.8 + 1 + 0.8) x 50/3 = 43.3333; 效益 (0.75 + 0.7) x 15 = 21.75; 满意度 0.9 x 10 = 9; budget 8.5
    assert p["score"] == pytest.approx(82.5833333333)
    assert p["grade"] == "良"


def test_not_applicable_rescales_to_100(tmp_path):
    store = make_store(tmp_path, table("不适用项目", [COUNT, PEOPLE, SATISFACTION]))
    report(store, [
        ("不适用项目", "完成次数", "8次", YEAR_END),  # 0.8 x 50 = 40
        ("不适用项目", "受益人数", "不适用", YEAR_END),  # left out: the 效益 pool has no applicable indicator
        ("不适用项目", "群众满意度", "81%", YEAR_END),  # 0.9 x 10 = 9
    ])
    spend(store, [("不适用项目", YEAR_END, 85.0)])  # 8.5
    data = services.report_data(store, YEAR_END)
    na = indicator(data, "不适用项目", "受益人数")
    assert na["weight"] == pytest.approx(0.0)
    assert na["score"] == pytest.approx(0.0)
    assert na["completion"] is None
    assert "不适用" in na["flags"]
    assert "未填报" not in na["flags"]
    p = project(data, "不适用项目")
    # (40 + 9 + 8.5) = 57.5 of 50 + 10 + 10 = 70 applicable points -> 57.5 x 100 / 70
    assert p["score"] == pytest.approx(82.1428571429)
    assert p["grade"] == "良"


def test_not_applicable_inside_a_pool(tmp_path):
    # The indicator is left out of its pool's equal split: the remaining 产出 indicator carries 50.
    store = make_store(tmp_path, table("不适用项目", [COUNT, (*QUANT, "培训项数", "≥5项"), PEOPLE, SATISFACTION]))
    report(store, [
        ("不适用项目", "完成次数", "8次", YEAR_END),  # 0.8 x 50 = 40
        ("不适用项目", "培训项数", "不适用", YEAR_END),
        ("不适用项目", "受益人数", "200人", YEAR_END),  # 1 x 30 = 30
        ("不适用项目", "群众满意度", "81%", YEAR_END),  # 0.9 x 10 = 9
    ])
    spend(store, [("不适用项目", YEAR_END, 85.0)])  # 8.5
    data = services.report_data(store, YEAR_END)
    assert indicator(data, "不适用项目", "完成次数")["weight"] == pytest.approx(50.0)
    assert indicator(data, "不适用项目", "培训项数")["weight"] == pytest.approx(0.0)
    assert project(data, "不适用项目")["score"] == pytest.approx(87.5)  # 40 + 30 + 9 + 8.5 of 100



def test_not_applicable_deadline_is_left_out_of_the_lights(tmp_path):
    store = make_store(tmp_path, table("不适用时效", [COUNT, DEADLINE, SATISFACTION]))
    report(store, [
        ("不适用时效", "完成次数", "10次", YEAR_END),  # 100%: green
        ("不适用时效", "完成时间", "不适用", YEAR_END),
        ("不适用时效", "群众满意度", "90%", YEAR_END),  # 100%: green
    ])
    spend(store, [("不适用时效", YEAR_END, 100.0)])  # r = 100: green
    data = services.report_data(store, YEAR_END)
    na = indicator(data, "不适用时效", "完成时间")
    assert na["weight"] == pytest.approx(0.0)
    assert project(data, "不适用时效")["score"] == pytest.approx(100.0)  # 50 + 10 + 10 of 70 -> 100
    assert na["light"] == "grey"  # like every other indicator marked 不适用
    assert project(data, "不适用时效")["light"] == "green"

def test_grade_band_edges():
    s = settings_with()
    scores = pd.Series([100.0, 90.0, 89.99, 89.995, 80.0, 79.99, 60.0, 59.99, 0.0])
    assert engine.grade_of(scores, s).tolist() == ["优", "优", "良", "良", "良", "中", "中", "差", "差"]
    # 89.995 stays 良: grades use the unrounded total, not its two-decimal display (90.00)


# -- time progress ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("start", "end", "as_of", "t"),
    [
        ("2026-01-01", "2026-12-31", date(2025, 12, 31), 0.0),  # before the start
        ("2026-01-01", "2026-12-31", date(2026, 1, 1), 0.0027397260),  # 1 / 365: the first day counts
        ("2026-01-01", "2026-12-31", date(2026, 7, 1), 0.4986301370),  # 182 / 365
        ("2026-01-01", "2026-12-31", date(2026, 12, 30), 0.9972602740),  # 364 / 365
        ("2026-01-01", "2026-12-31", date(2026, 12, 31), 1.0),  # 365 / 365
        ("2026-01-01", "2026-12-31", date(2027, 3, 1), 1.0),  # after the end: clamped
        ("2025-07-01", "2026-06-30", date(2026, 1, 1), 0.5068493151),  # (184 + 1) / 365
        ("2026-03-01", "2026-03-10", date(2026, 3, 5), 0.5),  # 5 / 10
    ],
)
def test_time_progress(start, end, as_of, t):
    got = engine.time_progress(pd.Series([pd.Timestamp(start)]), pd.Series([pd.Timestamp(end)]),
                               pd.Series([2026]), as_of)
    assert got.iloc[0] == pytest.approx(t)


def test_time_progress_in_report(tmp_path):
    store = make_store(tmp_path, table("进度项目", [COUNT]))
    assert project(services.report_data(store, MID_YEAR), "进度项目")["time_progress"] == pytest.approx(0.4986301370)
    assert project(services.report_data(store, date(2025, 6, 1)), "进度项目")["time_progress"] == 0.0
    assert project(services.report_data(store, date(2027, 6, 1)), "进度项目")["time_progress"] == 1.0


# -- section 5: lights -------------------------------------------------------------------------------
def test_lights_cumulative_counts_mid_year(tmp_path):
    # ≥100次 at 2026-07-01: expectation = 100 x 182/365 = 49.8630
    values = {"计数甲": 29, "计数乙": 30, "计数丙": 39, "计数丁": 40, "计数戊": 59, "计数己": 60}
    store = make_store(tmp_path, table("累计项目", [(*QUANT, n, "≥100次") for n in values]))
    report(store, [("累计项目", n, f"{v}次", MID_YEAR) for n, v in values.items()])
    data = services.report_data(store, MID_YEAR)
    lights = {n: indicator(data, "累计项目", n)["light"] for n in values}
    assert lights == {
        "计数甲": "red",  # 29 / 49.863 = 58.16% < 60
        "计数乙": "yellow",  # 30 / 49.863 = 60.17%
        "计数丙": "yellow",  # 39 / 49.863 = 78.21% < 80
        "计数丁": "green",  # 40 / 49.863 = 80.22% (against the full target it would be 40%: red)
        "计数戊": "green",  # 59 / 49.863 = 118.32% < 120
        "计数己": "blue",  # 60 / 49.863 = 120.33% >= 120: ahead of schedule
    }


def test_lights_money_is_cumulative(tmp_path):
    store = make_store(tmp_path, table("收益项目", [("效益指标", "经济效益", "节约资金", "≥20万元")]))
    report(store, [("收益项目", "节约资金", "9万元", MID_YEAR)])
    # expectation 20 x 182/365 = 9.9726 万元; 9 / 9.9726 = 90.25% -> green (against 20 it would be 45%: red)
    assert indicator(services.report_data(store, MID_YEAR), "收益项目", "节约资金")["light"] == "green"


def test_lights_rates_mid_year(tmp_path):
    # ≥50% at 2026-07-01: a rate, the expectation is the full 50 (not 50 x t = 24.93)
    values = {"率甲": 29.9, "率乙": 30, "率丙": 39.9, "率丁": 40, "率戊": 59.9, "率己": 60}
    store = make_store(tmp_path, table("比率项目", [(*PERCENT, n, "≥50%") for n in values]))
    report(store, [("比率项目", n, f"{v}%", MID_YEAR) for n, v in values.items()])
    data = services.report_data(store, MID_YEAR)
    lights = {n: indicator(data, "比率项目", n)["light"] for n in values}
    assert lights == {
        "率甲": "red",  # 29.9 / 50 = 59.8%
        "率乙": "yellow",  # 30 / 50 = 60% (against 24.93 it would be 120%: blue)
        "率丙": "yellow",  # 39.9 / 50 = 79.8%
        "率丁": "green",  # 40 / 50 = 80%
        "率戊": "green",  # 59.9 / 50 = 119.8%
        "率己": "blue",  # 60 / 50 = 120%
    }


@pytest.mark.parametrize("as_of", [MID_YEAR, YEAR_END])
def test_lights_lower_is_better(tmp_path, as_of):
    store = make_store(tmp_path, table("反向项目", [
        ("效益指标", "生态效益", "浓度甲", "≤35微克/立方米"),
        ("效益指标", "生态效益", "浓度乙", "≤35微克/立方米"),
        ("成本指标", "经济成本指标", "费用甲", "≤60万"),
        ("成本指标", "经济成本指标", "费用乙", "≤60万"),
    ]))
    report(store, [
        ("反向项目", "浓度甲", "35", as_of),  # B = A
        ("反向项目", "浓度乙", "35.5", as_of),  # B > A
        ("反向项目", "费用甲", "40万元", as_of),  # no pro-rating: 40 <= 60 even at mid-year
        ("反向项目", "费用乙", "61万元", as_of),
    ])
    data = services.report_data(store, as_of)
    lights = {n: indicator(data, "反向项目", n)["light"] for n in ("浓度甲", "浓度乙", "费用甲", "费用乙")}
    assert lights == {"浓度甲": "green", "浓度乙": "red", "费用甲": "green", "费用乙": "red"}


def test_budget_lights_mid_year(tmp_path):
    spent = {"预算甲": 29.0, "预算乙": 30.0, "预算丙": 39.0, "预算丁": 40.0, "预算戊": 70.0}
    store = make_store(tmp_path, *(table(n, [COUNT]) for n in spent))
    spend(store, [(n, MID_YEAR, v) for n, v in spent.items()])
    data = services.report_data(store, MID_YEAR)
    lights = {n: project(data, n)["budget_light"] for n in spent}
    assert lights == {
        "预算甲": "red",  # r = 0.29 / (182/365) x 100 = 58.16
        "预算乙": "yellow",  # 0.30 / 0.49863 x 100 = 60.16
        "预算丙": "yellow",  # 78.21
        "预算丁": "green",  # 80.22
        "预算戊": "green",  # 140.38: budget has no blue
    }



def test_budget_light_edges_at_year_end(tmp_path):
    # t = 1 at 2026-12-31, so r = execution rate x 100
    spent = {"预算甲": 59.9, "预算乙": 60.0, "预算丙": 79.9, "预算丁": 80.0, "预算戊": 100.0}
    store = make_store(tmp_path, *(table(n, [COUNT]) for n in spent))
    spend(store, [(n, YEAR_END, v) for n, v in spent.items()])
    data = services.report_data(store, YEAR_END)
    lights = {n: project(data, n)["budget_light"] for n in spent}
    assert lights == {
        "预算甲": "red",  # 59.9 / 100 / 1 x 100 = 59.9 < 60
        "预算乙": "yellow",  # 60
        "预算丙": "yellow",  # 79.9 < 80
        "预算丁": "green",  # 80
        "预算戊": "green",  # 100
    }

def test_project_light_is_the_worst(tmp_path):
    rows = [COUNT, SATISFACTION]  # ≥10次 and ≥90% at year end (t = 1)
    names = ["全绿", "一黄", "一红", "蓝绿", "全蓝", "一灰", "预算红", "未报"]
    store = make_store(tmp_path, *(table(n, rows) for n in names))
    report(store, [
        ("全绿", "完成次数", "10次", YEAR_END), ("全绿", "群众满意度", "90%", YEAR_END),  # 100%, 100%
        ("一黄", "完成次数", "7次", YEAR_END), ("一黄", "群众满意度", "90%", YEAR_END),  # 70%: yellow
        ("一红", "完成次数", "5次", YEAR_END), ("一红", "群众满意度", "63%", YEAR_END),  # 50% red, 70% yellow
        ("蓝绿", "完成次数", "12次", YEAR_END), ("蓝绿", "群众满意度", "90%", YEAR_END),  # 120%: blue
        ("全蓝", "完成次数", "12次", YEAR_END),  # blue, the other grey, no spending
        ("一灰", "完成次数", "10次", YEAR_END),  # 群众满意度 not reported: grey
        ("预算红", "完成次数", "10次", YEAR_END), ("预算红", "群众满意度", "90%", YEAR_END),
    ])
    spend(store, [(n, YEAR_END, 100.0) for n in ["全绿", "一黄", "一红", "蓝绿", "一灰"]]
          + [("预算红", YEAR_END, 50.0)])  # r = 0.5 / 1 x 100 = 50: red
    data = services.report_data(store, YEAR_END)
    lights = {n: project(data, n)["light"] for n in names}
    assert lights["全绿"] == "green"
    assert lights["一黄"] == "yellow"
    assert lights["一红"] == "red"
    assert lights["蓝绿"] == "green"  # blue ranks with green
    assert lights["全蓝"] in ("blue", "green")  # only blue besides grey: green/blue rank alike
    assert lights["一灰"] == "green"  # grey counts only when nothing is reported
    assert lights["预算红"] == "red"  # the budget light counts too
    assert lights["未报"] == "grey"
    assert project(data, "预算红")["budget_light"] == "red"


# -- report history --------------------------------------------------------------------------------
def test_latest_report_as_of_wins(tmp_path):
    store = make_store(tmp_path, table("历史项目", [COUNT]))
    report(store, [
        ("历史项目", "完成次数", "5次", date(2026, 6, 30)),
        ("历史项目", "完成次数", "8次", date(2026, 9, 30)),
    ])

    def at(as_of: date) -> dict:
        return indicator(services.report_data(store, as_of), "历史项目", "完成次数")

    assert at(date(2026, 6, 29))["actual"] is None  # both reports dated later: ignored
    assert at(date(2026, 6, 29))["light"] == "grey"
    assert at(date(2026, 6, 30))["actual"] == pytest.approx(5.0)
    assert at(date(2026, 9, 29))["actual"] == pytest.approx(5.0)
    assert at(YEAR_END)["actual"] == pytest.approx(8.0)
    assert at(YEAR_END)["completion"] == pytest.approx(0.8)  # 8 / 10
    # a correction with the same as-of date, entered later, wins over the earlier report
    report(store, [("历史项目", "完成次数", "9次", date(2026, 9, 30))])
    assert at(YEAR_END)["actual"] == pytest.approx(9.0)
    assert at(YEAR_END)["completion"] == pytest.approx(0.9)  # 9 / 10
    assert at(date(2026, 7, 31))["actual"] == pytest.approx(5.0)  # history is kept


def test_latest_spending_as_of_wins(tmp_path):
    store = make_store(tmp_path, table("历史项目", [COUNT]))
    spend(store, [("历史项目", date(2026, 6, 30), 40.0), ("历史项目", date(2026, 11, 30), 80.0)])
    spend(store, [("历史项目", date(2026, 11, 30), 95.0)])  # correction, same as-of date

    def rate(as_of: date) -> float | None:
        return project(services.report_data(store, as_of), "历史项目")["execution_rate"]

    assert rate(date(2026, 6, 1)) is None  # reported later than the as-of date
    assert rate(date(2026, 7, 31)) == pytest.approx(0.4)  # 40 / 100
    assert rate(YEAR_END) == pytest.approx(0.95)  # the correction: 95 / 100
