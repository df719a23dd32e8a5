"""Opening the warehouse: one DuckDB file, its schema kept current by versioned migrations,
shared by the app, the command line and notebooks at once.

Migrations are ``migrations/NNN_description.sql`` files applied in order, each in its own
transaction, and recorded in ``schema_version``. A file written by a newer version of the
program is refused with a clear message rather than half-understood.

Sharing: DuckDB lets several processes read the file at once while a writer needs it alone.
Every open here waits, bounded and saying for whom, while another process holds the file
(:mod:`analytics.warehouse.sharing`). Short-lived programs (commands, notebooks) call
:func:`connect` and close the connection when done. A long-running one with many threads (the
app) reads through :func:`reading`, which shares one read-only connection between its threads
only while they use it (or while :func:`keeping_open` says a page is being drawn), and writes
through :func:`writing`, which first waits for its own readers: the app holds the file only
for the moment it reads or writes, so commands and notebooks can work beside it.

A server: ``PARKS_DB`` (or a path argument) that is a ``postgresql://`` URL opens the warehouse
on a PostgreSQL server instead (:mod:`analytics.warehouse.postgres`), with the same migrations,
SQL and API. The server lets many sessions read and write at once, so nothing waits for a file;
two programs upgrading one schema at once take turns on an advisory lock.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from analytics.errors import UserError
from analytics.warehouse.build import build, built_current
from analytics.warehouse.server_url import is_server_url

if TYPE_CHECKING:  # the server's driver is loaded when a server is opened, not before
    from analytics.warehouse.postgres import PgConnection
from analytics.warehouse.sharing import (
    Holder,
    Wait,
    Waiter,
    WarehouseBusy,
    holder_of,
    open_within,
    queued_writer,
    wait_seconds,
)

__all__ = [
    "Wait",
    "warehouse_exists",
    "warehouse_target",
    "WarehouseBusy",
    "connect",
    "data_signature",
    "default_db_path",
    "is_server_url",
    "keeping_open",
    "migrate",
    "reading",
    "schema_version",
    "wait_seconds",
    "writing",
]

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DB_PATH = PROJECT_ROOT / "data" / "warehouse.duckdb"
MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_MIGRATION_NAME = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    path: Path


def default_db_path() -> Path | str:
    """The warehouse: PARKS_DB if set, else data/warehouse.duckdb in the project. A
    ``postgresql://`` URL comes back as the string it is (a Path would fold its ``//``)."""
    value = os.environ.get("PARKS_DB")
    if is_server_url(value):
        return value
    return Path(value or DEFAULT_DB_PATH)


def warehouse_target(value: Path | str | None = None) -> Path | str:
    """The warehouse a user named (``--db``), else the default: a ``postgresql://`` URL as
    given, a file as a Path."""
    if value is None or value == "":
        return default_db_path()
    return value if is_server_url(value) else Path(value)


def warehouse_exists(target: Path | str) -> bool:
    """Whether there is a warehouse to open read-only (a server database always is: an
    empty one gets its schema on first open)."""
    return is_server_url(target) or Path(target).exists()


def migrations() -> list[Migration]:
    found = []
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if not match:
            raise ValueError(f"migration file name must look like 001_name.sql: {path.name}")
        found.append(Migration(int(match[1]), match[2].replace("_", " "), path))
    versions = [m.version for m in found]
    if versions != list(range(1, len(found) + 1)):
        raise ValueError(f"migrations must be numbered 1..n without gaps, found {versions}")
    return found


def latest_version() -> int:
    return len(migrations())


def schema_version(con: duckdb.DuckDBPyConnection | PgConnection) -> int:
    """The schema version of an open database (0 for an empty file)."""
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
        " AND table_schema = current_schema()"
    ).fetchone()[0]
    if not exists:
        return 0
    return con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]


def migrate(con: duckdb.DuckDBPyConnection | PgConnection) -> int:
    """Apply pending migrations; return the number applied. Refuses a newer schema."""
    current = schema_version(con)
    supported = latest_version()
    if current > supported:
        raise UserError("warehouse.newer_schema", found=current, supported=supported)
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        " version INTEGER PRIMARY KEY, description VARCHAR NOT NULL,"
        " applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)"
    )
    pending = [m for m in migrations() if m.version > current]
    for migration in pending:
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(migration.path.read_text(encoding="utf-8"))
            con.execute(
                "INSERT INTO schema_version (version, description) VALUES (?, ?)",
                [migration.version, migration.description],
            )
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
    return len(pending)


