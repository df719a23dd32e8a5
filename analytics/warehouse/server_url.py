"""What names a PostgreSQL server rather than a DuckDB file, without loading the server's
driver (psycopg) or the SQL translator (sqlglot): every command and the app ask this first,
and most of them never open a server (:mod:`analytics.warehouse.postgres` does)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

SCHEMES = ("postgresql://", "postgres://")


def is_server_url(target: object) -> bool:
    """Whether ``target`` names a PostgreSQL server rather than a DuckDB file."""
    return isinstance(target, str) and target.lower().startswith(SCHEMES)


def redacted(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    netloc = f"{parts.username}:***@{host}" if parts.username else host
    return urlunsplit(parts._replace(netloc=netloc))


def shown(target: Path | str) -> str:
    """A warehouse as messages name it: a file's path, a server's URL without its password."""
    return redacted(target) if is_server_url(target) else str(target)
