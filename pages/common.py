"""UI plumbing shared by the pages: the one store per process, the sidebar's filters, cached views."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from analytics.dashboard import Filters, View, build_view, filter_options
from analytics.services import load_seed_if_empty
from analytics.settings import load_settings
from analytics.storage import Store

FILTERS_KEY = "filters"
# True while app.py runs a page; see ensure_entry.
ENTRY_KEY = "_entry_running"


@st.cache_resource(show_spinner="正在打开数据库…")
def _shared_store() -> Store:
    # One DuckDB connection per process; a first start on an empty file loads data/.
    store = Store.open()
    load_seed_if_empty(store)
    return store


def get_store() -> Store:
    """A cursor of the shared connection for this script run's thread."""
    return _shared_store().cursor()


def data_version() -> tuple[int, ...]:
    """Part of every cache key: it changes with every import, report, withdrawal or revision."""
    return get_store().data_version()


@st.cache_data(max_entries=32, show_spinner=False)
def _options(version: tuple[int, ...]) -> pd.DataFrame:
    return filter_options(get_store())


def options() -> pd.DataFrame:
    """Every project's id, year, name, department and unit, for the sidebar."""
    return _options(data_version())


@st.cache_data(max_entries=64, show_spinner="正在计算…")
def _view(version: tuple[int, ...], settings_key: str, as_of: date, year: int | None, department: str | None,
          unit: str | None, project_ids: tuple[int, ...]) -> View:
    filters = Filters(as_of=as_of, year=year, department=department, unit=unit, project_ids=project_ids)
    return build_view(get_store(), filters, load_settings())


def ensure_entry() -> None:
    """Rerun through app.py when Streamlit ran a page file on its own.

    With a folder named ``pages/`` beside app.py, Streamlit 1.67 starts a process in its old
    pages-directory mode, which runs a deep-linked page (``/review?review=3``) without app.py:
    no sidebar, no filters from the URL. ``st.navigation`` ends that mode for the process, so
    the page ends it the same way and reruns; the rerun goes through app.py to this page.
    """
    if st.session_state.get(ENTRY_KEY):
        return
    from streamlit.runtime.pages_manager import PagesManager

    PagesManager.uses_pages_directory = False
    st.rerun()


def current_filters() -> Filters:
    """The sidebar's choices of this run (set by app.py before the page runs)."""
    ensure_entry()
    return st.session_state.get(FILTERS_KEY) or Filters(as_of=date.today())


def current_view() -> View:
    """The engine's results for the sidebar's choices, cached by choices and data version."""
    f = current_filters()
    return _view(data_version(), repr(load_settings()), f.as_of, f.year, f.department, f.unit, f.project_ids)
