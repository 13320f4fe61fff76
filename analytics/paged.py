"""Paged PDF through WeasyPrint (HTML + CSS paged media): A4 pages, page numbers, embedded CJK fonts.

Every PDF the product writes (the official forms, the department workbook, the review deck) goes
through ``pdf_bytes``. Text reaches the HTML only through ``text``, which escapes it, so a note
that reads ``<script>`` prints as those characters and nothing a reporter typed becomes markup.
"""

from __future__ import annotations

import html

# Noto Sans CJK is what scripts/system.sh installs (fonts-noto-cjk); WeasyPrint embeds the subset used.
FONT_FAMILY = "'Noto Sans CJK SC', 'Noto Sans SC', 'Source Han Sans SC', sans-serif"


def text(value: object) -> str:
    """A value as HTML text: escaped, never markup; None is an empty cell."""
    if value is None:
        return ""
    return html.escape(str(value), quote=True)


def page_css(size: str = "A4", landscape: bool = False, footer: str = "", margin_mm: float = 12) -> str:
    """The @page rules every PDF shares: the paper, the footer text at the left and 第 N 页 / 共 M 页."""
    orientation = " landscape" if landscape else ""
    footer_css = footer.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    return f"""
@page {{
  size: {size}{orientation};
  margin: {margin_mm}mm {margin_mm}mm {margin_mm + 6}mm {margin_mm}mm;
  @bottom-left {{ content: "{footer_css}"; font-family: {FONT_FAMILY}; font-size: 8pt; color: #444; }}
  @bottom-right {{ content: "第 " counter(page) " 页 / 共 " counter(pages) " 页";
                   font-family: {FONT_FAMILY}; font-size: 8pt; color: #444; }}
}}
html {{ font-family: {FONT_FAMILY}; font-size: 10pt; color: #000; }}
"""


def pdf_bytes(document: str) -> bytes:
    """Render a complete HTML document to PDF bytes (fonts embedded, text kept as text)."""
    import weasyprint  # imported here: loading Pango costs ~0.3 s, which only an export should pay

    return weasyprint.HTML(string=document).write_pdf()
