"""Issue 10, items 1 and 11: sign-in that cannot be out-guessed in parallel, names that cannot be
enumerated or impersonated, passwords of spaces, and caches only an administrator may flush."""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from analytics import accounts, auth
from analytics.auth import ADMIN, REPORTER, VIEWER, SignInFailed
from analytics.model import InputError
from analytics.settings import load_settings
from analytics.storage import Store

LIMITS = load_settings().accounts

ROOT = Path(__file__).resolve().parent.parent
UNIT = "南昌市生态环境污染防治中心"
PASSWORDS = {"admin": "Admin-pass-2026", "zhang": "Zhang-pass-2026"}
T0 = datetime(2026, 11, 2, 9, 0, 0)


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hardening_accounts") / "prepared.duckdb"
    store = Store.open(path)
    try:
        accounts.add_user(store, None, "admin", PASSWORDS["admin"], ADMIN, display_name="管理员")
        accounts.add_user(store, None, "zhang", PASSWORDS["zhang"], REPORTER, [UNIT], "张填报")
        store.con.execute("CHECKPOINT")
    finally:
        store.close()
    return path


@pytest.fixture
def store(prepared: Path, tmp_path: Path) -> Iterator[Store]:
    path = tmp_path / "accounts.duckdb"
    shutil.copy(prepared, path)
    s = Store.open(path)
    yield s
    s.close()


def refused(store: Store, name: str, password: str, now: datetime | None = None) -> str:
    with pytest.raises(SignInFailed) as info:
        accounts.sign_in(store, name, password, now=now)
    return str(info.value)


class CountingChecks:
    """Wraps auth.password_matches to count, across threads, how many wrong passwords were hashed."""

    def __init__(self, right: str) -> None:
        self.right = right
        self.wrong = 0
        self.all = 0
        self._lock = threading.Lock()
        self._real = auth.password_matches

    def __call__(self, stored_hash: str, password: str) -> bool:
        with self._lock:
            self.all += 1
            self.wrong += password != self.right
        return self._real(stored_hash, password)


# -- item 1: parallel guessing --------------------------------------------------------------------------------------


