"""Issue 11 item 12: the sidebar's 项目 list searches past [screens] project_options instead of sending all.

At 5,000 projects every page sent 5,000 option strings to the browser for this one list; the browser
benchmark (benchmarks/bench_browser.py) measures what is left. Here, on the seed's four projects with
project_options = 2: the list holds two projects, a search finds the others, a chosen project stays
listed when the search changes, and a link naming a project beyond the first two still selects it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analytics.dashboard import project_matches
from analytics.settings import DEFAULT_SETTINGS
from tests.test_pages import APP, AS_OF, metrics
from tests.test_pages import db as db
from tests.test_pages import sample_db as sample_db

CANDIDATES = pd.DataFrame({
    "project_id": [1, 2, 3, 4],
    "name": ["机动车污染防治项目", "环境监控中心运行维护", "ＰＭ2.5 监测", "饮用水水源地规范化建设"],
    "unit": ["污染防治中心", "环境监控中心", "监测站", None],
    "department": ["生态环境局", "生态环境局", "生态环境局", "水务局"],
})


def test_matches_search_name_unit_and_department_folded_and_in_order() -> None:
    assert project_matches(CANDIDATES, "", 2) == [1, 2]
    assert project_matches(CANDIDATES, "监控", 10) == [2]
    assert project_matches(CANDIDATES, "pm2.5", 10) == [3]  # full width and case folded
    assert project_matches(CANDIDATES, "水务", 10) == [4]  # the department; unit missing is fine
    assert project_matches(CANDIDATES, "中心", 1) == [1]
    assert project_matches(CANDIDATES, "没有这个", 10) == []


@pytest.fixture
def two_options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = DEFAULT_SETTINGS.read_text(encoding="utf-8").replace("project_options = 100", "project_options = 2")
    assert "project_options = 2" in text
    path = tmp_path / "settings.toml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("PERF_SETTINGS", str(path))


def _picker(at: AppTest):
    (found,) = [m for m in at.sidebar.multiselect if m.label == "项目"]
    return found


def _start(**params: str | list[str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["as_of"] = AS_OF.isoformat()
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def test_a_long_project_list_searches_instead_of_listing_every_project(db: Path, two_options: None) -> None:
    at = _start()
    assert len(_picker(at).options) == 2
    assert any("共 4 个项目" in c.value for c in at.sidebar.caption)
    (search,) = [t for t in at.sidebar.text_input if t.label == "查找项目"]
    search.input("饮用水").run()
    assert not at.exception, at.exception
    (only,) = _picker(at).options
    assert "饮用水" in only
    _picker(at).select(only).run()
    assert metrics(at)["项目数"] == "1"
    # Another search keeps the chosen project listed (and chosen) beside the new matches.
    next(t for t in at.sidebar.text_input if t.label == "查找项目").input("监控").run()
    options = _picker(at).options
    assert options[0] == only and any("监控" in o for o in options[1:])
    assert metrics(at)["项目数"] == "1"


def test_a_link_to_a_project_beyond_the_listed_ones_still_selects_it(db: Path, two_options: None) -> None:
    from analytics.dashboard import filter_options
    from pages.common import database

    listed = _picker(_start()).options
    ids = [int(p) for p in filter_options(database().store())["project_id"]]
    beyond = ids[-1]
    at = _start(project=str(beyond))
    assert _picker(at).value == [beyond]
    # Listed first, as a chosen project, although it is not among the first two.
    assert _picker(at).options[0] not in listed
    assert metrics(at)["项目数"] == "1"


def test_a_short_list_is_listed_whole_without_a_search_box(db: Path) -> None:
    at = _start()
    assert len(_picker(at).options) == 4
    assert not [t for t in at.sidebar.text_input if t.label == "查找项目"]
