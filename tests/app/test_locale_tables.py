"""Every table on every page, as the reader sees it in Russian and Ukrainian (issue 15): no
number with a decimal point, no ISO date or "2015Q1" label, no "None"/"nan" for a missing
value. Texts are the tables' display values (see tests.app.conftest.shown)."""

import re

import pytest

from tests.app.conftest import open_section, shown

PAGES = ("review", "overview", "parks", "regions", "explore", "data", "methods")
NUMBER_WITH_POINT = re.compile(r"[+\-−]?[\d\s\u00a0]*\d\.\d+\s*%?")
RAW = re.compile(r"\d{4}-\d{2}-\d{2}|\b\d{4}Q[1-4]\b")
MISSING_WORDS = {"None", "nan", "NaN", "NaT", "<NA>"}


def bad_cells(at) -> list[str]:
    found = []
    for table in at.dataframe:
        frame = shown(table)
        for column in frame.columns:
            for value in frame[column]:
                text = str(value).strip()
                if NUMBER_WITH_POINT.fullmatch(text) or text in MISSING_WORDS or RAW.search(text):
                    found.append(f"{column}: {text!r}")
    return found


@pytest.mark.parametrize("lang", ["ru", "uk"])
@pytest.mark.parametrize("page", PAGES)
def test_tables_read_in_the_locale(app, page, lang):
    at = app(lang, page=page)
    assert not at.exception, [e.value for e in at.exception]
    assert at.dataframe, "no table on the page"
    assert bad_cells(at) == []
    if page == "review":  # the sections shown one at a time have tables too
        for section in ("ranking", "recommendations"):
            assert bad_cells(open_section(at, section)) == []
