"""Issue 11 item 1: the rules of a lasting sign-in (analytics.sessions) and the cookie route (webcookie.py).

Expiry (idle and absolute, from settings.toml [accounts]), revocation (sign-out, a disabled account,
a new password), the cookie's signature, the handoff code's single use, the secret kept outside the
database, an old database file gaining the table, and backups leaving sessions out.
"""

from __future__ import annotations

import asyncio
import os
import stat
import threading
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from starlette.applications import Starlette

from analytics import accounts, sessions
from analytics.auth import ADMIN, REPORTER
from analytics.backup import backup, restore
from analytics.settings import AccountLimits, load_settings, parse_limits
from analytics.storage import Store

T0 = datetime(2026, 11, 2, 9, 0, 0)
LIMITS = AccountLimits()
UNIT = "南昌市生态环境污染防治中心"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store.open(tmp_path / "perf.duckdb")
    accounts.add_user(s, None, "admin", "Admin-pass-2026", ADMIN)
    accounts.add_user(s, None, "zhang", "Zhang-pass-2026", REPORTER, [UNIT])
    yield s
    s.close()


def test_the_limits_come_from_settings_toml() -> None:
    limits = load_settings().accounts
    assert (limits.session_idle_minutes, limits.session_absolute_hours, limits.handoff_seconds) == (30, 12, 60)
    assert (limits.max_failed, limits.lock_minutes, limits.min_password) == (5, 15, 8)
    changed = parse_limits(AccountLimits, {"session_idle_minutes": 5, "max_failed": 3}, "accounts")
    assert (changed.session_idle_minutes, changed.max_failed) == (5, 3)
    with pytest.raises(ValueError, match=r"accounts\.session_idle_minutes must be a positive number"):
        parse_limits(AccountLimits, {"session_idle_minutes": 0}, "accounts")


def test_the_messages_are_built_from_the_settings() -> None:
    limits = AccountLimits(max_failed=3, lock_minutes=7, min_password=12)
    assert "连续输错 3 次账号将锁定 7 分钟" in accounts.wrong_name_or_password(limits)
    from analytics import auth
    from analytics.model import InputError

    with pytest.raises(InputError, match="密码至少需要 12 个字符"):
        auth.check_password("eleven-char", limits)
    assert auth.locked_until(3, T0, limits) == T0 + timedelta(minutes=7)
    assert auth.locked_until(2, T0, limits) is None


def test_a_session_lasts_until_its_idle_expiry(store: Store) -> None:
    started = sessions.start(store, "zhang", T0, LIMITS)
    idle = timedelta(minutes=LIMITS.session_idle_minutes)
    assert sessions.resume(store, started.session_id, T0 + idle, LIMITS).username == "zhang"
    # That use moved its last use: idle is counted from there.
    assert sessions.resume(store, started.session_id, T0 + 2 * idle, LIMITS).username == "zhang"
    gone = sessions.resume(store, started.session_id, T0 + 3 * idle + timedelta(seconds=1), LIMITS)
    assert gone.username is None
    assert gone.notice == f"登录已超过 {LIMITS.session_idle_minutes} 分钟未操作,请重新登录"


def test_a_session_ends_at_its_absolute_expiry_however_busy(store: Store) -> None:
    started = sessions.start(store, "zhang", T0, LIMITS)
    end = T0 + timedelta(hours=LIMITS.session_absolute_hours)
    at = T0
    while at < end - timedelta(minutes=10):
        at += timedelta(minutes=10)
        assert sessions.resume(store, started.session_id, at, LIMITS).username == "zhang"
    gone = sessions.resume(store, started.session_id, end, LIMITS)
    assert (gone.username, gone.notice) == (None, f"登录已满 {LIMITS.session_absolute_hours} 小时,请重新登录")


def test_last_use_is_written_at_most_every_touch_interval(store: Store) -> None:
    started = sessions.start(store, "zhang", T0, LIMITS)
    sessions.resume(store, started.session_id, T0 + timedelta(seconds=5), LIMITS)
    assert store.get_session(started.session_id)["last_seen_at"] == T0
    later = T0 + sessions.TOUCH_EVERY
    sessions.resume(store, started.session_id, later, LIMITS)
    assert store.get_session(started.session_id)["last_seen_at"] == later


