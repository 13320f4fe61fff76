"""管理: users and roles, the viewing switch, importing target tables, revising a target."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.accounts import add_user, set_viewing_needs_sign_in, update_user, users, viewing_needs_sign_in
from analytics.auth import ADMIN, REPORTER, ROLES
from analytics.backup import backup_list, backup_now
from analytics.exports import safe_frame
from analytics.model import InputError
from analytics.safetext import escape_markdown
from analytics.services import import_summary, import_upload, indicator_names, revise_target, target_versions
from analytics.settings import load_settings
from pages.common import current_user_or_stop, get_store, options

user = current_user_or_stop((ADMIN,))
store = get_store()
st.title("管理")
if st.session_state.get("admin_done"):
    st.success(st.session_state.pop("admin_done"))


def done(message: str) -> None:
    st.session_state["admin_done"] = message
    st.rerun()


people, settings_tab, targets_tab = st.tabs(["用户", "设置", "目标表"])
units = sorted(options()["unit"].dropna().unique().tolist())

with people:
    table = users(store, user)
    st.dataframe(safe_frame(table).rename(columns={
        "username": "用户名", "display_name": "姓名", "role": "角色", "units": "实施单位", "active": "启用",
        "failed_count": "连续登录失败", "last_failed_at": "最近失败", "created_at": "创建时间",
    }), hide_index=True, width="stretch")
    left, right = st.columns(2)
    with left.form("add_user", clear_on_submit=True):
        st.markdown("**新建用户**")
        name = st.text_input("用户名")
        display = st.text_input("姓名")
        role = st.selectbox("角色", ROLES, index=ROLES.index(REPORTER))
        chosen_units = st.multiselect("实施单位(填报员必选)", units)
        password = st.text_input(f"初始密码(至少 {load_settings().accounts.min_password} 位)", type="password")
        if st.form_submit_button("新建"):
            try:
                add_user(store, user, name, password, role, chosen_units, display or None)
            except InputError as e:
                st.error(escape_markdown(e))
            else:
                done(f"已新建用户 {escape_markdown(name)}。")
    with right.form("edit_user"):
        st.markdown("**修改用户**")
        target = st.selectbox("用户", table["username"].tolist())
        new_role = st.selectbox("角色", ["(不变)", *ROLES])
        new_units = st.multiselect("实施单位(留空表示不变)", units)
        active = st.selectbox("状态", ["(不变)", "启用", "停用"])
        new_password = st.text_input("重设密码(留空表示不变)", type="password")
        if st.form_submit_button("保存"):
            try:
                update_user(store, user, target, role=None if new_role == "(不变)" else new_role,
                            units=new_units or None, active=None if active == "(不变)" else active == "启用",
                            password=new_password or None)
            except InputError as e:
                st.error(escape_markdown(e))
            else:
                done(f"已修改用户 {escape_markdown(target)}。")

with settings_tab:
    needed = st.toggle("查看仪表盘需要登录", value=viewing_needs_sign_in(store))
    if needed != viewing_needs_sign_in(store):
        set_viewing_needs_sign_in(store, user, needed)
        done("已保存:查看仪表盘" + ("需要登录。" if needed else "不需要登录。"))
    st.caption("评分规则(权重、等级、监控灯阈值)在项目的 settings.toml 中,修改后仪表盘自动按新规则计算。")
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
        st.dataframe(safe_frame(pd.DataFrame(kept)).rename(columns={
            "folder": "备份", "created_at": "时间", "tables": "表数", "rows": "行数",
        }), hide_index=True, width="stretch")
    else:
        st.text("还没有备份。")

with targets_tab:
    st.markdown("**导入绩效目标表、自评表或监控表**(文本、XLSX、DOCX、PDF 或整理后的 CSV;"
                "同一张表再次导入只追加变化的版本;自评表和监控表的实际完成值、分值和得分一并导入)")
    file = st.file_uploader("表格文件", type=["txt", "csv", "xlsx", "docx", "pdf"],
                            key=f"targets_{st.session_state.get('targets_round', 0)}")
    if file is not None and st.button("导入", type="primary"):
        try:
            result = import_upload(store, user, file.getvalue(), file.name)
        except InputError as e:
            st.error(escape_markdown(e))
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
    iid = st.selectbox("指标", list(names), format_func=names.get, key="revise_indicator")
    st.dataframe(safe_frame(target_versions(store, int(iid))).rename(columns={
        "version": "版本", "recorded_at": "时间", "active": "有效", "target_text": "指标值", "changed_by": "修订人",
        "reason": "原因", "file_name": "来源文件"}), hide_index=True, width="stretch")
    with st.form("revise"):
        new_target = st.text_input("新的指标值", placeholder="例如 ≥98%")
        reason = st.text_input("修订原因")
        if st.form_submit_button("修订"):
            try:
                version = revise_target(store, user, int(iid), new_target, reason)
            except InputError as e:
                st.error(escape_markdown(e))
            else:
                done(f"已修订,当前为第 {version} 版。")
