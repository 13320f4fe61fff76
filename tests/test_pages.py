"""Streamlit AppTest of every dashboard page on the seed plus the sample report, as of 2026-12-31.

What a page shows is compared with the engine's own results (``analytics.engine.compute``) read
from the same database before the app opens it, and the seed's headline figures are pinned as
literals, so a page that draws the wrong column and an engine that drifts both fail here.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import shutil
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analytics import services
from analytics.charts import GRADE_COLORS
from analytics.dashboard import LIGHT_NAMES, short_name
from analytics.engine import Result, compute
from analytics.settings import load_settings
from analytics.storage import Store
from tests.conftest import ROOT

SAMPLE = ROOT / "data" / "samples" / "actuals_2026.xlsx"
AS_OF = date(2026, 12, 31)
APP = str(ROOT / "app.py")

# page file → the title it shows: a switch that silently stayed on 总览 must not pass.
PAGES = {
    "pages/overview.py": "总览",
    "pages/funding.py": "资金",
    "pages/indicators.py": "指标",
    "pages/timeline.py": "时间线",
    "pages/review.py": "项目支出绩效自评汇总",
    "pages/targets.py": "目标表",
}

# The seed's figures and the sample report's results at AS_OF (project id → score, grade, light).
SEED_PROJECTS, SEED_INDICATORS, SEED_FUNDS = 4, 59, "615.95"
SCORES = {1: ("99.74", "优"), 2: ("89.25", "良"), 3: ("72.39", "中"), 4: ("47.06", "差")}
LIGHT_COUNTS = {"green": 32, "yellow": 8, "red": 8, "blue": 1, "grey": 10}
MEAN_SCORE, SPENT, EXECUTION = "77.11", "346.00", "56.2%"


@dataclass
class Expected:
    """The engine's results and the stored tables, read before any page runs."""

    result: Result
    projects: pd.DataFrame  # Store.projects_frame()
    indicators: pd.DataFrame  # Store.indicators_frame() joined to the engine's indicator results
    history: pd.DataFrame  # Store.report_history() of every indicator

    def short(self, project_id: int) -> str:
        name = self.projects.loc[self.projects["project_id"] == project_id, "name"].iloc[0]
        return short_name(name)

    def indicator_id(self, project_id: int, name: str) -> int:
        ind = self.indicators
        hit = ind[(ind["project_id"] == project_id) & (ind["name"] == name)]
        assert len(hit) == 1, (project_id, name)
        return int(hit["indicator_id"].iloc[0])


@pytest.fixture(scope="module")
def sample_db(seed_sample_db: Path) -> Path:
    """Seed plus sample report (conftest), built once; each test gets a copy."""
    return seed_sample_db


@pytest.fixture(scope="module")
def expected(sample_db: Path) -> Expected:
    # Read-only and closed again before any AppTest opens the copies.
    store = Store.open(sample_db, read_only=True)
    try:
        result = compute(store, AS_OF)
        projects = store.projects_frame()
        meta = store.indicators_frame()
        indicators = meta.merge(result.indicators, on=["indicator_id", "project_id"], how="left")
        history = store.report_history(meta["indicator_id"].astype(int).tolist())
    finally:
        store.close()
    return Expected(result, projects, indicators, history)


@pytest.fixture
def db(app_db: Path, sample_db: Path) -> Path:
    """The app's PERF_DB (fresh caches from ``app_db``) holding a copy of the sample database."""
    shutil.copy(sample_db, app_db)
    wal = sample_db.with_name(sample_db.name + ".wal")
    if wal.exists():
        shutil.copy(wal, app_db.with_name(app_db.name + ".wal"))
    return app_db


def start(as_of: str = AS_OF.isoformat(), **params: str) -> AppTest:
    """Run the app once with the as-of date (and other filters) in the URL, as a shared link would."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["as_of"] = as_of
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def open_page(at: AppTest, page: str) -> AppTest:
    at.switch_page(page)
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == PAGES[page]
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def charts(at: AppTest) -> list[dict[str, Any]]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def values(v: Any) -> list[Any]:
    """A trace's array as a list: Plotly writes numeric arrays as base64 ``{"dtype", "bdata"}``."""
    if isinstance(v, dict):
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"])).tolist()
    return list(v)


def button(at: AppTest, label: str) -> Any:
    (found,) = [b for b in at.button if b.label == label]
    return found


