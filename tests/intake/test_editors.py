"""Editors' security on the intake side: lockout after failed logins (with an injected clock,
never a sleep), the login log, session checks against the warehouse, the idle limit, the
password on the command line and the system user recorded with each import."""

import datetime as dt
import io
import os
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from analytics.cli import main
from analytics.errors import UserError
from analytics.i18n import t
from analytics.intake import users
from tests.intake.conftest import table_checksums

ROOT = Path(__file__).parents[2]
PASSWORD = "correct horse battery"
T0 = dt.datetime(2025, 3, 14, 9, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def con(db):
    with duckdb.connect(str(db)) as con:
        users.add_user(con, "olga", "editor", PASSWORD)
        users.add_user(con, "vera", "viewer", PASSWORD)
        yield con


def attempt(con, name, password, minutes, session_failures=()):
    return users.log_in(
        con,
        name,
        password,
        channel="app",
        now=T0 + minutes * MINUTE,
        session_failures=session_failures,
    )


# ------------------------------------------------------------------ lockout


def test_five_failures_within_15_minutes_lock_the_account_for_15_minutes(con):
    for minute in range(4):
        assert attempt(con, "olga", "wrong", minute) == users.LoginAttempt("failure")
    fifth = attempt(con, "olga", "wrong", 4)
    assert fifth.outcome == "failure"
    assert fifth.locked_until == T0 + 19 * MINUTE  # 15 minutes after the fifth failure
    # Locked: even the right password is refused, unchecked.
    during = attempt(con, "olga", PASSWORD, 10)
    assert (during.outcome, during.user, during.locked_until) == ("locked", None, T0 + 19 * MINUTE)
    still = attempt(con, "olga", PASSWORD, 18.99)
    assert still.outcome == "locked"
    # Attempts refused during the lock do not extend it: it ends when it said it would.
    after = attempt(con, "olga", PASSWORD, 19)
    assert after.outcome == "success" and after.user == users.User("olga", "editor")


def test_failures_spread_over_more_than_15_minutes_do_not_lock(con):
    for minute in (0, 4, 8, 12, 16):  # the fifth is 16 minutes after the first
        assert attempt(con, "olga", "wrong", minute).locked_until is None
    assert attempt(con, "olga", PASSWORD, 16.5).outcome == "success"


def test_a_success_starts_the_count_again(con):
    for minute in range(4):
        attempt(con, "olga", "wrong", minute)
    assert attempt(con, "olga", PASSWORD, 4).outcome == "success"
    assert attempt(con, "olga", "wrong", 5).locked_until is None
    assert attempt(con, "olga", PASSWORD, 6).outcome == "success"


def test_after_a_lock_ends_one_more_failure_does_not_lock_again(con):
    for minute in range(5):
        attempt(con, "olga", "wrong", minute)
    assert attempt(con, "olga", "wrong", 19).locked_until is None
    assert attempt(con, "olga", PASSWORD, 20).outcome == "success"


def test_an_unknown_account_is_counted_and_locked_exactly_like_a_real_one(con):
    real = [attempt(con, "olga", "wrong", m) for m in range(5)]
    ghost = [attempt(con, "nobody", "wrong", m) for m in range(5)]
    assert real == ghost  # same outcomes, same lock end: nothing tells them apart
    assert attempt(con, "nobody", "whatever", 6) == attempt(con, "olga", PASSWORD, 6)
    logged = con.execute(
        "SELECT account, bool_and(account_exists), count(*) FROM login_log GROUP BY account"
        " ORDER BY account"
    ).fetchall()
    assert logged == [("nobody", False, 6), ("olga", True, 6)]


def test_failures_in_one_session_lock_it_whatever_names_it_tries(con):
    session: list[dt.datetime] = []
    for minute, name in enumerate(["a1", "b2", "c3", "d4", "e5"]):
        result = attempt(con, name, "wrong", minute, session)
        session.append(T0 + minute * MINUTE)  # what the app keeps per session
    assert result.locked_until == T0 + 19 * MINUTE
    # The session is locked for every name, also for a correct password.
    assert attempt(con, "olga", PASSWORD, 5, session).outcome == "locked"
    # Another session (no failures of its own) may still log in as olga.
    assert attempt(con, "olga", PASSWORD, 5).outcome == "success"


def test_the_lock_is_said_in_words_in_the_users_language_and_time_zone(con):
    for minute in range(5):
        until = attempt(con, "olga", "wrong", minute).locked_until
    moscow = ZoneInfo("Europe/Moscow")  # UTC+3: 09:19 UTC is 12:19 in Moscow
    now = T0 + 10 * MINUTE
    ru = users.lock_error(until, now, "ru", moscow).message("ru")
    assert "до 12:19 (через 9 минут)" in ru
    assert ru.startswith("Слишком много неудачных попыток входа")
    uk = users.lock_error(until, now + 8.5 * MINUTE, "uk", moscow).message("uk")
    assert "до 12:19 (через 1 хвилину)" in uk
    en = users.lock_error(until, now, "en", ZoneInfo("Europe/London")).message("en")
    assert "until 09:19 (in 9 minutes)" in en


# ------------------------------------------------------------------ the log


def test_every_attempt_is_logged_with_time_account_outcome_and_channel(con):
    attempt(con, "olga", "wrong", 0)
    attempt(con, " olga ", PASSWORD, 1)  # the name as typed, trimmed
    users.log_in(con, "x" * 5000, "wrong", channel="cli", now=T0 + 2 * MINUTE)
    log = users.recent_logins(con)
    assert list(log.itertuples(index=False, name=None)) == [
        (dt.datetime(2025, 3, 14, 9, 2), "x" * users.LOGGED_NAME_LENGTH, "failure", False, "cli"),
        (dt.datetime(2025, 3, 14, 9, 1), "olga", "success", True, "app"),
        (dt.datetime(2025, 3, 14, 9, 0), "olga", "failure", True, "app"),
    ]


# ------------------------------------------------------------------ sessions


def test_a_session_ends_when_its_account_is_removed_demoted_or_gets_a_new_password(con):
    olga = users.authenticate(con, "olga", PASSWORD)
    assert users.session_end(con, olga) is None
    users.set_role(con, "olga", "viewer")
    assert users.session_end(con, olga) == "role_changed"
    users.set_role(con, "olga", "editor")
    assert users.session_end(con, olga) is None
    users.set_password(con, "olga", "another long password")
    assert users.session_end(con, olga) == "password_changed"
    olga = users.authenticate(con, "olga", "another long password")
    users.remove_user(con, "olga")
    assert users.session_end(con, olga) == "removed"
    # Re-created under the same name and password: still not the session's account.
    users.add_user(con, "olga", "editor", "another long password")
    assert users.session_end(con, olga) == "password_changed"


def test_the_idle_limit_is_30_minutes_unless_configured(monkeypatch):
    monkeypatch.delenv(users.IDLE_ENV, raising=False)
    assert users.session_idle_limit() == dt.timedelta(minutes=30)
    monkeypatch.setenv(users.IDLE_ENV, "7,5")
    assert users.session_idle_limit() == dt.timedelta(minutes=7.5)
    for bad in ("0", "-5", "half an hour", "inf"):
        monkeypatch.setenv(users.IDLE_ENV, bad)
        with pytest.raises(UserError) as caught:
            users.session_idle_limit()
        assert caught.value.key == "intake.session.bad_idle"
        assert bad in caught.value.message("ru")


def test_an_older_warehouse_gets_stamps_for_its_accounts(tmp_path):
    """Migration 006 on a file with accounts made before it: each gets its own stamp."""
    from analytics.warehouse.connection import connect, migrations

    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as old:
        old.execute(
            "CREATE TABLE schema_version (version INTEGER PRIMARY KEY,"
            " description VARCHAR NOT NULL, applied_at TIMESTAMP DEFAULT current_timestamp)"
        )
        for m in migrations()[:5]:
            old.execute(m.path.read_text(encoding="utf-8"))
            old.execute("INSERT INTO schema_version VALUES (?, ?, now())", [m.version, "x"])
        old.execute("INSERT INTO app_user (name, role, password_hash) VALUES ('a', 'editor', 'h')")
        old.execute("INSERT INTO app_user (name, role, password_hash) VALUES ('b', 'editor', 'h')")
    with connect(path) as con:
        stamps = [r[0] for r in con.execute("SELECT password_stamp FROM app_user").fetchall()]
    assert all(stamps) and len(set(stamps)) == 2


# ------------------------------------------------------------------ the command line


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


CORRECTION = "Park (code or name),Quarter,Jobs at residents\nXD-P001,2025Q4,1234\n"


@pytest.fixture
def correction(tmp_path):
    path = tmp_path / "correction.csv"
    path.write_text(CORRECTION, encoding="utf-8")
    return path


def run_cli(monkeypatch, args, stdin=""):
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin) if isinstance(stdin, str) else stdin)
    return main(["--lang", "ru", *args])


