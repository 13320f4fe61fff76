"""Real-browser test of the 填报 page: a reporter signs in, uploads a file, previews it and commits it.

A fresh database holds the seed only (no reports) and one 填报员 for the seed's implementing unit; each
test runs the app as a real server on its own copy. The good upload is the sample report
(data/samples/actuals_2026.xlsx: 50 indicator rows, 5 spending rows): its preview says every row passed,
提交全部 writes it, and 总览's numbers change. A bad CSV (an unknown indicator, a number that is not one)
shows both rows in the error table, offers no 提交全部 and writes nothing.

Screenshots report_preview.png and report_done.png go to build/screenshots/ (docs/screenshots/ with
UPDATE_SCREENSHOTS=1), like tests/test_browser.py.

Run with ``pytest -m browser tests/test_browser_upload.py``. Needs /usr/bin/chromium and fonts-noto-cjk.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.browser_support import (
    AS_OF,
    SCREENSHOTS,
    Account,
    Data,
    assert_no_exception,
    full_page_screenshot,
    go,
    grid_rows,
    metric,
    nav_link,
    open_page,
    run_app,
    seeded_db,
    sign_in,
    wait_idle,
)
from tests.conftest import ROOT

pytestmark = pytest.mark.browser

SAMPLE = ROOT / "data" / "samples" / "actuals_2026.xlsx"
USERNAME = "wang"
PASSWORD = "password123"
UNIT = "南昌市生态环境污染防治中心"  # all four seed projects belong to it
VIEWPORT = (1440, 900)
# 总览 at 2026-12-31 as (平均自评得分, 红灯占比, 灰灯占比). Without reports the deadline indicators are
# already red or yellow (docs/domain.md §5: a deadline indicator is never grey), so grey is not 100%.
BEFORE = ("0.00", "5.1%", "93.2%")
AFTER = ("77.11", "13.6%", "16.9%")  # after the sample report
PROJECT = "生态环保行业管理_机动车污染防治项目"  # the sample's first project
BAD_CSV = (
    "项目名称,三级指标,实际完成值,截至日期\n"
    f"{PROJECT},不存在的指标,10,2026-11-20\n"
    f"{PROJECT},移动源污染防治相关平台数据上传率,abc,2026-11-20\n"  # a rate in %, so it needs a number
)


@pytest.fixture(scope="module")
def seed_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed without any report, plus the reporter ``wang`` for the seed's unit."""
    reporter = Account(USERNAME, PASSWORD, "填报员", (UNIT,))
    return seeded_db(tmp_path_factory.mktemp("upload_data") / "perf.duckdb", sample_report=False,
                     accounts=[reporter]).db


@pytest.fixture
def page(seed_db: Path, browser: Browser, tmp_path: Path) -> Iterator[Page]:
    """A signed-in reporter's tab on 总览, against a server of its own (a fresh copy of the database)."""
    with run_app(Data(seed_db, []), tmp_path) as url:
        p = open_page(browser, f"{url}/?as_of={AS_OF}", VIEWPORT)
        try:
            wait_idle(p)
            _sign_in(p, USERNAME, PASSWORD)
            yield p
        finally:
            p.context.close()


def _sign_in(page: Page, username: str, password: str) -> None:
    """Through the sidebar's form; the 填报 section then appears in the navigation."""
    sign_in(page, username, password)
    expect(nav_link(page, "填报")).to_be_visible()


def _overview(page: Page) -> tuple[str, str, str]:
    """总览's (平均自评得分, 红灯占比, 灰灯占比) as shown."""
    go(page, "总览")
    expect(page.get_by_text("2026年12月31日").first).to_be_visible()  # the as_of of the first URL carried over
    score, red, grey = (metric(page, label).inner_text() for label in ("平均自评得分", "红灯占比", "灰灯占比"))
    return score, red, grey


def _upload_tab(page: Page) -> Locator:
    """The 上传文件 tab's panel (the other tabs hold data editors, also stDataFrame)."""
    page.get_by_role("tab", name="上传文件").click()
    panel = page.locator('[role="tabpanel"]').filter(has=page.locator('[data-testid="stFileUploader"]'))
    expect(panel).to_have_count(1)
    return panel


