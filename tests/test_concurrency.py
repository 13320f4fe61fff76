"""Reporters committing at the same moment: threads on one store, a cursor each, as the pages run.

``pages.common.get_store`` gives every script run its own cursor of one DuckDB connection, so two
people uploading at once are two threads calling ``services.load_report`` on two cursors. Both files
must land whole: every row, with its own report id, nothing lost, nothing written twice; a refused
file beside them writes nothing and takes nothing of the other with it.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest

from analytics import services
from analytics.auth import REPORTER, User
from analytics.engine import compute
from analytics.model import InputError
from analytics.reports import ReportRefused
from analytics.storage import Store
from tests.corpus.make_corpus import HEADER, P1, P2, P3, P4, QUAL_P3, SPENDING, csv_file, row, xlsx_file

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "data" / "000_8af13639028b6537.txt"
T = date(2026, 12, 31)
ROUNDS = 4
WAIT = 60  # seconds a thread waits at a barrier before the test fails instead of hanging


def report_a(n: int) -> tuple[str, bytes]:
    """Reporter 甲: a CSV with actuals of projects 1 and 2 (群众满意度 is reported by both reporters)."""
    return f"甲_{n}.csv", csv_file(HEADER, [
        row(P1, "群众满意度", "96%", "2026-11-30", reporter="甲"),
        row(P1, "标气、标牌采购", "1项", "2026-11-30", reporter="甲"),
        row(P1, "标气标牌采购完成时间", "2026/11/18", reporter="甲"),
        row(P2, "智能化系统巡检服务", "3次", "2026-11-30", likelihood="有可能", note=f"第{n}轮:第四次在12月",
            reporter="甲"),
        row(P2, "网站、新媒体日常监测", "6.8万元", "2026-11-30", reporter="甲"),
    ])


def report_b(n: int) -> tuple[str, bytes]:
    """Reporter 乙: an XLSX with actuals of projects 1, 3 and 4 and a spending sheet."""
    return f"乙_{n}.xlsx", xlsx_file({
        "指标填报": (HEADER, [
            row(P1, "群众满意度", "97%", "2026-11-30", reporter="乙"),
            row(P3, QUAL_P3, "部分达成", rate="75", reporter="乙"),
            row(P4, "新建宣传牌", "87块", "2026-11-20", reporter="乙"),
            row(P4, "新建界标", "60块", "2026-11-20", reporter="乙"),
        ]),
        "预算执行": (SPENDING, [
            [P3, "2026-11-30", 20 + n, "", "乙"],
            [P1, "2026-11-30", 40 + n, "", "乙"],
        ]),
    })


def report_c(n: int) -> tuple[str, bytes]:
    """Reporter 丙: a CSV of project 4 and spending of project 2 (for the four-reporter run)."""
    return f"丙_{n}.csv", csv_file(HEADER, [
        row(P4, "新建高空摄像头", "5个", "2026-10-31", reporter="丙"),
        row(P4, "居民满意度", "95%", "2026-10-31", reporter="丙"),
    ])


def report_d(n: int) -> tuple[str, bytes]:
    return f"丁_{n}.csv", csv_file(SPENDING, [[P2, "2026-10-31", str(30 + n), "", "丁"]])


EXPECTED = {"甲": (5, 0), "乙": (4, 2), "丙": (2, 0), "丁": (0, 1)}
MAKERS: dict[str, Callable[[int], tuple[str, bytes]]] = {"甲": report_a, "乙": report_b, "丙": report_c,
                                                          "丁": report_d}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(tmp_path / "x.duckdb")
    services.import_file(s, SEED)
    yield s
    s.close()


def stored_rows(store: Store) -> tuple[list[tuple], list[tuple]]:
    actuals = store.con.execute(
        "SELECT source, indicator_id, as_of, value_text, grade_rate, note, reporter FROM actual_reports"
    ).fetchall()
    spending = store.con.execute("SELECT source, project_id, as_of, amount, reporter FROM spending_reports").fetchall()
    return actuals, spending


def alone(files: list[tuple[str, bytes]], tmp_path: Path) -> tuple[Counter, Counter]:
    """The rows these files give when loaded one after the other on a store of their own."""
    s = Store.open(tmp_path / "alone.duckdb")
    try:
        services.import_file(s, SEED)
        for name, data in files:
            services.load_report(s, data, name, today=T)
        actuals, spending = stored_rows(s)
    finally:
        s.close()
    return Counter(actuals), Counter(spending)


UNIT = "南昌市生态环境污染防治中心"  # the implementing unit of every seed project


def by_command(cursor: Store, name: str, data: bytes) -> object:
    """The command line's path: ``services.load_report``."""
    return services.load_report(cursor, data, name, reporter=name, today=T)


def by_page(cursor: Store, name: str, data: bytes) -> object:
    """The 填报 page's path: ``services.commit_report`` for a signed-in reporter named like the file's 填报人."""
    return services.commit_report(cursor, User(name[0], name[0], REPORTER, (UNIT,)), data, name, today=T)


