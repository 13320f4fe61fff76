"""PDF tables: generated at test time by Chromium's print-to-PDF from HTML, then read back.

The seed's four tables rendered with borders and real rowspan/colspan merges must import to the
same projects and indicators as the seed text; a page holding only a picture (a scan) is refused.
"""

from __future__ import annotations

import base64
import html
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from analytics.layout import NOTE, TITLE_TEXT, table_rows
from analytics.model import InputError, ProjectTable
from analytics.readers import pdf_rows, read_tables
from tests.browser_support import launched_chromium, require_browser

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "data" / "000_8af13639028b6537.txt"

STYLE = """
body { font-family: 'Noto Sans CJK SC', 'Noto Serif CJK SC', sans-serif; font-size: 10.5pt; }
table { border-collapse: collapse; width: 100%; margin-bottom: 12pt; }
td { border: 1px solid #000; padding: 3pt 4pt; vertical-align: middle; }
tr { break-inside: avoid; }
h1 { font-size: 16pt; text-align: center; margin: 4pt 0; }
p.year { text-align: center; margin: 2pt 0 8pt; }
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    require_browser()
    with launched_chromium() as b:
        yield b


def html_to_pdf(browser: Browser, body: str) -> bytes:
    page = browser.new_page()
    try:
        page.set_content(f"<!doctype html><html><head><meta charset='utf-8'><style>{STYLE}</style></head>"
                         f"<body>{body}</body></html>")
        return page.pdf(format="A4", print_background=True)
    finally:
        page.close()


def table_html(t: ProjectTable, title: str = TITLE_TEXT) -> str:
    """One table as published: title and year above, a ruled table with merges, the note below."""
    rows, merges = table_rows(t)
    assert rows[0][0] == TITLE_TEXT and rows[-1][0] == NOTE
    body = rows[2:-1]
    # Merges in body coordinates; a cell covered by a merge is not written at all.
    spans: dict[tuple[int, int], tuple[int, int]] = {}
    covered: set[tuple[int, int]] = set()
    for r0, c0, r1, c1 in merges:
        if r0 < 2 or r0 >= len(rows) - 1:
            continue
        spans[(r0 - 2, c0)] = (r1 - r0 + 1, c1 - c0 + 1)
        covered |= {(r, c) for r in range(r0 - 2, r1 - 1) for c in range(c0, c1 + 1)} - {(r0 - 2, c0)}
    out = [f"<h1>{html.escape(title)}</h1>", f"<p class='year'>{html.escape(rows[1][0])}</p>", "<table>"]
    for r, cells in enumerate(body):
        out.append("<tr>")
        for c, text in enumerate(cells):
            if (r, c) in covered:
                continue
            rs, cs = spans.get((r, c), (1, 1))
            out.append(f"<td rowspan='{rs}' colspan='{cs}'>{html.escape(text)}</td>")
        out.append("</tr>")
    out += ["</table>", f"<p>{html.escape(NOTE)}</p>"]
    return "\n".join(out)


@pytest.fixture(scope="module")
def seed_tables() -> list[ProjectTable]:
    return read_tables(SEED.read_bytes(), SEED.name)


@pytest.fixture(scope="module")
def seed_pdf(browser: Browser, seed_tables: list[ProjectTable]) -> bytes:
    return html_to_pdf(browser, "\n".join(table_html(t) for t in seed_tables))


def fields(t: ProjectTable) -> dict:
    """Everything a table brings, indicators field by field; locations differ by format."""
    return {
        "year": t.year, "name": t.name, "department": t.department, "unit": t.unit, "attribute": t.attribute,
        "start_date": t.start_date, "end_date": t.end_date, "funding_total": t.funding_total,
        "funding_fiscal": t.funding_fiscal, "funding_other": t.funding_other, "goal_text": t.goal_text,
        "kind": t.kind, "warnings": t.warnings,
        "indicators": [
            (i.level1, i.level2, i.name, i.target.text, i.target.operator, i.target.value, i.target.unit,
             i.target.unit_normalized, i.target.kind, i.target.direction, i.target.warnings)
            for i in t.indicators
        ],
    }


def test_seed_as_pdf_imports_exactly_as_the_seed_text(seed_pdf: bytes, seed_tables: list[ProjectTable]) -> None:
    got = read_tables(seed_pdf, "种子.pdf")
    assert [t.name for t in got] == [t.name for t in seed_tables]
    assert sum(len(t.indicators) for t in got) == 59
    for pdf_table, text_table in zip(got, seed_tables, strict=True):
        assert fields(pdf_table) == fields(text_table)


def test_pdf_rows_name_page_row_and_column(seed_pdf: bytes) -> None:
    rows = pdf_rows(seed_pdf, "种子.pdf")
    first = rows[0]
    assert first.cells == [TITLE_TEXT] and first.row_where.startswith("第1页正文第")
    assert rows[1].cells == ["(2026年度)"]
    name_row = next(r for r in rows if r.cells and r.cells[0] == "项目名称")
    assert name_row.row_where == "第1页表格第1行"
    assert name_row.where[1] == "第1页表格第1行第2列"
    # The merged 项目资金 cell stands once, the rows it covers start with an empty cell.
    funding = [r for r in rows if r.row_where.startswith("第1页表格")][4:7]
    assert [c.replace(" ", "") for c in funding[0].cells[:2]] == ["项目资金(万元)", "年度资金总额"]
    assert funding[1].cells[0] == "" and funding[1].cells[1] == "其中:财政拨款"
    pages = {r.row_where.split("页")[0] for r in rows}
    assert len(pages) > 1, "four tables fill more than one page, so the reader crossed a page"


def test_table_continued_over_a_page_is_more_rows(browser: Browser, seed_tables: list[ProjectTable]) -> None:
    """A table too long for one page: the rows on page 2 still belong to it (rows are not cut, as
    print settings of budget systems keep them whole; a cut row would come as two rows)."""
    t = seed_tables[3]
    body = table_html(t).replace("<table>", "<div style='height: 200mm'></div><table>", 1)
    data = html_to_pdf(browser, body)
    rows = pdf_rows(data, "跨页.pdf")
    assert {r.row_where.split("页")[0] for r in rows if "表格" in r.row_where} == {"第1", "第2"}
    [got] = read_tables(data, "跨页.pdf")
    assert fields(got) == fields(t)


def test_traditional_characters_and_radicals_in_a_pdf_are_simplified(browser: Browser) -> None:
    body = (
        "<h1>項目支出績效目標表</h1><p class='year'>(2026年度)</p><table>"
        "<tr><td>項目名稱</td><td colspan='3'>污水管網維護經費</td></tr>"
        "<tr><td>主管部\u2ed4</td><td>某縣生態環境局</td><td>實施單位</td><td>某縣環境監測站</td></tr>"
        "<tr><td>項目屬性</td><td>當年項目</td><td>項目日期範圍</td><td>2026年1月1日至2026年12月31日</td></tr>"
        "<tr><td>項目資金(萬元)</td><td>年度資金總額</td><td colspan='2'>41.20</td></tr>"
        "<tr><td>年度績效目標</td><td colspan='3'>完成管網維護。</td></tr>"
        "<tr><td>一級指標</td><td>二級指標</td><td>三級指標</td><td>指標值</td></tr>"
        "<tr><td rowspan='2'>產出指標</td><td>數量指標</td><td>維護管網長度</td><td>≥12公里</td></tr>"
        "<tr><td>時效指標</td><td>完成時間</td><td>2026年12月31日前</td></tr>"
        "<tr><td>成本指標</td><td>經濟成本指標</td><td>維護費用</td><td>≤41.2萬元</td></tr>"
        "<tr><td>效益指標</td><td>社會效益</td><td>管網運行狀況</td><td>有效改善</td></tr>"
        "<tr><td>滿意度指標</td><td>服務對象滿意度</td><td>群眾滿意度</td><td>≥90%</td></tr>"
        "</table>"
    )
    [t] = read_tables(html_to_pdf(browser, body), "繁体.pdf")
    assert (t.name, t.department, t.unit) == ("污水管网维护经费", "某县生态环境局", "某县环境监测站")
    assert [i.name for i in t.indicators] == ["维护管网长度", "完成时间", "维护费用", "管网运行状况", "群众满意度"]
    cost = t.indicators[2].target
    assert (cost.unit_normalized, str(cost.value)) == ("万元", "41.2")


def test_a_page_without_ruled_tables_gives_its_lines_split_at_wide_gaps(browser: Browser) -> None:
    body = (
        "<h1>项目支出绩效目标表</h1>"
        "<p style='white-space: pre'>项目名称                    乡镇污水管网维护经费</p>"
        "<p style='white-space: pre'>主管部门                    某县生态环境局</p>"
    )
    rows = pdf_rows(html_to_pdf(browser, body), "无表格.pdf")
    cells = [r.cells for r in rows]
    assert cells == [["项目支出绩效目标表"], ["项目名称", "乡镇污水管网维护经费"], ["主管部门", "某县生态环境局"]]
    assert rows[1].where == ["第1页正文第2行第1列", "第1页正文第2行第2列"]


def _png_of_text_free_pixels() -> str:
    """A small PNG (a grey square): a scan's page holds pictures, never characters."""
    import struct
    import zlib

    width = height = 64
    raw = b"".join(b"\x00" + bytes([128, 128, 128]) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    return base64.b64encode(png).decode()


@pytest.mark.parametrize("body", [
    f"<img src='data:image/png;base64,{_png_of_text_free_pixels()}' width='600' height='800'>",
    "<canvas id='c' width='600' height='800'></canvas><script>"
    "const x = document.getElementById('c').getContext('2d'); x.fillStyle = '#333';"
    "x.fillRect(40, 40, 500, 20); x.fillRect(40, 80, 300, 20);</script>",
], ids=["img", "canvas"])
def test_a_scanned_pdf_is_refused_with_a_message_that_says_so(browser: Browser, body: str) -> None:
    data = html_to_pdf(browser, body)
    with pytest.raises(InputError) as info:
        read_tables(data, "扫描件.pdf")
    assert str(info.value) == (
        "文件“扫描件.pdf”是扫描件(没有可提取的文字层),暂不支持识别图片中的文字;"
        "请导入原始的Word/Excel文件或可复制文字的PDF"
    )


@pytest.mark.parametrize("data", [
    b"not a pdf at all",
    b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF",
    b"%PDF-1.4\n" + bytes(range(256)) * 40,
], ids=["not_pdf", "no_pages_object", "garbage"])
def test_a_broken_pdf_gets_a_chinese_message_not_a_traceback(data: bytes) -> None:
    with pytest.raises(InputError) as info:
        read_tables(data, "坏.pdf")
    message = str(info.value)
    assert message.startswith("文件“坏.pdf”")
    assert "PDF" in message and "Error" not in message and "Traceback" not in message


def test_a_truncated_pdf_is_refused(seed_pdf: bytes) -> None:
    with pytest.raises(InputError) as info:
        read_tables(seed_pdf[: len(seed_pdf) // 3], "截断.pdf")
    assert str(info.value).startswith("文件“截断.pdf”")


def test_reading_needs_no_pdftotext(seed_pdf: bytes, monkeypatch: pytest.MonkeyPatch,
                                    tmp_path: Path, seed_tables: list[ProjectTable]) -> None:
    """pdfplumber is pure Python: with no poppler tools on PATH the seed PDF still imports."""
    monkeypatch.setenv("PATH", str(tmp_path))
    assert os.environ["PATH"] == str(tmp_path)
    got = read_tables(seed_pdf, "种子.pdf")
    assert [fields(t) for t in got] == [fields(t) for t in seed_tables]
