"""Import benchmark: synthetic target tables into a fresh DuckDB file.

    .venv/bin/python benchmarks/bench_import.py [--tables 5000] [--seed 0] [--profile] [--mixed]

Goal (2-core machine): 5,000 tables imported in under 10 s with peak memory under 1 GB.
``--mixed`` adds a second run in the same invocation: as many tables again, spread over every
layout family and format of tests/make_layouts.py (text families in files of 250 tables, 5 % in
xlsx, 5 % in docx, 1 % in PDF by default: ``--office-share``, ``--pdf-share``), imported file by
file into a fresh database. PDFs are a small share because each page is a table for pdfplumber.
The mixed run must read every table in under 1 GB; it prints its time per format (the 10 s goal
is the synthetic run's).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import resource
import sys
import tempfile
import time
from pathlib import Path

# Run as a script from anywhere: the project root holds the analytics package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analytics.model import InputError
from analytics.services import ImportResult, import_file
from analytics.storage import Store
from analytics.synth import write_synth

GOAL_SECONDS = 10.0
GOAL_PEAK_MB = 1024.0


def peak_mb() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed_import(db: Path, file: Path, profile: bool) -> tuple[ImportResult, float]:
    store = Store.open(db)
    try:
        profiler = cProfile.Profile() if profile else None
        start = time.perf_counter()
        if profiler:
            profiler.enable()
        result = import_file(store, file)
        if profiler:
            profiler.disable()
        seconds = time.perf_counter() - start
    finally:
        store.close()
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    return result, seconds


def mixed_run(tables: int, tmp: Path, profile: bool, office_share: float, pdf_share: float) -> bool:
    """Import ``tables`` tables of every layout family and format; print time and memory."""
    from tests.make_layouts import write_mixed

    start = time.perf_counter()
    files = write_mixed(tmp / "mixed", tables, office_share=office_share, pdf_share=pdf_share)
    gen_seconds = time.perf_counter() - start
    db = tmp / "mixed.duckdb"
    seconds: dict[str, float] = {}
    imported = 0
    expected = 0
    refused: list[str] = []
    store = Store.open(db)
    profiler = cProfile.Profile() if profile else None
    try:
        for fmt, written in files.items():
            start = time.perf_counter()
            if profiler:
                profiler.enable()
            for path, n in written:
                expected += n
                try:
                    imported += import_file(store, path).tables
                except InputError as e:  # measured all the same; the run fails below
                    refused.append(str(e))
            if profiler:
                profiler.disable()
            seconds[fmt] = time.perf_counter() - start
    finally:
        store.close()
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    total = sum(seconds.values())
    peak = peak_mb()
    print()
    print("mixed layouts (all families of domain.md section 7, text, xlsx, docx and PDF)")
    for fmt, written in files.items():
        n = sum(k for _, k in written)
        rate = n / seconds[fmt] if seconds[fmt] else 0.0
        print(f"  {fmt:5} {n:5} tables in {len(written):3} files: {seconds[fmt]:.2f} s ({rate:.0f} tables/s)")
    print(f"tables:               {imported} of {expected}")
    print(f"generation seconds:   {gen_seconds:.2f}")
    print(f"import seconds:       {total:.2f}")
    print(f"peak memory MB:       {peak:.0f}")
    ok = imported == expected == tables and not refused
    if not ok:
        print(f"FAIL: expected {tables} tables, imported {imported}; {len(refused)} files refused")
        for message in refused[:5]:
            print(f"  {message[:160]}")
    # The time goal is the synthetic run's; here every table must be read, in bounded memory, and
    # the figures per format show what each reader costs (office files and PDF are much slower).
    if peak >= GOAL_PEAK_MB:
        print(f"FAIL: peak memory {peak:.0f} MB, goal < {GOAL_PEAK_MB:.0f} MB")
        ok = False
    print(f"mixed run: {'every table read' if ok else 'NOT every table read'}, peak < {GOAL_PEAK_MB:.0f} MB: "
          f"{'met' if peak < GOAL_PEAK_MB else 'NOT met'}")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the first import")
    parser.add_argument("--mixed", action="store_true", help="also import as many tables in every layout family")
    parser.add_argument("--office-share", type=float, default=0.1, help="mixed run: share in xlsx and docx")
    parser.add_argument("--pdf-share", type=float, default=0.01, help="mixed run: share in PDF")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench_import_") as tmp:
        file = Path(tmp) / "synth.txt"
        db = Path(tmp) / "bench.duckdb"

        start = time.perf_counter()
        write_synth(file, args.tables, args.seed)
        gen_seconds = time.perf_counter() - start
        gen_peak = peak_mb()

        first, import_seconds = timed_import(db, file, args.profile)
        again, reimport_seconds = timed_import(db, file, False)
        peak = peak_mb()

        size_mb = file.stat().st_size / 1024 / 1024
        print(f"tables:               {first.tables}")
        print(f"indicators:           {first.indicators}")
        print(f"file size:            {size_mb:.1f} MB")
        print(f"generation seconds:   {gen_seconds:.2f}")
        print(f"import seconds:       {import_seconds:.2f}")
        print(f"tables per second:    {first.tables / import_seconds:.0f}")
        print(f"re-import seconds:    {reimport_seconds:.2f} "
              f"(new projects {again.projects_new}, new versions {again.versions_new})")
        print(f"peak memory MB:       {peak:.0f} (after generation alone: {gen_peak:.0f})")

    ok = True
    if first.tables != args.tables or first.projects_new != args.tables:
        print(f"FAIL: expected {args.tables} new tables, got {first.tables} ({first.projects_new} new)")
        ok = False
    if again.projects_new or again.versions_new:
        print("FAIL: re-import of the same file created new projects or versions")
        ok = False
    if args.tables == 5000:
        ok &= import_seconds < GOAL_SECONDS and peak < GOAL_PEAK_MB
        print(f"goal (< {GOAL_SECONDS:.0f} s, < {GOAL_PEAK_MB:.0f} MB): {'met' if ok else 'NOT met'}")
    if args.mixed:
        with tempfile.TemporaryDirectory(prefix="bench_import_mixed_") as tmp:
            ok &= mixed_run(args.tables, Path(tmp), args.profile, args.office_share, args.pdf_share)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
