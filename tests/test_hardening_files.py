"""Issue 10, items 2 and 10: hostile packages are refused before parsing, with bounded memory;
odd numbers, CR-only line endings and superscript digits are read or refused in Chinese.
"""

from __future__ import annotations

import gc
import io
import threading
import tracemalloc
import zipfile
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import docx
import openpyxl
import pandas as pd
import psutil
import pytest

from analytics import services
from analytics.dashboard import Filters
from analytics.model import InputError
from analytics.readers import read_tables
from analytics.reports import ReportRefused, read_sheets
from analytics.settings import DEFAULT_SETTINGS, FileLimits, load_settings, parse_file_limits
from analytics.storage import Store

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "data" / "000_8af13639028b6537.txt"
SAMPLE = ROOT / "data" / "samples" / "actuals_2026.xlsx"
T = date(2026, 12, 31)
P1 = "生态环保行业管理_机动车污染防治项目"
MB = 1024 * 1024
MEMORY_BOUND = 200 * MB


# -- building hostile packages -------------------------------------------------------------------------------------


def _repack(base: bytes, part: str, write: Callable[[io.BufferedIOBase], None]) -> bytes:
    """``base`` with ``part`` replaced by what ``write`` streams into it (never all in memory)."""
    src = zipfile.ZipFile(io.BytesIO(base))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for info in src.infolist():
            if info.filename == part:
                with z.open(part, "w", force_zip64=True) as w:
                    write(w)
            else:
                z.writestr(info, src.read(info.filename))
        if part not in src.namelist():
            with z.open(part, "w", force_zip64=True) as w:
                write(w)
    return out.getvalue()


def _small_xlsx() -> bytes:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "指标编号"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def xlsx_bomb() -> bytes:
    """About 3 MB on disk, about 750 MB of sheet XML: three million rows of twenty cells."""
    row = b"<row>" + b"<c><v>7</v></c>" * 20 + b"</row>"
    block = row * 1000

    def write(w: io.BufferedIOBase) -> None:
        w.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
        for _ in range(2500):
            w.write(block)
        w.write(b"</sheetData></worksheet>")

    return _repack(_small_xlsx(), "xl/worksheets/sheet1.xml", write)


def docx_bomb() -> bytes:
    """A few MB on disk, about 1 GB of document.xml: millions of one-word paragraphs."""
    d = docx.Document()
    d.add_paragraph("绩效目标表")
    buf = io.BytesIO()
    d.save(buf)
    para = b"<w:p><w:r><w:t>x</w:t></w:r></w:p>" * 1000

    def write(w: io.BufferedIOBase) -> None:
        w.write(b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>')
        for _ in range(30000):
            w.write(para)
        w.write(b"</w:body></w:document>")

    return _repack(buf.getvalue(), "word/document.xml", write)


class _PeakRss:
    """The process's highest resident size while the block runs, sampled every 5 ms."""

    def __init__(self) -> None:
        self._proc = psutil.Process()
        self._stop = threading.Event()
        self.start = self.peak = 0

    def __enter__(self) -> _PeakRss:
        gc.collect()
        self.start = self.peak = self._proc.memory_info().rss
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, self._proc.memory_info().rss)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._proc.memory_info().rss)

    @property
    def growth(self) -> int:
        return self.peak - self.start


def _refused_with_bounded_memory(call: Callable[[], object]) -> InputError:
    """``call`` raises InputError while Python allocations and RSS each grow by under 200 MB."""
    tracemalloc.start()
    try:
        with _PeakRss() as rss, pytest.raises(InputError) as info:
            call()
        _, traced_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert traced_peak < MEMORY_BOUND, f"Python allocations peaked at {traced_peak / MB:.0f} MB"
    assert rss.growth < MEMORY_BOUND, f"RSS grew by {rss.growth / MB:.0f} MB"
    return info.value


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return xlsx_bomb()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(tmp_path / "x.duckdb")
    services.import_file(s, SEED)
    yield s
    s.close()


@pytest.fixture
def tight_limits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """Point PERF_SETTINGS at a copy of settings.toml whose [files] section is ``section``."""

    def use(section: str) -> None:
        text = DEFAULT_SETTINGS.read_text(encoding="utf-8")
        head, _, rest = text.partition("[files]")
        tail = rest[rest.index("\n["):]
        path = tmp_path / "settings.toml"
        path.write_text(f"{head}[files]\n{section}\n{tail}", encoding="utf-8")
        monkeypatch.setenv("PERF_SETTINGS", str(path))

    return use


# -- item 2: decompression bombs -----------------------------------------------------------------------------------


def test_the_bomb_is_small_on_disk_and_huge_unpacked(bomb: bytes) -> None:
    unpacked = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(bomb)).infolist())
    assert len(bomb) < 5 * MB
    assert unpacked > 700 * MB


def test_xlsx_bomb_refused_as_target_import_with_bounded_memory(bomb: bytes) -> None:
    e = _refused_with_bounded_memory(lambda: read_tables(bomb, "炸弹.xlsx"))
    assert "炸弹.xlsx" in str(e)
    assert "解压后共741MB,超过上限200MB" in str(e)


