"""AppTest of the 导出 page and the links to it on 资金 and 评审 (issue 12 item 7)."""

from __future__ import annotations

import io
import shutil
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from analytics.exporting import EXPORT_ACTION
from analytics.storage import Store
from tests.conftest import ROOT

SAMPLE = ROOT / "data" / "samples" / "actuals_2026.xlsx"
AS_OF = date(2026, 12, 31)
APP = str(ROOT / "app.py")


@pytest.fixture
def db(app_db: Path, seed_sample_db: Path) -> Path:
    shutil.copy(seed_sample_db, app_db)
    return app_db


def open_export(**params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["as_of"] = AS_OF.isoformat()
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    at.switch_page("pages/export.py")
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == "导出"
    return at


def test_the_page_generates_the_workbook_of_the_selection_and_audits_it(db):
    at = open_export()
    assert "共 4 个项目" in " ".join(c.value for c in at.caption)
    at.radio(key="export_kind").set_value("workbook")
    at.run()
    assert at.radio(key="export_fmt_workbook").options == ["XLSX", "PDF"]
    at.button(key="export_go").click()
    at.run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    [download] = at.get("download_button")
    assert download.proto.label.startswith("下载 部门绩效工作簿_") and download.proto.label.endswith("_20261231.xlsx")
    # The file itself: the audit line names it, and the bytes are a workbook with a 汇总 sheet first.
    # The app holds the file in this process: the same configuration shares its database instance.
    store = Store.open(db)
    try:
        rows = store.con.execute("SELECT detail, file_name FROM audit_log WHERE action = ?", [EXPORT_ACTION]).fetchall()
    finally:
        store.close()
    [(detail, fname)] = rows
    assert "部门绩效工作簿 XLSX,4 个项目" in detail and fname.endswith(".xlsx")


def test_a_link_with_kind_preselects_it_and_a_changed_choice_asks_to_generate_again(db):
    at = open_export(kind="deck")
    assert at.radio(key="export_kind").value == "deck"
    assert at.radio(key="export_fmt_deck").options == ["PDF", "PPTX"]
    at.button(key="export_go").click()
    at.run()
    assert at.get("download_button")
    at.radio(key="export_fmt_deck").set_value("pptx")
    at.run()
    assert not at.get("download_button")
    assert "选择已改变:请重新生成文件。" in [c.value for c in at.caption]


def test_funding_and_review_link_to_the_export_page_with_their_kind(db):
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["as_of"] = AS_OF.isoformat()
    at.run()
    at.switch_page("pages/funding.py")
    at.run()
    links = {p.proto.label: p.proto.query_string for p in at.main.get("page_link")}
    assert links.get("导出部门工作簿") == "kind=workbook", links
    at.switch_page("pages/review.py")
    at.run()
    review_links = {p.proto.label: p.proto.query_string for p in at.sidebar.get("page_link")}
    assert review_links.get("导出评审材料(PDF / PPTX)") == "kind=deck", review_links


def test_the_workbook_bytes_open(db):
    at = open_export(kind="workbook")
    at.button(key="export_go").click()
    at.run()
    assert at.get("download_button")
    # The page's session holds the one file it made (what the download button serves).
    data = at.session_state["export_result"][2]
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames[0] == "汇总" and len(wb.sheetnames) == 5
