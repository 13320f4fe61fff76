"""登录: shown alone when the administrator has made viewing require sign-in."""

from __future__ import annotations

import streamlit as st

from pages.common import ensure_entry

ensure_entry()
st.title("登录")
st.info("管理员已设置查看仪表盘需要登录。请在左侧输入用户名和密码。")
