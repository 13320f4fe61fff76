"""AppTest of issue 11 items 5, 9 and 10: links that keep the user's context, admin forms that keep
their state, and the search boxes of 目标表 and 指标.

The database is the seed with the five users of tests/test_reporting_pages.py (its fixtures are reused).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analytics import accounts, services
from analytics.auth import PermissionDenied
from analytics.dashboard import (
    Filters,
    bounded_query,
    build_view,
    narrowed_filters,
    search_indicators,
    search_key,
    search_projects,
    target_version_table,
)
from analytics.model import InputError
from analytics.settings import load_settings
from tests import test_reporting_pages as rp

prepared_db = rp.prepared_db
db = rp.db
steady_navigation = rp.steady_navigation

AS_OF = rp.AS_OF
P1 = "生态环保行业管理_机动车污染防治项目"
P4 = "南昌市县级及以上集中式饮用水水源地规范化建设项目"


def start(**params: str) -> AppTest:
    at = AppTest.from_file(rp.APP, default_timeout=120)
    at.query_params["as_of"] = AS_OF.isoformat()
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def chip(at: AppTest) -> list[str]:
    return [m.value for m in at.main.markdown if m.value.startswith("已按筛选条件显示")]


def expander_titles(at: AppTest) -> list[str]:
    return [e.label for e in at.expander]


# -- item 5: the chip ---------------------------------------------------------------------------------------------


def test_narrowed_filters_say_what_narrows_and_not_the_date() -> None:
    today = AS_OF
    assert narrowed_filters(Filters(as_of=today)) == []
    assert narrowed_filters(Filters(as_of=today, year=2026, department="某局", unit="某中心", project_ids=(1, 2))) == [
        "2026年度", "主管部门:某局", "实施单位:某中心", "2 个项目"]


def test_a_chip_shows_narrowed_filters_and_one_click_clears_them(db) -> None:
    at = start(year="2026", project="1")
    assert chip(at) == ["已按筛选条件显示:2026年度;1 个项目"]
    assert at.session_state["f_projects"] == [1]
    at.button(key="clear_filters").click().run()
    assert not at.exception, at.exception
    assert at.session_state["f_year"] == "全部" and at.session_state["f_projects"] == []
    assert chip(at) == []
    assert "year" not in at.query_params and "project" not in at.query_params
    assert at.query_params["as_of"] == AS_OF.isoformat()  # the date is a moment, not a filter
    # Every project is shown again.
    (count,) = [m for m in at.metric if m.label == "项目数"]
    assert count.value == "4"


def test_no_chip_while_every_project_is_shown(db) -> None:
    at = start()
    assert chip(at) == []
    assert not [b for b in at.button if b.key == "clear_filters"]


def test_a_link_to_an_indicator_outside_the_filters_says_so(db) -> None:
    store = rp.shared_store()
    iid = rp.indicator_id(store, P1, "群众满意度")
    at = start(indicator=str(iid), project="4")
    at.switch_page("pages/indicators.py")
    at.run()
    assert not at.exception, at.exception
    assert any("链接指定的指标不在当前筛选范围内" in w.value for w in at.warning)
    at.button(key="clear_filters").click().run()
    assert not at.exception, at.exception
    assert at.selectbox(key="history_indicator").value == iid


# -- item 9: 管理 ------------------------------------------------------------------------------------------------


def admin_page(section: str | None = None) -> AppTest:
    at = rp.open_page(rp.sign_in(start(), "admin"), "pages/admin.py", "管理")
    if section:
        rp.admin_section(at, section)
    return at


def text_input(at: AppTest, label: str):
    (found,) = [t for t in at.text_input if t.label == label]
    return found


def test_the_admin_page_stays_on_its_section_after_an_import(db) -> None:
    from tests.test_tables_kinds import SELFEVAL

    at = admin_page("目标表")
    rp.upload(at, SELFEVAL.encode("utf-8"), "自评表.txt")
    rp.button(at, "导入").click()
    at.run()
    assert not at.exception, at.exception
    assert rp.successes(at) == ["已导入 1 张表:绩效自评表。"]
    assert at.radio(key="admin_section").value == "目标表"
    assert at.get("file_uploader"), "the import section is still the one shown"


def test_a_refused_import_is_in_the_audit_log_and_the_filter_lists_it(db) -> None:
    store = rp.shared_store()
    imports_before = store.con.execute("SELECT count(*) FROM imports").fetchone()[0]
    at = admin_page("目标表")
    rp.upload(at, "这不是一张表\n".encode(), "坏文件.txt")
    rp.button(at, "导入").click()
    at.run()
    assert not at.exception, at.exception
    (said,) = rp.errors(at)
    assert "已记入审计日志" in said
    (logged,) = rp.audit_rows(store, "导入失败")
    assert logged[0] == "admin" and logged[2] == "坏文件.txt" and logged[1]
    assert logged[1] in said  # the reason the page gave is the reason logged
    assert store.con.execute("SELECT count(*) FROM imports").fetchone()[0] == imports_before
    assert at.radio(key="admin_section").value == "目标表"

    rp.open_page(at, "pages/audit.py", "审计日志")
    (actions,) = [m for m in at.multiselect if m.label == "操作"]
    assert "导入失败" in actions.options
    actions.set_value(["导入失败"]).run()
    log = rp.table_with(at, "操作")
    assert log[["用户", "操作", "文件"]].values.tolist() == [["admin", "导入失败", "坏文件.txt"]]
    # To the second, no microseconds: a datetime the grid writes as 2026年12月1日 09:05:07.
    assert all(pd.Timestamp(t) == pd.Timestamp(t).floor("s") for t in log["时间"])
    # A line without a file shows a blank cell, not "None".
    actions.set_value([]).run()
    everything = rp.table_with(at, "操作")
    signed_in = everything[everything["操作"] == "登录"]
    assert len(signed_in) and (signed_in["文件"] == "").all()


def test_a_refused_import_by_someone_else_logs_nothing_new(db) -> None:
    store = rp.shared_store()
    with pytest.raises(PermissionDenied):
        services.import_upload(store, rp.user("zhang"), b"x", "x.txt")
    assert rp.audit_rows(store, "导入失败") == []


def test_a_form_with_an_error_keeps_what_was_typed_and_a_success_clears_it(db) -> None:
    at = admin_page("用户")
    text_input(at, "用户名").input("newcomer")
    text_input(at, "姓名").input("新同事")
    text_input(at, "初始密码(至少 8 位)").input("short")
    rp.button(at, "新建").click()
    at.run()
    assert not at.exception, at.exception
    assert rp.errors(at), "a too-short password is refused"
    assert text_input(at, "用户名").value == "newcomer"
    assert text_input(at, "姓名").value == "新同事"
    assert at.radio(key="admin_section").value == "用户"

    text_input(at, "初始密码(至少 8 位)").input("long-enough-1")
    (units,) = [m for m in at.multiselect if m.label == "实施单位(填报员必选)"]
    units.set_value([rp.UNIT])
    rp.button(at, "新建").click()
    at.run()
    assert not at.exception, at.exception
    assert rp.successes(at) == ["已新建用户 newcomer。"]
    assert text_input(at, "用户名").value == "" and text_input(at, "姓名").value == ""
    assert "newcomer" in rp.table_with(at, "用户名")["用户名"].tolist()


def test_target_versions_mark_the_current_one(db) -> None:
    store = rp.shared_store()
    iid = rp.indicator_id(store, P1, "群众满意度")
    services.revise_target(store, rp.user("admin"), iid, "≥96%", "年中调整")
    at = admin_page("目标表")
    at.selectbox(key="revise_indicator").set_value(iid).run()
    versions = rp.table_with(at, "版本")
    assert versions[["版本", "状态", "指标值"]].values.tolist() == [[1, "历史", "≥95%"], [2, "当前", "≥96%"]]

    # A form that fails keeps its text; a revision that succeeds clears it.
    text_input(at, "修订原因").input("再次调整")
    rp.button(at, "修订").click()
    at.run()
    assert rp.errors(at) and text_input(at, "修订原因").value == "再次调整"


def test_the_version_table_marks_a_retired_indicator_as_having_none_current() -> None:
    versions = pd.DataFrame({"version": [1, 2], "recorded_at": [datetime(2026, 1, 1, 8, 0, 5)] * 2,
                             "active": [True, False], "target_text": ["≥95%", "≥95%"], "changed_by": [None, "a"],
                             "reason": [None, None], "file_name": ["t.txt", None]})
    table = target_version_table(versions)
    assert table["状态"].tolist() == ["历史", "已停用"]
    assert table["时间"].tolist() == ["2026年1月1日 8:00:05"] * 2


def lock(store, name: str, at: datetime) -> None:
    store.update_user(name, {"failed_count": 5, "last_failed_at": at})


def test_a_locked_account_shows_its_lock_and_an_administrator_unlocks_it(db) -> None:
    store = rp.shared_store()
    failed_at = datetime.now().replace(microsecond=0)
    lock(store, "zhang", failed_at)
    at = admin_page("用户")
    table = rp.table_with(at, "用户名").set_index("用户名")
    until = failed_at + timedelta(minutes=15)
    assert table.loc["zhang", "锁定"] == f"锁定至 {until.year}年{until.month}月{until.day}日 {until:%-H:%M:%S}"
    assert table.loc["li", "锁定"] == ""
    assert any("zhang" in w.value and "已锁定" in w.value for w in at.warning)
    at.selectbox(key="unlock_user").set_value("zhang")
    rp.button(at, "解除锁定").click()
    at.run()
    assert not at.exception, at.exception
    assert rp.successes(at) == ["已解除 zhang 的锁定,该用户可以重新登录。"]
    assert store.get_user("zhang")["failed_count"] == 0
    assert rp.audit_rows(store, "用户变更")[-1][:2] == ("admin", "zhang:解除锁定(此前连续登录失败 5 次)")
    assert rp.table_with(at, "用户名").set_index("用户名").loc["zhang", "锁定"] == ""
    # The unlocked user signs in with the password they had.
    assert accounts.sign_in(store, "zhang", rp.USERS["zhang"][0]).username == "zhang"


def test_only_an_administrator_unlocks(db) -> None:
    store = rp.shared_store()
    lock(store, "li", datetime.now())
    with pytest.raises(PermissionDenied):
        accounts.unlock_user(store, rp.user("zhang"), "li")
    assert store.get_user("li")["failed_count"] == 5
    with pytest.raises(InputError, match="不存在"):
        accounts.unlock_user(store, rp.user("admin"), "nobody")
    with pytest.raises(InputError, match="无需解除"):
        accounts.unlock_user(store, rp.user("admin"), "wang")


# -- item 10: search -----------------------------------------------------------------------------------------------


def test_search_key_folds_width_and_case() -> None:
    assert search_key("ＰＭ２．５") == search_key("pm2.5") == "pm2.5"
    assert bounded_query("  " + "字" * 300, 100) == "字" * 100


def test_search_matches_project_unit_and_indicator_names(db) -> None:
    view = build_view(rp.shared_store(), Filters(as_of=AS_OF), load_settings())
    assert search_projects(view, "") == [1, 2, 3, 4]
    assert search_projects(view, "饮用水") == [4]  # the project's name
    assert search_projects(view, "ｐｍ2.5") == [1]  # an indicator's name, width and case folded
    assert search_projects(view, "污染防治中心") == [1, 2, 3, 4]  # the 实施单位
    assert search_projects(view, "不存在的文字") == []
    rows = search_indicators(view.indicators, "摄像头")
    assert set(rows["project_id"]) == {4} and len(rows) == 4
    assert search_indicators(view.indicators, "") is view.indicators


def test_the_targets_search_narrows_the_projects_and_lives_in_the_url(db) -> None:
    at = rp.open_page(start(), "pages/targets.py", "目标表")
    assert len(expander_titles(at)) == 4
    at.text_input(key="targets_q").input("饮用水").run()
    assert not at.exception, at.exception
    assert [t for t in expander_titles(at)] == [f"2026年度 · {P4}"]
    assert at.query_params["q"] == "饮用水"
    assert "搜索“饮用水”找到 1 个项目" in [c.value for c in at.caption]
    at.text_input(key="targets_q").input("").run()
    assert "q" not in at.query_params and len(expander_titles(at)) == 4


def test_a_link_with_a_search_opens_it_and_long_text_is_cut(db) -> None:
    at = start(q="ＰＭ2.5")
    at.switch_page("pages/targets.py")
    at.run()
    assert not at.exception, at.exception
    assert at.text_input(key="targets_q").value == "ＰＭ2.5"
    assert expander_titles(at) == [f"2026年度 · {P1}"]

    limit = load_settings().text_limits.search_chars
    at = start(q="字" * (limit + 50))
    at.switch_page("pages/targets.py")
    at.run()
    assert not at.exception, at.exception
    assert at.text_input(key="targets_q").value == "字" * limit
    assert at.text_input(key="targets_q").max_chars == limit
    assert at.query_params["q"] == "字" * limit
    assert any("没有项目" in i.value for i in at.info)


def test_the_indicators_search_narrows_the_table_and_lives_in_the_url(db) -> None:
    at = rp.open_page(start(), "pages/indicators.py", "指标")
    total = len(rp.table_with(at, "三级指标"))
    at.text_input(key="indicators_q").input("摄像头").run()
    assert not at.exception, at.exception
    table = rp.table_with(at, "三级指标")
    assert 0 < len(table) < total and all("摄像头" in n for n in table["三级指标"])
    assert at.query_params["q"] == "摄像头"
    assert "搜索“摄像头”找到 4 个指标" in [c.value for c in at.caption]
    # The history picker offers what the search found.
    assert all("摄像头" in o for o in at.selectbox(key="history_indicator").options)


def test_the_edit_form_keeps_a_refused_change_and_clears_a_saved_one(db) -> None:
    at = admin_page("用户")
    at.selectbox(key="edit_target").set_value("zhang")
    (role,) = [s for s in at.selectbox if s.label == "角色" and s.key.startswith("edit_role")]
    role.set_value(rp.REPORTER)
    (units,) = [m for m in at.multiselect if m.label == "实施单位(留空表示不变)"]
    units.set_value([])
    text_input(at, "重设密码(留空表示不变)").input("short")
    rp.button(at, "保存").click()
    at.run()
    assert not at.exception, at.exception
    assert rp.errors(at)
    assert text_input(at, "重设密码(留空表示不变)").value == "short"
    assert at.selectbox(key="edit_target").value == "zhang"

    text_input(at, "重设密码(留空表示不变)").input("a-new-password-1")
    rp.button(at, "保存").click()
    at.run()
    assert not at.exception, at.exception
    assert rp.successes(at) == ["已修改用户 zhang。"]
    assert text_input(at, "重设密码(留空表示不变)").value == ""
    assert at.selectbox(key="edit_target").value == "zhang"


def test_a_search_text_is_shown_as_text_not_markup(db) -> None:
    at = start(q="**粗体**[链接](http://x.example)")
    at.switch_page("pages/targets.py")
    at.run()
    assert not at.exception, at.exception
    (said,) = [c.value for c in at.caption if c.value.startswith("搜索")]
    assert "\\*\\*粗体\\*\\*" in said and "\\[链接\\]" in said