def connect(
    path: Path | str | None = None,
    *,
    read_only: bool = False,
    wait: float | None = None,
    on_wait: Callable[[Wait], None] | None = None,
) -> duckdb.DuckDBPyConnection | PgConnection:
    """Open the warehouse, upgrading an older schema first; the caller closes it.

    ``path`` is a DuckDB file or a ``postgresql://`` URL (default: :func:`default_db_path`).

    While another process holds the file in a conflicting mode the open waits, at most
    ``wait`` seconds (default PARKS_LOCK_WAIT_SECONDS, 30), and after a second ``on_wait``
    hears for whom (default: one line on stderr); at the bound it raises WarehouseBusy. A
    read-only open of an outdated file upgrades it through a short read-write connection,
    then reopens read-only. A missing file is an error in read-only mode.
    """
    target = path if path is not None else default_db_path()
    if is_server_url(target):
        return _connect_server(target, read_only)
    db_path = Path(target)
    return _connect(db_path, read_only, Waiter(str(db_path), wait, on_wait))


# Any constant shared by the program's sessions: they queue on it to upgrade one at a time.
_UPGRADE_LOCK = 0x7061726B  # "park"


def _connect_server(url: str, read_only: bool) -> PgConnection:
    from analytics.warehouse.postgres import connect_server  # the driver: on first use

    con = connect_server(url, read_only=read_only)
    try:
        if not _outdated(con):
            return con
        if not read_only:
            _upgrade_server(con)
            return con
    except BaseException:
        con.close()
        raise
    con.close()
    with connect_server(url) as writer:
        _upgrade_server(writer)
    return connect_server(url, read_only=True)


def _outdated(con: duckdb.DuckDBPyConnection | PgConnection) -> bool:
    current = schema_version(con)
    if current > latest_version():
        raise UserError("warehouse.newer_schema", found=current, supported=latest_version())
    return current < latest_version() or not built_current(con)


def _upgrade_server(con: PgConnection) -> None:
    """Upgrade under a session-wide advisory lock: a second program opening the same old
    database meanwhile waits, then finds it current."""
    con.execute(f"SELECT pg_advisory_lock({_UPGRADE_LOCK})")
    try:
        if _outdated(con):
            _upgrade(con)
    finally:
        con.execute(f"SELECT pg_advisory_unlock({_UPGRADE_LOCK})")


def _connect(db_path: Path, read_only: bool, waiter: Waiter) -> duckdb.DuckDBPyConnection:
    if read_only and not db_path.exists():
        raise UserError("warehouse.missing", path=str(db_path))
    db_path.parent.mkdir(parents=True, exist_ok=True)
    con = _open(db_path, read_only, waiter)
    try:
        current = schema_version(con)
        if current > latest_version():
            raise UserError("warehouse.newer_schema", found=current, supported=latest_version())
        outdated = current < latest_version() or not built_current(con)
        if outdated and not read_only:
            _upgrade(con)
    except BaseException:
        con.close()
        raise
    if outdated and read_only:
        con.close()
        with _open(db_path, False, waiter) as writer:
            _upgrade(writer)
        return _open(db_path, True, waiter)
    return con


def _upgrade(con: duckdb.DuckDBPyConnection | PgConnection) -> None:
    """Bring the schema and then the staging views, marts and seeds up to this program (a
    file from an older version lacks the marts it added: every command must find them)."""
    migrate(con)
    if not built_current(con):
        build(con)


def _open(db_path: Path, read_only: bool, waiter: Waiter) -> duckdb.DuckDBPyConnection:
    """Open within ``waiter``'s bound; an idle shared reader of this process gives way to a
    writer of this process."""
    try:
        return open_within(db_path, read_only, waiter)
    except UserError as exc:
        if exc.key != "warehouse.sharing.same_process" or not _shared(db_path).close_if_idle():
            raise
    return open_within(db_path, read_only, waiter)


