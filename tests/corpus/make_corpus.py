"""Recreate the bad-input corpus of report files (see tests/test_corpus.py for what each exercises).

    .venv/bin/python tests/corpus/make_corpus.py

Deterministic: the same bytes on every run (XLSX files get fixed document dates and fixed zip
entry times), so ``test_corpus.py`` can check that the committed files are up to date. The 20 MB
and over-limit files are not here: the tests make them at run time in a temporary folder.

The ambiguous-name target table comes from tests/fixtures.py, shared with the report tests.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import openpyxl

if __package__ in (None, ""):  # run as a script: make the project importable
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.fixtures import TWIN_PROJECT, TWIN_TABLE

HERE = Path(__file__).resolve().parent

# The seed's projects (data/000_8af13639028b6537.txt) and one qualitative indicator of project 3.
P1 = "生态环保行业管理_机动车污染防治项目"
P2 = "生态环境应急管理_2026年南昌市环境监控中心运行维护和网络安全保障项目"
P3 = "生态环保行业管理_2026年度生态环境综合技术评估服务项目"
P4 = "南昌市县级及以上集中式饮用水水源地规范化建设项目"
QUAL_P3 = "通过开展清洁生产审核,提升节能减排效果"
# The project of twin_targets.txt: two indicators named 巡检服务 (under different 二级指标).
TWIN = TWIN_PROJECT

HEADER = ["指标编号", "项目名称", "三级指标", "实际完成值", "截至日期", "评定得分率", "完成目标可能性",
          "偏差原因分析及改进措施", "填报人"]
SPENDING = ["项目名称", "截至日期", "预算执行数(万元)", "说明", "填报人"]

SCRIPT_NOTE = "<script>alert('xss')</script>问卷回收率偏低,已安排<b>补充调查</b>"
# Notes a spreadsheet would run as formulas if an export wrote them as they are; "'=" is read back
# as "=" (the apostrophe of exports.safe_cell) and "＝" becomes "=" by NFKC.
FORMULA_NOTES = {
    "智能化系统巡检服务": '=HYPERLINK("http://example.com/x","点击查看")',
    "形成南昌市生态环境局官网监测报告数": "+1+1 报告数按月统计",
    "开展南昌市生态环境局大数据平台等系统漏洞扫描": "-2+3 扫描次数已调整",
    "网站及政务新媒体监测项目验收合格率": "@SUM(A1:A9)",
    "智能化系统故障排除率": "'=1+1 原值带撇号",
    "南昌市生态环境局官网网站站点连通率": "＝cmd|' /C calc'!A0",
}
FIXED_TIME = datetime(2026, 1, 1)


def row(project: str = "", name: str = "", value: object = "", as_of: object = "2026-11-30", *, id_: object = "",
        rate: object = "", likelihood: str = "", note: str = "", reporter: str = "") -> list[object]:
    return [id_, project, name, value, as_of, rate, likelihood, note, reporter]


def csv_file(header: list[str], rows: list[list[object]], encoding: str = "utf-8-sig") -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode(encoding)


def xlsx_file(sheets: dict[str, tuple[list[str], list[list[object]]]],
              edit: Callable[[openpyxl.Workbook], None] | None = None) -> bytes:
    """A workbook of header + rows per sheet, saved with fixed dates and zip entry times."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, (header, rows) in sheets.items():
        ws = wb.create_sheet(name)
        ws.append(header)
        for r in rows:
            ws.append(r)
    if edit:
        edit(wb)
    wb.properties.created = wb.properties.modified = FIXED_TIME
    buf = io.BytesIO()
    wb.save(buf)
    return repack(buf.getvalue())


