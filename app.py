"""Entry point: page config, navigation and the shared sidebar. Pages hold UI only."""

from __future__ import annotations

import streamlit as st

from pages.common import get_store

st.set_page_config(page_title="项目支出绩效目标", page_icon="📊", layout="wide")

store = get_store()

pages = [
    st.Page("pages/projects.py", title="项目与指标", icon="📋", default=True),
]
nav = st.navigation(pages)

with st.sidebar:
    st.caption(f"数据库:{store.path}")

nav.run()
