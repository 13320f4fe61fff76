"""Real-browser test of issue 11 item 7: every page speaks Chinese as an office writes it.

Each page (总览, 资金, 指标, 时间线, 评审, 目标表, and signed in as an administrator 填报, 填报记录,
管理 with each of its sections, 审计日志) is opened at 1366×768 on the seed with the sample report,
and ``document.body.innerText`` (what a visitor reads; the glyphs of Material icons are set aside,
since their ligature names such as "dashboard" are drawn as pictures, not read) must hold none of:
"None", "nan"/"NaN", "[]" or a Python list ("['"), a time with microseconds, a zero-padded Chinese
date (2026年01月…), an ISO date (2026-12-31: dates on screen are written 2026年12月31日), and no
whitespace-separated word made only of Latin letters outside a short list of terms an office uses
as they are (PM2.5's "PM", CSV, XLSX …). Streamlit's own English ("Browse files", "Drag and drop",
"200MB per file", "Choose an option") is among what this catches.

Run with ``pytest -m browser tests/test_browser_words.py``. Needs /usr/bin/chromium and fonts-noto-cjk.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser_support import (
    AS_OF,
    SCREENSHOTS,
    TIMEOUT_MS,
    Account,
    Data,
    go,
    launched_chromium,
    new_context,
    run_app,
    screenshot,
    seeded_db,
    sign_in,
    wait_charts,
    wait_idle,
)

pytestmark = pytest.mark.browser

VIEWPORT = (1366, 768)
ADMIN_NAME = "admin"
ADMIN_PASSWORD = "admin-password-1"
# Latin words an office writes as they are, each for a reason:
ALLOWED = frozenset({
    "CSV", "XLSX", "PDF", "DOCX", "TXT", "TSV", "PPTX", "PNG", "SVG",  # file types the dashboard reads and writes
    "GBK", "UTF",  # the encodings a CSV may come in (the upload box says which)
    "PM", "COD", "AQI", "SO", "NO", "NOx", "VOCs",  # pollutant names in the seed's indicators
    "Excel", "WPS",  # the spreadsheet programs the reporting help names
    "F", "Q",  # F11 (full screen on 评审), Q1–Q4 quarters
})
FORBIDDEN = [
    (re.compile(r"\bNone\b"), "None"),
    (re.compile(r"\bnan\b|\bNaN\b"), "nan"),
    (re.compile(r"\[\]"), "[]"),
    (re.compile(r"\['"), "a Python list"),
    (re.compile(r"\d{1,2}:\d{2}:\d{2}\.\d+"), "microseconds"),
    (re.compile(r"\d{4}年0\d月|\d{4}年\d{1,2}月0\d日"), "a zero-padded date"),
    (re.compile(r"(?<!\d)\d{4}-\d{2}-\d{2}(?!\d)"), "an ISO date"),
]
_EDGES = "()()[]【】,,.。:;;:、!!??“”\"'《》<>·•—-–/|+*=%#@&~…"
# innerText with the Material icons' ligature names set aside (they draw pictures, nobody reads them).
VISIBLE_TEXT = """() => {
  // Streamlit marks every Material icon aria-hidden and translate="no", whatever its test id.
  const icons = [...document.querySelectorAll('[data-testid="stIconMaterial"], [aria-hidden="true"][translate="no"]')];
  const kept = icons.map(e => e.style.display);
  icons.forEach(e => { e.style.display = 'none'; });
  const text = document.body.innerText;
  icons.forEach((e, i) => { e.style.display = kept[i]; });
  return text;
}"""


def offences(text: str) -> list[str]:
    """What a visitor should not read in this text: the forbidden patterns, then Latin-only words."""
    found = [f"{why}: …{text[max(0, m.start() - 30):m.end() + 30]}…"
             for pattern, why in FORBIDDEN for m in pattern.finditer(text)]
    for token in text.split():
        word = token.strip(_EDGES)
        if re.fullmatch(r"[A-Za-z]+", word) and word not in ALLOWED:
            found.append(f"English word: {word!r} in {token!r}")
    return found


def test_the_checks_catch_what_they_are_meant_to() -> None:
    assert offences("截至 2026年12月31日 · 红灯 8 项 PM2.5 下载 CSV") == []
    assert offences("200MB per file • CSV, XLSX") == ["English word: 'per' in 'per'", "English word: 'file' in 'file'"]
    kinds = [o.split(":")[0] for o in offences("None nan [] ['a'] 09:03:07.123456 2026年01月05日 2026-12-31")]
    assert kinds[:7] == ["None", "nan", "[]", "a Python list", "microseconds", "a zero-padded date", "an ISO date"]
    assert offences("Browse files") and offences("数据库:perf.duckdb") == []  # the path is checked apart


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Data:
    """Seed plus the sample report as of year end, and an administrator."""
    from analytics.auth import ADMIN

    return seeded_db(tmp_path_factory.mktemp("words_data") / "perf.duckdb",
                     accounts=[Account(ADMIN_NAME, ADMIN_PASSWORD, ADMIN)])


@pytest.fixture(scope="module")
def page(data: Data, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Page]:
    """One visitor's tab (one Streamlit session for the whole walk: a new URL would sign out)."""
    expect.set_options(timeout=TIMEOUT_MS)
    with launched_chromium() as browser, run_app(data, tmp_path_factory.mktemp("words_app")) as url:
        context = new_context(browser, VIEWPORT)
        p = context.new_page()
        p.set_default_timeout(TIMEOUT_MS)
        try:
            p.goto(f"{url}/?as_of={AS_OF}")
            wait_idle(p)
            yield p
        finally:
            context.close()