def repack(data: bytes) -> bytes:
    """The same zip with every entry's time fixed, so that the bytes do not depend on the clock."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time as "modified"
                body = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2026-01-01T00:00:00Z", body)
            dst.writestr(fixed, body)
    return out.getvalue()


def _formula_cells(wb: openpyxl.Workbook) -> None:
    ws = wb["指标填报"]
    ws["D2"] = "=95+1"                                        # 实际完成值
    ws["E3"] = "=TODAY()"                                     # 截至日期
    ws["H4"] = '=HYPERLINK("http://example.com","详情")'      # 偏差原因分析及改进措施
    ws["I5"] = "=USER()"                                      # 填报人
    assert all(ws[ref].data_type == "f" for ref in ("D2", "E3", "H4", "I5"))


def _formula_spending(wb: openpyxl.Workbook) -> None:
    ws = wb["预算执行"]
    ws["D2"] = '=HYPERLINK("http://example.com","说明")'      # 说明
    ws["E3"] = "=USER()"                                      # 填报人
    assert ws["D2"].data_type == ws["E3"].data_type == "f"


def not_an_xlsx() -> bytes:
    """A valid zip archive that holds no workbook."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        info = zipfile.ZipInfo("readme.txt", date_time=FIXED_TIME.timetuple()[:6])
        z.writestr(info, "这不是Excel文件".encode())
    return out.getvalue()