def frame_with(at: AppTest, column: str) -> pd.DataFrame:
    """The one table on screen that has this column (AppTest unwraps a Styler into its frame)."""
    (found,) = [f.value for f in at.dataframe if column in f.value.columns]
    return found


def attention_pages(at: AppTest) -> Iterator[AppTest]:
    """总览's red and yellow list a page at a time: the app after choosing each page number in turn."""
    def pager() -> Any:
        return next((n for n in at.number_input if n.label.startswith("页码")), None)

    last = int(pager().max) if pager() is not None else 1
    for page in range(1, last + 1):
        if page > 1:
            pager().set_value(page).run()
            assert not at.exception, at.exception
        yield at


def csv_report(rows: list[list[str]]) -> bytes:
    header = ["项目名称", "三级指标", "实际完成值", "截至日期", "填报人"]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows([header, *rows])
    return buf.getvalue().encode("utf-8-sig")


def pct(count: int, total: int) -> str:
    return f"{count / total * 100:.1f}%"


# -- every page -----------------------------------------------------------------------------------------------


# The early date shows the pages before any report counts (grey lights, no spending): another code path.
@pytest.mark.parametrize("as_of", ["2026-12-31", "2026-03-31"])
@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_runs_without_an_exception(db: Path, page: str, as_of: str) -> None:
    at = start(as_of)
    open_page(at, page)
    assert at.query_params["as_of"] == as_of


def test_the_engine_gives_the_pinned_sample_results(expected: Expected) -> None:
    """The literal figures the page tests rely on; if these move, the engine changed, not a page."""
    p = expected.result.projects.set_index("project_id")
    assert {pid: (f"{r.score:.2f}", str(r.grade)) for pid, r in p.iterrows()} == SCORES
    counts = expected.result.indicators["light"].value_counts()
    assert {c: int(counts.get(c, 0)) for c in LIGHT_COUNTS} == LIGHT_COUNTS
    assert f"{p['score'].mean():.2f}" == MEAN_SCORE
    assert f"{expected.projects['funding_total'].astype(float).sum():.2f}" == SEED_FUNDS
    assert f"{p['spent'].sum():.2f}" == SPENT


# -- 总览 -------------------------------------------------------------------------------------------------------


def test_overview_cards_match_the_engine(db: Path, expected: Expected) -> None:
    at = start()
    assert at.title[0].value == "总览"
    shown = metrics(at)
    assert shown["项目数"] == str(SEED_PROJECTS) == str(len(expected.result.projects))
    assert shown["年度资金总额(万元)"] == SEED_FUNDS
    assert shown["指标数"] == str(SEED_INDICATORS) == str(len(expected.result.indicators))
    assert shown["平均自评得分"] == MEAN_SCORE == f"{expected.result.projects['score'].mean():.2f}"
    assert shown["预算执行率"] == EXECUTION
    counts = expected.result.indicators["light"].value_counts()
    helps = {m.label: m.help for m in at.metric}
    for light, name in LIGHT_NAMES.items():
        assert shown[f"{name}占比"] == pct(int(counts.get(light, 0)), SEED_INDICATORS), name
        assert helps[f"{name}占比"] == f"{LIGHT_COUNTS[light]} 个指标"
    assert shown["红灯占比"] == pct(8, 59) == "13.6%"
    # The caption cites the rules as settings.toml names them, never a file of the repository.
    from analytics.settings import load_settings
    rules = load_settings()
    (caption,) = [c.value for c in at.caption if c.value.startswith("截至")]
    assert caption.startswith("截至 2026年12月31日 · ")
    assert "财预〔2020〕10号" in rules.score_rules and rules.score_rules in caption and rules.light_rules in caption
    assert "docs/" not in caption and ".md" not in caption


def test_overview_score_chart_has_the_engine_scores_and_lights(db: Path, expected: Expected) -> None:
    at = start()
    score_spec = charts(at)[0]
    # The bars are one trace (the ranking); the grade traces only explain the colours in the legend.
    (bars,) = [t for t in score_spec["data"] if t["type"] == "bar" and not t.get("showlegend", True)]
    markers = [t for t in score_spec["data"] if t["type"] == "scatter"]
    p = expected.result.projects
    engine = {expected.short(int(r.project_id)): r for r in p.itertuples()}

    # One bar per project, its length the engine's score, its colour its grade's (issue 11: a colour,
    # no longer a trace per grade).
    drawn = {y: (x, c) for y, x, c in zip(values(bars["y"]), values(bars["x"]), bars["marker"]["color"], strict=True)}
    assert set(drawn) == set(engine)
    for short, r in engine.items():
        assert drawn[short][0] == pytest.approx(r.score, abs=1e-9), short
        assert drawn[short][1] == GRADE_COLORS[str(r.grade)]
    # One marker trace per project light present, holding exactly the projects with that light.
    by_light = {t["name"]: set(values(t["y"])) for t in markers}
    want = {LIGHT_NAMES[str(light)]: {expected.short(int(i)) for i in g["project_id"]}
            for light, g in p.groupby("light", observed=True)}
    assert by_light == want
    assert by_light["红灯"] == {expected.short(3), expected.short(4)}


