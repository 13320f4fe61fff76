"""Export benchmark (issue 12): time and peak memory of the department workbook and the review deck.

    .venv/bin/python benchmarks/bench_exports.py --projects 5000
    .venv/bin/python benchmarks/bench_exports.py --db /tmp/bench_pages.duckdb          # built once, reused
    .venv/bin/python benchmarks/bench_exports.py --db /tmp/bench_pages.duckdb --export workbook:xlsx

The database is the one of ``benchmarks/bench_pages.py`` (N synthetic projects, ~14 indicators each,
12 monthly reports per indicator). Each export runs in a child process of its own (this same script
with ``--child``), through the service the 导出 page and the CLI use (``analytics.exporting``), so
its peak resident memory is its own and not the sum of what ran before. Time is wall-clock seconds
from the request to the file's bytes, the view's computation included.

Goals: the workbook (XLSX and PDF) under 60 s, the deck of one page per project under 5 minutes, every
export's peak under 2 GB. The exit status is 0 when all are met, 1 when one is missed. The last line
is JSON with every figure.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_pages import copy_db, ensure_db  # noqa: E402 - a sibling script, importable once on the path

AS_OF = date(2026, 12, 31)
GOAL_S = {"workbook": 60.0, "deck": 300.0}
GOAL_PEAK_MB = 2048.0
EXPORTS = ("workbook:xlsx", "workbook:pdf", "deck:pdf", "deck:pptx")


def child(db: Path, export: str) -> None:
    """Run one export on ``db`` and print its figures as JSON (in the child process)."""
    from analytics.dashboard import Filters
    from analytics.exporting import ExportRequest, run_export
    from analytics.storage import Store

    kind, fmt = export.split(":")
    store = Store.open(db)
    try:
        started = time.perf_counter()
        data = run_export(store, ExportRequest(kind, fmt, Filters(as_of=AS_OF)), None, "基准测试")
        seconds = time.perf_counter() - started
    finally:
        store.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # KiB on Linux
    print(json.dumps({"export": export, "seconds": round(seconds, 2), "peak_mb": round(peak, 1),
                      "bytes": len(data)}))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--projects", type=int, default=5000)
    parser.add_argument("--db", type=Path, default=None, help="database to build once and reuse")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--export", action="append", choices=EXPORTS, help="only these exports")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.db, args.child)
        return 0
    with tempfile.TemporaryDirectory(prefix="bench_exports_") as tmp:
        work = Path(tmp)
        db = args.db or work / "bench.duckdb"
        projects, indicators = ensure_db(db, args.projects, args.seed)
        results, ok = [], True
        for export in args.export or EXPORTS:
            # A copy per export: each one appends its audit line, and the benchmark's database stays as built.
            copy = copy_db(db, work / "export.duckdb")
            print(f"  {export} …", flush=True)
            run = subprocess.run([sys.executable, __file__, "--db", str(copy), "--child", export],
                                 capture_output=True, text=True)
            if run.returncode != 0:
                print(f"FAILED: {export}\n{run.stderr[-3000:]}", file=sys.stderr)
                return 2
            r = json.loads(run.stdout.strip().splitlines()[-1])
            kind = export.split(":")[0]
            r["met"] = r["seconds"] < GOAL_S[kind] and r["peak_mb"] < GOAL_PEAK_MB
            ok &= r["met"]
            results.append(r)
            for f in (copy, copy.with_name(copy.name + ".wal")):
                f.unlink(missing_ok=True)
    print(f"\n{projects} projects, {indicators} indicators, as of {AS_OF.isoformat()}")
    print(f"goals: workbook < {GOAL_S['workbook']:.0f} s, deck < {GOAL_S['deck']:.0f} s, "
          f"peak < {GOAL_PEAK_MB:.0f} MB\n")
    print(f"{'export':<16}{'seconds':>9}{'peak MB':>10}{'MB out':>9}  met")
    for r in results:
        print(f"{r['export']:<16}{r['seconds']:>9.1f}{r['peak_mb']:>10.0f}{r['bytes'] / 2**20:>9.1f}  "
              f"{'yes' if r['met'] else 'NO'}")
    print(json.dumps({"projects": projects, "indicators": indicators, "ok": ok, "results": results},
                     ensure_ascii=False))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