def build() -> dict[str, bytes]:
    """Every corpus file: name → bytes."""
    garbage = bytes((i * 37 + 11) % 256 for i in range(4096))  # holds NUL bytes
    files = {
        # -- whole-file problems ------------------------------------------------------------------
        "empty.csv": b"",
        "blank.csv": b"  \r\n\r\n \t \r\n",
        "binary.csv": garbage,
        "binary.xlsx": bytes(range(1, 256)) * 16,
        "not_an_xlsx.xlsx": not_an_xlsx(),
        "report.pdf": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n",
        "utf16.csv": csv_file(HEADER, [row(P1, "群众满意度", "96%")], "utf-16"),
        "wrong_headers.csv": "名称,数值,日期\r\n群众满意度,96,2026-11-30\r\n".encode("utf-8-sig"),
        "wrong_headers.xlsx": xlsx_file({"Sheet1": (["Project", "Indicator", "Value", "Date"],
                                                    [[P1, "群众满意度", 96, "2026-11-30"]])}),
        "header_only.csv": csv_file(HEADER, [row(P1, "群众满意度", "")]),
        # -- rows refused ---------------------------------------------------------------------------
        "missing_columns.csv": csv_file(["项目名称", "实际完成值", "截至日期"], [[P1, "96%", "2026-11-30"]]),
        "unknown_indicator.csv": csv_file(HEADER, [
            row(P1, "不存在的指标", "5"),
            row("没有这个项目", "群众满意度", "96%"),
            row(value="5", id_="999"),
            row(value="5", id_="第一条"),
            row(P1, "群众满意度", "96%"),                                    # good
            row(P2, value="1次", id_="3"),                                   # id 3 belongs to project 1
            row(value="96%"),
        ]),
        "ambiguous_indicator.csv": csv_file(HEADER, [
            row(TWIN, "巡检服务", "3次"),
            row(TWIN, "服务效果", "达成"),                                   # good
        ]),
        "text_for_number.csv": csv_file(HEADER, [
            row(P4, "新建界标", "约五十"),
            row(P2, "智能化系统巡检服务", "三次"),
            row(P1, "移动源污染防治相关平台数据上传率", "达成"),
            row(P1, "群众满意度", "96%", rate="高"),
            row(P2, "智能化系统巡检服务", "12个"),
            row(P1, "标气标牌采购完成时间", "下个月"),
            row(P3, QUAL_P3, "95"),
            row(P4, "新建宣传牌", "87块"),                                    # good
        ]),
        "text_for_number.xlsx": xlsx_file({
            "指标填报": (HEADER, [row(P1, "群众满意度", "九十六")]),
            "预算执行": (SPENDING, [[P1, "2026-11-30", "五万", "", ""], [P2, "2026-11-30", 40, "", ""]]),
        }),
        "decimal_percent.xlsx": xlsx_file({"指标填报": (HEADER, [
            row(P1, "群众满意度", 0.962),
            row(P1, "移动源污染防治相关平台数据上传率", 0.98),
        ])}),
        "decimal_percent.csv": csv_file(HEADER, [row(P1, "群众满意度", "0.962")]),
        "huge_number.csv": csv_file(HEADER, [row(P1, "环境空气质量PM2.5", "9" * 400)]),
        "impossible_dates.csv": csv_file(HEADER, [
            row(P1, "群众满意度", "96%", "2026-02-30"),
            row(P1, "标气标牌采购完成时间", "2026年13月1日"),
            row(P1, "标气、标牌采购", "1项", "2026-11-31"),
            row(P1, "群众满意度", "96%", "1999-12-31"),
            row(P1, "群众满意度", "96%", "明天"),
            row(P4, "新建宣传牌", "87块", "2026年11月20日"),                  # good
        ]),
        "year_zero_date.csv": csv_file(HEADER, [
            row(P1, "群众满意度", "96%", "0000年1月"),
            row(P1, "标气标牌采购完成时间", "0000年12月底"),
        ]),
        "far_future_date.xlsx": xlsx_file({
            "指标填报": (HEADER, [
                row(P1, "群众满意度", "96%", datetime(2099, 1, 1)),
                row(P1, "标气、标牌采购", "1项", "2126年11月30日"),
            ]),
            "预算执行": (SPENDING, [[P1, datetime(2208, 11, 30), 40, "", ""]]),
        }),
        "far_future_completion.csv": csv_file(HEADER, [row(P1, "标气标牌采购完成时间", "2099-12-30")]),
        "duplicate_rows.csv": csv_file(HEADER, [
            row(P1, "群众满意度", "96%"),
            row(P1, "群众满意度", "96%"),
            row(value="97%", id_="10"),                                      # the same indicator by its number
            row(P1, "群众满意度", "96%", "2026-10-31"),                       # another date: good
        ]),
        "duplicate_rows.xlsx": xlsx_file({"预算执行": (SPENDING, [
            [P1, "2026-11-30", 40, "", ""],
            [P1, "2026-11-30", 40, "", ""],
        ])}),
        "formula_cells.xlsx": xlsx_file({"指标填报": (HEADER, [
            row(P1, "群众满意度", "placeholder"),
            row(P1, "标气、标牌采购", "1项"),
            row(P2, "智能化系统巡检服务", "3次", likelihood="有可能"),
            row(P4, "新建宣传牌", "87块"),
            row(P4, "新建界标", "60块"),                                      # good
        ])}, _formula_cells),
        "formula_spending.xlsx": xlsx_file({"预算执行": (SPENDING, [
            [P1, "2026-11-30", 40, "placeholder", ""],
            [P2, "2026-11-30", 40, "", "placeholder"],
        ])}, _formula_spending),
        "gbk_wrong_rows.csv": csv_file(HEADER, [
            row(P2, "智能化系统巡检服务", "12个", reporter="张伟"),
            row(P1, "不存在的指标", "5"),
            row(P4, "新建界标", "约五十"),
            row(P3, QUAL_P3, "部分达成年度指标并具有一定效果", rate="75"),  # good
        ], "gbk"),
        # -- accepted, then shown and exported as plain text ------------------------------------------
        "script_note.csv": csv_file(HEADER, [
            row(P1, "群众满意度", "93%", likelihood="有可能", note=SCRIPT_NOTE, reporter="<i>李强</i>"),
        ]),
        "formula_note.csv": csv_file(HEADER, [
            row(P2, name, "100%" if "率" in name else "4", note=note, likelihood="确定能")
            for name, note in FORMULA_NOTES.items()
        ]),
        # -- a target table the ambiguous case needs --------------------------------------------------
        "twin_targets.txt": TWIN_TABLE.encode(),
    }
    return files


def main(out: Path = HERE) -> None:
    files = build()
    for name, data in files.items():
        (out / name).write_bytes(data)
    print(f"{len(files)} files written to {out}")


if __name__ == "__main__":
    main()
