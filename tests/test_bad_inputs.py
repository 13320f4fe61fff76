"""Bad inputs get a clear Chinese message and leave the database unchanged; re-imports version."""

from __future__ import annotations

import copy
import dataclasses
import io
import re
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from analytics import services
from analytics.layout import tidy_frame, to_text
from analytics.model import InputError, ProjectTable
from analytics.readers import read_tables
from analytics.storage import Store
from tests import fixtures

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "data" / "000_8af13639028b6537.txt"
SEED_TEXT = SEED.read_text(encoding="utf-8")

GARBAGE = bytes((i * 37 + 11) % 256 for i in range(4096))


@pytest.fixture(scope="module")
def seed_tables() -> list[ProjectTable]:
    return read_tables(SEED.read_bytes(), SEED.name)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A store on a DuckDB file that already holds the seed import."""
    s = Store.open(tmp_path / "perf.duckdb")
    services.import_file(s, SEED)
    counts = s.table_counts()
    assert (counts["projects"], counts["indicators"], counts["imports"]) == (4, 59, 1)
    yield s
    s.close()


def assert_rejected(store: Store, data: bytes, file_name: str, *fragments: str) -> str:
    """Importing fails with InputError naming the file and every fragment; nothing is written."""
    before = store.table_counts()
    data_before = services.projects_data(store)
    with pytest.raises(InputError) as info:
        services.import_bytes(store, data, file_name)
    message = str(info.value)
    assert f"文件“{file_name}”" in message, message
    assert len(re.findall(r"[\u4e00-\u9fff]", message.replace(file_name, ""))) >= 5, message  # a Chinese reason
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    assert store.table_counts() == before
    assert services.projects_data(store) == data_before
    return message


def line_no(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based number of the line holding the n-th occurrence of needle."""
    hits = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(hits) >= occurrence, needle
    return hits[occurrence - 1]


def with_target(tables: list[ProjectTable], table: int, name: str, text: str) -> list[ProjectTable]:
    """A deep copy of the tables with one indicator's 指标值 cell replaced (may be unreadable)."""
    out = copy.deepcopy(tables)
    hits = [i for i in out[table].indicators if i.name == name]
    assert len(hits) == 1
    hits[0].target = dataclasses.replace(hits[0].target, text=text)
    return out


def find_cell(path: Path, value: str) -> tuple[str, str]:
    """(sheet title, coordinate) of the only cell holding value."""
    wb = openpyxl.load_workbook(path)
    hits = [(ws.title, c.coordinate) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value == value]
    assert len(hits) == 1, hits
    return hits[0]


# -- files that are not target tables at all ------------------------------------------------
@pytest.mark.parametrize(("file_name", "data"), [("空.txt", b""), ("空.xlsx", b""), ("空白.txt", b"  \r\n\r\n ")])
def test_empty_file(store: Store, file_name: str, data: bytes) -> None:
    assert_rejected(store, data, file_name, "空文件")


def test_binary_garbage_named_xlsx(store: Store) -> None:
    assert_rejected(store, GARBAGE, "目标表.xlsx", "不是有效的Excel", "损坏")


def test_zip_that_is_not_a_workbook(store: Store) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("readme.txt", "not a workbook")
    assert_rejected(store, buf.getvalue(), "目标表.xlsx", "无法作为Excel文件打开")


def test_binary_garbage_named_docx(store: Store) -> None:
    assert_rejected(store, GARBAGE, "目标表.docx", "不是有效的Word")


def test_binary_named_txt(store: Store) -> None:
    data = b"\x00\x01binary\x00\x02" * 64
    assert_rejected(store, data, "目标表.txt", "不是文本文件", "二进制")


