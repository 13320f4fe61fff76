"""Paged PDF through WeasyPrint (HTML + CSS paged media): A4 pages, page numbers, embedded CJK fonts.

Every PDF the product writes (the official forms, the department workbook, the review deck) goes
through ``pdf_bytes``. Text reaches the HTML only through ``text``, which escapes it, so a note
that reads ``<script>`` prints as those characters and nothing a reporter typed becomes markup.
"""

from __future__ import annotations

import html
import io
from collections.abc import Iterable

# Noto Sans CJK is what scripts/system.sh installs (fonts-noto-cjk); WeasyPrint embeds the subset used.
FONT_FAMILY = "'Noto Sans CJK SC', 'Noto Sans SC', 'Source Han Sans SC', sans-serif"


def text(value: object) -> str:
    """A value as HTML text: escaped, never markup; None is an empty cell."""
    if value is None:
        return ""
    return html.escape(str(value), quote=True)


def page_css(size: str = "A4", landscape: bool = False, footer: str = "", margin_mm: float = 12, *,
             name: str = "", total: int | None = None) -> str:
    """The @page rules every PDF shares: the paper, the footer text at the left and 第 N 页 / 共 M 页.

    ``name`` makes it a named page (a document mixing orientations or footers has one per kind);
    ``total`` prints that page count instead of the document's own, for a document that is one part
    of a longer file (see ``first_page_css``)."""
    orientation = " landscape" if landscape else ""
    footer_css = _css_string(footer)
    pages = str(total) if total is not None else '" counter(pages) "'
    selector = f"@page {name}" if name else "@page"
    return f"""
{selector} {{
  size: {size}{orientation};
  margin: {margin_mm}mm {margin_mm}mm {margin_mm + 6}mm {margin_mm}mm;
  @bottom-left {{ content: "{footer_css}"; font-family: {FONT_FAMILY}; font-size: 8pt; color: #444; }}
  @bottom-right {{ content: "第 " counter(page) " 页 / 共 {pages} 页";
                   font-family: {FONT_FAMILY}; font-size: 8pt; color: #444; }}
}}
html {{ font-family: {FONT_FAMILY}; font-size: 10pt; color: #000; }}
"""


def first_page_css(first_page: int) -> str:
    """Number the document's pages from ``first_page``: a part of a file rendered on its own."""
    return f"@page :first {{ counter-reset: page {int(first_page)}; }}\n"


def _css_string(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def pdf_bytes(document: str) -> bytes:
    """Render a complete HTML document to PDF bytes (fonts embedded, text kept as text)."""
    import weasyprint  # imported here: loading Pango costs ~0.3 s, which only an export should pay

    return weasyprint.HTML(string=document).write_pdf()


def join_pdfs(parts: Iterable[bytes]) -> bytes:
    """One PDF of several, pages in order (pdfium copies the pages with their embedded fonts)."""
    import pypdfium2 as pdfium

    out = pdfium.PdfDocument.new()
    try:
        for part in parts:
            src = pdfium.PdfDocument(part)
            try:
                out.import_pages(src)
            finally:
                src.close()
        buffer = io.BytesIO()
        out.save(buffer)
        return buffer.getvalue()
    finally:
        out.close()
