"""Accounts and sign-in (analytics.accounts, analytics.auth) on the store, without Streamlit.

Passwords are stored only as argon2 hashes; failed sign-ins lock an account for a while; disabled accounts and
idle sessions are refused; every attempt is in the audit log; only an administrator manages users, settings
and targets, and an administrator cannot demote or disable themselves.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from analytics import accounts, auth, services
from analytics.auth import ADMIN, REPORTER, VIEWER, PermissionDenied, SignInFailed, User
from analytics.model import InputError
from analytics.settings import load_settings
from analytics.storage import Store

LIMITS = load_settings().accounts

UNIT = "南昌市生态环境污染防治中心"
P1 = "生态环保行业管理_机动车污染防治项目"
PASSWORDS = {"admin": "Admin-pass-2026", "zhang": "Zhang-pass-2026", "zhao": "Zhao-pass-2026"}
T0 = datetime(2026, 11, 2, 9, 0, 0)
SEED = Path(__file__).resolve().parent.parent / "data" / "000_8af13639028b6537.txt"


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Seed targets and three users, built once; every test works on a copy."""
    path = tmp_path_factory.mktemp("accounts") / "prepared.duckdb"
    store = Store.open(path)
    try:
        services.load_seed_if_empty(store)
        accounts.add_user(store, None, "admin", PASSWORDS["admin"], ADMIN, display_name="管理员")
        accounts.add_user(store, None, "zhang", PASSWORDS["zhang"], REPORTER, [UNIT], "张填报")
        accounts.add_user(store, None, "zhao", PASSWORDS["zhao"], VIEWER, display_name="赵查看")
    finally:
        store.close()
    return path


@pytest.fixture
def store(prepared: Path, tmp_path: Path) -> Iterator[Store]:
    path = tmp_path / "accounts.duckdb"
    shutil.copy(prepared, path)
    wal = prepared.with_name(prepared.name + ".wal")
    if wal.exists():
        shutil.copy(wal, path.with_name(path.name + ".wal"))
    s = Store.open(path)
    yield s
    s.close()


@pytest.fixture
def empty_store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(tmp_path / "empty.duckdb")
    yield s
    s.close()


def who(store: Store, name: str) -> User:
    found = accounts.current_user(store, name)
    assert found is not None
    return found


def refused(store: Store, name: str, password: str, now: datetime) -> str:
    with pytest.raises(SignInFailed) as info:
        accounts.sign_in(store, name, password, now=now)
    return str(info.value)


def sign_in_log(store: Store) -> list[tuple]:
    return store.con.execute(
        "SELECT occurred_at, username, action, detail FROM audit_log WHERE action IN ('登录', '登录失败') "
        "ORDER BY audit_id"
    ).fetchall()


def every_cell(store: Store) -> list[str]:
    cells = []
    for table in store.table_counts():
        for row in store.con.execute(f'SELECT * FROM "{table}"').fetchall():
            cells += [str(v) for v in row if v is not None]
    return cells


# -- passwords ----------------------------------------------------------------------------------------------------


def test_passwords_are_stored_only_as_argon2_hashes(store: Store) -> None:
    admin = who(store, "admin")
    accounts.add_user(store, admin, "li", "Li-secret-pass-1", REPORTER, [UNIT], "李填报")
    accounts.update_user(store, admin, "zhang", password="Zhang-new-pass-9")
    store.con.execute("CHECKPOINT")

    rows = store.con.execute("SELECT username, password_hash FROM users ORDER BY username").fetchall()
    assert [r[0] for r in rows] == ["admin", "li", "zhang", "zhao"]
    hasher = PasswordHasher()
    plain = {"admin": PASSWORDS["admin"], "li": "Li-secret-pass-1", "zhang": "Zhang-new-pass-9",
             "zhao": PASSWORDS["zhao"]}
    for name, stored in rows:
        assert stored.startswith("$argon2"), name
        assert hasher.verify(stored, plain[name])
        assert plain[name] not in stored
    # No password, old or new, anywhere in any table (the audit log included), nor in the file's bytes.
    secrets = [*plain.values(), PASSWORDS["zhang"]]
    cells = every_cell(store)
    for secret in secrets:
        assert not any(secret in c for c in cells), secret
    raw = store.path.read_bytes()
    for secret in secrets:
        assert secret.encode() not in raw
    # Two users with the same password still get different hashes (salted).
    accounts.add_user(store, admin, "twin", "Li-secret-pass-1", VIEWER)
    assert store.get_user("twin")["password_hash"] != store.get_user("li")["password_hash"]


