"""Checks that an .xlsx or .docx package cannot expand past the limits of settings.toml [files].

A zip member's header states its uncompressed size, but nothing forces it to be true, so every
member is also decompressed in small chunks and counted, stopping as soon as a limit is passed:
the memory used is one chunk, whatever the file claims or holds. For a workbook the sheets are
scanned the same way for their rows and cells, since openpyxl keeps every cell of the rectangle
from A1 to the last used cell in memory (one cell at XFD1048576 means 17 billion of them).
"""

from __future__ import annotations

import io
import re
import zipfile

from analytics.model import InputError
from analytics.settings import FileLimits, load_settings

_CHUNK = 1 << 20
_MB = 1024 * 1024
# Start tags of rows and cells in SpreadsheetML, with or without a namespace prefix; the r
# attribute ("B12", "12") gives the position openpyxl will fill up to.
_ROW_TAG = re.compile(rb"<(?:\w+:)?row\b([^>]*)>")
_CELL_TAG = re.compile(rb"<(?:\w+:)?c\b([^>]*)>")
_PARAGRAPH_TAG = re.compile(rb"<(?:\w+:)?p[\s>/]")
_R_ATTR = re.compile(rb"""\sr\s*=\s*["']([A-Za-z]{0,3})([0-9]{1,9})["']""")


def _mb(n: float) -> str:
    return f"{n:g}MB"


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


class _TagCount:
    """Start tags matching ``pattern`` in XML fed in chunks (a tag cut by a boundary counted once)."""

    def __init__(self, pattern: re.Pattern[bytes]) -> None:
        self.pattern = pattern
        self.count = 0
        self._tail = b""

    def feed(self, chunk: bytes) -> None:
        data = self._tail + chunk
        # The last few bytes may be the start of a tag: they are kept for the next chunk.
        keep = data.rfind(b"<", max(0, len(data) - 8))
        data, self._tail = (data[:keep], data[keep:]) if keep != -1 else (data, b"")
        self.count += len(self.pattern.findall(data))


class _SheetCount:
    """Rows and cells of one worksheet's XML, fed in chunks."""

    def __init__(self) -> None:
        self.rows = 0  # the highest row number, or the count of rows when they carry no number
        self.columns = 0
        self.cells = 0
        self._row_elements = 0
        self._tail = b""

    def feed(self, chunk: bytes) -> None:
        data = self._tail + chunk
        # A tag cut by the chunk boundary is kept for the next chunk.
        cut = data.rfind(b"<")
        if cut != -1 and data.find(b">", cut) == -1:
            data, self._tail = data[:cut], data[cut:]
        else:
            self._tail = b""
        for m in _ROW_TAG.finditer(data):
            self._row_elements += 1
            r = _R_ATTR.search(m.group(1))
            self.rows = max(self.rows, self._row_elements, int(r.group(2)) if r else 0)
        for m in _CELL_TAG.finditer(data):
            self.cells += 1
            r = _R_ATTR.search(m.group(1))
            if r:
                self.columns = max(self.columns, _column_number(r.group(1)))
                self.rows = max(self.rows, int(r.group(2)))

    @property
    def extent(self) -> int:
        """Cells the reader will hold: the used rectangle, or the cells written if more."""
        return max(self.cells, self.rows * self.columns)


def _refuse(source: str, what: str) -> InputError:
    return InputError(f"文件“{source}”{what},可能是被恶意构造的压缩文件;请检查文件内容,或拆分后再导入")


def check_package(data: bytes, source: str, limits: FileLimits | None = None, workbook: bool = False) -> None:
    """Refuse (InputError) a zip package that expands past ``limits``; ``workbook`` also bounds sheets."""
    limits = limits or load_settings().files
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
            if len(infos) > limits.max_zip_members:
                raise _refuse(source, f"含有{len(infos)}个压缩成员,超过上限{limits.max_zip_members}个")
            member_cap = limits.max_member_mb * _MB
            total_cap = limits.max_total_mb * _MB
            declared = sum(i.file_size for i in infos)
            if declared > total_cap:
                raise _refuse(source, f"解压后共{declared / _MB:.0f}MB,超过上限{_mb(limits.max_total_mb)}")
            total = 0
            workbook_cells = 0
            for info in infos:
                name = info.filename
                cap = member_cap
                what = f"中的“{name}”解压后超过上限{_mb(limits.max_member_mb)}"
                if name.lower() == "xl/sharedstrings.xml":
                    shared_mb = min(limits.max_shared_strings_mb, limits.max_member_mb)
                    cap = shared_mb * _MB
                    what = f"的共享字符串(xl/sharedStrings.xml)解压后超过上限{_mb(shared_mb)}"
                if info.file_size > cap:
                    raise _refuse(source, what)
                is_sheet = workbook and name.startswith("xl/worksheets/") and name.endswith(".xml")
                sheet = _SheetCount() if is_sheet else None
                is_document = not workbook and name == "word/document.xml"
                paragraphs = _TagCount(_PARAGRAPH_TAG) if is_document else None
                size = 0
                with z.open(info) as member:
                    while chunk := member.read(_CHUNK):
                        size += len(chunk)
                        total += len(chunk)
                        if size > cap:
                            raise _refuse(source, what)
                        if total > total_cap:
                            raise _refuse(source, f"解压后超过上限{_mb(limits.max_total_mb)}")
                        if sheet is not None:
                            sheet.feed(chunk)
                            _check_sheet(sheet, name, source, limits)
                            if workbook_cells + sheet.extent > limits.max_workbook_cells:
                                raise _refuse(source, f"的各工作表合计超过{limits.max_workbook_cells}个单元格的上限")
                        if paragraphs is not None:
                            paragraphs.feed(chunk)
                            if paragraphs.count > limits.max_document_paragraphs:
                                raise _refuse(source, f"超过{limits.max_document_paragraphs}个段落的上限")
                if sheet is not None:
                    workbook_cells += sheet.extent
    except InputError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError, ValueError):
        # A damaged member (bad CRC, unknown compression, truncated data): no parser can read it either.
        raise InputError(f"文件“{source}”的压缩内容已损坏,无法打开;请在原程序中打开后重新保存再导入") from None


def _check_sheet(sheet: _SheetCount, name: str, source: str, limits: FileLimits) -> None:
    title = name.rsplit("/", 1)[-1]
    if sheet.rows > limits.max_sheet_rows:
        raise _refuse(source, f"的工作表“{title}”超过{limits.max_sheet_rows}行的上限")
    if sheet.extent > limits.max_sheet_cells:
        raise _refuse(source, f"的工作表“{title}”超过{limits.max_sheet_cells}个单元格的上限")