def test_xlsx_bomb_refused_as_report_upload_with_bounded_memory(bomb: bytes, store: Store) -> None:
    before = store.table_counts()
    e = _refused_with_bounded_memory(lambda: services.check_report_bytes(store, bomb, "炸弹.xlsx", today=T))
    assert "炸弹.xlsx" in str(e) and "上限" in str(e)
    assert store.table_counts() == before


def test_docx_bomb_refused_with_bounded_memory() -> None:
    data = docx_bomb()
    assert len(data) < 10 * MB
    e = _refused_with_bounded_memory(lambda: read_tables(data, "炸弹.docx"))
    assert "炸弹.docx" in str(e)
    assert "超过上限200MB" in str(e)


def test_a_big_part_is_refused_even_when_rows_are_few() -> None:
    # One row whose single cell holds 80 MB of text: within the row and cell limits, past the part limit.
    def write(w: io.BufferedIOBase) -> None:
        w.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
                b'<row r="1"><c r="A1" t="inlineStr"><is><t>')
        for _ in range(80):
            w.write(b"x" * MB)
        w.write(b"</t></is></c></row></sheetData></worksheet>")

    data = _repack(_small_xlsx(), "xl/worksheets/sheet1.xml", write)
    with pytest.raises(InputError, match=r"“xl/worksheets/sheet1\.xml”解压后超过上限64MB"):
        read_sheets(data, "大.xlsx")


def test_a_far_cell_is_refused_by_the_rectangle_it_makes(tight_limits: Callable[[str], None]) -> None:
    # openpyxl fills every cell from A1 to the last one; a lone ZZ50 is 35,100 cells.
    tight_limits("max_sheet_rows = 100\nmax_sheet_cells = 1000")
    wb = openpyxl.Workbook()
    wb.active["A1"] = "指标编号"
    wb.active["ZZ50"] = "远处"
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(InputError, match="超过1000个单元格的上限"):
        read_sheets(buf.getvalue(), "远.xlsx")


def test_rows_members_and_shared_strings_follow_settings(tight_limits: Callable[[str], None]) -> None:
    wb = openpyxl.Workbook()
    for r in range(1, 151):
        wb.active.cell(r, 1, f"第{r}个不同的文字" * 200)  # about 3.5 MB of sheet XML
    buf = io.BytesIO()
    wb.save(buf)
    data = buf.getvalue()
    read_sheets(data, "正常.xlsx")  # within the defaults

    tight_limits("max_sheet_rows = 100")
    with pytest.raises(InputError, match=r"“行\.xlsx”.*超过100行的上限"):
        read_sheets(data, "行.xlsx")
    # openpyxl writes inline strings; Excel keeps every text in xl/sharedStrings.xml.
    def shared(w: io.BufferedIOBase) -> None:
        w.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
        for n in range(20000):
            w.write(f"<si><t>第{n}个不同的文字</t></si>".encode() * 3)
        w.write(b"</sst>")

    with_shared = _repack(data, "xl/sharedStrings.xml", shared)
    tight_limits("max_shared_strings_mb = 1")
    with pytest.raises(InputError, match=r"共享字符串\(xl/sharedStrings.xml\)解压后超过上限1MB"):
        read_sheets(with_shared, "字.xlsx")
    tight_limits("max_zip_members = 5")
    with pytest.raises(InputError, match="个压缩成员,超过上限5个"):
        read_sheets(data, "多.xlsx")
    tight_limits("max_total_mb = 1")
    with pytest.raises(InputError, match=r"解压后.*超过上限1MB"):
        read_sheets(data, "总.xlsx")


def test_workbook_cells_and_document_paragraphs_follow_settings(tight_limits: Callable[[str], None]) -> None:
    wb = openpyxl.Workbook()
    for ws in (wb.active, wb.create_sheet("第二页")):
        for r in range(1, 7):
            for c in range(1, 11):
                ws.cell(r, c, r * c)  # 60 cells on each sheet
    buf = io.BytesIO()
    wb.save(buf)
    d = docx.Document()
    for n in range(150):
        d.add_paragraph(f"第{n}段")
    dbuf = io.BytesIO()
    d.save(dbuf)
    tight_limits("max_sheet_cells = 100\nmax_workbook_cells = 110")
    with pytest.raises(InputError, match="各工作表合计超过110个单元格的上限"):
        read_sheets(buf.getvalue(), "两页.xlsx")
    tight_limits("max_document_paragraphs = 100")
    with pytest.raises(InputError, match=r"“段落\.docx”超过100个段落的上限"):
        read_tables(dbuf.getvalue(), "段落.docx")


def test_file_limits_in_settings() -> None:
    assert load_settings().files == FileLimits()  # settings.toml states the defaults
    assert parse_file_limits({"max_sheet_rows": 5}).max_sheet_rows == 5
    for bad in ({"max_sheet_rows": 0}, {"max_member_mb": "64"}, {"max_rows": 5}, {"max_zip_members": True}):
        with pytest.raises(ValueError):
            parse_file_limits(bad)


def test_a_normal_workbook_still_reads() -> None:
    sheets = read_sheets(SAMPLE.read_bytes(), SAMPLE.name)
    assert sum(len(s.rows) for s in sheets) > 0


