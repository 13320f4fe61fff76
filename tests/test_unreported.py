"""Issue 11 items 2, 3 and 8 (colours): unreported is not failed, rankings are ranked, grades are not lights.

The engine tests build small target tables with the helpers of test_rules (period 2026-01-01..12-31,
MID_YEAR 2026-07-01) and read ``engine.compute`` / ``services.report_data``; the ranking, summary
and chart tests run on plain frames; the CLI tests run ``python -m analytics report`` on the seed.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics import charts, engine, services
from analytics.cli import main
from analytics.dashboard import rank_by_score, score_table, score_table_shown, score_text, summarise
from analytics.exports import frame_csv
from tests.conftest import ROOT
from tests.test_rules import COUNT, DEADLINE, MID_YEAR, PEOPLE, YEAR_END, make_store, report, spend, table

SEED = ROOT / "data" / "000_8af13639028b6537.txt"


@pytest.fixture(autouse=True)
def _default_settings(monkeypatch):
    monkeypatch.delenv("PERF_SETTINGS", raising=False)


def _projects(store, as_of: date) -> pd.DataFrame:
    """The engine's projects with their names, by project id."""
    names = store.projects_frame().set_index("project_id")["name"]
    p = engine.compute(store, as_of).projects.set_index("project_id")
    return p.assign(name=names)


# -- engine: what "unreported" means (domain.md section 9) -------------------------------------------
def test_nothing_reported_mid_year_is_unreported_not_failed(tmp_path):
    # The deadline (06-30) has passed open: its indicator is red, yet the project reads 未填报 in grey.
    store = make_store(tmp_path, table("未报项目", [COUNT, DEADLINE]), table("已报项目", [COUNT, PEOPLE]))
    report(store, [("已报项目", "完成次数", "5次", MID_YEAR)], today=MID_YEAR)
    result = engine.compute(store, MID_YEAR)
    p = _projects(store, MID_YEAR).reset_index().set_index("name")
    assert p.loc["未报项目", "unreported"] and not p.loc["已报项目", "unreported"]
    assert p.loc["未报项目", "grade"] == engine.UNREPORTED == "未填报"
    assert p.loc["未报项目", "light"] == "grey"
    ind = result.indicators
    assert "red" in set(ind.loc[ind["project_id"] == p.loc["未报项目", "project_id"], "light"])
    assert not p.loc["未报项目", "flag_zero_filled"]
    # One value reported: scored, with a real grade.
    assert p.loc["已报项目", "grade"] in {"优", "良", "中", "差"}
    mean, n_unreported = engine.mean_score(result.projects)
    assert n_unreported == 1
    assert mean == pytest.approx(p.loc["已报项目", "score"])
    # The department mean leaves it out too (both are in 402-测试局).
    (dep,) = result.departments.itertuples()
    assert (dep.n_unreported, dep.projects) == (1, 2)
    assert dep.mean_score == pytest.approx(p.loc["已报项目", "score"])


def test_spending_alone_does_not_make_a_score(tmp_path):
    store = make_store(tmp_path, table("只报支出", [COUNT]))
    spend(store, [("只报支出", MID_YEAR, 40)], today=MID_YEAR)
    p = _projects(store, MID_YEAR).iloc[0]
    assert p["unreported"] and p["grade"] == "未填报" and p["light"] == "grey"
    assert p["budget_light"] != "grey"  # the budget still has its own light


def test_not_applicable_counts_as_reported(tmp_path):
    store = make_store(tmp_path, table("不适用项目", [COUNT, PEOPLE]))
    report(store, [("不适用项目", "受益人数", "不适用", MID_YEAR)], today=MID_YEAR)
    p = _projects(store, MID_YEAR).iloc[0]
    assert not p["unreported"] and p["n_reported"] == 1


def test_period_ended_scores_missing_values_as_zero_and_marks_it(tmp_path):
    store = make_store(tmp_path, table("期末未报", [COUNT]), table("期末已报", [COUNT]))
    report(store, [("期末已报", "完成次数", "10次", YEAR_END)])
    spend(store, [("期末已报", YEAR_END, 100)])
    p = _projects(store, YEAR_END).set_index("name")
    # Nothing reported at all by 12-31: 0 points, 差, counted in the mean, marked.
    assert not p.loc["期末未报", "unreported"]
    assert p.loc["期末未报", "score"] == pytest.approx(0.0)
    assert p.loc["期末未报", "grade"] == "差"
    assert p.loc["期末未报", "flag_zero_filled"]
    assert not p.loc["期末已报", "flag_zero_filled"] and p.loc["期末已报", "score"] == pytest.approx(100.0)
    data = services.report_data(store, YEAR_END)
    by_name = {x["name"]: x for x in data["projects"]}
    assert engine.ZERO_FILLED in by_name["期末未报"]["flags"]
    assert engine.ZERO_FILLED not in by_name["期末已报"]["flags"]
    assert data["summary"]["mean_score"] == pytest.approx(50.0)  # (0 + 100) / 2
    assert data["summary"]["unreported"] == 0