def test_a_password_shorter_than_the_minimum_is_refused_and_nothing_written(store: Store) -> None:
    admin = who(store, "admin")
    counts = store.table_counts()
    short = "x" * (LIMITS.min_password - 1)
    with pytest.raises(InputError, match=f"密码至少需要 {LIMITS.min_password} 个字符"):
        accounts.add_user(store, admin, "short", short, VIEWER)
    old_hash = store.get_user("zhang")["password_hash"]
    with pytest.raises(InputError, match=f"密码至少需要 {LIMITS.min_password} 个字符"):
        accounts.update_user(store, admin, "zhang", password=short)
    assert store.table_counts() == counts
    assert store.get_user("zhang")["password_hash"] == old_hash


def test_a_new_password_replaces_the_old_one(store: Store) -> None:
    accounts.update_user(store, who(store, "admin"), "zhang", password="Zhang-new-pass-9")
    assert refused(store, "zhang", PASSWORDS["zhang"], T0).startswith("用户名或密码错误")
    assert accounts.sign_in(store, "zhang", "Zhang-new-pass-9", now=T0).username == "zhang"


# -- signing in -----------------------------------------------------------------------------------------------------


def test_sign_in_success_and_failure_messages(store: Store) -> None:
    user = accounts.sign_in(store, " zhang ", PASSWORDS["zhang"], now=T0)  # spaces around the name are ignored
    assert user == User("zhang", "张填报", REPORTER, (UNIT,))
    # An unknown name gets the same words as a wrong password (no hint which one was wrong, nor how
    # many tries a real account has left).
    wrong = accounts.wrong_name_or_password()
    assert wrong == "用户名或密码错误。连续输错 5 次账号将锁定 15 分钟;忘记密码请联系管理员重设"
    assert refused(store, "zhang", "wrong-password", T0) == wrong
    assert refused(store, "zhang", "", T0) == wrong
    assert refused(store, "nobody", PASSWORDS["zhang"], T0) == wrong
    assert refused(store, "", "whatever", T0) == wrong
    assert refused(store, "ZHANG", PASSWORDS["zhang"], T0) == wrong  # names are case-sensitive
    assert isinstance(SignInFailed("x"), InputError)


def test_every_sign_in_and_failed_sign_in_is_in_the_audit_log(store: Store) -> None:
    assert sign_in_log(store) == []
    accounts.sign_in(store, "admin", PASSWORDS["admin"], now=T0)
    refused(store, "zhang", "wrong-password", T0 + timedelta(seconds=1))
    refused(store, "nobody", "wrong-password", T0 + timedelta(seconds=2))
    refused(store, "  ", "wrong-password", T0 + timedelta(seconds=3))
    accounts.sign_in(store, "zhang", PASSWORDS["zhang"], now=T0 + timedelta(seconds=4))
    accounts.update_user(store, who(store, "admin"), "zhao", active=False)
    refused(store, "zhao", PASSWORDS["zhao"], T0 + timedelta(seconds=5))
    assert sign_in_log(store) == [
        (T0, "admin", "登录", ""),
        (T0 + timedelta(seconds=1), "zhang", "登录失败", "密码错误"),
        (T0 + timedelta(seconds=2), "nobody", "登录失败", "用户名不存在"),
        (T0 + timedelta(seconds=3), None, "登录失败", "用户名不存在"),
        (T0 + timedelta(seconds=4), "zhang", "登录", ""),
        (T0 + timedelta(seconds=5), "zhao", "登录失败", "账号已停用"),
    ]
    # The administrator's audit log shows them too.
    log = accounts.audit_log(store, who(store, "admin"), actions=["登录", "登录失败"])
    assert len(log) == 6
    assert log["action"].tolist()[0] == "登录失败"  # newest first


