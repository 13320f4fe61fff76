"""Use cases for people: signing in, managing users, the viewing switch, the audit log.

Every function that changes something takes the acting user and checks the role itself, so a page
that forgets to hide a button still cannot do what the role does not allow.
"""

from __future__ import annotations

import os
from datetime import datetime

import pandas as pd

from analytics import auth, sessions
from analytics.auth import ADMIN, SignInFailed, User
from analytics.model import InputError
from analytics.settings import AccountLimits, load_settings
from analytics.storage import Audit, DatabaseUnavailable, Store

VIEW_NEEDS_SIGN_IN = "view_needs_sign_in"
# The audit details of a sign-in with a name that is no account's: counted, or answered as locked.
UNKNOWN_NAME = "用户名不存在"
UNKNOWN_NAME_LOCKED = "用户名不存在(按锁定答复)"
# The audit log's action names, as shown and filtered on the audit page.
ACTIONS = ("登录", "登录失败", "导入目标表", "导入失败", "填报", "撤回", "修订目标", "用户变更", "设置变更", "导出")


def _user(row: dict) -> User:
    return User(row["username"], row["display_name"], row["role"], tuple(row["units"]))


def wrong_name_or_password(limits: AccountLimits | None = None) -> str:
    """The one answer for an unknown name and a wrong password alike, so names cannot be probed."""
    limits = limits or load_settings().accounts
    return (f"用户名或密码错误。连续输错 {limits.max_failed} 次账号将锁定 {limits.lock_minutes} 分钟;"
            "忘记密码请联系管理员重设")


def locked_message(until: datetime) -> str:
    return f"连续输错密码次数过多,账号已锁定至 {until:%H:%M},请稍后再试或联系管理员"


def _logged_name(username: str, limits: AccountLimits) -> str:
    # A name longer than any account's is logged shortened, so a visitor cannot fill the audit log.
    if len(username) <= limits.username_max_chars:
        return username
    return username[:limits.username_max_chars] + f"…(共 {len(username)} 个字符)"


def sign_in_unavailable() -> str:
    """Why no one can sign in while the database cannot be written (the same for every name)."""
    return ("服务器的数据库暂时无法写入(通常是磁盘空间不足),登录尝试无法记录,为安全起见暂停登录。"
            "请稍后再试,或请管理员清理服务器磁盘空间。")


def sign_in(store: Store, username: str, password: str, now: datetime | None = None) -> User:
    """The user, or ``SignInFailed`` with a Chinese sentence; every attempt is logged.

    The attempt is counted as a failure before the slow password check (storage.reserve_sign_in),
    so parallel guesses cannot check more wrong passwords than the lock allows. While the database
    cannot be written (a full disk), an attempt that cannot be counted is refused before any
    password is checked, so a full disk is no way around the lock.
    """
    try:
        return _sign_in(store, username, password, now)
    except DatabaseUnavailable:
        raise SignInFailed(sign_in_unavailable()) from None


def _sign_in(store: Store, username: str, password: str, now: datetime | None) -> User:
    now = now or datetime.now()
    limits = load_settings().accounts
    username = username.strip()
    fits = 0 < len(username) <= limits.username_max_chars
    def lock_end(failed: int, last_failed: datetime) -> datetime | None:
        return auth.locked_until(failed, last_failed, limits)

    row, until = store.reserve_sign_in(username, now, lock_end) if fits else (None, None)
    if row is None and fits:
        # An unknown name is answered as a real account would be, lock included.
        until = auth.unknown_name_locked_until(*store.failed_sign_ins_of_unknown(username, UNKNOWN_NAME), limits)
        if until is not None and now < until:
            store.log(Audit(username, "登录失败", UNKNOWN_NAME_LOCKED, at=now))
            raise SignInFailed(locked_message(until))
    if row is None:
        # Logged before the hash, as a real account's attempt is counted before its hash.
        store.log(Audit(_logged_name(username, limits) or None, "登录失败", UNKNOWN_NAME, at=now))
        auth.check_like_a_password(password[:limits.password_max_chars])
        raise SignInFailed(wrong_name_or_password(limits))
    if until is not None:
        store.log(Audit(username, "登录失败", "账号已锁定", at=now))
        raise SignInFailed(locked_message(until))
    # The attempt is already counted; a password longer than any allowed is wrong without hashing it.
    right = len(password) <= limits.password_max_chars and auth.password_matches(row["password_hash"], password)
    if not right:
        store.log(Audit(username, "登录失败", "密码错误", at=now))
        raise SignInFailed(wrong_name_or_password(limits))
    # Only someone who knows the password learns that the account is disabled; a right password
    # is not a failure, so the reserved count is given back either way.
    if not row["active"]:
        store.record_sign_in(username, True, now, Audit(username, "登录失败", "账号已停用", at=now))
        raise SignInFailed("该账号已停用,请联系管理员")
    store.record_sign_in(username, True, now, Audit(username, "登录", "", at=now))
    return _user(row)


def current_user(store: Store, username: str) -> User | None:
    """The user as stored now (role or units may have changed since sign-in); None if disabled."""
    row = store.get_user(username)
    if row is None or not row["active"]:
        return None
    return _user(row)


