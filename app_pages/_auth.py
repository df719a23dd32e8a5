"""Editor login in the app: the form, the lockout, and the session checks on every run.

The rules live in ``analytics.intake.users`` (lockout, log, password stamps, idle limit);
this module keeps the session's account in ``st.session_state`` and says in the reader's
language why a login was refused or a session ended. The session holds only the account's
name, role and password stamp, never the password.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd
import streamlit as st

from analytics.errors import UserError
from analytics.i18n import fmt_date, fmt_minutes, fmt_time, t
from analytics.intake import users
from app_pages.common import data
from app_pages.common.format import locale_table

ACCOUNT_KEY = "data_user"
FAILURES_KEY = "data_login_failures"  # this session's failed attempts (UTC), any name
REFUSAL_KEY = "data_login_refusal"  # why the last login attempt was refused
ENDED_KEY = "data_session_ended"  # why the session ended, shown once
# What a logged-out session forgets besides the account: the upload in progress.
UPLOAD_KEYS = ("data_preview", "data_summary")
LOG_ROWS = 200


def now() -> dt.datetime:
    """The current moment (UTC). Tests replace this to move the clock without sleeping."""
    return users.utc_now()


def viewer_zone() -> dt.tzinfo | None:
    """The reader's time zone as the browser reports it; None (this machine's) if unknown."""
    name = st.context.timezone
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


# ------------------------------------------------------------------ session


def _forget_account() -> None:
    for key in (ACCOUNT_KEY, *UPLOAD_KEYS):
        st.session_state.pop(key, None)


def _ending(account: dict, moment: dt.datetime) -> tuple | None:
    """Why the session must end now: idle too long, or the account changed in the
    warehouse (removed, another role, another password); None while it may go on."""
    try:
        idle = users.session_idle_limit()
    except UserError as exc:
        return ("config", exc)
    if moment - account["last_active"] > idle:
        return ("expired", idle)
    user = users.User(account["name"], account["role"], account["stamp"])
    with data.reading_here() as cur:  # also from the commit button's callback
        reason = users.session_end(cur, user)
    return (reason, user.name) if reason else None


def current_user() -> users.User | None:
    """The session's account, checked against the warehouse and the idle limit; a run that
    finds it changed or idle ends the session at once. Each checked run counts as activity."""
    account = st.session_state.get(ACCOUNT_KEY)
    if account is None:
        return None
    moment = now()
    ending = _ending(account, moment)
    if ending is not None:
        _forget_account()
        st.session_state[ENDED_KEY] = ending
        return None
    account["last_active"] = moment
    return users.User(account["name"], account["role"], account["stamp"])


def _ended_message(ending: tuple, lang: str) -> str:
    kind, value = ending
    if kind == "config":
        return value.message(lang)
    if kind == "expired":
        return t("data.session_expired", lang, idle=fmt_minutes(value, lang))
    return t(f"data.session_ended_{kind}", lang, name=value)


# ------------------------------------------------------------------ login form


def _log_in() -> None:
    """Check the password under the lockout rules; keep name, role and stamp on success."""
    name = st.session_state.get("data_login_name", "").strip()
    password = st.session_state.get("data_login_password", "")
    st.session_state["data_login_password"] = ""
    if not name or not password:  # nothing was tried: not an attempt to count
        st.session_state[REFUSAL_KEY] = ("failure", None)
        return
    moment = now()
    failures = st.session_state.setdefault(FAILURES_KEY, [])
    try:
        with data.writing() as con:  # the attempt is logged
            attempt = users.log_in(
                con, name, password, channel="app", now=moment, session_failures=failures
            )
    except UserError as exc:  # the warehouse stayed busy: nothing was tried
        st.session_state[REFUSAL_KEY] = ("busy", exc)
        return
    if attempt.user is None:
        if attempt.outcome == "failure":
            failures.append(moment)
        st.session_state[REFUSAL_KEY] = (attempt.outcome, attempt.locked_until)
        return
    failures.clear()
    st.session_state.pop(REFUSAL_KEY, None)
    user = attempt.user
    st.session_state[ACCOUNT_KEY] = {
        "name": user.name,
        "role": user.role,
        "stamp": user.password_stamp,
        "last_active": moment,
    }


def _log_out() -> None:
    _forget_account()


def _refusal_messages(lang: str) -> list[str]:
    refusal = st.session_state.get(REFUSAL_KEY)
    if refusal is None:
        return []
    if refusal[0] == "busy":  # ("busy", the error): the warehouse stayed busy
        return [refusal[1].message(lang)]
    outcome, locked_until = refusal
    shown = [] if outcome == "locked" else [t("data.login_failed", lang)]
    moment = now()
    if locked_until is not None and moment < locked_until:
        shown.append(users.lock_error(locked_until, moment, lang, viewer_zone()).message(lang))
    return shown


def account_section(lang: str) -> users.User | None:
    """The login form, or who is logged in with a log-out button; the logged-in account."""
    st.subheader(t("data.account", lang))
    user = current_user()
    ending = st.session_state.pop(ENDED_KEY, None)  # said once, on the page with the login
    if ending is not None:
        st.warning(_ended_message(ending, lang))
    if user is None:
        left, middle, right = st.columns([2, 2, 1], vertical_alignment="bottom")
        left.text_input(t("data.login_name", lang), key="data_login_name")
        middle.text_input(
            t("data.login_password", lang), type="password", key="data_login_password"
        )
        right.button(t("data.login", lang), key="data_login_submit", on_click=_log_in)
        for message in _refusal_messages(lang):
            st.error(message)
        st.info(t("data.login_to_upload", lang))
        return None
    left, right = st.columns([4, 1], vertical_alignment="center")
    left.write(t("data.logged_in_as", lang, name=user.name, role=t(f"data.role_{user.role}", lang)))
    right.button(t("data.logout", lang), key="data_logout", on_click=_log_out)
    if not user.can_edit():
        st.warning(t("data.viewer_cannot_upload", lang))
    return user


# ------------------------------------------------------------------ login log (editors)


def _moment_text(stored: pd.Timestamp, lang: str, zone: dt.tzinfo | None) -> str:
    moment = stored.to_pydatetime().replace(tzinfo=dt.UTC)
    local = moment.astimezone(zone) if zone else moment.astimezone()
    return f"{fmt_date(local.date(), lang)} {fmt_time(moment, lang, zone)}"


def login_log_section(lang: str) -> None:
    """The newest login attempts for editors: when, which name, outcome, from where."""
    st.subheader(t("data.logins", lang))
    zone = viewer_zone()
    st.caption(
        t(
            "data.logins_caption",
            lang,
            n=LOG_ROWS,
            zone=str(zone) if zone else t("data.local_time", lang),
            failures=users.LOCK_AFTER_FAILURES,
            window=fmt_minutes(users.FAILURE_WINDOW, lang),
            lock=fmt_minutes(users.LOCK_DURATION, lang),
        )
    )
    with data.reading_here() as cur:
        log = users.recent_logins(cur, LOG_ROWS)
    if log.empty:
        st.info(t("data.no_logins", lang))
        return
    yes, no = t("data.yes", lang), t("data.no", lang)
    shown = log.assign(
        when=[_moment_text(w, lang, zone) for w in log["logged_at"]],
        outcome_text=log["outcome"].map(lambda o: t(f"data.outcome_{o}", lang)),
        exists_text=log["account_exists"].map(lambda e: yes if e else no),
        channel_text=log["channel"].map(lambda c: t(f"data.channel_{c}", lang)),
    )
    locale_table(  # names typed by anyone at the login form: neutralised as text cells
        shown,
        [
            ("when", t("data.col_when", lang), "text"),
            ("account", t("data.col_account", lang), "text"),
            ("outcome_text", t("data.col_outcome", lang), "text"),
            ("exists_text", t("data.col_account_exists", lang), "text"),
            ("channel_text", t("data.col_channel", lang), "text"),
        ],
        lang,
        key="data_logins",
    )
