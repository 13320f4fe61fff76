"""Real-browser test of on-screen reporting at 1366×768 (issue 11 item 6).

A reporter signs in and opens 填报's 在线填报指标 tab: the grid's columns (the indicator, its target,
its latest value, and every column the reporter types in) are all on screen without horizontal
scrolling, and no cell shows "None". The grid draws on a canvas, so what it paints is read by
wrapping ``CanvasRenderingContext2D.fillText`` before the page loads; the ARIA mirror gives the
header names. 填报记录 is checked for "None" the same way.

The database holds the seed, the reporter ``wang`` and one earlier report (so that some rows have a
latest value and others none). The screenshot report_entry.png goes to build/screenshots/
(docs/screenshots/ with UPDATE_SCREENSHOTS=1).

Run with ``pytest -m browser tests/test_browser_reporting.py``. Needs /usr/bin/chromium and fonts-noto-cjk.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.browser_support import (
    AS_OF,
    SCREENSHOTS,
    TIMEOUT_MS,
    Account,
    Data,
    assert_no_exception,
    go,
    new_context,
    run_app,
    seeded_db,
    wait_idle,
)
from tests.test_browser_upload import PASSWORD, PROJECT, UNIT, USERNAME, _sign_in

pytestmark = pytest.mark.browser

VIEWPORT = (1366, 768)
# The grid's headers as shown (偏差原因分析及改进措施 is labelled shorter to fit).
EDITABLE = ("实际完成值", "截至日期", "评定得分率", "完成目标可能性", "偏差原因及改进措施")
EARLIER = ("项目名称,三级指标,实际完成值,截至日期\n"
           f"{PROJECT},群众满意度,96%,2026-11-20\n")
# Every string a canvas paints, in order, from the first script of each document.
RECORD_CANVAS = """(() => {
  window.__painted = [];
  const fill = CanvasRenderingContext2D.prototype.fillText;
  CanvasRenderingContext2D.prototype.fillText = function (text, ...rest) {
    window.__painted.push(String(text));
    return fill.call(this, text, ...rest);
  };
})()"""


@pytest.fixture(scope="module")
def seed_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from analytics import accounts, services
    from analytics.storage import Store

    db = seeded_db(tmp_path_factory.mktemp("reporting_data") / "perf.duckdb", sample_report=False,
                   accounts=[Account(USERNAME, PASSWORD, "填报员", (UNIT,))]).db
    store = Store.open(db)
    try:
        services.commit_report(store, accounts.current_user(store, USERNAME), EARLIER.encode(), "先报.csv")
        services.commit_report(store, accounts.current_user(store, USERNAME),
                               f"项目名称,截至日期,预算执行数(万元),说明\n{PROJECT},2026-11-20,50,\n".encode(),
                               "预算.csv")
    finally:
        store.close()
    return db


@pytest.fixture
def page(seed_db: Path, browser: Browser, tmp_path: Path) -> Iterator[Page]:
    """A signed-in reporter's tab at 1366×768 whose canvases are recorded."""
    with run_app(Data(seed_db, []), tmp_path) as url:
        context = new_context(browser, VIEWPORT)
        context.add_init_script(RECORD_CANVAS)
        p = context.new_page()
        p.set_default_timeout(TIMEOUT_MS)
        try:
            p.goto(f"{url}/?as_of={AS_OF}")
            wait_idle(p)
            _sign_in(p, USERNAME, PASSWORD)
            yield p
        finally:
            context.close()


def _painted(page: Page) -> list[str]:
    return page.evaluate("() => window.__painted")


def _entry_grid(page: Page) -> Locator:
    page.get_by_role("tab", name="在线填报指标").click()
    grid = page.locator('[role="tabpanel"]:visible [data-testid="stDataFrame"]').first
    grid.locator('[role="gridcell"]').first.wait_for(state="attached")
    wait_idle(page)
    page.wait_for_timeout(500)  # the canvas paints after the grid is attached
    return grid


def test_entry_grid_fits_at_1366_and_shows_no_none(page: Page) -> None:
    go(page, "填报")
    grid = _entry_grid(page)
    scroll, client = grid.evaluate(
        "g => { const s = g.querySelector('.dvn-scroller'); return [s.scrollWidth, s.clientWidth]; }")
    assert scroll <= client, f"the grid scrolls sideways: {scroll} px of content in {client} px"
    headers = grid.locator('[role="columnheader"]').evaluate_all("hs => hs.map(h => h.textContent.trim())")
    assert [h for h in EDITABLE if h not in headers] == [], headers
    assert headers.index("三级指标") < headers.index("实际完成值")
    rows = grid.locator('[role="row"]').evaluate_all(
        "rows => rows.map(r => [...r.querySelectorAll('[role=gridcell]')].map(c => c.textContent.trim()))"
        ".filter(cells => cells.length)")
    assert len(rows) == 10 and [c for r in rows for c in r if c == "96%"] == ["96%"]  # the latest value, once
    painted = _painted(page)
    assert "群众满意度" in painted  # the recorder sees the grid
    assert "None" not in painted
    assert "None" not in page.locator('[data-testid="stMain"]').inner_text()
    assert not [t for t in painted if t.startswith("'")]  # no apostrophe before "=1次"
    assert_no_exception(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "report_entry.png"))


def test_history_shows_no_none(page: Page) -> None:
    go(page, "填报记录")
    tables = page.locator('[data-testid="stDataFrame"]')
    tables.first.locator('[role="gridcell"]').first.wait_for(state="attached")
    painted = _painted(page)
    page.evaluate("() => { window.__painted = []; }")  # from here: the spending tab's grid only
    page.get_by_role("tab", name="预算执行填报").click()
    expect(page.locator('[role="tabpanel"]:visible').get_by_text("撤回一条填报")).to_be_visible()
    page.wait_for_timeout(500)
    spending = _painted(page)
    # The spending report is named by its project (a long name is painted cut to its column).
    assert "项目编号" not in spending and [t for t in spending if t.startswith(PROJECT[:8])], spending
    assert "None" not in painted + spending
    assert "None" not in page.locator('[data-testid="stMain"]').inner_text()
