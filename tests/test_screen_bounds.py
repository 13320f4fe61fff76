"""Issue 11 item 12: a screen sends what a person can read, however many projects there are.

At 5,000 projects every page used to send 0.6–1.8 MB over the websocket (benchmarks/bench_browser.py
measures it in a real browser). Here the bounds themselves, on many synthetic projects with the
[screens] limits of settings.toml made small: a long table sends one page of rows and a page number
shows the others, the totals and the downloads still count every row, the score chart counts
projects per band past chart_marks, the treemap names only the largest projects and still adds up
to every 万元, and the 指标 page's 项目 list searches instead of listing every project.
"""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from analytics import charts
from analytics.bench import synthetic_reports
from analytics.dashboard import page_count, page_rows, score_bands
from analytics.engine import UNREPORTED
from analytics.services import import_file
from analytics.settings import DEFAULT_SETTINGS, load_settings
from analytics.storage import Store
from analytics.synth import write_synth
from tests.test_pages import APP, AS_OF, values

PROJECTS = 40
# Small enough that every bound is crossed by PROJECTS projects.
LIMITS = {"table_rows": 7, "attention_rows": 4, "chart_marks": 12, "score_band": 10, "funding_projects": 5,
          "timeline_projects": 6, "project_options": 6}


# -- the slicing and the bands, without Streamlit ------------------------------------------------------------


def test_pages_of_a_table_cover_every_row_once() -> None:
    table = pd.DataFrame({"n": range(23)})
    assert [page_count(n, 10) for n in (0, 1, 10, 11, 23)] == [1, 1, 1, 2, 3]
    pages = [page_rows(table, p, 10)["n"].tolist() for p in (1, 2, 3)]
    assert pages[0] == list(range(10)) and pages[2] == [20, 21, 22]
    assert [n for page in pages for n in page] == list(range(23))
    # A page beyond the last (the table shrank under a filter) is the last; before the first, the first.
    assert page_rows(table, 9, 10)["n"].tolist() == [20, 21, 22]
    assert page_rows(table, 0, 10)["n"].tolist() == list(range(10))
    assert page_rows(table.iloc[0:0], 1, 10).empty


