"""The four seed tables written in every accepted format import to identical projects and indicators."""

from __future__ import annotations

import copy
import io
from collections.abc import Callable
from pathlib import Path

import docx
import openpyxl
import pytest

from analytics import services
from analytics.layout import table_rows
from analytics.model import ProjectTable
from analytics.readers import docx_rows, read_tables
from analytics.storage import Store
from tests import fixtures

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "data" / "000_8af13639028b6537.txt"

PROJECT_KEYS = {
    "project_id", "year", "name", "department", "unit", "attribute", "start_date", "end_date",
    "funding_total", "funding_fiscal", "funding_other", "goal_text", "warnings", "indicators",
}
INDICATOR_KEYS = {
    "indicator_id", "level1", "level2", "name", "target_text", "operator", "target_value", "unit",
    "unit_normalized", "kind", "direction",
}


def without_ids(data: list[dict]) -> list[dict]:
    """projects_data with only the database ids left out; every other field is compared."""
    out = []
    for p in data:
        assert set(p) == PROJECT_KEYS
        q = {k: v for k, v in p.items() if k != "project_id"}
        q["indicators"] = []
        for i in p["indicators"]:
            assert set(i) == INDICATOR_KEYS
            q["indicators"].append({k: v for k, v in i.items() if k != "indicator_id"})
        out.append(q)
    return out


@pytest.fixture(scope="module")
def seed_tables() -> list[ProjectTable]:
    return read_tables(SEED.read_bytes(), SEED.name)


