"""Real-browser test of issue 11 items 2 and 3 at 1366×768 (Debian chromium through Playwright).

On the seed without any report (as of 2026-03-31, every project's period still running) every project
reads 未填报 and the mean score is "—" with the count of unreported projects beside it; with the
sample report (as of 2026-12-31) the ranking chart's bars stand in descending score order from the
top. Screenshots go to build/screenshots/ (docs/screenshots/ with UPDATE_SCREENSHOTS=1).

Run with ``pytest -m browser tests/test_browser_scores.py``; see tests/test_browser.py for what it needs.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser_support import (
    SCREENSHOTS,
    assert_no_exception,
    full_page_screenshot,
    metric,
    open_page,
    run_app,
    seeded_db,
    wait_charts,
    wait_idle,
)

pytestmark = pytest.mark.browser

VIEWPORT = (1366, 768)

# The bars of the first chart (the score ranking): each point's label and its top edge on screen. The
# ranking is the first bar trace; the ones after it are the grade legend's empty entries.
_BARS_JS = """() => {
    const plot = document.querySelectorAll('.js-plotly-plot')[0];
    const ranking = plot.querySelectorAll('.barlayer .trace')[0];
    return [...ranking.querySelectorAll('.point')].map(p => {
        const box = p.getBoundingClientRect();
        const label = p.querySelector('.bartext');
        return {top: box.top, height: box.height, text: label ? label.textContent : ''};
    });
}"""


@pytest.fixture(scope="module")
def seed_app(tmp_path_factory: pytest.TempPathFactory, browser: Browser) -> Iterator[str]:
    data = seeded_db(tmp_path_factory.mktemp("scores_seed") / "perf.duckdb", sample_report=False)
    with run_app(data, tmp_path_factory.mktemp("scores_seed_app")) as url:
        yield url


@pytest.fixture(scope="module")
def sample_app(tmp_path_factory: pytest.TempPathFactory, browser: Browser) -> Iterator[str]:
    data = seeded_db(tmp_path_factory.mktemp("scores_sample") / "perf.duckdb", sample_report=True)
    with run_app(data, tmp_path_factory.mktemp("scores_sample_app")) as url:
        yield url


def _overview(browser: Browser, url: str) -> Page:
    page = open_page(browser, url, VIEWPORT)
    expect(page.locator("h1", has_text="总览").first).to_be_visible()
    wait_idle(page)
    wait_charts(page, 2)
    assert_no_exception(page)
    return page


def test_seed_without_reports_reads_unreported(seed_app: str, browser: Browser) -> None:
    page = _overview(browser, f"{seed_app}/?as_of=2026-03-31")
    try:
        expect(metric(page, "平均自评得分")).to_have_text("—")
        card = page.locator('[data-testid="stMetric"]').filter(has_text="平均自评得分")
        expect(card.locator('[data-testid="stMetricDelta"]')).to_have_text("未填报 4 个")
        bars = page.evaluate(_BARS_JS)
        assert [b["text"] for b in bars] == ["未填报"] * 4
        # SVG text has no inner text: read textContent.
        chart_text = page.evaluate("() => document.querySelectorAll('.js-plotly-plot')[0].textContent")
        assert "0.00" not in chart_text and "差" not in chart_text
        # Every project light is grey: the light markers' legend shows 灰灯 only.
        legend = page.evaluate("() => [...document.querySelectorAll('.js-plotly-plot')[0]"
                               ".querySelectorAll('.legend .legendtext')].map(e => e.textContent)")
        assert set(legend) == {"未填报", "灰灯"}
        full_page_screenshot(page, SCREENSHOTS / "overview_unreported_1366.png", VIEWPORT)
    finally:
        page.context.close()


def test_sample_ranking_bars_are_in_descending_score_order(sample_app: str, browser: Browser) -> None:
    page = _overview(browser, f"{sample_app}/?as_of=2026-12-31")
    try:
        bars = sorted(page.evaluate(_BARS_JS), key=lambda b: b["top"])
        assert len(bars) == 4 and all(b["height"] > 0 for b in bars)
        scores = [float(b["text"]) for b in bars]
        assert scores == sorted(scores, reverse=True)
        assert scores == [99.74, 89.25, 72.39, 47.06]
        full_page_screenshot(page, SCREENSHOTS / "overview_ranking_1366.png", VIEWPORT)
    finally:
        page.context.close()
