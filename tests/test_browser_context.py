"""Real-browser tests of issue 11 items 5, 10 and 11 in Debian's chromium.

- Item 5: "查看" on a 总览 attention item opens that indicator on 指标 without narrowing the filters,
  and the chip shown while the filters narrow the view clears them in one click (1366×768).
- Item 10: the 目标表 search narrows the list and survives a reload (?q= in the URL) (1366×768).
- Item 11: signed in as an administrator, every page (and every section of 管理) is visited; any
  request to a host other than the app's is refused on the spot and fails the test (1920×1080).

Run with ``pytest -m browser tests/test_browser_context.py`` (needs /usr/bin/chromium, as tests/test_browser.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from tests.browser_support import (
    AS_OF,
    SCREENSHOTS,
    Account,
    Data,
    assert_no_exception,
    new_context,
    run_app,
    seeded_db,
    sign_in,
    wait_idle,
)

pytestmark = pytest.mark.browser

ADMIN, PASSWORD = "admin", "admin-pass-1"
LAPTOP = (1366, 768)
FULL_HD = (1920, 1080)
# Every page an administrator has, as the sidebar names it, with the h1 it shows.
ADMIN_PAGES = [
    ("总览", "总览"), ("资金", "资金"), ("指标", "指标"), ("时间线", "时间线"), ("评审", "项目支出绩效自评汇总"),
    ("目标表", "目标表"), ("填报", "填报"), ("填报记录", "填报记录"), ("管理", "管理"), ("审计日志", "审计日志"),
]


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Data:
    from analytics.auth import ADMIN as ADMIN_ROLE

    account = Account(ADMIN, PASSWORD, ADMIN_ROLE, display_name="管理员")
    return seeded_db(tmp_path_factory.mktemp("context_data") / "perf.duckdb", accounts=[account])


@pytest.fixture(scope="module")
def served(data: Data, browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Browser]]:
    with run_app(data, tmp_path_factory.mktemp("context_app")) as url:
        yield url, browser


def _query(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def _chip(page: Page):
    return page.locator('[data-testid="stMain"]').get_by_text(re.compile("^已按筛选条件显示"))


# -- item 5 ------------------------------------------------------------------------------------------------------


def test_view_on_an_attention_item_opens_its_indicator_and_keeps_the_filters(served: tuple[str, Browser]) -> None:
    url, browser = served
    context = new_context(browser, LAPTOP)
    try:
        page = context.new_page()
        page.goto(f"{url}/?as_of={AS_OF}&year=2026")
        wait_idle(page)
        link = page.locator('[data-testid="stPageLink"] a', has_text="查看").first
        link.scroll_into_view_if_needed()
        href = link.get_attribute("href") or ""
        assert "indicator=" in href and "project=" not in href, href
        link.click()
        page.wait_for_url(re.compile(r"/indicators\?"))
        wait_idle(page)
        assert_no_exception(page)
        expect(page.locator("h1", has_text="指标").first).to_be_visible()
        query = _query(page)
        assert query.get("year") == ["2026"] and "project" not in query, query
        iid = query["indicator"][0]
        # The history of that indicator is on the first screen, not below the table.
        history = page.get_by_text("单个指标的填报历史", exact=True)
        expect(history).to_be_in_viewport()
        picker = page.locator('[data-testid="stSelectbox"]').filter(has_text="指标").last
        expect(picker).to_be_in_viewport()
        page.screenshot(path=str(_shot("i11_indicator_link_1366")))
        chosen = picker.evaluate("el => el.innerText + ' ' + [...el.querySelectorAll('input')].map(i => i.value)")
        assert "·" in chosen, chosen
        # The chip says the year narrows the view; one click shows every project again.
        expect(_chip(page)).to_have_text("已按筛选条件显示:2026年度")
        page.get_by_role("button", name="清除筛选").click()
        wait_idle(page)
        expect(_chip(page)).to_have_count(0)
        page.wait_for_function("() => !new URLSearchParams(location.search).has('year')")
        assert _query(page).get("indicator") == [iid]
    finally:
        context.close()


def test_the_chip_clears_narrowed_projects(served: tuple[str, Browser], data: Data) -> None:
    url, browser = served
    context = new_context(browser, LAPTOP)
    try:
        page = context.new_page()
        page.goto(f"{url}/funding?as_of={AS_OF}&project={data.project_ids[0]}")
        wait_idle(page)
        expect(_chip(page)).to_have_text("已按筛选条件显示:1 个项目")
        expect(_chip(page)).to_be_in_viewport()
        page.get_by_role("button", name="清除筛选").click()
        wait_idle(page)
        expect(_chip(page)).to_have_count(0)
        page.wait_for_function("() => !new URLSearchParams(location.search).has('project')")
        card = page.locator('[data-testid="stMetric"]').filter(has_text="项目数").locator(
            '[data-testid="stMetricValue"]')
        if card.count():
            expect(card.first).to_have_text(str(len(data.project_ids)))
    finally:
        context.close()


# -- item 10 -----------------------------------------------------------------------------------------------------


def test_the_targets_search_narrows_the_list_and_survives_a_reload(served: tuple[str, Browser]) -> None:
    url, browser = served
    context = new_context(browser, LAPTOP)
    try:
        page = context.new_page()
        page.goto(f"{url}/targets?as_of={AS_OF}")
        wait_idle(page)
        expanders = page.locator('[data-testid="stExpander"]')
        expect(expanders).to_have_count(4)
        box = page.get_by_label("搜索")
        box.fill("饮用水")
        box.press("Enter")
        wait_idle(page)
        expect(expanders).to_have_count(1)
        expect(expanders.first).to_contain_text("饮用水水源地")
        page.wait_for_function("() => new URLSearchParams(location.search).get('q') === '饮用水'")
        page.reload()
        wait_idle(page)
        expect(page.get_by_label("搜索")).to_have_value("饮用水")
        expect(expanders).to_have_count(1)
        page.screenshot(path=str(_shot("i11_targets_search_1366")))
    finally:
        context.close()


# -- item 11 -----------------------------------------------------------------------------------------------------


def _shot(name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / f"{name}.png"


def test_no_page_makes_a_request_to_another_host(served: tuple[str, Browser]) -> None:
    url, browser = served
    own = urlsplit(url).netloc
    outside: list[str] = []
    seen: list[str] = []

    def guard(route: Route) -> None:
        target = urlsplit(route.request.url)
        if target.netloc in (own, "") or target.scheme in ("data", "blob"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context = new_context(browser, FULL_HD)
    try:
        context.route("**/*", guard)
        # Websockets do not pass through routes: any to another host is caught here.
        page = context.new_page()
        page.on("websocket", lambda ws: outside.append(ws.url) if urlsplit(ws.url).netloc != own else None)
        # A narrowed year keeps the filter chip (and its icon) on every page visited.
        page.goto(f"{url}/?as_of={AS_OF}&year=2026")
        wait_idle(page)
        sign_in(page, ADMIN, PASSWORD)
        # The menu is app.py's page links (issue 11 item 1); 评审 hides the sidebar until asked.
        nav = page.locator('[data-testid="stSidebar"] [data-testid="stPageLink-NavLink"]')
        for label, title in ADMIN_PAGES:
            show = page.get_by_role("button", name="显示侧边栏")
            if show.count():
                show.click()
                wait_idle(page)
            nav.get_by_text(label, exact=True).click()
            wait_idle(page)
            expect(page.locator("h1", has_text=title).first).to_be_visible()
            assert_no_exception(page)
            if label == "管理":
                for section in ("设置", "目标表", "用户"):
                    page.locator('[data-testid="stMain"] [data-testid="stRadio"]').get_by_text(
                        section, exact=True).click()
                    wait_idle(page)
                    page.wait_for_timeout(500)
            for summary in page.locator('[data-testid="stExpander"] summary').all()[:5]:
                summary.click()
            page.wait_for_timeout(1500)  # fonts, images and icons load after the script run
            expect(_chip(page)).to_be_visible()
            seen.append(label)
        page.get_by_role("button", name="清除筛选").click()
        wait_idle(page)
        # Signed out: the sign-in page itself (viewing may need sign-in) and the default page.
        page.locator('[data-testid="stSidebar"]').get_by_role("button", name="退出登录").click()
        wait_idle(page)
        page.wait_for_timeout(1000)
    finally:
        context.close()
    assert seen == [label for label, _ in ADMIN_PAGES]
    assert outside == [], outside
