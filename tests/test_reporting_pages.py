"""Reporting through the pages: sign-in, 填报 (upload and on-screen), 填报记录 (withdrawal), roles, 管理 and
审计日志, on the seed (4 projects, all of 实施单位 南昌市生态环境污染防治中心) with five users.

What goes through the page UI (Streamlit AppTest) and what through the analytics calls the pages make:

* UI: signing in and out (sidebar form), session expiry, the navigation each role gets, the template download
  buttons (presence, labels, deferred data), uploading files with ``st.file_uploader`` (AppTest supports it),
  the error table and the preview table, the "提交全部" button, on-screen entry in ``st.data_editor`` (AppTest
  applies the edit state assigned to the editor's key), the 填报记录 withdraw form, the 管理 page (target
  revision form, the 查看需要登录 toggle), the 审计日志 table, and the overview cards after each change.
* Analytics: the template bytes (AppTest cannot press a deferred download button, so the same
  ``template_bytes`` the button calls is filled in and uploaded), the server-side refusals that the UI never
  offers (``preview_report``/``commit_report`` of another unit, ``entry_frame`` of another unit's project,
  ``withdraw_report`` of someone else's report, a direct call by a viewer), reports made by a second user
  before a page runs, and every check of what was stored (store tables, ``compute``, ``target_versions``).

A page run on its own (without app.py's navigation) is simulated with ``AppTest.from_file(page)`` and the
entry flag app.py sets around ``nav.run()``: that is the run that ``current_user_or_stop`` must stop.
"""

from __future__ import annotations

import io
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analytics import accounts, services
from analytics.auth import ADMIN, REPORTER, VIEWER, PermissionDenied, User
from analytics.engine import compute
from analytics.model import InputError
from analytics.reports import ReportRefused
from analytics.settings import load_settings
from analytics.storage import Store
from pages.common import ACTOR_KEY, ENTRY_KEY, SEEN_KEY, USER_KEY
from tests.conftest import ROOT
from tests.fixtures import small_table

APP = str(ROOT / "app.py")
AS_OF = date(2026, 12, 31)
UNIT = "南昌市生态环境污染防治中心"
OTHER_UNIT = "南昌市环境监控中心"  # no seed project has it
P1 = "生态环保行业管理_机动车污染防治项目"
P2 = "生态环境应急管理_2026年南昌市环境监控中心运行维护和网络安全保障项目"
P3 = "生态环保行业管理_2026年度生态环境综合技术评估服务项目"
P4 = "南昌市县级及以上集中式饮用水水源地规范化建设项目"
N_INDICATORS = 59

USERS = {  # name: (password, role, units, display name)
    "admin": ("admin-pass-1", ADMIN, [], "管理员"),
    "zhang": ("zhang-pass-1", REPORTER, [UNIT], "张填报"),
    "li": ("li-pass-123", REPORTER, [UNIT], "李填报"),
    "wang": ("wang-pass-1", REPORTER, [OTHER_UNIT], "王填报"),
    "zhao": ("zhao-pass-1", VIEWER, [], "赵查看"),
}
REPORTER_ONLY = "此页面需要以管理员或填报员身份登录。"
ADMIN_ONLY = "此页面需要以管理员身份登录。"
NO_UNIT = f"您没有实施单位“{UNIT}”的填报权限"

ACTUAL_HEADER = ["项目名称", "三级指标", "实际完成值", "截至日期", "完成目标可能性", "偏差原因分析及改进措施", "填报人"]
SPENDING_HEADER = ["项目名称", "截至日期", "预算执行数(万元)", "说明", "填报人"]

# A target table of one project whose 实施单位 is OTHER_UNIT (the seed's format).
OTHER_PROJECT = "测试项目_监控中心运维"
OTHER_TABLE = small_table(OTHER_PROJECT, """
产出指标\t数量指标\t巡检服务\t=4次
满意度\t服务对象满意度\t满意度\t≥95%
""", unit=OTHER_UNIT, goal="测试另一个实施单位。")


# -- fixtures ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def prepared_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Seed plus the five users, built once (argon2 hashing is slow on purpose); each test gets a copy."""
    path = tmp_path_factory.mktemp("reporting") / "prepared.duckdb"
    store = Store.open(path)
    try:
        services.load_seed_if_empty(store)
        for name, (password, role, units, display) in USERS.items():
            accounts.add_user(store, None, name, password, role, units, display)
    finally:
        store.close()
    return path


@pytest.fixture
def db(app_db: Path, prepared_db: Path) -> Path:
    shutil.copy(prepared_db, app_db)
    wal = prepared_db.with_name(prepared_db.name + ".wal")
    if wal.exists():
        shutil.copy(wal, app_db.with_name(app_db.name + ".wal"))
    return app_db


@pytest.fixture(autouse=True)
def steady_navigation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run every AppTest run the way a running server does after its first run.

    Streamlit keeps ``PagesManager.uses_pages_directory`` per process; the first ``st.navigation`` sets it
    False for good. AppTest resets it to None before *every* run, so with a ``pages/`` folder every run
    starts in the old pages-directory mode: the page file runs alone, ``ensure_entry`` calls ``st.rerun``,
    and the rerun drops one-shot triggers (``if st.button(...)`` / ``if st.form_submit_button(...)`` read
    False). Without this, clicking 提交全部 or 撤回 in AppTest silently does nothing.
    """
    import streamlit.testing.v1.app_test as app_test
    from streamlit.runtime.pages_manager import PagesManager

    class SteadyPagesManager(PagesManager):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            PagesManager.uses_pages_directory = False

    monkeypatch.setattr(app_test, "PagesManager", SteadyPagesManager)


# -- helpers ----------------------------------------------------------------------------------------------------


def shared_store() -> Store:
    """A cursor of the app's own connection (the app holds the DuckDB file; same process)."""
    from pages.common import database

    return database().store()


def user(name: str) -> User:
    found = accounts.current_user(shared_store(), name)
    assert found is not None, name
    return found


def start() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["as_of"] = AS_OF.isoformat()
    at.run()
    assert not at.exception, at.exception
    return at


def sign_in(at: AppTest, name: str, password: str | None = None) -> AppTest:
    at.sidebar.text_input(key="login_user").input(name)
    at.sidebar.text_input(key="login_password").input(USERS[name][0] if password is None else password)
    (submit,) = [b for b in at.sidebar.button if b.label == "登录"]
    submit.click()
    at.run()
    assert not at.exception, at.exception
    return at


def menu(at: AppTest) -> list[str]:
    """The pages the sidebar's menu lists (every page is registered; the menu shows what the role may use)."""
    return [link.value for link in at.sidebar.page_link]


