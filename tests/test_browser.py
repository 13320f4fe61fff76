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

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

from tests.conftest import ROOT

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The README shows docs/screenshots/; a normal run writes to build/ so the tree stays clean, and
# UPDATE_SCREENSHOTS=1 refreshes the committed ones.
SCREENSHOTS = ROOT / ("docs/screenshots" if os.environ.get("UPDATE_SCREENSHOTS") else "build/screenshots")
AS_OF = "2026-12-31"
TIMEOUT_MS = 30_000
FUNDING_TOTAL = "615.95"  # 年度资金总额(万元) of the four seed projects


@dataclass(frozen=True)
class PageSpec:
    name: str  # the screenshot's file name
    path: str  # the URL path; the default page (总览) lives at "/", where "/overview" would say "Page not found"
    title: str
    min_charts: int
    viewport: tuple[int, int] = (1920, 1080)  # the README's screenshots; 评审's 1280×720 ones are test_browser_review's
    dated: bool = True  # shows "截至 <as_of>"
    sidebar_hidden: bool = False  # 评审 hides the sidebar for the room; its 显示侧边栏 button brings it back


# Screenshot name, URL path, the page's h1, how many plotly charts it draws at least (the 指标 page draws
# its history chart only when the chosen indicator is quantitative and reported; any chart is waited for).
PAGES = [
    PageSpec("overview", "", "总览", 2),
    PageSpec("funding", "funding", "资金", 4),
    PageSpec("indicators", "indicators", "指标", 0),
    PageSpec("timeline", "timeline", "时间线", 1),
    PageSpec("review", "review", "项目支出绩效自评汇总", 1, sidebar_hidden=True),
    PageSpec("targets", "targets", "目标表", 0, dated=False),
]


@dataclass(frozen=True)
class Data:
    db: Path
    project_ids: list[int]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.read().decode().strip() == "ok":
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise TimeoutError(f"streamlit did not answer at {url} within {timeout:.0f} s")


@contextmanager
def _run_app(data: Data, workdir: Path) -> Iterator[str]:
    """``streamlit run app.py`` on its own copy of the database (DuckDB locks the file per process)."""
    db = workdir / "perf.duckdb"
    shutil.copyfile(data.db, db)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with (workdir / "streamlit.log").open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env={**os.environ, "PERF_DB": str(db)}, stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            _wait_healthy(url, proc)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@contextmanager
def launched_chromium() -> Iterator[Browser]:
    """Debian's chromium under Playwright with the flags this closed network needs."""
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def require_browser() -> None:
    """Debian's chromium and a CJK font, which the test command installs."""
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's chromium at /usr/bin/chromium (apt-get install -y chromium)")
    fonts = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout if shutil.which(
        "fc-list") else ""
    if not fonts.strip():
        pytest.fail("no CJK font: Chinese text would show as boxes (apt-get install -y fonts-noto-cjk)")


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Data:
    """Seed plus the sample report, as of year end; the project ids in the sidebar's order."""
    from analytics import services
    from analytics.dashboard import filter_options
    from analytics.storage import Store

    require_browser()
    db = tmp_path_factory.mktemp("browser_data") / "perf.duckdb"
    store = Store.open(db)
    try:
        services.load_seed_if_empty(store)
        sample = ROOT / "data" / "samples" / "actuals_2026.xlsx"
        services.load_report(store, sample.read_bytes(), sample.name, today=date(2026, 12, 31))
        ids = [int(p) for p in filter_options(store)["project_id"]]
    finally:
        store.close()
    return Data(db, ids)


@pytest.fixture(scope="module")
def browser(data: Data) -> Iterator[Browser]:
    expect.set_options(timeout=TIMEOUT_MS)
    with launched_chromium() as b:
        yield b


@pytest.fixture(scope="module")
def app(data: Data, browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app's base URL, after a first visit to "/"; a fresh server's first request has its own test."""
    with _run_app(data, tmp_path_factory.mktemp("browser_app")) as url:
        page = _open(browser, f"{url}/?as_of={AS_OF}")
        try:
            _wait_idle(page)
        finally:
            page.context.close()
        yield url


def _open(browser: Browser, url: str, viewport: tuple[int, int] = (1440, 900)) -> Page:
    """A fresh page (own context, so its own Streamlit session) at ``url``."""
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(url)
    return page


def _wait_idle(page: Page) -> None:
    """Until the script run has finished and nothing shows "running"."""
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for()
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden")


def _wait_charts(page: Page, at_least: int) -> int:
    """Every plotly chart has drawn its SVG; a short extra wait lets transitions and text layout settle."""
    charts = page.locator(".js-plotly-plot")
    if at_least:
        charts.nth(at_least - 1).wait_for()
    count = charts.count()
    for i in range(count):
        charts.nth(i).locator(".main-svg").first.wait_for()
    if count:
        page.wait_for_timeout(1000)
    return count


def _metric(page: Page, label: str) -> Locator:
    """The value element of the st.metric with this exact label."""
    card = page.locator('[data-testid="stMetric"]').filter(
        has=page.locator('[data-testid="stMetricLabel"]', has_text=label))
    expect(card).to_have_count(1)
    return card.locator('[data-testid="stMetricValue"]')


def _assert_no_exception(page: Page) -> None:
    """No Streamlit exception box; its text goes into the failure message."""
    boxes = page.locator('[data-testid="stException"]')
    texts = [boxes.nth(i).inner_text() for i in range(boxes.count())]
    assert not texts, f"exception on {page.url}:\n" + "\n---\n".join(texts)


def _assert_no_dialog(page: Page) -> None:
    """No modal such as Streamlit's "Page not found" (it also makes the page behind it inert)."""
    dialogs = page.locator('[role="dialog"]')
    texts = [dialogs.nth(i).inner_text() for i in range(dialogs.count())]
    assert not texts, f"dialog on {page.url}: {texts}"


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


def _full_page_screenshot(page: Page, path: Path, viewport: tuple[int, int]) -> None:
    """Streamlit scrolls inside its main container, so grow the viewport to the content before shooting."""
    height = page.evaluate(
        """() => Math.max(document.documentElement.scrollHeight, ...[...document.querySelectorAll(
                 '[data-testid="stMain"], [data-testid="stMainBlockContainer"], [data-testid="stSidebarContent"]')]
                 .map(e => e.scrollHeight))"""
    )
    page.set_viewport_size({"width": viewport[0], "height": max(viewport[1], int(height))})
    page.wait_for_timeout(800)  # plotly relayouts on resize
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})


