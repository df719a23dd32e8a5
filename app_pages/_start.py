"""Which page opens first: the "getting started" view while the warehouse is missing or
lacks what the quarterly review needs (the registry and the quarterly reports); otherwise the
review, with "getting started" last in the menu."""

from __future__ import annotations

import streamlit as st

from analytics.errors import UserError
from analytics.registries.getting_started import LoadingState, loading_state
from app_pages.common import data

PAGE = ("getting_started", "🚀")


@st.cache_data(show_spinner=False)
def _state() -> LoadingState:
    with data.cursor() as cur:
        return loading_state(cur)


def state() -> LoadingState | None:
    """How far loading has come; None when there is no warehouse to open."""
    try:
        return _state()
    except UserError:
        return None


def pages_in_order(pages: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``pages`` with the getting-started page first while it is needed, else last."""
    found = state()
    if found is None or not found.ready:
        return [PAGE, *pages]
    return [*pages, PAGE]
