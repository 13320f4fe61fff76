"""The review deck (issue 12 item 5) of the seed plus the sample report at 2026-12-31, read back.

The PDF with pdfplumber (one page per project plus the summary, each project's name and the engine's
score on its page, page numbers across chunks), pdffonts (embedded CJK fonts) and pdftoppm (every
page renders); the PPTX with python-pptx (one slide per page, names and scores as editable text,
tables as table shapes). A deviation note that reads ``<script>`` or ``=1+1`` prints as those
characters.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from dataclasses import replace
from datetime import date
from pathlib import Path
from xml.etree import ElementTree

import pandas as pd
import pdfplumber
import pytest
from PIL import Image
from pptx import Presentation
from pptx.util import Emu

from analytics import deck, deck_pptx, services
from analytics.dashboard import LIGHT_NAMES, Filters, View, build_view
from analytics.engine import compute
from analytics.presenting import discussion, presenter_order
from analytics.settings import Settings, load_settings
from analytics.storage import Store
from tests.conftest import ROOT

SAMPLE = ROOT / "data" / "samples" / "actuals_2026.xlsx"
AS_OF = date(2026, 12, 31)
FOOTER = "截至 2026年12月31日 · 由测试生成"
SCRIPT_NOTE = "<script>alert(1)</script>"
FORMULA_NOTE = "=1+1 需核对"

pytestmark = pytest.mark.skipif(not Path("/usr/bin/chromium").exists() and not shutil.which("chromium"),
                                reason="needs Debian's chromium (apt-get install -y chromium)")


def squash(text: str) -> str:
    """Page text without the line breaks and spaces a wrapped title or table cell puts in."""
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    # A file of its own: Store.open(None) would be the project's own data/performance.duckdb.
    s = Store.open(tmp_path_factory.mktemp("deck") / "deck.duckdb")
    services.load_seed_if_empty(s)
    services.load_report(s, SAMPLE.read_bytes(), SAMPLE.name, today=AS_OF)
    # Two red or yellow indicators get a later report of the same value whose note is markup and a
    # formula: they stay in the discussion list, with these notes.
    view = build_view(s, Filters(as_of=AS_OF))
    hot = view.indicators[view.indicators["light"].isin(["red", "yellow"]) & view.indicators["report_id"].notna()]
    history = s.report_history(hot["indicator_id"].astype(int).tolist()).set_index("report_id")
    rows = history.loc[hot["report_id"].astype(int).head(2).tolist()].reset_index(drop=True)
    rows["note"] = [SCRIPT_NOTE, FORMULA_NOTE]
    rows["value_num"] = rows["value_num"].astype(object)
    columns = ["indicator_id", "as_of", "value_text", "value_num", "value_date", "grade", "grade_rate",
               "likelihood", "note", "reporter", "source"]
    s.append_reports(rows[columns], pd.DataFrame(columns=["project_id", "as_of", "amount", "note", "reporter",
                                                          "source"]))
    yield s
    s.close()


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings()


@pytest.fixture(scope="module")
def view(store: Store) -> View:
    return build_view(store, Filters(as_of=AS_OF))


@pytest.fixture(scope="module")
def pdf(store: Store, view: View, settings: Settings) -> bytes:
    return deck.deck_pdf(store, view, settings, FOOTER)


@pytest.fixture(scope="module")
def pdf_pages(pdf: bytes) -> list[str]:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return [page.extract_text() or "" for page in doc.pages]


@pytest.fixture(scope="module")
def pdf_words(pdf: bytes) -> list[list[dict]]:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return [page.extract_words() for page in doc.pages]


def below(words: list[dict], label: str) -> str:
    """The word printed right under ``label`` (a number under its heading in a metric box): pdfplumber
    reads a row of boxes line by line across, so the pairs are found by position instead."""
    head = next(w for w in words if w["text"] == label)
    under = [w for w in words if w["top"] > head["bottom"] and abs(w["x0"] - head["x0"]) < 8]
    return min(under, key=lambda w: w["top"])["text"]


@pytest.fixture(scope="module")
def pptx_slides(store: Store, view: View, settings: Settings) -> list:
    data = deck_pptx.deck_pptx(store, view, settings, FOOTER)
    return list(Presentation(io.BytesIO(data)).slides)


def engine_scores(store: Store) -> dict[int, float]:
    result = compute(store, AS_OF)
    return {int(r.project_id): float(r.score) for r in result.projects.itertuples()}


def order(view: View, settings: Settings) -> list[int]:
    return presenter_order(view, settings.review.default_order)


def test_pdf_has_the_summary_then_one_page_per_project_with_its_name_and_engine_score(
        store: Store, view: View, settings: Settings, pdf_pages: list[str], pdf_words: list[list[dict]]) -> None:
    ids = order(view, settings)
    assert len(ids) == 4 and len(pdf_pages) == len(ids) + 1
    summary = squash(pdf_pages[0])
    assert "项目支出绩效自评汇总" in summary and "截至2026年12月31日" in summary
    mean = view.summary["mean_score"]
    assert below(pdf_words[0], "平均得分") == f"{mean:.2f}" == "77.11"
    assert below(pdf_words[0], "项目数") == "4" and "未填报0个项目,不计入平均" in summary
    scores = engine_scores(store)
    names = view.projects.set_index("project_id")["name"]
    for number, pid in enumerate(ids, start=2):
        page = squash(pdf_pages[number - 1])
        assert squash(names[pid]) in page, (pid, page[:80])
        assert below(pdf_words[number - 1], "自评总分") == f"{scores[pid]:.2f}"
        # No other project's name is on this page.
        assert all(squash(names[o]) not in page for o in ids if o != pid)


def test_every_pdf_page_carries_the_footer_and_its_number_of_the_whole(pdf_pages: list[str]) -> None:
    total = len(pdf_pages)
    for number, text in enumerate(pdf_pages, start=1):
        flat = squash(text)
        assert squash(FOOTER) in flat
        assert f"第{number}页/共{total}页" in flat


def test_project_pages_show_grade_light_level1_lights_and_the_discussion_with_notes_as_text(
        store: Store, view: View, settings: Settings, pdf_pages: list[str], pdf_words: list[list[dict]]) -> None:
    ids = order(view, settings)
    projects = view.projects.set_index("project_id")
    seen_notes = ""
    for number, pid in enumerate(ids, start=2):
        page = squash(pdf_pages[number - 1])
        assert below(pdf_words[number - 1], "等级") == projects.loc[pid, "grade"]
        assert below(pdf_words[number - 1], "项目监控灯") == LIGHT_NAMES[projects.loc[pid, "light"]]
        assert "各一级指标监控灯" in page and "指标完成率" in page
        items = discussion(store, view, pid)
        if items.empty:
            assert "没有红灯、黄灯或需说明的指标" in page
        else:
            assert f"需要讨论的指标({len(items)}项" in page
            assert squash(str(items["三级指标"].iloc[0]))[:8] in page
        seen_notes += page
    # The notes print as the characters typed: markup is not interpreted, a formula is not evaluated.
    assert squash(SCRIPT_NOTE) in seen_notes
    assert squash(FORMULA_NOTE) in seen_notes


def test_pdf_embeds_cjk_fonts_and_every_page_renders(pdf: bytes, pdf_pages: list[str], tmp_path: Path) -> None:
    path = tmp_path / "deck.pdf"
    path.write_bytes(pdf)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows and any("CJK" in r for r in rows), fonts
    # Every font is embedded (the "emb" column), so no reader substitutes the Chinese text.
    assert all(r.split()[-5] == "yes" for r in rows), fonts
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(path), str(tmp_path / "p")], check=True)
    images = sorted(tmp_path.glob("p-*.png"))
    assert len(images) == len(pdf_pages)
    for image in images:
        with Image.open(image) as im:
            # 16:9 pages, and each has ink on it (text and a chart, not a blank sheet).
            assert abs(im.width / im.height - 16 / 9) < 0.02
            assert im.convert("L").getextrema()[0] < 100


def test_chunked_pdf_numbers_pages_across_chunks_and_matches_the_single_run(
        store: Store, view: View, settings: Settings, pdf_pages: list[str]) -> None:
    small = replace(settings, deck=replace(settings.deck, chunk_pages=2))
    calls: list[tuple[int, int]] = []
    data = deck.deck_pdf(store, view, small, FOOTER, progress=lambda done, total: calls.append((done, total)))
    with pdfplumber.open(io.BytesIO(data)) as doc:
        chunked = [page.extract_text() or "" for page in doc.pages]
    assert [squash(t) for t in chunked] == [squash(t) for t in pdf_pages]
    assert calls == [(n, len(pdf_pages)) for n in range(1, len(pdf_pages) + 1)]


def test_pptx_has_one_slide_per_pdf_page_with_names_and_scores_as_text(
        store: Store, view: View, settings: Settings, pptx_slides: list, pdf_pages: list[str]) -> None:
    assert len(pptx_slides) == len(pdf_pages)
    ids = order(view, settings)
    scores = engine_scores(store)
    names = view.projects.set_index("project_id")["name"]

    def texts(slide) -> list[str]:
        out = [s.text_frame.text for s in slide.shapes if s.has_text_frame]
        for s in slide.shapes:
            if s.has_table:
                out += [c.text for row in s.table.rows for c in row.cells]
        return out

    summary = texts(pptx_slides[0])
    assert "项目支出绩效自评汇总" in summary and f"{view.summary['mean_score']:.2f}" in summary
    for slide, pid in zip(pptx_slides[1:], ids, strict=True):
        shown = texts(slide)
        assert names[pid] in shown
        assert f"{scores[pid]:.2f}" in shown
        # The lights per 一级 is an editable table, the chart a PNG picture.
        assert any(s.has_table and s.table.cell(0, 0).text == "一级指标" for s in slide.shapes)
        pictures = [s for s in slide.shapes if s.shape_type == 13]
        assert len(pictures) == 1 and pictures[0].image.content_type == "image/png"
    all_text = "".join("".join(texts(s)) for s in pptx_slides)
    assert SCRIPT_NOTE in all_text and FORMULA_NOTE in all_text


def test_pptx_is_16_by_9_and_numbers_its_slides(pptx_slides: list, store: Store, view: View,
                                                  settings: Settings) -> None:
    prs = Presentation(io.BytesIO(deck_pptx.deck_pptx(store, view, settings, FOOTER)))
    assert abs(Emu(prs.slide_width).mm / Emu(prs.slide_height).mm - 16 / 9) < 0.01
    total = len(pptx_slides)
    for number, slide in enumerate(pptx_slides, start=1):
        texts = [s.text_frame.text for s in slide.shapes if s.has_text_frame]
        assert f"第 {number} 页 / 共 {total} 页" in texts and FOOTER in texts


def test_unreported_projects_read_as_such_and_the_mean_leaves_them_out(store: Store, settings: Settings) -> None:
    early = build_view(store, Filters(as_of=date(2026, 1, 5)))
    waiting = int(early.summary["unreported"])
    assert waiting > 0
    with pdfplumber.open(io.BytesIO(deck.deck_pdf(store, early, settings, FOOTER))) as doc:
        pages = [squash(p.extract_text() or "") for p in doc.pages]
        words = [p.extract_words() for p in doc.pages]
    assert f"未填报{waiting}个项目,不计入平均" in pages[0]
    mean = early.summary["mean_score"]
    assert below(words[0], "平均得分") == ("—" if mean is None else f"{mean:.2f}")
    unreported = set(early.projects.loc[early.projects["unreported"].fillna(False).astype(bool), "project_id"])
    for number, pid in enumerate(order(early, settings), start=2):
        if pid in unreported:
            assert below(words[number - 1], "自评总分") == "—"
            assert below(words[number - 1], "等级") == "未填报"


def test_a_large_deck_is_printed_by_chromium_with_the_same_pages_numbers_and_text(
        store: Store, view: View, settings: Settings, pdf_pages: list[str], tmp_path: Path) -> None:
    # Every deck above weasyprint_max_pages goes to chromium; here 1, in chunks of 2 pages.
    large = replace(settings, deck=replace(settings.deck, weasyprint_max_pages=1, print_chunk_pages=2))
    calls: list[tuple[int, int]] = []
    data = deck.deck_pdf(store, view, large, FOOTER, progress=lambda done, total: calls.append((done, total)))
    with pdfplumber.open(io.BytesIO(data)) as doc:
        printed = [page.extract_text() or "" for page in doc.pages]
        words = [page.extract_words() for page in doc.pages]
        sizes = {(round(float(p.width)), round(float(p.height))) for p in doc.pages}
    assert len(printed) == len(pdf_pages) and calls[-1] == (len(pdf_pages), len(pdf_pages))
    assert sizes == {(842, 474)}  # 297 × 167 mm, 16:9
    scores = engine_scores(store)
    names = view.projects.set_index("project_id")["name"]
    for number, text in enumerate(printed, start=1):
        flat = squash(text)
        assert f"第{number}页/共{len(printed)}页" in flat and squash(FOOTER) in flat
    for number, pid in enumerate(order(view, settings), start=2):
        assert squash(names[pid]) in squash(printed[number - 1])
        assert below(words[number - 1], "自评总分") == f"{scores[pid]:.2f}"
    assert squash(SCRIPT_NOTE) in squash("".join(printed))
    # Read back as typed: 项目 is not 项⽬ (the Kangxi radical that shares the glyph in Noto Sans CJK).
    assert not [ch for ch in "".join(printed) if 0x2E80 <= ord(ch) <= 0x2FDF or 0x31C0 <= ord(ch) <= 0x31EF]
    path = tmp_path / "large.pdf"
    path.write_bytes(data)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = fonts.splitlines()[2:]
    # Chromium's Skia embeds the CFF-flavoured Noto CJK as Type 3 glyph programs: embedded, with a
    # Unicode map (the text above was read back from it), not images of text.
    assert rows and all(r.split()[-5] == "yes" and r.split()[-3] == "yes" for r in rows), fonts


def test_a_browser_failure_while_printing_stops_the_deck_with_its_error_and_no_thread_left(
        store: Store, view: View, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    # Two chunks in flight (print_slots): the second one's failure must reach the caller, and the
    # printing thread must close its browser rather than wait for work that never comes.
    import threading

    from analytics.chart_images import ChartBatch, ChartImageError

    large = replace(settings, deck=replace(settings.deck, weasyprint_max_pages=1, print_chunk_pages=1))
    real = ChartBatch.finish_print
    calls = []

    def failing(self: ChartBatch, slot: int) -> bytes:
        calls.append(slot)
        if len(calls) == 2:
            raise ChartImageError("图片生成失败:测试")
        return real(self, slot)

    monkeypatch.setattr(ChartBatch, "finish_print", failing)
    with pytest.raises(ChartImageError, match="测试"):
        deck.deck_pdf(store, view, large, FOOTER)
    assert len(calls) == 2
    assert not [t for t in threading.enumerate() if t.name.startswith("deck-chromium")]


def test_every_pptx_shape_lies_on_its_slide_and_the_chart_covers_no_table(pptx_slides: list, store: Store,
                                                                            view: View, settings: Settings) -> None:
    prs = Presentation(io.BytesIO(deck_pptx.deck_pptx(store, view, settings, FOOTER)))
    width, height = prs.slide_width, prs.slide_height
    for slide in pptx_slides:
        for shape in slide.shapes:
            assert shape.left >= 0 and shape.top >= 0, shape.name
            assert shape.left + shape.width <= width and shape.top + shape.height <= height, shape.name
        pictures = [s for s in slide.shapes if s.shape_type == 13]
        tables = [s for s in slide.shapes if s.has_table]
        # The chart never covers a table.
        chart = pictures[0]
        for t in tables:
            apart = (chart.left >= t.left + t.width or t.left >= chart.left + chart.width
                     or chart.top >= t.top + t.height or t.top >= chart.top + chart.height)
            assert apart, t.name


# -- a deck of many slides: its package, part by part ------------------------------------------------------

MANY = 29


@pytest.fixture(scope="module")
def many_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """MANY synthetic projects with 12 monthly reports per indicator."""
    from analytics.bench import synthetic_reports
    from analytics.services import import_file
    from analytics.synth import write_synth

    folder = tmp_path_factory.mktemp("many_deck")
    write_synth(folder / "targets.txt", MANY, seed=5)
    # A file of its own: Store.open(None) is the project's default database.
    s = Store.open(folder / "many.duckdb")
    import_file(s, folder / "targets.txt")
    s.bulk_load_actuals(synthetic_reports(s.indicator_lookup(), 5))
    yield s
    s.close()


def test_a_deck_of_many_slides_has_unique_parts_and_each_slide_its_own_chart(
        many_store: Store, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    # deck_pptx names the slides, pictures, relationships and slide ids itself (python-pptx's own
    # lookups scan the whole package per slide): a repeated name or id, or a picture on the wrong
    # slide, would still open in python-pptx but not in PowerPoint or LibreOffice, or show the wrong chart.
    from analytics.chart_images import ChartBatch

    drawn: list[bytes] = []
    finish = ChartBatch.finish_render

    def recording(self: ChartBatch, slot: int) -> list[bytes]:
        out = finish(self, slot)
        drawn.extend(out)
        return out

    monkeypatch.setattr(ChartBatch, "finish_render", recording)
    view = build_view(many_store, Filters(as_of=AS_OF))
    small_chunks = replace(settings, deck=replace(settings.deck, chunk_pages=7))
    data = deck_pptx.deck_pptx(many_store, view, small_chunks, FOOTER)
    total = len(order(view, small_chunks)) + 1
    assert total > MANY and len(drawn) == total

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = z.namelist()
        assert len(names) == len(set(names))
        assert z.testzip() is None
        types = ElementTree.fromstring(z.read("[Content_Types].xml"))
        ns = "{http://schemas.openxmlformats.org/package/2006/content-types}"
        overrides = {e.get("PartName") for e in types.iter(ns + "Override")}
        defaults = {e.get("Extension") for e in types.iter(ns + "Default")}
        for name in names:
            if name != "[Content_Types].xml":
                assert "/" + name in overrides or name.rsplit(".", 1)[-1] in defaults, name
        assert len([n for n in names if re.fullmatch(r"ppt/slides/slide\d+\.xml", n)]) == total
        media = [n for n in names if n.startswith("ppt/media/")]
        assert len(media) == len(set(drawn))

    prs = Presentation(io.BytesIO(data))
    slides = list(prs.slides)
    assert len(slides) == total
    ids = prs.slides.element.sldId_lst
    assert len({s.id for s in ids}) == len({s.rId for s in ids}) == total
    assert len({s.part.partname for s in slides}) == total
    names_in_order = view.projects.set_index("project_id")["name"]
    expected_titles = ["项目支出绩效自评汇总", *(names_in_order[pid] for pid in order(view, small_chunks))]
    for number, (slide, png, title) in enumerate(zip(slides, drawn, expected_titles, strict=True), start=1):
        texts = [s.text_frame.text for s in slide.shapes if s.has_text_frame]
        assert texts[0] == title and f"第 {number} 页 / 共 {total} 页" in texts
        pictures = [s for s in slide.shapes if s.shape_type == 13]
        assert len(pictures) == 1 and pictures[0].image.blob == png
        Image.open(io.BytesIO(pictures[0].image.blob)).verify()
        # Every relationship the slide's XML names exists, and its shapes' ids are unique.
        referenced = set(slide.element.xpath("//@r:embed | //@r:id"))
        assert referenced and referenced <= set(slide.part.rels)
        shape_ids = [s.shape_id for s in slide.shapes]
        assert len(shape_ids) == len(set(shape_ids))
