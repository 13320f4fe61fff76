"""What every real-browser test (and the browser benchmark) shares: a database to serve, a real
``streamlit run`` on a free port, Debian's chromium under Playwright, and the waits and checks that
read Streamlit's page.

Needs /usr/bin/chromium and fonts-noto-cjk (``apt-get install -y chromium fonts-noto-cjk``, which the
test command does); no browser is downloaded.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
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
COMMITTED_SCREENSHOTS = bool(os.environ.get("UPDATE_SCREENSHOTS"))
SCREENSHOTS = ROOT / ("docs/screenshots" if COMMITTED_SCREENSHOTS else "build/screenshots")
AS_OF = "2026-12-31"
TIMEOUT_MS = 30_000
SAMPLE_REPORT = ROOT / "data" / "samples" / "actuals_2026.xlsx"
SIDEBAR = '[data-testid="stSidebar"]'


@dataclass(frozen=True)
class Data:
    db: Path
    project_ids: list[int]


@dataclass(frozen=True)
class Account:
    name: str
    password: str
    role: str
    units: tuple[str, ...] | None = None
    display_name: str | None = None


def require_browser() -> None:
    """Debian's chromium and a CJK font, which the test command installs."""
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's chromium at /usr/bin/chromium (apt-get install -y chromium)")
    fonts = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout if shutil.which(
        "fc-list") else ""
    if not fonts.strip():
        pytest.fail("no CJK font: Chinese text would show as boxes (apt-get install -y fonts-noto-cjk)")


def seeded_db(path: Path, *, sample_report: bool = True, accounts: Sequence[Account] = ()) -> Data:
    """The seed (plus the sample report as of year end, and these accounts) in a new database file."""
    from analytics import accounts as account_service
    from analytics import services
    from analytics.dashboard import filter_options
    from analytics.storage import Store

    require_browser()
    store = Store.open(path)
    try:
        services.load_seed_if_empty(store)
        if sample_report:
            services.load_report(store, SAMPLE_REPORT.read_bytes(), SAMPLE_REPORT.name, today=date(2026, 12, 31))
        for a in accounts:
            account_service.add_user(store, None, a.name, a.password, a.role,
                                     list(a.units) if a.units is not None else None, display_name=a.display_name)
        ids = [int(p) for p in filter_options(store)["project_id"]]
    finally:
        store.close()
    return Data(path, ids)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float) -> None:
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
def serve(script: Path, cwd: Path, env: Mapping[str, str], log: Path, timeout: float = 60.0,
          extra_args: Sequence[str] = ()) -> Iterator[str]:
    """``streamlit run script`` on a free local port until the block ends; yields the base URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
             *extra_args],
            cwd=cwd, env=dict(env), stdout=out, stderr=subprocess.STDOUT,
        )
        try:
            _wait_healthy(url, proc, timeout)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@contextmanager
def run_app(data: Data | Path, workdir: Path) -> Iterator[str]:
    """The dashboard (``app.py``) on its own copy of the database (DuckDB locks the file per process)."""
    db = workdir / "perf.duckdb"
    shutil.copyfile(data.db if isinstance(data, Data) else data, db)
    with serve(ROOT / "app.py", ROOT, {**os.environ, "PERF_DB": str(db)}, workdir / "streamlit.log") as url:
        yield url


@contextmanager
def warmed_app(data: Data | Path, browser: Browser, workdir: Path) -> Iterator[str]:
    """``run_app`` after a first visit to "/", so that a test meets warm caches (a fresh server's
    first request is a case of its own)."""
    with run_app(data, workdir) as url:
        page = open_page(browser, f"{url}/?as_of={AS_OF}")
        try:
            wait_idle(page)
        finally:
            page.context.close()
        yield url


@contextmanager
def launched_chromium() -> Iterator[Browser]:
    """Debian's chromium under Playwright with the flags this closed network needs."""
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def new_context(browser: Browser, viewport: tuple[int, int] = (1440, 900)) -> BrowserContext:
    """A fresh context (its own cookies, so its own Streamlit session and sign-in)."""
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    return context


def open_page(browser: Browser, url: str, viewport: tuple[int, int] = (1440, 900)) -> Page:
    """A page of a fresh context at ``url``."""
    page = new_context(browser, viewport).new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(url)
    return page


