"""Users, roles and what each role may do. Passwords are only ever stored as argon2 hashes.

The rules here are checked by the service layer on every write, whatever the pages show or hide.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from analytics.model import InputError

ADMIN = "管理员"
REPORTER = "填报员"
VIEWER = "查看"
ROLES = (ADMIN, REPORTER, VIEWER)

# Signing in: how many failures lock an account, for how long, and how long a session lasts idle.
MAX_FAILED = 5
LOCK_MINUTES = 15
SESSION_MINUTES = 30
MIN_PASSWORD = 8

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


def hash_password(password: str) -> str:
    check_password(password)
    return _hasher.hash(password)


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InputError(f"密码至少需要 {MIN_PASSWORD} 个字符")


def password_matches(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def check_role(role: str) -> None:
    if role not in ROLES:
        raise InputError(f"角色“{role}”不存在,可选:{'、'.join(ROLES)}")


def locked_until(failed: int, last_failed: datetime) -> datetime | None:
    """When an account with ``failed`` consecutive failures opens again (None: not locked)."""
    if failed >= MAX_FAILED:
        return last_failed + timedelta(minutes=LOCK_MINUTES)
    return None


def session_expired(last_seen: datetime, now: datetime) -> bool:
    return now - last_seen > timedelta(minutes=SESSION_MINUTES)


def require_admin(user: User | None, what: str) -> None:
    if user is None or not user.is_admin:
        raise PermissionDenied(f"只有管理员可以{what}")


def require_reporter(user: User | None) -> None:
    if user is None or user.role not in (ADMIN, REPORTER):
        raise PermissionDenied("只有填报员或管理员可以填报")
