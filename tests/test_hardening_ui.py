"""Issue 10, items 4-6: bounded input before storing, formula-safe tables, user data shown as text.

A hostile target table (markdown images and links, HTML, formulas in 项目名称, 实施单位, 项目属性,
年度绩效目标 and an indicator name), a hostile display name and hostile audit lines are stored; then every
page runs in AppTest and what each widget is given is checked:

* every table (st.dataframe / st.data_editor, whose toolbar offers "Download as CSV") holds no cell that a
  spreadsheet would run as a formula;
* every widget that renders markdown holds the escaped text, never a live ``![..](..)``, ``[..](..)`` or tag;
* Plotly figures hold no tag and no markdown link.
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analytics import accounts, services
from analytics.auth import ADMIN, REPORTER, User
from analytics.model import InputError
from analytics.reports import ReportRefused
from analytics.safetext import clip_file_name, escape_html, escape_markdown
from analytics.settings import load_settings
from analytics.storage import Audit, Store
from pages.common import SEEN_KEY, USER_KEY
from tests.conftest import ROOT
from tests.fixtures import small_table
from tests.test_reporting_pages import P1, UNIT, actual, csv_file, steady_navigation  # noqa: F401

APP = str(ROOT / "app.py")
EVIL = "http://evil.example"
IMAGE = f"![x]({EVIL}/x.png)"
LINK = f"[点此登录]({EVIL}/login)"
HOSTILE_PROJECT = f"恶意项目{IMAGE}{LINK}"
HOSTILE_UNIT = f"恶意单位{IMAGE}"
HOSTILE_ATTRIBUTE = f"当年项目{LINK}"
HOSTILE_GOAL = f"目标{IMAGE}<img src='{EVIL}/i.png'>{LINK}**粗体**"
HOSTILE_INDICATOR = f'=HYPERLINK("{EVIL}","指标"){IMAGE}'
HOSTILE_TABLE = small_table(HOSTILE_PROJECT, f"""
产出指标\t数量指标\t{HOSTILE_INDICATOR}\t=4次
效益指标\t社会效益\t服务效果{LINK}\t提升
满意度\t服务对象满意度\t满意度\t≥95%
""", unit=HOSTILE_UNIT, goal=HOSTILE_GOAL).replace("当年项目", HOSTILE_ATTRIBUTE)
HOSTILE_DISPLAY = f"管理员{IMAGE}"
FORMULA_NAME = f'=HYPERLINK("{EVIL}","点我")'
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Live markdown: an image or link not escaped, or a raw tag.
LIVE_MARKUP = re.compile(r"(?<!\\)!(?<!\\)\[|(?<!\\)\]\((?!\\)|(?<!\\)<(img|a)\b")

PAGES = ["pages/overview.py", "pages/funding.py", "pages/indicators.py", "pages/timeline.py", "pages/review.py",
         "pages/targets.py", "pages/report.py", "pages/history.py", "pages/admin.py", "pages/audit.py"]


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hardening") / "hostile.duckdb"
    store = Store.open(path)
    try:
        services.load_seed_if_empty(store)
        services.import_bytes(store, HOSTILE_TABLE.encode("utf-8"), "恶意.txt")
        accounts.add_user(store, None, "admin", "admin-pass-1", ADMIN, [], HOSTILE_DISPLAY)
        store.log(Audit(FORMULA_NAME, "登录失败", "+cmd|' /C calc'!A0", "@SUM(1+1).csv"))
        store.log(Audit("-2+3", "登录失败", "\t=1+1", "\r=1+1"))
    finally:
        store.close()
    return path


@pytest.fixture
def db(app_db: Path, hostile_db: Path) -> Path:
    shutil.copy(hostile_db, app_db)
    wal = hostile_db.with_name(hostile_db.name + ".wal")
    if wal.exists():
        shutil.copy(wal, app_db.with_name(app_db.name + ".wal"))
    return app_db


def admin_on(page: str) -> AppTest:
    """The administrator on ``page`` (signed in through the session, as the sign-in form leaves it)."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["as_of"] = "2026-12-31"
    at.session_state[USER_KEY] = "admin"
    at.session_state[SEEN_KEY] = pd.Timestamp.now().to_pydatetime()
    at.run()
    assert not at.exception, at.exception
    at.switch_page(page)
    at.run()
    assert not at.exception, at.exception
    return at


def formula_cells(frame: pd.DataFrame) -> list[str]:
    cells = [*map(str, frame.columns), *frame.astype(object).to_numpy().ravel().tolist()]
    # A signed number ("-5") is read as a number, not run: not a formula.
    return [c for c in cells if isinstance(c, str) and c.startswith(FORMULA_START)
            and not re.fullmatch(r"[+-]\d+(\.\d+)?%?", c)]


