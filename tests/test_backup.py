"""Backup to Parquet with a manifest, and restore into an empty database."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from analytics import accounts, engine, services
from analytics.backup import MANIFEST, backup, restore
from analytics.model import InputError
from analytics.storage import BACKUP_SKIPS, SEQUENCES, Store

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "samples" / "actuals_2026.xlsx"
AS_OF = date(2026, 12, 31)


@pytest.fixture(scope="module")
def source_db(tmp_path_factory) -> Path:
    """Seed, sample report, a withdrawal, a user and an on-screen target revision; closed after building."""
    path = tmp_path_factory.mktemp("source") / "source.duckdb"
    store = Store.open(path)
    try:
        services.load_seed_if_empty(store)
        services.load_report(store, SAMPLE.read_bytes(), SAMPLE.name, today=AS_OF)
        first = int(store.con.execute("SELECT min(report_id) FROM actual_reports").fetchone()[0])
        store.withdraw(first, "actual", "tester", "reason")
        accounts.add_user(store, None, "admin", "password123", "管理员")
        ind = store.indicators_frame()
        row = ind[ind["kind"] == "quantitative"].iloc[0]
        target = {k: row[k] for k in ("target_text", "operator", "unit", "unit_normalized", "kind", "direction")}
        target.update(target_num=float(row["target_num"]) * 2, target_date=None)
        store.revise_target(int(row["indicator_id"]), target, "tester", "翻倍")
        store.set_config("view_needs_sign_in", "1")
    finally:
        store.close()
    return path


def _copy(src: Path, tmp_path: Path) -> Path:
    dst = tmp_path / src.name
    shutil.copy(src, dst)
    return dst


def _tables(store: Store) -> dict[str, pd.DataFrame]:
    return {
        name: store.con.execute(f'SELECT * FROM "{name}" ORDER BY ALL').df()
        for name in store.table_counts()
    }


def _assert_same_tables(a: Store, b: Store) -> None:
    ta, tb = _tables(a), _tables(b)
    assert ta.keys() == tb.keys()
    for name in ta:
        pd.testing.assert_frame_equal(ta[name], tb[name], check_exact=True, obj=name)


def test_backup_then_restore_into_empty_database_gives_identical_tables(source_db, tmp_path):
    src = Store.open(source_db)
    dst = Store.open(tmp_path / "restored.duckdb")
    try:
        # Sessions are sign-in state, not data: no backup carries them (issue 11; storage.BACKUP_SKIPS).
        counts = {name: rows for name, rows in src.table_counts().items() if name not in BACKUP_SKIPS}
        assert {"sessions"} == BACKUP_SKIPS and "sessions" in src.table_counts()
        # Every table the fixture should have filled really has rows, so the comparison means something.
        for name in ("imports", "projects", "project_versions", "indicators", "target_versions",
                     "current_indicators", "actual_reports", "spending_reports", "withdrawals", "users",
                     "audit_log", "app_config"):
            assert counts[name] > 0, name

        manifest_path = backup(src, tmp_path / "bk")
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        assert manifest["format_version"] == 1 and manifest["created_at"]
        assert {t["table"]: t["rows"] for t in manifest["tables"]} == counts
        assert all(len(t["sha256"]) == 64 and (tmp_path / "bk" / t["file"]).is_file() for t in manifest["tables"])
        assert manifest["schema"]["actual_reports"]["report_id"] == "BIGINT"

        loaded = restore(dst, tmp_path / "bk")
        assert loaded == counts
        _assert_same_tables(src, dst)
        pd.testing.assert_series_equal(
            engine.compute(src, AS_OF).projects["score"], engine.compute(dst, AS_OF).projects["score"]
        )

        maxima = {seq: dst.con.execute(f"SELECT max({col}) FROM {table}").fetchone()[0]
                  for seq, (table, col) in SEQUENCES.items()}
        # A report appended after restoring gets ids after every restored one.
        r = services.load_report(dst, SAMPLE.read_bytes(), SAMPLE.name, today=AS_OF)
        assert r.actuals > 0 and r.spending > 0
        for seq, (table, col) in SEQUENCES.items():
            new_ids = dst.con.execute(f"SELECT count(*), min({col}) FROM {table} WHERE {col} > ?",
                                      [maxima[seq]]).fetchone()
            expected = {"seq_actual": r.actuals, "seq_spending": r.spending}.get(seq)
            if expected is not None:
                assert new_ids == (expected, maxima[seq] + 1), seq
            assert new_ids[0] + counts[table] == dst.con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            # And the next id of every sequence, used or not by the report, follows the largest one.
            top = dst.con.execute(f"SELECT max({col}) FROM {table}").fetchone()[0]
            assert dst.con.execute(f"SELECT nextval('{seq}')").fetchone()[0] == top + 1, seq
    finally:
        src.close()
        dst.close()


def test_restore_into_non_empty_database_is_refused_and_changes_nothing(source_db, tmp_path):
    src = Store.open(source_db)
    try:
        backup(src, tmp_path / "bk")
    finally:
        src.close()

    full = Store.open(_copy(source_db, tmp_path))
    try:
        before = _tables(full)
        with pytest.raises(InputError, match="数据库不是空的"):
            restore(full, tmp_path / "bk")
        after = _tables(full)
        for name in before:
            pd.testing.assert_frame_equal(before[name], after[name], obj=name)
    finally:
        full.close()

    # One user is enough to count as not empty.
    one_user = Store.open(tmp_path / "one_user.duckdb")
    try:
        accounts.add_user(one_user, None, "admin", "password123", "管理员")
        before_counts = one_user.table_counts()
        with pytest.raises(InputError, match="users"):
            restore(one_user, tmp_path / "bk")
        assert one_user.table_counts() == before_counts
    finally:
        one_user.close()


def test_damaged_backups_are_refused_before_the_database_is_touched(source_db, tmp_path):
    src = Store.open(source_db)
    try:
        backup(src, tmp_path / "bk")
        with pytest.raises(InputError, match="不是空的"):
            backup(src, tmp_path / "bk")  # would mix two backups
    finally:
        src.close()

    def damaged(name: str) -> Path:
        d = tmp_path / name
        shutil.copytree(tmp_path / "bk", d)
        return d

    tampered = damaged("tampered")
    data = bytearray((tampered / "actual_reports.parquet").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (tampered / "actual_reports.parquet").write_bytes(bytes(data))

    missing = damaged("missing")
    (missing / "users.parquet").unlink()

    miscounted = damaged("miscounted")
    m = json.loads((miscounted / MANIFEST).read_text(encoding="utf-8"))
    entry = next(t for t in m["tables"] if t["table"] == "withdrawals")
    entry["rows"] += 1
    (miscounted / MANIFEST).write_text(json.dumps(m), encoding="utf-8")

    escaping = damaged("escaping")
    m = json.loads((escaping / MANIFEST).read_text(encoding="utf-8"))
    m["tables"][0]["file"] = "../x.parquet"
    (escaping / MANIFEST).write_text(json.dumps(m), encoding="utf-8")

    # Consistent with its manifest but not with the table: found only while loading, after the
    # tables before it were loaded in the same transaction.
    reshaped = damaged("reshaped")
    users = pq.read_table(reshaped / "users.parquet")
    pq.write_table(users.append_column("extra", pa.array([1] * users.num_rows)), reshaped / "users.parquet")
    m = json.loads((reshaped / MANIFEST).read_text(encoding="utf-8"))
    entry = next(t for t in m["tables"] if t["table"] == "users")
    entry["sha256"] = hashlib.sha256((reshaped / "users.parquet").read_bytes()).hexdigest()
    (reshaped / MANIFEST).write_text(json.dumps(m), encoding="utf-8")

    no_manifest = damaged("no_manifest")
    (no_manifest / MANIFEST).unlink()

    cases = [
        (tampered, "actual_reports.parquet.*校验值"),
        (missing, "users.parquet.*缺失"),
        (miscounted, "withdrawals.parquet.*行"),
        (escaping, "表清单有误"),
        (reshaped, "users.parquet.*列"),
        (no_manifest, "没有 manifest.json"),
        (tmp_path / "nowhere", "不存在"),
    ]
    empty = Store.open(tmp_path / "empty.duckdb")
    try:
        for folder, message in cases:
            with pytest.raises(InputError, match=message):
                restore(empty, folder)
            assert set(empty.table_counts().values()) == {0}, folder.name
        # The intact backup still restores into the database the refusals left untouched.
        assert sum(restore(empty, tmp_path / "bk").values()) > 0
    finally:
        empty.close()


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analytics", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def test_cli_backup_and_restore_round_trip(source_db, tmp_path):
    db = _copy(source_db, tmp_path)
    out = tmp_path / "bk"
    restored = tmp_path / "restored.duckdb"

    r = _cli("backup", "--out", str(out), "--db", str(db))
    assert r.returncode == 0, r.stderr
    assert "已备份" in r.stdout and (out / MANIFEST).is_file()

    r = _cli("restore", str(out), "--db", str(restored))
    assert r.returncode == 0, r.stderr
    assert "已从" in r.stdout and "恢复" in r.stdout

    r = _cli("restore", str(out), "--db", str(restored))
    assert r.returncode == 1
    assert "数据库不是空的" in r.stdout and "未作任何改动" in r.stdout

    r = _cli("backup", "--out", str(out), "--db", str(db))
    assert r.returncode == 1 and "不是空的" in r.stdout

    a, b = Store.open(db, read_only=True), Store.open(restored, read_only=True)
    try:
        _assert_same_tables(a, b)
    finally:
        a.close()
        b.close()
