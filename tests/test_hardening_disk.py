"""Issue 10, item 3: a full disk is not a dead server.

The database lives on a disk that a test fills and frees again: a small tmpfs where this machine
lets root mount one, and in every case the same tests with the operating system's file-size limit
(RLIMIT_FSIZE, "File too large") as the injected fault. Two things go wrong on a full disk:

* a COMMIT cannot write the write-ahead log: DuckDB refuses it and the connection stays usable;
* a checkpoint cannot write the database file: DuckDB stops the open database for good (every
  later statement fails) although the file is intact; the process must open it again.

Each is explained in Chinese, leaves no trace of the refused operation, and the next operation
after space is freed succeeds in the same process.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analytics import accounts, auth, services
from analytics.auth import SignInFailed
from analytics.backup import backup, kept_backups, online_backup, restore
from analytics.connection import Database
from analytics.storage import DatabaseStopped, DiskFull, Store
from tests.conftest import ROOT
from tests.fixtures import copy_db
from tests.test_reporting_pages import APP, USERS, button, errors, open_page, sign_in, successes, upload

# Fixtures, which pytest finds by these names: the seed with five users; steady AppTest navigation.
from tests.test_reporting_pages import prepared_db as prepared_db
from tests.test_reporting_pages import steady_navigation as steady_navigation
from tests.test_tables_kinds import SELFEVAL

SEED = ROOT / "data" / "000_8af13639028b6537.txt"
DISK_BYTES = 24 << 20


def _can_mount() -> bool:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    probe = Path(f"/tmp/perf-mount-probe-{uuid.uuid4().hex}")
    probe.mkdir()
    try:
        ok = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(probe)],
                            capture_output=True).returncode == 0
        if ok:
            subprocess.run(["umount", str(probe)], check=True)
        return ok
    finally:
        probe.rmdir()


KINDS = ["tmpfs", "file-size limit"] if _can_mount() else ["file-size limit"]


class Disk:
    """A folder whose disk a test can fill (``fill``) and free (``free``) while a process uses it.

    tmpfs: a filler file takes all the space but ``leave`` bytes. File-size limit: the process (and
    the commands started through :meth:`run`) may not make any file larger than the largest
    database file now is, plus ``leave``: the write-ahead log cannot grow, nor the file past its end.
    """

    def __init__(self, root: Path, kind: str) -> None:
        self.root, self.kind = root, kind
        self.limit: int | None = None
        self._saved = resource.getrlimit(resource.RLIMIT_FSIZE)

    def fill(self, leave: int = 0) -> None:
        if self.kind == "tmpfs":
            filler = self.root / "filler"
            with filler.open("wb", buffering=0) as f:
                try:
                    while True:
                        f.write(b"\0" * 65536)
                except OSError:
                    pass
            os.truncate(filler, max(0, filler.stat().st_size - leave))
            return
        wal = [p.stat().st_size for p in self.root.glob("*.wal")]
        self.limit = (max(wal) if wal else 0) + leave
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (self.limit, self._saved[1]))

    def free(self) -> None:
        (self.root / "filler").unlink(missing_ok=True)
        resource.setrlimit(resource.RLIMIT_FSIZE, self._saved)
        self.limit = None

    def run(self, *args: str) -> subprocess.CompletedProcess:
        limit = self.limit

        def limited() -> None:
            if limit is not None:
                signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
                resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

        # The limit is given to the command alone, so that starting Python is not refused.
        saved = resource.getrlimit(resource.RLIMIT_FSIZE)
        resource.setrlimit(resource.RLIMIT_FSIZE, self._saved)
        try:
            return subprocess.run([sys.executable, "-m", "analytics", *args], cwd=ROOT, capture_output=True,
                                  text=True, timeout=120, preexec_fn=limited)
        finally:
            resource.setrlimit(resource.RLIMIT_FSIZE, saved)


@pytest.fixture(params=KINDS)
def disk(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Disk]:
    root = tmp_path / "disk"
    root.mkdir()
    if request.param == "tmpfs":
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DISK_BYTES}", "tmpfs", str(root)], check=True)
    d = Disk(root, request.param)
    try:
        yield d
    finally:
        d.free()
        if request.param == "tmpfs":
            subprocess.run(["umount", "-l", str(root)], check=True)


def _seeded(disk: Disk, prepared: Path) -> Path:
    return copy_db(prepared, disk.root / "perf.duckdb")


@pytest.fixture
def changed(tmp_path: Path) -> Path:
    """The seed with one target changed, so importing it adds a version (written before any disk fills)."""
    out = tmp_path / "changed.txt"
    out.write_text(SEED.read_text(encoding="utf-8").replace("≥95%", "≥96%", 1), encoding="utf-8")
    return out


def _counts(store: Store) -> dict[str, int]:
    return store.table_counts()


def _stop_at_next_checkpoint(store: Store) -> None:
    # Every commit now checkpoints, as a long-running dashboard does once its log passes 16 MiB.
    store.con.execute("SET checkpoint_threshold = '1KB'")


# -- the store and the services ------------------------------------------------------------------
def test_a_full_disk_refuses_an_import_in_chinese_and_the_next_import_succeeds_once_space_is_freed(
        disk: Disk, prepared_db: Path, changed: Path) -> None:
    database = Database(_seeded(disk, prepared_db))
    store = database.store()
    before = _counts(store)
    disk.fill()
    with pytest.raises(DiskFull) as refused:
        services.import_file(store, changed, imported_by="王")
    assert "磁盘空间不足" in str(refused.value) and "没有保存" in str(refused.value)
    assert _counts(store) == before
    disk.free()
    result = services.import_file(database.store(), changed, imported_by="王")
    assert result.versions_new == 1
    assert database.openings == 1  # the same connection: nothing had to be reopened
    after = _counts(database.store())
    assert after["imports"] == before["imports"] + 1 and after["target_versions"] == before["target_versions"] + 1
    database.close()
    reopened = Store.open(database.path, read_only=True)
    try:
        assert _counts(reopened) == after
    finally:
        reopened.close()


def test_a_checkpoint_on_a_full_disk_stops_the_database_and_the_next_use_opens_it_again(
        disk: Disk, prepared_db: Path, changed: Path) -> None:
    database = Database(_seeded(disk, prepared_db))
    store = database.store()
    before = _counts(store)
    _stop_at_next_checkpoint(store)
    disk.fill(leave=64 << 10)
    with pytest.raises(DatabaseStopped) as stopped:
        services.import_file(store, changed, imported_by="王")
    said = str(stopped.value)
    assert "磁盘空间不足" in said and "暂停使用" in said and "不会丢失" in said and "刷新本页" in said
    assert database.stopped is not None
    # Every cursor of the stopped connection says the same, in Chinese, instead of DuckDB's FATAL.
    with pytest.raises(DatabaseStopped), store.transaction():
        pass
    disk.free()
    fresh = database.store()
    assert database.openings == 2 and database.stopped is None
    kept = _counts(fresh)
    # Saved or not, as the message said, and nothing else changed.
    saved = 1 if stopped.value.saved else 0
    assert kept["imports"] == before["imports"] + saved
    assert kept["target_versions"] == before["target_versions"] + saved
    assert kept["audit_log"] == before["audit_log"] + saved
    services.import_file(fresh, changed, imported_by="王")
    assert _counts(database.store())["audit_log"] == kept["audit_log"] + 1
    database.close()


def test_sign_in_is_refused_while_attempts_cannot_be_counted_and_counted_again_once_space_is_back(
        disk: Disk, prepared_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    database = Database(_seeded(disk, prepared_db))
    store = database.store()
    checked: list[str] = []
    real = auth.password_matches
    monkeypatch.setattr(auth, "password_matches", lambda h, p: checked.append(p) or real(h, p))
    name, password = "zhang", USERS["zhang"][0]
    before = store.get_user(name)["failed_count"]
    disk.fill()
    answers = set()
    for who, guess in ((name, "wrong-guess-1"), (name, password), ("nobody-here", "wrong-guess-2")):
        with pytest.raises(SignInFailed) as refused:
            accounts.sign_in(store, who, guess)
        answers.add(str(refused.value))
    # One answer for every name, and no password was checked while the attempt could not be counted.
    assert answers == {accounts.sign_in_unavailable()}
    assert checked == []
    assert store.get_user(name)["failed_count"] == before
    disk.free()
    with pytest.raises(SignInFailed, match="用户名或密码错误"):
        accounts.sign_in(database.store(), name, "wrong-guess-3")
    assert database.store().get_user(name)["failed_count"] == before + 1
    assert accounts.sign_in(database.store(), name, password).username == name
    database.close()


def test_an_online_backup_into_a_full_folder_is_refused_in_chinese_and_leaves_no_half_backup(
        disk: Disk, prepared_db: Path, tmp_path: Path) -> None:
    # The database is elsewhere; the backup folder is on the full disk.
    db = tmp_path / "perf.duckdb"
    shutil.copy(prepared_db, db)
    store = Store.open(db)
    try:
        before = _counts(store)
        disk.fill()
        with pytest.raises(Exception) as refused:
            online_backup(store, disk.root / "backups", 3, "admin")
        said = str(refused.value)
        assert "磁盘空间不足" in said and "备份没有完成" in said
        assert kept_backups(disk.root / "backups") == []
        assert not any((disk.root / "backups").glob("*/*.parquet"))
        assert _counts(store) == before
        disk.free()
        folder = online_backup(store, disk.root / "backups", 3, "admin")
        assert kept_backups(disk.root / "backups") == [folder]
    finally:
        store.close()


# -- the command line ----------------------------------------------------------------------------------
def test_the_command_line_import_and_backup_on_a_full_disk_answer_in_chinese_without_a_traceback(
        disk: Disk, prepared_db: Path, tmp_path: Path, changed: Path) -> None:
    db = _seeded(disk, prepared_db)
    disk.fill()
    r = disk.run("import", str(changed), "--db", str(db))
    said = r.stdout + r.stderr
    assert r.returncode != 0 and "Traceback" not in said, said
    assert "磁盘空间不足" in said and "没有保存" in said
    r = disk.run("actuals", str(ROOT / "data" / "samples" / "actuals_2026.xlsx"), "--db", str(db))
    said = r.stdout + r.stderr
    assert r.returncode != 0 and "Traceback" not in said and "磁盘空间不足" in said, said
    r = disk.run("backup", "--out", str(disk.root / "bk"), "--db", str(db))
    said = r.stdout + r.stderr
    assert r.returncode != 0 and "Traceback" not in said, said
    assert "磁盘空间不足" in said and "备份没有完成" in said
    assert not (disk.root / "bk").exists()
    disk.free()
    r = disk.run("import", str(changed), "--db", str(db))
    assert r.returncode == 0, r.stdout + r.stderr
    r = disk.run("backup", "--out", str(tmp_path / "bk"), "--db", str(db))
    assert r.returncode == 0, r.stdout + r.stderr
    # The backup of the database that met the full disk restores with the import in it.
    restored = Store.open(tmp_path / "restored.duckdb")
    try:
        restore(restored, tmp_path / "bk")
        kept = Store.open(db, read_only=True)
        try:
            assert _counts(restored) == _counts(kept)
        finally:
            kept.close()
    finally:
        restored.close()


# -- the dashboard ---------------------------------------------------------------------------------------
@pytest.fixture
def app_disk(disk: Disk, prepared_db: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Disk]:
    import streamlit as st

    monkeypatch.setenv("PERF_DB", str(_seeded(disk, prepared_db)))
    st.cache_resource.clear()
    st.cache_data.clear()
    yield disk
    from pages.common import database

    database().close()
    st.cache_resource.clear()
    st.cache_data.clear()


def _admin_import_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    at = open_page(sign_in(at, "admin"), "pages/admin.py", "管理")
    # 管理 shows one section at a time (issue 11 item 9): the import is under 目标表.
    return at.radio(key="admin_section").set_value("目标表").run()


def test_the_dashboard_on_a_full_disk_explains_a_refused_import_and_imports_once_space_is_freed(
        app_disk: Disk) -> None:
    from pages.common import database

    at = _admin_import_page()
    app_disk.fill()
    upload(at, SELFEVAL.encode("utf-8"), "自评表.txt")
    button(at, "导入").click()
    at.run()
    assert not at.exception, at.exception
    (said,) = errors(at)
    assert "磁盘空间不足" in said and "没有保存" in said
    app_disk.free()
    button(at, "导入").click()
    at.run()
    assert not at.exception, at.exception
    assert successes(at) == ["已导入 1 张表:绩效自评表。"]
    assert database().openings == 1


def test_the_dashboard_after_a_stopping_checkpoint_says_so_and_the_next_run_opens_the_database_again(
        app_disk: Disk, changed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pages.common import database

    at = _admin_import_page()
    imported = services.import_upload

    def import_after_a_checkpoint(store: Store, *args: object, **kwargs: object) -> object:
        # When DuckDB checkpoints on its own is its choice (not while other cursors are busy), so the
        # checkpoint that meets the full disk is run here, in the middle of the page's run.
        store.con.execute("CHECKPOINT")
        return imported(store, *args, **kwargs)

    monkeypatch.setattr(services, "import_upload", import_after_a_checkpoint)
    app_disk.fill()
    upload(at, changed.read_bytes(), "目标表.txt")
    button(at, "导入").click()
    at.run()
    assert not at.exception, at.exception
    (said,) = errors(at)
    assert "磁盘空间不足" in said and "暂停使用" in said and "不会丢失" in said and "刷新本页" in said
    assert database().stopped is not None
    monkeypatch.setattr(services, "import_upload", imported)
    app_disk.free()
    at.run()
    assert not at.exception, at.exception
    assert database().openings == 2 and database().stopped is None
    assert [t.value for t in at.title] == ["管理"]
    # Still signed in, and the import goes through on the database opened again.
    upload(at, changed.read_bytes(), "目标表.txt")
    button(at, "导入").click()
    at.run()
    assert not at.exception, at.exception
    assert successes(at) == ["已导入 4 张表:绩效目标表。"]


def test_signing_in_to_the_dashboard_on_a_full_disk_is_refused_in_chinese(app_disk: Disk) -> None:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    app_disk.fill()
    at.sidebar.text_input(key="login_user").input("admin")
    at.sidebar.text_input(key="login_password").input(USERS["admin"][0])
    (submit,) = [b for b in at.sidebar.button if b.label == "登录"]
    submit.click()
    at.run()
    assert not at.exception, at.exception
    assert [e.value for e in at.sidebar.error] == [accounts.sign_in_unavailable()]
    app_disk.free()
    sign_in(at, "admin")
    assert any(c.value.startswith("已登录:") for c in at.sidebar.caption)


def test_backup_of_the_seeded_file_still_restores_after_a_full_disk(disk: Disk, prepared_db: Path,
                                                                    tmp_path: Path, changed: Path) -> None:
    # What a full disk left behind is a database file that backs up and restores whole.
    database = Database(_seeded(disk, prepared_db))
    store = database.store()
    disk.fill()
    with pytest.raises(DiskFull):
        services.import_file(store, changed, imported_by="王")
    disk.free()
    backup(database.store(), tmp_path / "bk")
    restored = Store.open(tmp_path / "restored.duckdb")
    try:
        restore(restored, tmp_path / "bk")
        assert _counts(restored) == _counts(database.store())
    finally:
        restored.close()
        database.close()


def test_no_page_leaves_a_transaction_open_so_the_log_can_still_be_checkpointed(app_disk: Disk) -> None:
    # A result read with fetchone() stays open, and with it its transaction: one on the process's
    # long-lived connection blocked every checkpoint, so the log grew for as long as the app ran.
    from pages.common import database

    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    sign_in(at, "admin")
    for page in ("overview", "funding", "indicators", "timeline", "review", "targets", "report", "history",
                 "admin", "audit"):
        at.switch_page(f"pages/{page}.py")
        at.run()
        assert not at.exception, (page, at.exception)
        database().store().con.execute("CHECKPOINT")
