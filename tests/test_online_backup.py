"""Issue 10 item 8: backup from the running app (button and daily schedule) while it holds the file."""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analytics import accounts, engine, services
from analytics.auth import ADMIN, PermissionDenied, User
from analytics.backup import (
    MANIFEST,
    SCHEDULED_ACTOR,
    backup_now,
    kept_backups,
    online_backup,
    prune_backups,
    restore,
)
from analytics.model import InputError
from analytics.scheduler import DailyJob, daily_backup_job, next_run
from analytics.settings import BackupSettings, load_settings
from analytics.storage import Store
from pages.common import SEEN_KEY, USER_KEY
from tests.conftest import ROOT
from tests.test_reporting_pages import steady_navigation  # noqa: F401

SAMPLE = ROOT / "data" / "samples" / "actuals_2026.xlsx"
AS_OF = date(2026, 12, 31)
ADMIN_USER = User("admin", "管理员", ADMIN)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("online") / "source.duckdb"
    store = Store.open(path)
    try:
        services.load_seed_if_empty(store)
        services.load_report(store, SAMPLE.read_bytes(), SAMPLE.name, today=AS_OF)
        accounts.add_user(store, None, "admin", "password123", ADMIN)
    finally:
        store.close()
    return path


@pytest.fixture
def running(seeded: Path, tmp_path: Path):
    """The dashboard's situation: one read-write Store holds the file for the whole test."""
    path = tmp_path / "live.duckdb"
    shutil.copy(seeded, path)
    store = Store.open(path)
    yield store
    store.close()


def _tables(store: Store) -> dict[str, pd.DataFrame]:
    return {name: store.con.execute(f'SELECT * FROM "{name}" ORDER BY ALL').df() for name in store.table_counts()}


def _audit(store: Store) -> list[tuple[str, str, str]]:
    return store.con.execute(
        "SELECT username, action, detail FROM audit_log WHERE action = '备份' ORDER BY 1, 3").fetchall()


def test_file_is_held_so_the_cli_path_cannot_open_it(running: Store) -> None:
    # Why the online path exists: a second process (the CLI) cannot open the held file.
    with pytest.raises(duckdb.Error):
        duckdb.connect(str(running.path), read_only=True).close()


def test_online_backup_while_held_restores_identically(running: Store, tmp_path: Path) -> None:
    before = _tables(running)
    folder = online_backup(running.cursor(), tmp_path / "bk", 3, "admin", now=datetime(2026, 12, 1, 9, 0, 0))
    assert folder == tmp_path / "bk" / "20261201-090000"
    assert (folder / MANIFEST).is_file()
    target = Store.open(tmp_path / "restored.duckdb")
    try:
        restore(target, folder)
        after = _tables(target)
        # The backup's own audit line was written after the snapshot, so the restored log lacks it only.
        assert set(after) == set(before)
        for name in before:
            pd.testing.assert_frame_equal(after[name], before[name], check_dtype=False)
        pd.testing.assert_series_equal(engine.compute(running, AS_OF).projects["score"],
                                       engine.compute(target, AS_OF).projects["score"])
    finally:
        target.close()


def test_keeps_the_newest_n_and_never_deletes_other_folders(running: Store, tmp_path: Path) -> None:
    root = tmp_path / "bk"
    root.mkdir()
    (root / "00000000-notes").mkdir()  # someone's folder, no manifest: never touched
    (root / "00000000-notes" / "x.txt").write_text("keep me")
    start = datetime(2026, 12, 1, 2, 30)
    made = [online_backup(running, root, 2, SCHEDULED_ACTOR, now=start + timedelta(days=i)) for i in range(4)]
    assert kept_backups(root) == made[-2:]
    assert not made[0].exists() and not made[1].exists()
    assert (root / "00000000-notes" / "x.txt").read_text() == "keep me"
    assert prune_backups(root, 1) == [made[2]]
    with pytest.raises(InputError, match="至少为 1"):
        online_backup(running, root, 0, "admin")


def test_two_backups_in_one_second_get_two_folders(running: Store, tmp_path: Path) -> None:
    at = datetime(2026, 12, 1, 9, 0, 0)
    first = online_backup(running, tmp_path, 5, "admin", now=at)
    second = online_backup(running, tmp_path, 5, "admin", now=at)
    assert first != second and len(kept_backups(tmp_path)) == 2


def test_audit_line_names_actor_folder_tables_rows(running: Store, tmp_path: Path) -> None:
    folder = backup_now(running, ADMIN_USER, tmp_path / "bk", 3)
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    rows = sum(t["rows"] for t in manifest["tables"])
    assert _audit(running) == [("admin", "备份", f"文件夹 {folder};{len(manifest['tables'])} 张表,共 {rows} 行")]


def test_only_an_administrator_may_back_up(running: Store, tmp_path: Path) -> None:
    with pytest.raises(PermissionDenied, match="只有管理员"):
        backup_now(running, User("r", "填报员", "填报员", ("某单位",)), tmp_path / "bk", 3)
    with pytest.raises(PermissionDenied):
        backup_now(running, None, tmp_path / "bk", 3)
    assert not (tmp_path / "bk").exists()