def test_import_as_a_user_needs_that_users_password(con, db, correction, monkeypatch, capsys):
    con.close()
    base = ["import", "--db", str(db), str(correction), "--user", "olga"]
    before = table_checksums(db)
    # No terminal and no --password-stdin: one line, nothing written, nothing logged.
    assert run_cli(monkeypatch, base) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"{t('error.prefix', 'ru')}: {t('intake.login.no_terminal', 'ru', name='olga')}"
    assert table_checksums(db) == before
    # A wrong password is refused and logged; the data stay as they were.
    assert run_cli(monkeypatch, [*base, "--password-stdin"], "not it\n") == 2
    assert t("intake.login.failed", "ru") in capsys.readouterr().err
    with duckdb.connect(str(db), read_only=True) as check:
        assert check.execute("SELECT outcome, channel FROM login_log").fetchall() == [
            ("failure", "cli")
        ]
        assert check.execute("SELECT count(*) FROM import_log").fetchone()[0] == 0
    # A viewer's right password does not make them an editor.
    viewer = ["import", "--db", str(db), str(correction), "--user", "vera", "--password-stdin"]
    assert run_cli(monkeypatch, viewer, PASSWORD + "\n") == 2
    assert "vera" in capsys.readouterr().err
    # The right password, asked on the terminal.
    asked = []
    monkeypatch.setattr("getpass.getpass", lambda prompt: asked.append(prompt) or PASSWORD)
    assert run_cli(monkeypatch, base, _Terminal()) == 0
    assert asked == [t("intake.user.prompt", "ru", name="olga")]
    with duckdb.connect(str(db), read_only=True) as check:
        assert check.execute("SELECT imported_by FROM import_log").fetchall() == [("olga",)]


