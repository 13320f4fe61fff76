from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def app_db(tmp_path, monkeypatch):
    """A fresh database for an AppTest run; the process-wide store cache starts empty."""
    import streamlit as st

    db = tmp_path / "app.duckdb"
    monkeypatch.setenv("PERF_DB", str(db))
    st.cache_resource.clear()
    st.cache_data.clear()
    yield db
    st.cache_resource.clear()
    st.cache_data.clear()
