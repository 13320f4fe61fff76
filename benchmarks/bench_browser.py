"""Browser benchmark: what a person waits for, page by page, in Debian's chromium (issue 11, item 12).

    .venv/bin/python benchmarks/bench_browser.py --projects 5000
    .venv/bin/python benchmarks/bench_browser.py --db /tmp/bench_pages.duckdb      # built once, reused
    .venv/bin/python benchmarks/bench_browser.py --db /tmp/bench_pages.duckdb --page funding --repeat 5
    .venv/bin/python benchmarks/bench_browser.py --db /tmp/bench_pages.duckdb --repeat 1 --breakdown  # what is sent

The database is the one of ``benchmarks/bench_pages.py`` (N synthetic projects, ~14 indicators each,
12 monthly reports per indicator). The app runs as a real server (``streamlit run app.py``) on a copy
of it, beside a trivial Streamlit page (a title, four metrics, one small Plotly chart) that is the
floor: on these shared 2-core machines a fresh browser context alone costs about 2 s, so the goals are
ratios to the floor measured in the same run, not seconds.

For each page, after one visit that warms the server's caches, ``--repeat`` fresh browser contexts
(each a new Streamlit session) navigate to it and measure:

- time: from navigation to the script run finished, no element left as a loading skeleton and every
  Plotly chart drawn (its SVG present);
- bytes: everything the server sent over the websocket (the page's elements, data and figures).

Then a sidebar filter change on 总览 (the department) is measured the same way: bytes sent after the
change and the time until the page settled again.

``--breakdown`` prints, for the first visit of each page and of the filter change, the largest frames
(decoded as Streamlit ForwardMsgs: element type, delta path, label) and when the first and the last
frame arrived, which separates the server's script run from the browser's drawing.

Beside the floor, a second reference page is measured: the floor plus only the app's shared chrome
(the sidebar's widget types: three selects, a text box, a multiselect, a date box) and a 20-row
``st.dataframe``, with no data, no sign-in and no computation. It has no goal; it shows how much of
the 1.3× the frontend code of those widget types already takes in a fresh context (about 1.3× on
an idle machine), before any of the app's own work.

Goals: every page within 1.3× the floor's time and under 250 KB sent; a filter change under 100 KB
and settled in under half the floor page's time. The exit status is 0 when all are met, 1 when one is
missed, 2 when a page fails to load. The last line of output is JSON with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_pages import copy_db, ensure_db  # noqa: E402 - a sibling script, importable once on the path

from tests.browser_support import CHROMIUM, CHROMIUM_ARGS, serve  # noqa: E402 - the browser tests' own server start

AS_OF = "2026-12-31"
VIEWPORT = {"width": 1366, "height": 768}
TIMEOUT_MS = 120_000
# A 5,000-project app takes longer to start than a test's four projects; no file watcher, as in production.
SERVER = (120.0, ("--server.fileWatcherType", "none"))
GOAL_TIME_RATIO = 1.3
GOAL_PAGE_KB = 250
GOAL_FILTER_KB = 100
GOAL_FILTER_RATIO = 0.5

# URL path -> short name; the default page (总览) lives at "/".
PAGES = {"": "overview", "funding": "funding", "indicators": "indicators", "timeline": "timeline",
         "review": "review", "targets": "targets"}

FLOOR_APP = '''
import plotly.graph_objects as go
import streamlit as st

st.set_page_config(page_title="floor", layout="wide")
st.title("基准页")
cols = st.columns(4)
for i, col in enumerate(cols):
    col.metric(f"指标{i}", f"{i * 12.5:.2f}")
fig = go.Figure(go.Bar(x=["一", "二", "三", "四", "五"], y=[3, 1, 4, 1, 5]))
fig.update_layout(font_family="Noto Sans CJK SC", height=320)
st.plotly_chart(fig)
'''

# The floor plus the app's sidebar widget types and a small table: what Streamlit's frontend costs
# a chart-and-table page with this app's chrome before any of the app's own data or work.
CHROME_APP = FLOOR_APP + '''
import datetime
import pandas as pd

with st.sidebar:
    for label in ("年度", "主管部门", "实施单位"):
        st.selectbox(label, ["全部", "2026"], placeholder="请选择")
    st.text_input("查找项目")
    st.multiselect("项目", ["甲", "乙"])
    st.date_input("截至日期", datetime.date(2026, 12, 1), format="YYYY-MM-DD")
st.dataframe(pd.DataFrame({"序号": range(20), "名称": ["项目"] * 20}))
'''


@dataclass
class Measure:
    seconds: list[float] = field(default_factory=list)
    sent_bytes: list[int] = field(default_factory=list)

    @property
    def s(self) -> float:
        return median(self.seconds)

    @property
    def kb(self) -> float:
        return median(self.sent_bytes) / 1024

    def as_json(self) -> dict:
        return {"median_s": round(self.s, 3), "median_kb": round(self.kb, 1),
                "seconds": [round(x, 3) for x in self.seconds], "bytes": self.sent_bytes}


def describe(payload: bytes) -> str:
    """What one websocket frame carries, for ``--breakdown``: the element type and its label or key."""
    from google.protobuf.message import DecodeError
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    try:
        msg = ForwardMsg.FromString(payload)
    except DecodeError:
        return "(not a ForwardMsg)"
    kind = msg.WhichOneof("type") or "(none)"
    if kind != "delta":
        return kind
    delta = msg.delta
    which = delta.WhichOneof("type")
    if which != "new_element":
        return f"delta.{which}"
    element = delta.new_element
    etype = element.WhichOneof("type") or "(none)"
    inner = getattr(element, etype)
    label = ""
    for name in ("label", "id", "body", "spec"):
        if hasattr(inner, name):
            label = str(getattr(inner, name))
            break
    path = "/".join(str(i) for i in msg.metadata.delta_path)
    return f"{etype} [{path}] {label[:40]!r}"


class Received:
    """Bytes the server sent over the page's websockets since the last ``reset``; with ``keep``, each
    frame's size by what it carries (see describe)."""

    def __init__(self, page, keep: bool = False) -> None:
        self.total = 0
        self.keep = keep
        self.frames: list[tuple[int, str]] = []
        self.times: list[float] = []
        self.started = time.perf_counter()
        page.on("websocket", self._watch)

    def _watch(self, ws) -> None:
        ws.on("framereceived", self._add)

    def _add(self, payload: bytes | str) -> None:
        data = payload.encode() if isinstance(payload, str) else payload
        self.total += len(data)
        if self.keep:
            self.frames.append((len(data), describe(data)))
            self.times.append(time.perf_counter() - self.started)

    def reset(self) -> None:
        self.total = 0
        self.frames = []
        self.times = []
        self.started = time.perf_counter()

    def report(self, title: str, settled_s: float, top: int = 12) -> None:
        # When the frames came (first, last) against when the page settled: server time against drawing.
        first, last = (self.times[0], self.times[-1]) if self.times else (0.0, 0.0)
        print(f"    {title}: {self.total / 1024:.1f} KB in {len(self.frames)} frames, the first at {first:.2f} s, "
              f"the last at {last:.2f} s, settled at {settled_s:.2f} s; largest:")
        for size, what in sorted(self.frames, reverse=True)[:top]:
            print(f"      {size / 1024:8.1f} KB  {what}")
        print("      in order: " + ", ".join(f"{what.split(' ')[0]}@{t:.2f}" for (_, what), t
                                             in zip(self.frames[:6], self.times[:6], strict=False)))