# -- item 10: odd input -------------------------------------------------------------------------------------------

REPORT_HEADER = "指标编号,项目名称,三级指标,实际完成值,截至日期"


@pytest.mark.parametrize("id_text", ["inf", "-inf", "nan", "1e999", "Infinity", "1_2", "12.5", "٣"])
def test_odd_indicator_ids_are_refused_in_chinese(store: Store, id_text: str) -> None:
    data = f"{REPORT_HEADER}\r\n{id_text},,,5,2026-11-30\r\n".encode("utf-8-sig")
    with pytest.raises(ReportRefused) as info:
        services.load_report(store, data, "填报.csv", today=T)
    (e,) = info.value.errors
    assert (e.row, e.column) == (2, "指标编号")
    assert e.reason.startswith("指标编号不存在") and "应为数字" in e.reason


def test_a_number_cell_id_still_matches(store: Store) -> None:
    iid = int(store.indicator_lookup().query("name == '群众满意度'")["indicator_id"].iloc[0])
    for spelt in (str(iid), f"{iid}.0"):
        data = f"{REPORT_HEADER}\r\n{spelt},,,96%,2026-11-30\r\n".encode("utf-8-sig")
        batch = services.check_report_bytes(store, data, "填报.csv", today=T)
        assert not batch.errors and list(batch.actuals["indicator_id"]) == [iid]


def _report_rows(ending: str) -> bytes:
    lines = [
        REPORT_HEADER + ",偏差原因分析及改进措施",
        f',{P1},群众满意度,96%,2026-11-30,"第一行{ending}第二行"',
        f",{P1},群众满意度,97%,2026-12-30,",
    ]
    return (ending.join(lines) + ending).encode("utf-8-sig")


def test_cr_only_report_csv_reads_like_crlf(store: Store) -> None:
    crlf = services.check_report_bytes(store, _report_rows("\r\n"), "填报.csv", today=T)
    cr = services.check_report_bytes(store, _report_rows("\r"), "填报.csv", today=T)
    assert not cr.errors and len(cr.actuals) == 2
    pd.testing.assert_frame_equal(cr.actuals.drop(columns="note"), crlf.actuals.drop(columns="note"))
    assert cr.actuals["note"].iloc[0] == "第一行\r第二行"  # a line break inside a quoted cell stays


TIDY = "年度,项目名称,主管部门,一级指标,二级指标,三级指标,指标值"


def test_cr_only_tidy_target_csv_reads_like_crlf() -> None:
    lines = [
        TIDY,
        "2026,测试项目,测试部门,产出指标,数量指标,宣传牌数量,≥10块",
        "2026,测试项目,测试部门,产出指标,时效指标,完成时间,2026年12月底前",
    ]
    crlf = read_tables("\r\n".join(lines).encode(), "目标.csv")
    cr = read_tables("\r".join(lines).encode(), "目标.csv")
    assert [(t.year, t.name, [i.name for i in t.indicators]) for t in cr] == [
        (t.year, t.name, [i.name for i in t.indicators]) for t in crlf
    ] == [(2026, "测试项目", ["宣传牌数量", "完成时间"])]


@pytest.mark.parametrize("year", ["inf", "1e999", "nan", "20_26", "2026.5", "٢٠٢٦"])
def test_odd_years_in_a_tidy_target_are_refused_in_chinese(year: str) -> None:
    data = f"{TIDY}\n{year},测试项目,测试部门,产出指标,数量指标,宣传牌数量,≥10块\n".encode()
    with pytest.raises(InputError, match=f"第2行“年度”列:年度“{year}”不是年份"):
        read_tables(data, "目标.csv")


def test_a_number_cell_year_still_reads() -> None:
    data = f"{TIDY}\n2026.0,测试项目,测试部门,产出指标,数量指标,宣传牌数量,≥10块\n".encode()
    assert read_tables(data, "目标.csv")[0].year == 2026


OPTIONS = pd.DataFrame({"project_id": [1, 2], "year": [2026, 2026], "name": ["甲", "乙"],
                        "department": ["部门", "部门"], "unit": ["单位", "单位"]})


@pytest.mark.parametrize("odd", ["²", "¹", "²⁰²⁶", "٢٠٢٦", "１", "2026" + "0" * 400, "-1", " 1"])
def test_superscript_and_odd_url_numbers_fall_back_to_all(odd: str) -> None:
    f = Filters.from_params({"year": [odd], "project": [odd, "2"]}, T, OPTIONS)
    assert f.year is None
    assert f.project_ids == (2,)


def test_plain_url_numbers_still_filter() -> None:
    f = Filters.from_params({"year": ["2026"], "project": ["1", "2"]}, T, OPTIONS)
    assert (f.year, f.project_ids) == (2026, (1, 2))



def test_the_app_opens_with_superscript_digits_in_the_url(app_db: Path) -> None:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["year"] = "²"
    at.query_params["project"] = ["¹", "²"]
    at.run()
    assert not at.exception, at.exception
    assert {m.label: m.value for m in at.metric}["项目数"] == "4"  # the odd filters fall back to all