def test_thirty_parallel_sign_ins_check_at_most_max_failed_wrong_passwords(store: Store,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    checks = CountingChecks(PASSWORDS["zhang"])
    monkeypatch.setattr(auth, "password_matches", checks)
    attempts = [f"wrong-guess-{i:02d}" for i in range(29)] + [PASSWORDS["zhang"]]
    barrier = threading.Barrier(len(attempts))
    outcomes: list[str | None] = [None] * len(attempts)
    wrong_answered = threading.Semaphore(0)

    def attempt(i: int, password: str) -> None:
        cursor = store.cursor()
        barrier.wait()
        if password == PASSWORDS["zhang"]:
            # The right password comes last: after the 29 wrong ones, which all arrived at once.
            for _ in range(len(attempts) - 1):
                wrong_answered.acquire()
        try:
            accounts.sign_in(cursor, "zhang", password)
            outcomes[i] = "signed in"
        except SignInFailed as e:
            outcomes[i] = str(e)
        finally:
            wrong_answered.release()

    threads = [threading.Thread(target=attempt, args=(i, p)) for i, p in enumerate(attempts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert checks.wrong <= LIMITS.max_failed
    assert "signed in" not in outcomes
    assert outcomes[-1].startswith("连续输错密码次数过多,账号已锁定至")
    assert store.get_user("zhang")["failed_count"] == LIMITS.max_failed
    wrong_logged = store.con.execute(
        "SELECT count(*) FROM audit_log WHERE action = '登录失败' AND detail = '密码错误'").fetchone()[0]
    assert wrong_logged == checks.wrong
    # After the lock, the right password is still refused, and without being checked.
    before = checks.all
    assert refused(store, "zhang", PASSWORDS["zhang"]).startswith("连续输错密码次数过多")
    assert checks.all == before


def test_a_right_password_gives_back_the_reserved_attempt(store: Store) -> None:
    for i in range(LIMITS.max_failed - 1):
        refused(store, "zhang", "wrong-password", T0 + timedelta(seconds=i))
    accounts.sign_in(store, "zhang", PASSWORDS["zhang"], now=T0 + timedelta(seconds=10))
    row = store.get_user("zhang")
    assert (row["failed_count"], row["last_failed_at"]) == (0, None)


# -- item 11: the same answer for unknown and real names ------------------------------------------------------------


def test_unknown_name_and_wrong_password_get_the_same_answer(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    answers = {refused(store, "zhang", "wrong-password", T0 + timedelta(seconds=i))
               for i in range(LIMITS.max_failed - 1)}
    answers |= {refused(store, "nobody", "wrong-password", T0 + timedelta(seconds=i)) for i in range(LIMITS.max_failed)}
    answers.add(refused(store, "", "wrong-password", T0))
    assert answers == {accounts.wrong_name_or_password()}
    assert "再错" not in accounts.wrong_name_or_password()
    # An unknown name costs a password check too, so the answer's delay does not tell the names apart.
    checks = CountingChecks("never")
    monkeypatch.setattr(auth, "password_matches", checks)
    refused(store, "somebody-else", "wrong-password", T0)
    assert checks.all == 1


def test_an_unknown_name_is_locked_like_a_real_one(store: Store) -> None:
    """Five guesses then a sixth: a real account's lock would tell it apart from an unknown name."""
    times = [T0 + timedelta(seconds=i) for i in range(7)] + [T0 + timedelta(minutes=LIMITS.lock_minutes, seconds=5)]
    times += [times[-1] + timedelta(seconds=i) for i in range(1, 6)]

    def answers(name: str) -> list[str]:
        return [refused(store, name, "wrong-password", at) for at in times]

    real, unknown = answers("zhang"), answers("nobody")
    assert real == unknown
    assert real[LIMITS.max_failed].startswith("连续输错密码次数过多,账号已锁定至")
    assert real[-1].startswith("连续输错密码次数过多,账号已锁定至")
    assert real[LIMITS.max_failed + 2] == accounts.wrong_name_or_password()


# -- item 11: names that look like another account or the system ----------------------------------------------------


def audit_actors() -> set[str]:
    """Every literal actor name the code writes into the audit log (``Audit("…"`` or a default)."""
    found: set[str] = set()
    for path in (ROOT / "analytics").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        found |= set(re.findall(r'Audit\(\s*(?:[\w.]+ (?:if [\w.]+ else|or) )?"([^"]+)"', text))
        found |= set(re.findall(r'imported_by="([^"]+)"', text))
        found |= set(re.findall(r'reporter="([^"]+)"', text))
    return found


def test_the_code_writes_system_actors_that_the_test_knows() -> None:
    assert {"命令行", "系统初始化"} <= audit_actors()


LOOKALIKES = ["ａｄｍｉｎ", "admin\u200b", "ad\u200dmin", "\u202eadmin", "ADMIN", "Admin", "ＺＨＡＮＧ", "zhang\u00ad",
              "命令行", "系统初始化", "命令行\u200b", "ｓｙｓ\u3000", "admin\x07"]


@pytest.mark.parametrize("name", LOOKALIKES + sorted(
    (audit_actors() | set(load_settings().accounts.reserved_usernames)) - set(LOOKALIKES)))
def test_lookalike_and_system_names_are_refused_at_creation(store: Store, name: str) -> None:
    admin = accounts.current_user(store, "admin")
    counts = store.table_counts()
    with pytest.raises(InputError) as info:
        accounts.add_user(store, admin, name, "Good-pass-2026", VIEWER)
    assert re.search(r"[\u4e00-\u9fff]", str(info.value))
    assert store.table_counts() == counts


def test_lookalike_of_an_account_is_refused_even_when_typed_plainly(store: Store) -> None:
    admin = accounts.current_user(store, "admin")
    with pytest.raises(InputError, match="与已有用户名“admin”视为同一个名字"):
        accounts.add_user(store, admin, "ADMIN", "Good-pass-2026", VIEWER)
    with pytest.raises(InputError, match="请改用“admin”"):
        accounts.add_user(store, admin, "ａｄｍｉｎ", "Good-pass-2026", VIEWER)
    with pytest.raises(InputError, match="不可见字符"):
        accounts.add_user(store, admin, "admin\u200b", "Good-pass-2026", VIEWER)
    with pytest.raises(InputError, match="系统保留"):
        accounts.add_user(store, admin, "命令行", "Good-pass-2026", VIEWER)


def test_ordinary_names_are_still_accepted(store: Store) -> None:
    admin = accounts.current_user(store, "admin")
    for name in ("李四", "li.si", "wang_wu-2", "赵 六"):
        accounts.add_user(store, admin, name, "Good-pass-2026", VIEWER)
        assert accounts.sign_in(store, name, "Good-pass-2026").username == name


def test_names_and_display_names_longer_than_the_limit_are_refused(store: Store) -> None:
    admin = accounts.current_user(store, "admin")
    limit = load_settings().accounts
    with pytest.raises(InputError, match=f"用户名最多 {limit.username_max_chars} 个字符"):
        accounts.add_user(store, admin, "a" * (limit.username_max_chars + 1), "Good-pass-2026", VIEWER)
    with pytest.raises(InputError, match=f"显示名称最多 {limit.display_name_max_chars} 个字符"):
        accounts.add_user(store, admin, "li", "Good-pass-2026", VIEWER, display_name="名" * 65)
    accounts.add_user(store, admin, "a" * limit.username_max_chars, "Good-pass-2026", VIEWER)


def test_a_huge_name_at_sign_in_is_refused_and_logged_shortened(store: Store) -> None:
    limit = load_settings().accounts.username_max_chars
    assert refused(store, "x" * 20_000_000, "wrong-password") == accounts.wrong_name_or_password()
    (logged,) = store.con.execute("SELECT username FROM audit_log WHERE action = '登录失败'").fetchone()
    assert logged.startswith("x" * limit) and len(logged) < limit + 30


# -- item 11: passwords ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("password", [" " * 8, " " * 20, "\u3000" * 8, "\t \n" * 3])
def test_a_password_of_only_spaces_is_refused(store: Store, password: str) -> None:
    admin = accounts.current_user(store, "admin")
    counts = store.table_counts()
    with pytest.raises(InputError, match="密码不能只由空格组成"):
        accounts.add_user(store, admin, "li", password, VIEWER)
    with pytest.raises(InputError, match="密码不能只由空格组成"):
        accounts.update_user(store, admin, "zhang", password=password)
    assert store.table_counts() == counts
    assert accounts.sign_in(store, "zhang", PASSWORDS["zhang"]).username == "zhang"


def test_a_password_longer_than_the_limit_is_refused(store: Store) -> None:
    limit = load_settings().accounts.password_max_chars
    admin = accounts.current_user(store, "admin")
    with pytest.raises(InputError, match=f"密码最多 {limit} 个字符"):
        accounts.add_user(store, admin, "li", "p" * (limit + 1), VIEWER)


# -- item 11: anonymous visitors cannot flush the server's caches ---------------------------------------------------


def test_only_a_signed_in_administrator_may_clear_caches(store: Store) -> None:
    assert accounts.may_clear_caches(store, "admin")
    assert not accounts.may_clear_caches(store, "zhang")
    assert not accounts.may_clear_caches(store, None)
    assert not accounts.may_clear_caches(store, "nobody")


@pytest.fixture
def app_with_users(app_db: Path, prepared: Path) -> Path:
    shutil.copy(prepared, app_db)
    return app_db


def test_a_clear_cache_message_from_a_visitor_flushes_nothing(app_with_users: Path) -> None:
    from streamlit.runtime.app_session import AppSession
    from streamlit.runtime.state.safe_session_state import SafeSessionState
    from streamlit.runtime.state.session_state import SessionState

    from pages import common

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    runs = []

    @st.cache_data
    def computed(x: int) -> int:
        runs.append(x)
        return x

    computed(1)
    shared = common.database()

    def send_clear_cache(values: dict) -> None:
        # What AppSession.handle_backmsg does with a BackMsg of type clear_cache from that browser.
        state = SafeSessionState(SessionState(), lambda: None)
        for key, value in values.items():
            state[key] = value
        AppSession._handle_clear_cache_request(SimpleNamespace(_session_state=state))

    send_clear_cache({})
    send_clear_cache({common.USER_KEY: "zhang", common.SEEN_KEY: datetime.now()})
    send_clear_cache({common.USER_KEY: "admin", common.SEEN_KEY: datetime.now() - timedelta(hours=2)})
    computed(1)
    assert runs == [1]
    assert common.database() is shared
    # The app keeps working for everyone.
    at.run()
    assert not at.exception
    # A signed-in administrator may refresh the computed views; the open database stays.
    send_clear_cache({common.USER_KEY: "admin", common.SEEN_KEY: datetime.now()})
    computed(1)
    assert runs == [1, 1]
    assert common.database() is shared and shared.openings == 1
    at.run()
    assert not at.exception
