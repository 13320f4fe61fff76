"""Chart images: Plotly figures as PNG and SVG, drawn by Plotly.js in the system chromium.

One figure (a 下载 PNG / 下载 SVG button on the dashboard) goes through kaleido, which drives
/usr/bin/chromium over the DevTools protocol; the process is started once and kept, so a second
download does not pay chromium's start again. The figures of analytics/charts.py carry the CJK font
family, so Chinese labels come out as text (SVG ``<text>``) or as drawn CJK glyphs (PNG).

Many figures (the review deck's one chart per page, thousands of them) go through ``ChartBatch``:
one chromium whose pages load the plotly.js bundle of the installed plotly once, and one call per
few dozen figures to the same ``Plotly.toImage`` kaleido uses (``render``); or, for a deck, two
pages in two renderer processes that draw one chunk each at once (``start_render`` /
``start_print`` and their ``finish_``), so that both cores draw. Kaleido itself costs about
0.3 s a figure here whatever the figure (its per-call round trip), the in-page call 0.05-0.09 s,
which is what makes a 5,000-page deck possible at all.

No browser is downloaded and nothing is fetched from the network: the browser is BROWSER_PATH or
/usr/bin/chromium (scripts/system.sh installs it), MathJax (a CDN script) is switched off, plotly.js
is read from the plotly package.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Literal

import plotly
import plotly.graph_objects as go
import plotly.io as pio

SYSTEM_CHROMIUM = "/usr/bin/chromium"
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
# Plotly's own default size, used when neither the call nor the figure's layout gives one.
DEFAULT_WIDTH, DEFAULT_HEIGHT = 700, 500
# Flags for a headless chromium on a closed network (as tests/browser_support.py launches it).
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
# ChartBatch's browser may also be told to collect its garbage: a page that printed a chunk of 50 sheets
# and is handed the next keeps the old one's DOM until V8 gets round to it (measured: 0.55 GB after 12
# chunks, 0.33 GB with a collection after each, at no cost in time).
BATCH_ARGS = [*CHROMIUM_ARGS, "--js-flags=--expose-gc"]
Format = Literal["png", "svg"]


class ChartImageError(RuntimeError):
    """The browser could not draw a figure (missing chromium, a figure Plotly rejects)."""


def browser_path() -> str:
    """The chromium to draw with: BROWSER_PATH when set (kaleido's choreographer reads the same
    variable), else Debian's /usr/bin/chromium."""
    path = os.environ.get("BROWSER_PATH") or SYSTEM_CHROMIUM
    if not Path(path).is_file():
        raise ChartImageError(f"找不到用于生成图片的浏览器:{path}(请安装 chromium 或设置 BROWSER_PATH)")
    return path


Figurish = go.Figure | dict


def _size(fig: Figurish, width: int | None, height: int | None) -> tuple[int, int]:
    # A figure sized for its page (the 评审 charts set a height) keeps that size unless told otherwise.
    layout = fig.get("layout", {}) if isinstance(fig, dict) else fig.layout.to_plotly_json()
    return int(width or layout.get("width") or DEFAULT_WIDTH), int(height or layout.get("height") or DEFAULT_HEIGHT)


# kaleido's sync server is one per process; its request and answer queues are shared, so two
# Streamlit sessions asking at once must take turns or could receive each other's image.
_server_lock = threading.Lock()


def _kaleido_image(fig: go.Figure, fmt: Format, width: int | None, height: int | None, scale: float) -> bytes:
    import kaleido  # imported here: only an image download or an export needs it

    w, h = _size(fig, width, height)
    opts = {"format": fmt, "width": w, "height": h, "scale": scale}
    with _server_lock:
        # One chromium for the life of the process: starting it costs 3-7 s, a figure 0.3 s.
        kaleido.start_sync_server(path=browser_path(), mathjax=False, silence_warnings=True)
        try:
            data = kaleido.calc_fig_sync(fig, opts=opts)
        except Exception as e:
            raise ChartImageError(f"图片生成失败:{e}") from e
    return bytes(data)


def figure_png(fig: go.Figure, width: int | None = None, height: int | None = None, scale: float = 2) -> bytes:
    """The figure as PNG, ``scale`` device pixels per CSS pixel (2: sharp on paper and projectors)."""
    return _kaleido_image(fig, "png", width, height, scale)


def figure_svg(fig: go.Figure, width: int | None = None, height: int | None = None) -> bytes:
    """The figure as SVG: vector, labels as ``<text>`` in the figure's CJK font family."""
    return _kaleido_image(fig, "svg", width, height, 1)


def _json(fig: Figurish) -> str:
    # Plotly's encoder (numpy arrays, dates, NaN as null) for both; a dict is not validated again.
    if isinstance(fig, dict):
        return json.dumps(fig, cls=plotly.utils.PlotlyJSONEncoder)
    return pio.to_json(fig, validate=False)