def test_sign_out_revokes_the_session_for_every_tab(store: Store) -> None:
    started = sessions.start(store, "zhang", T0, LIMITS)
    other = sessions.start(store, "zhang", T0, LIMITS)
    sessions.end(store, started.session_id, T0 + timedelta(minutes=1))
    gone = sessions.resume(store, started.session_id, T0 + timedelta(minutes=2), LIMITS)
    assert gone.username is None and gone.notice.startswith("您已退出登录")
    # Another sign-in (another browser) is its own session.
    assert sessions.resume(store, other.session_id, T0 + timedelta(minutes=2), LIMITS).username == "zhang"


@pytest.mark.parametrize("change", [{"active": False}, {"password": "Zhang-reset-2026"}])
def test_disabling_a_user_or_a_new_password_revokes_the_users_sessions(store: Store, change: dict) -> None:
    admin = accounts.current_user(store, "admin")
    mine = [sessions.start(store, "zhang", datetime.now(), LIMITS) for _ in range(2)]
    theirs = sessions.start(store, "admin", datetime.now(), LIMITS)
    accounts.update_user(store, admin, "zhang", **change)
    now = datetime.now()
    assert [sessions.resume(store, s.session_id, now, LIMITS).username for s in mine] == [None, None]
    assert sessions.resume(store, theirs.session_id, now, LIMITS).username == "admin"


def test_a_role_change_keeps_the_session(store: Store) -> None:
    admin = accounts.current_user(store, "admin")
    started = sessions.start(store, "zhang", datetime.now(), LIMITS)
    accounts.update_user(store, admin, "zhang", units=[UNIT, "南昌市环境监控中心"])
    assert sessions.resume(store, started.session_id, datetime.now(), LIMITS).username == "zhang"


def test_the_cookie_signature_is_checked(store: Store) -> None:
    secret = sessions.secret_for(store)
    started = sessions.start(store, "zhang", T0, LIMITS)
    value = sessions.sign(secret, started.session_id)
    assert sessions.verify(secret, value) == started.session_id
    session_id, mac = value.split(".")
    flipped = mac[:-1] + ("0" if mac[-1] != "0" else "1")
    for tampered in (f"{session_id}.{flipped}", f"{session_id}x.{mac}", session_id, f"{value}.x", "", None,
                     f"{session_id}.{mac.upper()}", "ü.ü"):
        assert sessions.verify(secret, tampered) is None, tampered
    # Signed with another database's secret: refused.
    assert sessions.verify(os.urandom(32), value) is None


def test_the_secret_is_a_private_file_beside_the_database_not_in_it(store: Store, tmp_path: Path) -> None:
    secret = sessions.secret_for(store)
    path = sessions.secret_path(tmp_path / "perf.duckdb")
    assert path.read_text(encoding="ascii") == secret.hex()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    dumped = str(store.con.execute("SELECT * FROM sessions").fetchall()) + str(
        store.con.execute("SELECT * FROM app_config").fetchall())
    assert secret.hex() not in dumped
    # The repository ignores it, wherever the database lives.
    assert "*.session-key" in (Path(__file__).resolve().parent.parent / ".gitignore").read_text().split()


def test_a_handoff_code_works_once_and_only_while_fresh(store: Store) -> None:
    started = sessions.start(store, "zhang", T0, LIMITS)
    assert sessions.redeem(store, "not-a-code", T0) is None
    assert sessions.redeem(store, started.handoff_code, T0 + timedelta(seconds=1)) == started.session_id
    assert sessions.redeem(store, started.handoff_code, T0 + timedelta(seconds=2)) is None

    late = sessions.start(store, "zhang", T0, LIMITS)
    too_late = T0 + timedelta(seconds=LIMITS.handoff_seconds, microseconds=1)
    assert sessions.redeem(store, late.handoff_code, too_late) is None

    revoked = sessions.start(store, "zhang", T0, LIMITS)
    sessions.end(store, revoked.session_id, T0)
    assert sessions.redeem(store, revoked.handoff_code, T0) is None
    # The code is stored only as its digest.
    assert started.handoff_code not in str(store.con.execute("SELECT * FROM sessions").fetchall())


