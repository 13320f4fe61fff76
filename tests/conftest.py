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


@pytest.fixture(scope="session")
def seed_sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed plus the sample report (data/samples/actuals_2026.xlsx, as of 2026-12-31) in a closed
    database file, built once per session; tests copy it (loading takes longer than most tests)."""
    from datetime import date

    from analytics import services
    from analytics.storage import Store

    sample = ROOT / "data" / "samples" / "actuals_2026.xlsx"
    path = tmp_path_factory.mktemp("seed_sample") / "sample.duckdb"
    store = Store.open(path)
    try:
        services.load_seed_if_empty(store)
        services.load_report(store, sample.read_bytes(), sample.name, today=date(2026, 12, 31))
    finally:
        store.close()
    return path


@pytest.fixture(scope="session")
def layout_corpus(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The layout corpus of tests/make_layouts.py, written once per session (PDFs only where
    Debian's chromium is installed); file name -> Case."""
    from tests.make_layouts import CHROMIUM, write_corpus

    cases = write_corpus(tmp_path_factory.mktemp("layouts"), pdf=CHROMIUM.exists())
    return {c.file: c for c in cases}


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium for a browser test module (tests/browser_support.py); skipped where it is missing."""
    from playwright.sync_api import expect

    from tests.browser_support import TIMEOUT_MS, launched_chromium, require_browser

    require_browser()
    expect.set_options(timeout=TIMEOUT_MS)
    with launched_chromium() as b:
        yield b
