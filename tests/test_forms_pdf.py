"""The forms as paged PDF (issue 12 items 3 and 4): read back with pdfplumber, pdffonts and pdftoppm.

The forms are built here from plain data in the layouts of domain.md section 8 (the 10-column
自评表, the 16-column 监控表 with its two header rows), long enough to span pages; analytics.forms
builds the same Form objects from the database.
"""

from __future__ import annotations

import dataclasses
import io
import re
import subprocess
import sys
import types
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pdfplumber
import pytest

from analytics import forms_pdf
from analytics.formmodel import MONEY, PERCENT, POINTS, TEXT, Cell, Form
from analytics.settings import PdfSettings, load_settings

FOOTER = "截至2026年12月31日 · 由测试生成"
SCRIPT_NOTE = "<script>alert(1)</script>"
FORMULA_NOTE = "=SUM(A1)"
# 一级 with its points and its 二级, as a 10号 target table lays them out.
POOLS = (("产出指标", 50, ("数量指标", "质量指标", "时效指标", "成本指标")),
         ("效益指标", 30, ("社会效益指标", "生态效益指标")),
         ("满意度指标", 10, ("服务对象满意度指标",)))


@dataclass(frozen=True)
class Row:
    """One indicator row of a form."""

    level1: str
    level2: str
    name: str
    target: str
    actual: str
    weight: Decimal
    score: Decimal
    note: str


def two(value: Decimal) -> str:
    """Two decimals, rounded half to even: what the form must print (written out here, not wording's)."""
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN))