_SETTLED = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (document.querySelector('[data-testid="stStatusWidget"] [data-testid="stStatusWidgetRunningIcon"]'))
    return false;
  // An element whose code the browser is still loading (metrics, tables, charts on a fresh context) stands
  // as a skeleton until it is drawn: the page is not readable yet.
  if (document.querySelector('[data-testid="stSkeleton"]')) return false;
  const charts = [...document.querySelectorAll('[data-testid="stPlotlyChart"]')];
  return charts.every(c => c.querySelector('.main-svg'));
}"""


def settle(page, started: float) -> float:
    """Seconds from ``started`` until the run finished and every chart is drawn (held for 300 ms)."""
    page.wait_for_function(_SETTLED, timeout=TIMEOUT_MS, polling=50)
    done = time.perf_counter()
    # A rerun can start right after the first finishes (query parameters written back): wait it out.
    page.wait_for_timeout(300)
    if not page.evaluate(_SETTLED):
        page.wait_for_function(_SETTLED, timeout=TIMEOUT_MS, polling=50)
        done = time.perf_counter()
    return done - started


def visit(browser, url: str, keep: bool = False) -> tuple[float, int, object]:
    """One fresh context's visit: seconds to settle, bytes received, and the page (context still open)."""
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    received = Received(page, keep)
    started = time.perf_counter()
    page.goto(url)
    seconds = settle(page, started)
    if page.locator('[data-testid="stException"]').count():
        raise RuntimeError(f"{url} shows an exception: {page.locator('[data-testid=stException]').first.inner_text()}")
    return seconds, received.total, (page, received)


def measure_page(browser, url: str, repeat: int, breakdown: bool = False) -> Measure:
    m = Measure()
    for i in range(repeat):
        seconds, sent, (page, received) = visit(browser, url, breakdown)
        m.seconds.append(seconds)
        m.sent_bytes.append(sent)
        if breakdown and i == 0:
            received.report(url, seconds)
        page.context.close()
    return m


