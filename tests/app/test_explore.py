"""The Explore page: any indicator, level and grouping renders; the table matches the warehouse."""

import re

import duckdb
import pytest

from analytics.i18n import LANGUAGES, fmt_quarter, t
from tests.app.conftest import shown


@pytest.mark.parametrize("lang", LANGUAGES)
def test_explore_renders_in_each_language(app, lang):
    at = app(lang, page="explore")
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == t("explore.title", lang)
    assert at.get("plotly_chart")


def test_region_level_grouped_by_district_sums_the_regions(app, demo_db):
    at = app("en", page="explore")
    at.radio(key="explore_level").set_value("region").run()
    at.selectbox(key="explore_indicator_region").set_value("employment").run()
    at.selectbox(key="explore_group_region").set_value("district").run()
    assert not at.exception, [e.value for e in at.exception]
    table = shown(at.dataframe[0])
    last = table[table["Quarter"] == "Q4 2025"]
    # Outside reference: the same total straight from the mart with plain SQL.
    with duckdb.connect(str(demo_db), read_only=True) as con:
        expected = con.execute(
            "SELECT sum(value) FROM region_quarter"
            " WHERE indicator = 'employment' AND quarter = DATE '2025-10-01'"
        ).fetchone()[0]
    value_column = [c for c in table.columns if c.startswith("Employment")][0]
    total = sum(float(v.replace(",", "")) for v in last[value_column])
    assert total == pytest.approx(expected, abs=0.5 * len(last))  # persons, each rounded


def test_parks_grouped_by_type_use_translated_labels(app):
    at = app("uk", page="explore")
    at.selectbox(key="explore_group_park").set_value("park_type").run()
    assert not at.exception
    groups = set(at.dataframe[0].value.iloc[:, 0])
    assert t("park_type.technopark", "uk") in groups


@pytest.mark.parametrize(
    ("level", "indicator"),
    [("park", "jobs_total"), ("municipality", "employment"), ("region", "employment")],
)
def test_each_level_opens_on_an_indicator_with_data(app, demo_db, level, indicator):
    """Issue 15: the municipal level opened on an indicator without data (an empty view)."""
    at = app("ru", page="explore")
    at.radio(key="explore_level").set_value(level).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key=f"explore_indicator_{level}").value == indicator
    assert not at.info, [i.value for i in at.info]
    (table,) = (shown(d) for d in at.dataframe)
    assert len(table) > 0
    # every indicator offered has data (plain SQL on the marts; park KPIs from reports)
    offered = at.selectbox(key=f"explore_indicator_{level}").options
    if level != "park":
        with duckdb.connect(str(demo_db), read_only=True) as con:
            stored = {
                name
                for (name,) in con.execute(
                    f"SELECT DISTINCT i.name_ru FROM {level}_quarter s JOIN indicator i"
                    f" ON i.code = s.indicator AND i.entity = '{level}'"
                ).fetchall()
            }
        assert set(offered) <= stored


@pytest.mark.parametrize("lang", ["ru", "uk"])
def test_the_table_is_written_in_the_locale(app, lang):
    at = app(lang, page="explore")
    at.radio(key="explore_level").set_value("municipality").run()
    at.selectbox(key="explore_indicator_municipality").set_value("avg_wage").run()
    table = shown(at.dataframe[0])
    cells = [str(v) for column in table.columns for v in table[column]]
    assert not [c for c in cells if re.search(r"\d\.\d|\d{4}Q\d", c)]
    periods = set(table[t("explore.col_period", lang)])
    assert fmt_quarter((2025, 4), lang) in periods  # "IV кв. 2025"
