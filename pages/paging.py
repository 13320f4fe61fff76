"""A long table's page number: one input that names how many pages there are (UI only)."""

from __future__ import annotations

import streamlit as st

from analytics.dashboard import page_count


def page_number(rows: int, per_page: int, what: str, key: str) -> int:
    """The page (from 1) of ``rows`` rows, ``per_page`` a page, that the user chose; 1 while one page holds all.

    The key carries the number of pages, so a filter that changes it starts again at page 1 instead of
    keeping a page that no longer exists.
    """
    pages = page_count(rows, per_page)
    if pages <= 1:
        return 1
    return int(st.number_input(f"页码(共 {pages} 页,每页 {per_page} {what})", min_value=1, max_value=pages,
                               value=1, step=1, key=f"{key}_of_{pages}"))