def measure_filter_change(browser, url: str, repeat: int, breakdown: bool = False) -> Measure:
    """Choose the second department in the sidebar on 总览: bytes sent and seconds until settled."""
    m = Measure()
    for i in range(repeat):
        _, _, (page, received) = visit(browser, url, breakdown)
        box = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').filter(has_text="主管部门")
        box.click()
        options = page.locator('[role="option"]')
        options.nth(1).wait_for()
        received.reset()
        started = time.perf_counter()
        options.nth(1).click()
        # The run the change starts writes the department into the URL; then wait for it to settle.
        page.wait_for_url(re.compile(r"[?&]dept="), timeout=TIMEOUT_MS)
        m.seconds.append(settle(page, started))
        m.sent_bytes.append(received.total)
        if breakdown and i == 0:
            received.report("filter change", m.seconds[-1])
        page.context.close()
    return m


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--projects", type=int, default=5000)
    parser.add_argument("--db", type=Path, default=None, help="database to build once and reuse")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3, help="fresh browser contexts per page (median)")
    parser.add_argument("--page", choices=sorted(PAGES.values()), action="append", help="only these pages")
    parser.add_argument("--breakdown", action="store_true",
                        help="also print each page's largest websocket frames and what they carry")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        print("needs Debian's chromium at /usr/bin/chromium (apt-get install -y chromium)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="bench_browser_") as tmp:
        work = Path(tmp)
        db = args.db or work / "bench.duckdb"
        projects, indicators = ensure_db(db, args.projects, args.seed)
        copy = copy_db(db, work / "app.duckdb")
        floor_script = work / "floor.py"
        floor_script.write_text(FLOOR_APP, encoding="utf-8")
        chrome_script = work / "chrome.py"
        chrome_script.write_text(CHROME_APP, encoding="utf-8")
        env = {**os.environ, "PERF_DB": str(copy)}
        wanted = {path: name for path, name in PAGES.items() if not args.page or name in args.page}
        results: dict[str, Measure] = {}
        with (serve(ROOT / "app.py", ROOT, env, work / "app.log", *SERVER) as app,
              serve(floor_script, work, os.environ, work / "floor.log", *SERVER) as floor,
              serve(chrome_script, work, os.environ, work / "chrome.log", *SERVER) as chrome,
              sync_playwright() as p):
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                # Warm both servers: the first visit of each page fills the app's caches.
                for path in wanted:
                    visit(browser, f"{app}/{path}?as_of={AS_OF}")[2][0].context.close()
                visit(browser, floor)[2][0].context.close()
                visit(browser, chrome)[2][0].context.close()
                results["floor"] = measure_page(browser, floor, args.repeat, args.breakdown)
                results["floor+chrome"] = measure_page(browser, chrome, args.repeat, args.breakdown)
                for path, name in wanted.items():
                    print(f"  {name} …", flush=True)
                    results[name] = measure_page(browser, f"{app}/{path}?as_of={AS_OF}", args.repeat,
                                                 args.breakdown)
                results["filter_change"] = measure_filter_change(browser, f"{app}/?as_of={AS_OF}", args.repeat,
                                                                 args.breakdown)
            except Exception as e:
                print(f"FAILED: {e}", file=sys.stderr)
                return 2
            finally:
                browser.close()
    floor_s = results["floor"].s
    rows, ok = [], True
    for name, m in results.items():
        if name in ("floor", "floor+chrome"):
            verdict = "(reference)" if name != "floor" else ""
        elif name == "filter_change":
            good = m.kb < GOAL_FILTER_KB and m.s < GOAL_FILTER_RATIO * floor_s
            verdict = "yes" if good else "NO"
            ok &= good
        else:
            good = m.kb < GOAL_PAGE_KB and m.s <= GOAL_TIME_RATIO * floor_s
            verdict = "yes" if good else "NO"
            ok &= good
        rows.append((name, m.s, m.s / floor_s, m.kb, verdict))
    print(f"\n{projects} projects, {indicators} indicators; median of {args.repeat} fresh contexts at "
          f"{VIEWPORT['width']}×{VIEWPORT['height']}")
    print(f"goals: page ≤ {GOAL_TIME_RATIO}× floor and < {GOAL_PAGE_KB} KB; filter change < {GOAL_FILTER_KB} KB "
          f"and < {GOAL_FILTER_RATIO}× floor\n")
    print(f"{'page':<14}{'seconds':>9}{'× floor':>9}{'KB sent':>10}  met")
    for name, s, ratio, kb, verdict in rows:
        print(f"{name:<14}{s:>9.2f}{ratio:>9.2f}{kb:>10.1f}  {verdict}")
    print(json.dumps({"projects": projects, "indicators": indicators, "repeat": args.repeat,
                      "floor_s": round(floor_s, 3), "ok": ok,
                      "results": {k: v.as_json() for k, v in results.items()}}, ensure_ascii=False))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