def test_five_failures_lock_the_account_until_the_lock_runs_out(store: Store) -> None:
    # The limits are settings.toml's [accounts]; these are its defaults.
    assert (LIMITS.max_failed, LIMITS.lock_minutes, LIMITS.min_password) == (5, 15, 8)
    for i in range(LIMITS.max_failed - 1):
        assert refused(store, "zhang", "wrong-password", T0 + timedelta(seconds=i)) == accounts.wrong_name_or_password()
        assert store.get_user("zhang")["failed_count"] == i + 1
    last = T0 + timedelta(seconds=LIMITS.max_failed - 1)
    assert refused(store, "zhang", "wrong-password", last) == accounts.wrong_name_or_password()
    assert store.get_user("zhang")["failed_count"] == LIMITS.max_failed
    until = last + timedelta(minutes=LIMITS.lock_minutes)

    # Locked: even the right password is refused, and the attempt is logged.
    locked = f"连续输错密码次数过多,账号已锁定至 {until:%H:%M},请稍后再试或联系管理员"
    assert refused(store, "zhang", PASSWORDS["zhang"], last + timedelta(minutes=1)) == locked
    assert refused(store, "zhang", PASSWORDS["zhang"], until - timedelta(seconds=1)) == locked
    assert sign_in_log(store)[-1][2:] == ("登录失败", "账号已锁定")
    # Other accounts are not affected.
    assert accounts.sign_in(store, "zhao", PASSWORDS["zhao"], now=last).username == "zhao"

    # The lock runs out: the right password opens the account and the count starts again.
    assert accounts.sign_in(store, "zhang", PASSWORDS["zhang"], now=until).username == "zhang"
    row = store.get_user("zhang")
    assert (row["failed_count"], row["last_failed_at"]) == (0, None)


def test_after_a_lock_runs_out_a_wrong_password_starts_counting_again(store: Store) -> None:
    for i in range(LIMITS.max_failed):
        refused(store, "zhang", "wrong-password", T0 + timedelta(seconds=i))
    later = T0 + timedelta(minutes=LIMITS.lock_minutes, seconds=10)
    assert refused(store, "zhang", "wrong-password", later) == accounts.wrong_name_or_password()
    assert store.get_user("zhang")["failed_count"] == 1
    for i in range(1, LIMITS.max_failed - 1):
        refused(store, "zhang", "wrong-password", later + timedelta(seconds=i))
    refused(store, "zhang", "wrong-password", later + timedelta(seconds=LIMITS.max_failed))
    assert store.get_user("zhang")["failed_count"] == LIMITS.max_failed
    assert refused(store, "zhang", PASSWORDS["zhang"], later + timedelta(minutes=1)).startswith("连续输错密码次数过多")


def test_a_success_resets_the_failure_count(store: Store) -> None:
    for i in range(LIMITS.max_failed - 1):
        refused(store, "zhang", "wrong-password", T0 + timedelta(seconds=i))
    accounts.sign_in(store, "zhang", PASSWORDS["zhang"], now=T0 + timedelta(seconds=10))
    assert store.get_user("zhang")["failed_count"] == 0
    refused(store, "zhang", "wrong-password", T0 + timedelta(seconds=11))
    assert store.get_user("zhang")["failed_count"] == 1


def test_a_new_password_from_the_administrator_unlocks_the_account(store: Store) -> None:
    for i in range(LIMITS.max_failed):
        refused(store, "zhang", "wrong-password", T0 + timedelta(seconds=i))
    accounts.update_user(store, who(store, "admin"), "zhang", password="Zhang-reset-2026")
    assert accounts.sign_in(store, "zhang", "Zhang-reset-2026", now=T0 + timedelta(minutes=1)).username == "zhang"


def test_a_disabled_account_is_refused(store: Store) -> None:
    admin = who(store, "admin")
    accounts.update_user(store, admin, "zhang", active=False)
    assert refused(store, "zhang", PASSWORDS["zhang"], T0) == "该账号已停用,请联系管理员"
    # A session of a user disabled after signing in ends: the user as stored now is gone.
    assert accounts.current_user(store, "zhang") is None
    assert store.get_user("zhang")["failed_count"] == 0  # a refusal of a disabled account is not a wrong password
    accounts.update_user(store, admin, "zhang", active=True)
    assert accounts.sign_in(store, "zhang", PASSWORDS["zhang"], now=T0).username == "zhang"


def test_current_user_follows_role_and_unit_changes(store: Store) -> None:
    admin = who(store, "admin")
    accounts.update_user(store, admin, "zhang", units=[UNIT, "南昌市环境监控中心"])
    assert who(store, "zhang").units == (UNIT, "南昌市环境监控中心")
    accounts.update_user(store, admin, "zhang", role=VIEWER)
    assert who(store, "zhang").role == VIEWER
    assert accounts.current_user(store, "nobody") is None


def test_session_expiry() -> None:
    assert LIMITS.session_idle_minutes == 30
    seen, idle = T0, timedelta(minutes=LIMITS.session_idle_minutes)
    assert not auth.session_expired(seen, seen, LIMITS)
    assert not auth.session_expired(seen, seen + idle, LIMITS)
    assert auth.session_expired(seen, seen + idle + timedelta(microseconds=1), LIMITS)
    assert auth.session_expired(seen, seen + timedelta(hours=5), LIMITS)


# -- the first administrator ------------------------------------------------------------------------------------------


