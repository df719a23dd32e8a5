"""Accounts of people who change data. Viewing needs no account; importing does.

Passwords are stored only as argon2id hashes (argon2-cffi, its RFC 9106 low-memory
profile); there is no default account and no default password.

Every login attempt (app or command line) is logged in ``login_log``; five failures within
15 minutes lock the typed name for 15 minutes, whether or not such an account exists. Each
password change gives the account a new stamp, so sessions opened with the old one can be
ended (:func:`session_end`).
"""

from __future__ import annotations

import datetime as dt
import getpass
import math
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

import duckdb
import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from analytics.errors import UserError
from analytics.i18n import fmt_minutes, fmt_time

try:
    import pwd
except ImportError:  # not on POSIX: fall back to the login name the environment gives
    pwd = None

Role = Literal["viewer", "editor", "admin"]
ROLES: tuple[str, ...] = ("viewer", "editor", "admin")
MIN_PASSWORD_LENGTH = 8
_HASHER = PasswordHasher()

Channel = Literal["app", "cli"]
Outcome = Literal["success", "failure", "locked"]
SessionEnd = Literal["removed", "role_changed", "password_changed"]
LOCK_AFTER_FAILURES = 5
FAILURE_WINDOW = dt.timedelta(minutes=15)
LOCK_DURATION = dt.timedelta(minutes=15)
DEFAULT_IDLE_MINUTES = 30
IDLE_ENV = "PARKS_SESSION_IDLE_MINUTES"
# A name pasted by mistake (or on purpose) may be huge; the log keeps its start.
LOGGED_NAME_LENGTH = 100


@dataclass(frozen=True)
class User:
    name: str
    role: str
    # Changes with every password change; a session compares it with the stored one.
    password_stamp: str | None = field(default=None, compare=False, repr=False)

    def can_edit(self) -> bool:
        return self.role in {"editor", "admin"}


@dataclass(frozen=True)
class LoginAttempt:
    """What a login attempt gave: the account when the password matched, and the end (UTC)
    of a lock in force after the attempt (None when logging in is open)."""

    outcome: Outcome
    user: User | None = None
    locked_until: dt.datetime | None = None


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _new_stamp() -> str:
    return secrets.token_hex(16)


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise UserError("intake.user.bad_role", role=role, allowed=", ".join(ROLES))
    return role


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError("intake.user.short_password", n=MIN_PASSWORD_LENGTH)


def get_user(con: duckdb.DuckDBPyConnection, name: str) -> User | None:
    rows = con.execute(
        "SELECT name, role, password_stamp FROM app_user WHERE name = ?", [name]
    ).fetchall()
    return User(*rows[0]) if rows else None


def list_users(con: duckdb.DuckDBPyConnection) -> list[User]:
    return [
        User(*r)
        for r in con.execute(
            "SELECT name, role, password_stamp FROM app_user ORDER BY name"
        ).fetchall()
    ]


def add_user(con: duckdb.DuckDBPyConnection, name: str, role: str, password: str) -> User:
    name = name.strip()
    if not name:
        raise UserError("intake.user_required")
    _check_role(role)
    _check_password(password)
    if get_user(con, name):
        raise UserError("intake.user.exists", name=name)
    stamp = _new_stamp()
    con.execute(
        "INSERT INTO app_user (name, role, password_hash, password_stamp) VALUES (?, ?, ?, ?)",
        [name, role, _HASHER.hash(password), stamp],
    )
    return User(name, role, stamp)


def set_password(
    con: duckdb.DuckDBPyConnection, name: str, password: str, role: str | None = None
) -> User:
    user = get_user(con, name)
    if user is None:
        raise UserError("intake.user.missing", name=name)
    _check_password(password)
    new_role = _check_role(role) if role else user.role
    stamp = _new_stamp()
    con.execute(
        "UPDATE app_user SET password_hash = ?, role = ?, password_stamp = ?, "
        "updated_at = current_timestamp WHERE name = ?",
        [_HASHER.hash(password), new_role, stamp, name],
    )
    return User(name, new_role, stamp)


def set_role(con: duckdb.DuckDBPyConnection, name: str, role: str) -> User:
    """Give an account another role; its open sessions end on their next run."""
    user = get_user(con, name)
    if user is None:
        raise UserError("intake.user.missing", name=name)
    _check_role(role)
    con.execute(
        "UPDATE app_user SET role = ?, updated_at = current_timestamp WHERE name = ?",
        [role, name],
    )
    return User(name, role, user.password_stamp)


def remove_user(con: duckdb.DuckDBPyConnection, name: str) -> None:
    if get_user(con, name) is None:
        raise UserError("intake.user.missing", name=name)
    con.execute("DELETE FROM app_user WHERE name = ?", [name])


def authenticate(con: duckdb.DuckDBPyConnection, name: str, password: str) -> User | None:
    """The account when the password matches its hash, else None (never says which failed)."""
    rows = con.execute(
        "SELECT name, role, password_stamp, password_hash FROM app_user WHERE name = ?", [name]
    ).fetchall()
    row = rows[0] if rows else None
    if row is None:
        # Hash anyway so a wrong name and a wrong password take the same time.
        _HASHER.hash(password)
        return None
    try:
        _HASHER.verify(row[3], password)
    except (VerificationError, InvalidHashError):
        return None
    return User(row[0], row[1], row[2])


def require_editor(con: duckdb.DuckDBPyConnection, name: str) -> User:
    """The account allowed to change data, or UserError naming what is missing."""
    user = get_user(con, name)
    if user is None:
        raise UserError("intake.user.missing", name=name)
    if not user.can_edit():
        raise UserError("intake.user.cannot_edit", name=name, role=user.role)
    return user


# ---------------------------------------------------------------- login attempts and lockout


