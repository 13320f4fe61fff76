"""Chart images (issue 12 items 5 and 6): PNG and SVG of the dashboard's figures with Chinese labels,
drawn by the system chromium; and the pages' 下载 PNG / 下载 SVG buttons, which draw nothing until clicked.
"""

from __future__ import annotations

import io
import struct
from datetime import date
from pathlib import Path
from unittest.mock import patch
from xml.etree import ElementTree

import pandas as pd
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from analytics import chart_images, charts, services
from analytics.dashboard import Filters, build_view
from analytics.storage import Store
from tests.conftest import ROOT

SAMPLE = ROOT / "data" / "samples" / "actuals_2026.xlsx"
AS_OF = date(2026, 12, 31)
SVG_NS = "{http://www.w3.org/2000/svg}"

pytestmark = pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="needs Debian's /usr/bin/chromium")


@pytest.fixture(scope="module")
def indicators(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    # A file of its own: Store.open(None) would be the project's own data/performance.duckdb.
    s = Store.open(tmp_path_factory.mktemp("chart_images") / "charts.duckdb")
    try:
        services.load_seed_if_empty(s)
        services.load_report(s, SAMPLE.read_bytes(), SAMPLE.name, today=AS_OF)
        view = build_view(s, Filters(as_of=AS_OF))
        return view.indicators[view.indicators["project_id"] == 2].sort_values("seq").copy()
    finally:
        s.close()


def svg_texts(svg: bytes) -> list[str]:
    root = ElementTree.fromstring(svg)
    assert root.tag == f"{SVG_NS}svg"
    return ["".join(t.itertext()) for t in root.iter(f"{SVG_NS}text")]


def test_png_is_a_png_of_the_asked_size_times_the_scale(indicators: pd.DataFrame) -> None:
    fig = charts.indicator_chart(indicators)
    data = chart_images.figure_png(fig, width=640, height=360, scale=2)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1280, 720)
    with Image.open(io.BytesIO(data)) as im:
        # Bars of the lights' colours are drawn (not an empty white frame).
        colours = {c for _, c in im.convert("RGB").getcolors(maxcolors=1 << 20)}
    assert (0x2e, 0x9d, 0x57) in colours  # LIGHT_COLORS["green"]


def test_svg_is_vector_with_the_chinese_labels_as_text(indicators: pd.DataFrame) -> None:
    fig = charts.indicator_chart(indicators)
    texts = svg_texts(chart_images.figure_svg(fig, width=800, height=420))
    joined = "".join(texts)
    assert "指标完成率" in joined and "完成率(%)" in joined
    # Every indicator's name (as the axis shows it, the 一级 in front, cut at 16 characters).
    for name, level1 in zip(indicators["name"].head(12), indicators["level1"].head(12), strict=True):
        assert f"{level1[:2]}·{name[:16]}" in texts
    # The font family the CJK text is drawn in is in the SVG itself.
    assert "Noto Sans CJK SC" in chart_images.figure_svg(fig).decode()


def test_batch_renders_many_figures_in_order_through_one_browser(indicators: pd.DataFrame) -> None:
    figs = [charts.indicator_chart(indicators.head(n)) for n in (3, 5, 7)]
    for fig, n in zip(figs, (3, 5, 7), strict=True):
        fig.update_layout(title={"text": f"第{n}张"})
    svgs = chart_images.render_many(figs, "svg", 600, 300)
    assert [next(t for t in svg_texts(s) if t.startswith("第")) for s in svgs] == ["第3张", "第5张", "第7张"]
    pngs = chart_images.render_many(figs[:2], "png", 300, 200, scale=2)
    assert [struct.unpack(">II", p[16:24]) for p in pngs] == [(600, 400), (600, 400)]


def test_a_user_text_in_a_label_is_text_not_markup(indicators: pd.DataFrame) -> None:
    ind = indicators.head(2).copy()
    ind["name"] = ["<script>x</script>", "<b>粗</b>"]
    svg = chart_images.figure_svg(charts.indicator_chart(ind))
    texts = "".join(svg_texts(svg))
    # The names are there as the characters typed (escaped once, so Plotly shows them rather than an
    # entity); Plotly made no element of them (no script, no bold run).
    assert "<b>粗</b>" in texts and "<script>x</scrip" in texts
    root = ElementTree.fromstring(svg)
    assert not [e for e in root.iter() if e.tag.endswith("script")]
    assert not [e for e in root.iter(f"{SVG_NS}tspan") if "bold" in (e.get("style") or "")]


def test_a_missing_browser_says_so_in_chinese(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    with pytest.raises(chart_images.ChartImageError, match="找不到用于生成图片的浏览器"):
        chart_images.browser_path()


@pytest.fixture
def sample_app(app_db: Path) -> Path:
    s = Store.open(app_db)
    try:
        services.load_seed_if_empty(s)
        services.load_report(s, SAMPLE.read_bytes(), SAMPLE.name, today=AS_OF)
    finally:
        s.close()
    return app_db


def test_every_chart_on_the_pages_has_chinese_download_buttons_that_draw_only_when_clicked(sample_app: Path) -> None:
    def refuse(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("an image was drawn during a page run")

    charts_per_page = {"pages/overview.py": 2, "pages/funding.py": 4, "pages/timeline.py": 1, "pages/review.py": 1}
    with patch("pages.common.figure_png", refuse), patch("pages.common.figure_svg", refuse):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.query_params["as_of"] = AS_OF.isoformat()
        at.run()
        for page, count in charts_per_page.items():
            at.switch_page(page)
            at.run()
            assert not at.exception, at.exception
            labels = [d.label for d in at.get("download_button")]
            assert labels.count("下载 PNG") == labels.count("下载 SVG") == count == len(at.get("plotly_chart")), page


def test_the_decks_computed_margins_hold_its_longest_labels_without_waste(indicators: pd.DataFrame) -> None:
    # The deck's charts skip Plotly's automargin (a second layout per chart); the margins come from an
    # estimate of the labels' widths, which must never cut a label and should not waste the plot.
    from playwright.sync_api import sync_playwright

    ind = indicators.head(6).copy()
    ind["level1"] = "产出指标"
    ind["name"] = ["生态环境监测网络运行维护服务费用支出", "WWWWWWWWWWWWWWWW", "MMMMmmmm00001111",
                   "<b>粗</b>&amp;", "项目", "达标率(%)≥95%"]
    spec = charts.indicator_chart_spec(ind, font_px=15, fixed_margins=True)
    spec["layout"].update(width=700, height=372)
    svg = chart_images.render_many([spec], "svg")[0].decode()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chart_images.browser_path(), args=chart_images.CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_content(f"<!DOCTYPE html><html><body style='margin:0'>{svg}</body></html>")
            lefts = page.evaluate("() => [...document.querySelectorAll('.ytick text')]"
                                  ".map(t => t.getBoundingClientRect().left)")
        finally:
            browser.close()
    assert len(lefts) == 6
    assert min(lefts) >= 0  # no label starts left of the picture
    assert min(lefts) < 60  # and the widest one is not far from its edge
