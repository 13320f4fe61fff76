"""Page benchmark: each dashboard page's server-side run on a synthetic database, cold and warm.

    .venv/bin/python benchmarks/bench_pages.py --projects 5000
    .venv/bin/python benchmarks/bench_pages.py --db /tmp/bench_pages.duckdb   # built once, reused afterwards
    .venv/bin/python benchmarks/bench_pages.py --db /tmp/bench_pages.duckdb --page funding --profile funding
    .venv/bin/python benchmarks/bench_pages.py --db /tmp/bench_pages.duckdb --cold-repeat 3   # on a busy machine

Builds a database of N synthetic projects (~14 indicators each, 12 monthly reports per indicator;
the same steps as ``analytics.bench.run_engine_bench``, ~15 s for 5,000), points ``PERF_DB`` at it
and runs the app through Streamlit's ``AppTest`` (``app.py?as_of=...``), so every figure includes
the shared sidebar, the page script and the serialisation of what it draws, but no browser.

- first start: the very first run (opens the database, imports the page modules, draws 总览).
- cold: ``st.cache_data.clear()`` (the open connection in ``st.cache_resource`` stays), then
  ``at.switch_page(page); at.run()``; best of ``--cold-repeat`` (default 1).
- warm: the same page run again straight after, best of ``--repeat`` (default 3).

Goal (2-core machine, 5,000 projects): every page under 1.5 s warm and under 5 s cold. The exit
status is 0 when every page timed meets it, 1 otherwise, 2 when a page raises or draws the wrong
page (its traceback is printed). The last line of output is JSON with every figure; each run also
records the process's CPU seconds, steadier than wall-clock time when other processes load the CPUs.
``--profile PAGE`` adds a cProfile of one more cold run of PAGE (profiled inside AppTest's script
thread), sorted by cumulative and by own time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import resource
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING
from unittest.mock import patch

# Run as a script from anywhere: the project root holds the analytics and pages packages.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analytics.bench import synthetic_reports
from analytics.services import import_file
from analytics.storage import Store
from analytics.synth import write_synth

if TYPE_CHECKING:
    from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
GOAL_WARM_S = 1.5
GOAL_COLD_S = 5.0

# Page file (relative to app.py) -> short name for the table and the JSON line.
PAGES: dict[str, str] = {
    "pages/overview.py": "overview",
    "pages/funding.py": "funding",
    "pages/indicators.py": "indicators",
    "pages/timeline.py": "timeline",
    "pages/review.py": "review",
    "pages/targets.py": "targets",
}


class PageFailed(RuntimeError):
    """A page run raised an exception or drew something other than the page asked for."""


@dataclass
class Run:
    """One timed page run: wall-clock seconds and this process's CPU seconds (all its threads)."""

    wall_s: float
    cpu_s: float


@dataclass
class PageResult:
    page: str
    cold: list[Run]
    warm: list[Run]
    peak_rss_mb: float

    @property
    def cold_s(self) -> float:
        return min(r.wall_s for r in self.cold)

    @property
    def warm_s(self) -> float:
        return min(r.wall_s for r in self.warm)

    @property
    def ok(self) -> bool:
        return self.cold_s < GOAL_COLD_S and self.warm_s < GOAL_WARM_S

    def verdict(self) -> str:
        missed = [w for w, bad in (("cold", self.cold_s >= GOAL_COLD_S), ("warm", self.warm_s >= GOAL_WARM_S)) if bad]
        return "yes" if not missed else "NO: " + ", ".join(missed)

    def as_json(self) -> dict:
        return {
            "cold_s": round(self.cold_s, 3),
            "warm_s": round(self.warm_s, 3),
            "cold_runs": [{"wall_s": round(r.wall_s, 3), "cpu_s": round(r.cpu_s, 3)} for r in self.cold],
            "warm_runs": [{"wall_s": round(r.wall_s, 3), "cpu_s": round(r.cpu_s, 3)} for r in self.warm],
            "ok": self.ok,
            "peak_rss_mb_after": round(self.peak_rss_mb, 1),
        }


def peak_rss_mb() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def count_projects(db: Path) -> tuple[int, int]:
    store = Store.open(db, read_only=True)
    try:
        return len(store.projects_frame()), len(store.indicators_frame())
    finally:
        store.close()