def plotly_texts(spec: Any, key: str = "") -> list[str]:
    """Every string of a figure that Plotly shows (ids and the like are not shown, so not checked)."""
    if isinstance(spec, dict):
        return [t for k, v in spec.items() if k not in ("ids", "parents") for t in plotly_texts(v, k)]
    if isinstance(spec, list):
        return [t for v in spec for t in plotly_texts(v, key)]
    return [spec] if isinstance(spec, str) else []


def markdown_texts(at: AppTest) -> list[str]:
    """What every markdown-rendering element on the page (main and sidebar) was given."""
    texts: list[str] = []
    for kind in ("markdown", "caption", "title", "header", "subheader", "success", "info", "warning", "error"):
        texts += [e.value for e in at.get(kind) if not getattr(e, "allow_html", False)]
    texts += [e.value for e in at.get("markdown") if getattr(e, "allow_html", False)]
    for m in at.metric:
        texts += [m.label, m.value]
    texts += [e.label for e in at.expander]
    return texts


# -- item 6: user data is text ------------------------------------------------------------------------------


def test_escaping_keeps_plain_text_and_kills_links_images_and_tags() -> None:
    assert escape_markdown("≥98.1%") == "≥98.1%"
    for hostile in (IMAGE, LINK, f"<img src='{EVIL}/i.png'>", f"访问 {EVIL}/login", "# 标题\n\n![a](b)"):
        out = escape_markdown(hostile)
        assert not LIVE_MARKUP.search(out) and "\n" not in out, out
        assert not re.search(r"(?i)(https?://|www\.)", out), out  # a bare URL is no autolink
    assert "<" not in escape_html(f"<a href='{EVIL}'>x</a>") and "[" not in escape_html(LINK)


@pytest.mark.parametrize("page", PAGES)
def test_no_page_renders_user_markdown_or_html(db: Path, page: str) -> None:
    at = admin_on(page)
    texts = markdown_texts(at)
    assert texts, "the page shows no text at all"
    live = [t for t in texts if LIVE_MARKUP.search(t) or EVIL + "/" in t]
    assert not live, live
    for chart in at.get("plotly_chart"):
        shown = plotly_texts(json.loads(chart.proto.spec))
        assert not [t for t in shown if "<a" in t or "<img" in t or "](" in t or EVIL in t], page


def test_the_targets_page_shows_the_hostile_texts_escaped(db: Path) -> None:
    at = admin_on("pages/targets.py")
    from pages.common import database

    store = database().store()
    (p,) = [p for p in services.projects_data(store) if p["name"].startswith("恶意项目")]
    assert IMAGE in p["unit"] and LINK in p["attribute"] and IMAGE in p["goal_text"]  # stored as read
    texts = markdown_texts(at)
    for stored in (p["unit"], p["attribute"], p["goal_text"]):
        assert any(escape_markdown(stored) in t for t in texts), stored
    assert any(escape_markdown(p["name"]) in label for label in (e.label for e in at.expander))


def test_the_display_name_in_the_sidebar_is_escaped(db: Path) -> None:
    at = admin_on("pages/overview.py")
    captions = [c.value for c in at.sidebar.caption if c.value.startswith("已登录")]
    assert captions == [escape_markdown(f"已登录:{HOSTILE_DISPLAY}(管理员;全部单位)")]


# -- item 5: formula-safe tables ----------------------------------------------------------------------------


def test_the_audit_table_holds_no_formula(db: Path) -> None:
    at = admin_on("pages/audit.py")
    (log,) = [d.value for d in at.dataframe if "操作" in d.value.columns]
    # Shown, neutralised by the full-width twin of its first character (no apostrophe on screen).
    assert "＝" + FORMULA_NAME[1:] in log["用户"].tolist()
    assert formula_cells(log) == []


@pytest.mark.parametrize("page", PAGES)
def test_no_table_on_any_page_holds_a_formula(db: Path, page: str) -> None:
    at = admin_on(page)
    frames = [d.value for d in at.dataframe]
    for frame in frames:
        assert formula_cells(frame) == [], (page, list(frame.columns))


# -- item 4: bounded input, checked in the services before anything is stored -------------------------------


@pytest.fixture
def store(tmp_path: Path) -> Any:
    s = Store.open(tmp_path / "caps.duckdb")
    services.load_seed_if_empty(s)
    yield s
    s.close()


