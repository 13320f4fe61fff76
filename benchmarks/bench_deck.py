"""Deck benchmark (issue 12): time and memory of the review deck, PDF and PPTX, on a synthetic database.

    .venv/bin/python benchmarks/bench_deck.py --projects 5000 --db /tmp/deck_bench_5000.duckdb
    .venv/bin/python benchmarks/bench_deck.py --db /tmp/deck_bench_5000.duckdb --pages 500 --formats pdf

Builds the database as benchmarks/bench_pages.py does (synthetic target tables, 12 reports per
indicator) unless ``--db`` exists, computes the view at 2026-12-31 and writes the deck of the first
``--pages`` projects in the presenter's order (all by default). Peak memory is the whole process tree
(this process and chromium), sampled every second. Goal: 5,000 pages < 300 s, peak < 2 GB.
The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from datetime import date
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import contextlib

from analytics import deck, deck_pptx
from analytics.dashboard import Filters, build_view
from analytics.settings import load_settings
from analytics.storage import Store

AS_OF = date(2026, 12, 31)
GOAL_S, GOAL_MB = 300.0, 2048.0


class PeakMemory:
    """The largest resident set of this process and its children (chromium) seen while running, and
    the CPU seconds of the whole tree (chromium's renderers do most of a large deck's work)."""

    def __init__(self) -> None:
        self.peak_mb = 0.0
        self.peak_rss_mb = 0.0
        self._cpu: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = rss = 0
            for p in [me, *me.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    # PSS: a page shared by chromium's processes (its code, its shared memory) is counted
                    # once across them; the sum of RSS counts it in every process.
                    info = p.memory_full_info()
                    total += info.pss
                    rss += info.rss
                    times = p.cpu_times()
                    self._cpu[p.pid] = times.user + times.system
            self.peak_mb = max(self.peak_mb, total / 2**20)
            self.peak_rss_mb = max(self.peak_rss_mb, rss / 2**20)
            # Once a second: reading every process's PSS (smaps) is work on the cores the deck uses,
            # and the tree's memory moves with chunks of seconds.
            self._stop.wait(1.0)

    @property
    def tree_cpu_s(self) -> float:
        """CPU seconds of this process and every child seen (as of its last sample)."""
        return sum(self._cpu.values())

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--projects", type=int, default=5000)
    ap.add_argument("--db", type=Path, default=Path("/tmp/deck_bench.duckdb"))
    ap.add_argument("--pages", type=int, default=None, help="only the first N projects (default: all)")
    ap.add_argument("--formats", default="pdf,pptx")
    ap.add_argument("--out", type=Path, default=None, help="folder to keep the files in")
    args = ap.parse_args()
    if not args.db.exists():
        from bench_pages import build_db

        seconds = build_db(args.db, args.projects, 7)
        print(f"built {args.projects} projects in {args.db}: {seconds:.1f} s", flush=True)
    store = Store.open(args.db, read_only=True)
    settings = load_settings()
    t = time.perf_counter()
    view = build_view(store, Filters(as_of=AS_OF))
    if args.pages:
        ids = tuple(view.projects["project_id"].astype(int).head(args.pages))
        view = build_view(store, Filters(as_of=AS_OF, project_ids=ids))
    view_s = time.perf_counter() - t
    result: dict[str, object] = {"projects": len(view.projects), "view_s": round(view_s, 1)}
    for fmt in args.formats.split(","):
        make = deck.deck_pdf if fmt == "pdf" else deck_pptx.deck_pptx
        t = time.perf_counter()

        def progress(done: int, total: int, fmt: str = fmt, t: float = t) -> None:
            if done % 500 == 0 or done == total:
                print(f"{fmt}: {done}/{total} pages, {time.perf_counter() - t:.0f} s", flush=True)

        with PeakMemory() as peak:
            t = time.perf_counter()
            cpu = time.process_time()
            data = make(store, view, settings, "截至 2026年12月31日 · 基准测试", progress=progress)
            wall, cpu = time.perf_counter() - t, time.process_time() - cpu
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            (args.out / f"deck.{fmt}").write_bytes(data)
        result[fmt] = {"pages": len(view.projects) + 1, "wall_s": round(wall, 1), "cpu_s": round(cpu, 1),
                       "tree_cpu_s": round(peak.tree_cpu_s, 1),
                       "peak_mb": round(peak.peak_mb), "peak_rss_sum_mb": round(peak.peak_rss_mb),
                       "mb": round(len(data) / 2**20, 1)}
        print(f"{fmt}: {wall:.1f} s wall, {cpu:.1f} s CPU (this process), {peak.tree_cpu_s:.1f} s CPU with "
              f"chromium, peak {peak.peak_mb:.0f} MB (PSS; sum of RSS {peak.peak_rss_mb:.0f} MB), "
              f"{len(data) / 2**20:.1f} MB", flush=True)
    store.close()
    print(json.dumps(result, ensure_ascii=False))
    # The time goal scales with the pages asked for (300 s for 5,001 pages); memory is absolute.
    ok = all(v["wall_s"] < GOAL_S * v["pages"] / 5001 and v["peak_mb"] < GOAL_MB
             for v in result.values() if isinstance(v, dict))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