def data_signature(path: Path | str | None = None) -> tuple:
    """A cheap stamp of the file's state on disk (size, time and inode of the file and of its
    write-ahead log): it changes whenever a writer changed the file. Costs two ``stat`` calls
    and never opens the file, so it can be read on every accessor call. For a server, its
    next transaction id (one short query)."""
    target = path if path is not None else default_db_path()
    if is_server_url(target):
        return _server_signature(target)
    db_path = Path(target)
    found = []
    for file in (db_path, db_path.with_name(db_path.name + ".wal")):
        try:
            st = os.stat(file)
        except FileNotFoundError:
            found.append(None)
            continue
        found.append((st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns))
    return tuple(found)


def _server_signature(url: str) -> tuple:
    """The server's next transaction id: it moves on whenever a transaction wrote anything
    (reads take none), so an unchanged stamp means unchanged data. One short query."""
    from analytics.warehouse.postgres import connect_server

    with connect_server(url, read_only=True) as con:
        row = con.execute("SELECT pg_snapshot_xmax(pg_current_snapshot())::text").fetchone()
    return ("server", url, row[0])


# ---------------------------------------------------------------------------- one process, many threads


class _SharedReader:
    """One read-only connection the threads of a process share while they use it.

    Each :func:`reading` takes a cursor; the connection closes when the last cursor is
    returned, unless a page run keeps it open (:func:`keeping_open`) and no writer waits, in
    this process or (the writers' queue) in another. Writers of this process wait for the
    cursors to come back and readers wait for the writer: DuckDB cannot hold one file in two
    modes in one process.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._cond = threading.Condition()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._cursors = 0
        self._pins = 0
        self._opening = False
        self._writers = 0  # threads of this process waiting to write, or writing
        self._writing = False
        self._draining = False  # a queued writer elsewhere: no new cursors on this connection
        self._local = threading.local()  # this thread's cursors (a read nested in a read)

    # -- readers

    def acquire(self, waiter: Waiter) -> duckdb.DuckDBPyConnection:
        """A cursor on the shared connection, opening it when needed (within ``waiter``)."""
        with self._cond:
            while True:
                if self._depth() and self._con is not None:
                    return self._take()  # nested in this thread's own read: never wait for it
                if self._writers:
                    waiter.saw(this_process(), "writing")
                elif self._draining:
                    waiter.saw(queued_writer(self.path) or this_process(), "writing")
                elif self._opening:
                    waiter.due(this_process(), "reading")  # the opening thread says why
                elif self._con is not None and self._cursors and queued_writer(self.path):
                    self._draining = True  # no new cursors: let the writer in once these are back
                    continue
                elif self._con is not None:
                    return self._take()
                else:
                    self._opening = True
                    break
                self._cond.wait(waiter.pause())
        try:
            con = _connect(self.path, True, waiter)
        except BaseException:
            with self._cond:
                self._opening = False
                self._cond.notify_all()
            raise
        with self._cond:
            self._con, self._opening = con, False
            self._cond.notify_all()
            return self._take()

    def _depth(self) -> int:
        return getattr(self._local, "depth", 0)

    def _take(self) -> duckdb.DuckDBPyConnection:
        self._cursors += 1
        self._local.depth = self._depth() + 1
        return self._con.cursor()

    def release(self, cursor: duckdb.DuckDBPyConnection) -> None:
        cursor.close()
        with self._cond:
            self._cursors -= 1
            self._local.depth = self._depth() - 1
            if not self._cursors:
                self._draining = False
                if not self._pins or self._writers or queued_writer(self.path):
                    self._close()
            self._cond.notify_all()

    def pin(self) -> None:
        with self._cond:
            self._pins += 1

    def unpin(self) -> None:
        with self._cond:
            self._pins -= 1
            if not self._pins and not self._cursors:
                self._close()
            self._cond.notify_all()

    def close_if_idle(self) -> bool:
        """Close the connection if no cursor is out; whether it was open and is now closed."""
        with self._cond:
            if self._con is None or self._cursors:
                return False
            self._close()
            self._cond.notify_all()
            return True

    def _close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None

    # -- writers

    @contextmanager
    def writer(self, waiter: Waiter) -> Iterator[None]:
        """Hold this process's readers back while one of its threads writes."""
        with self._cond:
            self._writers += 1
            try:
                while self._cursors or self._opening or self._writing:
                    waiter.saw(this_process(), "reading" if self._cursors else "writing")
                    self._cond.wait(waiter.pause())
            except BaseException:
                self._writers -= 1
                self._cond.notify_all()
                raise
            self._close()
            self._writing = True
        try:
            yield
        finally:
            with self._cond:
                self._writing = False
                self._writers -= 1
                self._cond.notify_all()