def test_ensure_first_admin_creates_the_admin_from_the_environment_only_without_users(empty_store: Store) -> None:
    store = empty_store
    assert accounts.ensure_first_admin(store, {}) is None  # no password given: no one created
    assert store.user_count() == 0
    assert accounts.ensure_first_admin(store, {"PERF_ADMIN_PASSWORD": "First-admin-2026"}) == "admin"
    row = store.get_user("admin")
    assert (row["role"], row["display_name"], row["active"]) == (ADMIN, "管理员", True)
    assert row["password_hash"].startswith("$argon2")
    assert not any("First-admin-2026" in c for c in every_cell(store))
    assert accounts.sign_in(store, "admin", "First-admin-2026", now=T0).is_admin
    (logged,) = store.con.execute("SELECT username, detail FROM audit_log WHERE action = '用户变更'").fetchall()
    assert logged == ("命令行", "新建用户 admin(管理员;全部单位)")

    # With users present, the environment changes nothing (not even a second admin or a new password).
    again = {"PERF_ADMIN_PASSWORD": "Other-admin-2026", "PERF_ADMIN_USER": "boss"}
    assert accounts.ensure_first_admin(store, again) is None
    assert store.user_count() == 1
    assert refused(store, "admin", "Other-admin-2026", T0).startswith("用户名或密码错误")