def wait_idle(page: Page) -> None:
    """Until the script run has finished, nothing shows "running" and no element is still a loading
    skeleton (a fresh context draws widgets, tables and charts only once their code has arrived)."""
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for()
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden")
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stSkeleton\"]')", polling=100)


def wait_charts(page: Page, at_least: int) -> int:
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


def metric(page: Page, label: str) -> Locator:
    """The value element of the st.metric with this exact label."""
    card = page.locator('[data-testid="stMetric"]').filter(
        has=page.locator('[data-testid="stMetricLabel"]', has_text=label))
    expect(card).to_have_count(1)
    return card.locator('[data-testid="stMetricValue"]')


def grid_rows(table: Locator) -> list[list[str]]:
    """The cells of a st.dataframe's rows in view: glide draws on a canvas and mirrors them in an ARIA grid."""
    table.locator('[role="gridcell"]').first.wait_for(state="attached")
    return table.locator('[role="row"]').evaluate_all(
        "rows => rows.map(r => [...r.querySelectorAll('[role=gridcell]')].map(c => c.textContent.trim()))"
        ".filter(cells => cells.length)")


def grid_headers(table: Locator) -> list[str]:
    """The column headers of a st.dataframe (its ARIA mirror)."""
    table.locator('[role="gridcell"]').first.wait_for(state="attached")
    return table.locator('[role="grid"]').first.evaluate(
        "g => [...g.querySelectorAll('[role=columnheader]')].map(h => h.textContent.trim())")


def assert_no_exception(page: Page) -> None:
    """No Streamlit exception box; its text goes into the failure message."""
    boxes = page.locator('[data-testid="stException"]')
    texts = [boxes.nth(i).inner_text() for i in range(boxes.count())]
    assert not texts, f"exception on {page.url}:\n" + "\n---\n".join(texts)


def assert_no_dialog(page: Page) -> None:
    """No modal such as Streamlit's "Page not found" (it also makes the page behind it inert)."""
    dialogs = page.locator('[role="dialog"]')
    texts = [dialogs.nth(i).inner_text() for i in range(dialogs.count())]
    assert not texts, f"dialog on {page.url}: {texts}"


def full_page_screenshot(page: Page, path: Path, viewport: tuple[int, int]) -> None:
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
    _keep_small(path)
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})


def screenshot(page: Page, path: Path | str) -> Path:
    """What the window shows, as ``path`` (a bare name goes into SCREENSHOTS)."""
    path = Path(path) if isinstance(path, Path) else SCREENSHOTS / path
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path))
    _keep_small(path)
    return path


def _keep_small(path: Path) -> None:
    # Committed screenshots are kept in the repository: 256 colours hold flat UI and charts at about a
    # third of the bytes, with no visible change.
    if COMMITTED_SCREENSHOTS:
        from PIL import Image

        with Image.open(path) as img:
            small = img.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
        small.save(path, optimize=True)


def sign_in(page: Page, name: str, password: str, where: str = SIDEBAR) -> None:
    """Through the sign-in form in ``where`` (the sidebar's, or a page's own in place of the page)."""
    area = page.locator(where)
    area.get_by_label("用户名").fill(name)
    area.get_by_label("密码").fill(password)
    page.wait_for_timeout(300)
    # Streamlit's own English hint under a typed-in form field is not shown.
    assert "Press Enter" not in page.evaluate("document.body.innerText")
    area.get_by_role("button", name="登录", exact=True).click()
    wait_idle(page)
    expect(page.locator(SIDEBAR).get_by_text(re.compile("^已登录"))).to_be_visible()


def nav_link(page: Page, title: str) -> Locator:
    """The sidebar menu's link to a page (app.py's own page links)."""
    return page.locator(f'{SIDEBAR} [data-testid="stPageLink-NavLink"]').get_by_text(title, exact=True)


def go(page: Page, title: str, heading: str | None = None) -> None:
    """Click a page in the sidebar (a typed URL would start a new session) and wait for its h1."""
    nav_link(page, title).click()
    wanted = heading or title
    # Exact: 填报记录's h1 is not 填报's.
    expect(page.locator("h1").filter(has_text=re.compile(f"^{re.escape(wanted)}$"))).to_be_visible()
    wait_idle(page)
    assert_no_exception(page)
    assert_no_dialog(page)
