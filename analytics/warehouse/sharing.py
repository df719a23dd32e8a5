"""Opening a DuckDB file that other processes may hold: a bounded wait that says what it waits for.

DuckDB lets several processes read a file at once, but a writer needs it alone, and it refuses
an open that conflicts with another process's lock at once, in English ("Could not set lock on
file … Conflicting lock is held in … (PID 1234)"). :func:`open_duckdb` tries again until the
file is free or the bound (``PARKS_LOCK_WAIT_SECONDS``, default 30 s) has passed; after a
second it tells the user who holds the file, named from that process's command line ("the
dashboard (streamlit, PID 1234)"), and at the bound it fails with :class:`WarehouseBusy`, one
translated line.

A writer that waits announces itself with a shared ``flock`` on a queue file beside the
warehouse (``<file>.queue``, removed by the last writer out); readers give way to it for a
moment before they open, so a busy app cannot starve a command-line import.
"""

from __future__ import annotations

import fcntl
import math
import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import duckdb

from analytics.errors import UserError

WAIT_ENV = "PARKS_LOCK_WAIT_SECONDS"
DEFAULT_WAIT_SECONDS = 30.0
# A wait shorter than this goes unsaid (a commit in another process takes about this long).
NOTICE_AFTER_SECONDS = 1.0
# How long a reader gives way to a queued writer before it opens anyway: a writer that cannot
# get in for longer waits for someone else (a notebook holding the file), not for this reader.
QUEUE_PATIENCE_SECONDS = 2.0
FIRST_PAUSE, LONGEST_PAUSE = 0.02, 0.25

_LOCK_CONFLICT = "Could not set lock on file"
_HOLDER_READS = "read-only mode"  # DuckDB adds "you would be able to open … in read-only mode"
_OTHER_MODE = "different configuration"  # this process holds the file in the other mode
_PID = re.compile(r"\(PID (\d+)\)")

HolderKind = Literal["dashboard", "command", "notebook", "shell", "program", "unknown"]
Activity = Literal["reading", "writing"]


def wait_seconds() -> float:
    """How long an open waits for a file another process holds: PARKS_LOCK_WAIT_SECONDS or 30."""
    text = os.environ.get(WAIT_ENV, "").strip()
    if not text:
        return DEFAULT_WAIT_SECONDS
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value >= 0):
        raise UserError("warehouse.sharing.bad_wait", name=WAIT_ENV, value=text)
    return value


# ---------------------------------------------------------------------------- who holds it


@dataclass(frozen=True)
class Holder:
    """The process holding the file, as a user would name it."""

    pid: int | None
    kind: HolderKind
    program: str = ""

    def text(self, lang: str) -> str:
        from analytics.i18n import t

        pid = "?" if self.pid is None else self.pid
        return t(f"warehouse.sharing.holder.{self.kind}", lang, pid=pid, program=self.program)


def holder_of(pid: int | None) -> Holder:
    """Name process ``pid`` from its command line (/proc/PID/cmdline)."""
    if pid is None:
        return Holder(None, "unknown")
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:  # gone meanwhile, or not Linux
        return Holder(pid, "unknown")
    argv = [a.decode("utf-8", "replace") for a in raw.split(b"\0") if a]
    kind, program = program_of(argv)
    return Holder(pid, kind, program)


def program_of(argv: list[str]) -> tuple[HolderKind, str]:
    """What kind of program a command line runs, and its short name."""
    if not argv:
        return "unknown", ""
    names = [os.path.basename(a) for a in argv]
    if "streamlit" in names[:3]:
        return "dashboard", "streamlit"
    if any("ipykernel" in n or "jupyter" in n for n in names[:3]):
        return "notebook", "jupyter"
    if names[0] == "duckdb":
        return "shell", "duckdb"
    if "analytics" in names[1:3] and argv[names.index("analytics") - 1] == "-m":
        return "command", " ".join(
            ["analytics", *_command_word(argv[names.index("analytics") + 1 :])]
        )
    if names[0].startswith("python") and len(argv) > 1:
        if argv[1] == "-m" and len(argv) > 2:
            return "program", argv[2]
        if argv[1] != "-c":
            return "program", names[1]
    return "program", names[0]


