"""The command line on a real DuckDB file, including a database held by another process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from analytics.cli import main

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "data" / "000_8af13639028b6537.txt"


def test_import_then_projects_json(tmp_path, capsys):
    db = tmp_path / "cli.duckdb"
    assert main(["import", str(SEED), "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "4 张目标表" in out and "59 个指标" in out and "2 条审核提示" in out

    assert main(["projects", "--db", str(db), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [p["funding_total"] for p in data["projects"]] == [78.0, 65.34, 36.2, 436.41]
    assert sum(len(p["indicators"]) for p in data["projects"]) == 59

    assert main(["projects", "--db", str(db)]) == 0
    table = capsys.readouterr().out
    assert "南昌市县级及以上集中式饮用水水源地规范化建设项目" in table and "≤558万" in table


def test_failed_file_is_reported_and_others_still_import(tmp_path, capsys):
    db = tmp_path / "cli.duckdb"
    bad = tmp_path / "坏表.xlsx"
    bad.write_bytes(os.urandom(2048))
    assert main(["import", str(bad), str(SEED), "--db", str(db)]) == 1
    out = capsys.readouterr().out
    assert "导入失败" in out and "坏表.xlsx" in out and "不是有效的Excel" in out
    assert main(["projects", "--db", str(db), "--format", "json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["projects"]) == 4


def test_perf_db_environment_variable_and_no_implicit_loading(tmp_path, capsys, monkeypatch):
    db = tmp_path / "env.duckdb"
    monkeypatch.setenv("PERF_DB", str(db))
    assert main(["projects", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"projects": []}  # the CLI loads nothing by itself
    assert db.exists()


def test_busy_database_gets_one_chinese_sentence_and_status_2(tmp_path):
    db = tmp_path / "held.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         f"import duckdb, sys, time; c = duckdb.connect({str(db)!r}); print('ready', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        for command in (["projects"], ["import", str(SEED)]):
            r = subprocess.run(
                [sys.executable, "-m", "analytics", *command, "--db", str(db)],
                cwd=ROOT, capture_output=True, text=True, timeout=60,
            )
            assert r.returncode == 2, r.stderr
            assert "正被另一个程序" in r.stderr and "占用" in r.stderr and "Traceback" not in r.stderr
    finally:
        holder.kill()
        holder.wait()
    time.sleep(0.1)
    assert main(["projects", "--db", str(db)]) == 0


def test_user_add_and_list(tmp_path):
    """The first administrator can be created from the command line; the password never in argv."""
    db = tmp_path / "u.duckdb"
    r = subprocess.run([sys.executable, "-m", "analytics", "user", "add", "admin", "--password-stdin", "--db", str(db)],
                       input="password123\n", capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "已新建用户 admin(管理员" in r.stdout
    r = subprocess.run([sys.executable, "-m", "analytics", "user", "add", "x", "--password-stdin", "--db", str(db)],
                       input="short\n", capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 1 and "密码至少需要 8 个字符" in r.stdout
    r = subprocess.run([sys.executable, "-m", "analytics", "user", "list", "--db", str(db)],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.stdout.split("\t")[:2] == ["admin", "管理员"]
    from analytics.storage import Store

    store = Store.open(db)
    try:
        assert store.get_user("admin")["password_hash"].startswith("$argon2")
    finally:
        store.close()