@cache
def this_process() -> Holder:
    return holder_of(os.getpid())


_readers: dict[str, _SharedReader] = {}
_readers_lock = threading.Lock()


def _shared(path: Path) -> _SharedReader:
    key = os.path.abspath(path)
    with _readers_lock:
        if key not in _readers:
            _readers[key] = _SharedReader(Path(key))
        return _readers[key]


@dataclass
class Reading:
    """A cursor taken by :func:`reading`; ``with`` gives it back when the block ends."""

    _reader: _SharedReader
    cursor: duckdb.DuckDBPyConnection

    def __enter__(self) -> duckdb.DuckDBPyConnection:
        return self.cursor

    def __exit__(self, *exc) -> None:
        self._reader.release(self.cursor)


def reading(
    path: Path | str | None = None,
    *,
    wait: float | None = None,
    on_wait: Callable[[Wait], None] | None = None,
) -> Reading:
    """A cursor on this process's shared read-only connection: ``with reading() as cur:``.

    The cursor is taken at the call (waiting as :func:`connect` does, which is where
    WarehouseBusy comes from) and given back when the ``with`` block ends.
    """
    target = path if path is not None else default_db_path()
    if is_server_url(target):
        return _ServerReading(_server_session(target))
    db_path = Path(target)
    if not db_path.exists():
        raise UserError("warehouse.missing", path=str(db_path))
    reader = _shared(db_path)
    return Reading(reader, reader.acquire(Waiter(str(db_path), wait, on_wait)))


# Per thread: the read-only server session :func:`keeping_open` keeps for a job, by URL
# (None until the job's first read opens it).
_kept = threading.local()


def _server_session(url: str) -> PgConnection:
    """A read-only session for one use: another handle on the one a job keeps open in this
    thread (see :func:`keeping_open`), else a session of its own."""
    kept = getattr(_kept, "sessions", {})
    if url not in kept:
        return _connect_server(url, True)
    session = kept[url]
    if session is None or session.raw.closed:
        session = kept[url] = _connect_server(url, True)
    return session.cursor()


@dataclass
class _ServerReading:
    """A read-only session for one use (or a handle on the job's): a server serves many
    sessions at once, so nothing is shared between threads or waited for."""

    cursor: PgConnection

    def __enter__(self) -> PgConnection:
        return self.cursor

    def __exit__(self, *exc) -> None:
        self.cursor.close()


@contextmanager
def writing(
    path: Path | str | None = None,
    *,
    wait: float | None = None,
    on_wait: Callable[[Wait], None] | None = None,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection for one commit, closed after it (so readers elsewhere get the
    file back at once). Waits first for this process's readers, then for other processes."""
    target = path if path is not None else default_db_path()
    if is_server_url(target):
        with _connect_server(target, False) as con:
            yield con
        return
    db_path = Path(target)
    waiter = Waiter(str(db_path), wait, on_wait)
    with _shared(db_path).writer(waiter):
        con = _connect(db_path, False, waiter)
        try:
            yield con
        finally:
            con.close()


@contextmanager
def keeping_open(path: Path | str | None = None) -> Iterator[None]:
    """Keep the shared read-only connection open between the cursors of one job (a page run:
    dozens of queries, one open), unless a writer asks for the file meanwhile. On a server,
    the job's reads in this thread share one read-only session, opened by the first of them
    and closed when the job ends (writes have sessions of their own)."""
    target = path if path is not None else default_db_path()
    if is_server_url(target):
        with _keeping_session(str(target)):
            yield
        return
    reader = _shared(Path(target))
    reader.pin()
    try:
        yield
    finally:
        reader.unpin()


@contextmanager
def _keeping_session(url: str) -> Iterator[None]:
    sessions = _kept.__dict__.setdefault("sessions", {})
    if url in sessions:  # nested in a job that keeps one already
        yield
        return
    sessions[url] = None
    try:
        yield
    finally:
        session = sessions.pop(url)
        if session is not None:
            session.close()
