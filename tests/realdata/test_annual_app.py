"""The app on a real warehouse holding an Ukrstat annual table beside a quarterly report: the
Regions page maps and charts an annual indicator by year, Explore lists it by year, and the
page choices that estimate on quarters (growth, spillovers, impact) do not offer it."""

from __future__ import annotations

import base64
import json
import shutil

import numpy as np
import pytest

from analytics.i18n import t
from tests.app.conftest import shown
from tests.realdata.test_acceptance import _app, cli, ua_warehouse  # noqa: F401 (fixture)
from tests.realdata.test_annual_tables import (
    UKRSTAT,
    UKRSTAT_LOADED,
    UKRSTAT_NOTES,
    UKRSTAT_TITLES,
    xlsx,
)

ANNUAL = "fixed_investment_annual"
NAME = "Капітальні інвестиції за рік"  # its Ukrainian name in the catalogue


@pytest.fixture
def with_annual(ua_warehouse, tmp_path):  # noqa: F811
    db = tmp_path / "ua.duckdb"
    shutil.copy(ua_warehouse, db)
    table = xlsx(tmp_path / "invest.xlsx", UKRSTAT_TITLES, UKRSTAT, UKRSTAT_NOTES)
    assert cli("import", str(table), "--db", str(db), "--user", "stat") == 0
    return db


def _numbers(values) -> list[float]:
    if isinstance(values, dict):  # plotly encodes numeric arrays as typed base64 buffers
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"]).tolist()
    return list(values)


def _traces(at) -> list[dict]:
    return [d for c in at.get("plotly_chart") for d in json.loads(c.proto.spec)["data"]]


def test_the_regions_page_maps_and_charts_an_annual_indicator_by_year(with_annual, monkeypatch):
    at = _app(with_annual, monkeypatch, "uk")
    at.switch_page("app_pages/regions.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert NAME in at.selectbox(key="regions_indicator").options
    assert "Капітальні інвестиції" in at.selectbox(key="regions_growth_indicator").options
    assert NAME not in at.selectbox(key="regions_growth_indicator").options
    assert NAME not in at.selectbox(key="regions_spill_outcome").options
    at.selectbox(key="regions_quarter").set_value("2020Q4").run()
    at.selectbox(key="regions_indicator").set_value(ANNUAL).run()
    assert not at.exception, [e.value for e in at.exception]
    headers = [s.value for s in at.subheader]
    assert t("regions.map_title", "uk", indicator=NAME, quarter="2020 р.") in headers
    assert t("regions.indicator_chart_year", "uk", indicator=NAME) in headers
    # one line per region over its years: Kyiv's is the values the table gave
    kyiv = next(d for d in _traces(at) if d.get("name") == "Київ")
    assert list(kyiv["x"]) == ["2019 р.", "2020 р.", "2021 р."]
    assert _numbers(kyiv["y"]) == [UKRSTAT_LOADED[("UA-30", y)] for y in (2019, 2020, 2021)]


def test_explore_lists_an_annual_indicator_by_year(with_annual, monkeypatch):
    at = _app(with_annual, monkeypatch, "uk")
    at.switch_page("app_pages/explore.py").run()
    at.radio(key="explore_level").set_value("region").run()
    at.selectbox(key="explore_indicator_region").set_value(ANNUAL).run()
    assert not at.exception, [e.value for e in at.exception]
    table = shown(at.dataframe[0])  # as the reader sees it: numbers in the locale
    period = t("explore.col_period", "uk")
    value = next(c for c in table.columns if c.startswith(NAME))
    kyiv = table[table.iloc[:, 0] == "Київ"]
    assert list(kyiv[period]) == ["2019 р.", "2020 р.", "2021 р."]
    assert [float(v.replace("\u00a0", "").replace(",", ".")) for v in kyiv[value]] == [
        pytest.approx(UKRSTAT_LOADED[("UA-30", y)], abs=0.05) for y in (2019, 2020, 2021)
    ]


def test_impact_offers_no_annual_outcome(with_annual, monkeypatch):
    at = _app(with_annual, monkeypatch, "uk")
    at.switch_page("app_pages/impact.py").run()
    assert not at.exception, [e.value for e in at.exception]
    options = at.selectbox(key="impact_outcome_municipality").options
    assert "Капітальні інвестиції" in options and NAME not in options


def test_methods_states_each_indicators_frequency_and_source(with_annual, monkeypatch):
    from analytics.warehouse.build import indicator_catalogue

    at = _app(with_annual, monkeypatch, "uk")
    at.switch_page("app_pages/methods.py").run()
    assert not at.exception, [e.value for e in at.exception]
    code = t("methods.col_code", "uk")
    region = next(d.value for d in at.dataframe if "grp" in set(d.value.get(code, ()))).set_index(
        code
    )
    catalogue = indicator_catalogue().query("entity == 'region'").set_index("code")
    assert (
        region.loc["grp", t("methods.col_indicator_source", "uk")]
        == catalogue.loc["grp", "source_uk"]
    )
    assert region.loc["grp", t("methods.col_frequency", "uk")] == t("methods.frequency_year", "uk")
    frequency = region.loc["employment", t("methods.col_frequency", "uk")]
    assert frequency == t("methods.frequency_quarter", "uk")


def test_the_overview_dates_annual_statistics_by_year(with_annual, monkeypatch):
    at = _app(with_annual, monkeypatch, "uk")
    at.switch_page("app_pages/overview.py").run()
    assert not at.exception, [e.value for e in at.exception]
    table = next(d.value for d in at.dataframe if t("overview.col_table", "uk") in d.value.columns)
    rows = dict(zip(table.iloc[:, 0], table[t("overview.col_last_period", "uk")], strict=True))
    assert rows[t("table.region_year", "uk")] == "2021 р."
    assert rows[t("table.park_quarter", "uk")] == "II кв. 2025"
