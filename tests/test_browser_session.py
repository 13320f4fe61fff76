"""Real-browser tests of issue 11 item 1: a sign-in that lasts across reloads and tabs.

Debian's chromium against a real ``streamlit run app.py``: the sign-in survives a reload and a new
tab (the session cookie, HttpOnly and SameSite=Strict, names a session stored in the database);
signing out in one tab ends it in the other; a deep link to 填报 while signed out shows the sign-in
form in place and, after sign-in, 填报 itself; no page ever says "Page not found".

Run with ``pytest -m browser tests/test_browser_session.py`` (needs /usr/bin/chromium).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser_support import (
    AS_OF,
    SIDEBAR,
    TIMEOUT_MS,
    Account,
    Data,
    assert_no_dialog,
    assert_no_exception,
    new_context,
    run_app,
    seeded_db,
    sign_in,
    wait_idle,
)

pytestmark = pytest.mark.browser

UNIT = "南昌市生态环境污染防治中心"
USERS = {"admin": ("Admin-pass-2026", "管理员"), "zhang": ("Zhang-pass-2026", "填报员")}
SCREENSHOTS = Path(__file__).resolve().parent.parent / "build" / "screenshots"


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Data:
    accounts = [Account(name, password, role, (UNIT,) if role == "填报员" else None)
                for name, (password, role) in USERS.items()]
    return seeded_db(tmp_path_factory.mktemp("session_data") / "perf.duckdb", sample_report=False, accounts=accounts)


@pytest.fixture(scope="module")
def app(data: Data, browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with run_app(data, tmp_path_factory.mktemp("session_app")) as url:
        yield url


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = new_context(browser, (1366, 768))
    try:
        yield ctx
    finally:
        ctx.close()


def _visit(context: BrowserContext, url: str) -> Page:
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(url)
    wait_idle(page)
    return page


def _settled(page: Page) -> None:
    wait_idle(page)
    assert_no_exception(page)
    assert_no_dialog(page)
    assert "Page not found" not in page.evaluate("document.body.innerText")


def _sign_in(page: Page, name: str, where: str = SIDEBAR) -> None:
    sign_in(page, name, USERS[name][0], where)
    _settled(page)


def _session_cookie(context: BrowserContext, timeout: float = 15.0) -> dict:
    """The session cookie, once the page's frame has fetched it from the app's route."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [c for c in context.cookies() if c["name"] == "perf_session"]
        if found:
            return dict(found[0])
        time.sleep(0.2)
    raise AssertionError(f"no session cookie after {timeout:.0f} s; cookies: {context.cookies()}")


def _signed_in(page: Page) -> bool:
    return page.locator('[data-testid="stSidebar"]').get_by_text("已登录:", exact=False).count() > 0


def test_reload_and_a_new_tab_keep_the_sign_in(app: str, context: BrowserContext) -> None:
    page = _visit(context, f"{app}/?as_of={AS_OF}")
    _settled(page)
    assert not _signed_in(page)
    _sign_in(page, "admin")

    cookie = _session_cookie(context)
    # HttpOnly (no script can read it), SameSite=Strict, for the whole app; never in the URL.
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Strict"
    assert cookie["path"] == "/"
    assert "perf_session" not in page.evaluate("document.cookie")
    assert cookie["value"].split(".")[0] not in page.url

    page.reload()
    _settled(page)
    assert _signed_in(page), "a reload signed the user out"
    # The menu still shows the administrator's pages after the reload.
    expect(page.locator('[data-testid="stSidebar"]').get_by_text("审计日志", exact=True)).to_be_visible()

    tab = _visit(context, f"{app}/funding?as_of={AS_OF}")
    _settled(tab)
    assert _signed_in(tab), "a new tab did not keep the sign-in"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SCREENSHOTS / "session_new_tab.png"))


def test_sign_out_in_one_tab_ends_it_in_the_other(app: str, context: BrowserContext) -> None:
    first = _visit(context, f"{app}/?as_of={AS_OF}")
    _sign_in(first, "admin")
    _session_cookie(context)
    second = _visit(context, f"{app}/indicators?as_of={AS_OF}")
    _settled(second)
    assert _signed_in(second)

    first.locator('[data-testid="stSidebar"]').get_by_role("button", name="退出登录").click()
    expect(first.locator('[data-testid="stSidebar"]').get_by_label("用户名")).to_be_visible()
    _settled(first)

    second.reload()
    _settled(second)
    assert not _signed_in(second), "signing out in one tab left the other signed in"
    expect(second.locator('[data-testid="stSidebar"]').get_by_label("用户名")).to_be_visible()


def test_a_deep_link_to_report_signs_in_in_place_and_opens_report(app: str, context: BrowserContext) -> None:
    page = _visit(context, f"{app}/report?as_of={AS_OF}")
    _settled(page)
    main = '[data-testid="stMain"]'
    expect(page.locator(main).get_by_role("heading", name="登录")).to_be_visible()
    expect(page.locator(main).get_by_label("用户名")).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "session_deep_link.png"))

    _sign_in(page, "zhang", where=main)
    expect(page.locator(main).get_by_role("heading", name="填报")).to_be_visible()
    assert page.url.startswith(f"{app}/report"), page.url
    assert f"as_of={AS_OF}" in page.url

    _session_cookie(context)
    page.reload()
    _settled(page)
    expect(page.locator(main).get_by_role("heading", name="填报")).to_be_visible()
    assert _signed_in(page)


def test_no_page_says_page_not_found(app: str, context: BrowserContext) -> None:
    """Every page the app has, signed out: registered, so none meets Streamlit's English dialog."""
    for path in ("overview", "funding", "indicators", "timeline", "review", "targets", "report", "history",
                 "admin", "audit", "no-such-page"):
        page = _visit(context, f"{app}/{path}?as_of={AS_OF}")
        _settled(page)
        if path == "no-such-page":
            # A link to a page the app does not have: the default page, with a notice in Chinese.
            expect(page.get_by_text("链接指向的页面不存在,已打开总览。", exact=False)).to_be_visible()
        page.close()
