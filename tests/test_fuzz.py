"""Fuzzed files (issue 10, "Must show"): mutated target text/xlsx/docx/pdf tables and report
CSV/XLSX files either read or are refused with a Chinese message, never a traceback, and a refusal
leaves every table's row count unchanged. 320 cases here in four chunks; the 2,000-case run is
``benchmarks/fuzz_inputs.py``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from analytics.storage import Store
from benchmarks.fuzz_inputs import Base, make_bases, open_store, run_cases

CHUNK = 80


@pytest.fixture(scope="module")
def fuzz_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, list[Base]]]:
    work = tmp_path_factory.mktemp("fuzz")
    store = open_store(work / "fuzz.duckdb")
    yield store, make_bases(work, store)
    store.close()


def test_bases_are_valid(fuzz_env: tuple[Store, list[Base]]) -> None:
    """Unmutated, every base reads: the cases start from files the product accepts."""
    _store, bases = fuzz_env
    assert {b.name.rsplit(".", 1)[1] for b in bases} >= {"txt", "xlsx", "docx", "csv"}
    assert {b.kind for b in bases} == {"target", "report"}


@pytest.mark.parametrize("chunk", range(4))
def test_fuzzed_files_read_or_refuse_in_chinese(fuzz_env: tuple[Store, list[Base]], chunk: int) -> None:
    store, bases = fuzz_env
    out = run_cases(store, bases, range(chunk * CHUNK, (chunk + 1) * CHUNK))
    assert out.cases == CHUNK
    assert not out.failures, f"{len(out.failures)} of {CHUNK} cases failed:\n\n" + "\n\n".join(out.failures)
    # A fuzz run whose mutations are all refused at the first byte would prove little.
    assert out.refusals > 0 and out.successes > 0