def may_clear_caches(store: Store, username: str | None) -> bool:
    """Only a signed-in administrator may flush the server's caches (every visitor shares them)."""
    user = current_user(store, username) if username else None
    return user is not None and user.is_admin


def add_user(store: Store, actor: User | None, username: str, password: str, role: str,
             units: list[str] | None = None, display_name: str | None = None) -> User:
    """Create a user. ``actor`` None is the command line or the first start (no one signed in)."""
    # No actor: the command line or the first start, run on the server by whoever may read the file.
    if actor is not None:
        auth.require_admin(actor, "管理用户")
    limits = load_settings().accounts
    username = username.strip()
    auth.check_username(username, limits)
    display_name = (display_name or "").strip() or username
    if len(display_name) > limits.display_name_max_chars:
        raise InputError(f"显示名称最多 {limits.display_name_max_chars} 个字符,请缩短")
    auth.check_role(role)
    units = [u.strip() for u in (units or []) if u.strip()]
    if role == auth.REPORTER and not units:
        raise InputError("填报员至少需要分配一个实施单位")
    try:
        store.add_user(username, display_name, role, units, auth.hash_password(password, limits),
                       Audit(actor.username if actor else "命令行", "用户变更",
                             f"新建用户 {username}({role};{'、'.join(units) or '全部单位'})"),
                       same_name=auth.username_key)
    except ValueError as e:
        raise InputError(str(e)) from None
    return User(username, display_name, role, tuple(units))


def update_user(store: Store, actor: User, username: str, *, role: str | None = None,
                units: list[str] | None = None, active: bool | None = None, password: str | None = None) -> None:
    auth.require_admin(actor, "管理用户")
    row = store.get_user(username)
    if row is None:
        raise InputError(f"用户“{username}”不存在")
    changes: dict = {}
    said = []
    if role is not None and role != row["role"]:
        auth.check_role(role)
        changes["role"] = role
        said.append(f"角色 {row['role']}→{role}")
    if units is not None and list(units) != row["units"]:
        changes["units"] = list(units)
        said.append(f"单位 {'、'.join(row['units']) or '无'}→{'、'.join(units) or '无'}")
    if active is not None and active != row["active"]:
        changes["active"] = active
        said.append("启用" if active else "停用")
    if password:
        changes["password_hash"] = auth.hash_password(password, load_settings().accounts)
        changes["failed_count"] = 0
        changes["last_failed_at"] = None
        said.append("重设密码")
    if username == actor.username and (changes.get("role", ADMIN) != ADMIN or changes.get("active") is False):
        raise InputError("不能取消自己的管理员身份或停用自己")
    if (changes.get("role", row["role"]) == auth.REPORTER) and not changes.get("units", row["units"]):
        raise InputError("填报员至少需要分配一个实施单位")
    if changes:
        store.update_user(username, changes, Audit(actor.username, "用户变更", f"{username}:{';'.join(said)}"))
    # A disabled account or a new password ends the user's sign-ins in every browser at once.
    if changes.get("active") is False or "password_hash" in changes:
        sessions.end_all_of(store, username, datetime.now())


def ensure_first_admin(store: Store, env: dict[str, str] | None = None) -> str | None:
    """With no users yet, create the administrator named in PERF_ADMIN_USER (default admin) with the
    password in PERF_ADMIN_PASSWORD. Returns the name created, or None."""
    env = dict(os.environ) if env is None else env
    password = env.get("PERF_ADMIN_PASSWORD")
    if store.user_count() or not password:
        return None
    name = env.get("PERF_ADMIN_USER", "admin")
    add_user(store, None, name, password, ADMIN, display_name="管理员")
    return name


def viewing_needs_sign_in(store: Store) -> bool:
    return store.get_config(VIEW_NEEDS_SIGN_IN, "0") == "1"


def set_viewing_needs_sign_in(store: Store, actor: User, needed: bool) -> None:
    auth.require_admin(actor, "修改设置")
    store.set_config(VIEW_NEEDS_SIGN_IN, "1" if needed else "0",
                     Audit(actor.username, "设置变更", f"查看需要登录:{'是' if needed else '否'}"))


def audit_log(store: Store, actor: User, since: datetime | None = None, until: datetime | None = None,
              username: str | None = None, actions: list[str] | None = None) -> pd.DataFrame:
    auth.require_admin(actor, "查看审计日志")
    return store.audit_frame(since, until, username, actions)


def unlock_user(store: Store, actor: User, username: str) -> None:
    """An administrator lifts the lock that failed sign-ins put on an account (the password stays)."""
    auth.require_admin(actor, "解除账号锁定")
    row = store.get_user(username)
    if row is None:
        raise InputError(f"用户“{username}”不存在,请刷新页面后重选")
    if not row["failed_count"]:
        raise InputError(f"用户“{username}”没有登录失败记录,无需解除锁定")
    # Clearing the count ends the lock and gives the user the full number of tries again.
    said = f"{username}:解除锁定(此前连续登录失败 {row['failed_count']} 次)"
    store.update_user(username, {"failed_count": 0, "last_failed_at": None}, Audit(actor.username, "用户变更", said))


def users(store: Store, actor: User) -> pd.DataFrame:
    auth.require_admin(actor, "管理用户")
    return store.users_frame()