class ChartBatch:
    """One started chromium that draws many figures: ``with ChartBatch() as b: b.render(figs, "svg")``.

    Must be used from one thread (Playwright's sync API); the review deck runs it in its own
    producer thread, so the browser draws the next charts while WeasyPrint lays out the pages.
    """

    def __init__(self, per_call: int = 40) -> None:
        self.per_call = per_call
        self._pw = None
        self._browser = None
        self._slots: dict[int, tuple] = {}

    def __enter__(self) -> ChartBatch:
        from playwright.sync_api import sync_playwright

        self._pw = sync_playwright().start()
        try:
            self._browser = self._pw.chromium.launch(executable_path=browser_path(), args=BATCH_ARGS)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._browser is not None:
            self._browser.close()
        if self._pw is not None:
            self._pw.stop()
        self._browser = self._pw = None
        self._slots = {}

    def render(self, figs: Sequence[Figurish], fmt: Format = "svg", width: int | None = None,
               height: int | None = None, scale: float = 2) -> list[bytes]:
        """Every figure (a Figure, or Plotly's figure JSON as a dict) as ``fmt`` bytes, in order: a few
        dozen at a time through ``start_render`` / ``finish_render`` in the first slot's page."""
        out: list[bytes] = []
        for start in range(0, len(figs), self.per_call):
            self.start_render(0, figs[start:start + self.per_call], fmt, scale, width, height)
            out.extend(self.finish_render(0))
        return out

    def start_print(self, slot: int, css: str, body: str, charts: Sequence[tuple[str, Figurish]]) -> None:
        """Begin one document in print page ``slot`` and return at once: its style and body replace the
        page's, then the page draws each chart (id of an empty box in ``body``, figure sized by its
        layout) into its box as inline SVG, on its own. ``finish_print(slot)`` waits and prints.

        Two slots are two pages in two browser contexts, so two renderer processes: one draws its
        charts while the other prints. Each page keeps plotly.js and the prepared CJK fonts loaded
        across documents (a fresh page per document spent 1.4 s of a 100-page chunk's 4 s on fonts).
        """
        page = self._slot_page(slot)
        specs = [[box, _json(fig), *_size(fig, None, None)] for box, fig in charts]
        try:
            page.evaluate(_START_JS, [css, body, specs])
        except Exception as e:
            raise ChartImageError(f"文档生成失败:{e}") from e

    def finish_print(self, slot: int) -> bytes:
        """The document begun in ``slot``, once its charts are drawn, printed to PDF."""
        page = self._slots[slot][1]
        try:
            page.evaluate("() => window.drawn")
        except Exception as e:
            raise ChartImageError(f"图片生成失败:{e}") from e
        pdf = page.pdf(prefer_css_page_size=True, print_background=True)
        page.evaluate(_COLLECT_JS)
        return pdf

    def start_render(self, slot: int, figs: Sequence[Figurish], fmt: Format = "png", scale: float = 2,
                     width: int | None = None, height: int | None = None) -> None:
        """Begin drawing ``figs`` (sized ``width`` × ``height``, else by their layouts) in page ``slot``
        and return at once;
        ``finish_render(slot)`` gives the images, in order. With two slots two renderers draw at once
        (one renderer keeps one core busy: 0.04-0.08 s a PNG)."""
        page = self._slot_page(slot)
        specs = [[_json(f), *_size(f, width, height)] for f in figs]
        try:
            page.evaluate(_START_RENDER_JS, [specs, fmt, scale if fmt == "png" else 1])
        except Exception as e:
            raise ChartImageError(f"图片生成失败:{e}") from e

    def finish_render(self, slot: int) -> list[bytes]:
        """The images begun by ``start_render`` in ``slot``."""
        import base64

        page = self._slots[slot][1]
        try:
            drawn = page.evaluate("() => window.drawn")
        except Exception as e:
            raise ChartImageError(f"图片生成失败:{e}") from e
        page.evaluate(_COLLECT_JS)
        return [d.encode("utf-8") if fmt == "svg" else base64.b64decode(d) for fmt, d in drawn]

    # Documents (or batches of figures) a slot's page takes before a fresh one: a renderer that laid
    # out thousands of pages or drew thousands of charts keeps some of their memory (measured: 0.33 GB
    # after 300 charts, 0.59 GB after 2,000).
    PRINTS_PER_PAGE = 12

    def _slot_page(self, slot: int):
        if self._browser is None:
            raise ChartImageError("ChartBatch is not started (use it in a with block)")
        context, page, printed = self._slots.get(slot, (None, None, 0))
        if page is None or printed >= self.PRINTS_PER_PAGE:
            if context is not None:
                context.close()
            context = self._browser.new_context()
            page = context.new_page()
            page.goto(_font_dir().as_uri() + "/")
            page.set_content('<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
                             f'<style>{print_fonts_css()}</style><style id="doc"></style></head>'
                             '<body><main id="deck"></main></body></html>')
            page.add_script_tag(path=str(PLOTLY_JS))
            page.evaluate(_FONTS_JS)
            printed = 0
        self._slots[slot] = (context, page, printed + 1)
        return page