@pytest.mark.parametrize("spec", PAGES, ids=[p.name for p in PAGES])
def test_page_renders_without_exception(app: str, browser: Browser, spec: PageSpec) -> None:
    page = _open(browser, f"{app}/{spec.path}?as_of={AS_OF}", spec.viewport)
    try:
        expect(page.locator("h1", has_text=spec.title).first).to_be_visible()
        _wait_idle(page)
        charts = _wait_charts(page, spec.min_charts)
        assert charts >= spec.min_charts
        _assert_no_exception(page)
        _assert_no_dialog(page)
        if spec.sidebar_hidden:
            expect(page.locator('[data-testid="stSidebar"]').get_by_text("筛选", exact=True)).to_be_hidden()
            page.get_by_role("button", name="显示侧边栏").click()
            _wait_idle(page)
        _assert_app_sidebar(page)
        if spec.sidebar_hidden:
            page.get_by_role("button", name="隐藏侧边栏").click()
            _wait_idle(page)
        if spec.dated:
            expect(page.get_by_text("2026年12月31日").first).to_be_visible()
        expanders = page.locator('[data-testid="stExpander"] summary')
        if spec.name == "targets" and expanders.count():
            expanders.first.click()  # show one project's target table in the screenshot
            details = page.locator('[data-testid="stExpanderDetails"]').first
            details.locator('[data-testid="stDataFrame"], [data-testid="stTable"]').first.wait_for()
            page.wait_for_timeout(500)  # the expander's opening animation
        _full_page_screenshot(page, SCREENSHOTS / f"{spec.name}.png", spec.viewport)
    finally:
        page.context.close()


def test_sidebar_project_filter_changes_numbers_and_url(app: str, browser: Browser, data: Data) -> None:
    page = _open(browser, f"{app}/?as_of={AS_OF}")
    try:
        _wait_idle(page)
        _assert_no_dialog(page)
        expect(_metric(page, "项目数")).to_have_text("4")
        total = _metric(page, "年度资金总额(万元)")
        expect(total).to_have_text(FUNDING_TOTAL)

        picker = page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').filter(
            has=page.get_by_text("项目", exact=True))
        picker.click()
        # Streamlit's multiselect lists "Select all" first; the first project comes after it.
        options = page.locator('[role="listbox"] [role="option"]').filter(has_not_text="Select all")
        expect(options).to_have_count(len(data.project_ids))
        options.first.click()
        page.keyboard.press("Escape")

        expect(_metric(page, "项目数")).to_have_text("1")
        expect(total).not_to_have_text(FUNDING_TOTAL)
        _wait_idle(page)
        assert f"project={data.project_ids[0]}" in page.url
    finally:
        page.context.close()


@pytest.mark.parametrize("index", [0, 1], ids=["first_project", "second_project"])
def test_copied_link_restores_the_view(app: str, browser: Browser, data: Data, index: int) -> None:
    pid = data.project_ids[index]
    page = _open(browser, f"{app}/?as_of={AS_OF}&project={pid}")
    try:
        _wait_idle(page)
        expect(_metric(page, "项目数")).to_have_text("1")
        expect(_metric(page, "年度资金总额(万元)")).not_to_have_text(FUNDING_TOTAL)
        _assert_no_exception(page)
        _assert_no_dialog(page)
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
    with _run_app(data, tmp_path) as url:
        page = _open(browser, f"{url}/{spec.path}?as_of={AS_OF}&project={pid}")
        try:
            expect(page.locator("h1", has_text=spec.title).first).to_be_visible()
            _wait_idle(page)
            _assert_no_exception(page)
            _assert_no_dialog(page)
            if spec.sidebar_hidden:
                page.get_by_role("button", name="显示侧边栏").click()
                _wait_idle(page)
            _assert_app_sidebar(page)
            expect(_metric(page, "年度资金总额(万元)")).not_to_have_text(FUNDING_TOTAL)  # the link's project
        finally:
            page.context.close()
