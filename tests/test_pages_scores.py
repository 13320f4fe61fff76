"""AppTest of 总览 and 资金 for issue 11 items 2 and 3: unreported projects read 未填报 and stay out of
the mean; the score ranking and the execution chart are sorted, whatever the grade or light.

The seed alone (no report) at 2026-03-31: every project's period runs on, so all four are 未填报. At
2026-09-30 project 4 (2025-04-01..2026-04-30) has ended: 0.00, marked 期末未填报按0分计. With the
sample report at 2026-12-31 the pinned scores of test_pages hold (99.74 > 89.25 > 72.39 > 47.06).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from analytics import services
from analytics.charts import LIGHT_COLORS
from analytics.dashboard import short_name
from analytics.storage import Store
from tests.test_pages import SAMPLE, charts, open_page, start, values


def _build(path: Path, sample: bool) -> Path:
    store = Store.open(path)
    try:
        services.load_seed_if_empty(store)
        if sample:
            from datetime import date

            services.load_report(store, SAMPLE.read_bytes(), SAMPLE.name, today=date(2026, 12, 31))
    finally:
        store.close()
    return path


@pytest.fixture(scope="module")
def seed_only(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build(tmp_path_factory.mktemp("seed") / "seed.duckdb", sample=False)


@pytest.fixture(scope="module")
def with_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build(tmp_path_factory.mktemp("sample") / "sample.duckdb", sample=True)


def _use(source: Path, app_db: Path) -> Path:
    shutil.copy(source, app_db)
    wal = source.with_name(source.name + ".wal")
    if wal.exists():
        shutil.copy(wal, app_db.with_name(app_db.name + ".wal"))
    return app_db


def _names(path: Path) -> dict[int, str]:
    store = Store.open(path, read_only=True)
    try:
        frame = store.projects_frame()
    finally:
        store.close()
    return {int(r.project_id): short_name(r.name) for r in frame.itertuples()}


def _ranking(spec: dict[str, Any]) -> dict[str, Any]:
    (bars,) = [t for t in spec["data"] if t["type"] == "bar" and not t.get("showlegend", True)]
    return bars


def _mean_card(at) -> Any:
    (card,) = [m for m in at.metric if m.label == "平均自评得分"]
    return card


def test_overview_before_any_report_reads_unreported(seed_only: Path, app_db: Path) -> None:
    _use(seed_only, app_db)
    at = start("2026-03-31")
    card = _mean_card(at)
    assert card.value == "—"
    assert card.delta == "未填报 4 个"
    bars = _ranking(charts(at)[0])
    assert list(bars["text"]) == ["未填报"] * 4
    assert bars["marker"]["color"] == [LIGHT_COLORS["grey"]] * 4
    assert values(bars["x"]) == [0.0] * 4
    # Nobody's project light is red or green before anything is reported: all grey.
    markers = {t["name"] for t in charts(at)[0]["data"] if t["type"] == "scatter"}
    assert markers == {"灰灯"}


def test_overview_after_a_period_ended_marks_the_zero(seed_only: Path, app_db: Path) -> None:
    _use(seed_only, app_db)
    at = start("2026-09-30")
    card = _mean_card(at)
    assert (card.value, card.delta) == ("0.00", "未填报 3 个")
    names = _names(seed_only)
    bars = _ranking(charts(at)[0])
    # Project 4 is scored (0.00) so it ranks before the three unreported ones, which follow by name.
    assert values(bars["y"])[0] == names[4]
    assert list(bars["text"]) == ["0.00", "未填报", "未填报", "未填报"]
    (table,) = [f.value for f in at.dataframe if "自评总分" in f.value.columns]
    assert table["自评总分"].tolist() == ["0.00", "未填报", "未填报", "未填报"]
    assert table["说明"].tolist()[0] == "期末未填报按0分计"
    captions = " ".join(c.value for c in at.caption)
    assert f"{names[4]}的项目期已结束" in captions and "期末未填报按0分计" in captions


def test_overview_ranking_is_sorted_by_score(with_sample: Path, app_db: Path) -> None:
    _use(with_sample, app_db)
    at = start()
    card = _mean_card(at)
    assert card.value == "77.11" and not card.delta  # nothing unreported: no count
    names = _names(with_sample)
    spec = charts(at)[0]
    bars = _ranking(spec)
    want = [names[i] for i in (1, 2, 3, 4)]  # 99.74, 89.25, 72.39, 47.06
    assert list(bars["y"]) == want
    assert spec["layout"]["yaxis"]["categoryarray"] == want
    assert spec["layout"]["yaxis"]["autorange"] == "reversed"
    scores = values(bars["x"])
    assert scores == sorted(scores, reverse=True)


def test_funding_execution_chart_is_sorted_by_rate(with_sample: Path, app_db: Path) -> None:
    _use(with_sample, app_db)
    at = open_page(start(), "pages/funding.py")
    (spec,) = [c for c in charts(at) if c["layout"]["title"]["text"] == "预算执行率与时间进度"]
    rates: dict[str, float] = {}
    for trace in spec["data"]:
        if trace["type"] == "bar":
            rates.update(zip(trace["y"], values(trace["x"]), strict=True))
    order = spec["layout"]["yaxis"]["categoryarray"]
    assert set(order) == set(rates)
    assert [rates[n] for n in order] == sorted(rates.values(), reverse=True)
    # Several lights are present, so a trace-per-light order would differ from the ranking.
    assert len([t for t in spec["data"] if t["type"] == "bar"]) > 1