def test_overview_attention_list_puts_red_items_first(db: Path, expected: Expected) -> None:
    at = start()
    ind = expected.indicators
    proj = expected.result.projects
    want: Counter[tuple[str, str, str]] = Counter()
    for light in ("red", "yellow"):
        for r in ind[ind["light"] == light].itertuples():
            want[(light, expected.short(int(r.project_id)), f"{r.level1} · {r.name}")] += 1
        # A project's budget light is an item of its own.
        for r in proj[proj["budget_light"] == light].itertuples():
            want[(light, expected.short(int(r.project_id)), "预算执行 · 预算执行率")] += 1

    # Each row is four markdown cells: light badge, project, "一级 · 指标", target/actual; the list comes a
    # page of [screens] attention_rows items at a time, in one order across the pages.
    light_of = {f">{name}</span>": light for light, name in LIGHT_NAMES.items()}
    rows = []
    for shown in attention_pages(at):
        cells = [m.value for m in shown.markdown]
        page = []
        for i, cell in enumerate(cells):
            light = next((v for k, v in light_of.items() if cell.startswith("<span") and k in cell), None)
            if light:
                page.append((light, cells[i + 1], cells[i + 2]))
        assert 0 < len(page) <= load_settings().screens.attention_rows
        rows += page
    assert Counter(rows) == want
    lights = [r[0] for r in rows]
    n_red = lights.count("red")
    assert n_red == 8 + 2  # 8 red indicators and the budgets of projects 3 and 4
    assert lights == ["red"] * n_red + ["yellow"] * (len(lights) - n_red)
    assert f"红灯 {n_red} 项,黄灯 {len(lights) - n_red} 项" in " ".join(c.value for c in at.caption)


def test_overview_view_links_open_their_indicator_and_keep_the_filters(db: Path, expected: Expected) -> None:
    # Issue 11 item 5: "查看" used to narrow the global project filter; it now names the item and keeps
    # the user's filters (the year chosen here stays, no project is picked).
    at = start(year="2026")
    links, rows = [], []
    for shown in attention_pages(at):
        links += shown.main.get("page_link")  # the sidebar holds the menu's page links (issue 11 item 1)
        rows += [m.value for m in shown.markdown if " · " in m.value]
    assert [link.proto.label for link in links] == ["查看"] * len(rows) == ["查看"] * 19
    queries = [parse_qs(link.proto.query_string) for link in links]
    assert all(q["as_of"] == [AS_OF.isoformat()] and q["year"] == ["2026"] for q in queries)
    assert not any("project" in q for q in queries)
    # Indicator items open 指标 at that indicator; a budget item opens its project's 评审 screen.
    pages = [link.proto.page for link in links]
    budget_rows = [i for i, r in enumerate(rows) if r == "预算执行 · 预算执行率"]
    assert len(budget_rows) == 3
    assert [i for i, p in enumerate(pages) if "review" in p] == budget_rows
    assert sum("indicators" in p for p in pages) == 19 - 3
    assert all(queries[i]["review"] for i in budget_rows)
    first = queries[0]
    iid = int(first["indicator"][0])
    assert int(expected.indicators.loc[expected.indicators["indicator_id"] == iid, "project_id"].iloc[0]) == 3

    # Following the link: 指标 opens with that indicator's history chosen, and the filters are as before.
    at.query_params = {k: v[0] if len(v) == 1 else v for k, v in first.items()}
    at.switch_page("pages/indicators.py")
    at.run()
    assert not at.exception
    assert at.title[0].value == "指标"
    assert at.session_state["f_projects"] == []
    assert at.selectbox(key="history_indicator").value == iid
    # The history comes first, above the table, so the user sees what the link named.
    headers = [h.value for h in at.subheader]
    assert headers[0] == "单个指标的填报历史"
    table = frame_with(at, "三级指标")
    assert len(table) == len(expected.indicators)


