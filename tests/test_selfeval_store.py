"""What a 自评表 or 监控表 brings, stored and scored (domain.md section 7, "Scoring schemes").

Tables are built as ``ProjectTable`` objects, as the parser returns them, so these tests pin the
store, the engine and the services whatever layout the table came from. Each test uses a real
DuckDB file.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from analytics import services
from analytics.backup import backup, restore
from analytics.cli import main
from analytics.engine import compute
from analytics.model import BudgetLine, Indicator, InputError, ProjectTable
from analytics.reports import INDICATOR_COLUMNS
from analytics.storage import ADDED_COLUMNS, Store
from analytics.values import parse_target

YEAR = 2026
YEAR_END = date(YEAR, 12, 31)
D = Decimal


def ind(level1: str, level2: str, name: str, target: str, actual: str = "", weight: str | None = None,
        score: str | None = None, **extra: str) -> Indicator:
    return Indicator(
        level1, level2, name, parse_target(target, level1, name, YEAR), location=f"{name}所在行",
        weight=None if weight is None else D(weight), actual_text=actual,
        printed_score=None if score is None else D(score), **extra,
    )


def sichuan(printed_total: str = "91.95", department: str = "某县住房和城乡建设局",
            name: str = "城区污水管网改造项目") -> ProjectTable:
    """预算执行情况 10 + 绩效指标 90, weights per 三级, 经济成本指标 under 产出指标.

    Budget 108 of an adjusted 120 → 90% → 9 points. Indicators: 30 + 20 × 90/95 + 10 + 14 + 10.
    Total 9 + 30 + 18.947368… + 10 + 14 + 10 = 91.947368… printed as 91.95.
    """
    return ProjectTable(
        year=YEAR, name=name, department=department, unit="某县城市管理服务中心",
        start_date=date(YEAR, 1, 1), end_date=date(YEAR, 12, 31),
        funding_total=D("100"), funding_fiscal=D("100"), goal_text="完成城区污水管网改造。",
        kind="selfeval",
        budget=[BudgetLine("预算执行情况", initial=D("100"), adjusted=D("120"), executed=D("108"),
                           points=D("10"), rate=D("90"), score=D("9"))],
        budget_points=D("10"), printed_total=D(printed_total), goal_actual="已完成改造12公里。",
        indicators=[
            ind("产出指标", "数量指标", "新建污水管网长度", "≥12公里", "12公里", "30", "30", nature="≥"),
            ind("产出指标", "质量指标", "工程验收合格率", "≥95%", "90%", "20", "18.95",
                note="部分路段返工,下年度加强监理"),
            ind("产出指标", "经济成本指标", "每公里改造成本", "≤15.7万元", "15.7万元", "10", "10"),
            ind("效益指标", "社会效益指标", "群众出行条件", "明显改善", "部分达成", "20", "14"),
            ind("满意度指标", "服务对象满意度指标", "群众满意度", "≥90%", "92%", "10", "10"),
        ],
    )


def hubei() -> ProjectTable:
    """预算执行情况 20分 (20 × 执行率) and two goal blocks of 40 points each.

    Budget 45 of 50 → 90% → 18. Goal 1: 20 × 80/100 = 16 and 20 (99% ≥ 98%); goal 2: 16 of 20
    printed for a qualitative indicator (80%, 达成's lower edge) and 20 × 85/90 = 18.888…
    Total 18 + 16 + 20 + 16 + 18.888… = 88.888… printed as 88.89.
    """
    return ProjectTable(
        year=YEAR, name="农村饮水安全巩固提升工程", department="某市水利局", unit="某市农村供水站",
        start_date=date(YEAR, 1, 1), end_date=date(YEAR, 12, 31),
        funding_total=D("60"), funding_fiscal=D("60"), kind="selfeval",
        budget=[BudgetLine("年度资金总额", initial=D("60"), adjusted=D("50"), executed=D("45"),
                           points=D("20"), rate=D("90"), score=D("18")),
                BudgetLine("当年财政拨款", initial=D("60"), adjusted=D("50"), executed=D("45"))],
        budget_points=D("20"), printed_total=D("88.89"),
        indicators=[
            ind("产出指标", "数量指标", "新建集中供水工程", "≥100个", "80个", "20", "16"),
            ind("产出指标", "质量指标", "水质达标率", "≥98%", "99%", "20", "20"),
            ind("效益指标", "社会效益指标", "农村供水保障水平", "有效提升", "达成", "20", "16"),
            ind("满意度指标", "服务对象满意度指标", "受益群众满意度", "≥90%", "85%", "20", "18.89"),
        ],
    )


def monitor() -> ProjectTable:
    """A 监控表 at 1-6月: values as of 06-30, likelihoods, deviation reasons, 1-6月执行数."""
    return ProjectTable(
        year=YEAR, name="城区污水管网改造项目", department="某县住房和城乡建设局", unit="某县城市管理服务中心",
        start_date=date(YEAR, 1, 1), end_date=date(YEAR, 12, 31),
        funding_total=D("100"), funding_fiscal=D("100"), kind="monitor", month=6,
        budget=[BudgetLine("年度资金总额", initial=D("100"), executed=D("41.2"), forecast=D("100"))],
        indicators=[
            ind("产出指标", "数量指标", "新建污水管网长度", "≥12公里", "6公里", likelihood="确定能",
                forecast_text="12公里"),
            ind("产出指标", "质量指标", "工程验收合格率", "≥95%", "已完成4处,2处在建", likelihood="有可能",
                deviation_category="经费保障", note="资金拨付滞后;加快资金拨付进度"),
            ind("效益指标", "社会效益指标", "群众出行条件", "明显改善", "", likelihood="完全不可能",
                deviation_category="其他", note="受汛期影响;调整施工计划"),
        ],
    )


def target_only(t: ProjectTable) -> ProjectTable:
    """The plain 绩效目标表 of the same project: targets, no printed values."""
    return ProjectTable(
        year=t.year, name=t.name, department=t.department, unit=t.unit, start_date=t.start_date,
        end_date=t.end_date, funding_total=t.funding_total, funding_fiscal=t.funding_fiscal,
        goal_text=t.goal_text,
        indicators=[Indicator(i.level1, i.level2, i.name, i.target) for i in t.indicators],
    )


def load(store: Store, tables: list[ProjectTable], file_name: str = "自评表.xlsx",
         content: str | None = None) -> services.ImportResult:
    return services.import_tables(store, tables, file_name, content or file_name, imported_by="张三")


def project(store: Store, as_of: date, name: str, department: str | None = None) -> dict:
    data = services.report_data(store, as_of)
    found = [p for p in data["projects"] if p["name"] == name and department in (None, p["department"])]
    assert len(found) == 1, found
    return found[0]


@pytest.fixture
def store(tmp_path: Path):
    s = Store.open(tmp_path / "selfeval.duckdb")
    yield s
    s.close()


# -- scoring by the printed scheme ---------------------------------------------------------
def test_sichuan_selfeval_reproduces_its_printed_total(store: Store) -> None:
    r = load(store, [sichuan()])
    assert r.kinds == ["绩效自评表"]
    taken = r.taken[0]
    assert (taken.values, taken.notes, taken.weights, taken.scores, taken.spending) == (5, 0, 6, 6, 1)
    assert taken.as_of == YEAR_END
    assert (r.actuals_new, r.spending_new) == (5, 1)

    p = project(store, YEAR_END, "城区污水管网改造项目")
    assert p["score"] == pytest.approx(91.95, abs=0.01)
    assert p["printed_score"] == pytest.approx(91.95)
    assert "自评表总分与按规则计算不一致" not in p["flags"]
    # The rate is taken against the adjusted budget (108 / 120), not 年度资金总额 (100).
    assert p["execution_rate"] == pytest.approx(0.9)
    assert p["budget_score"] == pytest.approx(9.0)
    weights = {i["name"]: i["weight"] for i in p["indicators"]}
    assert weights == {"新建污水管网长度": 30, "工程验收合格率": 20, "每公里改造成本": 10, "群众出行条件": 20,
                       "群众满意度": 10}
    scores = {i["name"]: (round(i["score"], 4), i["printed_score"]) for i in p["indicators"]}
    assert scores == {"新建污水管网长度": (30, 30), "工程验收合格率": (round(20 * 90 / 95, 4), 18.95),
                      "每公里改造成本": (10, 10), "群众出行条件": (14, 14), "群众满意度": (10, 10)}


def test_hubei_selfeval_with_a_20_point_budget_row(store: Store) -> None:
    load(store, [hubei()], "湖北自评表.docx")
    p = project(store, YEAR_END, "农村饮水安全巩固提升工程")
    assert p["budget_score"] == pytest.approx(18.0)  # 20 × 45 / 50
    assert p["execution_rate"] == pytest.approx(0.9)
    assert p["score"] == pytest.approx(88.89, abs=0.01)
    assert "自评表总分与按规则计算不一致" not in p["flags"]
    by_name = {i["name"]: i for i in p["indicators"]}
    assert by_name["农村供水保障水平"]["completion"] == pytest.approx(0.8)
    assert by_name["农村供水保障水平"]["actual"] == "达成"  # 16 / 20 = 80%: 达成's band starts there
    assert by_name["受益群众满意度"]["printed_score"] == 18.89


def test_a_mis_added_selfeval_is_flagged(store: Store) -> None:
    load(store, [sichuan(printed_total="95")])
    p = project(store, YEAR_END, "城区污水管网改造项目")
    assert p["score"] == pytest.approx(91.947, abs=0.001)
    assert p["printed_score"] == 95
    assert "自评表总分与按规则计算不一致" in p["flags"]
    # Within the tolerance (0.5 in settings.toml) a rounded total is not flagged.
    load(store, [sichuan(printed_total="92.4", name="城区雨水管网改造项目")], "另一张.xlsx")
    assert "自评表总分与按规则计算不一致" not in project(store, YEAR_END, "城区雨水管网改造项目")["flags"]


def test_the_printed_total_is_compared_only_once_the_year_has_ended(store: Store) -> None:
    load(store, [sichuan(printed_total="95")])
    mid = project(store, date(YEAR, 6, 30), "城区污水管网改造项目")
    assert "自评表总分与按规则计算不一致" not in mid["flags"]
    assert mid["printed_score"] == 95


def test_the_text_report_shows_printed_scores(store: Store, tmp_path: Path, capsys) -> None:
    path = tmp_path / "cli.duckdb"
    s = Store.open(path)
    load(s, [sichuan(printed_total="95")])
    s.close()
    assert main(["report", "--as-of", YEAR_END.isoformat(), "--db", str(path)]) == 0
    out = capsys.readouterr().out
    assert "自评表总分 95.00" in out and "自评表总分与按规则计算不一致" in out
    assert "(自评表得分 18.95)" in out


def test_a_reimported_target_table_keeps_the_weights(store: Store) -> None:
    load(store, [sichuan()])
    before = project(store, YEAR_END, "城区污水管网改造项目")
    load(store, [target_only(sichuan())], "目标表.txt")
    after = project(store, YEAR_END, "城区污水管网改造项目")
    assert after["score"] == pytest.approx(before["score"])
    assert [i["weight"] for i in after["indicators"]] == [i["weight"] for i in before["indicators"]]
    assert after["printed_score"] == before["printed_score"]


def test_without_a_selfeval_the_equal_split_stays(store: Store) -> None:
    r = load(store, [target_only(sichuan())], "目标表.txt")
    assert r.kinds == ["绩效目标表"] and r.taken == [None] and r.actuals_new == 0
    p = project(store, YEAR_END, "城区污水管网改造项目")
    # 产出 50 over three (成本 shares 产出's pool), 效益 30, 满意度 10.
    assert [round(i["weight"], 4) for i in p["indicators"]] == [16.6667, 16.6667, 16.6667, 30, 10]
    assert p["printed_score"] is None
    assert all(i["printed_score"] is None for i in p["indicators"])


def test_an_indicator_the_selfeval_gave_no_weight_scores_nothing_and_is_flagged(store: Store) -> None:
    t = sichuan()
    t.indicators[-1].weight = None
    load(store, [t])
    p = project(store, YEAR_END, "城区污水管网改造项目")
    last = p["indicators"][-1]
    assert last["weight"] == 0 and "自评表未给出该指标的分值, 按0分计" in last["flags"]
    # Rescaled to the points that apply: (91.947… − 10) × 100 / 90.
    assert p["score"] == pytest.approx((9 + 30 + 20 * 90 / 95 + 10 + 14) * 100 / 90)


def test_not_applicable_rescales_the_imported_weights(store: Store) -> None:
    t = sichuan(printed_total="100")
    t.indicators[1].actual_text = "不适用"
    t.indicators[1].printed_score = None
    load(store, [t])
    p = project(store, YEAR_END, "城区污水管网改造项目")
    assert p["indicators"][1]["weight"] == 0 and "不适用" in p["indicators"][1]["flags"]
    assert p["score"] == pytest.approx((9 + 30 + 10 + 14 + 10) * 100 / 80)


def test_an_all_zero_total_row_takes_the_sum_of_its_parts(store: Store) -> None:
    """Anhui forms print 年度资金总额 as zeros and the money in its 其中 rows."""
    t = hubei()
    t.name = "农村公路养护项目"
    t.budget = [BudgetLine("年度资金总额", D(0), D(0), D(0), points=D("20")),
                BudgetLine("当年财政拨款", D("40"), D("40"), D("30")),
                BudgetLine("上年结转资金", D("10"), D("10"), D("9"))]
    load(store, [t], "安徽自评表.xlsx")
    p = project(store, YEAR_END, "农村公路养护项目")
    assert p["spent"] == pytest.approx(39.0)
    assert p["execution_rate"] == pytest.approx(39 / 50)
    assert p["budget_score"] == pytest.approx(20 * 39 / 50)
    rows = store.con.execute("SELECT label, initial, executed FROM budget_lines ORDER BY seq").fetchall()
    assert rows == [("年度资金总额", D(0), D(0)), ("当年财政拨款", D(40), D(30)), ("上年结转资金", D(10), D(9))]


# -- reports from tables -----------------------------------------------------------------
def actual_rows(store: Store) -> list[tuple]:
    return store.con.execute(
        "SELECT i.name, a.as_of, a.value_text, a.value_num, a.grade, a.grade_rate, a.likelihood, a.note, "
        "a.reporter, a.source FROM actual_reports a JOIN indicators i USING (indicator_id) ORDER BY a.report_id"
    ).fetchall()


def test_selfeval_values_become_year_end_reports(store: Store) -> None:
    load(store, [sichuan()])
    rows = {r[0]: r[1:] for r in actual_rows(store)}
    assert rows["新建污水管网长度"] == (YEAR_END, "12公里", D(12), None, None, None, None, "张三", "自评表.xlsx")
    assert rows["工程验收合格率"][:3] == (YEAR_END, "90%", D(90))
    assert rows["工程验收合格率"][6] == "部分路段返工,下年度加强监理"
    spending = store.con.execute("SELECT as_of, amount, reporter, source FROM spending_reports").fetchall()
    assert spending == [(YEAR_END, D(108), "张三", "自评表.xlsx")]


def test_a_qualitative_14_of_20_is_70_percent_partly_met(store: Store) -> None:
    load(store, [sichuan()])
    rows = {r[0]: r[1:] for r in actual_rows(store)}
    assert rows["群众出行条件"][:5] == (YEAR_END, "部分达成", None, "部分达成", 70.0)
    ind_ = project(store, YEAR_END, "城区污水管网改造项目")["indicators"][3]
    assert (ind_["actual"], ind_["completion"], ind_["light"]) == ("部分达成", pytest.approx(0.7), "yellow")


def test_a_printed_score_outside_the_written_grade_follows_the_score(store: Store) -> None:
    t = sichuan()
    t.indicators[3].actual_text = "达成"  # written 达成, but 14 of 20 is 70%
    r = load(store, [t])
    rows = {x[0]: x[1:] for x in actual_rows(store)}
    assert rows["群众出行条件"][3:5] == ("部分达成", 70.0)
    assert any("群众出行条件" in w and "已按得分计" in w for w in r.warnings)


def test_monitor_values_land_at_the_end_of_month_x(store: Store) -> None:
    load(store, [target_only(sichuan())], "目标表.txt")
    r = load(store, [monitor()], "半年监控表.xlsx")
    assert r.kinds == ["绩效监控表"]
    june = date(YEAR, 6, 30)
    assert r.taken[0].as_of == june
    rows = {x[0]: x[1:] for x in actual_rows(store)}
    assert rows["新建污水管网长度"][:3] == (june, "6公里", D(6))
    assert rows["新建污水管网长度"][5] == "确定能"
    assert store.con.execute("SELECT as_of, amount FROM spending_reports").fetchall() == [(june, D("41.2"))]
    # The monitoring table's targets are the project's, so it is the same project, not a new one.
    assert store.con.execute("SELECT count(*) FROM projects").fetchone()[0] == 1
    p = project(store, june, "城区污水管网改造项目")
    assert p["spent"] == pytest.approx(41.2)
    assert p["indicators"][0]["actual"] == 6.0 and p["indicators"][0]["actual_as_of"] == "2026-06-30"
    kinds = store.con.execute("SELECT kind, month FROM project_imports ORDER BY import_id").fetchall()
    assert kinds == [("target", None), ("monitor", 6)]


def test_free_text_progress_is_kept_as_a_note_with_a_warning(store: Store) -> None:
    r = load(store, [monitor()], "半年监控表.xlsx")
    rows = {x[0]: x[1:] for x in actual_rows(store)}
    _, text, num, grade, _, likelihood, note, *_ = rows["工程验收合格率"]
    assert (text, num, grade, likelihood) == ("已完成4处,2处在建", None, None, "有可能")
    assert note == "执行情况:已完成4处,2处在建;偏差原因类别:经费保障;资金拨付滞后;加快资金拨付进度"
    assert r.taken[0].values == 1 and r.taken[0].notes == 1
    warning = next(w for w in r.warnings if "已完成4处,2处在建" in w)
    assert "工程验收合格率" in warning and "已作为说明保存" in warning and "重新导入" in warning
    stored = store.con.execute("SELECT warnings FROM imports ORDER BY import_id DESC LIMIT 1").fetchone()[0]
    assert "已完成4处,2处在建" in stored
    # Not a number, so the indicator counts as not yet reported.
    p = project(store, date(YEAR, 6, 30), "城区污水管网改造项目")
    assert p["indicators"][1]["completion"] is None and p["indicators"][1]["light"] == "grey"


def test_an_empty_value_keeps_its_likelihood_and_reason_in_the_table_record(store: Store) -> None:
    load(store, [monitor()], "半年监控表.xlsx")
    rows = {r[0]: r[1:] for r in store.con.execute(
        "SELECT i.name, ii.likelihood, ii.deviation_category, ii.note, ii.forecast_text FROM indicator_imports ii "
        "JOIN indicators i USING (indicator_id)"
    ).fetchall()}
    assert rows["群众出行条件"] == ("完全不可能", "其他", "受汛期影响;调整施工计划", None)
    assert rows["新建污水管网长度"] == ("确定能", None, None, "12公里")
    assert "群众出行条件" not in {x[0] for x in actual_rows(store)}


def test_likelihood_wholly_impossible_is_read_as_impossible(store: Store) -> None:
    t = monitor()
    t.indicators[2].actual_text = "未达成"
    load(store, [t], "半年监控表.xlsx")
    rows = {x[0]: x[1:] for x in actual_rows(store)}
    assert rows["群众出行条件"][3] == "未达成" and rows["群众出行条件"][5] == "不可能"
    assert rows["群众出行条件"][6] == "偏差原因类别:其他;受汛期影响;调整施工计划"


def test_reimporting_the_same_table_adds_no_reports(store: Store) -> None:
    load(store, [sichuan()])
    counts = store.table_counts()
    r = load(store, [sichuan()])
    assert (r.actuals_new, r.spending_new) == (0, 0)
    again = store.table_counts()
    assert again["actual_reports"] == counts["actual_reports"]
    assert again["spending_reports"] == counts["spending_reports"]
    # The same table from another file (its PDF) adds none either.
    load(store, [sichuan()], "自评表.pdf")
    assert store.table_counts()["actual_reports"] == counts["actual_reports"]


def test_a_changed_value_on_reimport_is_a_new_report(store: Store) -> None:
    load(store, [sichuan()])
    t = sichuan()
    t.indicators[0].actual_text = "11公里"
    r = load(store, [t], "自评表(修订).xlsx")
    assert r.actuals_new == 1
    latest = store.latest_reports(
        store.indicator_lookup()["indicator_id"].astype(int).tolist())["value_text"].tolist()
    assert "11公里" in latest and "12公里" not in latest


def test_same_name_projects_of_two_departments_stay_apart(store: Store) -> None:
    load(store, [sichuan(), sichuan(department="某县交通运输局", printed_total="95")], "两个部门.xlsx")
    assert store.con.execute("SELECT count(*) FROM projects").fetchone()[0] == 2
    a = project(store, YEAR_END, "城区污水管网改造项目", "某县住房和城乡建设局")
    b = project(store, YEAR_END, "城区污水管网改造项目", "某县交通运输局")
    assert "自评表总分与按规则计算不一致" not in a["flags"]
    assert "自评表总分与按规则计算不一致" in b["flags"]


def test_the_import_command_says_which_kind_it_read(tmp_path: Path, capsys, monkeypatch) -> None:
    tables = [sichuan(), monitor(), target_only(hubei())]
    tables[1].name = "城区供水管网改造项目"
    monkeypatch.setattr(services, "read_tables", lambda data, name: tables)
    src = tmp_path / "三张表.xlsx"
    src.write_bytes(b"three tables")
    assert main(["import", str(src), "--db", str(tmp_path / "cli.duckdb")]) == 0
    out = capsys.readouterr().out
    assert "绩效自评表:城区污水管网改造项目" in out
    assert "绩效监控表:城区供水管网改造项目" in out
    assert "绩效目标表:农村饮水安全巩固提升工程" in out
    said = "取得实际完成值 {} 个(另有 {} 个只能作为说明保存)、分值 {} 个、得分 {} 个、预算执行数 1 个,截至 {}"
    assert said.format(5, 0, 6, 6, "2026-12-31") in out
    assert said.format(1, 1, 0, 0, "2026-06-30") in out


# -- money is exact ------------------------------------------------------------------------
def report_csv(rows: list[dict]) -> bytes:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(INDICATOR_COLUMNS))
    w.writeheader()
    for r in rows:
        w.writerow(r)
    return buf.getvalue().encode("utf-8")


def test_157000_yuan_meets_a_cap_of_15_point_7_wan(store: Store) -> None:
    """Report file → store → compute: 157000元 is exactly 15.7 万元, so the ≤15.7万 cap is met."""
    t = target_only(sichuan())
    t.indicators[2] = Indicator("产出指标", "经济成本指标", "每公里改造成本",
                                parse_target("≤15.7万", "产出指标", "每公里改造成本", YEAR))
    load(store, [t], "目标表.txt")
    data = report_csv([{"项目名称": t.name, "三级指标": "每公里改造成本", "实际完成值": "157000元",
                        "截至日期": "2026-11-30"}])
    services.load_report(store, data, "成本填报.csv", reporter="李四", today=date(YEAR, 12, 1))
    stored = store.con.execute(
        "SELECT a.value_num, t.target_num FROM actual_reports a JOIN current_indicators t USING (indicator_id)"
    ).fetchone()
    assert stored == (D("15.7"), D("15.7"))
    result = compute(store, date(YEAR, 11, 30))
    row = result.indicators[result.indicators["report_id"].notna()].iloc[0]
    assert row["completion"] == 1.0 and row["light"] == "green"
    assert project(store, date(YEAR, 11, 30), t.name)["indicators"][2]["light"] == "green"


def test_amounts_are_stored_as_decimals(store: Store) -> None:
    t = sichuan()
    t.funding_total, t.funding_fiscal, t.funding_other = 0.1 + 0.2, D("0.3"), D(0)  # a float from old code
    load(store, [t])
    types = dict(store.con.execute(
        "SELECT table_name || '.' || column_name, data_type FROM duckdb_columns() "
        "WHERE column_name IN ('funding_total', 'target_num', 'value_num', 'amount', 'weight', 'executed')"
    ).fetchall())
    assert types["project_versions.funding_total"] == "DECIMAL(18,6)"
    assert types["target_versions.target_num"] == "DECIMAL(38,10)"
    assert types["actual_reports.value_num"] == "DECIMAL(38,10)"
    assert types["spending_reports.amount"] == "DECIMAL(18,6)"
    assert types["indicator_imports.weight"] == "DECIMAL(18,6)"
    assert types["budget_lines.executed"] == "DECIMAL(18,6)"
    assert store.con.execute("SELECT funding_total FROM current_projects").fetchone()[0] == D("0.3")


def test_projects_text_shows_amounts_with_two_decimals(tmp_path: Path, capsys) -> None:
    path = tmp_path / "cli.duckdb"
    s = Store.open(path)
    t = sichuan()
    t.funding_total = D("41.2")
    load(s, [t])
    s.close()
    assert main(["projects", "--db", str(path)]) == 0
    assert "年度资金总额:41.20万元(财政拨款 100.00,其他资金 0.00)" in capsys.readouterr().out


# -- migration, backup, one transaction ----------------------------------------------------
def test_a_database_with_float_amounts_is_upgraded(tmp_path: Path) -> None:
    """A file made by the schema before DECIMAL columns opens with exact amounts and the same scores."""
    path = tmp_path / "old.duckdb"
    s = Store.open(path)
    load(s, [target_only(sichuan())], "目标表.txt")
    # Turn it back into the earlier layout: DOUBLE columns, no tables for printed figures.
    for table, column in (("project_versions", "funding_total"), ("project_versions", "funding_fiscal"),
                          ("project_versions", "funding_other"), ("target_versions", "target_num"),
                          ("actual_reports", "value_num"), ("spending_reports", "amount")):
        s.con.execute(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE DOUBLE")
    for table in ("project_imports", "budget_lines", "indicator_imports", "current_indicators"):
        s.con.execute(f"DROP TABLE {table}")
    for table, column, _ in ADDED_COLUMNS:  # nor the reporter's 监控表 fields
        s.con.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    s.con.execute("CREATE TABLE current_indicators AS SELECT i.indicator_id, i.project_id, i.seq, i.level1, "
                  "i.level2, i.name, t.target_text, t.operator, t.target_num, t.target_date, t.unit, "
                  "t.unit_normalized, t.kind, t.direction, t.version FROM indicators i JOIN target_versions t "
                  "USING (indicator_id)")
    cost = s.con.execute("SELECT indicator_id FROM indicators WHERE name = '每公里改造成本'").fetchone()[0]
    # What the float parser stored for 157000元: 15.700000000000001, which turned the light red.
    s.con.execute("INSERT INTO actual_reports VALUES (1, ?, DATE '2026-11-30', '157000元', "
                  "?, NULL, NULL, NULL, NULL, NULL, '李四', now(), 'old.csv', 0)", [cost, 157000 * 0.0001])
    s.con.execute("INSERT INTO spending_reports VALUES (1, 1, DATE '2026-11-30', ?, NULL, '李四', now(), 'x')",
                  [0.1 + 0.2])
    assert s.con.execute("SELECT value_num FROM actual_reports").fetchone()[0] == 157000 * 0.0001 != 15.7
    s.con.execute("CREATE OR REPLACE SEQUENCE seq_actual START 2")
    s.con.execute("CREATE OR REPLACE SEQUENCE seq_spending START 2")
    s.close()

    s = Store.open(path)
    try:
        assert s.con.execute("SELECT value_num FROM actual_reports").fetchone()[0] == D("15.7")
        assert s.con.execute("SELECT amount FROM spending_reports").fetchone()[0] == D("0.3")
        assert s.con.execute("SELECT target_num FROM current_indicators WHERE indicator_id = ?",
                             [cost]).fetchone()[0] == D("15.7")
        result = compute(s, date(YEAR, 11, 30))
        light = result.indicators.set_index("indicator_id").loc[cost, "light"]
        assert light == "green"
        # The new tables exist, and a 自评表 can now be imported into the upgraded file.
        load(s, [sichuan()])
        assert project(s, YEAR_END, "城区污水管网改造项目")["score"] == pytest.approx(91.95, abs=0.01)
    finally:
        s.close()


def test_backup_and_restore_keep_the_printed_figures(store: Store, tmp_path: Path) -> None:
    load(store, [sichuan(), hubei()])
    load(store, [monitor()], "监控表.xlsx")
    expected = services.report_data(store, YEAR_END)
    counts = store.table_counts()
    assert all(counts[t] > 0 for t in ("project_imports", "budget_lines", "indicator_imports"))
    backup(store, tmp_path / "bak")
    restored = Store.open(tmp_path / "restored.duckdb")
    try:
        restore(restored, tmp_path / "bak")
        assert restored.table_counts() == counts
        for table in ("project_imports", "budget_lines", "indicator_imports"):
            sql = f"SELECT * FROM {table} ORDER BY ALL"
            assert restored.con.execute(sql).fetchall() == store.con.execute(sql).fetchall(), table
        assert restored.data_version() == store.data_version()
        assert services.report_data(restored, YEAR_END) == expected
    finally:
        restored.close()


def test_data_version_changes_with_the_printed_figures(store: Store) -> None:
    load(store, [target_only(sichuan())], "目标表.txt")
    before = store.data_version()
    load(store, [sichuan()])
    assert store.data_version() != before


def test_a_failure_in_the_report_part_writes_nothing(store: Store, monkeypatch) -> None:
    load(store, [target_only(sichuan())], "目标表.txt")
    before = store.table_counts()

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Store, "_save_table_reports", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        load(store, [sichuan(), hubei()])
    assert store.table_counts() == before
    monkeypatch.undo()
    load(store, [sichuan(), hubei()])
    assert store.table_counts()["actual_reports"] == 9


def test_a_printed_score_above_its_weight_sets_no_grade(store: Store) -> None:
    t = sichuan()
    t.indicators[3].printed_score = D("24")  # 24 of 20
    r = load(store, [t])
    rows = {x[0]: x[1:] for x in actual_rows(store)}
    assert rows["群众出行条件"][3:5] == ("部分达成", None)  # the written grade, its default rate
    warning = next(w for w in r.warnings if "群众出行条件" in w)
    assert "得分24不在0到分值20之间" in warning and "请核对" in warning


def test_a_doubtful_likelihood_without_a_reason_is_warned_about(store: Store) -> None:
    t = monitor()
    t.indicators[1].note = ""
    t.indicators[1].deviation_category = ""
    r = load(store, [t], "半年监控表.xlsx")
    assert any("工程验收合格率" in w and "有可能" in w and "没有填写偏差原因" in w for w in r.warnings)
    rows = {x[0]: x[1:] for x in actual_rows(store)}
    assert rows["工程验收合格率"][5] == "有可能"


def test_a_target_table_and_its_self_evaluation_in_one_file_say_how_to_import_them(tmp_path: Path) -> None:
    import dataclasses

    from analytics.layout import to_text
    from analytics.readers import read_tables
    from tests.test_tables_kinds import SELFEVAL

    [evaluated] = read_tables(SELFEVAL.encode("utf-8"), "自评.txt")
    target_text = to_text([dataclasses.replace(evaluated, kind="target", budget=[])])
    store = Store.open(tmp_path / "both.duckdb")
    try:
        before = store.table_counts()
        with pytest.raises(InputError) as info:
            services.import_bytes(store, (target_text + SELFEVAL).encode("utf-8"), "合并.txt")
        assert "绩效目标表和绩效自评表在同一文件中" in str(info.value)
        assert "分成两个文件" in str(info.value)
        assert store.table_counts() == before
        # Doing what the message says works.
        assert services.import_bytes(store, target_text.encode("utf-8"), "目标.txt").kinds == ["绩效目标表"]
        assert services.import_bytes(store, SELFEVAL.encode("utf-8"), "自评.txt").kinds == ["绩效自评表"]
        assert len(services.projects_data(store)) == 1
    finally:
        store.close()
