"""Real-browser test of issue 10 item 6: a hostile target table makes no request to another host.

Project name, 实施单位, 项目属性, 年度绩效目标 and indicator names carry markdown images, links and HTML
pointing at an outside host. Every dashboard page (and each 目标表 expander, opened) is visited in Debian's
chromium; every request the page makes is recorded, those to another host are refused on the spot and
fail the test. No link to the outside host may be on the page either.

Run with ``pytest -m browser tests/test_browser_markup.py`` (needs /usr/bin/chromium, as tests/test_browser.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Route

from tests.browser_support import (
    Data,
    open_page,
    run_app,
    seeded_db,
    wait_idle,
)
from tests.test_hardening_ui import HOSTILE_TABLE

pytestmark = pytest.mark.browser

PAGES = ["", "funding", "indicators", "timeline", "review", "targets"]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Data:
    from analytics import services
    from analytics.dashboard import filter_options
    from analytics.storage import Store

    db = seeded_db(tmp_path_factory.mktemp("markup_data") / "perf.duckdb", sample_report=False).db
    store = Store.open(db)
    try:
        services.import_bytes(store, HOSTILE_TABLE.encode("utf-8"), "恶意.txt")
        ids = [int(p) for p in filter_options(store)["project_id"]]
    finally:
        store.close()
    return Data(db, ids)


@pytest.fixture(scope="module")
def served(hostile: Data, browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Browser]]:
    with run_app(hostile, tmp_path_factory.mktemp("markup_app")) as url:
        yield url, browser


@pytest.mark.parametrize("path", PAGES)
def test_hostile_names_make_no_request_to_another_host(served: tuple[str, Browser], hostile: Data,
                                                       path: str) -> None:
    url, browser = served
    own = urlsplit(url).netloc
    outside: list[str] = []

    def guard(route: Route) -> None:
        if urlsplit(route.request.url).netloc in (own, ""):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    hostile_id = max(hostile.project_ids)  # the hostile table is imported last
    query = f"?as_of=2026-12-31&review={hostile_id}" if path == "review" else "?as_of=2026-12-31"
    page = open_page(browser, "about:blank")
    try:
        page.route("**/*", guard)
        page.goto(f"{url}/{path}{query}")
        wait_idle(page)
        for summary in page.locator('[data-testid="stExpander"] summary').all():
            summary.click()
        page.wait_for_timeout(1500)  # images and lazy content load after the script run
        links = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
        images = page.eval_on_selector_all("img[src]", "els => els.map(e => e.src)")
    finally:
        page.context.close()
    assert outside == [], outside
    assert [h for h in [*links, *images] if "evil.example" in h] == []


def test_the_guard_sees_outside_requests(served: tuple[str, Browser], tmp_path: Path) -> None:
    """The check can fail: a page that does show an outside image is caught."""
    _, browser = served
    seen: list[str] = []
    page = open_page(browser, "about:blank")
    try:
        page.route("**/*", lambda route: (seen.append(route.request.url), route.abort()))
        page.set_content("<img src='http://evil.example/x.png'>")
        page.wait_for_timeout(500)
    finally:
        page.context.close()
    assert any("evil.example" in u for u in seen)
