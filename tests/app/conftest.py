"""AppTest fixtures: the dashboard run in-process on the session's demo warehouse."""

import shutil
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from app_pages.common.format import plain

DASHBOARD = str(Path(__file__).resolve().parents[2] / "dashboard.py")


def new_app(lang: str | None = None) -> AppTest:
    at = AppTest.from_file(DASHBOARD, default_timeout=60)
    if lang:
        at.query_params["lang"] = lang
    return at


@pytest.fixture
def app_db(demo_db, tmp_path, monkeypatch):
    """A private copy of the demo warehouse for the app: the app holds its file read-write."""
    path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(demo_db, path)
    monkeypatch.setenv("PARKS_DB", str(path))
    return path


@pytest.fixture
def app(app_db):
    """``app(lang, page=None)`` runs the dashboard (optionally switched to an app_pages/ page)."""

    def run(lang: str | None = None, page: str | None = None) -> AppTest:
        at = new_app(lang).run()
        if page:
            at.switch_page(f"app_pages/{page}.py").run()
        return at

    return run


def open_section(at: AppTest, section: str) -> AppTest:
    """Show one of the review page's on-demand sections (compliance, ranking, ...)."""
    at.button_group(key="review_section").set_value(section).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def shown(table):
    """An AppTest dataframe as the reader sees it: each cell's text (a styled column's
    display text, numbers without the padding that makes them sort; see
    app_pages.common.format)."""
    from streamlit import dataframe_util

    styler = table.proto.arrow_data.styler
    frame = (
        dataframe_util.convert_arrow_bytes_to_pandas_df(styler.display_values)
        if styler.display_values
        else table.value
    )
    return pd.DataFrame(
        {c: [plain(v) if isinstance(v, str) else v for v in frame[c]] for c in frame.columns}
    )
