"""What every page shares: the cached warehouse connection, cached queries, language and banner.

Caching lives here and only here: ``st.cache_resource`` for the DuckDB connection and
``st.cache_data`` for query results keyed by their parameters and a stamp of the loaded
batches, so loading new data invalidates them. Pages call these and draw; analytics computes.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from analytics import explore
from analytics.errors import UserError
from analytics.i18n import DEFAULT_LANGUAGE, LANGUAGES, t
from analytics.i18n import unit_label as _unit_label
from analytics.kpi.overview import Overview, overview
from analytics.warehouse.connection import connect, default_db_path

LANGUAGE_NAMES = {"ru": "Русский", "uk": "Українська", "en": "English"}


def language() -> str:
    """The language from the URL (?lang=uk), so a link reproduces the view; Russian by default."""
    lang = st.query_params.get("lang", DEFAULT_LANGUAGE)
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def sidebar_language_switch(lang: str) -> None:
    def _changed() -> None:
        st.query_params["lang"] = st.session_state["lang_select"]

    st.sidebar.selectbox(
        t("app.language", lang),
        LANGUAGES,
        index=LANGUAGES.index(lang),
        format_func=LANGUAGE_NAMES.__getitem__,
        key="lang_select",
        on_change=_changed,
    )


@st.cache_resource
def url_choice(key: str, options: list, default=None):
    """A choice kept in the URL (?quarter=2025Q2&region=XD-R01&park=XD-P001) so that a link
    reproduces the view. Returns the URL's value when it is one of ``options``, else
    ``default`` (or the first option). Pages pass the same ``key`` to their widget and call
    :func:`remember_choice` from its ``on_change``."""
    value = st.query_params.get(key)
    if value in options:
        return value
    return default if default in options else (options[0] if options else None)


def remember_choice(key: str, widget_key: str) -> None:
    """Write a widget's value to the URL (use as ``on_change=remember_choice, args=(...)``)."""
    value = st.session_state.get(widget_key)
    if value is None:
        st.query_params.pop(key, None)
    else:
        st.query_params[key] = str(value)


@st.cache_resource
def _connection(path: str) -> duckdb.DuckDBPyConnection:
    """The app's one DuckDB connection, read-write because editors load data from the Data
    page (DuckDB lets one process hold a file read-write; pages take a cursor per call)."""
    if not Path(path).exists():
        raise UserError("warehouse.missing", path=path)
    return connect(path)


def cursor() -> duckdb.DuckDBPyConnection:
    """A fresh cursor on the shared connection (DuckDB cursors are not shared across threads)."""
    return _connection(str(default_db_path())).cursor()


def _db_stamp() -> tuple[str, int, int]:
    """Cache key of the data: the file plus the newest loaded batch, so an import (from the
    app or the command line) invalidates every cached query."""
    path = str(default_db_path())
    with _connection(path).cursor() as cur:
        newest, batches = cur.execute(
            "SELECT coalesce(max(source_id), 0), count(*) FROM source"
        ).fetchone()
    return path, newest, batches


def require_database(lang: str) -> None:
    """Stop the page with a translated explanation when the warehouse cannot be opened."""
    try:
        _db_stamp()
    except UserError as exc:
        st.error(exc.message(lang))
        st.stop()


@st.cache_data(show_spinner=False)
def _overview(path: str, newest: int, batches: int) -> Overview:
    with _connection(path).cursor() as cur:
        return overview(cur)


def load_overview() -> Overview:
    return _overview(*_db_stamp())


def data_banner(lang: str) -> None:
    """The simulated-data notice, on every page while demo data are loaded."""
    try:
        simulated = load_overview().simulated
    except UserError:
        return
    if simulated:
        st.warning(t("app.simulated_banner", lang), icon="⚠️")


def plotly_separators(lang: str) -> str:
    """Plotly's decimal and thousands separators for the language."""
    return ".," if lang == "en" else ", "


@st.cache_data(show_spinner=False)
def _cached(name: str, stamp: tuple[str, int, int], *args):
    """One cache for the queries pages use, keyed by function, data stamp and arguments."""
    with _connection(stamp[0]).cursor() as cur:
        return _QUERIES[name](cur, *args)


_QUERIES = {
    "indicators": explore.indicators,
    "quarters": explore.quarters,
    "currency": explore.currency,
    "group_labels": explore.group_labels,
    "series": lambda cur, *a: explore.series(
        cur, a[0], a[1], group_by=a[2], start=a[3], end=a[4], region=a[5]
    ),
    "regions": lambda cur, lang: dict(
        cur.execute(f"SELECT code, name_{lang} FROM region ORDER BY name_{lang}").fetchall()
    ),
}


def indicators(level: str) -> pd.DataFrame:
    return _cached("indicators", _db_stamp(), level)


def quarters() -> list[dt.date]:
    return _cached("quarters", _db_stamp())


def regions(lang: str) -> dict[str, str]:
    """Region code -> name in the language, sorted by name."""
    return _cached("regions", _db_stamp(), lang)


def group_labels(group_by: str, lang: str) -> dict[str, str]:
    return _cached("group_labels", _db_stamp(), group_by, lang)


def explore_series(level, indicator, group_by, start, end, region) -> explore.Series:
    return _cached("series", _db_stamp(), level, indicator, group_by, start, end, region)


def unit_label(unit: str, lang: str) -> str:
    return _unit_label(unit, lang, _cached("currency", _db_stamp()))
