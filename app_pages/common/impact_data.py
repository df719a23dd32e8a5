"""The Impact page's accessors beyond :mod:`app_pages.common.data`: the agreement table of a
park effect and the batch tables of the current data, each one cached analytics call.

They live here, beside the shared accessors, so the page's newer features do not crowd that
module; the router's cache clearing (``data.watch_data``) empties these caches too.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from analytics.warehouse.connection import default_db_path
from app_pages.common.data import cursor


@st.cache_data(show_spinner=False)
def park_agreement(params: dict):
    """``analytics.effects.agreement.park_agreement`` for the estimate's choices: every
    method for the same park (or every park) and outcome."""
    from analytics.effects.agreement import park_agreement as table

    with cursor() as cur:
        return table(cur, **params)


def batch_folder() -> Path:
    from analytics.effects.park_batch import batch_folder as folder

    return folder(default_db_path())


def batch_files() -> tuple[tuple[str, float], ...]:
    """The batch tables in the folder (name, modification time): part of the cache key, so a
    batch written while the app runs shows on the next interaction."""
    from analytics.effects.batch import SUFFIXES

    folder = batch_folder()
    if not folder.is_dir():
        return ()
    return tuple(
        (p.name, p.stat().st_mtime)
        for p in sorted(folder.iterdir())
        if p.is_file() and p.suffix.lower() in SUFFIXES
    )


@st.cache_data(show_spinner=False)
def batch_view(files: tuple, outcome: str, method: str, level: str, treatment: str,
               transform: str, lang: str):  # fmt: skip
    """Every park's effect for the choices from the batch tables of the current data
    (``analytics.effects.park_batch``), None without one; ``files`` is :func:`batch_files`."""
    from analytics.effects.park_batch import current_batches, park_batch_view
    from analytics.effects.park_panel import data_stamp

    if not files:
        return None
    with cursor() as cur:
        stamp = data_stamp(cur)
    rows = current_batches(batch_folder(), stamp)
    return park_batch_view(rows, outcome=outcome, method=method, level=level,
                           treatment=treatment, transform=transform, lang=lang)  # fmt: skip
