"""Real-browser test of issue 11 items 2 and 3 at 1366×768 (Debian chromium through Playwright).

On the seed without any report (as of 2026-03-31, every project's period still running) every project
reads 未填报 and the mean score is "—" with the count of unreported projects beside it; with the
sample report (as of 2026-12-31) the ranking chart's bars stand in descending score order from the
top. Screenshots go to build/screenshots/ (docs/screenshots/ with UPDATE_SCREENSHOTS=1).

Run with ``pytest -m browser tests/test_browser_scores.py``; see tests/test_browser.py for what it needs.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import ROOT
from tests.test_browser import (
    SCREENSHOTS,
    TIMEOUT_MS,
    Data,
    _assert_no_exception,
    _full_page_screenshot,
    _metric,
    _open,
    _run_app,
    _wait_charts,
    _wait_idle,
    launched_chromium,
    require_browser,
)

pytestmark = pytest.mark.browser

VIEWPORT = (1366, 768)
SAMPLE = ROOT / "data" / "samples" / "actuals_2026.xlsx"

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


def _database(path: Path, sample: bool) -> Data:
    from analytics import services
    from analytics.storage import Store

    store = Store.open(path)
    try:
        services.load_seed_if_empty(store)
        if sample:
            services.load_report(store, SAMPLE.read_bytes(), SAMPLE.name, today=date(2026, 12, 31))
    finally:
        store.close()
    return Data(path, [])


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    require_browser()
    expect.set_options(timeout=TIMEOUT_MS)
    with launched_chromium() as b:
        yield b


@pytest.fixture(scope="module")
def seed_app(tmp_path_factory: pytest.TempPathFactory, browser: Browser) -> Iterator[str]:
    data = _database(tmp_path_factory.mktemp("scores_seed") / "perf.duckdb", sample=False)
    with _run_app(data, tmp_path_factory.mktemp("scores_seed_app")) as url:
        yield url


@pytest.fixture(scope="module")
def sample_app(tmp_path_factory: pytest.TempPathFactory, browser: Browser) -> Iterator[str]:
    data = _database(tmp_path_factory.mktemp("scores_sample") / "perf.duckdb", sample=True)
    with _run_app(data, tmp_path_factory.mktemp("scores_sample_app")) as url:
        yield url


def _overview(browser: Browser, url: str) -> Page:
    page = _open(browser, url, VIEWPORT)
    expect(page.locator("h1", has_text="总览").first).to_be_visible()
    _wait_idle(page)
    _wait_charts(page, 2)
    _assert_no_exception(page)
    return page


def test_seed_without_reports_reads_unreported(seed_app: str, browser: Browser) -> None:
    page = _overview(browser, f"{seed_app}/?as_of=2026-03-31")
    try:
        expect(_metric(page, "平均自评得分")).to_have_text("—")
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
        _full_page_screenshot(page, SCREENSHOTS / "overview_unreported_1366.png", VIEWPORT)
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
        _full_page_screenshot(page, SCREENSHOTS / "overview_ranking_1366.png", VIEWPORT)
    finally:
        page.context.close()