# -- 资金 -------------------------------------------------------------------------------------------------------


def test_funding_page_cards_treemap_table_and_downloads(db: Path, expected: Expected) -> None:
    at = open_page(start(), "pages/funding.py")
    funds = expected.projects["funding_total"].astype(float)
    shown = metrics(at)
    assert shown["年度资金总额(万元)"] == SEED_FUNDS == f"{funds.sum():,.2f}"
    assert shown["其中财政拨款(万元)"] == f"{expected.projects['funding_fiscal'].astype(float).fillna(0).sum():,.2f}"
    assert shown["已报预算执行数(万元)"] == SPENT == f"{expected.result.projects['spent'].sum():,.2f}"
    assert shown["预算执行率"] == EXECUTION

    tree = next(t for spec in charts(at) for t in spec["data"] if t["type"] == "treemap")
    parents, vals = values(tree["parents"]), values(tree["values"])
    roots = [v for p, v in zip(parents, vals, strict=True) if p == ""]
    assert sum(roots) == pytest.approx(615.95, abs=0.01)
    assert sum(roots) == pytest.approx(funds.sum(), abs=0.01)

    # Each of the four charts has its two image buttons (issue 12 item 6); the table's two come last.
    labels = [d.label for d in at.get("download_button")]
    assert labels == ["下载 PNG", "下载 SVG"] * 4 + ["下载 CSV", "下载 XLSX"]
    table = frame_with(at, "年度资金总额(万元)")
    # One row per project, then the 合计 row (issue 11 item 7) with the sums and the cards' rate.
    assert len(table) == SEED_PROJECTS + 1
    rows, total = table.iloc[:-1], table.iloc[-1]
    assert total["项目名称"] == "合计"
    assert rows["年度资金总额(万元)"].sum() == pytest.approx(615.95, abs=0.01)
    assert rows["预算执行数(万元)"].sum() == pytest.approx(346.0, abs=0.01)
    assert total["年度资金总额(万元)"] == pytest.approx(615.95, abs=0.01)
    assert total["预算执行数(万元)"] == pytest.approx(346.0, abs=0.01)
    assert f"{total['预算执行率']:.1f}%" == EXECUTION


# -- 指标 -------------------------------------------------------------------------------------------------------


def test_indicators_table_and_light_filter(db: Path, expected: Expected) -> None:
    at = open_page(start(), "pages/indicators.py")
    assert len(frame_with(at, "三级指标")) == SEED_INDICATORS

    (lights,) = [m for m in at.multiselect if m.label == "监控灯"]
    lights.set_value(["red"]).run()
    assert not at.exception
    table = frame_with(at, "三级指标")
    red = expected.indicators[expected.indicators["light"] == "red"]
    assert len(table) == len(red) == LIGHT_COUNTS["red"]
    assert set(table["监控灯"]) == {"红灯"}
    assert sorted(table["三级指标"]) == sorted(red["name"])
    assert "共 8 个指标" in [c.value for c in at.caption]


def test_on_screen_tables_show_targets_without_an_apostrophe(db: Path) -> None:
    """A target such as "=1次" is formula-safe on screen by its full-width twin, never a visible "'"."""
    for page in ("pages/indicators.py", "pages/targets.py"):
        at = open_page(start(), page)
        targets = pd.concat([f.value["指标值"] for f in at.dataframe if "指标值" in f.value.columns])
        assert targets.str.startswith("＝").any(), page  # the seed has "=1次" and "=4次"
        assert not targets.str.startswith(("'", "=")).any(), (page, targets[targets.str.startswith(("'", "="))])


def test_indicator_history_chart_shows_reports_target_and_expectation(db: Path, expected: Expected) -> None:
    at = open_page(start(), "pages/indicators.py")
    # A quantitative indicator with two reports in the sample (96.5% in June, 98.1% in November).
    iid = expected.indicator_id(1, "移动源污染防治相关平台数据上传率")
    at.selectbox(key="history_indicator").set_value(iid).run()
    assert not at.exception
    (spec,) = charts(at)
    traces = {t["name"]: t for t in spec["data"]}
    assert set(traces) == {"实际完成值", "按时间进度的预期"}
    hist = expected.history[(expected.history["indicator_id"] == iid) & ~expected.history["withdrawn"]]
    assert values(traces["实际完成值"]["y"]) == pytest.approx(hist["value_num"].tolist())
    assert [x[:10] for x in values(traces["实际完成值"]["x"])] == [f"{d:%Y-%m-%d}" for d in hist["as_of"]]
    target = float(expected.indicators.loc[expected.indicators["indicator_id"] == iid, "target_num"].iloc[0])
    assert target == 97.0
    (line,) = spec["layout"]["shapes"]
    assert line["y0"] == line["y1"] == pytest.approx(target)
    assert metrics(at)["最新实际值"] == "98.1%"

    # A qualitative indicator has no numbers to plot: the chart goes, the history table stays.
    qual = expected.indicator_id(3, "通过开展清洁生产审核,提升节能减排效果")
    at.selectbox(key="history_indicator").set_value(qual).run()
    assert not at.exception
    assert charts(at) == []
    assert frame_with(at, "实际完成值")["实际完成值"].tolist() == ["部分达成"]