DASHBOARD_MENU = ["总览", "资金", "指标", "时间线", "评审", "目标表", "导出"]


def sign_in_here(at: AppTest, name: str) -> AppTest:
    """Sign in with the form a page that needs sign-in shows in place of itself."""
    at.main.text_input(key="login_user").input(name)
    at.main.text_input(key="login_password").input(USERS[name][0])
    (submit,) = [b for b in at.main.button if b.label == "登录"]
    submit.click()
    at.run()
    assert not at.exception, at.exception
    return at


def signed_in_caption(at: AppTest) -> str | None:
    return next((c.value for c in at.sidebar.caption if c.value.startswith("已登录:")), None)


def open_page(at: AppTest, page: str, title: str) -> AppTest:
    at.switch_page(page)
    at.run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == [title]
    return at


def admin_section(at: AppTest, name: str) -> AppTest:
    """管理 shows one section at a time (a remembered radio, not tabs: issue 11 item 9)."""
    at.radio(key="admin_section").set_value(name).run()
    assert not at.exception, at.exception
    return at


def button(at: AppTest, label: str) -> Any:
    (found,) = [b for b in at.button if b.label == label]
    return found


def in_form(elements: Any, form: str, label: str) -> Any:
    """The one widget with this label in this form (填报记录 has a withdraw form per tab, whose key gets a
    round number so that it starts empty after each withdrawal)."""
    (found,) = [e for e in elements if e.form_id.startswith(form) and e.label == label]
    return found


def labels(elements: Any) -> list[str]:
    return [e.label for e in elements]


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.main.error]


def successes(at: AppTest) -> list[str]:
    return [s.value for s in at.success]


def tables(at: AppTest) -> list[pd.DataFrame]:
    """The read-only tables on screen (the data editors are listed in ``at.data_editor``)."""
    return [d.value for d in at.dataframe if d.editing_mode == "read_only"]


def table_with(at: AppTest, column: str) -> pd.DataFrame:
    (found,) = [t for t in tables(at) if column in t.columns]
    return found


def uploader(at: AppTest) -> Any:
    (found,) = at.get("file_uploader")
    return found


def upload(at: AppTest, data: bytes, file_name: str) -> AppTest:
    mime = "text/csv" if file_name.endswith(".csv") else "application/octet-stream"
    uploader(at).set_value((file_name, data, mime))
    at.run()
    assert not at.exception, at.exception
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def engine_cards(store: Store) -> dict[str, str]:
    """The overview cards the engine's results call for (independent of analytics.dashboard)."""
    result = compute(store, AS_OF)
    lights = result.indicators["light"].value_counts()
    return {
        "平均自评得分": f"{result.projects['score'].mean():.2f}",
        "绿灯占比": f"{int(lights.get('green', 0)) / N_INDICATORS * 100:.1f}%",
        "灰灯占比": f"{int(lights.get('grey', 0)) / N_INDICATORS * 100:.1f}%",
    }


def report_rows(store: Store) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """Every row of the three report tables, to show that a refusal wrote nothing."""
    con = store.con
    return (
        con.execute("SELECT * FROM actual_reports ORDER BY report_id").fetchall(),
        con.execute("SELECT * FROM spending_reports ORDER BY report_id").fetchall(),
        con.execute("SELECT * FROM withdrawals ORDER BY report_id").fetchall(),
    )


def audit_rows(store: Store, action: str) -> list[tuple]:
    return store.con.execute(
        "SELECT username, detail, file_name FROM audit_log WHERE action = ? ORDER BY audit_id", [action]
    ).fetchall()


def indicator_id(store: Store, project: str, name: str) -> int:
    lk = store.indicator_lookup()
    (iid,) = lk[(lk["project_name"] == project) & (lk["name"] == name)]["indicator_id"].tolist()
    return int(iid)


def actual(project: str, name: str, value: str, as_of: str = "2026-11-30", likelihood: str = "", note: str = "",
           reporter: str = "") -> list[str]:
    return [project, name, value, as_of, likelihood, note, reporter]


def xlsx(actuals: list[list[Any]], spending: list[list[Any]] | None = None) -> bytes:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    ws = wb.create_sheet("指标")
    ws.append(ACTUAL_HEADER)
    for r in actuals:
        ws.append(r)
    if spending is not None:
        ws = wb.create_sheet("预算执行")
        ws.append(SPENDING_HEADER)
        for r in spending:
            ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv_file(rows: list[list[str]]) -> bytes:
    return pd.DataFrame(rows, columns=ACTUAL_HEADER).to_csv(index=False).encode("utf-8-sig")


# Good rows for projects 1 and 2 (unit UNIT), one spending row.
GOOD = xlsx(
    [
        actual(P1, "群众满意度", "96%", reporter="李四"),  # 填报人 in the file does not decide ownership
        actual(P1, "环境空气质量PM2.5", "30", "2026-11-30"),
        actual(P2, "智能化系统巡检服务", "4次", "2026-12-20"),
    ],
    [[P1, "2026-11-30", 50, "", ""]],
)
GOOD_NAME = "张填报-11月.xlsx"

# Every wrong row, in both sheets; 指标 rows 2 and 7 and 预算执行 row 2 are good.
BAD = xlsx(
    [
        actual(P1, "群众满意度", "96%"),                                   # 2 good
        actual(P1, "不存在的指标", "5"),                                    # 3
        actual(P4, "新建界标", "约五十"),                                   # 4
        actual(P1, "环境空气质量PM2.5", "30", "2026-02-30"),               # 5
        actual(P3, "组织土壤污染状况评估次数", "60次"),                      # 6 over 130% without a note
        actual(P2, "智能化系统巡检服务", "3次", likelihood="有可能"),         # 7 needs a note
        actual(P2, "形成南昌市生态环境局官网监测报告数", "11份"),             # 8 good
    ],
    [
        [P1, "2026-11-30", 50, "", ""],                                    # 2 good
        ["不存在的项目", "2026-11-30", 5, "", ""],                          # 3
        [P2, "2026-11-30", -5, "", ""],                                    # 4
    ],
)
BAD_EXPECTED = {  # (sheet, row, column): a fragment of the reason
    ("指标", 3, "三级指标"): f"在项目“{P1}”中找不到这个三级指标",
    ("指标", 4, "实际完成值"): "不是数字",
    ("指标", 5, "截至日期"): "日期“2026-02-30”不存在",
    ("指标", 6, "偏差原因分析及改进措施"): "超额完成",
    ("指标", 7, "偏差原因分析及改进措施"): "完成目标可能性为“有可能”时必须填写偏差原因和改进措施",
    ("预算执行", 3, "项目名称"): "找不到这个项目",
    ("预算执行", 4, "预算执行数(万元)"): "预算执行数不能为负数",
}