def test_the_command_line_obeys_the_lockout(con, db, correction, monkeypatch, capsys):
    con.close()
    base = ["import", "--db", str(db), str(correction), "--user", "olga", "--password-stdin"]
    for _ in range(5):
        assert run_cli(monkeypatch, base, "wrong\n") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert t("intake.login.failed", "ru") in err[0]
    assert err[-1].startswith(f"{t('error.prefix', 'ru')}: Слишком много неудачных попыток")
    assert run_cli(monkeypatch, base, PASSWORD + "\n") == 2  # locked: right password refused
    assert "через 15 минут" in capsys.readouterr().err
    with duckdb.connect(str(db), read_only=True) as check:
        assert check.execute("SELECT count(*) FROM import_log").fetchone()[0] == 0


def _system_user() -> str:
    """Who this process runs as, asked of the system's `id` (coreutils), not our code."""
    return subprocess.run(["id", "-un"], capture_output=True, text=True, check=True).stdout.strip()


def test_an_import_records_the_system_user_and_history_shows_it(
    con, db, correction, monkeypatch, capsys
):
    con.close()
    monkeypatch.setenv("USER", "mallory")  # the environment cannot claim another system user
    monkeypatch.setenv("LOGNAME", "mallory")
    args = ["import", "--db", str(db), str(correction), "--user", "olga", "--password-stdin"]
    assert run_cli(monkeypatch, args, PASSWORD + "\n") == 0
    me = _system_user()
    with duckdb.connect(str(db), read_only=True) as check:
        row = check.execute(
            "SELECT loaded_by, os_user, user_verified FROM source ORDER BY source_id DESC LIMIT 1"
        ).fetchone()
    assert row == ("olga", me, True)
    capsys.readouterr()
    assert (
        main(["--lang", "ru", "history", "--db", str(db), "--park", "XD-P001", "--last", "1"]) == 0
    )
    line = capsys.readouterr().out.strip()
    assert t("intake.author.checked", "ru", user="olga", os_user=me) in line
    assert "correction.csv" in line and line.endswith(
        "→ 1\xa0234"
    )  # ru groups with a no-break space