def ensure_db(db: Path, projects: int, seed: int) -> tuple[int, int]:
    """The benchmark database at ``db``, built first when it is missing; (projects, indicators)."""
    if not db.exists():
        print(f"building {projects} projects into {db} …", flush=True)
        build_db(db, projects, seed)
    return count_projects(db)


def copy_db(db: Path, to: Path) -> Path:
    """A copy of the database file with its write-ahead log, so that what is not checkpointed is copied too."""
    shutil.copyfile(db, to)
    wal = db.with_name(db.name + ".wal")
    if wal.exists():
        shutil.copyfile(wal, to.with_name(to.name + ".wal"))
    return to


def build_db(db: Path, projects: int, seed: int) -> float:
    """Write the synthetic target tables, import them and load 12 reports per indicator; seconds taken."""
    start = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory(prefix="bench_pages_") as tmp:
            src = Path(tmp) / "targets.txt"
            write_synth(src, projects, seed=seed)
            store = Store.open(db)
            try:
                import_file(store, src)
                reports = synthetic_reports(store.indicator_lookup(), seed)
                store.bulk_load_actuals(reports)
                del reports
            finally:
                store.close()
    except BaseException:
        # A half-built file must not be reused by the next run.
        for leftover in (db, db.with_name(db.name + ".wal")):
            leftover.unlink(missing_ok=True)
        raise
    return time.perf_counter() - start


def drawn_page(at: AppTest) -> Path | None:
    """The page file the last run executed (AppTest keeps it in private attributes; None if they moved)."""
    pages = getattr(at, "_registered_pages", None) or {}
    info = pages.get(getattr(at, "_finished_page_script_hash", None)) or {}
    path = info.get("script_path")
    return Path(str(path)).resolve() if path else None


def check(at: AppTest, page: str, what: str) -> None:
    """Fail loudly when the run raised, or ran another page than the one asked for."""
    if at.exception:
        details = "\n\n".join("\n".join([e.message, *e.stack_trace]) for e in at.exception)
        raise PageFailed(f"{page} ({what}) raised:\n{details}")
    drawn = drawn_page(at)
    if drawn is not None and drawn != (ROOT / page).resolve():
        raise PageFailed(f"{page} ({what}): the run executed {drawn} instead")
    if not at.title:
        raise PageFailed(f"{page} ({what}): the run drew no title")


def timed_run(at: AppTest, page: str, what: str, switch: bool) -> Run:
    wall, cpu = time.perf_counter(), time.process_time()
    if switch:
        at.switch_page(page)
    at.run()
    run = Run(time.perf_counter() - wall, time.process_time() - cpu)
    check(at, page, what)
    return run


def profiled_run(at: AppTest, page: str, top: int) -> str:
    """A cold run of one page under cProfile; the top functions by cumulative and by own time.

    AppTest runs the script in a thread of its own while the calling thread sleeps, so the profiler
    is switched on inside that thread.
    """
    import streamlit as st
    from streamlit.testing.v1.local_script_runner import LocalScriptRunner

    profiler = cProfile.Profile()
    original = LocalScriptRunner._run_script_thread

    def run_script_thread(self: LocalScriptRunner) -> None:
        profiler.enable()
        try:
            original(self)
        finally:
            profiler.disable()

    st.cache_data.clear()
    with patch.object(LocalScriptRunner, "_run_script_thread", run_script_thread):
        at.switch_page(page)
        at.run()
    check(at, page, "profile")
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