def _command_word(rest: list[str]) -> list[str]:
    """The subcommand after ``python -m analytics``, skipping ``--lang ru`` and other flags."""
    skip = False
    for word in rest:
        if skip:
            skip = False
        elif word == "--lang":
            skip = True
        elif not word.startswith("-"):
            return [word]
    return []


@dataclass(frozen=True)
class Wait:
    """What an open waits for: ``holder`` is ``activity`` the file at ``path``; the open gives
    up after ``seconds``."""

    path: str
    holder: Holder
    activity: Activity
    seconds: float

    def message(self, lang: str) -> str:
        from analytics.i18n import t

        return t(
            f"warehouse.sharing.waiting_{self.activity}",
            lang,
            holder=self.holder.text(lang),
            seconds=seconds_text(self.seconds, lang),
        )


class WarehouseBusy(UserError):
    """The wait ended and the file is still held: one translated line naming the holder."""

    def __init__(self, wait: Wait) -> None:
        self.wait = wait
        super().__init__(f"warehouse.sharing.busy_{wait.activity}", path=wait.path)

    def message(self, lang: str) -> str:
        from analytics.i18n import t

        return t(
            self.key,
            lang,
            path=self.wait.path,
            holder=self.wait.holder.text(lang),
            seconds=seconds_text(self.wait.seconds, lang),
            name=WAIT_ENV,
        )


def seconds_text(seconds: float, lang: str) -> str:
    from analytics.i18n import fmt_number

    return fmt_number(seconds, lang, 0 if float(seconds).is_integer() else 1)


# ---------------------------------------------------------------------------- notices

_notice_language: str | None = None


def set_notice_language(lang: str | None) -> None:
    """The language of waiting notices printed on stderr (the command line sets its --lang)."""
    global _notice_language
    _notice_language = lang


def print_notice(wait: Wait) -> None:
    """The default notice: one line on stderr (a terminal, a notebook cell's output)."""
    from analytics.i18n import language_from_env

    print(wait.message(_notice_language or language_from_env()), file=sys.stderr, flush=True)


class Waiter:
    """The clock of one bounded wait: when to speak, when to pause, when to give up."""

    def __init__(
        self, path: str, seconds: float | None, on_wait: Callable[[Wait], None] | None
    ) -> None:
        self.path = path
        self.seconds = wait_seconds() if seconds is None else seconds
        self.on_wait = print_notice if on_wait is None else on_wait
        self.started = time.monotonic()
        self._said: tuple[int | None, str] | None = None
        self._pause = FIRST_PAUSE

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def remaining(self) -> float:
        return max(0.0, self.seconds - self.elapsed())

    def wait_for(self, holder: Holder, activity: Activity) -> Wait:
        return Wait(self.path, holder, activity, self.seconds)

    def due(self, holder: Holder, activity: Activity) -> None:
        """Give up at the bound."""
        if self.elapsed() >= self.seconds:
            raise WarehouseBusy(self.wait_for(holder, activity))

    def saw(self, holder: Holder, activity: Activity) -> None:
        """The file is held: give up at the bound, say so once past a second (again when
        another process holds it)."""
        self.due(holder, activity)
        if self.elapsed() >= NOTICE_AFTER_SECONDS and self._said != (holder.pid, activity):
            self._said = (holder.pid, activity)
            self.on_wait(self.wait_for(holder, activity))

    def pause(self) -> float:
        """The next pause between attempts: short at first, never past the bound."""
        pause = min(self._pause, self.remaining())
        self._pause = min(self._pause * 2, LONGEST_PAUSE)
        return pause

    def sleep(self) -> None:
        time.sleep(self.pause())


# ---------------------------------------------------------------------------- the writers' queue


def queue_path(db: Path) -> Path:
    return db.with_name(db.name + ".queue")


@contextmanager
def queued(db: Path) -> Iterator[None]:
    """Stand in the writers' queue while waiting for the file (a shared flock: several
    writers may wait at once and then take turns on DuckDB's own lock). The last writer out
    removes the queue file, so none is left beside the warehouse."""
    fd = _join_queue(queue_path(db))
    try:
        yield
    finally:
        if fd is not None:
            _leave_queue(queue_path(db), fd)


