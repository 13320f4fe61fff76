"""管理: users and roles, the viewing switch, importing target tables, revising a target."""

from __future__ import annotations

import json
from datetime import datetime

import pandas as pd
import streamlit as st

from analytics import auth
from analytics.accounts import (
    add_user,
    set_viewing_needs_sign_in,
    unlock_user,
    update_user,
    users,
    viewing_needs_sign_in,
)
from analytics.auth import ADMIN, REPORTER, ROLES
from analytics.backup import backup_list, backup_now
from analytics.dashboard import target_version_table
from analytics.exports import screen_frame
from analytics.model import InputError
from analytics.safetext import escape_markdown
from analytics.services import import_summary, import_upload, indicator_names, revise_target, target_versions
from analytics.settings import load_settings
from analytics.wording import cn_datetime, cn_datetimes
from pages.common import current_user_or_stop, get_store, options

user = current_user_or_stop((ADMIN,))
store = get_store()
st.title("管理")
if st.session_state.get("admin_done"):
    st.success(st.session_state.pop("admin_done"))


def done(message: str) -> None:
    st.session_state["admin_done"] = message
    st.rerun()


def cleared(form: str) -> int:
    """The round of a form's widget keys: a success starts a new round, so the next form is empty,
    while a form refused with an error keeps everything that was typed (clear_on_submit would not)."""
    return st.session_state.get(f"{form}_round", 0)


def done_and_clear(form: str, message: str) -> None:
    st.session_state[f"{form}_round"] = cleared(form) + 1
    done(message)


# A radio remembered in session_state, not st.tabs: tabs fall back to the first one on every rerun,
# and each import, save or revision reruns the page.
SECTIONS = ("用户", "设置", "目标表")
section = st.radio("管理内容", SECTIONS, horizontal=True, key="admin_section", label_visibility="collapsed")
units = sorted(options()["unit"].dropna().unique().tolist())

if section == "用户":
    table = users(store, user)
    now = datetime.now()
    lock_ends = [auth.locked_until(int(n or 0), last) if pd.notna(last) else None
                 for n, last in zip(table["failed_count"], table["last_failed_at"], strict=True)]
    locked = {name: end for name, end in zip(table["username"], lock_ends, strict=True) if end and end > now}
    shown = table.assign(
        units=table["units"].map(lambda u: "、".join(json.loads(u)) or "全部"),
        active=table["active"].map({True: "启用", False: "停用"}),
        lock=[f"锁定至 {cn_datetime(locked[n], seconds=True)}" if n in locked else "" for n in table["username"]],
        last_failed_at=cn_datetimes(table["last_failed_at"], seconds=True),
        created_at=cn_datetimes(table["created_at"], seconds=True),
    )
    # The lock beside the state, where a narrow screen still shows it.
    shown = shown[["username", "display_name", "role", "units", "active", "lock", "failed_count", "last_failed_at",
                   "created_at"]]
    st.dataframe(screen_frame(shown).rename(columns={
        "username": "用户名", "display_name": "姓名", "role": "角色", "units": "实施单位", "active": "状态",
        "failed_count": "连续登录失败", "last_failed_at": "最近失败", "created_at": "创建时间", "lock": "锁定",
    }), hide_index=True, width="stretch")
    if locked:
        st.warning(escape_markdown("、".join(f"{n}(锁定至 {end:%H:%M:%S})" for n, end in locked.items()))
                   + ":连续登录失败次数过多,账号已锁定。确认是本人后可在下面解除锁定。", icon=":material/lock:")
        with st.form("unlock"):
            who = st.selectbox("锁定的账号", list(locked), key="unlock_user", placeholder="请选择")
            if st.form_submit_button("解除锁定"):
                try:
                    unlock_user(store, user, who)
                except InputError as e:
                    st.error(escape_markdown(e))
                else:
                    done(f"已解除 {escape_markdown(who)} 的锁定,该用户可以重新登录。")
    left, right = st.columns(2)
    r = cleared("add_user")
    with left.form("add_user"):
        st.markdown("**新建用户**")
        name = st.text_input("用户名", key=f"new_name_{r}")
        display = st.text_input("姓名", key=f"new_display_{r}")
        role = st.selectbox("角色", ROLES, index=ROLES.index(REPORTER), key=f"new_role_{r}", placeholder="请选择")
        chosen_units = st.multiselect("实施单位(填报员必选)", units, key=f"new_units_{r}", placeholder="请选择")
        password = st.text_input(f"初始密码(至少 {load_settings().accounts.min_password} 位)", type="password",
                                 key=f"new_password_{r}")
        if st.form_submit_button("新建"):
            try:
                add_user(store, user, name, password, role, chosen_units, display or None)
            except InputError as e:
                st.error(escape_markdown(e))
            else:
                done_and_clear("add_user", f"已新建用户 {escape_markdown(name)}。")
    r = cleared("edit_user")
    with right.form("edit_user"):
        st.markdown("**修改用户**")
        target = st.selectbox("用户", table["username"].tolist(), key="edit_target", placeholder="请选择")
        new_role = st.selectbox("角色", ["(不变)", *ROLES], key=f"edit_role_{r}", placeholder="请选择")
        new_units = st.multiselect("实施单位(留空表示不变)", units, key=f"edit_units_{r}", placeholder="请选择")
        active = st.selectbox("状态", ["(不变)", "启用", "停用"], key=f"edit_active_{r}", placeholder="请选择")
        new_password = st.text_input("重设密码(留空表示不变)", type="password", key=f"edit_password_{r}")
        if st.form_submit_button("保存"):
            try:
                update_user(store, user, target, role=None if new_role == "(不变)" else new_role,
                            units=new_units or None, active=None if active == "(不变)" else active == "启用",
                            password=new_password or None)
            except InputError as e:
                st.error(escape_markdown(e))
            else:
                done_and_clear("edit_user", f"已修改用户 {escape_markdown(target)}。")