def test_ensure_first_admin_reads_the_process_environment(empty_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PERF_ADMIN_USER", "root-admin")
    monkeypatch.setenv("PERF_ADMIN_PASSWORD", "Root-admin-2026")
    assert accounts.ensure_first_admin(empty_store) == "root-admin"
    assert accounts.sign_in(empty_store, "root-admin", "Root-admin-2026", now=T0).role == ADMIN


def test_ensure_first_admin_does_nothing_when_other_users_exist(empty_store: Store) -> None:
    accounts.add_user(empty_store, None, "viewer", "Viewer-pass-1", VIEWER)
    assert accounts.ensure_first_admin(empty_store, {"PERF_ADMIN_PASSWORD": "First-admin-2026"}) is None
    assert empty_store.get_user("admin") is None


# -- what only an administrator may do --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["zhang", "zhao"])
def test_only_an_administrator_manages_users_settings_and_targets(store: Store, name: str) -> None:
    actor = who(store, name)
    counts = store.table_counts()
    iid = int(store.indicator_lookup()["indicator_id"].iloc[0])
    target_file = SEED.read_bytes()
    attempts = {
        "只有管理员可以管理用户": [
            lambda: accounts.add_user(store, actor, "new", "New-pass-2026", VIEWER),
            lambda: accounts.add_user(store, actor, "new-admin", "New-pass-2026", ADMIN),
            lambda: accounts.update_user(store, actor, "admin", active=False),
            lambda: accounts.update_user(store, actor, name, role=ADMIN),  # promoting oneself
            lambda: accounts.update_user(store, actor, "zhang", password="Taken-over-2026"),
            lambda: accounts.users(store, actor),
        ],
        "只有管理员可以修改设置": [lambda: accounts.set_viewing_needs_sign_in(store, actor, True)],
        "只有管理员可以修订目标": [lambda: services.revise_target(store, actor, iid, "≥1%", "改目标")],
        "只有管理员可以导入目标表": [lambda: services.import_upload(store, actor, target_file, SEED.name)],
        "只有管理员可以查看审计日志": [lambda: accounts.audit_log(store, actor)],
    }
    for message, calls in attempts.items():
        for call in calls:
            with pytest.raises(PermissionDenied) as info:
                call()
            assert str(info.value) == message
    assert store.table_counts() == counts
    assert who(store, name).role == {"zhang": REPORTER, "zhao": VIEWER}[name]
    assert accounts.sign_in(store, "zhang", PASSWORDS["zhang"], now=T0).username == "zhang"
    assert not accounts.viewing_needs_sign_in(store)
    assert services.target_versions(store, iid)["version"].tolist() == [1]


def test_no_one_signed_in_is_not_an_administrator(store: Store) -> None:
    for call in (lambda: accounts.update_user(store, None, "zhang", active=False),  # type: ignore[arg-type]
                 lambda: accounts.set_viewing_needs_sign_in(store, None, True),  # type: ignore[arg-type]
                 lambda: services.revise_target(store, None, 1, "≥1%", "改目标")):  # type: ignore[arg-type]
        with pytest.raises(PermissionDenied):
            call()


def test_a_viewer_cannot_report(store: Store) -> None:
    zhao = who(store, "zhao")
    data = f"项目名称,三级指标,实际完成值,截至日期\n{P1},群众满意度,96%,2026-11-30\n".encode()
    counts = store.table_counts()
    for call in (lambda: services.preview_report(store, zhao, data, "x.csv"),
                 lambda: services.commit_report(store, zhao, data, "x.csv"),
                 lambda: services.entry_frame(store, zhao, 1),
                 lambda: services.my_reports(store, zhao)):
        with pytest.raises(PermissionDenied, match="只有填报员或管理员可以填报"):
            call()
    assert store.table_counts() == counts


def test_an_administrator_manages_users_settings_and_targets(store: Store) -> None:
    admin = who(store, "admin")
    created = accounts.add_user(store, admin, "li", "Li-pass-2026", REPORTER, [UNIT], "李填报")
    assert created == User("li", "李填报", REPORTER, (UNIT,))
    assert sorted(accounts.users(store, admin)["username"]) == ["admin", "li", "zhang", "zhao"]
    accounts.update_user(store, admin, "li", role=VIEWER)
    accounts.set_viewing_needs_sign_in(store, admin, True)
    assert accounts.viewing_needs_sign_in(store)
    accounts.set_viewing_needs_sign_in(store, admin, False)
    assert not accounts.viewing_needs_sign_in(store)
    log = store.con.execute(
        "SELECT username, action, detail FROM audit_log WHERE username = 'admin' ORDER BY audit_id").fetchall()
    assert log == [
        ("admin", "用户变更", f"新建用户 li(填报员;{UNIT})"),
        ("admin", "用户变更", "li:角色 填报员→查看"),
        ("admin", "设置变更", "查看需要登录:是"),
        ("admin", "设置变更", "查看需要登录:否"),
    ]


def test_user_input_is_checked(store: Store) -> None:
    admin = who(store, "admin")
    counts = store.table_counts()
    with pytest.raises(InputError, match="用户名“zhang”已存在"):
        accounts.add_user(store, admin, "zhang", "Another-pass-1", VIEWER)
    with pytest.raises(InputError, match="填报员至少需要分配一个实施单位"):
        accounts.add_user(store, admin, "li", "Li-pass-2026", REPORTER, [])
    with pytest.raises(InputError, match="填报员至少需要分配一个实施单位"):
        accounts.add_user(store, admin, "li", "Li-pass-2026", REPORTER, ["  "])
    with pytest.raises(InputError, match="角色“超级用户”不存在"):
        accounts.add_user(store, admin, "li", "Li-pass-2026", "超级用户")
    with pytest.raises(InputError, match="用户名不能为空"):
        accounts.add_user(store, admin, "  ", "Li-pass-2026", VIEWER)
    with pytest.raises(InputError, match="用户“nobody”不存在"):
        accounts.update_user(store, admin, "nobody", active=False)
    with pytest.raises(InputError, match="填报员至少需要分配一个实施单位"):
        accounts.update_user(store, admin, "zhang", units=[])
    with pytest.raises(InputError, match="填报员至少需要分配一个实施单位"):
        accounts.update_user(store, admin, "zhao", role=REPORTER)
    with pytest.raises(InputError, match="角色“超级用户”不存在"):
        accounts.update_user(store, admin, "zhao", role="超级用户")
    assert store.table_counts() == counts


# -- an administrator cannot demote or disable themselves -------------------------------------------------------------


@pytest.mark.parametrize("change", [{"role": REPORTER, "units": [UNIT]}, {"role": VIEWER}, {"active": False}])
def test_an_administrator_cannot_demote_or_disable_themselves(store: Store, change: dict) -> None:
    admin = who(store, "admin")
    before, counts = store.get_user("admin"), store.table_counts()
    with pytest.raises(InputError, match="不能取消自己的管理员身份或停用自己"):
        accounts.update_user(store, admin, "admin", **change)
    assert store.get_user("admin") == before
    assert store.table_counts() == counts
    assert who(store, "admin").is_admin


def test_an_administrator_may_change_their_own_password_and_demote_another_administrator(store: Store) -> None:
    admin = who(store, "admin")
    accounts.update_user(store, admin, "admin", password="Admin-new-2026", role=ADMIN, active=True)
    assert accounts.sign_in(store, "admin", "Admin-new-2026", now=T0).is_admin
    accounts.add_user(store, admin, "admin2", "Admin2-pass-1", ADMIN)
    admin2 = who(store, "admin2")
    accounts.update_user(store, admin2, "admin", role=VIEWER)
    assert who(store, "admin").role == VIEWER
    # The demoted administrator's next call is refused (the role is read from the store each time).
    with pytest.raises(PermissionDenied):
        accounts.users(store, who(store, "admin"))