def _join_queue(path: Path) -> int | None:
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError:  # a folder we may not write: readers simply do not give way
            return None
        fcntl.flock(fd, fcntl.LOCK_SH)
        try:
            if os.stat(path).st_ino == os.fstat(fd).st_ino:
                return fd
        except FileNotFoundError:
            pass
        os.close(fd)  # the last writer out removed it meanwhile: queue at the new one


def _leave_queue(path: Path, fd: int) -> None:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # fails while another writer waits
        os.unlink(path)
    except OSError:
        pass
    finally:
        os.close(fd)


def queued_writer(db: Path) -> Holder | None:
    """A writer waiting for the file, if any (named when /proc/locks says who)."""
    try:
        fd = os.open(queue_path(db), os.O_RDONLY)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return holder_of(_flock_holder(os.fstat(fd).st_ino))
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def _flock_holder(inode: int) -> int | None:
    """The first other process holding a flock on the file with ``inode``."""
    try:
        lines = Path("/proc/locks").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        # "3: FLOCK  ADVISORY  READ  1234 fe:00:2146480 0 EOF"; "->" marks a blocked waiter
        fields = line.split()
        if len(fields) >= 6 and fields[1] == "FLOCK" and fields[5].rsplit(":", 1)[-1] == str(inode):
            pid = int(fields[4])
            if pid != os.getpid():
                return pid
    return None


# ---------------------------------------------------------------------------- opening


def open_duckdb(
    path: Path | str,
    *,
    read_only: bool = False,
    wait: float | None = None,
    on_wait: Callable[[Wait], None] | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open the DuckDB file at ``path``, waiting while another process holds it.

    Waits at most ``wait`` seconds (default :func:`wait_seconds`); ``on_wait`` hears what it
    waits for once the wait passes a second (default: a line on stderr). Raises
    :class:`WarehouseBusy` at the bound, UserError ``warehouse.cannot_open`` for a file DuckDB
    cannot read, ``warehouse.sharing.same_process`` when this process already holds the file
    for reading and asks to write.
    """
    return open_within(Path(path), read_only, Waiter(str(path), wait, on_wait))


def open_within(db: Path, read_only: bool, waiter: Waiter) -> duckdb.DuckDBPyConnection:
    """:func:`open_duckdb` within what is left of ``waiter``'s bound (one wait for all the
    opens of one job)."""
    if read_only:
        _give_way(db, waiter)
        return _attempts(db, read_only, waiter)
    with queued(db):
        return _attempts(db, read_only, waiter)


def _give_way(db: Path, waiter: Waiter) -> None:
    """Let a queued writer go first, for a moment at most."""
    patience = min(QUEUE_PATIENCE_SECONDS, waiter.seconds)
    while waiter.elapsed() < patience:
        writer = queued_writer(db)
        if writer is None:
            return
        waiter.saw(writer, "writing")
        time.sleep(min(waiter.pause(), max(0.0, patience - waiter.elapsed())))


def _attempts(db: Path, read_only: bool, waiter: Waiter) -> duckdb.DuckDBPyConnection:
    while True:
        try:
            return duckdb.connect(str(db), read_only=read_only)
        except duckdb.ConnectionException as exc:
            if _OTHER_MODE not in str(exc):
                raise UserError("warehouse.cannot_open", path=str(db), reason=str(exc)) from exc
            refusal = None
        except duckdb.IOException as exc:
            refusal = str(exc)
            if _LOCK_CONFLICT not in refusal:
                raise UserError("warehouse.cannot_open", path=str(db), reason=refusal) from exc
        except duckdb.Error as exc:  # not a DuckDB file, or one it cannot read
            raise UserError("warehouse.cannot_open", path=str(db), reason=str(exc)) from exc
        if refusal is None:  # this process holds the file already, in the other mode
            if read_only:
                # It writes to the file: a reader may join it (the lock is ours; DuckDB keeps
                # one instance per file and process).
                return duckdb.connect(str(db))
            raise UserError("warehouse.sharing.same_process", path=str(db))
        found = _PID.search(refusal)
        holder = holder_of(int(found[1]) if found else None)
        waiter.saw(holder, "reading" if _HOLDER_READS in refusal else "writing")
        waiter.sleep()