def test_workbook_with_only_empty_sheets(store: Store, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.create_sheet("第二页")
    wb.save(tmp_path / "空表.xlsx")
    assert_rejected(store, (tmp_path / "空表.xlsx").read_bytes(), "空表.xlsx", "工作表都是空的")


# -- tables with a broken part --------------------------------------------------------------
def test_table_without_indicator_rows(store: Store, seed_tables: list[ProjectTable]) -> None:
    empty = copy.deepcopy(seed_tables[0])
    empty.indicators = []
    text = to_text([empty])
    assert "一级指标\t二级指标\t三级指标\t指标值" in text
    row = line_no(text, "项目支出绩效目标表")
    assert_rejected(store, text.encode("utf-8"), "无指标.txt", f"第{row}行", "没有任何指标行", seed_tables[0].name)


def test_table_without_indicator_rows_in_xlsx(store: Store, seed_tables: list[ProjectTable], tmp_path: Path) -> None:
    tables = copy.deepcopy(seed_tables[:2])
    tables[1].indicators = []
    path = fixtures.write_xlsx_layout(tables, tmp_path / "无指标.xlsx")
    sheet, coord = find_cell(path, seed_tables[1].name)
    title_row = int(coord[1:]) - 2  # 项目名称 sits two rows below the title
    assert_rejected(
        store, path.read_bytes(), path.name, f"工作表“{sheet}”第{title_row}行", "没有任何指标行", seed_tables[1].name
    )


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        ("≥97%", "≥", "无法识别指标值“≥”"),
        ("≥97%", "≥百分之", "无法识别指标值“≥百分之”"),
        ("2026年12月30日", "2026年13月45日", "日期“2026年13月45日”不存在"),
    ],
)
def test_unreadable_target_in_text(store: Store, old: str, new: str, reason: str) -> None:
    assert SEED_TEXT.count(old) == 1
    text = SEED_TEXT.replace(old, new)
    row = line_no(text, new)
    message = assert_rejected(store, text.encode("utf-8"), "目标表.txt", f"第{row}行第4列", reason)
    assert "生态环保行业管理_机动车污染防治项目" in message


def test_unreadable_target_in_xlsx_names_the_cell(
    store: Store, seed_tables: list[ProjectTable], tmp_path: Path
) -> None:
    tables = with_target(seed_tables, 2, "组织土壤污染状况评估次数", "≥")
    path = fixtures.write_xlsx_layout(tables, tmp_path / "目标表.xlsx")
    sheet, coord = find_cell(path, "≥")
    assert coord.startswith("D")
    assert_rejected(
        store, path.read_bytes(), path.name, f"工作表“{sheet}”{coord}单元格", "组织土壤污染状况评估次数", "无法识别"
    )


def test_unreadable_target_in_docx_names_table_row_and_column(
    store: Store, seed_tables: list[ProjectTable], tmp_path: Path
) -> None:
    tables = with_target(seed_tables, 1, "智能化系统巡检服务", "2026年13月45日")
    path = fixtures.write_docx_layout(tables, tmp_path / "目标表.docx")
    # Table rows: 9 header rows, the 一级指标 row, then 成本 x3, 数量 x3 -> row 16.
    assert_rejected(store, path.read_bytes(), path.name, "第2个表格第16行第4列", "不存在", "智能化系统巡检服务")


def test_indicator_name_without_value(store: Store) -> None:
    text = SEED_TEXT.replace("≥97%", "")
    row = line_no(text, "移动源污染防治相关平台数据上传率")
    assert_rejected(
        store, text.encode("utf-8"), "目标表.txt", f"第{row}行", "移动源污染防治相关平台数据上传率", "缺少指标值"
    )


def test_second_table_broken_keeps_nothing(store: Store, seed_tables: list[ProjectTable]) -> None:
    tables = with_target(seed_tables[:2], 1, "智能化系统巡检服务", "=")
    tables[0].name = "新项目甲_第一张表完好"
    tables[1].name = "新项目乙_第二张表有错"
    # The first table alone is fine and would be stored.
    assert [t.name for t in read_tables(to_text(tables[:1]).encode("utf-8"), "a.txt")] == [tables[0].name]
    text = to_text(tables)
    row = line_no(text, "智能化系统巡检服务")
    assert_rejected(store, text.encode("utf-8"), "两张表.txt", f"第{row}行第4列", "新项目乙_第二张表有错", "无法识别")
    names = [p["name"] for p in services.projects_data(store)]
    assert tables[0].name not in names and len(names) == 4