# The print page's part of start_print. The charts are drawn while the page holds no document:
# Plotly measures every label, and each measurement in a page of 100 laid-out sheets would lay them
# all out again (measured: twice the time). Then the document goes in and each box gets its chart.
# The deck lives in <main>, away from the measuring elements Plotly leaves in <body>.
_START_JS = """([css, body, specs]) => {
  window.drawn = (async () => {
    const deck = document.getElementById("deck");
    deck.innerHTML = "";
    const svgs = [];
    for (const [box, text, w, h] of specs) {
      const s = JSON.parse(text);
      const url = await Plotly.toImage({data: s.data, layout: s.layout, config: {}},
                                       {format: "svg", width: w, height: h});
      svgs.push(decodeURIComponent(url.slice(url.indexOf(",") + 1)));
    }
    document.getElementById("doc").textContent = css;
    deck.innerHTML = body;
    specs.forEach(([box], i) => {
      document.getElementById(box).innerHTML = svgs[i].replace("<svg ", '<svg style="width:100%;height:auto" ');
    });
    await document.fonts.ready;
    return specs.length;
  })();
}"""
# start_render's part: figures as JSON text (Plotly's own encoding of numpy, dates and NaN), drawn one
# after the other so that only one figure's DOM exists at a time, kept as [format, data] pairs: SVG as
# the markup, PNG as base64 (both without the data: prefix).
_START_RENDER_JS = """([specs, fmt, scale]) => {
  window.drawn = (async () => {
    const out = [];
    for (const [text, w, h] of specs) {
      const s = JSON.parse(text);
      const url = await Plotly.toImage({data: s.data, layout: s.layout, config: {}},
                                       {format: fmt, width: w, height: h, scale: scale});
      out.push([fmt, fmt === "svg" ? decodeURIComponent(url.slice(url.indexOf(",") + 1))
                                   : url.slice(url.indexOf(",") + 1)]);
    }
    return out;
  })();
}"""
# After a document or a batch: its DOM and images let go of at once (see BATCH_ARGS).
_COLLECT_JS = """() => {
  document.getElementById("deck").innerHTML = "";
  window.drawn = null;
  if (typeof gc === "function") gc();
}"""
# The prepared fonts, loaded before the first chart: Plotly measures its labels in them.
_FONTS_JS = """async () => {
  await document.fonts.load("400 16px 'Noto Sans CJK SC'", "项目");
  await document.fonts.load("700 16px 'Noto Sans CJK SC'", "项目");
}"""


def render_many(figs: Iterable[Figurish], fmt: Format = "svg", width: int | None = None,
                height: int | None = None, scale: float = 2) -> list[bytes]:
    """Many figures through one started chromium (see ChartBatch), in order."""
    figs = list(figs)
    if not figs:
        return []
    with ChartBatch() as batch:
        return batch.render(figs, fmt, width, height, scale)


# ---- fonts for chromium's PDFs -------------------------------------------------------------------
# Skia (chromium's PDF writer) maps each glyph back to the first code point that uses it. Noto Sans
# CJK draws 目 and the Kangxi radical ⽬ (U+2F6C), 页 and the radical ⻚ (U+2EDA), with one glyph, so
# a printed 项目 would be copied and searched as 项⽬. The deck's chromium prints use a copy of the
# font whose character map leaves out the radical blocks (nobody writes them in a project table); the
# glyphs and everything else are the system font's, copied in ~2 s the first time.
CJK_SOURCES = {400: "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
               700: "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"}
CJK_SC_INDEX = 2  # Noto Sans CJK SC in the collections (JP, KR, SC, TC, HK, then the Mono ones)
RADICALS = ((0x2E80, 0x2FDF), (0x31C0, 0x31EF))
_font_lock = threading.Lock()


def _font_dir() -> Path:
    import tempfile

    path = Path(tempfile.gettempdir()) / "perf_dashboard_fonts"
    path.mkdir(exist_ok=True)
    return path


def _prepared_font(source: str, weight: int) -> Path:
    from fontTools.ttLib import TTFont

    src = Path(source)
    out = _font_dir() / f"deck-cjk-sc-{weight}-{int(src.stat().st_mtime)}.otf"
    if out.exists():
        return out
    # recalcBBoxes off: the outlines are copied as they are, not decompiled (80 s instead of 2 s).
    font = TTFont(src, fontNumber=CJK_SC_INDEX, lazy=True, recalcBBoxes=False, recalcTimestamp=False)
    for table in font["cmap"].tables:
        if hasattr(table, "cmap"):
            for cp in [c for c in table.cmap if any(lo <= c <= hi for lo, hi in RADICALS)]:
                del table.cmap[cp]
    tmp = out.with_suffix(f".{os.getpid()}.tmp")
    font.save(tmp, reorderTables=False)
    tmp.replace(out)  # atomic: a second process never reads half a font
    return out


def print_fonts_css() -> str:
    """@font-face rules that give 'Noto Sans CJK SC' (the family of every page and chart) the prepared
    copies, for documents chromium prints; empty when the system font is not there."""
    rules = []
    with _font_lock:
        for weight, source in CJK_SOURCES.items():
            if Path(source).is_file():
                rules.append(f"@font-face {{ font-family: 'Noto Sans CJK SC'; font-weight: {weight}; "
                             f"src: url('{_prepared_font(source, weight).as_uri()}'); }}")
    return "\n".join(rules)
