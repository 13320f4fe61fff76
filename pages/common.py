"""UI plumbing shared by the pages: the one store per process, cursors per script run."""

from __future__ import annotations

import streamlit as st

from analytics.services import load_seed_if_empty
from analytics.storage import Store


@st.cache_resource(show_spinner="正在打开数据库…")
def _shared_store() -> Store:
    # One DuckDB connection per process; a first start on an empty file loads data/.
    store = Store.open()
    load_seed_if_empty(store)
    return store


def get_store() -> Store:
    """A cursor of the shared connection for this script run's thread."""
    return _shared_store().cursor()