def _open_expanders(page: Page, most: int = 3) -> None:
    """Open the page's first few expanders: what they hold is text a visitor reads too."""
    closed = page.locator('[data-testid="stMain"] [data-testid="stExpander"] details:not([open]) > summary')
    for _ in range(min(most, closed.count())):
        closed.first.click()
        page.wait_for_timeout(300)
    wait_idle(page)


def _check(page: Page, where: str) -> list[str]:
    wait_idle(page)
    _open_expanders(page)
    wait_charts(page, 0)
    text = page.evaluate(VISIBLE_TEXT)
    screenshot(page, f"words_{where}.png")
    found = [f"{where}: {o}" for o in offences(text)]
    if ".duckdb" in text and where != "管理-设置":
        found.append(f"{where}: the database file is named to a visitor")
    return found


def _dragging_a_file(page: Page) -> str:
    """The visible text while a file is dragged over the upload box (it says where to drop it)."""
    zone = page.locator('[data-testid="stFileUploaderDropzone"]').first
    file = page.evaluate_handle("() => { const d = new DataTransfer();"
                                " d.items.add(new File(['x'], 'a.csv', {type: 'text/csv'})); return d; }")
    zone.dispatch_event("dragenter", {"dataTransfer": file})
    expect(zone.locator(":scope > div:not([data-testid])")).to_be_attached()
    text = page.evaluate(VISIBLE_TEXT)
    zone.screenshot(path=str(SCREENSHOTS / "words_填报-拖放.png"))
    zone.dispatch_event("dragleave", {"dataTransfer": file})
    return text


# A text each section of 管理 shows, and the others do not.
ADMIN_SECTIONS = {"用户": "新建用户", "设置": "查看仪表盘需要登录", "目标表": "修订指标值"}


def test_every_page_speaks_chinese(page: Page) -> None:
    found: list[str] = []
    for title in ("总览", "资金", "指标", "时间线", "导出", "目标表"):  # 目标表 last: its search is tried next
        go(page, title)
        found += _check(page, title)
    # A typed-in search box says how to apply it (Streamlit's "Press Enter to apply"), and counts.
    # Read while the box has the focus: a click elsewhere applies the text and the hint goes.
    box = page.locator('[data-testid="stMain"]').get_by_label("搜索")
    box.press_sequentially("机动车")
    hint = page.locator('[data-testid="stMain"] [data-testid="InputInstructions"]')
    expect(hint).to_be_visible()
    found += [f"目标表-搜索: {o}" for o in offences(page.evaluate(VISIBLE_TEXT))]
    screenshot(page, "words_目标表-搜索.png")
    box.fill("")
    box.press("Enter")
    wait_idle(page)
    # 评审's heading is the summary screen's title, not the page's name.
    go(page, "评审", "项目支出绩效自评汇总")
    found += _check(page, "评审")
    page.get_by_role("button", name="显示侧边栏").click()
    wait_idle(page)

    sign_in(page, ADMIN_NAME, ADMIN_PASSWORD)
    for title in ("填报", "填报记录"):
        go(page, title)
        found += _check(page, title)
        if title == "填报":
            found += [f"填报-拖放: {o}" for o in offences(_dragging_a_file(page))]
        tabs = page.locator('[data-testid="stMain"] [role="tab"]')
        for i in range(1, tabs.count()):
            tabs.nth(i).click()
            page.wait_for_timeout(300)
            found += _check(page, f"{title}-{tabs.nth(i).inner_text().strip()}")
    go(page, "管理")
    radios = page.locator('[data-testid="stMain"] [data-testid="stRadio"] [role="radiogroup"] label')
    for i in range(radios.count()):
        name = radios.nth(i).inner_text().strip()
        radios.nth(i).click()
        # The click's rerun can start after a first idle check: wait for the section's own content.
        expect(page.locator('[data-testid="stMain"]').get_by_text(ADMIN_SECTIONS[name]).first).to_be_visible()
        wait_idle(page)
        found += _check(page, f"管理-{name}")
    go(page, "审计日志")
    found += _check(page, "审计日志")
    assert found == [], "\n".join(found)
