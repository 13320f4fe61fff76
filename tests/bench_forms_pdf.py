"""Time and peak memory of the forms PDF and the department workbook PDF for N synthetic projects.

    .venv/bin/python tests/bench_forms_pdf.py --projects 1000 [--indicators 14] [--what workbook|forms]

Forms are built by tests/test_forms_pdf.py's builders (the 自评表 of domain.md section 8, ~14
indicators like analytics.synth's projects); the 汇总 has one row per project. Peak memory is the
largest sum of resident memory over this process and its worker processes, sampled every 0.2 s.
The last line is JSON. Goal (issue 12): the workbook of 5,000 projects in < 60 s and < 2 GB.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import threading
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analytics import forms_pdf
from analytics.settings import load_settings
from tests.test_forms_pdf import indicator_rows, selfeval_form, summary_frame


def _tree_rss() -> int:
    me = psutil.Process()
    total = me.memory_info().rss
    for child in me.children(recursive=True):
        with contextlib.suppress(psutil.Error):  # a worker may exit between listing and reading
            total += child.memory_info().rss
    return total


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--projects", type=int, default=1000)
    ap.add_argument("--indicators", type=int, default=14)
    ap.add_argument("--what", choices=("workbook", "forms"), default="workbook")
    args = ap.parse_args()
    forms = [selfeval_form(f"基准项目{k}", indicator_rows(args.indicators, k)) for k in range(args.projects)]
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss())
            time.sleep(0.2)

    threading.Thread(target=sample, daemon=True).start()
    ticks: list[float] = []
    start = time.perf_counter()
    cpu = time.process_time()

    def tick(_done: int, _total: int) -> None:
        ticks.append(time.perf_counter() - start)

    if args.what == "workbook":
        pdf = forms_pdf.workbook_pdf(summary_frame(args.projects), forms, "基准 汇总",
                                     "截至2026年12月31日 · 由基准生成", progress=tick)
    else:
        pdf = forms_pdf.forms_pdf(forms, progress=tick)
    seconds = time.perf_counter() - start
    done.set()
    import pdfplumber
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        pages = len(doc.pages)
    longest_wait = max((b - a for a, b in zip([0.0, *ticks], ticks, strict=False)), default=seconds)
    result = {"what": args.what, "projects": args.projects, "indicators": args.indicators, "pages": pages,
              "seconds": round(seconds, 1), "main_cpu_s": round(time.process_time() - cpu, 1),
              "peak_mb": round(peak[0] / 2**20), "mb": round(len(pdf) / 2**20, 1),
              "longest_progress_gap_s": round(longest_wait, 1), "pdf": str(load_settings().pdf),
              "load": [round(x, 1) for x in psutil.getloadavg()]}
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
