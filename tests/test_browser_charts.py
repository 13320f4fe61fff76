"""Real-browser test of the charts at 1366×768 (issue 11 item 8, "charts that read").

On 总览, 资金, 指标 (with one indicator's history), 时间线 and 评审, on the seed with the sample report,
every Plotly chart is read back from the SVG chromium drew:

- the legend's box overlaps neither the x-axis title, nor any tick label, nor any bar, pie slice or
  marker;
- no bar label is turned (a label Plotly cannot fit in a thin bar is rotated by "auto");
- the 时间线's as-of label ("截至 …") overlaps none of the deadline markers.

Boxes are the elements' getBoundingClientRect(), so they are what is on screen after Plotly's own
layout; an empty bar (a legend entry without data, a zero value) has no area and is skipped.

Run with ``pytest -m browser tests/test_browser_charts.py``. Needs /usr/bin/chromium and fonts-noto-cjk.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser_support import (
    AS_OF,
    TIMEOUT_MS,
    Data,
    assert_no_exception,
    launched_chromium,
    open_page,
    seeded_db,
    wait_charts,
    wait_idle,
    warmed_app,
)

pytestmark = pytest.mark.browser

VIEWPORT = (1366, 768)

# Everything the check needs from one chart, as client rectangles {l, t, r, b, what}.
CHART_BOXES = """(plot) => {
  const box = (e, what) => { const r = e.getBoundingClientRect();
    return {l: r.left, t: r.top, r: r.right, b: r.bottom, what: what}; };
  const all = (sel, what) => [...plot.querySelectorAll(sel)].map(e => box(e, what(e)));
  const text = e => (e.textContent || '').trim();
  const legend = plot.querySelector('g.legend');
  return {
    title: text(plot.querySelector('.gtitle') || plot),
    legend: legend ? box(legend.querySelector('rect.bg') || legend, 'legend') : null,
    xtitle: all('.g-xtitle text, text.xtitle', e => 'x-axis title ' + text(e)),
    ticks: all('.xtick text, .ytick text', e => 'tick label ' + text(e)),
    marks: [...all('.bars path, .scatterlayer path.point, g.slice path.surface', e => 'a bar or marker'),
            ...all('g.slice text.slicetext, .bars text.bartext', e => 'the label ' + text(e))],
    markers: all('.scatterlayer path.point', e => 'marker'),
    bartext: [...plot.querySelectorAll('text.bartext')].map(e => [text(e), e.getAttribute('transform') || '']),
    asof: [...plot.querySelectorAll('g.annotation')].filter(a => text(a).startsWith('截至'))
      .map(a => box(a.querySelector('.annotation-text-g') || a, 'as-of label ' + text(a))),
  };
}"""


def _overlap(a: dict, b: dict, slack: float = 0.5) -> bool:
    """Two client rectangles share more than a hairline (touching edges are fine)."""
    return min(a["r"], b["r"]) - max(a["l"], b["l"]) > slack and min(a["b"], b["b"]) - max(a["t"], b["t"]) > slack


def _has_area(r: dict) -> bool:
    return r["r"] - r["l"] > 0.5 and r["b"] - r["t"] > 0.5


def _rotated(transform: str) -> bool:
    """A bar label's transform turns it: rotate(a) with a ≠ 0."""
    import re

    return any(abs(float(a)) > 0.01 for a in re.findall(r"rotate\(\s*(-?[\d.]+)", transform))


