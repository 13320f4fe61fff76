"""Real-browser test: the Streamlit app in Debian's chromium through Playwright.

A fresh database gets the seed and the sample report; the app runs as a real server on a free port.
Every page opens without an exception box and is saved as a screenshot (build/screenshots/, or
docs/screenshots/ shown in the README with UPDATE_SCREENSHOTS=1); the sidebar's project filter
changes the numbers and the URL, and a copied link opens
the same view, also as the first request to a freshly started server.

Run with ``pytest -m browser tests/test_browser.py``. Needs /usr/bin/chromium and fonts-noto-cjk
(``apt-get install -y chromium fonts-noto-cjk``); no browser is downloaded.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser_support import (
    AS_OF,
    SCREENSHOTS,
    Data,
    assert_no_dialog,
    assert_no_exception,
    full_page_screenshot,
    metric,
    open_page,
    run_app,
    seeded_db,
    wait_charts,
    wait_idle,
    warmed_app,
)

pytestmark = pytest.mark.browser

FUNDING_TOTAL = "615.95"  # 年度资金总额(万元) of the four seed projects


@dataclass(frozen=True)
class PageSpec:
    name: str  # the screenshot's file name
    path: str  # the URL path; the default page (总览) lives at "/", where "/overview" would say "Page not found"
    title: str
    min_charts: int
    viewport: tuple[int, int] = (1440, 900)
    dated: bool = True  # shows "截至 <as_of>"
    sidebar_hidden: bool = False  # 评审 hides the sidebar for the room; its 显示侧边栏 button brings it back


# Screenshot name, URL path, the page's h1, how many plotly charts it draws at least (the 指标 page draws
# its history chart only when the chosen indicator is quantitative and reported; any chart is waited for).
PAGES = [
    PageSpec("overview", "", "总览", 2),
    PageSpec("funding", "funding", "资金", 4),
    PageSpec("indicators", "indicators", "指标", 0),
    PageSpec("timeline", "timeline", "时间线", 1),
    PageSpec("review", "review", "项目支出绩效自评汇总", 1, viewport=(1920, 1080), sidebar_hidden=True),
    PageSpec("targets", "targets", "目标表", 0, dated=False),
]


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Data:
    """Seed plus the sample report, as of year end; the project ids in the sidebar's order."""
    return seeded_db(tmp_path_factory.mktemp("browser_data") / "perf.duckdb")