def test_report_json_of_an_unreported_project(tmp_path):
    store = make_store(tmp_path, table("未报项目", [COUNT]))
    data = services.report_data(store, MID_YEAR)
    (p,) = data["projects"]
    assert (p["score"], p["grade"], p["light"], p["unreported"]) == (None, "未填报", "grey", True)
    assert data["summary"]["mean_score"] is None and data["summary"]["unreported"] == 1
    json.dumps(data, allow_nan=False)  # no NaN sneaks into the JSON


# -- dashboard: ranking, text, summary on plain data -------------------------------------------------
def _frame(rows: list[tuple[int, str, float, str, bool]]) -> pd.DataFrame:
    """rows: (project_id, name, score, grade, unreported)."""
    df = pd.DataFrame(rows, columns=["project_id", "name", "score", "grade", "unreported"])
    df["short_name"] = df["name"]
    df["light"] = np.where(df["unreported"], "grey", "green")
    df["score_text"] = score_text(df)
    return df


RANKED = _frame([
    (1, "乙项目", 85.0, "良", False),
    (2, "未报甲", 0.0, "未填报", True),
    (3, "甲项目", 85.0, "良", False),
    (4, "丙项目", 92.5, "优", False),
    (5, "丁项目", 55.0, "差", False),
    (6, "戊项目", 88.0, "良", False),
    (7, "未报乙", 0.0, "未填报", True),
    (8, "己项目", 70.0, "中", False),
])
# By score whatever the grade; the two 85s by name (code point order, as sorted() has it).
WANT = ["丙项目", "戊项目", *sorted(["乙项目", "甲项目"]), "己项目", "丁项目", *sorted(["未报乙", "未报甲"])]


def test_rank_by_score_sorts_by_score_then_name_unreported_last():
    assert rank_by_score(RANKED)["name"].tolist() == WANT


def test_score_text_and_summary_leave_unreported_out():
    assert RANKED.set_index("project_id").loc[[2, 4], "score_text"].tolist() == ["未填报", "92.50"]
    frame = RANKED.assign(funding_total=1.0, spent=0.0, time_progress=0.5)
    ind = pd.DataFrame({"light": ["green"]})
    s = summarise(frame, ind)
    assert s["unreported"] == 2
    assert s["mean_score"] == pytest.approx((85 + 85 + 92.5 + 55 + 88 + 70) / 6)
    none = summarise(frame.assign(unreported=True), ind)
    assert (none["mean_score"], none["unreported"]) == (None, 8)


def test_score_table_ranks_and_leaves_unreported_blank():
    frame = RANKED.assign(department="测试局", unit="测试中心",
                          score_note=np.where(RANKED["project_id"] == 5, engine.ZERO_FILLED, ""))
    table = score_table(frame)
    assert table["项目名称"].tolist() == WANT
    assert table["排名"].tolist()[:6] == [1, 2, 3, 4, 5, 6] and table["排名"].isna().tolist()[-2:] == [True, True]
    assert table["自评总分"].tolist()[:6] == [92.5, 88.0, 85.0, 85.0, 70.0, 55.0]
    assert table["自评总分"].isna().tolist()[-2:] == [True, True]
    assert table["等级"].tolist()[-2:] == ["未填报", "未填报"] and table["等级"].tolist()[0] == "优"
    assert table.loc[table["项目名称"] == "丁项目", "说明"].item() == "期末未填报按0分计"
    shown = score_table_shown(table)
    assert shown["自评总分"].tolist()[-3:] == ["55.00", "未填报", "未填报"]
    assert shown["排名"].tolist()[-1] == "—"
    lines = frame_csv(table).decode("utf-8-sig").splitlines()
    assert lines[1].startswith("1,丙项目,") and lines[-1].startswith(",未报甲,")
    assert ",0.0," not in lines[-1] and ",,未填报,未填报," in lines[-1]


# -- charts ---------------------------------------------------------------------------------------------
def test_score_chart_is_one_ranking_coloured_by_grade():
    fig = charts.score_chart(RANKED)
    bars = [t for t in fig.data if t.type == "bar" and t.x is not None and t.x[0] is not None]
    assert len(bars) == 1  # one trace: the grade is a colour, not a group
    (bar,) = bars
    assert list(bar.y) == WANT
    assert list(fig.layout.yaxis.categoryarray) == WANT and fig.layout.yaxis.autorange == "reversed"
    grade = dict(zip(RANKED["name"], RANKED["grade"], strict=True))
    assert list(bar.marker.color) == [charts.grade_color(grade[n]) for n in WANT]
    assert list(bar.text)[-2:] == ["未填报", "未填报"]
    assert list(bar.x)[-2:] == [0.0, 0.0]
    assert bar.marker.color[-1] == charts.LIGHT_COLORS["grey"]
    legend = {t.name for t in fig.data if t.type == "bar" and t.showlegend}
    assert legend == {"等级 优", "等级 良", "等级 中", "等级 差", "未填报"}
    assert fig.layout.font.family == charts.FONT_FAMILY