elif section == "设置":
    needed = st.toggle("查看仪表盘需要登录", value=viewing_needs_sign_in(store))
    if needed != viewing_needs_sign_in(store):
        set_viewing_needs_sign_in(store, user, needed)
        done("已保存:查看仪表盘" + ("需要登录。" if needed else "不需要登录。"))
    st.caption("评分规则(权重、等级、监控灯阈值)在项目的 settings.toml 中,修改后仪表盘自动按新规则计算。")
    # Where the data live is for the administrator, not for visitors (the sidebar no longer says it).
    st.text(f"数据库文件:{store.path}")
    st.divider()
    backups = load_settings().backup
    st.markdown("**备份**(仪表盘运行时命令行无法打开数据库,请在这里备份)")
    st.text(f"备份文件夹:{backups.folder};每天 {backups.daily_at} 自动备份;保留最近 {backups.keep} 份")
    if st.button("备份", key="backup_now"):
        try:
            folder = backup_now(store, user, backups.folder, backups.keep)
        except InputError as e:
            st.error(escape_markdown(e))
        else:
            done(f"已备份到 {escape_markdown(folder)}。")
    kept = backup_list(backups.folder)
    if kept:
        kept_shown = pd.DataFrame(kept)
        kept_shown["created_at"] = cn_datetimes(kept_shown["created_at"], seconds=True)
        st.dataframe(screen_frame(kept_shown).rename(columns={
            "folder": "备份", "created_at": "时间", "tables": "表数", "rows": "行数",
        }), hide_index=True, width="stretch")
    else:
        st.text("还没有备份。")

else:
    st.markdown("**导入绩效目标表、自评表或监控表**(文本、XLSX、DOCX、PDF 或整理后的 CSV;"
                "同一张表再次导入只追加变化的版本;自评表和监控表的实际完成值、分值和得分一并导入)")
    file = st.file_uploader("表格文件(TXT、CSV、XLSX、DOCX 或 PDF)", type=["txt", "csv", "xlsx", "docx", "pdf"],
                            key=f"targets_{st.session_state.get('targets_round', 0)}")
    if file is not None and st.button("导入", type="primary"):
        try:
            result = import_upload(store, user, file.getvalue(), file.name)
        except InputError as e:
            st.error(escape_markdown(e) + "(本次导入未保存任何内容,已记入审计日志)")
        else:
            st.session_state["targets_round"] = st.session_state.get("targets_round", 0) + 1
            st.session_state["last_import"] = import_summary(result)
            done(f"已导入 {result.tables} 张表:{'、'.join(dict.fromkeys(result.kinds))}。")
    if st.session_state.get("last_import"):
        # Names and warnings come from the file: shown as plain text, never as markdown.
        st.text("\n".join(st.session_state["last_import"]))
    st.divider()
    st.markdown("**修订指标值**(旧的目标值保留可查)")
    names = indicator_names(store)
    iid = st.selectbox("指标", list(names), format_func=names.get, key="revise_indicator", placeholder="请选择")
    st.dataframe(screen_frame(target_version_table(target_versions(store, int(iid)))), hide_index=True,
                 width="stretch")
    r = cleared("revise")
    with st.form("revise"):
        new_target = st.text_input("新的指标值", placeholder="例如 ≥98%", key=f"revise_target_{r}")
        reason = st.text_input("修订原因", key=f"revise_reason_{r}")
        if st.form_submit_button("修订"):
            try:
                version = revise_target(store, user, int(iid), new_target, reason)
            except InputError as e:
                st.error(escape_markdown(e))
            else:
                done_and_clear("revise", f"已修订,当前为第 {version} 版。")
