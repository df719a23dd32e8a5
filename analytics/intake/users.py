"""Accounts of people who change data. Viewing needs no account; importing does.

Passwords are stored only as argon2id hashes (argon2-cffi, its RFC 9106 low-memory
profile); there is no default account and no default password.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import duckdb
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from analytics.errors import UserError

Role = Literal["viewer", "editor", "admin"]
ROLES: tuple[str, ...] = ("viewer", "editor", "admin")
MIN_PASSWORD_LENGTH = 8
_HASHER = PasswordHasher()


@dataclass(frozen=True)
class User:
    name: str
    role: str

    def can_edit(self) -> bool:
        return self.role in {"editor", "admin"}


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise UserError("intake.user.bad_role", role=role, allowed=", ".join(ROLES))
    return role


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError("intake.user.short_password", n=MIN_PASSWORD_LENGTH)


def get_user(con: duckdb.DuckDBPyConnection, name: str) -> User | None:
    rows = con.execute("SELECT name, role FROM app_user WHERE name = ?", [name]).fetchall()
    return User(*rows[0]) if rows else None


def list_users(con: duckdb.DuckDBPyConnection) -> list[User]:
    return [
        User(*r) for r in con.execute("SELECT name, role FROM app_user ORDER BY name").fetchall()
    ]


def add_user(con: duckdb.DuckDBPyConnection, name: str, role: str, password: str) -> User:
    name = name.strip()
    if not name:
        raise UserError("intake.user_required")
    _check_role(role)
    _check_password(password)
    if get_user(con, name):
        raise UserError("intake.user.exists", name=name)
    con.execute(
        "INSERT INTO app_user (name, role, password_hash) VALUES (?, ?, ?)",
        [name, role, _HASHER.hash(password)],
    )
    return User(name, role)


def set_password(
    con: duckdb.DuckDBPyConnection, name: str, password: str, role: str | None = None
) -> User:
    user = get_user(con, name)
    if user is None:
        raise UserError("intake.user.missing", name=name)
    _check_password(password)
    new_role = _check_role(role) if role else user.role
    con.execute(
        "UPDATE app_user SET password_hash = ?, role = ?, updated_at = current_timestamp "
        "WHERE name = ?",
        [_HASHER.hash(password), new_role, name],
    )
    return User(name, new_role)


def remove_user(con: duckdb.DuckDBPyConnection, name: str) -> None:
    if get_user(con, name) is None:
        raise UserError("intake.user.missing", name=name)
    con.execute("DELETE FROM app_user WHERE name = ?", [name])


def authenticate(con: duckdb.DuckDBPyConnection, name: str, password: str) -> User | None:
    """The account when the password matches its hash, else None (never says which failed)."""
    rows = con.execute(
        "SELECT name, role, password_hash FROM app_user WHERE name = ?", [name]
    ).fetchall()
    row = rows[0] if rows else None
    if row is None:
        # Hash anyway so a wrong name and a wrong password take the same time.
        _HASHER.hash(password)
        return None
    try:
        _HASHER.verify(row[2], password)
    except (VerificationError, InvalidHashError):
        return None
    return User(row[0], row[1])


def require_editor(con: duckdb.DuckDBPyConnection, name: str) -> User:
    """The account allowed to change data, or UserError naming what is missing."""
    user = get_user(con, name)
    if user is None:
        raise UserError("intake.user.missing", name=name)
    if not user.can_edit():
        raise UserError("intake.user.cannot_edit", name=name, role=user.role)
    return user