def test_a_handoff_code_raced_by_many_requests_gives_one_cookie(store: Store) -> None:
    started = sessions.start(store, "zhang", datetime.now(), LIMITS)
    results: list[str | None] = []
    barrier = threading.Barrier(8)

    def take() -> None:
        cursor = store.cursor()
        barrier.wait()
        results.append(sessions.redeem(cursor, started.handoff_code, datetime.now()))

    threads = [threading.Thread(target=take) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 8
    assert results.count(started.session_id) == 1 and results.count(None) == 7


class _Answer:
    def __init__(self, status: int, headers: list[tuple[bytes, bytes]]):
        self.status_code = status
        self.headers = {k.decode().lower(): v.decode() for k, v in headers}


def _post(app: Starlette, path: str, body: str = "", headers: dict[str, str] | None = None) -> _Answer:
    """One POST through the ASGI interface, as uvicorn makes it (no HTTP client needed)."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
             "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "server": ("127.0.0.1", 8501), "client": ("127.0.0.1", 50000),
             "headers": [(b"host", b"127.0.0.1:8501")] + [(k.encode(), v.encode()) for k, v in (headers or {}).items()]}
    sent: list[dict] = []
    chunks = [{"type": "http.request", "body": body.encode(), "more_body": False}]

    async def receive() -> dict:
        return chunks.pop(0) if chunks else {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    return _Answer(start["status"], start["headers"])


def test_the_route_trades_a_code_for_an_httponly_strict_cookie_once(store: Store) -> None:
    import webcookie

    app = Starlette(routes=[])
    handler = webcookie.handoff_endpoint(lambda: store)
    from starlette.routing import Route

    app.router.routes[0:0] = [Route(webcookie.CLEAR_ROUTE, handler, methods=["POST"]),
                              Route(webcookie.ROUTE, handler, methods=["POST"])]
    started = sessions.start(store, "zhang", datetime.now(), LIMITS)
    same = {"sec-fetch-site": "same-origin"}

    assert _post(app, webcookie.ROUTE, started.handoff_code, {"sec-fetch-site": "cross-site"}).status_code == 403
    assert _post(app, webcookie.ROUTE, started.handoff_code, {"origin": "http://evil.example"}).status_code == 403
    answer = _post(app, webcookie.ROUTE, started.handoff_code, same)
    assert answer.status_code == 204
    cookie = answer.headers["set-cookie"]
    value = cookie.split(";")[0].split("=", 1)[1]
    assert sessions.verify(sessions.secret_for(store), value) == started.session_id
    attributes = {a.strip().lower() for a in cookie.split(";")[1:]}
    assert {"httponly", "samesite=strict", "path=/"} <= attributes
    assert f"max-age={LIMITS.session_absolute_hours * 3600}" in attributes
    # Spent: the same code again gets nothing.
    again = _post(app, webcookie.ROUTE, started.handoff_code, same)
    assert again.status_code == 403 and "set-cookie" not in again.headers
    # Sign-out's request drops the cookie.
    cleared = _post(app, webcookie.CLEAR_ROUTE, "", same)
    assert cleared.status_code == 204 and "max-age=0" in cleared.headers["set-cookie"].lower()
    assert asyncio.iscoroutinefunction(handler)


def test_an_old_database_file_gains_the_sessions_table(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    Store.open(path).close()
    con = duckdb.connect(str(path))
    con.execute("DROP TABLE sessions")
    con.close()
    store = Store.open(path)
    try:
        assert store.get_session("x") is None
        sessions.start(store, "anyone", T0, LIMITS)
        assert store.table_counts()["sessions"] == 1
    finally:
        store.close()


def test_backups_leave_sessions_out_and_a_restore_starts_signed_out(store: Store, tmp_path: Path) -> None:
    started = sessions.start(store, "zhang", datetime.now(), LIMITS)
    manifest = backup(store, tmp_path / "bk")
    assert "sessions" not in manifest.read_text(encoding="utf-8")
    assert not (tmp_path / "bk" / "sessions.parquet").exists()
    restored = Store.open(tmp_path / "restored.duckdb")
    try:
        loaded = restore(restored, tmp_path / "bk")
        assert "sessions" not in loaded and loaded["users"] == 2
        assert restored.get_session(started.session_id) is None
        # The restored database has its own secret: the old cookie is not even signed right.
        old_cookie = sessions.sign(sessions.secret_for(store), started.session_id)
        assert sessions.verify(sessions.secret_for(restored), old_cookie) is None
    finally:
        restored.close()