def test_failure_is_a_chinese_message(running: Store, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(InputError, match="备份"):
        online_backup(running, blocker, 3, "admin")
    assert _audit(running) == []


def test_next_run() -> None:
    assert next_run(datetime(2026, 12, 1, 1, 0), "02:30") == datetime(2026, 12, 1, 2, 30)
    assert next_run(datetime(2026, 12, 1, 2, 30), "02:30") == datetime(2026, 12, 2, 2, 30)
    assert next_run(datetime(2026, 12, 1, 23, 59), "02:30") == datetime(2026, 12, 2, 2, 30)
    assert next_run(datetime(2026, 12, 31, 3, 0), "02:30") == datetime(2027, 1, 1, 2, 30)
    assert next_run(datetime(2026, 12, 1, 0, 0), "00:00") == datetime(2026, 12, 2, 0, 0)
    for bad in ("2:3x", "25:00", "0230", "０２:３０"):
        with pytest.raises(ValueError):
            next_run(datetime(2026, 12, 1), bad)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def test_daily_job_runs_once_when_due() -> None:
    clock = Clock(datetime(2026, 12, 1, 1, 0))
    runs: list[datetime] = []
    daily = DailyJob(lambda: runs.append(clock.now), "02:30", clock)
    assert not daily.tick() and runs == []
    clock.now = datetime(2026, 12, 1, 2, 29, 59)
    assert not daily.tick()
    clock.now = datetime(2026, 12, 1, 2, 30, 5)
    assert daily.tick() and daily.tick() is False and runs == [clock.now]
    # Asleep for three days: one late run, not three.
    clock.now = datetime(2026, 12, 4, 9, 0)
    assert daily.tick() and not daily.tick() and len(runs) == 2
    assert daily.due == datetime(2026, 12, 5, 2, 30)


def test_daily_loop_survives_a_failing_job() -> None:
    clock = Clock(datetime(2026, 12, 1, 2, 29))
    calls = []

    def job() -> None:
        calls.append(clock.now)
        raise InputError("磁盘已满")

    daily = DailyJob(job, "02:30", clock)
    waits = []

    def wait(seconds: float) -> bool:
        waits.append(seconds)
        clock.now += timedelta(seconds=seconds)
        return len(waits) >= 5

    daily.run(wait)
    assert len(calls) == 1 and waits[0] == 60.0


def test_scheduled_job_backs_up_as_the_scheduled_actor(running: Store, tmp_path: Path) -> None:
    clock = Clock(datetime(2026, 12, 1, 2, 0))
    settings = BackupSettings(tmp_path / "bk", "02:30", 2)
    daily = DailyJob(daily_backup_job(running.cursor, lambda: settings), settings.daily_at, clock)
    clock.now = datetime(2026, 12, 1, 2, 31)
    assert daily.tick()
    assert len(kept_backups(tmp_path / "bk")) == 1
    assert [r[0] for r in _audit(running)] == [SCHEDULED_ACTOR]


def test_settings_backup_section(tmp_path: Path) -> None:
    s = load_settings().backup
    assert s.folder == ROOT / "data" / "backups" and s.daily_at == "02:30" and s.keep == 7
    text = (ROOT / "settings.toml").read_text(encoding="utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace('daily_at = "02:30"', 'daily_at = "24:00"'), encoding="utf-8")
    with pytest.raises(ValueError, match="daily_at"):
        load_settings(bad)
    bad.write_text(text.replace("keep = 7", "keep = 0"), encoding="utf-8")
    with pytest.raises(ValueError, match="keep"):
        load_settings(bad)


@pytest.mark.usefixtures("steady_navigation")
def test_admin_backup_button(app_db: Path, seeded: Path, tmp_path: Path, monkeypatch) -> None:
    shutil.copy(seeded, app_db)
    root = tmp_path / "kept"
    settings = tmp_path / "settings.toml"
    settings.write_text((ROOT / "settings.toml").read_text(encoding="utf-8").replace(
        'folder = "data/backups"', f'folder = "{root.as_posix()}"'), encoding="utf-8")
    monkeypatch.setenv("PERF_SETTINGS", str(settings))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state[USER_KEY] = "admin"
    at.session_state[SEEN_KEY] = pd.Timestamp.now().to_pydatetime()
    at.run()
    at.switch_page("pages/admin.py")
    at.run()
    # 管理 shows one section at a time (issue 11 item 9): backups are under 设置.
    at.radio(key="admin_section").set_value("设置").run()
    assert not at.exception, at.exception
    assert "还没有备份。" in [t.value for t in at.text]
    at.button(key="backup_now").click().run()
    assert not at.exception, at.exception
    kept = kept_backups(root)
    assert len(kept) == 1, ([e.value for e in at.error], [e.value for e in at.success], list(root.parent.iterdir()))
    assert any(f"已备份到 {kept[0]}" in s.value.replace("\\", "") for s in at.success)
    shown = [df.value for df in at.dataframe if "备份" in df.value.columns]
    assert shown and shown[0]["备份"].tolist() == [kept[0].name]