# -- signing in and the navigation each role gets ------------------------------------------------------------


def test_a_reporter_gets_the_reporting_pages_with_template_downloads(db: Path) -> None:
    at = sign_in(start(), "zhang")
    assert signed_in_caption(at) == f"已登录:张填报(填报员;{UNIT})"
    open_page(at, "pages/report.py", "填报")
    assert [t.label for t in at.tabs] == ["上传文件", "在线填报指标", "在线填报预算执行"]
    assert "可填报的项目:4 个。" in " ".join(c.value for c in at.caption)
    downloads = at.get("download_button")
    assert labels(downloads) == ["下载 XLSX 模板", "下载 CSV 模板"]
    # The bytes are made when the button is pressed (a deferred download), not on every run.
    assert all(d.proto.HasField("deferred_file_id") for d in downloads)
    assert [d.proto.disabled for d in downloads] == [False, False]
    assert uploader(at).label == "XLSX 或 CSV(UTF-8 或 GBK)"
    assert sorted(uploader(at).allowed_type) == [".csv", ".xlsx"]
    assert [e.key for e in at.data_editor] == ["entry_1_0", "monitor_1_0", "spend_1_0"]

    open_page(at, "pages/history.py", "填报记录")
    assert [i.value for i in at.info] == ["还没有指标填报。", "还没有预算执行填报。"]
    # 管理 and 审计日志 are not in a reporter's menu (issue 11: they stay registered, so a link to
    # them opens them, and the page itself refuses the role).
    assert menu(at) == [*DASHBOARD_MENU, "填报", "填报记录"]
    at.switch_page("pages/admin.py")
    at.run()
    assert errors(at) == [ADMIN_ONLY]