def _upload(page: Page, path: Path) -> Locator:
    panel = _upload_tab(page)
    panel.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(path)
    expect(panel.get_by_role("button", name=f"Remove {path.name}")).to_be_visible()  # the uploaded file's chip
    return panel


def _grid_size(table: Locator) -> int:
    """How many data rows a st.dataframe holds (the ARIA row count includes the header)."""
    return int(table.locator('[role="grid"]').first.get_attribute("aria-rowcount") or 0) - 1


def test_upload_preview_commit_changes_overview(page: Page) -> None:
    assert _overview(page) == BEFORE

    go(page, "填报")
    panel = _upload(page, SAMPLE)
    expect(panel.get_by_text("全部 55 行检查通过:新增 55 行,更改 0 行,不变 0 行。")).to_be_visible()
    tables = panel.locator('[data-testid="stDataFrame"]')
    expect(tables).to_have_count(2)  # indicators, then spending
    actuals, spending = tables.nth(0), tables.nth(1)
    assert (_grid_size(actuals), _grid_size(spending)) == (50, 5)
    # 状态, 行, 项目, 三级指标, 截至日期, 原值, 新值 (then the light, 完成目标可能性 and the note, further
    # right): the file's first row, nothing reported before.
    assert grid_rows(actuals)[0][:7] == ["新增", "2", PROJECT, "移动源污染防治相关平台升级及打包运维服务项目费用",
                                         "2026年6月30日", "", "30万元"]
    # 状态, 行, 项目, 截至日期, 原值, 新值, 说明 (issue 11: the note is shown; 全年预计执行数 and
    # 实际完成情况 of issue 12 follow, further right).
    assert [r[:7] for r in grid_rows(spending)[:2]] == [["新增", "2", PROJECT, "2026年6月30日", "", "30.00", ""],
                                                        ["新增", "3", PROJECT, "2026年11月20日", "", "76.00", ""]]
    commit = panel.get_by_role("button", name="提交全部")
    expect(commit).to_be_visible()
    wait_idle(page)
    assert_no_exception(page)
    full_page_screenshot(page, SCREENSHOTS / "report_preview.png", VIEWPORT)

    commit.click()
    expect(panel.get_by_text("已提交:指标 50 条,预算执行 5 条。")).to_be_visible()
    wait_idle(page)
    assert_no_exception(page)
    expect(panel.get_by_role("button", name="提交全部")).to_have_count(0)  # the uploader starts empty again
    expect(panel.get_by_role("button", name=f"Remove {SAMPLE.name}")).to_have_count(0)
    full_page_screenshot(page, SCREENSHOTS / "report_done.png", VIEWPORT)

    go(page, "填报记录")
    reports = page.locator('[role="tabpanel"]').first.locator('[data-testid="stDataFrame"]').first
    reports.locator('[role="grid"]').wait_for(state="attached")
    assert _grid_size(reports) == 50
    assert _overview(page) == AFTER


def test_bad_csv_shows_every_error_and_writes_nothing(page: Page, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD_CSV, encoding="utf-8")

    go(page, "填报")
    panel = _upload(page, bad)
    expect(panel.get_by_text("有 2 处错误,整个文件不会写入。请改正后重新上传:")).to_be_visible()
    wait_idle(page)
    assert_no_exception(page)
    tables = panel.locator('[data-testid="stDataFrame"]')
    expect(tables).to_have_count(1)
    rows = grid_rows(tables.first)  # 工作表 (none in a CSV), 行, 列, 值, 原因
    assert [r[:4] for r in rows] == [["", "2", "三级指标", "不存在的指标"], ["", "3", "实际完成值", "abc"]], rows
    assert "找不到这个三级指标" in rows[0][4] and "不是数字" in rows[1][4], rows
    expect(panel.get_by_role("button", name="提交全部")).to_have_count(0)
    expect(panel.get_by_text("行检查通过")).to_have_count(0)

    go(page, "填报记录")
    expect(page.get_by_text("还没有指标填报。")).to_be_visible()
    assert _overview(page) == BEFORE