def test_without_accounts_the_name_is_recorded_as_unchecked(db, correction, monkeypatch, capsys):
    args = ["import", "--db", str(db), str(correction), "--user", "anna"]
    assert run_cli(monkeypatch, args) == 0  # nothing to check against yet: no password asked
    with duckdb.connect(str(db), read_only=True) as check:
        row = check.execute(
            "SELECT loaded_by, os_user, user_verified FROM source ORDER BY source_id DESC LIMIT 1"
        ).fetchone()
    assert row == ("anna", _system_user(), False)
    capsys.readouterr()
    main(["--lang", "en", "history", "--db", str(db), "--park", "XD-P001", "--last", "1"])
    out = capsys.readouterr().out
    assert t("intake.author.unchecked", "en", user="anna", os_user=_system_user()) in out


def test_user_add_without_a_terminal_ends_in_one_translated_line(db):
    """A real process without a terminal (its own session, stdin from /dev/null): getpass
    would fall back to stdin, warn and end in EOFError's traceback."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), PARKS_LANG="uk")
    done = subprocess.run(
        [sys.executable, "-m", "analytics", "user", "add", "ivan", "--db", str(db)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        start_new_session=True,  # no controlling terminal: /dev/tty cannot be opened
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"{t('error.prefix', 'uk')}: {t('intake.login.no_terminal', 'uk', name='ivan')}"
    ]
    with duckdb.connect(str(db), read_only=True) as check:
        assert check.execute("SELECT count(*) FROM app_user").fetchone()[0] == 0


def test_user_add_and_passwd_read_the_password_from_stdin(db, monkeypatch, capsys):
    add = ["user", "add", "ivan", "--db", str(db), "--password-stdin"]
    assert run_cli(monkeypatch, add, "") == 2
    assert t("intake.login.empty_stdin", "ru") in capsys.readouterr().err
    assert run_cli(monkeypatch, add, PASSWORD + "\r\n") == 0
    with duckdb.connect(str(db)) as check:
        ivan = users.authenticate(check, "ivan", PASSWORD)  # the CR of a Windows pipe is not kept
        assert ivan == users.User("ivan", "editor")
    passwd = ["user", "passwd", "ivan", "--db", str(db), "--password-stdin"]
    assert run_cli(monkeypatch, passwd, "a new long password\n") == 0
    role = ["user", "role", "ivan", "--db", str(db), "--role", "viewer"]
    assert run_cli(monkeypatch, role) == 0
    with duckdb.connect(str(db)) as check:
        assert users.session_end(check, ivan) == "password_changed"
        assert users.authenticate(check, "ivan", "a new long password").role == "viewer"
