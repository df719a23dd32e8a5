"""The Explore page: any indicator, level and grouping renders; the table matches the warehouse."""

import duckdb
import pytest

from analytics.i18n import LANGUAGES, t


@pytest.mark.parametrize("lang", LANGUAGES)
def test_explore_renders_in_each_language(app, lang):
    at = app(lang, page="explore")
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == t("explore.title", lang)
    assert at.get("plotly_chart")


def test_region_level_grouped_by_district_sums_the_regions(app, demo_db):
    at = app("en", page="explore")
    at.radio(key="explore_level").set_value("region").run()
    at.selectbox(key="explore_indicator").set_value("employment").run()
    at.selectbox(key="explore_group").set_value("district").run()
    assert not at.exception, [e.value for e in at.exception]
    table = at.dataframe[0].value
    last = table[table["Quarter"] == "Q4 2025"]
    # Outside reference: the same total straight from the mart with plain SQL.
    with duckdb.connect(str(demo_db), read_only=True) as con:
        expected = con.execute(
            "SELECT sum(value) FROM region_quarter"
            " WHERE indicator = 'employment' AND quarter = DATE '2025-10-01'"
        ).fetchone()[0]
    value_column = [c for c in table.columns if c.startswith("Employment")][0]
    assert last[value_column].sum() == pytest.approx(expected)


def test_parks_grouped_by_type_use_translated_labels(app):
    at = app("uk", page="explore")
    at.selectbox(key="explore_group").set_value("park_type").run()
    assert not at.exception
    groups = set(at.dataframe[0].value.iloc[:, 0])
    assert t("park_type.technopark", "uk") in groups
