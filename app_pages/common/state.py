"""The reader's language and choices, kept in the URL (?lang=uk&quarter=2025Q2&region=XD-05)
so that a link reproduces the view, and the selectors that read and write them."""

from __future__ import annotations

import streamlit as st

from analytics.i18n import DEFAULT_LANGUAGE, LANGUAGES, t

LANGUAGE_NAMES = {"ru": "Русский", "uk": "Українська", "en": "English"}


def language() -> str:
    """The language from the URL (?lang=uk); Russian by default."""
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
        placeholder=t("app_locale.choose", language()),
        on_change=_changed,
    )


def url_choice(key: str, options: list, default=None):
    """The URL's value of ``key`` when it is one of ``options``, else ``default`` (or the
    first option). Pages pass the same ``key`` to their widget and call
    :func:`remember_choice` from its ``on_change``."""
    value = st.query_params.get(key)
    for option in options:  # the URL holds text: "0.05" names the option 0.05
        if option is not None and str(option) == value:
            return option
    return default if default in options else (options[0] if options else None)


def remember_choice(key: str, widget_key: str) -> None:
    """Write a widget's value to the URL (use as ``on_change=remember_choice, args=(...)``)."""
    value = st.session_state.get(widget_key)
    if value is None:
        st.query_params.pop(key, None)
    else:
        st.query_params[key] = str(value)


def url_select(container, label: str, options: list, url_key: str, key: str, **kwargs):
    """A selectbox whose choice lives in the URL under ``url_key`` (``default``: the option
    chosen when the URL names none)."""
    default = kwargs.pop("default", None)
    return container.selectbox(
        label,
        options,
        index=options.index(url_choice(url_key, options, default)),
        key=key,
        placeholder=t("app_locale.choose", language()),
        on_change=kwargs.pop("on_change", remember_choice),
        args=kwargs.pop("args", (url_key, key)),
        **kwargs,
    )


def url_radio(container, label: str, options: list, url_key: str, key: str, **kwargs):
    """A radio whose choice lives in the URL under ``url_key`` (as :func:`url_select`)."""
    default = kwargs.pop("default", None)
    on_change = kwargs.pop("on_change", remember_choice)
    return container.radio(
        label,
        options,
        index=options.index(url_choice(url_key, options, default)),
        key=key,
        on_change=on_change,
        args=kwargs.pop("args", (url_key, key)),
        **kwargs,
    )


def region_select(container, label: str, names: dict[str, str], all_label: str, key: str):
    """A region choice with "all regions" (None) first, kept in the URL (?region=XD-05)."""
    return url_select(
        container,
        label,
        [None, *names],
        "region",
        key,
        format_func=lambda c: all_label if c is None else names[c],
    )


def indicator_select(container, label: str, names: dict[str, str], key: str):
    """A choice of indicator (code -> name in the language), employment first when offered."""
    options = list(names)
    return container.selectbox(
        label,
        options,
        index=options.index("employment") if "employment" in names else 0,
        format_func=names.__getitem__,
        key=key,
        placeholder=t("app_locale.choose", language()),
    )
