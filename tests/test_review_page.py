"""评审 for the room (issue 11 item 4): the presenter's order, the screens, the URL, what a screen holds.

The review-screen data (analytics.presenting) are checked on small frames and on the seed plus the
sample report; the page itself through Streamlit's AppTest on the same data (tests/test_pages.py's
fixtures). The layout at 1280×720, the type sizes and the keys are in tests/test_browser_review.py.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analytics import charts
from analytics.dashboard import Filters, View, build_view, level1_lights
from analytics.engine import mean_score
from analytics.presenting import (
    discussion,
    grade_counts,
    presenter_order,
    rows_that_fit,
    screen_index,
    screens,
    step,
    summary_rows,
    unreported_projects,
)
from analytics.settings import ReviewSettings, load_settings, parse_review_settings
from analytics.storage import Store
from analytics.wording import cn_date
from tests.test_pages import (  # noqa: F401 - fixtures
    AS_OF,
    SCORES,
    Expected,
    button,
    db,
    expected,
    metrics,
    sample_db,
    start,
)

# As of 2026-06-30 only project 1 has reported (16.31 points); 2, 3 and 4 have nothing yet, and 4's period has ended.
MIDYEAR = "2026-06-30"


def view_of(rows: list[tuple[int, str, str, float, float | None]], reported: set[int]) -> View:
    """A view of projects (id, name, department, score, spent); ``reported`` have one indicator result,
    and the others are what the engine calls unreported (spending alone does not count)."""
    projects = pd.DataFrame(rows, columns=["project_id", "name", "department", "score", "spent"]).assign(
        short_name=lambda p: p["name"], grade="中", light="grey", execution_rate=float("nan"))
    projects["unreported"] = ~projects["project_id"].isin(reported)
    indicators = pd.DataFrame({
        "project_id": [r[0] for r in rows],
        "completion": [1.0 if r[0] in reported else float("nan") for r in rows],
    })
    return View(Filters(as_of=date(2026, 12, 31)), projects, indicators)


# -- analytics.presenting ---------------------------------------------------------------------------------------


def test_the_three_orders() -> None:
    v = view_of([
        (1, "乙项目", "B局", 70.0, 1.0),
        (2, "甲项目", "A局", 90.0, 1.0),
        (3, "丙项目", "A局", 70.0, 1.0),
        (4, "丁项目", "A局", 0.0, None),  # nothing reported: no score to rank by
        (5, "戊项目", "B局", 95.0, 1.0),
    ], reported={1, 2, 3, 5})
    assert presenter_order(v, "imported") == [1, 2, 3, 4, 5]
    # Best first; the two at 70.0 by name (丙 U+4E19 before 乙 U+4E59); nothing reported last.
    assert presenter_order(v, "score") == [5, 2, 3, 1, 4]
    assert presenter_order(v, "department") == [2, 3, 4, 5, 1]
    with pytest.raises(ValueError):
        presenter_order(v, "random")


def test_unreported_projects_are_the_engines_and_spending_alone_does_not_count() -> None:
    v = view_of([(1, "甲", "A", 0.0, None), (2, "乙", "A", 8.0, 40.0), (3, "丙", "A", 50.0, None)], reported={3})
    assert unreported_projects(v) == {1, 2}
    mean, waiting = mean_score(v.projects)
    assert (mean, waiting) == (50.0, 2)
    rows, more = summary_rows(v, [3, 1, 2], limit=2)
    assert rows["project_id"].tolist() == [3, 1] and more == 1
    assert rows["score"].isna().tolist() == [False, True]
    assert rows["grade"].isna().tolist() == [False, True]


def test_screens_and_steps() -> None:
    s = screens([3, 1, 2])
    assert s == ["summary", "3", "1", "2"]
    assert screen_index(s, "1") == 2
    assert screen_index(s, None) == screen_index(s, "9") == screen_index(s, "<b>") == 0
    assert step(0, -1, len(s)) == 0 and step(3, 1, len(s)) == 3 and step(1, 1, len(s)) == 2


def test_dates_as_an_office_writes_them() -> None:
    assert cn_date(date(2026, 12, 1)) == "2026年12月1日"
    assert cn_date(date(2026, 3, 9)) == "2026年3月9日"


def _items(rows: list[tuple[str, str]]) -> pd.DataFrame:
    return pd.DataFrame({"三级指标": [r[0] for r in rows], "指标值": "≥1个", "实际完成值": "1个",
                         "偏差原因分析及改进措施": [r[1] for r in rows], "提示": ""})


def test_a_screen_shows_the_discussion_rows_that_fit() -> None:
    short = [("巡检次数", "按期完成")] * 9
    assert rows_that_fit(_items(short), limit=7) == 7
    assert rows_that_fit(_items(short), limit=20) == 8  # eight one-line rows fill the table
    long_name = "清洁生产评估及验收成本、生态环境专业技术服务成本"  # two lines in its column
    assert rows_that_fit(_items([(long_name, "")] * 6), limit=7) == 4
    assert rows_that_fit(_items([]), limit=7) == 0


@pytest.fixture(scope="module")
def sample_view(sample_db: Path) -> tuple[Store, View]:  # noqa: F811
    store = Store.open(sample_db, read_only=True)
    yield store, build_view(store, Filters(as_of=AS_OF))
    store.close()


def test_the_indicators_that_need_discussion(sample_view: tuple[Store, View]) -> None:
    store, view = sample_view
    assert discussion(store, view, 1).empty  # all green
    items = discussion(store, view, 3)
    # Red first, then yellow, then the over-completed blue one with the reason it is there; each in table order.
    assert items["light"].tolist() == ["red"] * 4 + ["yellow"] * 2 + ["blue"]
    assert items.loc[6, "提示"] == "超额完成,需说明原因"
    assert items.loc[0, "偏差原因分析及改进措施"] == "专家评审费用上涨"
    assert set(items.loc[:5, "提示"]) == {""}


def test_grade_counts(sample_view: tuple[Store, View]) -> None:
    _, view = sample_view
    counts = grade_counts(view, [g for g, _ in load_settings().grades])
    assert counts.to_dict() == {"优": 1, "良": 1, "中": 1, "差": 1, "未填报": 0}


def _font_sizes(spec: Any, inside_font: bool = False) -> list[float]:
    """Every font size a figure spec sets (layout, axes, legend, traces' text)."""
    found: list[float] = []
    if isinstance(spec, dict):
        for key, value in spec.items():
            font = inside_font or key.endswith("font")
            if font and key == "size" and isinstance(value, (int, float)):
                found.append(float(value))
            found += _font_sizes(value, font if isinstance(value, dict) else inside_font)
    elif isinstance(spec, list):
        for v in spec:
            found += _font_sizes(v, inside_font)
    return found


def test_review_charts_label_at_16_px_or_more(sample_view: tuple[Store, View]) -> None:
    _, view = sample_view
    figures = [
        charts.review_lights_chart(level1_lights(view, 3), 175, 16),
        charts.review_grade_chart(grade_counts(view, ["优", "良", "中", "差"]), 400, 16),
    ]
    for fig in figures:
        spec = fig.to_dict()
        sizes = _font_sizes(spec)
        assert sizes and min(sizes) >= 16, sizes
        assert spec["layout"]["uniformtext"]["minsize"] >= 16  # bar labels never shrink below it


def test_review_settings() -> None:
    assert load_settings().review == ReviewSettings()
    assert parse_review_settings({"default_order": "score", "summary_rows": 5}).summary_rows == 5
    for bad in ({"default_order": "random"}, {"summary_rows": 0}, {"body_px": True}, {"colour": "red"}):
        with pytest.raises(ValueError):
            parse_review_settings(bad)


# -- the page -----------------------------------------------------------------------------------------------------


def open_review(**params: str) -> AppTest:
    at = start(**params)
    at.switch_page("pages/review.py")
    at.run()
    assert not at.exception, at.exception
    return at


def info(at: AppTest) -> str:
    """The screen number and as-of date of the navigation row."""
    (found,) = [h.proto.body for h in at.get("html") if 'class="review-info"' in h.proto.body]
    return found


def order_box(at: AppTest) -> Any:
    (found,) = [s for s in at.selectbox if s.key == "review_order_choice"]
    return found


def test_screen_number_and_date_on_every_screen(db: Path, expected: Expected) -> None:  # noqa: F811
    at = open_review()
    for number in range(1, len(SCORES) + 2):
        assert f"第 {number} / {len(SCORES) + 1} 屏 · 截至 2026年12月31日" in info(at)
        if number <= len(SCORES):
            button(at, "下一个 ▶").click().run()
    assert button(at, "下一个 ▶").disabled


def test_the_order_is_a_choice_kept_in_the_url(db: Path, expected: Expected) -> None:  # noqa: F811
    at = open_review(as_of=MIDYEAR)
    assert order_box(at).value == "imported"  # the settings' default
    assert "order" not in at.query_params
    order_box(at).set_value("score").run()
    assert not at.exception
    assert at.query_params["order"] == "score"
    # Project 1 is the only one with a score; the three with nothing reported follow by name.
    names = expected.projects.set_index("project_id")["name"]
    waiting = sorted([2, 3, 4], key=lambda p: names[p])
    seen = []
    for _ in range(4):
        button(at, "下一个 ▶").click().run()
        seen.append(int(at.query_params["review"]))
    assert seen == [1, *waiting] != [1, 2, 3, 4]

    # The link of a screen opens it in the same order, at the same place.
    link = open_review(as_of=MIDYEAR, order="score", review=str(waiting[0]))
    assert order_box(link).value == "score"
    assert "第 3 / 5 屏" in info(link)
    button(link, "◀ 上一个").click().run()
    assert link.query_params["review"] == "1"


def test_a_link_names_its_order_and_an_unknown_one_falls_back(db: Path) -> None:  # noqa: F811
    assert order_box(open_review(order="department")).value == "department"
    at = open_review(order="<script>")
    assert order_box(at).value == "imported"
    assert not at.exception


def test_unreported_projects_show_no_score(db: Path) -> None:  # noqa: F811
    at = open_review(as_of=MIDYEAR, review="2")
    assert metrics(at)["自评总分"] == "—"
    assert metrics(at)["等级"] == "未填报"
    summary = open_review(as_of=MIDYEAR)
    # Project 4's period (a carried-over project) ended before mid-year: it is scored, its missing
    # values as 0 (期末未填报按0分计), so two projects are unreported, as 总览 counts them.
    assert metrics(summary)["未填报项目"] == "2"
    assert metrics(summary)["平均得分"] == "8.16"  # projects 1 and 4 (final, 0): not (16.31 + 0 + 0 + 0) / 4
    table = [h.proto.body for h in summary.get("html") if 'class="review-table"' in h.proto.body]
    assert table and table[0].count("未填报") == 2


def test_the_sidebar_button_hides_and_shows_it(db: Path) -> None:  # noqa: F811
    at = open_review()

    def css() -> str:
        # The page's own style sheet (the sign-in form in the sidebar has another, for its hint, and
        # app.py one that puts Streamlit's English widget texts in Chinese).
        (style,) = [h.proto.body for h in at.get("html")
                    if h.proto.body.startswith("<style>") and "InputInstructions" not in h.proto.body
                    and "stFileUploaderDropzone" not in h.proto.body]
        return style

    assert '[data-testid="stSidebar"]' in css()
    button(at, "显示侧边栏").click().run()
    assert '[data-testid="stSidebar"]' not in css()
    button(at, "隐藏侧边栏").click().run()
    assert '[data-testid="stSidebar"]' in css()


def test_a_project_screen_lists_what_needs_discussion(db: Path, expected: Expected) -> None:  # noqa: F811
    at = open_review(review="3")
    assert at.title[0].value == expected.short(3)
    assert metrics(at)["自评总分"] == SCORES[3][0]
    bodies = [h.proto.body for h in at.get("html")]
    assert any("需要讨论的指标(7 项,另有 1 项见下方完整指标表)" in b for b in bodies)
    assert any("专家评审费用上涨" in b for b in bodies)
    (full,) = [e for e in at.expander if e.label.startswith("完整指标表")]
    assert full.label == "完整指标表(17 项)"
