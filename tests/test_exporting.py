"""The export service and `python -m analytics export`: requests, refusals, audit, and each file made
from the seed with the sample report (issue 12 item 7)."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import date
from pathlib import Path

import openpyxl
import pdfplumber
import pytest
from pptx import Presentation

from analytics.cli import main
from analytics.dashboard import Filters, build_view
from analytics.exporting import EXPORT_ACTION, ExportRefused, ExportRequest, file_name, run_export, scope_text
from analytics.storage import Store

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "samples" / "actuals_2026.xlsx"
AS_OF = date(2026, 12, 31)


@pytest.fixture
def seeded(seed_sample_db: Path) -> Path:
    return seed_sample_db


@pytest.fixture
def store(seeded, tmp_path):
    db = tmp_path / "copy.duckdb"
    shutil.copyfile(seeded, db)
    s = Store.open(db)
    yield s
    s.close()


def _audit_rows(store: Store) -> list[tuple]:
    return store.con.execute("SELECT username, detail, file_name FROM audit_log WHERE action = ? ORDER BY audit_id",
                             [EXPORT_ACTION]).fetchall()


def test_a_request_for_a_type_a_kind_does_not_have_is_refused_with_the_types_it_has():
    with pytest.raises(ExportRefused, match="可导出为 PDF 或 PPTX"):
        ExportRequest("deck", "xlsx", Filters(as_of=AS_OF)).check()
    with pytest.raises(ExportRefused, match="1 到 12"):
        ExportRequest("monitor", "xlsx", Filters(as_of=AS_OF), month=13).check()


def test_file_name_and_scope_say_what_for_whom_and_as_of_when():
    f = Filters(as_of=AS_OF, department="南昌市生态环境局", project_ids=(3, 1))
    assert file_name(ExportRequest("workbook", "xlsx", f)) == "部门绩效工作簿_南昌市生态环境局_20261231.xlsx"
    odd = Filters(as_of=AS_OF, unit='a/b:"c"')
    assert file_name(ExportRequest("deck", "pdf", odd)) == "绩效评审材料_a_b__c__20261231.pdf"
    text = scope_text(f, {1: "甲项目", 3: "丙项目"})
    assert "截至2026年12月31日" in text and "主管部门:南昌市生态环境局" in text and "丙项目、甲项目" in text


def test_an_empty_selection_is_refused_and_nothing_is_logged(store):
    req = ExportRequest("selfeval", "xlsx", Filters(as_of=AS_OF, year=1999))
    with pytest.raises(ExportRefused, match="没有项目;请放宽"):
        run_export(store, req, "admin", "管理员")
    assert _audit_rows(store) == []


def test_a_selection_past_the_limit_is_refused_with_the_way_to_split_it(store, monkeypatch):
    import dataclasses

    from analytics import settings as settings_module

    s = settings_module.load_settings()
    small = dataclasses.replace(s, exports=dataclasses.replace(s.exports, max_projects=2))
    with pytest.raises(ExportRefused, match=r"超过单次导出上限 2 个.*分批导出"):
        run_export(store, ExportRequest("deck", "pdf", Filters(as_of=AS_OF)), "admin", "管理员", small)


@pytest.mark.parametrize(("kind", "fmt"), [("selfeval", "xlsx"), ("selfeval", "pdf"), ("monitor", "xlsx"),
                                           ("monitor", "pdf"), ("workbook", "xlsx"), ("workbook", "pdf"),
                                           ("deck", "pdf"), ("deck", "pptx")])
def test_each_export_of_the_seed_opens_names_every_project_and_is_audited(store, kind, fmt):
    filters = Filters(as_of=AS_OF)
    view = build_view(store, filters)
    names = list(view.projects["name"])
    seen: list[tuple[int, int]] = []
    data = run_export(store, ExportRequest(kind, fmt, filters, 7 if kind == "monitor" else None), "admin", "管理员",
                      progress=lambda done, total: seen.append((done, total)))
    if fmt == "xlsx":
        wb = openpyxl.load_workbook(io.BytesIO(data))
        text = "\n".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value)
    elif fmt == "pdf":
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            text = "\n".join(page.extract_text() or "" for page in pdf.pages)
    else:
        deck = Presentation(io.BytesIO(data))
        text = "\n".join(shape.text_frame.text for slide in deck.slides for shape in slide.shapes
                         if shape.has_text_frame)
    flat = text.replace("\n", "")
    for name in names:
        # Long names wrap inside their cell: compare without the line breaks.
        assert name.split("_")[-1][:12] in flat, (kind, fmt, name)
    assert seen and seen[-1][0] == seen[-1][1], "the progress callback ends at done == total"
    [(user, detail, fname)] = _audit_rows(store)
    assert user == "admin" and f"{len(names)} 个项目" in detail and "截至2026年12月31日" in detail
    assert fname.endswith("." + fmt)


def test_cli_export_writes_the_file_and_refuses_unknown_names_and_suffixes(seeded, tmp_path, capsys):
    db = tmp_path / "cli.duckdb"
    shutil.copyfile(seeded, db)
    out = tmp_path / "自评表.xlsx"
    assert main(["export", "selfeval", "--db", str(db), "--as-of", "2026-12-31", "--project", "1",
                 "--out", str(out)]) == 0
    assert "✓ 已写入项目支出绩效自评表" in capsys.readouterr().out
    wb = openpyxl.load_workbook(out)
    assert len(wb.worksheets) == 1

    assert main(["export", "deck", "--db", str(db), "--out", str(tmp_path / "deck.xlsx")]) == 1
    assert "评审材料可导出为 .pdf 或 .pptx" in capsys.readouterr().out
    assert main(["export", "workbook", "--db", str(db), "--dept", "没有的部门", "--out", str(out)]) == 1
    said = capsys.readouterr().out
    assert "--dept “没有的部门” 不是已导入的名称" in said and "南昌市生态环境局" in said
    assert main(["export", "monitor", "--db", str(db), "--project", "999", "--out", str(out)]) == 1
    assert "没有编号为 999 的项目" in capsys.readouterr().out
    assert main(["export", "monitor", "--db", str(db), "--as-of", "2026/12/31", "--out", str(out)]) == 1
    assert "YYYY-MM-DD" in capsys.readouterr().out

    store = Store.open(db, read_only=True)
    try:
        [(user, detail, _)] = _audit_rows(store)
    finally:
        store.close()
    assert user == "命令行" and "1 个项目" in detail


def test_cli_export_pdf_has_embedded_fonts(seeded, tmp_path):
    db = tmp_path / "cli.duckdb"
    shutil.copyfile(seeded, db)
    out = tmp_path / "监控表.pdf"
    assert main(["export", "monitor", "--db", str(db), "--as-of", "2026-12-31", "--month", "6",
                 "--out", str(out)]) == 0
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows and any("CJK" in r or "SC" in r for r in rows)
    assert all(r.split()[-5] == "yes" for r in rows), fonts   # the "emb" column
