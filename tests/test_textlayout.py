"""Text layouts of domain.md section 7 turned into printed rows (analytics.textlayout).

Every example is written here from the descriptions of domain.md, small enough to read; the
expected rows are what a tab-separated extraction of the same table gives.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from analytics.textlayout import (
    detect_layout,
    split_labels,
    split_numbers,
    split_record_run,
    text_rows,
)

SEED = Path(__file__).resolve().parent.parent / "data" / "000_8af13639028b6537.txt"
NBSP = "\u00a0"


def cells(text: str) -> list[list[str]]:
    return [r.cells for r in text_rows(text)]


# -- layout 1: tabs, the seed --------------------------------------------------------------


def test_seed_rows_are_its_lines_split_at_tabs() -> None:
    text = SEED.read_text(encoding="utf-8")
    rows = text_rows(text)
    lines = text.splitlines()
    assert detect_layout(lines) == "lines"
    assert len(rows) == len(lines)
    for n, (row, line) in enumerate(zip(rows, lines, strict=True), start=1):
        expected = line.split("\t") if "\t" in line else [line]
        assert row.cells == expected
        assert row.where == [f"第{n}行第{c}列" for c in range(1, len(expected) + 1)]
        assert row.row_where == f"第{n}行"


def test_seed_keeps_merged_cell_empties_and_the_end_date_line() -> None:
    rows = text_rows(SEED.read_text(encoding="utf-8"))
    assert rows[8].cells == ["项目属性", "当年项目", "项目日期范围", "2026年1月1日"]
    assert rows[9].cells == ["", "", "", "2026年12月31日"]
    assert rows[17].cells == ["", "", "标气标牌采购费用", "≤18万"]


# -- layout 2: " | " rows --------------------------------------------------------------------


def test_pipe_rows_with_trailing_runs_and_a_markdown_separator() -> None:
    text = (
        "项目支出绩效目标表\n"
        "| 项目名称 | 乡镇污水管网维护经费 |||\n"
        "|---|---|---|---|\n"
        "主管部门 | 县住房和城乡建设局 | 实施单位 | 县排水管理所\n"
        "一级指标 | 二级指标 | 三级指标 | 指标值\n"
        "产出指标 | 数量指标 | 维护管网长度 | ≥12公里\n"
        "| | 质量指标 | 管网完好率 | ≥95% |\n"
    )
    assert detect_layout(text.splitlines()) == "lines"
    assert cells(text) == [
        ["项目支出绩效目标表"],
        ["项目名称", "乡镇污水管网维护经费", "", ""],
        ["主管部门", "县住房和城乡建设局", "实施单位", "县排水管理所"],
        ["一级指标", "二级指标", "三级指标", "指标值"],
        ["产出指标", "数量指标", "维护管网长度", "≥12公里"],
        ["", "质量指标", "管网完好率", "≥95%"],
    ]
    assert text_rows(text)[1].where[1] == "第2行第2列"


# -- layout 3: one cell per line ---------------------------------------------------------------

CELL_PER_LINE = """项目支出绩效目标表 |
(2026年度) |
项目名称 |
乡镇污水管网维护经费 |
|
主管部门 |
及编码 |
301-县住房和城乡建设局 |
实施单位 |
县排水管理所 |
项目资金(万元) |
年度资金总额 |
41.20 |
其中:财政拨款 |
41.20 |
年度绩效目标 |
完成全县乡镇污水管网日常维护,
保障管网正常运行。 |
一级指标 |
二级指标 |
三级指标 |
指标值 |
产出指标 |
数量指标 |
维护管网长度 |
≥12公里 |
|
质量指标 |
管网完好率 |
≥95% |
|
|
维护完成时间 |
2026年12月31日 |
满意度指标 |
服务对象满意度指标 |
群众满意度 |
≥90% |
注:本表由项目单位填报。 |
"""


def test_cell_per_line_regrouped_into_rows() -> None:
    assert detect_layout(CELL_PER_LINE.splitlines()) == "cells"
    assert cells(CELL_PER_LINE) == [
        ["项目支出绩效目标表"],
        ["(2026年度)"],
        ["项目名称", "乡镇污水管网维护经费", ""],
        ["主管部门及编码", "301-县住房和城乡建设局"],
        ["实施单位", "县排水管理所"],
        ["项目资金(万元)", "年度资金总额", "41.20"],
        ["其中:财政拨款", "41.20"],
        ["年度绩效目标", "完成全县乡镇污水管网日常维护,\n保障管网正常运行。"],
        ["一级指标", "二级指标", "三级指标", "指标值"],
        ["产出指标", "数量指标", "维护管网长度", "≥12公里"],
        ["", "质量指标", "管网完好率", "≥95%"],
        ["", "", "维护完成时间", "2026年12月31日"],
        ["满意度指标", "服务对象满意度指标", "群众满意度", "≥90%"],
        ["注:本表由项目单位填报。"],
    ]


def test_cell_per_line_names_the_line_of_each_cell() -> None:
    rows = text_rows(CELL_PER_LINE)
    goal = rows[7]
    assert goal.row_where == "第16行"
    assert goal.where == ["第16行", "第17行"]  # a cell over two lines is named by its first
    assert rows[9].where == ["第23行", "第24行", "第25行", "第26行"]


def test_a_value_shifted_past_its_empty_column_stays_with_its_name() -> None:
    text = "一级指标 |\n二级指标 |\n三级指标 |\n指标值 |\n产出指标 |\n时效指标 |\n网络运维及时性 |\n|\n=100% |\n" \
           "满意度指标 |\n服务对象满意度指标 |\n群众满意度 |\n≥95% |\n"
    assert cells(text)[1:] == [
        ["产出指标", "时效指标", "网络运维及时性", "", "=100%"],
        ["满意度指标", "服务对象满意度指标", "群众满意度", "≥95%"],
    ]


# -- layout 4: blank-line separated blocks (HTML copied as text) --------------------------------


def test_blocks_with_no_break_space_empties_and_cells_over_several_lines() -> None:
    blocks = [
        "项目支出绩效自评表", "项目名称", "乡镇污水管网维护经费", NBSP, "项目资金(万元)", NBSP,
        "年初", "预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分",
        NBSP, "年度资金总额", "50.00", "50.00", "48.62", "10", "97.24%", "9.72",
        NBSP, "其中:当年财政拨款", "50.00", "50.00", "48.62", "—", "97.24%", "—",
        "年度总体目标", "预期目标", "实际完成情况",
        NBSP, "完成管网维护\n保障正常运行", "已完成",
        "绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
        "偏差原因分析及改进措施",
        NBSP, "产出指标(50分)", "数量指标", "维护管网长度", "≥12公里", "12公里", "25", "25", NBSP,
        NBSP, NBSP, "质量指标", "管网完好率", "≥95%", "90%", "25", "23.68", "部分管段老化",
        "总分", "100", "95.40",
    ]
    text = "\n\n".join(blocks) + "\n"
    assert detect_layout(text.splitlines()) == "blocks"
    assert cells(text) == [
        ["项目支出绩效自评表"],
        ["项目名称", "乡镇污水管网维护经费", ""],
        ["项目资金(万元)", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
        ["", "年度资金总额", "50.00", "50.00", "48.62", "10", "97.24%", "9.72"],
        ["", "其中:当年财政拨款", "50.00", "50.00", "48.62", "—", "97.24%", "—"],
        ["年度总体目标", "预期目标", "实际完成情况"],
        ["", "完成管网维护\n保障正常运行", "已完成"],
        ["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
         "偏差原因分析及改进措施"],
        ["", "产出指标(50分)", "数量指标", "维护管网长度", "≥12公里", "12公里", "25", "25", ""],
        ["", "", "质量指标", "管网完好率", "≥95%", "90%", "25", "23.68", "部分管段老化"],
        ["总分", "100", "95.40"],
    ]


def test_blocks_of_plain_spaces_are_empty_cells_too() -> None:
    text = "\n\n".join(["项目名称", "维护经费", "  ", "实施单位", "县排水管理所"]) + "\n"
    assert detect_layout(text.splitlines()) == "blocks"
    assert cells(text) == [["项目名称", "维护经费", ""], ["实施单位", "县排水管理所"]]


# -- layout 5: a table flattened onto one line ----------------------------------------------


def test_flattened_word_text_drops_its_metadata() -> None:
    text = (
        "张三  Microsoft Office Word  2025-03-01T09:12:00Z  Normal.dotm\n"
        "项目支出绩效目标表  (2026年度)  项目名称  乡镇污水管网维护经费  主管部门  县住房和城乡建设局  "
        "实施单位  县排水管理所  项目期  2026年1月1日  2026年12月31日  项目资金(万元)  年度资金总额  41.20  "
        "其中:财政拨款  41.20  年度绩效目标  完成全县乡镇污水管网日常维护,保障管网正常运行。" + "保障" * 60 + "  "
        "一级指标  二级指标  三级指标  指标值  产出指标  数量指标  维护管网长度  ≥12公里  质量指标  管网完好率  ≥95%  "
        "效益指标  社会效益  污水收集率  有效提升  满意度指标  服务对象满意度指标  群众满意度  ≥90%\n"
    )
    assert detect_layout(text.splitlines()) == "flat"
    assert cells(text) == [
        ["项目支出绩效目标表"],
        ["(2026年度)"],
        ["项目名称", "乡镇污水管网维护经费"],
        ["主管部门", "县住房和城乡建设局"],
        ["实施单位", "县排水管理所"],
        ["项目期", "2026年1月1日"],
        ["2026年12月31日"],
        ["项目资金(万元)", "年度资金总额", "41.20"],
        ["其中:财政拨款", "41.20"],
        ["年度绩效目标", "完成全县乡镇污水管网日常维护,保障管网正常运行。" + "保障" * 60],
        ["一级指标", "二级指标", "三级指标", "指标值"],
        ["产出指标", "数量指标", "维护管网长度", "≥12公里"],
        ["质量指标", "管网完好率", "≥95%"],
        ["效益指标", "社会效益", "污水收集率", "有效提升"],
        ["满意度指标", "服务对象满意度指标", "群众满意度", "≥90%"],
    ]
    assert {w for r in text_rows(text) for w in r.where} == {"第2行"}


def test_flattened_with_single_spaces_rejoins_spaced_out_labels() -> None:
    text = (
        "WPS Office 2025-03-01T09:12:00Z 项目支出绩效目标表 项目名称 维护经费 一级指标 二级指标 三级指标 指标值 "
        "产 出 指 标 数量指标 维护管网长度 ≥12公里 时效指标 完成时间 2026年12月30日 " + "满意度指标 服务对象满意度 "
        "群众满意度 ≥90% " * 8 + "\n"
    )
    assert detect_layout(text.splitlines()) == "flat"
    rows = cells(text)
    assert rows[:5] == [
        ["项目支出绩效目标表"],
        ["项目名称", "维护经费"],
        ["一级指标", "二级指标", "三级指标", "指标值"],
        ["产出指标", "数量指标", "维护管网长度", "≥12公里"],
        ["时效指标", "完成时间", "2026年12月30日"],
    ]
    assert rows[5] == ["满意度指标", "服务对象满意度", "群众满意度", "≥90%"]


def test_flattened_monitoring_table_never_guesses_the_column_of_a_check_mark() -> None:
    text = "  ".join([
        "项目支出绩效目标执行监控表", "项目名称", "维护经费", "一级指标", "二级指标", "三级指标", "年度指标值",
        "1-6月执行情况", "全年预计完成情况", "偏差原因分析", "完成目标可能性", "备注",
        "经费保障", "制度保障", "人员保障", "硬件条件保障", "其他", "确定能", "有可能", "完全不可能",
        "产出指标", "数量指标", "维护管网长度", "≥12公里", "6公里", "12公里", "√", "设备老化" + "老化" * 80,
    ]) + "\n"
    rows = cells(text)
    assert rows[2] == ["一级指标", "二级指标", "三级指标", "年度指标值", "1-6月执行情况", "全年预计完成情况",
                       "偏差原因分析", "完成目标可能性", "备注"]
    assert rows[3] == ["经费保障", "制度保障", "人员保障", "硬件条件保障", "其他", "确定能", "有可能", "完全不可能"]
    # 3 values, 5 + 3 mark columns left empty, the 备注, then the unplaced mark beyond the last column
    assert rows[4] == ["产出指标", "数量指标", "维护管网长度", "≥12公里", "6公里", "12公里",
                       "", "", "", "", "", "", "", "", "设备老化" + "老化" * 80, "√"]


# -- layout 6: cells run together ------------------------------------------------------------


RUN_TOGETHER = """项目支出绩效目标表
项目名称乡镇污水管网维护经费
主管部门县住房和城乡建设局实施单位县排水管理所
项目资金(万元)年度资金总额:41.2
其中:财政拨款41.2
年度绩效目标完成全县乡镇污水管网日常维护,保障管网正常运行。
一级指标二级指标三级指标指标值
产 出 指 标数量指标新建污水管网长度12公里
质量指标管网完好率≥95%
成本指标经济成本指标维护费用≤41.2万
时效指标完成时间2026年12月30日
满意度指标服务对象满意度指标群众满意度≥90%
"""


def test_run_together_cells_split_by_labels_and_value_grammar() -> None:
    assert detect_layout(RUN_TOGETHER.splitlines()) == "run"
    assert cells(RUN_TOGETHER) == [
        ["项目支出绩效目标表"],
        ["项目名称", "乡镇污水管网维护经费"],
        ["主管部门", "县住房和城乡建设局"],
        ["实施单位", "县排水管理所"],
        ["项目资金(万元)", "年度资金总额", "41.2"],
        ["其中:财政拨款", "41.2"],
        ["年度绩效目标", "完成全县乡镇污水管网日常维护,保障管网正常运行。"],
        ["一级指标", "二级指标", "三级指标", "指标值"],
        ["产出指标", "数量指标", "新建污水管网长度", "12公里"],
        ["质量指标", "管网完好率", "≥95%"],
        ["成本指标", "经济成本指标", "维护费用", "≤41.2万"],
        ["时效指标", "完成时间", "2026年12月30日"],
        ["满意度指标", "服务对象满意度指标", "群众满意度", "≥90%"],
    ]
    rows = text_rows(RUN_TOGETHER)
    assert rows[3].where == ["第3行", "第3行"] and rows[3].row_where == "第3行"


SELF_RUN = """部门预算项目支出绩效自评表
项目名称乡镇污水管网维护经费
项目资金(万元)年初预算数全年预算数全年执行数分值执行率得分
年度资金总额50.0050.0048.621097.24%9.72
其中:当年财政拨款50.0050.0048.62
一级指标二级指标三级指标年度指标值实际完成值分值得分偏差原因分析及改进措施
产出指标(50分)数量指标维护管网长度12公里12公里2525
质量指标管网完好率≥95%90%2523.68部分管段老化
效益指标(30分)社会效益污水收集率提升有效提升达成3028
总分10095.40
"""


def test_run_together_self_evaluation_splits_numbers_by_its_arithmetic() -> None:
    assert detect_layout(SELF_RUN.splitlines()) == "run"
    assert cells(SELF_RUN) == [
        ["部门预算项目支出绩效自评表"],
        ["项目名称", "乡镇污水管网维护经费"],
        ["项目资金(万元)", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
        ["年度资金总额", "50.00", "50.00", "48.62", "10", "97.24%", "9.72"],
        # three amounts with nothing to check them against: kept as printed, for the parser to report
        ["其中:当年财政拨款", "50.0050.0048.62"],
        ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"],
        ["产出指标(50分)", "数量指标", "维护管网长度", "12公里", "12公里", "25", "25"],
        ["质量指标", "管网完好率", "≥95%", "90%", "25", "23.68", "部分管段老化"],
        # a qualitative target and grade run into the name: no split is certain
        ["效益指标(30分)", "社会效益", "污水收集率提升有效提升达成3028"],
        ["总分", "100", "95.40"],
    ]


# -- several tables, a leading tail ----------------------------------------------------------


def test_a_leading_tail_and_two_tables_in_one_cell_per_line_file() -> None:
    lines = ["|", "群众满意度 |", "≥95% |", "注:若为空表,则为该部门无项目支出。 |"]
    for name in ("维护经费", "监测经费"):
        lines += ["项目支出绩效目标表 |", "项目名称 |", f"{name} |", "一级指标 |", "二级指标 |", "三级指标 |",
                  "指标值 |", "产出指标 |", "数量指标 |", "监测次数 |", "=4次 |"]
    rows = cells("\n".join(lines) + "\n")
    assert rows == [
        ["", "群众满意度", "≥95%"],
        ["注:若为空表,则为该部门无项目支出。"],
        ["项目支出绩效目标表"], ["项目名称", "维护经费"], ["一级指标", "二级指标", "三级指标", "指标值"],
        ["产出指标", "数量指标", "监测次数", "=4次"],
        ["项目支出绩效目标表"], ["项目名称", "监测经费"], ["一级指标", "二级指标", "三级指标", "指标值"],
        ["产出指标", "数量指标", "监测次数", "=4次"],
    ]


def test_monitoring_two_row_header_counts_the_sub_columns() -> None:
    row1 = ["一级指标", "二级指标", "三级指标", "年度指标值", "1-6月执行情况", "全年预计完成情况", "偏差原因分析",
            "完成目标可能性", "备注"]
    row2 = ["经费保障", "制度保障", "人员保障", "硬件条件保障", "其他", "确定能", "有可能", "完全不可能"]
    record = ["产出指标", "数量指标", "维护管网长度", "≥12公里", "6公里", "12公里", "√", "", "", "", "", "", "√", "",
              "资金已到位"]
    follow = ["", "", "管网完好率", "≥95%", "93%", "95%", "", "", "", "", "", "√", "", "", ""]
    stream = ["项目支出绩效目标执行监控表", *row1, *row2, *record, *follow]
    text = "".join(f"{c} |\n" if c else "|\n" for c in stream)
    assert cells(text) == [["项目支出绩效目标执行监控表"], row1, row2, record, follow]


def test_long_term_and_annual_column_groups_are_counted_as_columns() -> None:
    header = ["一级指标", "二级指标(长期)", "三级指标(长期)", "指标值(长期)", "二级指标(年度)", "三级指标(年度)",
              "指标值(年度)"]
    record = ["产出指标", "数量指标", "三年维护管网", "≥36公里", "数量指标", "本年维护管网", "≥12公里"]
    text = "".join(f"{c} |\n" for c in header + record)
    assert cells(text) == [header, record]
    flat = "  ".join(header + record + ["x" * 200]) + "\n"
    assert cells(flat)[:2] == [header, record]


# -- pieces: labels, record runs and number runs --------------------------------------------


@pytest.mark.parametrize(
    ("run", "pieces"),
    [
        ("项目名称乡镇污水管网维护经费", ["项目名称", "乡镇污水管网维护经费"]),
        ("年度资金总额:41.2", ["年度资金总额", "41.2"]),
        ("产出指标数量指标新建污水管网长度12公里", ["产出指标", "数量指标", "新建污水管网长度12公里"]),
        ("产出指标(50分)数量指标", ["产出指标(50分)", "数量指标"]),
        ("主管部门城建局实施单位城建局排水所", ["主管部门", "城建局", "实施单位", "城建局排水所"]),
        ("年初预算数1-6月执行数1-6月执行率", ["年初预算数", "1-6月执行数", "1-6月执行率"]),
        ("1-10月执行数全年预计执行数", ["1-10月执行数", "全年预计执行数"]),
        ("其中:1-6月执行数18.00", ["其中:1-6月执行数", "18.00"]),
        ("人员保障其他确定能", ["人员保障", "其他", "确定能"]),
        ("年度绩效目标提升实施单位的管理水平", ["年度绩效目标", "提升实施单位的管理水平"]),
        ("年度绩效目标2(40分)一级指标", ["年度绩效目标2(40分)", "一级指标"]),
        ("其他单位反馈意见", ["其他单位反馈意见"]),
    ],
)
def test_split_labels(run: str, pieces: list[str]) -> None:
    assert split_labels(run) == pieces


def test_split_record_run_ends_the_name_where_the_values_fit() -> None:
    roles = ["target", "actual", "weight", "score", "note"]
    assert split_record_run("新建污水管网长度12公里12公里1010", roles) == (
        "新建污水管网长度", ["12公里", "12公里", "10", "10"], "")
    assert split_record_run("管网完好率≥95%90%2523.68部分管段老化", roles) == (
        "管网完好率", ["≥95%", "90%", "25", "23.68"], "部分管段老化")
    assert split_record_run("环境空气质量PM2.5≤35微克/立方米", ["target"]) == (
        "环境空气质量PM2.5", ["≤35微克/立方米"], "")
    assert split_record_run("群众满意度提升", ["target"]) is None


BUDGET6 = ["initial", "adjusted", "executed", "points", "rate", "score"]


@pytest.mark.parametrize(
    ("run", "columns", "split"),
    [
        ("50.0050.0048.621097.24%9.72", BUDGET6, ["50.00", "50.00", "48.62", "10", "97.24%", "9.72"]),
        ("5048.6297.24%9.72", ["adjusted", "executed", "rate", "score"], ["50", "48.62", "97.24%", "9.72"]),
        # Hubei: 20 points for the budget row, rate against the adjusted budget
        ("40.0050.0045.002090.00%18.00", BUDGET6, ["40.00", "50.00", "45.00", "20", "90.00%", "18.00"]),
        # a score capped at the points when more than the budget was spent
        ("10.0010.5010105.00%10", ["initial", "executed", "points", "rate", "score"],
         ["10.00", "10.50", "10", "105.00%", "10"]),
        # Anhui: a budget row of zeros
        ("0.000.000.00100.00%0.00", BUDGET6, ["0.00", "0.00", "0.00", "10", "0.00%", "0.00"]),
        ("12公里12公里1010", ["target", "actual", "weight", "score"], ["12公里", "12公里", "10", "10"]),
        ("≥95%90%2523.68", ["target", "actual", "weight", "score"], ["≥95%", "90%", "25", "23.68"]),
        # 反向: 58 spent against a cap of 60 is complete
        ("≤60万58万55", ["target", "actual", "weight", "score"], ["≤60万", "58万", "5", "5"]),
        # a deadline met, and one missed
        ("2026年12月30日2026年11月20日55", ["target", "actual", "weight", "score"],
         ["2026年12月30日", "2026年11月20日", "5", "5"]),
        ("2026年6月30日2026年8月1日50", ["target", "actual", "weight", "score"],
         ["2026年6月30日", "2026年8月1日", "5", "0"]),
    ],
)
def test_split_numbers_finds_the_one_consistent_split(run: str, columns: list[str], split: list[str]) -> None:
    assert split_numbers(run, columns) == split


@pytest.mark.parametrize(
    ("run", "columns"),
    [
        # mis-added: 9.99 is no 10 × 48.62 / 50, whichever way the figures are cut
        ("50.0050.0048.621097.24%9.99", BUDGET6),
        # the rate contradicts the amounts
        ("5048.6290.00%9.72", ["adjusted", "executed", "rate", "score"]),
        ("12公里10公里1010", ["target", "actual", "weight", "score"]),
        ("没有数字", BUDGET6),
        ("", BUDGET6),
        ("5050", ["initial", "bogus"]),
    ],
)
def test_split_numbers_refuses_an_inconsistent_run(run: str, columns: list[str]) -> None:
    assert split_numbers(run, columns) is None


@pytest.mark.parametrize(
    ("run", "columns"),
    [
        ("5050", ["adjusted", "executed"]),  # 50 | 50 and 505 | 0 both hold
        ("50.0050.0048.62", ["initial", "adjusted", "executed"]),  # nothing ties three amounts
        ("1212", ["target", "actual"]),  # 1 | 212, 12 | 12 and 121 | 2: nothing ties a target to its actual
    ],
)
def test_split_numbers_refuses_an_ambiguous_run(run: str, columns: list[str]) -> None:
    assert split_numbers(run, columns) is None


# -- detection ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "layout"),
    [
        ("", "lines"),
        ("项目支出绩效目标表\n\n(2026年度)\n", "lines"),
        ("项目名称\t维护经费\n一级指标\t二级指标\t三级指标\t指标值\n", "lines"),
        ("项目名称 | 维护经费 |||\n", "lines"),
        ("项目名称 |\n维护经费 |\n|\n", "cells"),
        ("项目名称\n\n维护经费\n\n\u00a0\n\n实施单位\n\n县排水所\n", "blocks"),
        ("项目名称维护经费\n实施单位县排水所\n", "run"),
        ("项目名称  维护经费  " * 30, "flat"),
    ],
)
def test_detect_layout(text: str, layout: str) -> None:
    assert detect_layout(text.splitlines()) == layout


def test_a_first_level_label_on_a_row_of_its_own() -> None:
    rows = [["一级指标", "二级指标", "三级指标", "指标值"], ["产出指标", "", "", ""],
            ["", "数量指标", "维护管网长度", "≥12公里"], ["", "", "维护泵站", "=3座"]]
    text = "".join(f"{c} |\n" if c else "|\n" for r in rows for c in r)
    assert cells(text) == rows


def test_a_table_flattened_onto_one_tab_separated_line() -> None:
    row = ["项目支出绩效目标表", "项目名称", "维护经费", "一级指标", "二级指标", "三级指标", "指标值"]
    records = ["产出指标", "数量指标", "维护管网长度", "≥12公里"] * 10
    text = "\t".join(row + records) + "\n"
    assert detect_layout(text.splitlines()) == "flat"
    assert cells(text)[:4] == [["项目支出绩效目标表"], ["项目名称", "维护经费"], row[3:], records[:4]]


def test_sichuan_columns_in_flattened_text_by_their_grammar() -> None:
    header = ["一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "完成值", "权重", "得分",
              "未完成原因分析"]
    text = "  ".join(["项目支出绩效自评表", *header,
                      "产出指标", "数量指标", "维护管网长度", "≥", "12", "公里", "12", "20", "20",
                      "经济成本指标", "维护费用", "≤", "41.2", "万元", "40.5", "10", "10",
                      "质量指标", "管网完好率", "≥", "95", "%", "90", "20", "18.95", "部分管段老化",
                      "x" * 200]) + "\n"
    rows = cells(text)
    assert rows[1] == header
    assert rows[2] == ["产出指标", "数量指标", "维护管网长度", "≥", "12", "公里", "12", "20", "20"]
    assert rows[3] == ["经济成本指标", "维护费用", "≤", "41.2", "万元", "40.5", "10", "10"]
    assert rows[4] == ["质量指标", "管网完好率", "≥", "95", "%", "90", "20", "18.95", "部分管段老化"]


def test_a_header_without_first_level_column() -> None:
    text = "二级指标 |\n三级指标 |\n指标值 |\n数量指标 |\n维护管网长度 |\n≥12公里 |\n"
    assert cells(text) == [["二级指标", "三级指标", "指标值"], ["数量指标", "维护管网长度", "≥12公里"]]


def test_a_phrase_on_the_next_line_is_not_taken_for_the_target() -> None:
    text = "一级指标二级指标三级指标指标值\n效益指标社会效益节能减排效果提升\n企业清洁生产审核率≥90%\n"
    assert cells(text) == [
        ["一级指标", "二级指标", "三级指标", "指标值"],
        ["效益指标", "社会效益", "节能减排效果提升"],  # no value can be told apart: left for the parser to refuse
        ["企业清洁生产审核率", "≥90%"],
    ]


def test_each_table_of_a_file_in_its_own_layout() -> None:
    pipes = ("项目支出绩效目标表\n项目名称 | 维护经费 |\n一级指标 | 二级指标 | 三级指标 | 指标值\n"
             "产出指标 | 数量指标 | 维护管网长度 | ≥12公里\n")
    per_line = "项目支出绩效目标表 |\n项目名称 |\n监测经费 |\n一级指标 |\n二级指标 |\n三级指标 |\n指标值 |\n" \
               "产出指标 |\n数量指标 |\n监测次数 |\n=4次 |\n"
    rows = text_rows(pipes + per_line)
    assert [r.cells for r in rows] == [
        ["项目支出绩效目标表"], ["项目名称", "维护经费"], ["一级指标", "二级指标", "三级指标", "指标值"],
        ["产出指标", "数量指标", "维护管网长度", "≥12公里"],
        ["项目支出绩效目标表"], ["项目名称", "监测经费"], ["一级指标", "二级指标", "三级指标", "指标值"],
        ["产出指标", "数量指标", "监测次数", "=4次"],
    ]
    assert rows[3].where[3] == "第4行第4列"
    assert rows[5].where == ["第6行", "第7行"]  # line numbers count from the top of the file