def lock_end(failures: Iterable[dt.datetime], now: dt.datetime) -> dt.datetime | None:
    """The end of the lock in force at ``now``, or None.

    LOCK_AFTER_FAILURES failures less than FAILURE_WINDOW apart (first to last) lock for
    LOCK_DURATION from the last of them. Attempts refused during a lock are not failures, so
    a lock ends when it said it would, and after it the old failures are too far apart to
    lock again at once.
    """
    times = sorted(f for f in failures if f <= now)
    n = LOCK_AFTER_FAILURES
    for first in range(len(times) - n, -1, -1):  # the newest group ends the latest lock
        last = times[first + n - 1]
        if last - times[first] < FAILURE_WINDOW and now < last + LOCK_DURATION:
            return last + LOCK_DURATION
    return None


def _stored(moment: dt.datetime) -> dt.datetime:
    """UTC without a zone, as login_log keeps it (DuckDB hands zoned values back via pytz)."""
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def _account_failures(
    con: duckdb.DuckDBPyConnection, account: str, now: dt.datetime
) -> list[dt.datetime]:
    """Failures of a typed name recent enough to lock it, after its last success."""
    since = _stored(now - FAILURE_WINDOW - LOCK_DURATION)
    rows = con.execute(
        "SELECT logged_at FROM login_log WHERE account = $account AND outcome = 'failure'"
        " AND logged_at >= $since AND logged_at > coalesce("
        "  (SELECT max(logged_at) FROM login_log"
        "   WHERE account = $account AND outcome = 'success'), TIMESTAMP '-infinity')",
        {"account": account, "since": since},
    ).fetchall()
    return [r[0].replace(tzinfo=dt.UTC) for r in rows]


def record_login(
    con: duckdb.DuckDBPyConnection,
    account: str,
    outcome: Outcome,
    *,
    channel: Channel,
    now: dt.datetime,
) -> None:
    """Log one attempt under the name as typed (cut to LOGGED_NAME_LENGTH characters)."""
    exists = get_user(con, account) is not None
    con.execute(
        "INSERT INTO login_log (logged_at, account, outcome, account_exists, channel)"
        " VALUES (?, ?, ?, ?, ?)",
        [_stored(now), account[:LOGGED_NAME_LENGTH], outcome, exists, channel],
    )


def log_in(
    con: duckdb.DuckDBPyConnection,
    name: str,
    password: str,
    *,
    channel: Channel,
    now: dt.datetime | None = None,
    session_failures: Iterable[dt.datetime] = (),
) -> LoginAttempt:
    """Check a password under the lockout rules and log the attempt.

    A name locked by its own failures, or a session locked by ``session_failures`` (the
    caller's failed attempts under any name), is refused without checking the password. An
    unknown name is counted and locked like a real one, so neither the answer nor the lock
    tells whether the account exists.
    """
    now = now or utc_now()
    account = name.strip()
    logged = account[:LOGGED_NAME_LENGTH]
    session_failures = list(session_failures)

    def locked() -> dt.datetime | None:
        ends = (lock_end(_account_failures(con, logged, now), now), lock_end(session_failures, now))
        return max((e for e in ends if e is not None), default=None)

    until = locked()
    if until is not None:
        record_login(con, account, "locked", channel=channel, now=now)
        return LoginAttempt("locked", None, until)
    user = authenticate(con, account, password)
    if user is not None:
        record_login(con, account, "success", channel=channel, now=now)
        return LoginAttempt("success", user)
    record_login(con, account, "failure", channel=channel, now=now)
    session_failures.append(now)
    return LoginAttempt("failure", None, locked())


def lock_error(
    until: dt.datetime, now: dt.datetime, lang: str, tz: dt.tzinfo | None = None
) -> UserError:
    """The lock in words: when it ends (clock time in ``tz``) and in how many minutes."""
    return UserError(
        "intake.login.locked",
        until=fmt_time(until, lang, tz),
        remaining=fmt_minutes(until - now, lang, ahead=True),
    )


def recent_logins(con: duckdb.DuckDBPyConnection, limit: int = 200) -> pd.DataFrame:
    """The newest login attempts: logged_at (UTC, no zone), account, outcome, account_exists
    and channel, newest first."""
    return con.execute(
        "SELECT logged_at, account, outcome, account_exists, channel FROM login_log"
        " ORDER BY logged_at DESC, rowid DESC LIMIT ?",  # rowid: insertion order on a tie
        [limit],
    ).df()


# ---------------------------------------------------------------- sessions


def session_end(con: duckdb.DuckDBPyConnection, user: User) -> SessionEnd | None:
    """Why a session opened as ``user`` must end now, or None while the account is as it was
    (same role, same password stamp)."""
    stored = get_user(con, user.name)
    if stored is None:
        return "removed"
    if stored.password_stamp != user.password_stamp:
        return "password_changed"
    if stored.role != user.role:
        return "role_changed"
    return None


def session_idle_limit() -> dt.timedelta:
    """How long a session may sit unused: PARKS_SESSION_IDLE_MINUTES, else 30 minutes."""
    raw = os.environ.get(IDLE_ENV, "").strip()
    if not raw:
        return dt.timedelta(minutes=DEFAULT_IDLE_MINUTES)
    try:
        minutes = float(raw.replace(",", "."))
    except ValueError:
        minutes = math.nan
    if not (0 < minutes < math.inf):
        raise UserError("intake.session.bad_idle", variable=IDLE_ENV, value=raw)
    return dt.timedelta(minutes=minutes)


# ---------------------------------------------------------------- who runs the command line


def operating_system_user() -> str:
    """The login name of the process's real user id (not $USER, which anyone can set)."""
    if pwd is None:
        return getpass.getuser()
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:  # a container's user id without a passwd entry
        return f"uid {os.getuid()}"
