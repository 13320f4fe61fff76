"""Users, roles and what each role may do. Passwords are only ever stored as argon2 hashes.

The rules here are checked by the service layer on every write, whatever the pages show or hide.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from analytics.model import InputError
from analytics.settings import AccountLimits

ADMIN = "管理员"
REPORTER = "填报员"
VIEWER = "查看"
ROLES = (ADMIN, REPORTER, VIEWER)

_hasher = PasswordHasher()


class PermissionDenied(InputError):
    """A write the signed-in user's role or units do not allow (a Chinese sentence)."""


class SignInFailed(InputError):
    """Wrong name or password, or a locked or disabled account (a Chinese sentence)."""


@dataclass(frozen=True)
class User:
    username: str
    display_name: str
    role: str
    units: tuple[str, ...] = field(default_factory=tuple)

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN

    def may_report_for(self, unit: str | None) -> bool:
        """Administrators report for anyone; reporters only for their assigned units."""
        if self.role == ADMIN:
            return True
        return self.role == REPORTER and unit is not None and unit in self.units


def hash_password(password: str, limits: AccountLimits | None = None) -> str:
    check_password(password, limits)
    return _hasher.hash(password)


def check_password(password: str, limits: AccountLimits | None = None) -> None:
    limits = limits or AccountLimits()
    if len(password) < limits.min_password:
        raise InputError(f"密码至少需要 {limits.min_password} 个字符")
    if not password.strip():
        raise InputError("密码不能只由空格组成,请包含字母、数字或符号")
    if len(password) > limits.password_max_chars:
        raise InputError(f"密码最多 {limits.password_max_chars} 个字符,请缩短")


def password_matches(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _decoy_hash() -> str:
    return _hasher.hash("decoy password, never an account's")


def check_like_a_password(password: str) -> None:
    """Spend the time of a real check, so an unknown name is not told apart by a quicker answer."""
    password_matches(_decoy_hash(), password)


def username_key(name: str) -> str:
    """The form two user names are compared in: ａｄｍｉｎ, ADMIN and admin are one name.

    NFKC folds width and compatibility forms, casefold folds case; NFKC again because case folding
    can produce characters NFKC would still change.
    """
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())


def _invisible(ch: str) -> bool:
    # Category C: format (zero-width space, direction marks), control, private use, unassigned.
    return unicodedata.category(ch).startswith("C")


def check_username(name: str, limits: AccountLimits | None = None) -> None:
    """A new user name as typed (already stripped): refused if empty, too long, invisible in part,
    not in its plain (NFKC) form, or one of the actors the product writes into the audit log."""
    limits = limits or AccountLimits()
    if not name:
        raise InputError("用户名不能为空")
    if len(name) > limits.username_max_chars:
        raise InputError(f"用户名最多 {limits.username_max_chars} 个字符,请缩短")
    if any(_invisible(ch) for ch in name):
        raise InputError("用户名含不可见字符或控制字符(如零宽空格),请删除后重新输入")
    plain = unicodedata.normalize("NFKC", name)
    if plain != name:
        raise InputError(f"用户名“{name}”含全角或兼容形式的字符,请改用“{plain}”")
    if username_key(name) in {username_key(r) for r in limits.reserved_usernames}:
        raise InputError(f"用户名“{name}”是系统保留的名称(审计日志用它表示系统操作),请换一个")


def check_role(role: str) -> None:
    if role not in ROLES:
        raise InputError(f"角色“{role}”不存在,可选:{'、'.join(ROLES)}")


def locked_until(failed: int, last_failed: datetime, limits: AccountLimits | None = None) -> datetime | None:
    """When an account with ``failed`` consecutive failures opens again (None: not locked)."""
    limits = limits or AccountLimits()
    if failed >= limits.max_failed:
        return last_failed + timedelta(minutes=limits.lock_minutes)
    return None


def unknown_name_locked_until(counted: int, last_counted: datetime | None,
                              limits: AccountLimits | None = None) -> datetime | None:
    """When an unknown name "opens again", locked as a real account would be by the same failures.

    An unknown name never signs in, so its counted failures fall into runs of max_failed, each
    run started after the lock of the one before ran out: it is locked after every full run.
    Answering it like a locked account keeps a few guesses from telling real names from others.
    """
    limits = limits or AccountLimits()
    if counted and last_counted is not None and counted % limits.max_failed == 0:
        return last_counted + timedelta(minutes=limits.lock_minutes)
    return None


def session_expired(last_seen: datetime, now: datetime, limits: AccountLimits | None = None) -> bool:
    """Idle for longer than the settings allow (the clock of one sign-in, see analytics.sessions)."""
    limits = limits or AccountLimits()
    return now - last_seen > timedelta(minutes=limits.session_idle_minutes)


def require_admin(user: User | None, what: str) -> None:
    if user is None or not user.is_admin:
        raise PermissionDenied(f"只有管理员可以{what}")


def require_reporter(user: User | None) -> None:
    if user is None or user.role not in (ADMIN, REPORTER):
        raise PermissionDenied("只有填报员或管理员可以填报")