def indicator_rows(n: int, project: int = 0) -> list[Row]:
    """n indicator rows spread over the pools; 三级 names unique in the form, a few long notes."""
    shares = [max(1, n * p // 90) for _, p, _ in POOLS]
    shares[0] += n - sum(shares)
    rows: list[Row] = []
    for (level1, pool, level2s), count in zip(POOLS, shares, strict=True):
        weight = (Decimal(pool) / count).quantize(Decimal("0.0001"))
        for i in range(count):
            k = len(rows) + 1
            score = (weight * Decimal(85 + (k * 7 + project) % 16) / 100).quantize(Decimal("0.0001"))
            note = "因天气原因工期顺延,已调整施工计划并加派人员" * (2 if k % 9 == 0 else 0)
            rows.append(Row(f"{level1}({pool}分)", level2s[i * len(level2s) // count], f"指标{project}-{k}号",
                            "≥95%", f"{90 + k % 10}%", weight, score, note))
    rows[1] = dataclasses.replace(rows[1], note=SCRIPT_NOTE)
    rows[2] = dataclasses.replace(rows[2], note=FORMULA_NOTE)
    return rows


def _merged_runs(rows: Sequence[Row], key) -> list[tuple[int, int, str]]:
    """(first index, count, value) of each run of equal keys: the 一级 and 二级 merges."""
    runs: list[tuple[int, int, str]] = []
    for i, r in enumerate(rows):
        if runs and runs[-1][2] == key(r):
            runs[-1] = (runs[-1][0], runs[-1][1] + 1, runs[-1][2])
        else:
            runs.append((i, 1, key(r)))
    return runs


def selfeval_form(name: str, rows: Sequence[Row], budget_score: Decimal = Decimal("9.6250")) -> Form:
    """A 项目支出绩效自评表 in the 10-column layout of domain.md section 8."""
    c: list[Cell] = [
        Cell(1, 1, "项目支出绩效自评表", cols=10, bold=True, align="center", size="title"),
        Cell(2, 1, "（2026年度）", cols=10, align="center"),
        Cell(3, 1, "项目名称", cols=2), Cell(3, 3, name, cols=8),
        Cell(4, 1, "主管部门", cols=2), Cell(4, 3, "402-南昌市生态环境局(部门)", cols=3),
        Cell(4, 6, "实施单位", cols=2), Cell(4, 8, "南昌市环境监测站", cols=3),
        Cell(5, 1, "项目资金（万元）", rows=5, cols=2, align="center"), Cell(5, 3, None, cols=2),
    ]
    c += [Cell(5, col, t, align="center") for col, t in
          zip(range(5, 11), ("年初预算数", "全年预算数（A）", "全年执行数（B）", "分值", "执行率（B/A）", "得分"),
              strict=True)]
    budget = (("年度资金总额", "120.5", "130", "125.126", Decimal(10), budget_score),
              ("其中:当年财政拨款", "100", "110", "105.004", "—", "—"),
              ("上年结转资金", "20.5", "20", "20.122", "—", "—"),
              ("其他资金", "0", "0", "0", "—", "—"))
    for i, (label, start, year, spent, points, score) in enumerate(budget):
        r = 6 + i
        c.append(Cell(r, 3, label, cols=2))
        c += [Cell(r, col, Decimal(v), kind=MONEY, align="right") for col, v in zip((5, 6, 7), (start, year, spent),
                                                                                   strict=True)]
        c.append(Cell(r, 8, points, kind=TEXT if isinstance(points, str) else POINTS, align="center"))
        c.append(Cell(r, 9, Decimal(spent) / Decimal(year) if Decimal(year) else None, kind=PERCENT, align="right"))
        c.append(Cell(r, 10, score, kind=TEXT if isinstance(score, str) else POINTS, align="center"))
    c += [Cell(10, 1, "年度总体目标", rows=2, align="center"),
          Cell(10, 2, "预期目标", cols=5, align="center"), Cell(10, 7, "实际完成情况", cols=4, align="center"),
          Cell(11, 2, "加大污染防治力度,持续改善区域环境质量。", cols=5), Cell(11, 7, "全年目标基本完成。", cols=4)]
    last = 12 + len(rows)
    c.append(Cell(12, 1, "绩效指标", rows=len(rows) + 1, align="center"))
    c += [Cell(12, col, t, bold=True, align="center") for col, t in
          zip(range(2, 9), ("一级指标", "二级指标", "三级指标", "年度指标值（A）", "实际完成值（B）", "分值", "得分"),
              strict=True)]
    c.append(Cell(12, 9, "偏差原因分析及改进措施", cols=2, bold=True, align="center"))
    for first, count, value in _merged_runs(rows, lambda r: r.level1):
        c.append(Cell(13 + first, 2, value, rows=count, align="center"))
    for first, count, value in _merged_runs(rows, lambda r: (r.level1, r.level2)):
        c.append(Cell(13 + first, 3, value[1], rows=count, align="center"))
    for i, row in enumerate(rows):
        r = 13 + i
        c += [Cell(r, 4, row.name), Cell(r, 5, row.target, align="center"), Cell(r, 6, row.actual, align="center"),
              Cell(r, 7, row.weight, kind=POINTS, align="center"), Cell(r, 8, row.score, kind=POINTS, align="center"),
              Cell(r, 9, row.note, cols=2)]
    total = sum((r.score for r in rows), budget_score)
    c += [Cell(last + 1, 1, "总分", cols=6, bold=True, align="center"), Cell(last + 1, 7, 100, align="center"),
          Cell(last + 1, 8, total, kind=POINTS, cols=3, align="center")]
    return Form("selfeval", name[:31], "项目支出绩效自评表", (7, 9, 9, 20, 11, 11, 7, 7, 10, 12), tuple(c),
                (12, 12), FOOTER)


MONITOR_HEAD = ("一级指标", "二级指标", "三级指标", "年度指标值", "1-7月执行情况", "全年预计完成情况")
REASONS = ("经费保障", "制度保障", "人员保障", "硬件条件保障", "其他")
LIKELIHOOD = ("确定能", "有可能", "完全不可能")


def monitor_form(name: str, rows: Sequence[Row]) -> Form:
    """A 项目支出绩效目标执行监控表 in the 16-column layout of domain.md section 8 (landscape)."""
    c: list[Cell] = [
        Cell(1, 1, "项目支出绩效目标执行监控表", cols=16, bold=True, align="center", size="title"),
        Cell(2, 1, "（2026年度）", cols=16, align="center"),
        Cell(3, 1, "项目名称", cols=3), Cell(3, 4, name, cols=13),
        Cell(4, 1, "主管部门及代码", cols=3), Cell(4, 4, "402-南昌市生态环境局(部门)", cols=5),
        Cell(4, 9, "实施单位", cols=2), Cell(4, 11, "南昌市环境监测站", cols=6),
        Cell(5, 1, "项目资金（万元）", rows=4, cols=3, align="center"), Cell(5, 4, None, cols=2),
        Cell(5, 6, "年初预算数", cols=2), Cell(5, 8, "1-7月执行数", cols=2), Cell(5, 10, "1-7月执行率", cols=2),
        Cell(5, 12, "全年预计执行数", cols=2), Cell(5, 14, None, cols=3),
    ]
    for i, (label, year, spent) in enumerate((("年度资金总额", "130", "80.555"), ("其中:财政拨款", "110", "70"),
                                              ("其他资金", "20", "10.555"))):
        r = 6 + i
        c += [Cell(r, 4, label, cols=2), Cell(r, 6, Decimal(year), kind=MONEY, cols=2, align="right"),
              Cell(r, 8, Decimal(spent), kind=MONEY, cols=2, align="right"),
              Cell(r, 10, Decimal(spent) / Decimal(year), kind=PERCENT, cols=2, align="right"),
              Cell(r, 12, None, kind=MONEY, cols=2), Cell(r, 14, None, cols=3)]
    c += [Cell(9, 1, "年度总体目标", rows=2, align="center"), Cell(9, 2, "全年预期目标", cols=7, align="center"),
          Cell(9, 9, "1-7月实际完成情况", cols=8, align="center"),
          Cell(10, 2, "加大污染防治力度,持续改善区域环境质量。", cols=7), Cell(10, 9, "按计划推进。", cols=8)]
    c.append(Cell(11, 1, "绩效指标", rows=len(rows) + 2, align="center"))
    c += [Cell(11, col, t, rows=2, bold=True, align="center") for col, t in zip(range(2, 8), MONITOR_HEAD,
                                                                               strict=True)]
    c += [Cell(11, 8, "偏差原因分析", cols=5, bold=True, align="center"),
          Cell(11, 13, "完成目标可能性", cols=3, bold=True, align="center"),
          Cell(11, 16, "备注", rows=2, bold=True, align="center")]
    c += [Cell(12, 8 + i, t, align="center") for i, t in enumerate(REASONS)]
    c += [Cell(12, 13 + i, t, align="center") for i, t in enumerate(LIKELIHOOD)]
    for first, count, value in _merged_runs(rows, lambda r: r.level1):
        c.append(Cell(13 + first, 2, value, rows=count, align="center"))
    for first, count, value in _merged_runs(rows, lambda r: (r.level1, r.level2)):
        c.append(Cell(13 + first, 3, value[1], rows=count, align="center"))
    for i, row in enumerate(rows):
        r = 13 + i
        c += [Cell(r, 4, row.name), Cell(r, 5, row.target, align="center"), Cell(r, 6, row.actual, align="center"),
              Cell(r, 7, row.actual, align="center")]
        c += [Cell(r, 8 + j, "√" if row.note and j == i % 5 else None, align="center") for j in range(5)]
        c += [Cell(r, 13 + j, "√" if j == (1 if row.note else 0) else None, align="center") for j in range(3)]
        c.append(Cell(r, 16, row.note))
    last = 12 + len(rows)
    c.append(Cell(last + 1, 1, "注:完成目标可能性为有可能或完全不可能的,须说明偏差原因和改进措施。", cols=16))
    return Form("monitor", name[:31], "项目支出绩效目标执行监控表",
                (6, 8, 8, 16, 8, 9, 9, 5, 5, 5, 6, 5, 5, 5, 6, 12), tuple(c), (11, 12), FOOTER, landscape=True)


# -- reading back ---------------------------------------------------------------------------------


def pages_text(pdf: bytes) -> list[str]:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return [p.extract_text() or "" for p in doc.pages]


def page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return [(float(p.width), float(p.height)) for p in doc.pages]


def words_by_page(pdf: bytes) -> list[list[dict]]:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return [p.extract_words(keep_blank_chars=False) for p in doc.pages]


def page_numbers(texts: Sequence[str]) -> list[tuple[int, int]]:
    out = []
    for t in texts:
        found = re.findall(r"第 (\d+) 页 / 共 (\d+) 页", t)
        assert len(found) == 1, t[-200:]
        out.append((int(found[0][0]), int(found[0][1])))
    return out


def assert_numbered(texts: Sequence[str]) -> None:
    """第 N 页 / 共 M 页 on every page: N = 1 … M in order, M the file's page count."""
    assert page_numbers(texts) == [(i + 1, len(texts)) for i in range(len(texts))]


def assert_rows_read_back(pdf: bytes, rows: Sequence[Row]) -> None:
    """Each indicator's name with its 分值 and 得分 on the same line (cells are vertically centred)."""
    seen = set()
    for words in words_by_page(pdf):
        for w in words:
            row = next((r for r in rows if w["text"] == r.name), None)
            if row is None:
                continue
            line = [v["text"] for v in words if abs((v["top"] + v["bottom"]) / 2 - (w["top"] + w["bottom"]) / 2) < 2
                    and v["x0"] > w["x1"]]
            assert line[:4] == [row.target, row.actual, two(row.weight), two(row.score)], (row.name, line)
            seen.add(row.name)
    assert seen == {r.name for r in rows}


def pdffonts(pdf: bytes, tmp_path: Path) -> list[list[str]]:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    lines = out.splitlines()[2:]
    assert lines, out
    return [line.split() for line in lines]


class _Grid(HTMLParser):
    """The cells of form_html's tables, placed on the grid by colspan/rowspan as a browser does."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict[tuple[int, int], tuple[int, int, str]]] = []
        self._row = -1
        self._taken: set[tuple[int, int]] = set()
        self._cell: list | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table":
            self.tables.append({})
            self._row, self._taken = -1, set()
        elif tag == "tr":
            self._row += 1
        elif tag in ("td", "th"):
            col = 0
            while (self._row, col) in self._taken:
                col += 1
            rows, cols = int(a.get("rowspan") or 1), int(a.get("colspan") or 1)
            self._taken |= {(self._row + i, col + j) for i in range(rows) for j in range(cols)}
            self._cell = [self._row, col, rows, cols, ""]
        elif tag == "script":
            raise AssertionError("markup reached the HTML")

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell[4] += data

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            r, col, rows, cols, text = self._cell
            self.tables[-1][(r, col)] = (rows, cols, text)
            self._cell = None


# -- tests ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def long_selfeval() -> tuple[Form, list[Row]]:
    rows = indicator_rows(64)
    return selfeval_form("长表项目<b>测试</b>", rows), rows


@pytest.fixture(scope="module")
def long_selfeval_pdf(long_selfeval: tuple[Form, list[Row]]) -> bytes:
    return forms_pdf.forms_pdf([long_selfeval[0]])


@pytest.fixture(scope="module")
def long_monitor() -> tuple[Form, list[Row]]:
    rows = indicator_rows(62, project=1)
    return monitor_form("监控表长项目", rows), rows


@pytest.fixture(scope="module")
def long_monitor_pdf(long_monitor: tuple[Form, list[Row]]) -> bytes:
    return forms_pdf.forms_pdf([long_monitor[0]])


def test_html_grid_is_the_forms_merges(long_selfeval: tuple[Form, list[Row]]) -> None:
    """Every merge is a colspan/rowspan at its place; only 绩效指标 is cut at the header's end."""
    form, _ = long_selfeval
    grid = _Grid()
    grid.feed(forms_pdf.form_html(form))
    top, table = grid.tables
    head_first, head_last = form.header_rows
    placed = {(r + 1, c + 1): v for (r, c), v in top.items()}
    placed |= {(r + head_first, c + 1): v for (r, c), v in table.items()}
    for cell in form.cells:
        rows, cols, text = placed.pop((cell.row, cell.col))
        expected_rows = cell.rows if cell.row > head_last or cell.last_row <= head_last else head_last - cell.row + 1
        assert (rows, cols) == (expected_rows, cell.cols), cell
        assert text == forms_pdf.cell_text(cell), cell
    # What is left is the body part of the A column's 绩效指标: one empty cell per indicator row.
    assert placed == {(r, 1): (1, 1, "") for r in range(head_last + 1, form.n_rows)}


def test_numbers_print_as_on_screen() -> None:
    """Money with two decimals and separators, a fraction as a percent with one decimal, points two."""
    assert forms_pdf.cell_text(Cell(1, 1, Decimal("12345.675"), kind=MONEY)) == "12,345.68"
    assert forms_pdf.cell_text(Cell(1, 1, Decimal("0.96249"), kind=PERCENT)) == "96.2%"
    assert forms_pdf.cell_text(Cell(1, 1, 7.5, kind=POINTS)) == "7.50"
    assert forms_pdf.cell_text(Cell(1, 1, 100.0)) == "100"
    assert forms_pdf.cell_text(Cell(1, 1, "—", kind=POINTS)) == "—"
    assert forms_pdf.cell_text(Cell(1, 1, None, kind=MONEY)) == ""


def test_selfeval_reads_back(long_selfeval: tuple[Form, list[Row]], long_selfeval_pdf: bytes) -> None:
    _, rows = long_selfeval
    texts = pages_text(long_selfeval_pdf)
    assert len(texts) >= 3, "64 indicators span pages"
    whole = "\n".join(texts)
    first = texts[0]
    assert first.splitlines()[0] == "项目支出绩效自评表"
    assert "（2026年度）" in first and "长表项目<b>测试</b>" in first
    # The budget block: amounts with two decimals, B/A as a percent with one, the budget's points.
    year, spent = Decimal("130"), Decimal("125.126")
    rate = (spent / year * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_EVEN)
    assert re.search(rf"年度资金总额 120\.50 130\.00 125\.13 10\.00 {rate}% 9\.62", first), first
    assert "其中:当年财政拨款 100.00 110.00 105.00 — 95.5% —" in first
    assert_rows_read_back(long_selfeval_pdf, rows)
    total = two(sum((r.score for r in rows), Decimal("9.6250")))
    assert re.search(rf"总分 100 {re.escape(total)}\n", whole), whole[-400:]
    assert whole.count("总分") == 1


def test_header_repeats_and_pages_are_numbered(long_selfeval_pdf: bytes, long_monitor_pdf: bytes) -> None:
    for pdf, heads in ((long_selfeval_pdf, ("一级指标", "三级指标", "偏差原因分析及改进措施")),
                       (long_monitor_pdf, ("三级指标", "偏差原因分析", "完成目标可能性", "确定能", "有可能", "其他",
                                           "备注"))):
        texts = pages_text(pdf)
        assert len(texts) >= 2
        for i, t in enumerate(texts):
            assert all(h in t for h in heads), (i, t[:300])
            assert FOOTER in t
        assert_numbered(texts)


def test_merged_labels_repeat_on_every_page(long_selfeval: tuple[Form, list[Row]], long_monitor: tuple[Form, list[Row]],
                                            long_selfeval_pdf: bytes, long_monitor_pdf: bytes) -> None:
    """A 一级 or 二级 merged over rows on two pages is printed again on the second one."""
    for (_, rows), pdf in ((long_selfeval, long_selfeval_pdf), (long_monitor, long_monitor_pdf)):
        texts = pages_text(pdf)
        carried = 0
        for i, t in enumerate(texts):
            on_page = [r for r in rows if re.search(rf"{re.escape(r.name)}\s", t)]
            for r in on_page:
                # Names of up to four characters fit their narrow column on one line.
                for label in (r.level1.split("(")[0], r.level2):
                    if len(label) <= 4:
                        assert label in t, (i, r.name, label)
            if i and on_page and on_page[0].level1 == rows[rows.index(on_page[0]) - 1].level1:
                carried += 1
        assert carried >= 1, "some page begins inside a merged 一级"


def test_monitor_reads_back_landscape(long_monitor: tuple[Form, list[Row]], long_monitor_pdf: bytes) -> None:
    _, rows = long_monitor
    texts = pages_text(long_monitor_pdf)
    assert texts[0].splitlines()[0] == "项目支出绩效目标执行监控表"
    assert "年度资金总额 130.00 80.56 62.0%" in texts[0]
    assert all(w > h for w, h in page_sizes(long_monitor_pdf)), "a landscape form prints on landscape A4"
    seen = set()
    for words in words_by_page(long_monitor_pdf):
        for w in words:
            row = next((r for r in rows if r.name == w["text"]), None)
            if row is not None:
                line = [v["text"] for v in words if abs(v["top"] - w["top"]) < 3 and v["x0"] > w["x1"]]
                assert line[:3] == [row.target, row.actual, row.actual]
                assert line.count("√") == (2 if row.note else 1), line
                seen.add(row.name)
    assert seen == {r.name for r in rows}
    assert "注:完成目标可能性为有可能或完全不可能的" in texts[-1]


def test_fonts_are_embedded_cjk(long_selfeval_pdf: bytes, tmp_path: Path) -> None:
    fonts = pdffonts(long_selfeval_pdf, tmp_path)
    assert [f for f in fonts if f[-5] != "yes"] == [], "every font is embedded"
    assert any("CJK" in f[0] for f in fonts), fonts
    assert not any(f[1] == "Type" and f[2] == "3" for f in fonts), "glyphs are a font, not drawings"


def test_every_page_renders(long_selfeval_pdf: bytes, long_monitor_pdf: bytes, tmp_path: Path) -> None:
    for name, pdf in (("s", long_selfeval_pdf), ("m", long_monitor_pdf)):
        path = tmp_path / f"{name}.pdf"
        path.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", "50", "-png", str(path), str(tmp_path / name)], check=True)
        pngs = sorted(tmp_path.glob(f"{name}-*.png"))
        assert len(pngs) == len(pages_text(pdf))
        assert all(p.stat().st_size > 1000 for p in pngs)


def test_typed_text_prints_as_text(long_selfeval: tuple[Form, list[Row]], long_selfeval_pdf: bytes) -> None:
    html = forms_pdf.form_html(long_selfeval[0])
    assert "<script" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    whole = "\n".join(pages_text(long_selfeval_pdf))
    assert SCRIPT_NOTE in whole
    assert re.search(rf"\s{re.escape(FORMULA_NOTE)}\n", whole)


def test_forms_each_start_a_page(tmp_path: Path) -> None:
    """A 自评表, a 监控表 and another 自评表 in one file: each from a new page, in its orientation."""
    short = [selfeval_form("甲项目", indicator_rows(12, 2)), monitor_form("乙项目", indicator_rows(12, 3)),
             selfeval_form("丙项目", indicator_rows(40, 4))]
    calls: list[tuple[int, int]] = []
    pdf = forms_pdf.forms_pdf(iter(short), progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 3), (2, 3), (3, 3)]
    texts = pages_text(pdf)
    sizes = page_sizes(pdf)
    starts = [i for i, t in enumerate(texts) if t.startswith("项目支出绩效")]
    assert len(starts) == 3 and starts[0] == 0
    assert "甲项目" in texts[starts[0]] and "乙项目" in texts[starts[1]] and "丙项目" in texts[starts[2]]
    for i, (w, h) in enumerate(sizes):
        landscape = starts[1] <= i < starts[2]
        assert (w > h) == landscape, i
    assert_numbered(texts)


def _settings(monkeypatch: pytest.MonkeyPatch, **pdf: int) -> None:
    chosen = dataclasses.replace(load_settings(), pdf=PdfSettings(**pdf))
    monkeypatch.setattr(forms_pdf, "load_settings", lambda: chosen)


def test_chunks_number_pages_across_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rendered in chunks of two forms and joined: the same pages as one document, numbered 1 … M."""
    forms = [selfeval_form(f"项目{k}", indicator_rows(8 + 11 * k, k)) for k in range(5)]
    whole = pages_text(forms_pdf.forms_pdf(forms))
    _settings(monkeypatch, forms_per_chunk=2, workers=1)
    calls: list[tuple[int, int]] = []
    chunked = pages_text(forms_pdf.forms_pdf(forms, progress=lambda d, t: calls.append((d, t))))
    assert chunked == whole
    assert_numbered(chunked)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls) and calls[-1] == (5, 5)
    assert {t for _, t in calls} == {5}


def test_one_page_bound_is_safe(long_selfeval: tuple[Form, list[Row]]) -> None:
    """Forms the bound calls one page (no counting layout) do lay out to one page."""
    forms = [selfeval_form(f"短{k}", indicator_rows(k, k)) for k in (3, 6, 8, 10)]
    forms += [monitor_form(f"短监{k}", indicator_rows(k, k)) for k in (3, 4, 6)]
    sure = [f for f in forms if forms_pdf.surely_one_page(f)]
    assert len(sure) >= 4
    for form in sure:
        assert len(pages_text(forms_pdf.forms_pdf([form]))) == 1, form.sheet_name
    assert not forms_pdf.surely_one_page(long_selfeval[0])


def test_workers_give_the_same_file(monkeypatch: pytest.MonkeyPatch) -> None:
    forms = [selfeval_form(f"并行{k}", indicator_rows(10 + 20 * k, k)) for k in range(3)]
    _settings(monkeypatch, forms_per_chunk=1, workers=1)
    alone = pages_text(forms_pdf.forms_pdf(forms))
    _settings(monkeypatch, forms_per_chunk=1, workers=2)
    # Workers are for a script whose main module is guarded (settings.toml [pdf]): a spawned worker
    # re-runs __main__, and after an AppTest in this process that is app.py. A bare main stands in.
    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))
    assert pages_text(forms_pdf.forms_pdf(forms)) == alone
    assert_numbered(alone)


def summary_frame(n: int) -> pd.DataFrame:
    return pd.DataFrame({
        "项目名称": [f"汇总项目{k}" for k in range(n)],
        "实施单位": ["南昌市环境监测站"] * n,
        "资金(万元)": [Decimal("1234.565") + k for k in range(n)],
        "执行率": [96.25 - k % 7 for k in range(n)],
        "自评得分": [90.125 - k % 5 for k in range(n)],
        "等级": ["优" if k % 3 else "良" for k in range(n)],
        "备注": [FORMULA_NOTE if k == 1 else SCRIPT_NOTE if k == 2 else "" for k in range(n)],
    })


@pytest.mark.parametrize("chunk", [100, 3])
def test_workbook(monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    """汇总 first (its header on every page of it), then each 自评表 from a new page, numbered across."""
    _settings(monkeypatch, forms_per_chunk=chunk, workers=1)
    summary = summary_frame(150)
    forms = [selfeval_form(f"汇总项目{k}", indicator_rows(10, k)) for k in range(4)]
    pdf = forms_pdf.workbook_pdf(summary, forms, "南昌市生态环境局 2026年度 项目绩效汇总", FOOTER)
    texts = pages_text(pdf)
    starts = [i for i, t in enumerate(texts) if t.startswith("项目支出绩效自评表")]
    assert len(starts) == 4 and starts[0] >= 2, "150 rows of 汇总 take pages before the forms"
    assert texts[0].startswith("南昌市生态环境局 2026年度 项目绩效汇总")
    for t in texts[:starts[0]]:
        assert "项目名称 实施单位 资金(万元) 执行率 自评得分 等级 备注" in t
    summary_text = "\n".join(texts[:starts[0]])
    assert "汇总项目0 南昌市环境监测站 1,234.56 96.2% 90.12 良" in summary_text  # half to even, as on screen
    assert "汇总项目149 南昌市环境监测站 1,383.56 94.2% 86.12 优" in summary_text
    assert f"汇总项目1 南昌市环境监测站 1,235.56 95.2% 89.12 优 {FORMULA_NOTE}" in summary_text
    assert f"汇总项目2 南昌市环境监测站 1,236.56 94.2% 88.12 优 {SCRIPT_NOTE}" in summary_text
    for k, i in enumerate(starts):
        assert f"汇总项目{k}" in texts[i]
    assert_numbered(texts)
    assert all(h > w for w, h in page_sizes(pdf))