@pytest.fixture(scope="module")
def seed_data(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    store = Store.open(tmp_path_factory.mktemp("seed") / "seed.duckdb")
    try:
        result = services.import_file(store, SEED)
        assert (result.tables, result.indicators, result.projects_new) == (4, 59, 4)
        return without_ids(services.projects_data(store))
    finally:
        store.close()


def test_seed_reference_holds_the_published_values(seed_data: list[dict]) -> None:
    """The reference every format is compared with is itself right (so equality means something)."""
    assert [len(p["indicators"]) for p in seed_data] == [10, 13, 17, 19]
    p1, p2, p3, p4 = seed_data
    assert p1["name"] == "生态环保行业管理_机动车污染防治项目"
    assert p1["year"] == 2026
    assert p1["department"] == "402-南昌市生态环境局(部门)"
    assert p1["unit"] == "南昌市生态环境污染防治中心"
    assert p1["attribute"] == "当年项目"
    assert (p1["start_date"], p1["end_date"]) == ("2026-01-01", "2026-12-31")
    assert (p1["funding_total"], p1["funding_fiscal"], p1["funding_other"]) == (78.0, 78.0, 0.0)
    assert p1["goal_text"].startswith("加大机动车尾气污染防治力度")
    assert p1["warnings"] == []
    assert p2["funding_total"] == 65.34
    first = p1["indicators"][0]
    assert first == {
        "level1": "成本指标", "level2": "经济成本指标", "name": "移动源污染防治相关平台升级及打包运维服务项目费用",
        "target_text": "≤60万", "operator": "<=", "target_value": 60.0, "unit": "万", "unit_normalized": "万元",
        "kind": "quantitative", "direction": "lower",
    }
    deadline = p1["indicators"][6]
    assert (deadline["kind"], deadline["target_value"]) == ("deadline", "2026-12-30")
    # The shifted rows of the seed ("网络运维工作及时性\t\t=100%", "时效指标\t全年工作完成的及时性\t=100%").
    assert p2["indicators"][10]["name"] == "网络运维工作及时性"
    assert (p2["indicators"][10]["level1"], p2["indicators"][10]["level2"]) == ("产出指标", "时效指标")
    assert (p3["indicators"][13]["level2"], p3["indicators"][13]["name"]) == ("时效指标", "全年工作完成的及时性")
    assert p3["indicators"][15]["kind"] == "qualitative"
    assert p3["warnings"] == ["指标“开展危险废物经营许可证核发市级审核企业数”统计的是企业数量,单位却是“次”"]
    assert p4["attribute"] == "上年结转项目"
    assert (p4["start_date"], p4["end_date"]) == ("2025-04-01", "2026-04-30")
    assert p4["goal_text"].count("\n") == 1 and "<p>" not in p4["goal_text"]
    assert len(p4["warnings"]) == 1 and "558.00" in p4["warnings"][0] and "结转" in p4["warnings"][0]


def _write_bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# name -> writes the fixture into a folder and returns the file to import
FORMATS: dict[str, Callable[[list[ProjectTable], Path], Path]] = {
    "xlsx_one_sheet": lambda ts, d: fixtures.write_xlsx_layout(ts, d / "目标表.xlsx"),
    "xlsx_sheet_per_table": lambda ts, d: fixtures.write_xlsx_layout(ts, d / "目标表.xlsx", tables_per_sheet=1),
    "xlsx_two_per_sheet": lambda ts, d: fixtures.write_xlsx_layout(ts, d / "目标表.xlsx", tables_per_sheet=2),
    "docx": lambda ts, d: fixtures.write_docx_layout(ts, d / "目标表.docx"),
    "gbk_crlf_txt": lambda ts, d: _write_bytes(d / "目标表.txt", fixtures.gbk_crlf_text(ts)),
    "utf8_bom_txt": lambda ts, d: _write_bytes(d / "目标表.txt", fixtures.bom_text(ts)),
    "pipe_txt": lambda ts, d: _write_bytes(d / "目标表.txt", fixtures.pipe_text(ts).encode("utf-8")),
    "tidy_csv_utf8_bom": lambda ts, d: fixtures.write_tidy_csv(ts, d / "目标表.csv", "utf-8-sig"),
    "tidy_csv_gbk": lambda ts, d: fixtures.write_tidy_csv(ts, d / "目标表.csv", "gbk"),
    "tidy_xlsx": lambda ts, d: fixtures.write_tidy_xlsx(ts, d / "目标表.xlsx"),
}


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_format_imports_identical_projects(
    fmt: str, seed_tables: list[ProjectTable], seed_data: list[dict], tmp_path: Path
) -> None:
    path = FORMATS[fmt](seed_tables, tmp_path)
    store = Store.open(tmp_path / "db.duckdb")
    try:
        if fmt.endswith("_txt"):
            result = services.import_bytes(store, path.read_bytes(), path.name)
        else:
            result = services.import_file(store, path)
        assert (result.tables, result.indicators, result.projects_new) == (4, 59, 4)
        counts = store.table_counts()
        assert (counts["projects"], counts["indicators"], counts["target_versions"]) == (4, 59, 59)
        assert without_ids(services.projects_data(store)) == seed_data
    finally:
        store.close()


FULL_WIDTH_GOAL = "加大机动车尾气污染防治力度，逐步降低排放量（PM2.5）：助力打赢蓝天保卫战。"


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_full_width_goal_text_is_kept_as_written(
    fmt: str, seed_tables: list[ProjectTable], tmp_path: Path
) -> None:
    """Real goal texts use full-width punctuation; every format must keep it the same way."""
    tables = copy.deepcopy(seed_tables)
    tables[0].goal_text = FULL_WIDTH_GOAL
    path = FORMATS[fmt](tables, tmp_path)
    got = read_tables(path.read_bytes(), path.name)
    assert [t.name for t in got] == [t.name for t in seed_tables]
    assert got[0].goal_text == FULL_WIDTH_GOAL
    assert [t.goal_text for t in got[1:]] == [t.goal_text for t in seed_tables[1:]]


def test_several_xlsx_layouts_hold_what_they_should(seed_tables: list[ProjectTable], tmp_path: Path) -> None:
    one = openpyxl.load_workbook(fixtures.write_xlsx_layout(seed_tables, tmp_path / "one.xlsx"))
    assert len(one.worksheets) == 1
    titles = [c.row for c in one.active["A"] if c.value == "项目支出绩效目标表"]
    assert len(titles) == 4
    per = openpyxl.load_workbook(fixtures.write_xlsx_layout(seed_tables, tmp_path / "per.xlsx", tables_per_sheet=1))
    assert len(per.worksheets) == 4
    assert [ws["B3"].value for ws in per.worksheets] == [t.name for t in seed_tables]


def test_xlsx_merged_cells_keep_value_only_in_top_left(seed_tables: list[ProjectTable], tmp_path: Path) -> None:
    path = fixtures.write_xlsx_layout(seed_tables, tmp_path / "merged.xlsx")
    ws = openpyxl.load_workbook(path, data_only=True).active
    expected = sum(len(table_rows(t)[1]) for t in seed_tables)
    ranges = list(ws.merged_cells.ranges)
    assert len(ranges) == expected > 0
    multi_row = 0
    for rng in ranges:
        top_left = ws.cell(rng.min_row, rng.min_col)
        others = [
            ws.cell(r, c).value
            for r in range(rng.min_row, rng.max_row + 1)
            for c in range(rng.min_col, rng.max_col + 1)
            if (r, c) != (rng.min_row, rng.min_col)
        ]
        assert others and all(v is None for v in others), rng.coord
        assert top_left.value is not None or rng.min_col >= 3, rng.coord  # only empty 其他资金 cells
        multi_row += rng.max_row > rng.min_row
    assert multi_row > 0  # 一级/二级 and 项目属性 merges span rows
    # The first table's 项目名称 spans B3:D3 and the 成本指标 group A13:A14.
    coords = {r.coord for r in ranges}
    assert {"B3:D3", "A13:A14", "A1:D1"} <= coords
    # The second table starts after the first one and one blank row, with its merges shifted.
    second = len(table_rows(seed_tables[0])[0]) + 2
    assert ws.cell(second, 1).value == "项目支出绩效目标表"
    assert all(ws.cell(second - 1, c).value is None for c in range(1, 5))
    assert f"B{second + 2}:D{second + 2}" in coords


def test_docx_merged_cells_count_once(seed_tables: list[ProjectTable], tmp_path: Path) -> None:
    path = fixtures.write_docx_layout(seed_tables, tmp_path / "merged.docx")
    document = docx.Document(str(path))
    assert len(document.tables) == 4
    texts = [p.text for p in document.paragraphs if p.text]
    assert texts[:2] == ["项目支出绩效目标表", "(2026年度)"]
    assert texts[2].startswith("注:若为空表")
    first = document.tables[0]
    # python-docx repeats a merged cell: 项目名称 spans three columns, 成本指标 two rows.
    name_row = first.rows[0].cells
    assert [c.text for c in name_row] == ["项目名称"] + [seed_tables[0].name] * 3
    assert name_row[1]._tc is name_row[3]._tc
    assert first.rows[11].cells[0]._tc is first.rows[10].cells[0]._tc
    assert first.rows[11].cells[0].text == "成本指标"

    rows = docx_rows(path.read_bytes(), path.name)
    by_where = {r.row_where: r.cells for r in rows}
    assert by_where["第1个表格第1行"] == ["项目名称", seed_tables[0].name, "", ""]
    assert by_where["第1个表格第4行"] == ["", "", "", "2026年12月31日"]
    assert by_where["第1个表格第12行"] == ["", "", "标气标牌采购费用", "≤18万"]
    assert rows[0].cells == ["项目支出绩效目标表"] and rows[0].row_where == "第1段"


def test_text_fixtures_are_what_they_claim(seed_tables: list[ProjectTable]) -> None:
    gbk = fixtures.gbk_crlf_text(seed_tables)
    with pytest.raises(UnicodeDecodeError):
        gbk.decode("utf-8")
    text = gbk.decode("gbk")
    assert text.count("\r\n") == text.count("\n") > 100
    assert "\t≥97%" in text
    bom = fixtures.bom_text(seed_tables)
    assert bom.startswith(b"\xef\xbb\xbf") and b"\r" not in bom
    pipe = fixtures.pipe_text(seed_tables)
    assert "\t" not in pipe and "移动源污染防治相关平台数据上传率 | ≥97%" in pipe


def test_tidy_fixtures_have_one_row_per_indicator(seed_tables: list[ProjectTable], tmp_path: Path) -> None:
    import csv

    path = fixtures.write_tidy_csv(seed_tables, tmp_path / "tidy.csv", "gbk")
    records = list(csv.reader(io.StringIO(path.read_bytes().decode("gbk"))))
    assert records[0][-1] == "指标值" and len(records) == 1 + 59
    ws = openpyxl.load_workbook(fixtures.write_tidy_xlsx(seed_tables, tmp_path / "tidy.xlsx"), data_only=True).active
    assert ws.max_row == 1 + 59
    assert [c.value for c in ws[1]][-4:] == ["一级指标", "二级指标", "三级指标", "指标值"]
    assert ws["O4"].value == "=1次" and ws["A2"].value == 2026 and ws["H3"].value == 78.0