def test_score_chart_names_of_the_same_short_name_stay_apart():
    twins = _frame([(1, "同名", 90.0, "优", False), (2, "同名", 80.0, "良", False)])
    (bar,) = [t for t in charts.score_chart(twins).data if t.type == "bar" and t.x[0] is not None]
    assert list(bar.y) == ["同名(1)", "同名(2)"]


def test_score_scatter_leaves_unreported_out_and_says_so():
    many = _frame([(i, f"项目{i:03d}", float(i), "差", i % 2 == 0) for i in range(1, 51)])
    many["funding_total"] = 10.0
    fig = charts.score_chart(many)
    drawn = sum(len(t.x) for t in fig.data)
    assert drawn == 25
    assert "另有 25 个未填报未画出" in fig.layout.title.text


def test_execution_chart_is_sorted_by_rate_whatever_the_light():
    p = pd.DataFrame({
        "project_id": [1, 2, 3, 4], "name": ["甲", "乙", "丙", "丁"], "short_name": ["甲", "乙", "丙", "丁"],
        "execution_rate": [0.2, 0.9, np.nan, 0.5], "budget_light": ["red", "green", "grey", "yellow"],
        "time_progress": [0.5] * 4,
    })
    fig = charts.execution_chart(p)
    assert list(fig.layout.yaxis.categoryarray) == ["乙", "丁", "甲", "丙"]
    assert fig.layout.yaxis.autorange == "reversed"


def _lab(hex_colour: str) -> np.ndarray:
    """CIE L*a*b* (D65) of an sRGB colour."""
    rgb = np.array([int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)])
    lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ lin
    xyz /= np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def _hue_chroma(hex_colour: str) -> tuple[float, float]:
    _, a, b = _lab(hex_colour)
    return float(np.degrees(np.arctan2(b, a)) % 360), float(np.hypot(a, b))


def test_grade_colours_differ_clearly_from_every_light_colour():
    # The old palette failed both: 优 #1f7a4d was ΔE 19 and 6° of hue from 绿灯, 良 #4f9fd6 28° from 蓝灯,
    # 差 #c0392b ΔE 11 from 红灯.
    for grade, g in charts.GRADE_COLORS.items():
        hue, _ = _hue_chroma(g)
        for light, colour in charts.LIGHT_COLORS.items():
            distance = float(np.linalg.norm(_lab(g) - _lab(colour)))
            assert distance > 30, (grade, light, round(distance, 1))
            light_hue, chroma = _hue_chroma(colour)
            if chroma > 20:  # grey has no hue to compare
                apart = min(abs(hue - light_hue), 360 - abs(hue - light_hue))
                assert apart > 40, (grade, light, round(apart, 1))
    # Grades are an order: lightness rises from 优 to 差.
    lightness = [_lab(charts.GRADE_COLORS[g])[0] for g in ("优", "良", "中", "差")]
    assert lightness == sorted(lightness)


# -- the command line ------------------------------------------------------------------------------------
@pytest.fixture
def seed_db(tmp_path: Path, capsys) -> str:
    path = str(tmp_path / "seed.duckdb")
    assert main(["import", str(SEED), "--db", path]) == 0
    capsys.readouterr()
    return path


def test_cli_report_json_and_table_before_any_report(seed_db: str, capsys):
    # 2026-03-31: every seed project's period runs on (project 4 ends 2026-04-30) and nothing is reported.
    assert main(["report", "--db", seed_db, "--as-of", "2026-03-31", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["summary"]["mean_score"] is None and data["summary"]["unreported"] == 4
    assert {(p["score"], p["grade"], p["light"], p["unreported"]) for p in data["projects"]} == {
        (None, "未填报", "grey", True)}
    assert main(["report", "--db", seed_db, "--as-of", "2026-03-31"]) == 0
    out = capsys.readouterr().out
    assert "平均得分 —(未填报 4 个项目,不计入平均)" in out
    assert out.count("得分 未填报") == 4 and "0.00(差)" not in out


def test_cli_report_after_a_period_ended(seed_db: str, capsys):
    # 2026-09-30: project 4 (2025-04-01..2026-04-30) is final at 0 and marked; the other three are unreported.
    assert main(["report", "--db", seed_db, "--as-of", "2026-09-30", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    by_id = {p["project_id"]: p for p in data["projects"]}
    assert by_id[4]["unreported"] is False and by_id[4]["score"] == pytest.approx(0.0)
    assert "期末未填报按0分计" in by_id[4]["flags"]
    assert [by_id[i]["unreported"] for i in (1, 2, 3)] == [True, True, True]
    assert data["summary"]["unreported"] == 3 and data["summary"]["mean_score"] == pytest.approx(0.0)
    assert main(["report", "--db", seed_db, "--as-of", "2026-09-30"]) == 0
    out = capsys.readouterr().out
    assert "平均得分 0.00(未填报 3 个项目,不计入平均)" in out
    assert "得分 0.00(差)" in out and "期末未填报按0分计" in out