def test_the_downloaded_template_filled_in_is_accepted(db: Path) -> None:
    """The template the XLSX button serves (AppTest cannot press a deferred download: same function)."""
    store = shared_store()
    template = services.template_bytes(store, [1], "xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(template))
    assert wb.sheetnames == ["指标填报", "预算执行", "说明"]  # issue 11: the instructions sheet
    ind = wb["指标填报"]
    header = [c.value for c in ind[1]]
    rows = {ind.cell(r, header.index("三级指标") + 1).value: r for r in range(2, ind.max_row + 1)}
    assert len(rows) == 10  # project 1's indicators
    ind.cell(rows["群众满意度"], header.index("实际完成值") + 1, "96%")
    ind.cell(rows["群众满意度"], header.index("截至日期") + 1, "2026-11-30")
    spend = wb["预算执行"]
    sheader = [c.value for c in spend[1]]
    assert [spend.cell(r, 1).value for r in range(2, spend.max_row + 1)] == [P1]
    spend.cell(2, sheader.index("预算执行数(万元)") + 1, 80)
    spend.cell(2, sheader.index("截至日期") + 1, "2026-11-30")
    buf = io.BytesIO()
    wb.save(buf)

    at = open_page(sign_in(start(), "zhang"), "pages/report.py", "填报")
    upload(at, buf.getvalue(), "填报模板.xlsx")
    assert errors(at) == []
    assert successes(at) == ["全部 2 行检查通过:新增 2 行,更改 0 行,不变 0 行。"]
    assert table_with(at, "三级指标")[["项目", "三级指标", "新值", "状态"]].values.tolist() == [
        [P1, "群众满意度", "96%", "新增"]]
    assert table_with(at, "新值(万元)")[["项目", "新值(万元)", "状态"]].values.tolist() == [[P1, "80.00", "新增"]]


# -- a file with errors, a good file ----------------------------------------------------------------------------


def test_a_file_with_errors_lists_every_wrong_row_and_writes_nothing(db: Path) -> None:
    at = open_page(sign_in(start(), "zhang"), "pages/report.py", "填报")
    store = shared_store()
    before, counts = report_rows(store), store.table_counts()

    upload(at, BAD, "有错.xlsx")
    assert errors(at) == [f"有 {len(BAD_EXPECTED)} 处错误,整个文件不会写入。请改正后重新上传:"]
    shown = table_with(at, "原因")
    assert list(shown.columns) == ["工作表", "行", "列", "值", "原因"]
    listed = {(r.工作表, int(r.行), r.列): r.原因 for r in shown.itertuples()}
    assert set(listed) == set(BAD_EXPECTED)
    for key, reason in BAD_EXPECTED.items():
        assert reason in listed[key], (key, listed[key])
    values = dict(zip(zip(shown["工作表"], shown["行"].astype(int), strict=True), shown["值"], strict=True))
    assert values[("指标", 3)] == "不存在的指标"
    assert values[("指标", 4)] == "约五十"
    assert values[("预算执行", 4)] == "-5"
    # Nothing to commit, no preview, and not one row of any table changed (not even the audit log).
    assert "提交全部" not in labels(at.button)
    assert successes(at) == []
    assert report_rows(store) == before
    assert store.table_counts() == counts

    # The same rows, from the analytics calls the page makes; committing is refused whole on the server.
    zhang = user("zhang")
    preview = services.preview_report(store, zhang, BAD, "有错.xlsx")
    assert {(e.sheet, e.row, e.column) for e in preview.errors} == set(BAD_EXPECTED)
    assert not preview.ok
    with pytest.raises(ReportRefused) as refused:
        services.commit_report(store, zhang, BAD, "有错.xlsx")
    assert {(e.sheet, e.row, e.column) for e in refused.value.errors} == set(BAD_EXPECTED)
    assert "整个文件未导入" in str(refused.value)
    assert report_rows(store) == before
    assert store.table_counts() == counts


def test_a_good_file_is_previewed_committed_and_changes_the_overview(db: Path) -> None:
    at = start()
    store = shared_store()
    before = metrics(at)
    assert {k: before[k] for k in engine_cards(store)} == engine_cards(store)
    assert before["预算执行率"] == "0.0%"

    sign_in(at, "zhang")
    open_page(at, "pages/report.py", "填报")
    upload(at, GOOD, GOOD_NAME)
    assert errors(at) == []
    assert successes(at) == ["全部 4 行检查通过:新增 4 行,更改 0 行,不变 0 行。"]
    preview = table_with(at, "三级指标")
    assert preview[["行", "项目", "三级指标", "截至日期", "原值", "新值", "状态"]].values.tolist() == [
        [2, P1, "群众满意度", "2026年11月30日", "", "96%", "新增"],
        [3, P1, "环境空气质量PM2.5", "2026年11月30日", "", "30", "新增"],
        [4, P2, "智能化系统巡检服务", "2026年12月20日", "", "4次", "新增"],
    ]
    spend = table_with(at, "新值(万元)")
    assert spend[["项目", "截至日期", "新值(万元)", "状态"]].values.tolist() == [
        [P1, "2026年11月30日", "50.00", "新增"]]
    assert store.table_counts()["actual_reports"] == 0  # a preview writes nothing

    button(at, "提交全部").click()
    at.run()
    assert not at.exception, at.exception
    assert successes(at) == ["已提交:指标 3 条,预算执行 1 条。总览等页面已按新数据计算。"]
    # The uploader starts empty again (a new key), so the same file is not committed twice by accident.
    assert uploader(at).key == "upload_1"
    assert uploader(at).value is None
    assert "提交全部" not in labels(at.button)

    rows = store.con.execute(
        "SELECT indicator_id, as_of, value_text, reporter, source FROM actual_reports ORDER BY report_id"
    ).fetchall()
    assert [(r[0], f"{r[1]:%Y-%m-%d}", r[2], r[3], r[4]) for r in rows] == [
        (indicator_id(store, P1, "群众满意度"), "2026-11-30", "96%", "zhang", GOOD_NAME),
        (indicator_id(store, P1, "环境空气质量PM2.5"), "2026-11-30", "30", "zhang", GOOD_NAME),
        (indicator_id(store, P2, "智能化系统巡检服务"), "2026-12-20", "4次", "zhang", GOOD_NAME),
    ]
    assert store.con.execute("SELECT project_id, amount, reporter, source FROM spending_reports").fetchall() == [
        (1, 50.0, "zhang", GOOD_NAME)]
    assert audit_rows(store, "填报") == [("zhang", "指标 3 条,预算执行 1 条", GOOD_NAME)]

    open_page(at, "pages/overview.py", "总览")
    after = metrics(at)
    want = engine_cards(store)
    assert {k: after[k] for k in want} == want
    assert after["平均自评得分"] != before["平均自评得分"]
    assert after["灰灯占比"] != before["灰灯占比"]
    assert after["预算执行率"] != "0.0%"

    # The same file again: every row unchanged; one value changed: 更改.
    open_page(at, "pages/report.py", "填报")
    upload(at, GOOD, GOOD_NAME)
    assert successes(at) == ["全部 4 行检查通过:新增 0 行,更改 0 行,不变 4 行。"]
    changed = xlsx([actual(P1, "群众满意度", "97%")])
    upload(at, changed, "更正.xlsx")
    assert successes(at) == ["全部 1 行检查通过:新增 0 行,更改 1 行,不变 0 行。"]
    assert table_with(at, "三级指标")[["原值", "新值", "状态"]].values.tolist() == [["96%", "97%", "更改"]]


def test_on_screen_entry_changes_a_value(db: Path) -> None:
    store = shared_store()
    iid = indicator_id(store, P1, "群众满意度")
    services.commit_report(store, user("zhang"), csv_file([actual(P1, "群众满意度", "96%")]), "先报.csv")

    at = open_page(sign_in(start(), "zhang"), "pages/report.py", "填报")
    editor = at.data_editor(key="entry_1_0").value
    (row,) = editor.index[editor["三级指标"] == "群众满意度"].tolist()
    assert editor.loc[row, "最新实际值"] == "96%"
    assert editor.loc[row, "实际完成值"] == ""
    # Typing in the table: AppTest applies the editor's edit state (as the browser sends it). The edit
    # state counts rows from 0; the grid numbers them from 1 (issue 11: messages name the grid's rows).
    at.session_state["entry_1_0"] = {
        "edited_rows": {row - 1: {"实际完成值": "98%", "截至日期": "2026-12-20"}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception, at.exception
    assert successes(at) == ["全部 1 行检查通过:新增 0 行,更改 1 行,不变 0 行。"]
    assert table_with(at, "三级指标")[["三级指标", "截至日期", "原值", "新值", "状态"]].values.tolist() == [
        ["群众满意度", "2026年12月20日", "96%", "98%", "更改"]]
    at.button(key="commit_entry").click()
    at.run()
    assert not at.exception, at.exception
    assert successes(at) == ["已提交:指标 1 条,预算执行 0 条。总览等页面已按新数据计算。"]
    latest = store.latest_reports([iid]).iloc[0]
    assert (latest["value_text"], f"{latest['as_of']:%Y-%m-%d}") == ("98%", "2026-12-20")
    assert audit_rows(store, "填报")[-1] == ("zhang", "指标 1 条,预算执行 0 条", f"{services.ON_SCREEN}.csv")
    # The table starts afresh and shows the new latest value.
    editor = at.data_editor(key="entry_1_1").value
    assert editor.loc[row, "最新实际值"] == "98%"
    result = compute(store, AS_OF).indicators.set_index("indicator_id")
    assert result.loc[iid, "actual_num"] == pytest.approx(98.0)

    # Spending typed on screen.
    at.session_state["spend_1_0"] = {
        "edited_rows": {0: {"预算执行数(万元)": "120", "截至日期": "2026-12-20"}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert successes(at) == ["全部 1 行检查通过:新增 1 行,更改 0 行,不变 0 行。"]
    at.button(key="commit_spend").click()
    at.run()
    assert not at.exception, at.exception
    assert successes(at) == ["已提交:指标 0 条,预算执行 1 条。总览等页面已按新数据计算。"]
    assert store.con.execute("SELECT project_id, amount, reporter, source FROM spending_reports").fetchall() == [
        (1, 120.0, "zhang", f"{services.ON_SCREEN}-预算执行.csv")]


# -- withdrawal ----------------------------------------------------------------------------------------------


def test_a_reporter_withdraws_their_own_report_on_the_history_page(db: Path) -> None:
    store = shared_store()
    services.commit_report(store, user("li"), csv_file([actual(P2, "智能化系统巡检服务", "4次")]), "李.csv")
    without = engine_cards(store)
    services.commit_report(store, user("zhang"), csv_file([actual(P1, "群众满意度", "96%")]), "张.csv")
    iid = indicator_id(store, P1, "群众满意度")
    assert engine_cards(store) != without
    (rid,) = services.my_reports(store, user("zhang"))["report_id"].tolist()

    at = open_page(sign_in(start(), "zhang"), "pages/history.py", "填报记录")
    shown = table_with(at, "撤回原因")
    # Only zhang's own report is listed (li's is not).
    assert shown[["编号", "实际完成值", "填报人", "来源文件", "状态"]].values.tolist() == [
        [rid, "96%", "zhang", "张.csv", "有效"]]
    choice = in_form(at.selectbox, "withdraw_actual", "填报")
    assert choice.options == [f"#{rid} {P1} · 群众满意度:96%"]
    assert not [e for e in at.selectbox if e.form_id == "withdraw_spending"]  # no spending reports

    # A withdrawal needs a reason.
    in_form(at.button, "withdraw_actual", "撤回").click()
    at.run()
    assert errors(at) == ["请写明撤回原因"]
    assert store.table_counts()["withdrawals"] == 0

    in_form(at.selectbox, "withdraw_actual", "填报").set_value(rid)
    in_form(at.text_input, "withdraw_actual", "撤回原因").input("截至日期填错")
    in_form(at.button, "withdraw_actual", "撤回").click()
    at.run()
    assert not at.exception, at.exception
    # Asked first (issue 11): nothing is withdrawn until confirmed.
    assert store.table_counts()["withdrawals"] == 0
    at.button(key="confirm_actual").click()
    at.run()
    assert not at.exception, at.exception
    assert successes(at) == [f"已撤回填报 #{rid}。"]
    shown = table_with(at, "撤回原因")
    assert shown[["编号", "状态", "撤回原因"]].values.tolist() == [[rid, "已撤回", "截至日期填错"]]
    assert "填报" not in labels(at.selectbox)  # nothing left to withdraw

    # Stored and visible as withdrawn; the engine ignores it.
    hist = store.report_history([iid])
    assert hist[["report_id", "withdrawn", "withdrawn_by", "withdraw_reason"]].values.tolist() == [
        [rid, True, "zhang", "截至日期填错"]]
    assert store.latest_reports([iid]).empty
    result = compute(store, AS_OF).indicators.set_index("indicator_id")
    assert bool(result.loc[iid, "flag_missing"])
    assert engine_cards(store) == without
    assert audit_rows(store, "撤回") == [("zhang", f"指标填报 #{rid}:截至日期填错", "张.csv")]
    open_page(at, "pages/overview.py", "总览")
    assert {k: metrics(at)[k] for k in without} == without


def test_a_reporter_cannot_withdraw_someone_elses_report(db: Path) -> None:
    store = shared_store()
    li, zhang, zhao, admin = user("li"), user("zhang"), user("zhao"), user("admin")
    data = xlsx([actual(P2, "智能化系统巡检服务", "4次")], [[P2, "2026-11-30", 20, "", ""]])
    services.commit_report(store, li, data, "李.xlsx")
    (rid,) = services.my_reports(store, li)["report_id"].tolist()
    (sid,) = services.my_spending_reports(store, li)["report_id"].tolist()
    before = report_rows(store)

    with pytest.raises(PermissionDenied, match="只能撤回自己的填报"):
        services.withdraw_report(store, zhang, rid, "actual", "不是我的")
    with pytest.raises(PermissionDenied, match="只能撤回自己的填报"):
        services.withdraw_report(store, zhang, sid, "spending", "不是我的")
    with pytest.raises(PermissionDenied, match="只有填报员或管理员可以填报"):
        services.withdraw_report(store, zhao, rid, "actual", "查看者")
    with pytest.raises(InputError, match="找不到这条填报"):
        services.withdraw_report(store, zhang, 9999, "actual", "不存在")
    assert report_rows(store) == before
    assert services.my_reports(store, zhang).empty
    assert services.my_spending_reports(store, zhang).empty

    # The page offers zhang nothing of li's.
    at = open_page(sign_in(start(), "zhang"), "pages/history.py", "填报记录")
    assert [i.value for i in at.info] == ["还没有指标填报。", "还没有预算执行填报。"]
    assert "撤回" not in labels(at.button)

    # An administrator may withdraw anyone's report, once.
    services.withdraw_report(store, admin, rid, "actual", "管理员核实后撤回")
    with pytest.raises(InputError, match="该填报已撤回"):
        services.withdraw_report(store, li, rid, "actual", "再撤一次")
    assert store.con.execute("SELECT report_id, withdrawn_by FROM withdrawals").fetchall() == [(rid, "admin")]


# -- a reporter of another unit --------------------------------------------------------------------------------


def test_a_reporter_of_another_unit_is_refused_on_the_server(db: Path) -> None:
    store = shared_store()
    wang = user("wang")
    counts, before = store.table_counts(), report_rows(store)

    assert services.reportable_projects(store, wang).empty
    preview = services.preview_report(store, wang, GOOD, GOOD_NAME)
    # Every row is refused, each with the unit it belongs to; the file is otherwise fine.
    assert sorted((e.row, e.column, e.reason) for e in preview.errors) == [
        (2, "项目名称", NO_UNIT), (2, "项目名称", NO_UNIT), (3, "项目名称", NO_UNIT), (4, "项目名称", NO_UNIT)]
    with pytest.raises(ReportRefused) as refused:
        services.commit_report(store, wang, GOOD, GOOD_NAME)
    assert len(refused.value.errors) == 4
    assert NO_UNIT in str(refused.value)
    with pytest.raises(PermissionDenied, match=NO_UNIT):
        services.entry_frame(store, wang, 1)
    with pytest.raises(PermissionDenied, match=NO_UNIT):
        services.spending_entry_frame(store, wang, 1)
    assert store.table_counts() == counts
    assert report_rows(store) == before

    # On the page: no project to report for, so no uploader and no table to type in.
    at = open_page(sign_in(start(), "wang"), "pages/report.py", "填报")
    assert [w.value for w in at.warning] == ["您还没有被分配可填报的实施单位,请联系管理员。"]
    assert len(at.get("file_uploader")) == 0
    assert len(at.data_editor) == 0
    assert len(at.get("download_button")) == 0


def test_rows_of_another_unit_are_listed_on_the_page_and_nothing_is_written(db: Path) -> None:
    store = shared_store()
    services.import_bytes(store, OTHER_TABLE.encode("utf-8"), "监控中心.txt")
    at = open_page(sign_in(start(), "wang"), "pages/report.py", "填报")
    counts, before = store.table_counts(), report_rows(store)
    assert "可填报的项目:1 个。" in " ".join(c.value for c in at.caption)
    mixed = csv_file([actual(OTHER_PROJECT, "巡检服务", "3次"), actual(P1, "群众满意度", "96%"),
                      actual(P2, "智能化系统巡检服务", "4次")])
    upload(at, mixed, "混合.csv")
    assert errors(at) == ["有 2 处错误,整个文件不会写入。请改正后重新上传:"]
    shown = table_with(at, "原因")
    assert shown[["行", "列", "值", "原因"]].values.tolist() == [
        [3, "项目名称", P1, NO_UNIT], [4, "项目名称", P2, NO_UNIT]]
    assert "提交全部" not in labels(at.button)
    assert store.table_counts() == counts
    assert report_rows(store) == before

    # Control: the reporter's own project alone is accepted.
    upload(at, csv_file([actual(OTHER_PROJECT, "巡检服务", "3次")]), "本单位.csv")
    button(at, "提交全部").click()
    at.run()
    assert successes(at) == ["已提交:指标 1 条,预算执行 0 条。总览等页面已按新数据计算。"]
    assert store.con.execute("SELECT value_text, reporter FROM actual_reports").fetchall() == [("3次", "wang")]


def test_a_reporter_whose_unit_is_taken_away_cannot_commit_the_file_they_previewed(db: Path) -> None:
    store = shared_store()
    at = open_page(sign_in(start(), "zhang"), "pages/report.py", "填报")
    upload(at, GOOD, GOOD_NAME)
    assert "提交全部" in labels(at.button)
    accounts.update_user(store, user("admin"), "zhang", units=[OTHER_UNIT])
    counts = store.table_counts()

    button(at, "提交全部").click()
    at.run()
    assert not at.exception, at.exception
    # The role and units are read from the store on every run: the page no longer offers the projects.
    assert [w.value for w in at.warning] == ["您还没有被分配可填报的实施单位,请联系管理员。"]
    assert store.table_counts() == counts


def test_unit_refusals_of_an_xlsx_upload_name_their_sheet(db: Path) -> None:
    preview = services.preview_report(shared_store(), user("wang"), GOOD, GOOD_NAME)
    assert sorted((e.sheet, e.row) for e in preview.errors) == [("指标", 2), ("指标", 3), ("指标", 4), ("预算执行", 2)]


def test_unit_refusal_of_a_spending_row_quotes_the_project_name(db: Path) -> None:
    data = xlsx([], [[P1, "2026-11-30", 50, "", ""]])
    (refusal,) = services.preview_report(shared_store(), user("wang"), data, "预算.xlsx").errors
    assert (refusal.column, refusal.reason) == ("项目名称", NO_UNIT)
    assert refusal.value == P1


# -- viewers, anonymous users and page runs outside the navigation ------------------------------------------------


@pytest.mark.parametrize("who", ["zhao", None])
def test_viewers_and_anonymous_users_get_no_reporting_or_admin_pages(db: Path, who: str | None) -> None:
    at = start()
    if who:
        sign_in(at, who)
        assert signed_in_caption(at) == "已登录:赵查看(查看;全部单位)"
    else:
        assert signed_in_caption(at) is None
        assert "登录" in labels(at.sidebar.button)
    assert [t.value for t in at.title] == ["总览"]
    assert menu(at) == DASHBOARD_MENU
    # Every page stays registered (a shared link never meets "Page not found"); opening one the role
    # may not use shows the sign-in form in place (anonymous) or the page's refusal (a viewer).
    for page in ("pages/report.py", "pages/history.py", "pages/admin.py", "pages/audit.py"):
        at.switch_page(page)
        at.run()
        assert not at.exception, at.exception
        assert len(at.get("file_uploader")) == 0 and len(at.dataframe) == 0
        if who:
            assert errors(at) == [ADMIN_ONLY if page in ("pages/admin.py", "pages/audit.py") else REPORTER_ONLY]
        else:
            assert [t.value for t in at.title] == ["登录"]
            assert [t.label for t in at.main.text_input] == ["用户名", "密码"]
    for page, title in (("pages/funding.py", "资金"), ("pages/targets.py", "目标表")):
        open_page(at, page, title)
    assert len(at.get("file_uploader")) == 0


PAGE_RUNS = [
    ("pages/report.py", None, REPORTER_ONLY),
    ("pages/report.py", "zhao", REPORTER_ONLY),
    ("pages/history.py", None, REPORTER_ONLY),
    ("pages/history.py", "zhao", REPORTER_ONLY),
    ("pages/admin.py", None, ADMIN_ONLY),
    ("pages/admin.py", "zhao", ADMIN_ONLY),
    ("pages/admin.py", "zhang", ADMIN_ONLY),
    ("pages/audit.py", "zhao", ADMIN_ONLY),
    ("pages/audit.py", "zhang", ADMIN_ONLY),
]


def run_page_alone(page: str, who: str | None) -> AppTest:
    """A page run outside app.py's navigation (a page a navigation forgot to hide)."""
    at = AppTest.from_file(str(ROOT / page), default_timeout=120)
    at.session_state[ENTRY_KEY] = True  # what app.py sets around nav.run(), with the run's user
    at.session_state[ACTOR_KEY] = None
    if who:
        at.session_state[USER_KEY] = who
        at.session_state[SEEN_KEY] = datetime.now()
        at.session_state[ACTOR_KEY] = user(who)
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize(("page", "who", "message"), PAGE_RUNS)
def test_a_page_run_directly_stops_for_the_wrong_role(db: Path, page: str, who: str | None, message: str) -> None:
    at = run_page_alone(page, who)
    assert errors(at) == [message]
    assert len(at.title) == 0
    assert len(at.get("file_uploader")) == 0
    assert len(at.get("download_button")) == 0
    assert len(at.dataframe) == 0
    assert len(at.button) == 0


@pytest.mark.parametrize(("page", "who", "title"), [("pages/report.py", "zhang", "填报"),
                                                    ("pages/audit.py", "admin", "审计日志")])
def test_a_page_run_directly_opens_for_the_right_role(db: Path, page: str, who: str, title: str) -> None:
    """Control for the test above: the harness does run the page when the role fits."""
    at = run_page_alone(page, who)
    assert errors(at) == []
    assert [t.value for t in at.title] == [title]


def test_a_reporter_demoted_to_viewer_loses_the_report_page_on_the_next_run(db: Path) -> None:
    at = open_page(sign_in(start(), "zhang"), "pages/report.py", "填报")
    accounts.update_user(shared_store(), user("admin"), "zhang", role=VIEWER)
    at.run()
    assert not at.exception, at.exception
    # The page stays where the link named it (issue 11) and refuses the new role.
    assert errors(at) == [REPORTER_ONLY]
    assert len(at.get("file_uploader")) == 0
    assert signed_in_caption(at) == "已登录:张填报(查看;南昌市生态环境污染防治中心)"
    assert menu(at) == DASHBOARD_MENU


def test_the_first_start_creates_the_administrator_from_the_environment(app_db: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty database: the app loads the seed and creates PERF_ADMIN_USER with PERF_ADMIN_PASSWORD."""
    monkeypatch.setenv("PERF_ADMIN_USER", "chief")
    monkeypatch.setenv("PERF_ADMIN_PASSWORD", "Chief-pass-2026")
    at = start()
    assert metrics(at)["项目数"] == "4"
    assert sign_in(at, "chief", "wrong-password").sidebar.error[0].value.startswith("用户名或密码错误")
    sign_in(at, "chief", "Chief-pass-2026")
    assert signed_in_caption(at) == "已登录:管理员(管理员;全部单位)"
    open_page(at, "pages/admin.py", "管理")
    assert table_with(at, "用户名")["用户名"].tolist() == ["chief"]
    assert shared_store().get_user("chief")["password_hash"].startswith("$argon2")


# -- signing in on the page, session expiry ----------------------------------------------------------------------


def test_sign_in_failure_expiry_and_sign_out_on_the_page(db: Path) -> None:
    at = sign_in(start(), "zhang", "wrong-password")
    # Issue 10 item 11: a real name and an unknown one get the same answer.
    assert [e.value for e in at.sidebar.error] == [accounts.wrong_name_or_password()]
    assert signed_in_caption(at) is None
    sign_in(at, "nobody", "whatever-1")
    assert [e.value for e in at.sidebar.error] == [accounts.wrong_name_or_password()]

    sign_in(at, "zhang")
    assert signed_in_caption(at) is not None
    assert [e.value for e in at.sidebar.error] == []
    open_page(at, "pages/report.py", "填报")

    # Idle longer than the session lasts: signed out on the next run, with a notice.
    idle = load_settings().accounts.session_idle_minutes
    shared_store().con.execute("UPDATE sessions SET last_seen_at = ? WHERE username = 'zhang'",
                               [datetime.now() - timedelta(minutes=idle, seconds=5)])
    at.run()
    assert not at.exception, at.exception
    assert signed_in_caption(at) is None
    # Issue 11: the page the tab was on stays, and asks for the sign-in in place.
    assert [e.value for e in at.main.error] == [f"登录已超过 {idle} 分钟未操作,请重新登录"]
    assert [t.value for t in at.title] == ["登录"]
    assert len(at.get("file_uploader")) == 0
    # Sign in again (in place: the same page opens), then out with the button.
    sign_in_here(at, "zhang")
    assert [t.value for t in at.title] == ["填报"]
    assert signed_in_caption(at) is not None
    at.sidebar.button(key="sign_out").click()
    at.run()
    assert signed_in_caption(at) is None
    assert USER_KEY not in at.session_state
    store = shared_store()
    # Signing out revokes the server session, so the cookie other tabs share signs no one in.
    assert store.con.execute("SELECT revoked_at IS NOT NULL FROM sessions WHERE username = 'zhang' "
                             "ORDER BY created_at DESC LIMIT 1").fetchall() == [(True,)]

    log = store.con.execute(
        "SELECT username, action, detail FROM audit_log WHERE action IN ('登录', '登录失败') ORDER BY audit_id"
    ).fetchall()
    assert log == [("zhang", "登录失败", "密码错误"), ("nobody", "登录失败", "用户名不存在"),
                   ("zhang", "登录", ""), ("zhang", "登录", "")]


# -- the administrator --------------------------------------------------------------------------------------------


def test_the_audit_log_lists_sign_ins_the_commit_and_the_withdrawal(db: Path) -> None:
    # A reporter's whole round through the pages.
    at = sign_in(start(), "zhang", "wrong-password")
    sign_in(at, "zhang")
    open_page(at, "pages/report.py", "填报")
    upload(at, GOOD, GOOD_NAME)
    button(at, "提交全部").click()
    at.run()
    assert successes(at) == ["已提交:指标 3 条,预算执行 1 条。总览等页面已按新数据计算。"]
    open_page(at, "pages/history.py", "填报记录")
    choice = in_form(at.selectbox, "withdraw_actual", "填报")
    rid = int(choice.value)  # the newest of the file's three indicator reports
    in_form(at.text_input, "withdraw_actual", "撤回原因").input("重复填报")
    in_form(at.button, "withdraw_actual", "撤回").click()
    at.run()
    at.button(key="confirm_actual").click()  # issue 11: a withdrawal is confirmed
    at.run()
    assert successes(at) == [f"已撤回填报 #{rid}。"]

    # The administrator, in another session.
    admin = sign_in(start(), "admin")
    assert signed_in_caption(admin) == "已登录:管理员(管理员;全部单位)"
    open_page(admin, "pages/admin.py", "管理")
    assert sorted(table_with(admin, "用户名")["用户名"]) == sorted(USERS)
    open_page(admin, "pages/audit.py", "审计日志")
    log = table_with(admin, "操作")
    assert list(log.columns) == ["编号", "时间", "用户", "操作", "内容", "文件"]
    assert f"共 {len(log)} 条" in [c.value for c in admin.caption]
    ours = log[log["用户"].isin(["zhang", "admin"])]
    assert ours[["用户", "操作", "内容", "文件"]].fillna("").values.tolist() == [  # newest first
        ["admin", "登录", "", ""],
        ["zhang", "撤回", f"指标填报 #{rid}:重复填报", GOOD_NAME],
        ["zhang", "填报", "指标 3 条,预算执行 1 条", GOOD_NAME],
        ["zhang", "登录", "", ""],
        ["zhang", "登录失败", "密码错误", ""],
    ]
    assert labels(admin.get("download_button")) == ["导出 CSV", "导出 XLSX"]

    # Filtering by action.
    (actions,) = [m for m in admin.multiselect if m.label == "操作"]
    actions.set_value(["撤回"]).run()
    assert table_with(admin, "操作")[["用户", "操作"]].values.tolist() == [["zhang", "撤回"]]


def test_an_administrator_revises_a_target_and_the_old_one_stays_visible(db: Path) -> None:
    store = shared_store()
    iid = indicator_id(store, P1, "群众满意度")
    services.commit_report(store, user("zhang"), csv_file([actual(P1, "群众满意度", "95.5%")]), "满意度.csv")
    completion_before = compute(store, AS_OF).indicators.set_index("indicator_id").loc[iid, "completion"]

    at = admin_section(open_page(sign_in(start(), "admin"), "pages/admin.py", "管理"), "目标表")
    at.selectbox(key="revise_indicator").set_value(iid).run()
    versions = table_with(at, "版本")
    assert versions[["版本", "指标值"]].values.tolist() == [[1, "≥95%"]]
    (new_target,) = [t for t in at.text_input if t.label == "新的指标值"]
    new_target.input("≥96%")
    (reason,) = [t for t in at.text_input if t.label == "修订原因"]
    reason.input("年中调整")
    button(at, "修订").click()
    at.run()
    assert not at.exception, at.exception
    assert successes(at) == ["已修订,当前为第 2 版。"]
    versions = table_with(at, "版本")
    assert versions[["版本", "指标值", "修订人", "原因"]].fillna("").values.tolist() == [
        [1, "≥95%", "系统初始化", ""], [2, "≥96%", "admin", "年中调整"]]

    history = services.target_versions(store, iid)
    assert history[["version", "target_text", "changed_by"]].fillna("").values.tolist() == [
        [1, "≥95%", "系统初始化"], [2, "≥96%", "admin"]]
    lookup = store.indicator_lookup().set_index("indicator_id")
    assert (lookup.loc[iid, "target_text"], lookup.loc[iid, "target_num"]) == ("≥96%", 96.0)
    completion_after = compute(store, AS_OF).indicators.set_index("indicator_id").loc[iid, "completion"]
    assert completion_after < completion_before
    (said,) = audit_rows(store, "修订目标")
    assert said[0] == "admin" and "≥95% → ≥96%(年中调整)" in said[1]


def test_the_import_page_says_which_kind_of_table_it_read_and_what_it_took_in(db: Path) -> None:
    from tests.test_tables_kinds import SELFEVAL

    at = admin_section(open_page(sign_in(start(), "admin"), "pages/admin.py", "管理"), "目标表")
    assert ".pdf" in uploader(at).allowed_type
    upload(at, SELFEVAL.encode("utf-8"), "自评表.txt")
    button(at, "导入").click()
    at.run()
    assert not at.exception, at.exception
    assert successes(at) == ["已导入 1 张表:绩效自评表。"]
    (said,) = [t.value for t in at.text if "绩效自评表:乡镇污水管网维护经费" in t.value]
    assert "取得实际完成值 5 个" in said and "截至 2026-12-31" in said
    (logged,) = audit_rows(shared_store(), "导入目标表")[-1:]
    assert logged[0] == "admin"


def test_viewing_needs_sign_in_shows_only_the_sign_in_page(db: Path) -> None:
    at = admin_section(open_page(sign_in(start(), "admin"), "pages/admin.py", "管理"), "设置")
    (switch,) = [t for t in at.toggle if t.label == "查看仪表盘需要登录"]
    assert switch.value is False
    switch.set_value(True).run()
    assert not at.exception, at.exception
    assert successes(at) == ["已保存:查看仪表盘需要登录。"]
    store = shared_store()
    assert accounts.viewing_needs_sign_in(store)
    assert audit_rows(store, "设置变更") == [("admin", "查看需要登录:是", None)]

    anonymous = start()
    assert [t.value for t in anonymous.title] == ["登录"]
    assert [i.value for i in anonymous.info] == [
        "管理员已设置查看仪表盘需要登录。请输入用户名和密码,登录后打开“总览”。"]
    assert len(anonymous.metric) == 0
    assert menu(anonymous) == []
    # Issue 11: a link to any page shows the form in its place, and after sign-in that page.
    anonymous.switch_page("pages/targets.py")
    anonymous.run()
    assert [t.value for t in anonymous.title] == ["登录"]
    assert len(anonymous.dataframe) == 0
    sign_in_here(anonymous, "zhao")
    assert [t.value for t in anonymous.title] == ["目标表"]
    open_page(anonymous, "pages/overview.py", "总览")
    assert metrics(anonymous)["项目数"] == "4"


def test_viewing_needs_sign_in_shows_no_project_data_to_anonymous_visitors(db: Path) -> None:
    store = shared_store()
    accounts.set_viewing_needs_sign_in(store, user("admin"), True)
    at = start()
    assert [t.value for t in at.title] == ["登录"]
    shown = [str(o) for w in [*at.sidebar.selectbox, *at.sidebar.multiselect] for o in w.options]
    for secret in (P1, P2, P3, P4, UNIT):
        assert secret not in shown, secret


def test_a_review_link_needing_sign_in_opens_its_screen_and_filters_after_sign_in(db: Path) -> None:
    """Issue 11 item 1: ``/review?review=<id>`` with filters, while viewing needs sign-in: the form in
    place, then that very screen with the link's filters."""
    store = shared_store()
    accounts.set_viewing_needs_sign_in(store, user("admin"), True)
    pid, unit = store.con.execute("SELECT project_id, unit FROM current_projects WHERE name = ?", [P2]).fetchall()[0]
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["as_of"] = AS_OF.isoformat()
    at.query_params["unit"] = unit
    at.query_params["review"] = str(pid)
    at.switch_page("pages/review.py")
    at.run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["登录"]
    assert [i.value for i in at.info] == ["管理员已设置查看仪表盘需要登录。请输入用户名和密码,登录后打开“评审”。"]
    assert P2 not in str([m.value for m in at.markdown])

    sign_in_here(at, "zhao")
    (title,) = [t.value for t in at.title]
    assert P2.endswith(title)  # the review screen of that project (its title without the department prefix)
    assert at.query_params["review"] in (str(pid), [str(pid)])
    assert at.sidebar.selectbox(key="f_unit").value == unit


def test_account_messages_and_captions_follow_settings_toml(db: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 11: the lock and password limits are settings.toml [accounts], and what the pages say follows them."""
    text = (ROOT / "settings.toml").read_text(encoding="utf-8")
    for old, new in (("min_password = 8", "min_password = 10"), ("max_failed = 5", "max_failed = 3"),
                     ("lock_minutes = 15", "lock_minutes = 7")):
        assert old in text
        text = text.replace(old, new)
    settings = tmp_path / "settings.toml"
    settings.write_text(text, encoding="utf-8")
    monkeypatch.setenv("PERF_SETTINGS", str(settings))

    at = sign_in(start(), "zhang", "wrong-password")
    assert [e.value for e in at.sidebar.error] == [
        "用户名或密码错误。连续输错 3 次账号将锁定 7 分钟;忘记密码请联系管理员重设"]
    at = open_page(sign_in(start(), "admin"), "pages/admin.py", "管理")
    assert "初始密码(至少 10 位)" in [t.label for t in at.text_input]