def bench_pages(as_of: date, only: list[str], cold_repeat: int, repeat: int, profile: list[str],
                top: int) -> tuple[Run, list[PageResult]]:
    import streamlit as st
    from streamlit.logger import set_log_level
    from streamlit.testing.v1 import AppTest

    # Keep errors (a page's traceback), drop AppTest's "no runtime" and "missing ScriptRunContext" notices;
    # again after the first run, whose reading of the config sets the level back.
    set_log_level("error")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.query_params["as_of"] = as_of.isoformat()
    first = timed_run(at, "pages/overview.py", "first start", switch=False)
    set_log_level("error")
    print(f"  {'first start':<11} {first.wall_s:7.2f} s (cpu {first.cpu_s:.2f} s)", flush=True)

    results = []
    for page, name in PAGES.items():
        if only and name not in only:
            continue
        cold = []
        for i in range(cold_repeat):
            st.cache_data.clear()
            cold.append(timed_run(at, page, f"cold {i + 1}", switch=True))
        warm = [timed_run(at, page, f"warm {i + 1}", switch=False) for i in range(repeat)]
        r = PageResult(name, cold, warm, peak_rss_mb())
        results.append(r)
        print(f"  {name:<11} cold {r.cold_s:7.2f} s   warm {r.warm_s:7.2f} s   "
              f"(cold samples {[round(c.wall_s, 2) for c in cold]}, warm samples {[round(w.wall_s, 2) for w in warm]}, "
              f"peak RSS {r.peak_rss_mb:,.0f} MB)", flush=True)

    for name in profile:
        page = next(p for p, n in PAGES.items() if n == name)
        print(f"\n=== cProfile of a cold run of {name} ===")
        print(profiled_run(at, page, top))
    return first, results


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def main(argv: list[str] | None = None) -> int:
    names = list(PAGES.values())
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=positive, default=5000, help="synthetic projects (default 5000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--db", type=Path, help="benchmark database file: reused if it exists, else built there")
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2026, 12, 31), help="YYYY-MM-DD")
    parser.add_argument("--repeat", type=positive, default=3, help="warm runs per page; the best counts (default 3)")
    parser.add_argument("--cold-repeat", type=positive, default=1,
                        help="cold runs per page, each after clearing st.cache_data; the best counts (default 1)")
    parser.add_argument("--page", action="append", default=[], choices=names, metavar="PAGE", dest="only",
                        help="time only PAGE (repeatable; default every page)")
    parser.add_argument("--profile", action="append", default=[], choices=names, metavar="PAGE",
                        help=f"after the timings, cProfile a cold run of PAGE (repeatable; one of {', '.join(names)})")
    parser.add_argument("--top", type=positive, default=30, help="functions listed per cProfile table (default 30)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench_pages_db_") as tmp:
        db: Path = args.db.resolve() if args.db else Path(tmp) / "bench.duckdb"
        build_s: float | None = None
        if db.exists():
            print(f"reusing {db}")
        else:
            print(f"building {db} with {args.projects} projects ...", flush=True)
            build_s = build_db(db, args.projects, args.seed)
            print(f"built in {build_s:.1f} s")
        projects, indicators = count_projects(db)
        if projects != args.projects:
            print(f"FAIL: {db} holds {projects} projects, --projects says {args.projects}; "
                  "delete the file or pass the matching --projects")
            return 2
        before_app = peak_rss_mb()
        print(f"{projects} projects, {indicators} indicators, as of {args.as_of}, peak RSS before the app "
              f"{before_app:,.0f} MB", flush=True)

        # pages.common opens the store named by PERF_DB; set it before Streamlit imports any page.
        os.environ["PERF_DB"] = str(db)
        try:
            first, results = bench_pages(args.as_of, args.only, args.cold_repeat, args.repeat, args.profile, args.top)
        except PageFailed as e:
            print(f"FAIL: {e}")
            return 2

    peak = peak_rss_mb()
    all_ok = all(r.ok for r in results)
    load = os.getloadavg()
    print()
    print(f"{'page':<14}{'cold_s':>9}{'warm_s':>9}   goal met? (cold < {GOAL_COLD_S:g} s, warm < {GOAL_WARM_S:g} s)")
    print(f"{'first start':<14}{first.wall_s:>9.2f}{'':>9}   (opens the database, imports, overview; no goal)")
    for r in results:
        print(f"{r.page:<14}{r.cold_s:>9.2f}{r.warm_s:>9.2f}   {r.verdict()}")
    print(f"peak RSS: {peak:,.0f} MB; load average at the end: {load[0]:.1f} on {os.cpu_count()} CPUs "
          "(other processes' load makes wall-clock times noisy: compare cpu_s in the JSON)")
    print(f"goal: {'met' if all_ok else 'NOT met'}")
    print(json.dumps({
        "projects": projects,
        "indicators": indicators,
        "as_of": args.as_of.isoformat(),
        "build_s": None if build_s is None else round(build_s, 2),
        "first_start_s": round(first.wall_s, 3),
        "first_start_cpu_s": round(first.cpu_s, 3),
        "pages": {r.page: r.as_json() for r in results},
        "goal": {"cold_s": GOAL_COLD_S, "warm_s": GOAL_WARM_S, "met": all_ok},
        "peak_rss_mb": round(peak, 1),
        "peak_rss_mb_before_app": round(before_app, 1),
        "load_average_1m": round(load[0], 2),
        "cpus": os.cpu_count(),
    }, ensure_ascii=False))
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
