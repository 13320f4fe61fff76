"""Messages that lead somewhere (issue 9, item 10): a file loaded in the wrong place is told so in
one sentence, and every refused row of a report file names the indicator it is about."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from analytics import services
from analytics.model import InputError
from analytics.readers import read_tables
from analytics.storage import Store
from tests.fixtures import SEED_FILE, write_docx_layout
from tests.test_reports import (
    ACTUAL_HEADER,
    MANY_WRONG_ROWS,
    P1,
    P2,
    P4,
    SAMPLE,
    SPENDING_HEADER,
    T,
    actual_row,
    csv_bytes,
    refuse,
    store,  # noqa: F401 - the seeded store fixture
    xlsx_bytes,
)

# -- a report file given to the target import ------------------------------------------------------


def _report_sentence(name: str) -> str:
    return (f"文件“{name}”是实际完成值/预算执行数填报文件,不是目标表;请在“填报”页上传,"
            f"或用命令 python -m analytics actuals {name}")


@pytest.mark.parametrize(("name", "data"), [
    ("填报.xlsx", xlsx_bytes({"指标填报": (ACTUAL_HEADER, [actual_row(P1, "群众满意度", "96%")])})),
    ("预算.xlsx", xlsx_bytes({"预算执行": (SPENDING_HEADER, [[P1, "2026-11-30", "12.5", "", ""]])})),
    ("填报.csv", csv_bytes(ACTUAL_HEADER, [actual_row(P1, "群众满意度", "96%")])),
    ("预算.csv", csv_bytes(SPENDING_HEADER, [[P1, "2026-11-30", "12.5", "", ""]])),
    ("填报.txt", "\t".join(ACTUAL_HEADER).encode("utf-8") + b"\n1\t\t\t\t96%\t2026-11-30\n"),
    (SAMPLE.name, SAMPLE.read_bytes()),
], ids=["actuals_xlsx", "spending_xlsx", "actuals_csv", "spending_csv", "actuals_txt", "sample"])
def test_a_report_file_given_to_the_target_import_is_told_where_it_belongs(name: str, data: bytes) -> None:
    with pytest.raises(InputError) as info:
        read_tables(data, name)
    assert str(info.value) == _report_sentence(name)


def test_a_selfeval_table_with_actual_values_is_not_mistaken_for_a_report() -> None:
    """A 自评表 has 实际完成值 columns too, but not as the file's first row and never with 截至日期."""
    from analytics.readers import is_report_header

    assert not is_report_header(["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"])
    assert not is_report_header(["项目资金(万元)", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率"])
    assert is_report_header(["项目名称", "截至日期", "预算执行数(万元)"])
    assert is_report_header(["指标编号", "项目名称", "三级指标", "实际完成值"])


# -- a table given to the report check ---------------------------------------------------------------


def _table_sentence(name: str, kind: str) -> str:
    return f"文件“{name}”是{kind},不是填报文件;请在“管理”页导入,或用命令 python -m analytics import {name}"


def _xlsx_rows(rows: list[list[str]]) -> bytes:
    wb = openpyxl.Workbook()
    for r in rows:
        wb.active.append(r)
    import io

    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


SELFEVAL_ROWS = [
    ["项目支出绩效自评表"], ["(2026年度)"], ["项目名称", P1], ["主管部门", "402-南昌市生态环境局(部门)"],
    ["", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
]
MONITOR_ROWS = [
    ["附件2"], ["2026年项目支出绩效目标执行监控表"], ["项目名称", P1],
    ["一级指标", "二级指标", "三级指标", "年度指标值", "1-6月执行情况", "全年预计完成情况"],
]


@pytest.mark.parametrize(("name", "data", "kind"), [
    ("目标表.txt", SEED_FILE.read_bytes(), "绩效目标表"),
    ("目标表.csv", SEED_FILE.read_bytes(), "绩效目标表"),
    ("自评表.xlsx", _xlsx_rows(SELFEVAL_ROWS), "绩效自评表"),
    ("监控表.xlsx", _xlsx_rows(MONITOR_ROWS), "绩效监控表"),
    ("无标题.csv", "项目名称,某项目\n一级指标,二级指标,三级指标,指标值\n".encode(), "绩效目标表"),
], ids=["seed_txt", "seed_csv", "selfeval_xlsx", "monitor_xlsx", "untitled_csv"])
def test_a_table_given_to_the_report_check_is_told_where_it_belongs(
    store: Store, name: str, data: bytes, kind: str  # noqa: F811
) -> None:
    with pytest.raises(InputError) as info:
        services.load_report(store, data, name, reporter="测试员", today=T)
    assert str(info.value) == _table_sentence(name, kind)


def test_a_word_target_table_given_to_the_report_check(store: Store, tmp_path: Path) -> None:  # noqa: F811
    tables = read_tables(SEED_FILE.read_bytes(), SEED_FILE.name)
    path = write_docx_layout(tables[:1], tmp_path / "目标表.docx")
    with pytest.raises(InputError) as info:
        services.load_report(store, path.read_bytes(), path.name, reporter="测试员", today=T)
    assert str(info.value) == _table_sentence(path.name, "绩效目标表")


def test_other_files_still_get_the_column_message(store: Store) -> None:  # noqa: F811
    with pytest.raises(InputError) as info:
        services.load_report(store, "名称,数值\n群众满意度,96\n".encode(), "列名.csv", today=T)
    assert "列名不对" in str(info.value)


# -- refused rows name their indicator -------------------------------------------------------------


def test_every_refused_row_names_its_indicator_or_what_was_looked_up(store: Store) -> None:  # noqa: F811
    exc = refuse(store, csv_bytes(ACTUAL_HEADER, MANY_WRONG_ROWS), "填报.csv")
    by_row = {e.row: str(e) for e in exc.errors}
    assert all(e.subject for e in exc.errors)
    assert by_row[3].startswith(f"【查找的是项目“{P1}”/三级指标“不存在的指标”】第3行“三级指标”列")
    assert by_row[4].startswith(f"【项目“{P4}”/三级指标“新建界标”】第4行“实际完成值”列")
    assert by_row[12].startswith("【查找的是指标编号“999”】第12行“指标编号”列")
    # The duplicate says which indicator was reported twice.
    assert by_row[10] == (f"【项目“{P1}”/三级指标“标气、标牌采购”】第10行“截至日期”列(值“2026-11-30”):"
                          "与第9行是同一指标、同一截至日期的重复填报")
    # An id that belongs to another project: the indicator the id names is shown.
    assert by_row[17].startswith("【项目“") and f"与指标编号3对应的项目“{P1}”不一致" in by_row[17]
    assert by_row[17] in str(exc)


def test_refused_spending_rows_name_their_project(store: Store) -> None:  # noqa: F811
    rows = [[P1, "2026-11-30", "12.5", "", ""], [P1, "2026-11-30", "13", "", ""],
            ["没有的项目", "2026-11-30", "1", "", ""], [P2, "2026-11-30", "-3", "", ""]]
    exc = refuse(store, csv_bytes(SPENDING_HEADER, rows), "预算.csv")
    by_row = {e.row: str(e) for e in exc.errors}
    assert by_row[3].startswith(f"【项目“{P1}”】第3行“截至日期”列") and "与第2行是同一项目" in by_row[3]
    assert by_row[4].startswith("【查找的是项目“没有的项目”】第4行“项目名称”列")
    assert by_row[5].startswith(f"【项目“{P2}”】第5行“预算执行数(万元)”列")
