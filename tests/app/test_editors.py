"""Editors on the Data page: the lockout said in words, the login log for editors, a session
ended at once when its account is removed, demoted or re-passworded, and idle expiry. The
clock is injected (app_pages._auth.now), never slept on."""

import datetime as dt

import pytest

from analytics.i18n import t
from analytics.intake import users
from analytics.warehouse.connection import connect
from app_pages import _auth
from tests.app.conftest import new_app

PASSWORD = "correct horse battery"
T0 = dt.datetime(2025, 3, 14, 9, 0, tzinfo=dt.UTC)


class Clock:
    def __init__(self) -> None:
        self.moment = T0

    def __call__(self) -> dt.datetime:
        return self.moment

    def advance(self, minutes: float) -> None:
        self.moment += dt.timedelta(minutes=minutes)


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(_auth, "now", clock)
    return clock


@pytest.fixture
def accounts(app_db):
    with connect(app_db) as con:
        users.add_user(con, "olga", "editor", PASSWORD)
    return app_db


def change_accounts(path, change) -> None:
    """Change accounts as an administrator would (the same process may open the file again:
    DuckDB shares the app's database instance)."""
    with connect(path) as con:
        change(con)


def open_data_page(lang: str = "en"):
    at = new_app(lang).run()
    return at.switch_page("app_pages/data.py").run()


def log_in(at, name: str, password: str = PASSWORD):
    at.text_input(key="data_login_name").input(name)
    at.text_input(key="data_login_password").input(password)
    return at.button(key="data_login_submit").click().run()


def errors(at) -> list[str]:
    assert not at.exception, [e.value for e in at.exception]
    return [e.value for e in at.error]


def warnings(at) -> list[str]:
    """Warnings other than the demo-data banner every page shows."""
    return [w.value for w in at.warning if w.value != t("simulated.notice", _lang(at))]


def _lang(at) -> str:
    return at.query_params.get("lang", "ru")


def logged_in(at) -> bool:
    return bool(at.file_uploader)


def test_five_failed_logins_lock_the_account_and_the_lock_ends_after_15_minutes(accounts, clock):
    at = open_data_page("ru")
    for _ in range(4):
        at = log_in(at, "olga", "wrong password")
        assert errors(at) == [t("data.login_failed", "ru")]
        clock.advance(1)
    at = log_in(at, "olga", "wrong password")  # the fifth, at 09:04 UTC
    shown = errors(at)
    assert shown[0] == t("data.login_failed", "ru")
    # The server's zone (AppTest has no browser to report one): 09:19 UTC there.
    until = T0 + dt.timedelta(minutes=19)
    remaining = "через 15 минут"
    assert shown[1:] == [
        t("intake.login.locked", "ru", until=f"{until.astimezone():%H:%M}", remaining=remaining)
    ]
    clock.advance(10)
    at = log_in(at, "olga", PASSWORD)  # right password, still locked: refused unchecked
    assert not logged_in(at)
    assert len(errors(at)) == 1 and "(через 5 минут)" in errors(at)[0]
    clock.advance(5)
    at = log_in(at, "olga", PASSWORD)
    assert logged_in(at), errors(at)


def test_an_unknown_name_gets_the_same_answers_as_a_real_one(accounts, clock):
    answers = {}
    for name in ("olga", "nobody"):
        at = open_data_page()
        for _ in range(5):
            at = log_in(at, name, "wrong password")
        answers[name] = errors(at)
        at = log_in(at, name, "anything else")
        answers[name] += errors(at)
    assert answers["olga"] == answers["nobody"]
    assert any("Too many failed login attempts" in a for a in answers["olga"])


def test_one_session_trying_many_names_is_locked(accounts, clock):
    at = open_data_page()
    for name in ("anna", "boris", "clara", "denis", "elena"):
        at = log_in(at, name, "wrong password")
    at = log_in(at, "olga", PASSWORD)
    assert not logged_in(at)
    assert any("Too many failed login attempts" in e for e in errors(at))
    other = log_in(open_data_page(), "olga", PASSWORD)  # another session is not locked
    assert logged_in(other)


def test_editors_see_the_login_log_viewers_and_visitors_do_not(accounts, clock):
    change_accounts(accounts, lambda con: users.add_user(con, "vera", "viewer", PASSWORD))
    at = open_data_page()
    at = log_in(at, "=cmd|' /C calc'!A0", "wrong password")
    assert all(t("data.col_outcome", "en") not in d.value.columns for d in at.dataframe)
    at = log_in(open_data_page(), "vera")
    assert all(t("data.col_outcome", "en") not in d.value.columns for d in at.dataframe)
    clock.advance(1)
    at = log_in(open_data_page(), "olga")
    log = next(d.value for d in at.dataframe if t("data.col_outcome", "en") in d.value.columns)
    rows = list(
        log[
            [
                t("data.col_account", "en"),
                t("data.col_outcome", "en"),
                t("data.col_account_exists", "en"),
                t("data.col_channel", "en"),
            ]
        ].itertuples(index=False, name=None)
    )
    assert rows == [  # newest first; a typed formula is shown as text, never live
        ("olga", "logged in", "yes", "app"),
        ("vera", "logged in", "yes", "app"),
        ("'=cmd|' /C calc'!A0", "wrong name or password", "no", "app"),
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda con: users.remove_user(con, "olga"), "data.session_ended_removed"),
        (lambda con: users.set_role(con, "olga", "viewer"), "data.session_ended_role_changed"),
        (
            lambda con: users.set_password(con, "olga", "a brand new password"),
            "data.session_ended_password_changed",
        ),
    ],
    ids=["removed", "demoted", "new password"],
)
def test_a_changed_account_ends_the_session_at_once(accounts, clock, change, message):
    at = log_in(open_data_page("uk"), "olga")
    assert logged_in(at)
    change_accounts(accounts, change)
    at.run()  # the very next run, whatever the editor does
    assert not at.exception, [e.value for e in at.exception]
    assert not logged_in(at)
    assert warnings(at) == [t(message, "uk", name="olga")]
    assert "data_user" not in at.session_state
    assert warnings(at.run()) == []  # said once


def test_the_session_is_checked_on_other_pages_too(accounts, clock):
    at = log_in(open_data_page(), "olga")
    change_accounts(accounts, lambda con: users.set_role(con, "olga", "viewer"))
    at.switch_page("app_pages/overview.py").run()
    assert not at.exception
    assert "data_user" not in at.session_state
    at.switch_page("app_pages/data.py").run()  # where the login is, the reason is said
    assert warnings(at) == [t("data.session_ended_role_changed", "en", name="olga")]


def test_an_idle_session_expires_after_30_minutes(accounts, clock, monkeypatch):
    monkeypatch.delenv(users.IDLE_ENV, raising=False)
    at = log_in(open_data_page("ru"), "olga")
    clock.advance(29)
    at.run()
    assert logged_in(at)  # and this run was activity: the 30 minutes start again
    clock.advance(29)
    at.run()
    assert logged_in(at)
    clock.advance(30.5)
    at.run()
    assert not logged_in(at)
    idle = t("data.session_expired", "ru", idle="30 минут")
    assert warnings(at) == [idle]


def test_the_idle_limit_follows_the_environment(accounts, clock, monkeypatch):
    monkeypatch.setenv(users.IDLE_ENV, "5")
    at = log_in(open_data_page(), "olga")
    clock.advance(5.5)
    at.run()
    assert not logged_in(at)
    assert warnings(at) == [t("data.session_expired", "en", idle="5 minutes")]