def audit_sizes(store: Store) -> list[int]:
    log = store.audit_frame()
    return [sum(len(str(v)) for v in row if isinstance(v, str)) for row in
            log[["username", "action", "detail", "file_name"]].itertuples(index=False)]


def test_a_20_mb_user_name_and_file_name_leave_the_audit_log_under_the_cap(store: Store) -> None:
    lim = load_settings().text_limits
    huge = "名" * 20_000_000
    table = small_table("超长名称测试项目", "产出指标\t数量指标\t测试数量\t=2次\n").encode("utf-8")
    seeded = len(store.audit_frame())
    result = services.import_bytes(store, table, huge + ".txt", imported_by=huge)
    assert result.tables == 1 and result.file_name.endswith(".txt") and len(result.file_name) <= lim.file_name_chars
    iid = int(store.indicator_lookup().query("project_name == '超长名称测试项目'")["indicator_id"].iloc[0])
    services.revise_target(store, User(huge, huge, ADMIN), iid, "=3次", "按批复调整")
    log = store.audit_frame()
    assert len(log) == seeded + 2
    assert log["username"].str.len().max() <= lim.audit_user_chars
    assert log["file_name"].dropna().str.len().max() <= lim.file_name_chars
    cap = lim.audit_user_chars + lim.audit_detail_chars + lim.file_name_chars + 20
    assert max(audit_sizes(store)) <= cap
    stored = store.con.execute("SELECT max(length(file_name)) FROM imports").fetchone()[0]
    assert stored <= lim.file_name_chars


def test_a_long_file_name_keeps_its_extension() -> None:
    assert clip_file_name("报" * 300 + ".xlsx", 255).endswith("….xlsx")
    assert len(clip_file_name("报" * 300 + ".xlsx", 255)) == 255
    assert clip_file_name("短.csv", 255) == "短.csv"


def test_over_long_reasons_and_targets_are_refused_and_nothing_is_stored(store: Store) -> None:
    lim = load_settings().text_limits
    seeded = len(store.audit_frame())
    admin = User("admin", "管理员", ADMIN)
    iid = int(store.indicator_lookup()["indicator_id"].iloc[0])
    before = len(services.target_versions(store, iid))
    with pytest.raises(InputError, match="修订原因过长"):
        services.revise_target(store, admin, iid, "=3次", "因" * (lim.reason_chars + 1))
    with pytest.raises(InputError, match="指标值过长"):
        services.revise_target(store, admin, iid, "≥" + "9" * lim.cell_text_chars + "%", "调整")
    assert len(services.target_versions(store, iid)) == before
    assert len(store.audit_frame()) == seeded


def test_an_over_long_withdrawal_reason_is_refused(store: Store) -> None:
    lim = load_settings().text_limits
    reporter = User("zhang", "张填报", REPORTER, (UNIT,))
    services.commit_report(store, reporter, csv_file([actual(P1, "群众满意度", "96%")]), "好.csv", date(2026, 12, 31))
    rid = int(services.my_reports(store, reporter)["report_id"].iloc[0])
    with pytest.raises(InputError, match="撤回原因过长"):
        services.withdraw_report(store, reporter, rid, "actual", "因" * (lim.reason_chars + 1))
    assert not services.my_reports(store, reporter)["withdrawn"].any()


def test_an_over_long_note_in_a_report_file_is_refused_row_by_row(store: Store) -> None:
    lim = load_settings().text_limits
    seeded = len(store.audit_frame())
    reporter = User("zhang", "张填报", REPORTER, (UNIT,))
    rows = [actual(P1, "群众满意度", "96%", note="说" * (lim.note_chars + 1))]
    with pytest.raises(ReportRefused) as refused:
        services.commit_report(store, reporter, csv_file(rows), "长说明.csv", date(2026, 12, 31))
    (error,) = refused.value.errors
    assert error.column == "偏差原因分析及改进措施" and "过长" in error.reason and len(error.value) <= 60
    assert services.my_reports(store, reporter).empty and len(store.audit_frame()) == seeded


def test_an_over_long_cell_in_a_target_table_is_refused_whole(store: Store) -> None:
    lim = load_settings().text_limits
    seeded = len(store.audit_frame())
    projects = len(store.projects_frame())
    table = small_table("超长目标测试项目", "产出指标\t数量指标\t测试数量\t=2次\n",
                        goal="目" * (lim.cell_text_chars + 1))
    with pytest.raises(InputError, match="超过上限"):
        services.import_bytes(store, table.encode("utf-8"), "长目标.txt")
    assert len(store.projects_frame()) == projects and len(store.audit_frame()) == seeded