def chart_problems(page: Page) -> tuple[dict[str, int], list[str]]:
    """What was checked (charts, legends, as-of labels), and every collision the rules above forbid, named."""
    plots = page.locator(".js-plotly-plot")
    problems: list[str] = []
    seen = {"charts": 0, "legends": 0, "asof": 0}
    for i in range(plots.count()):
        b = plots.nth(i).evaluate(CHART_BOXES)
        name = b["title"] or f"chart {i + 1}"
        seen["charts"] += 1
        seen["asof"] += len(b["asof"])
        if b["legend"]:
            seen["legends"] += 1
            legend = b["legend"]
            for other in b["xtitle"] + b["ticks"] + [m for m in b["marks"] if _has_area(m)]:
                if _overlap(legend, other):
                    problems.append(f"{name}: the legend overlaps {other['what']}")
        for label, transform in b["bartext"]:
            if _rotated(transform):
                problems.append(f"{name}: bar label {label!r} is turned ({transform})")
        for label in b["asof"]:
            for m in b["markers"]:
                if _has_area(m) and _overlap(label, m):
                    problems.append(f"{name}: the {label['what']} overlaps a marker")
    # One legend overlapping three bars is one problem to read, not three identical lines.
    return seen, list(dict.fromkeys(problems))


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Data, int]:
    """Seed plus the sample report as of year end, and the quantitative indicator with most reports."""
    from datetime import date

    from analytics.dashboard import Filters, build_view
    from analytics.storage import Store

    data = seeded_db(tmp_path_factory.mktemp("charts_data") / "perf.duckdb")
    store = Store.open(data.db)
    try:
        ind = build_view(store, Filters(as_of=date.fromisoformat(AS_OF))).indicators
        reported = ind[(ind["kind"] == "quantitative") & ind["actual_text"].fillna("").ne("")]
        counts = store.report_history(reported["indicator_id"].astype(int).tolist())["indicator_id"].value_counts()
        indicator = int(counts.index[0])
    finally:
        store.close()
    return data, indicator


@pytest.fixture(scope="module")
def app(data: tuple[Data, int], tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Browser]]:
    expect.set_options(timeout=TIMEOUT_MS)
    with launched_chromium() as browser, warmed_app(data[0], browser, tmp_path_factory.mktemp("charts_app")) as url:
        yield url, browser


def _pages(indicator: int, project: int) -> list[tuple[str, str, int, int]]:
    """(name, path with query, how many charts it draws at least, how many of them have a legend):
    指标 with the indicator's history, 评审's summary and one project's screen."""
    return [
        ("总览", "", 2, 2),
        ("资金", "funding", 4, 3),
        ("指标", f"indicators?indicator={indicator}", 1, 1),
        ("时间线", "timeline", 1, 1),
        ("评审 汇总", "review", 1, 0),
        ("评审 项目", f"review?review={project}", 1, 1),
    ]


def _url(base: str, path: str) -> str:
    return f"{base}/{path}{'&' if '?' in path else '?'}as_of={AS_OF}"


@pytest.mark.parametrize("index", range(6), ids=[p[0] for p in _pages(0, 0)])
def test_charts_read_at_1366(app: tuple[str, Browser], data: tuple[Data, int], index: int) -> None:
    url, browser = app
    name, path, at_least, legends = _pages(data[1], data[0].project_ids[0])[index]
    page = open_page(browser, _url(url, path), VIEWPORT)
    try:
        wait_idle(page)
        count = wait_charts(page, at_least)
        assert_no_exception(page)
        assert count >= at_least, f"{name}: {count} charts"
        seen, problems = chart_problems(page)
        # Every chart was read, with its legends (and the timeline's as-of label): nothing passes unseen.
        assert seen["charts"] == count and seen["legends"] >= legends, seen
        assert seen["asof"] == (1 if name == "时间线" else 0), seen
        assert problems == [], f"{name} at {VIEWPORT[0]}×{VIEWPORT[1]}:\n" + "\n".join(problems)
    finally:
        page.context.close()


def test_overlap_check_sees_a_collision() -> None:
    """The geometry the test relies on: overlapping boxes are seen, touching or empty ones are not."""
    a = {"l": 0, "t": 0, "r": 10, "b": 10}
    assert _overlap(a, {"l": 5, "t": 5, "r": 15, "b": 15})
    assert not _overlap(a, {"l": 10, "t": 0, "r": 20, "b": 10})
    assert not _has_area({"l": 3, "t": 3, "r": 3, "b": 9})
    assert _rotated("translate(1,2) rotate(-90 3 4)") and not _rotated("translate(1,2) rotate(0)")
    assert not _rotated("translate(1,2)")