@pytest.fixture(scope="module")
def app(data: Data, browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app's base URL, after a first visit to "/"; a fresh server's first request has its own test."""
    with warmed_app(data, browser, tmp_path_factory.mktemp("browser_app")) as url:
        yield url


def _assert_app_sidebar(page: Page) -> None:
    """app.py ran: its filter sidebar and its own page list (not one made from the pages/ folder)."""
    sidebar = page.locator('[data-testid="stSidebar"]')
    # The menu is app.py's own page links (issue 11: st.navigation is hidden, every page registered).
    menu = sidebar.locator('[data-testid="stPageLink-NavLink"]')
    # The links can arrive after the page's title on a loaded machine: wait for them, then check.
    try:
        expect(menu.filter(has_text="总览").first).to_be_visible()
    except AssertionError:
        links = menu.all_inner_texts()
        raise AssertionError(f"sidebar pages are {links}: app.py's st.navigation did not run") from None
    expect(sidebar.get_by_text("筛选", exact=True)).to_be_visible()


@pytest.mark.parametrize("spec", PAGES, ids=[p.name for p in PAGES])
def test_page_renders_without_exception(app: str, browser: Browser, spec: PageSpec) -> None:
    page = open_page(browser, f"{app}/{spec.path}?as_of={AS_OF}", spec.viewport)
    try:
        expect(page.locator("h1", has_text=spec.title).first).to_be_visible()
        wait_idle(page)
        charts = wait_charts(page, spec.min_charts)
        assert charts >= spec.min_charts
        assert_no_exception(page)
        assert_no_dialog(page)
        if spec.sidebar_hidden:
            expect(page.locator('[data-testid="stSidebar"]').get_by_text("筛选", exact=True)).to_be_hidden()
            page.get_by_role("button", name="显示侧边栏").click()
            wait_idle(page)
        _assert_app_sidebar(page)
        if spec.sidebar_hidden:
            page.get_by_role("button", name="隐藏侧边栏").click()
            wait_idle(page)
        if spec.dated:
            expect(page.get_by_text("2026年12月31日").first).to_be_visible()
        expanders = page.locator('[data-testid="stExpander"] summary')
        if spec.name == "targets" and expanders.count():
            expanders.first.click()  # show one project's target table in the screenshot
            details = page.locator('[data-testid="stExpanderDetails"]').first
            details.locator('[data-testid="stDataFrame"], [data-testid="stTable"]').first.wait_for()
            page.wait_for_timeout(500)  # the expander's opening animation
        full_page_screenshot(page, SCREENSHOTS / f"{spec.name}.png", spec.viewport)
    finally:
        page.context.close()


def test_sidebar_project_filter_changes_numbers_and_url(app: str, browser: Browser, data: Data) -> None:
    page = open_page(browser, f"{app}/?as_of={AS_OF}")
    try:
        wait_idle(page)
        assert_no_dialog(page)
        expect(metric(page, "项目数")).to_have_text("4")
        total = metric(page, "年度资金总额(万元)")
        expect(total).to_have_text(FUNDING_TOTAL)

        picker = page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').filter(
            has=page.get_by_text("项目", exact=True))
        picker.click()
        # Streamlit's multiselect lists "Select all" first; the first project comes after it.
        options = page.locator('[role="listbox"] [role="option"]').filter(has_not_text="Select all")
        expect(options).to_have_count(len(data.project_ids))
        options.first.click()
        page.keyboard.press("Escape")

        expect(metric(page, "项目数")).to_have_text("1")
        expect(total).not_to_have_text(FUNDING_TOTAL)
        wait_idle(page)
        assert f"project={data.project_ids[0]}" in page.url
    finally:
        page.context.close()


@pytest.mark.parametrize("index", [0, 1], ids=["first_project", "second_project"])
def test_copied_link_restores_the_view(app: str, browser: Browser, data: Data, index: int) -> None:
    pid = data.project_ids[index]
    page = open_page(browser, f"{app}/?as_of={AS_OF}&project={pid}")
    try:
        wait_idle(page)
        expect(metric(page, "项目数")).to_have_text("1")
        expect(metric(page, "年度资金总额(万元)")).not_to_have_text(FUNDING_TOTAL)
        assert_no_exception(page)
        assert_no_dialog(page)
        assert f"project={pid}" in page.url
    finally:
        page.context.close()


@pytest.mark.parametrize("spec", [p for p in PAGES if p.name in ("funding", "targets")], ids=lambda p: p.name)
def test_copied_link_is_the_first_request_to_a_fresh_server(
    data: Data, browser: Browser, tmp_path: Path, spec: PageSpec
) -> None:
    """After a restart nobody has opened "/" yet; a bookmarked deep link must still run app.py.

    Streamlit starts out treating the pages/ folder as the page list, so the first request runs
    pages/<path>.py directly; pages.common.ensure_entry reruns it through app.py.
    """
    pid = data.project_ids[1]
    with run_app(data, tmp_path) as url:
        page = open_page(browser, f"{url}/{spec.path}?as_of={AS_OF}&project={pid}")
        try:
            expect(page.locator("h1", has_text=spec.title).first).to_be_visible()
            wait_idle(page)
            assert_no_exception(page)
            assert_no_dialog(page)
            if spec.sidebar_hidden:
                page.get_by_role("button", name="显示侧边栏").click()
                wait_idle(page)
            _assert_app_sidebar(page)
            expect(metric(page, "年度资金总额(万元)")).not_to_have_text(FUNDING_TOTAL)  # the link's project
        finally:
            page.context.close()
