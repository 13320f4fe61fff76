"""Synthetic tables: realistic, deterministic, and read back exactly by the text reader."""

from __future__ import annotations

import dataclasses
import re

import pytest

from analytics.model import ProjectTable
from analytics.readers import read_tables
from analytics.services import import_file
from analytics.storage import Store
from analytics.synth import ATTRIBUTES, INDICATOR_HEADER, synth_tables, write_synth
from analytics.tables import LEVEL1_ALIASES, LEVEL2_PARENTS
from analytics.values import normalize_text

N = 200
PROJECT_FIELDS = (
    "year", "name", "department", "unit", "attribute", "start_date", "end_date", "funding_total",
    "funding_fiscal", "funding_other", "goal_text", "warnings",
)


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[ProjectTable], bytes]:
    path = tmp_path_factory.mktemp("synth") / "synth.txt"
    assert write_synth(path, N, seed=7) == N
    return synth_tables(N, seed=7), path.read_bytes()


def test_file_reads_back_as_the_same_tables(written: tuple[list[ProjectTable], bytes]) -> None:
    expected, data = written
    got = read_tables(data, "synth.txt")
    assert len(got) == len(expected) == N
    assert sum(len(t.indicators) for t in got) == sum(len(t.indicators) for t in expected)
    for want, have in zip(expected, got, strict=True):
        for f in PROJECT_FIELDS:
            assert getattr(have, f) == getattr(want, f), (want.name, f)
        assert len(have.indicators) == len(want.indicators), want.name
        for wi, hi in zip(want.indicators, have.indicators, strict=True):
            assert (hi.level1, hi.level2, hi.name) == (wi.level1, wi.level2, wi.name), want.name
            # The reader keeps the target text as normalised (＞ becomes >); all else is identical.
            assert hi.target == dataclasses.replace(wi.target, text=normalize_text(wi.target.text)), wi.name


def test_same_seed_same_data_other_seed_other_data(tmp_path) -> None:
    assert synth_tables(30, seed=3) == synth_tables(30, seed=3)
    assert synth_tables(30, seed=3) != synth_tables(30, seed=4)
    a, b, c = tmp_path / "a.txt", tmp_path / "b.txt", tmp_path / "c.txt"
    write_synth(a, 30, seed=3)
    write_synth(b, 30, seed=3)
    write_synth(c, 30, seed=4)
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()
    assert {t.name for t in synth_tables(30, seed=3)} != {t.name for t in synth_tables(30, seed=4)}


def test_tables_cover_what_real_tables_hold(written: tuple[list[ProjectTable], bytes]) -> None:
    tables, _ = written
    keys = [(t.year, t.department, t.name) for t in tables]
    assert len(set(keys)) == len(keys)
    assert {t.year for t in tables} == {2025, 2026}
    assert sum(t.year == 2026 for t in tables) > N / 2
    assert len({t.department for t in tables}) >= 12
    assert all(re.fullmatch(r"\d{3}-.+\(部门\)", t.department) for t in tables)
    assert {t.attribute for t in tables} == set(ATTRIBUTES)
    assert any(t.start_date.year < t.year for t in tables)  # carried over from the year before
    assert any(t.funding_total >= 1000 for t in tables)
    assert any(t.funding_other > 0 for t in tables) and any(t.funding_other == 0 for t in tables)
    assert all(abs(t.funding_total - t.funding_fiscal - t.funding_other) < 0.005 for t in tables)
    assert any("\n" in t.goal_text for t in tables)
    assert all(8 <= len(t.indicators) <= 22 for t in tables)
    for t in tables:
        assert {i.level1 for i in t.indicators} >= {"产出指标", "效益指标", "满意度指标"}
        for i in t.indicators:
            assert i.level1 in LEVEL1_ALIASES.values()
            assert i.level2 in LEVEL2_PARENTS

    indicators = [i for t in tables for i in t.indicators]
    assert {i.level2.removesuffix("指标") for i in indicators} >= {
        "经济成本", "数量", "质量", "时效", "经济效益", "社会效益", "生态效益", "可持续影响", "服务对象满意度",
    }
    assert {i.target.operator for i in indicators} == {">=", ">", "=", "<=", "<", "deadline", "qualitative"}
    texts = [i.target.text for i in indicators]
    for pattern in (r"≥\d+%", r"＞\d+个", r"≤[\d.]+万", r"<\d+次", r"=\d+份", r"\d+%",
                    r"\d{4}年\d+月\d+日", r"\d{4}-\d\d-\d\d", r"\d{4}/\d\d/\d\d", r"\d{4}年\d+月底"):
        assert any(re.fullmatch(pattern, s) for s in texts), pattern
    assert {"提升", "有效提升", "明显改善", "符合相关规定", "提高"} <= set(texts)
    units = {i.target.unit_normalized for i in indicators}
    assert {"个", "次", "家", "块", "米", "份", "项", "万元", "%", "人次"} <= units
    # Deadlines fall inside the budget year.
    for t in tables:
        for i in t.indicators:
            if i.target.kind == "deadline":
                assert i.target.value.startswith(str(t.year)), (t.name, i.target.text)


def test_file_has_the_extraction_artefacts_of_the_seed(written: tuple[list[ProjectTable], bytes]) -> None:
    _, data = written
    lines = data.decode("utf-8").splitlines()
    level2 = set(LEVEL2_PARENTS)
    level2_first = [ln for ln in lines if ln.split("\t")[0] in level2 and ln.endswith("\t")]
    name_first = [ln for ln in lines if re.fullmatch(r"[^\t]+\t\t[^\t]+\t", ln) and ln.split("\t")[0] not in level2]
    assert level2_first, "no row with the 二级 name shifted into the first column"
    assert name_first, "no row with the 三级 name first and the value in the third column"
    assert any(re.search(r"\t\d{1,3}(,\d{3})+\.\d\d\t", ln) for ln in lines), "no amount with thousands"
    assert any(re.search(r"日—\d{4}年", ln) for ln in lines), "no period on one line"
    assert lines.count(INDICATOR_HEADER) == N


def test_import_and_reimport(tmp_path) -> None:
    path = tmp_path / "synth.txt"
    write_synth(path, 40, seed=1)
    store = Store.open(tmp_path / "t.duckdb")
    first = import_file(store, path)
    assert first.tables == first.projects_new == 40
    assert first.indicators == sum(len(t.indicators) for t in synth_tables(40, seed=1))
    again = import_file(store, path)
    assert again.projects_new == 0 and again.versions_new == 0
    store.close()
