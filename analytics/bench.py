"""``python -m analytics bench``: the engine against the floor and against the row-by-row way.

Builds a synthetic database (N projects, ~15 indicators each, 12 monthly reports per indicator),
then times, in one run: the engine's full computation; the floor, one bare DuckDB aggregation
reading the same actual rows once; and pandas with a Python function applied row by row.
"""

from __future__ import annotations

import json
import resource
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from analytics.engine import compute
from analytics.services import import_file
from analytics.settings import Settings, load_settings
from analytics.storage import Store
from analytics.synth import write_synth

AS_OF = date(2026, 12, 31)


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def synthetic_reports(lookup: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """12 month-end reports per indicator with plausible values for its kind."""
    rng = np.random.default_rng(seed)
    n = len(lookup)
    months = 12
    ids = np.repeat(lookup["indicator_id"].to_numpy(), months)
    kind = np.repeat(lookup["kind"].to_numpy(), months)
    target = np.repeat(lookup["target_num"].fillna(0).to_numpy(dtype=float), months)
    tdate = np.repeat(pd.to_datetime(lookup["target_date"]).to_numpy(), months)
    month = np.tile(np.arange(1, months + 1), n)
    as_of = pd.to_datetime([f"2026-{m:02d}-28" for m in range(1, months + 1)])[month - 1]
    value = target * (month / months) * rng.uniform(0.5, 1.4, len(ids))
    grades = np.array(["达成", "部分达成", "未达成"])[rng.integers(0, 3, len(ids))]
    done = tdate + pd.to_timedelta(rng.integers(-60, 30, len(ids)), unit="D").to_numpy()
    df = pd.DataFrame({
        "indicator_id": ids.astype(np.int64),
        "as_of": as_of.astype("datetime64[s]"),
        "value_text": np.where(kind == "qualitative", grades, np.round(value, 2).astype(str)),
        "value_num": np.where(kind == "quantitative", value, np.nan),
        "value_date": pd.Series(done).where(kind == "deadline").astype("datetime64[s]"),
        "grade": pd.Series(grades).where(kind == "qualitative"),
        "grade_rate": np.nan,
        "likelihood": None,
        "note": None,
        "reporter": "bench",
        "entered_at": pd.Timestamp(datetime(2026, 12, 1)) + pd.to_timedelta(np.arange(len(ids)), unit="us"),
        "source": "bench",
    })
    return df


def rowwise_completion(row: pd.Series, s: Settings) -> float:
    """The analyst's way: one Python function per report row."""
    if row["kind"] == "quantitative":
        a, b = row["target_num"], max(row["value_num"], 0)
        if row["direction"] == "lower":
            return 1.0 if b <= a else (a / b if b else 1.0)
        if a == 0:
            return 1.0 if b <= 0 else 0.0
        return min(b / a, 1.0)
    if row["kind"] == "deadline":
        return 1.0 if pd.notna(row["value_date"]) and row["value_date"] <= row["target_date"] else 0.0
    band = s.qualitative.get(row["grade"])
    return band.default / 100 if band else 0.0


def rowwise_latest(store: Store, as_of: date, s: Settings) -> pd.DataFrame:
    df = store.all_actuals()
    df = df[df["as_of"] <= pd.Timestamp(as_of)]
    df["completion"] = df.apply(rowwise_completion, axis=1, s=s)
    latest = df.sort_values(["as_of", "report_id"]).groupby("indicator_id").tail(1)
    return latest[["indicator_id", "completion"]]


def _best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def run_engine_bench(projects: int = 5000, seed: int = 0, rowwise: bool = True) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "targets.txt"
        t0 = time.perf_counter()
        write_synth(src, projects, seed=seed)
        store = Store.open(Path(tmp) / "bench.duckdb")
        import_file(store, src)
        lookup = store.indicator_lookup()
        reports = synthetic_reports(lookup, seed)
        store.bulk_load_actuals(reports)
        build_s = time.perf_counter() - t0
        s = load_settings()
        rows = len(reports)
        del reports

        compute(store, AS_OF, s)  # warm DuckDB's caches for both contenders alike
        engine_s = _best(lambda: compute(store, AS_OF, s), 5)
        floor_s = _best(lambda: store.floor_latest_values(AS_OF), 5)
        floor_num_s = _best(lambda: store.floor_latest_values(AS_OF, ("value_num",)), 5)
        rowwise_s = _best(lambda: rowwise_latest(store, AS_OF, s), 1) if rowwise else float("nan")
        store.close()

    result = {
        "projects": projects,
        "indicators": len(lookup),
        "rows": rows,
        "build_s": round(build_s, 3),
        "engine_s": round(engine_s, 4),
        "floor_s": round(floor_s, 4),
        "floor_value_num_only_s": round(floor_num_s, 4),
        "rowwise_s": round(rowwise_s, 3),
        "engine_vs_floor": round(engine_s / floor_s, 2),
        "engine_vs_value_num_floor": round(engine_s / floor_num_s, 2),
        "rowwise_vs_engine": round(rowwise_s / engine_s, 1) if rowwise else None,
        "peak_rss_mb": round(_peak_rss_mb(), 1),
    }
    print(f"{'what':<34}{'value':>14}")
    for k, v in result.items():
        print(f"{k:<34}{v!s:>14}")
    print(json.dumps({k: result[k] for k in ("engine_s", "floor_s", "rowwise_s", "rows", "peak_rss_mb")}))
    return result