def _projects(n: int, seed: int = 1, unreported: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    score = rng.uniform(35, 100, n).round(2)
    grade = np.select([score >= 90, score >= 80, score >= 60], ["优", "良", "中"], "差").astype(object)
    waiting = np.arange(n) < unreported
    return pd.DataFrame({
        "project_id": np.arange(1, n + 1), "name": [f"项目{i:05d}" for i in range(n)],
        "short_name": [f"项目{i:05d}" for i in range(n)],
        "score": np.where(waiting, np.nan, score), "grade": np.where(waiting, UNREPORTED, grade),
        "unreported": waiting, "light": rng.choice(["green", "yellow", "red"], n),
        "funding_total": rng.uniform(1, 500, n), "score_text": "",
    })


def test_score_bands_count_every_project_once_best_band_first_unreported_last() -> None:
    p = _projects(5000, unreported=37)
    p.loc[p.index[-1], ["score", "grade"]] = [100.0, "优"]
    bands = score_bands(p, 5)
    assert bands["projects"].sum() == 5000
    assert bands.iloc[-1][["band", "grade", "projects"]].tolist() == [UNREPORTED, UNREPORTED, 37]
    lows = bands["low"].dropna().astype(int).tolist()
    assert lows == sorted(lows, reverse=True) and lows[0] == 95 and lows[-1] == 35
    # Every band between the highest and the lowest is there, so the axis keeps its scale; 100 is in the top one.
    assert sorted(set(lows)) == list(range(35, 100, 5))
    assert bands.iloc[0]["band"] == "95–100"
    scored = p[~p["unreported"]]
    for low, grade, n in bands.loc[bands["low"].notna(), ["low", "grade", "projects"]].itertuples(index=False):
        inside = scored[(scored["score"] >= low) & ((scored["score"] < low + 5) | (low == 95))]
        assert n == int((inside["grade"] == grade).sum()), (low, grade)
    # The lights of each band are named for the hover: as many as the band counts.
    counted = bands["lights"].str.findall(r"(\d+)").map(lambda xs: sum(int(x) for x in xs))
    assert counted.tolist() == bands["projects"].tolist()


def _marks(spec: dict[str, Any]) -> int:
    return sum(len(values(t.get("x") or [])) for t in spec["data"])


def test_the_score_chart_of_thousands_of_projects_is_a_few_dozen_marks() -> None:
    p = _projects(5000, unreported=12)
    fig = charts.score_chart(p, max_marks=200, band=5)
    spec = json.loads(fig.to_json())
    assert _marks(spec) <= 4 * 14 + 1
    # The bars count every project, 未填报 included (last, grey), and the figure stays small.
    counts = [v for t in spec["data"] for v in values(t["x"])]
    assert sum(counts) == 5000
    unreported = next(t for t in spec["data"] if t["name"] == UNREPORTED)
    assert values(unreported["y"]) == [UNREPORTED] and values(unreported["x"]) == [12]
    assert spec["layout"]["yaxis"]["categoryarray"][-1] == UNREPORTED
    assert {t["marker"]["color"] for t in spec["data"]} <= {*charts.GRADE_COLORS.values(), charts.UNREPORTED_COLOR}
    assert len(fig.to_json()) < 20_000
    assert "共 5000 个项目" in spec["layout"]["title"]["text"]
    # Up to max_marks the chart still draws every project (a bar each, or a point each past MAX_BARS).
    assert _marks(json.loads(charts.score_chart(p.head(30), max_marks=200).to_json())) >= 30
    assert _marks(json.loads(charts.score_chart(p.head(200), max_marks=200).to_json())) == 200 - 12


# -- the pages, on PROJECTS synthetic projects ---------------------------------------------------------------


@pytest.fixture(scope="module")
def many_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """PROJECTS synthetic target tables with 12 monthly reports per indicator, built once."""
    folder = tmp_path_factory.mktemp("bounds")
    src, path = folder / "targets.txt", folder / "many.duckdb"
    write_synth(src, PROJECTS, seed=3)
    store = Store.open(path)
    try:
        import_file(store, src)
        store.bulk_load_actuals(synthetic_reports(store.indicator_lookup(), 3))
    finally:
        store.close()
    return path


@pytest.fixture
def small_limits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = DEFAULT_SETTINGS.read_text(encoding="utf-8")
    for key, value in LIMITS.items():
        line = next(x for x in text.splitlines() if x.startswith(f"{key} = "))
        text = text.replace(line, f"{key} = {value}")
    path = tmp_path / "settings.toml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("PERF_SETTINGS", str(path))
    screens = load_settings().screens
    assert {k: getattr(screens, k) for k in LIMITS} == LIMITS


@pytest.fixture
def db(app_db: Path, many_db: Path, small_limits: None) -> Path:
    shutil.copy(many_db, app_db)
    return app_db


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The data callable of every download button drawn, by file name: AppTest cannot press a deferred
    download, so the test calls what the button would serve."""
    seen: dict[str, Any] = {}
    original = MediaFileManager.add_deferred

    def record(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        seen[str(file_name)] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", record)
    return seen


def _open(page: str, **params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["as_of"] = AS_OF.isoformat()
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    at.switch_page(page)
    at.run()
    assert not at.exception, at.exception
    return at


def _table(at: AppTest, column: str) -> pd.DataFrame:
    (found,) = [f.value for f in at.dataframe if column in f.value.columns]
    return found


def _page_input(at: AppTest, what: str) -> Any:
    (found,) = [n for n in at.number_input if n.label.startswith("页码") and what in n.label]
    return found


def _csv(downloads: dict[str, Any], prefix: str) -> pd.DataFrame:
    (name,) = [n for n in downloads if n.startswith(prefix) and n.endswith(".csv")]
    return pd.read_csv(io.BytesIO(downloads[name]()), encoding="utf-8-sig")


def test_funding_sends_a_page_of_rows_and_the_totals_and_downloads_hold_every_project(
        db: Path, downloads: dict[str, Any]) -> None:
    at = _open("pages/funding.py")
    rows = LIMITS["table_rows"]
    shown = _table(at, "年度资金总额(万元)")
    # A 合计 row (issue 11 item 7), where the table has one, sums every project, not the page.
    first, totals = shown[shown["项目名称"] != "合计"], shown[shown["项目名称"] == "合计"]
    assert len(first) == rows and len(totals) <= 1
    pages = _page_input(at, "个项目")
    assert pages.label == f"页码(共 {-(-PROJECTS // rows)} 页,每页 {rows} 个项目)"
    assert any(f"共 {PROJECTS} 个项目,每页 {rows} 个" in c.value for c in at.caption)
    # The last page holds the rest; every project is on exactly one page.
    seen = list(first["项目名称"])
    for page in range(2, int(pages.max) + 1):
        _page_input(at, "个项目").set_value(page).run()
        assert not at.exception, at.exception
        seen += [n for n in _table(at, "年度资金总额(万元)")["项目名称"] if n != "合计"]
    assert len(seen) == len(set(seen)) == PROJECTS
    # The card and the download count every project, whatever page is shown.
    every = _csv(downloads, "资金_")
    every = every[every["项目名称"] != "合计"]
    assert len(every) == PROJECTS and set(every["项目名称"]) == set(seen)
    for total in totals["年度资金总额(万元)"]:
        assert total == pytest.approx(every["年度资金总额(万元)"].sum(), abs=0.05)
    total = {m.label: m.value for m in at.metric}["年度资金总额(万元)"]
    assert total == f"{every['年度资金总额(万元)'].sum():,.2f}"
    # The treemap names the largest funding_projects projects, and still adds up to every 万元.
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    tree = next(t for s in specs for t in s["data"] if t["type"] == "treemap")
    parents, vals, labels = values(tree["parents"]), values(tree["values"]), values(tree["labels"])
    assert sum(v for p, v in zip(parents, vals, strict=True) if p == "") == pytest.approx(
        every["年度资金总额(万元)"].sum(), abs=0.05)
    rest = [x for x in labels if x.startswith("其余 ")]
    assert rest and sum(int(x.split()[1]) for x in rest) == PROJECTS - LIMITS["funding_projects"]
    # One bar per project in the bar charts: the largest funding_projects.
    bars = next(s for s in specs if s["data"][0]["type"] == "bar" and s["data"][0].get("name") == "财政拨款")
    assert len(values(bars["data"][0]["y"])) == LIMITS["funding_projects"]


def test_indicators_sends_a_page_of_rows_and_its_project_list_searches(db: Path, downloads: dict[str, Any]) -> None:
    at = _open("pages/indicators.py")
    rows = LIMITS["table_rows"]
    first = _table(at, "三级指标")
    assert len(first) == rows
    every = _csv(downloads, "指标_")
    assert len(every) > 10 * rows  # ~14 indicators a project
    assert any(f"共 {len(every)} 个指标,每页 {rows} 个" in c.value for c in at.caption)
    # The history's choice lists the rows of the page, not every indicator.
    assert len(at.selectbox(key="history_indicator").options) == rows
    _page_input(at, "个指标").set_value(2).run()
    second = _table(at, "三级指标")
    assert len(second) == rows and not set(second["三级指标"] + second["项目"]) & set(first["三级指标"] + first["项目"])

    # The 项目 list offers project_options projects and a search finds the others.
    picker = at.multiselect(key="ind_projects")
    assert len(picker.options) == LIMITS["project_options"]
    names = sorted(set(every["项目"]))
    wanted = next(n for n in names if n not in picker.options)
    next(t for t in at.text_input if t.label == "查找项目").input(wanted).run()
    assert not at.exception, at.exception
    assert wanted in at.multiselect(key="ind_projects").options
    at.multiselect(key="ind_projects").select(wanted).run()
    assert set(_table(at, "三级指标")["项目"]) == {wanted}
    # Chosen, it stays listed (and chosen) when the search changes.
    next(t for t in at.text_input if t.label == "查找项目").input("没有这个项目").run()
    assert at.multiselect(key="ind_projects").options == [wanted]
    assert len(at.multiselect(key="ind_projects").value) == 1
    assert set(_table(at, "三级指标")["项目"]) == {wanted}


def test_overview_counts_projects_per_band_and_pages_its_red_and_yellow_list(db: Path) -> None:
    at = _open("pages/overview.py")
    score = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert "分布" in score["layout"]["title"]["text"]
    assert sum(v for t in score["data"] for v in values(t["x"])) == PROJECTS
    assert any(f"项目多于 {LIMITS['chart_marks']} 个时,图中按每 {LIMITS['score_band']} 分一档计数" in c.value
               for c in at.caption)
    per_page = LIMITS["attention_rows"]
    links = at.main.get("page_link")
    assert len(links) == per_page
    counts = next(re.match(r"红灯 (\d+) 项,黄灯 (\d+) 项", c.value) for c in at.caption if c.value.startswith("红灯 "))
    items = int(counts[1]) + int(counts[2])
    assert any(c.value.startswith(f"共 {items} 项,每页 {per_page} 项") for c in at.caption)
    pages = _page_input(at, "项")
    assert int(pages.max) == -(-items // per_page)
    first = [link.proto.query_string for link in links]
    pages.set_value(int(pages.max)).run()
    last = [link.proto.query_string for link in at.main.get("page_link")]
    assert 1 <= len(last) <= per_page and not set(first) & set(last)


def test_timeline_sends_a_page_of_deadlines_and_the_gantt_the_most_urgent_projects(db: Path) -> None:
    at = _open("pages/timeline.py")
    rows = LIMITS["table_rows"]
    assert all(len(f.value) <= rows for f in at.dataframe)
    gantt = json.loads(at.get("plotly_chart")[0].proto.spec)
    periods = next(t for t in gantt["data"] if t["type"] == "bar")
    assert len(values(periods["y"])) == LIMITS["timeline_projects"]