# -- 时间线 -----------------------------------------------------------------------------------------------------


def test_timeline_gantt_has_every_project_and_every_deadline(db: Path, expected: Expected) -> None:
    at = open_page(start(), "pages/timeline.py")
    (spec,) = charts(at)
    (bar,) = [t for t in spec["data"] if t["type"] == "bar"]
    p = expected.projects
    starts = pd.to_datetime(p["start_date"]).fillna(pd.to_datetime(p["year"].astype(str) + "-01-01"))
    assert values(bar["y"]) == [short_name(n) for n in p["name"]]
    assert len(set(values(bar["y"]))) == SEED_PROJECTS
    assert values(bar["base"]) == starts.dt.strftime("%Y-%m-%d").tolist()

    markers = [t for t in spec["data"] if t["type"] == "scatter"]
    assert markers and all(t["marker"]["symbol"] == "diamond" for t in markers)
    drawn = sorted((y, x[:10]) for t in markers for y, x in zip(values(t["y"]), values(t["x"]), strict=True))
    ind = expected.indicators[expected.indicators["kind"] == "deadline"]
    want = sorted((expected.short(int(r.project_id)), f"{pd.Timestamp(r.target_date):%Y-%m-%d}")
                  for r in ind.itertuples())
    assert drawn == want
    assert metrics(at)["时效指标"] == str(len(drawn)) == "4"
    # Project 4's completion date passed before it was done: the red marker.
    assert {t["name"] for t in markers} >= {"已逾期/逾期完成"}


@pytest.mark.parametrize(("as_of", "days"), [("2026-12-31", [0]), ("2026-03-31", [30, 244, 274, 275])])
def test_timeline_coming_deadlines_nearest_first(db: Path, as_of: str, days: list[int]) -> None:
    # Independent of analytics.dashboard: the deadlines from the store, completion from the engine;
    # the early date has four open deadlines, so the order is tested, not just one row.
    store = Store.open(db, read_only=True)
    try:
        result = compute(store, date.fromisoformat(as_of))
        ind = store.indicators_frame().merge(result.indicators, on=["indicator_id", "project_id"])
    finally:
        store.close()
    ind = ind[(ind["kind"] == "deadline") & ind["value_date"].isna() & ~ind["not_applicable"]]
    left = (pd.to_datetime(ind["target_date"]) - pd.Timestamp(as_of)).dt.days
    assert sorted(left[left >= 0].tolist()) == days

    at = open_page(start(as_of), "pages/timeline.py")
    table = frame_with(at, "剩余天数")
    assert table["剩余天数"].tolist() == days


# -- 评审 -------------------------------------------------------------------------------------------------------


def test_review_steps_through_every_project_and_back(db: Path, expected: Expected) -> None:
    at = open_page(start(), "pages/review.py")
    assert metrics(at)["项目数"] == str(SEED_PROJECTS)
    assert metrics(at)["平均得分"] == MEAN_SCORE
    assert metrics(at)["红灯指标"] == str(LIGHT_COUNTS["red"])
    assert "review" not in at.query_params or at.query_params["review"] == "summary"
    assert button(at, "◀ 上一个").disabled

    # The meeting's order is the table order: year, then project id.
    order = expected.projects.sort_values(["year", "project_id"])["project_id"].astype(int).tolist()
    scores = expected.result.projects.set_index("project_id")["score"]
    for pid in order:
        button(at, "下一个 ▶").click().run()
        assert not at.exception
        assert at.query_params["review"] == str(pid)
        assert at.title[0].value == expected.short(pid)
        assert metrics(at)["自评总分"] == f"{scores[pid]:.2f}" == SCORES[pid][0]
        assert metrics(at)["等级"] == SCORES[pid][1]
    assert button(at, "下一个 ▶").disabled

    for pid in reversed(order[:-1]):
        button(at, "◀ 上一个").click().run()
        assert at.query_params["review"] == str(pid)
        assert metrics(at)["自评总分"] == SCORES[pid][0]
    button(at, "◀ 上一个").click().run()
    assert at.query_params["review"] == "summary"
    assert at.title[0].value == "项目支出绩效自评汇总"
    assert metrics(at)["项目数"] == str(SEED_PROJECTS)