def test_second_sheet_broken_keeps_first_sheet_out(
    store: Store, seed_tables: list[ProjectTable], tmp_path: Path
) -> None:
    tables = with_target(seed_tables[:2], 1, "网络运维工作及时性", "")
    tables[0].name = "新项目甲_第一页完好"
    path = fixtures.write_xlsx_layout(tables, tmp_path / "两页.xlsx", tables_per_sheet=1)
    sheet, coord = find_cell(path, "网络运维工作及时性")
    assert sheet == "目标表2"
    assert_rejected(store, path.read_bytes(), path.name, f"工作表“目标表2”第{coord[1:]}行", "缺少指标值")
    assert tables[0].name not in [p["name"] for p in services.projects_data(store)]


def test_same_project_twice_in_one_file(store: Store, seed_tables: list[ProjectTable]) -> None:
    text = to_text([seed_tables[3], seed_tables[0], seed_tables[3]])
    row = line_no(text, "项目支出绩效目标表", occurrence=3)
    assert_rejected(store, text.encode("utf-8"), "重复.txt", f"第{row}行", seed_tables[3].name, "出现了两次")


# -- the tidy form --------------------------------------------------------------------------
@pytest.mark.parametrize("column", ["指标值", "项目名称", "三级指标"])
def test_tidy_csv_missing_required_column(store: Store, seed_tables: list[ProjectTable], column: str) -> None:
    data = tidy_frame(seed_tables).drop(columns=[column]).to_csv(index=False).encode("utf-8-sig")
    assert_rejected(store, data, "整理表.csv", "缺少列", column)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk"])
def test_tidy_csv_unreadable_target_on_row_5(
    store: Store, seed_tables: list[ProjectTable], tmp_path: Path, encoding: str
) -> None:
    frame = tidy_frame(seed_tables)
    frame.loc[3, "指标值"] = "≥"  # header is row 1, so the fourth record is row 5
    path = tmp_path / "整理表.csv"
    frame.to_csv(path, index=False, encoding=encoding)
    assert path.read_bytes().decode(encoding).splitlines()[4].endswith(",≥")
    assert_rejected(store, path.read_bytes(), path.name, "第5行", "“指标值”列", "无法识别指标值“≥”")


def test_tidy_xlsx_row_numbers_count_leading_blank_rows(
    store: Store, seed_tables: list[ProjectTable], tmp_path: Path
) -> None:
    frame = tidy_frame(seed_tables[:1])
    wb = openpyxl.Workbook()
    ws = wb.active
    for c, name in enumerate(frame.columns, start=1):
        ws.cell(row=3, column=c, value=name)  # two blank rows above the header
    for r, record in enumerate(frame.itertuples(index=False), start=4):
        for c, value in enumerate(record, start=1):
            cell = ws.cell(row=r, column=c, value=str(value))
            cell.data_type = "s"
    ws["O6"].value = "≥"
    wb.save(tmp_path / "整理表.xlsx")
    assert_rejected(store, (tmp_path / "整理表.xlsx").read_bytes(), "整理表.xlsx", "第6行", "“指标值”列", "“≥”")


# -- re-importing ---------------------------------------------------------------------------
def _indicator(data: list[dict], name: str) -> dict:
    hits = [i for p in data for i in p["indicators"] if i["name"] == name]
    assert len(hits) == 1
    return hits[0]