def run_together(store: Store, files: list[tuple[str, bytes]], at: str,
                 load: Callable[[Store, str, bytes], object] = by_command) -> list[object]:
    """Each file loaded by its own thread on its own cursor, all released together by a barrier.

    ``at="start"`` releases them at the call of ``load``; ``at="commit"`` holds every thread just
    before its append transaction, so that the commits themselves run at the same moment.
    Returns each thread's ReportResult or the exception it raised.
    """
    barrier = threading.Barrier(len(files), timeout=WAIT)
    results: list[object] = [None] * len(files)

    def work(i: int, name: str, data: bytes) -> None:
        cursor = store.cursor()
        try:
            if at == "commit":
                append = cursor.append_reports

                def synced(*args: object, **kwargs: object) -> tuple[int, int]:
                    barrier.wait()
                    return append(*args, **kwargs)

                cursor.append_reports = synced  # type: ignore[method-assign]
            else:
                barrier.wait()
            results[i] = load(cursor, name, data)
        except BaseException as e:  # handed to the test
            results[i] = e
            barrier.abort()  # a failed thread must not leave the others waiting
        finally:
            cursor.close()

    threads = [threading.Thread(target=work, args=(i, *f)) for i, f in enumerate(files)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT * 2)
        assert not t.is_alive(), "a reporter's thread hung"
    return results


@pytest.mark.parametrize("at", ["start", "commit"])
@pytest.mark.parametrize(("load", "reporters"), [
    pytest.param(by_command, ("甲", "乙"), id="load_report-two"),
    pytest.param(by_command, ("甲", "乙", "丙", "丁"), id="load_report-four"),
    pytest.param(by_page, ("甲", "乙"), id="commit_report-two"),
])
def test_reporters_committing_at_the_same_moment_all_land(store: Store, tmp_path: Path, at: str,
                                                          reporters: tuple[str, ...], load) -> None:
    before = store.table_counts()
    loaded: list[tuple[str, bytes]] = []
    for n in range(ROUNDS):
        files = [MAKERS[r](n) for r in reporters]
        results = run_together(store, files, at, load)
        errors = [r for r in results if isinstance(r, BaseException)]
        assert not errors, [f"{type(e).__name__}: {e}" for e in errors]
        for r, (name, _), result in zip(reporters, files, results, strict=True):
            assert (result.file_name, result.actuals, result.spending) == (name, *EXPECTED[r])
        loaded += files

    after = store.table_counts()
    n_a = ROUNDS * sum(EXPECTED[r][0] for r in reporters)
    n_s = ROUNDS * sum(EXPECTED[r][1] for r in reporters)
    n_files = ROUNDS * len(reporters)
    assert after == {**before, "actual_reports": before["actual_reports"] + n_a,
                     "spending_reports": before["spending_reports"] + n_s,
                     "audit_log": before["audit_log"] + n_files}
    for table, key in (("actual_reports", "report_id"), ("spending_reports", "report_id"), ("audit_log", "audit_id")):
        ids = store.con.execute(f"SELECT count(*), count(DISTINCT {key}) FROM {table}").fetchone()
        assert ids[0] == ids[1]
    # One audit line per file, in the transaction that wrote its rows.
    logged = store.con.execute("SELECT file_name FROM audit_log WHERE action = '填报'").fetchall()
    assert sorted(r[0] for r in logged) == sorted(name for name, _ in loaded)
    # Every value of every file is there exactly once: the same rows as loading them one by one.
    actuals, spending = stored_rows(store)
    assert (Counter(actuals), Counter(spending)) == alone(loaded, tmp_path)
    # And the engine reads the result (both reporters' 群众满意度 reports are kept).
    satisfaction = [r for r in actuals if r[3] in ("96%", "97%")]
    assert Counter(r[6] for r in satisfaction) == Counter({"甲": ROUNDS, "乙": ROUNDS})
    assert len(compute(store, T).indicators) == 59


def test_a_refused_file_beside_an_accepted_one_writes_nothing_and_takes_nothing(store: Store, tmp_path: Path) -> None:
    before = store.table_counts()
    for n in range(ROUNDS):
        good = report_a(n)
        bad = (f"错_{n}.csv", csv_file(HEADER, [row(P1, "群众满意度", "96%"), row(P1, "不存在的指标", "5")]))
        results = run_together(store, [good, bad], "start")
        assert (results[0].actuals, results[0].spending) == EXPECTED["甲"]
        assert isinstance(results[1], ReportRefused) and isinstance(results[1], InputError)
        assert [(e.row, e.column) for e in results[1].errors] == [(3, "三级指标")]
    after = store.table_counts()
    assert after == {**before, "actual_reports": before["actual_reports"] + ROUNDS * EXPECTED["甲"][0],
                     "audit_log": before["audit_log"] + ROUNDS}
    actuals, _ = stored_rows(store)
    assert {r[0] for r in actuals} == {f"甲_{n}.csv" for n in range(ROUNDS)}


def test_two_target_imports_at_the_same_moment_both_land(store: Store) -> None:
    """Not a reporter's path, but the same store: two administrators importing different target tables."""
    from tests.corpus.make_corpus import TWIN, TWIN_TABLE

    before = store.table_counts()
    barrier = threading.Barrier(2, timeout=WAIT)
    results: list[object] = [None, None]

    def work(i: int) -> None:
        # Both rebuild current_indicators; the store's shared write lock makes them take turns
        # instead of letting DuckDB abort one with "Conflict on tuple deletion".
        cursor = store.cursor()
        try:
            data = TWIN_TABLE.replace(TWIN, f"并发项目_{i}").encode()
            barrier.wait()
            results[i] = services.import_bytes(cursor, data, f"目标_{i}.txt")
        except BaseException as e:  # handed to the test
            results[i] = e
            barrier.abort()
        finally:
            cursor.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT * 2)
    errors = [f"{type(r).__name__}: {r}" for r in results if isinstance(r, BaseException)]
    assert not errors, errors
    after = store.table_counts()
    assert (after["projects"], after["indicators"]) == (before["projects"] + 2, before["indicators"] + 8)