def test_review_link_opens_a_project_screen(db: Path, expected: Expected) -> None:
    at = start(review="3")
    at.switch_page("pages/review.py")
    at.run()
    assert not at.exception
    assert at.query_params["review"] == "3"
    assert at.title[0].value == expected.short(3)
    assert metrics(at)["自评总分"] == SCORES[3][0]


# -- sidebar filters ----------------------------------------------------------------------------------------------


def test_choosing_a_project_narrows_the_numbers_and_the_url(db: Path, expected: Expected) -> None:
    at = start()
    assert "project" not in at.query_params
    at.multiselect(key="f_projects").set_value([3]).run()
    assert not at.exception
    p3 = expected.projects[expected.projects["project_id"] == 3].iloc[0]
    shown = metrics(at)
    assert shown["项目数"] == "1"
    assert shown["年度资金总额(万元)"] == f"{float(p3['funding_total']):,.2f}" == "36.20"
    assert shown["指标数"] == str(int((expected.indicators["project_id"] == 3).sum()))
    assert shown["平均自评得分"] == SCORES[3][0]
    assert at.query_params["project"] == "3"
    assert at.query_params["as_of"] == AS_OF.isoformat()

    # The filter holds on other pages too.
    open_page(at, "pages/funding.py")
    assert metrics(at)["年度资金总额(万元)"] == "36.20"
    funding = frame_with(at, "年度资金总额(万元)")
    assert funding["项目名称"].tolist() == [p3["name"], "合计"]  # the one project, then its 合计 row
    open_page(at, "pages/targets.py")
    assert [e.label for e in at.expander] == [f"{int(p3['year'])}年度 · {p3['name']}"]

    # Clearing it brings every project back and drops the parameter.
    at.multiselect(key="f_projects").set_value([]).run()
    assert metrics(at)["年度资金总额(万元)"] == SEED_FUNDS
    assert "project" not in at.query_params


def test_a_shared_link_opens_the_same_filters(db: Path, expected: Expected) -> None:
    at = start(project="2")
    assert at.session_state["f_projects"] == [2]
    assert metrics(at)["项目数"] == "1"
    p2 = expected.projects[expected.projects["project_id"] == 2].iloc[0]
    assert metrics(at)["年度资金总额(万元)"] == f"{float(p2['funding_total']):,.2f}"
    assert metrics(at)["平均自评得分"] == SCORES[2][0]


# -- data version ---------------------------------------------------------------------------------------------


def test_a_new_report_shows_on_the_next_run(db: Path) -> None:
    from pages.common import database

    at = start()
    assert metrics(at)["平均自评得分"] == MEAN_SCORE
    assert metrics(at)["黄灯占比"] == pct(8, 59)

    # The app holds the DuckDB file: write through a cursor of its own connection (same process).
    store = database().store()
    before = store.data_version()
    # Project 2's fourth inspection (=4次, the sample reported 3): yellow becomes green.
    report = csv_report([["生态环境应急管理_2026年南昌市环境监控中心运行维护和网络安全保障项目", "智能化系统巡检服务",
                          "4次", "2026-12-20", "测试员"]])
    services.load_report(store, report, "补报.csv", today=AS_OF)
    assert store.data_version() != before
    result = compute(store, AS_OF)
    mean = f"{result.projects['score'].mean():.2f}"
    assert mean != MEAN_SCORE

    at.run()
    assert not at.exception
    assert metrics(at)["平均自评得分"] == mean
    yellow = int((result.indicators["light"] == "yellow").sum())
    assert metrics(at)["黄灯占比"] == pct(yellow, SEED_INDICATORS) == pct(7, 59)
    open_page(at, "pages/review.py")
    button(at, "下一个 ▶").click().run()
    button(at, "下一个 ▶").click().run()
    assert at.query_params["review"] == "2"
    assert metrics(at)["自评总分"] == f"{result.projects.set_index('project_id')['score'][2]:.2f}" != SCORES[2][0]