def test_reimport_adds_versions_only_for_changes(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "perf.duckdb")
    try:
        first = services.import_file(store, SEED)
        assert (first.projects_new, first.indicators) == (4, 59)
        after_first = store.table_counts()
        data_first = services.projects_data(store)

        again = services.import_file(store, SEED)
        assert (again.projects_new, again.versions_new, again.indicators) == (0, 0, 59)
        counts = store.table_counts()
        # A re-import is logged (imports, audit_log) but adds no version.
        assert counts["imports"] == after_first["imports"] + 1
        assert counts["audit_log"] == after_first["audit_log"] + 1
        logged = ("imports", "audit_log")
        assert {k: v for k, v in counts.items() if k not in logged} == {
            k: v for k, v in after_first.items() if k not in logged
        }
        assert (counts["projects"], counts["indicators"], counts["target_versions"]) == (4, 59, 59)
        assert services.projects_data(store) == data_first

        assert SEED_TEXT.count("≥97%") == 1 and SEED_TEXT.count("65.34") == 2
        modified = SEED_TEXT.replace("≥97%", "≥98%").replace("65.34", "70.00")
        changed = services.import_bytes(store, modified.encode("utf-8"), "目标表_调整.txt")
        assert (changed.projects_new, changed.versions_new) == (0, 2)
        after = store.table_counts()
        assert after["projects"] == 4 and after["indicators"] == 59
        assert after["project_versions"] == counts["project_versions"] + 1
        assert after["target_versions"] == counts["target_versions"] + 1
        assert after["imports"] == counts["imports"] + 1

        data = services.projects_data(store)
        ind = _indicator(data, "移动源污染防治相关平台数据上传率")
        assert (ind["target_text"], ind["target_value"], ind["operator"]) == ("≥98%", 98.0, ">=")
        p2 = data[1]
        assert p2["name"] == "生态环境应急管理_2026年南昌市环境监控中心运行维护和网络安全保障项目"
        assert (p2["funding_total"], p2["funding_fiscal"]) == (70.0, 70.0)
        assert p2["warnings"] == []
        assert [p["project_id"] for p in data] == [p["project_id"] for p in data_first]
        # Everything else is as before.
        assert data[2:] == data_first[2:]
        assert {k: v for k, v in data[1].items() if not k.startswith("funding")} == {
            k: v for k, v in data_first[1].items() if not k.startswith("funding")
        }
        unchanged_first = [i for i in data[0]["indicators"] if i["indicator_id"] != ind["indicator_id"]]
        assert unchanged_first == [i for i in data_first[0]["indicators"] if i["indicator_id"] != ind["indicator_id"]]

        history = store.target_history(ind["indicator_id"])
        assert history["version"].tolist() == [1, 2]
        assert history["target_text"].tolist() == ["≥97%", "≥98%"]
        assert history["active"].tolist() == [True, True]
        assert history["file_name"].tolist() == [SEED.name, "目标表_调整.txt"]
        versions = store.con.execute(
            "SELECT version, funding_total FROM project_versions WHERE project_id = ? ORDER BY version",
            [p2["project_id"]],
        ).fetchall()
        assert versions == [(1, Decimal("65.34")), (2, Decimal("70"))]
    finally:
        store.close()


def test_a_failure_inside_the_write_rolls_back_everything(tmp_path):
    """Projects and versions are inserted before indicators: a failure there must undo them."""
    import duckdb
    import pytest as _pytest

    from analytics.services import _stage

    store = Store.open(tmp_path / "rollback.duckdb")
    services.import_file(store, SEED)
    before = store.table_counts()
    tables = read_tables(SEED.read_bytes(), "seed.txt")
    for t in tables:
        t.name += "(新)"
    projects, indicators = _stage(tables, "seed.txt")
    indicators[-1]["level1"] = None  # violates NOT NULL after the new projects were inserted
    with _pytest.raises(duckdb.ConstraintException):
        store.save_tables("seed.txt", "hash", projects, indicators, [])
    assert store.table_counts() == before
    store.close()
