"""Sign-ins that last (issue 11 item 1): a session stored in the database, named by a signed cookie.

A sign-in creates a row in ``sessions`` and a one-time handoff code. The page hands the code to the
browser, which trades it at the app's own route (webcookie.py) for an HttpOnly, SameSite=Strict
cookie holding ``<session id>.<HMAC>``; no token ever travels in a URL. Every later script run
(a reload, a new tab) reads the cookie from the websocket handshake, checks its signature and looks
the session up: revoked, idle too long or past its absolute end, it signs no one in.

The HMAC secret lives in a file beside the database (``<db>.session-key``, git-ignored, readable by
the server's account only), never in the database or the repository: a copy of the database or of
a backup cannot forge a cookie. Nothing here imports Streamlit.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from analytics.settings import AccountLimits
from analytics.storage import Store

COOKIE_NAME = "perf_session"
SECRET_SUFFIX = ".session-key"
# last_seen is written at most this often, so a page's reruns do not each write to the database;
# the idle expiry is therefore exact to within this much.
TOUCH_EVERY = timedelta(seconds=30)
# Ended sessions are kept this long (for a tab that still holds one to be told why), then deleted.
KEEP_ENDED = timedelta(days=1)

_process_secret = secrets.token_bytes(32)
_secret_lock = threading.Lock()
_secrets: dict[str, bytes] = {}


@dataclass(frozen=True)
class Started:
    """A new session: its id (kept by the script run) and the code the browser trades for its cookie."""

    session_id: str
    handoff_code: str


@dataclass(frozen=True)
class Resumed:
    """What a session id stands for now: the user's name, or why it signs no one in (a Chinese notice)."""

    username: str | None
    notice: str | None = None


def secret_path(db: Path) -> Path:
    return db.with_name(db.name + SECRET_SUFFIX)


def secret_for(store: Store) -> bytes:
    """The HMAC key of this database's cookies, created on first use (a file only the owner may read).

    A store without a file (in memory) gets a key for the life of the process.
    """
    if store.path is None:
        return _process_secret
    path = secret_path(Path(store.path))
    key = str(path)
    with _secret_lock:
        if key not in _secrets:
            _secrets[key] = _read_or_create(path)
        return _secrets[key]


def _read_or_create(path: Path) -> bytes:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    value = secrets.token_bytes(32)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(value.hex())
    return value


def sign(secret: bytes, session_id: str) -> str:
    """The cookie value for a session id."""
    mac = hmac.new(secret, session_id.encode("ascii"), hashlib.sha256).hexdigest()
    return f"{session_id}.{mac}"


def verify(secret: bytes, value: str | None) -> str | None:
    """The session id a cookie value carries if its signature is right, else None."""
    if not value or value.count(".") != 1:
        return None
    session_id, _, mac = value.partition(".")
    if not session_id.isascii() or not mac.isascii():
        return None
    expected = sign(secret, session_id).partition(".")[2]
    return session_id if hmac.compare_digest(mac, expected) else None


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


def ended_because(row: dict, now: datetime, limits: AccountLimits) -> str | None:
    """Why a stored session no longer signs anyone in (a Chinese notice), or None while it is live."""
    if row["revoked_at"] is not None:
        return "您已退出登录(或管理员已停用该账号、重设了密码),请重新登录"
    if now >= row["expires_at"]:
        return f"登录已满 {limits.session_absolute_hours} 小时,请重新登录"
    if now - row["last_seen_at"] > timedelta(minutes=limits.session_idle_minutes):
        return f"登录已超过 {limits.session_idle_minutes} 分钟未操作,请重新登录"
    return None


def start(store: Store, username: str, now: datetime, limits: AccountLimits) -> Started:
    """Open a session for a user who has just signed in, with a fresh handoff code."""
    store.delete_sessions_before(now - KEEP_ENDED)
    session_id = secrets.token_urlsafe(32)
    code = secrets.token_urlsafe(32)
    store.add_session(session_id, username, now, now + timedelta(hours=limits.session_absolute_hours),
                      _digest(code), now + timedelta(seconds=limits.handoff_seconds))
    return Started(session_id, code)


def redeem(store: Store, code: str, now: datetime) -> str | None:
    """The session id a handoff code was made for, the code spent; None if unknown, used or expired."""
    if not code or len(code) > 200:
        return None
    return store.take_handoff(_digest(code), now)


def resume(store: Store, session_id: str, now: datetime, limits: AccountLimits) -> Resumed:
    """Who a session id signs in now; a live session's last use moves to ``now``."""
    row = store.get_session(session_id)
    if row is None:
        return Resumed(None)
    notice = ended_because(row, now, limits)
    if notice is not None:
        return Resumed(None, notice)
    if now - row["last_seen_at"] >= TOUCH_EVERY:
        store.touch_session(session_id, now)
    return Resumed(row["username"])


def end(store: Store, session_id: str, now: datetime) -> None:
    """Sign-out: the session ends for every tab that shares it."""
    store.revoke_session(session_id, now)


def end_all_of(store: Store, username: str, now: datetime) -> int:
    """End every session of a user (disabled, or a new password); returns how many were open."""
    return store.revoke_user_sessions(username, now)
